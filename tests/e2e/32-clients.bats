#!/usr/bin/env bats
# Real clients calling posta as their sendmail (issue #4, point 5): git
# send-email, s-nail, mutt and a cron-like run with an empty environment. posta
# finds its settings in a configuration file (STARTTLS to servers/smtpd.py,
# the test CA as tls-ca, AUTH with a password from the file or a command);
# each test checks the message that arrived.
#
# The clients come from Debian: git-email (+ libmailtools-perl), s-nail, mutt
# (scripts/deps installs them).

load helpers

setup_file() {
	make_certs
}

setup() {
	posta_setup
	unset POSTA_PASSWORD
	PW='s3cret for the clients'
	CFG="$XDG_CONFIG_HOME/posta/config"
	# The clients must not find a real configuration either.
	export MAILRC=/dev/null
	export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$HOME/.gitconfig"
	local c
	for c in git mutt s-nail; do
		command -v "$c" >/dev/null || flunk "$c is not installed (scripts/deps installs it)"
	done
}

teardown() {
	stop_servers
}

# client_server: smtpd.py with STARTTLS and AUTH, and a configuration file
# that reaches it (mode 0600: it holds the password).
client_server() {
	tls_smtpd --auth "demo:$PW"
	write_config "$CFG" <<EOF
# posta for the mail clients
defaults
tls-ca $CERTS/ca.pem
timeout 5

account local
server smtp://127.0.0.1:$SMTP_PORT
user demo
password "$PW"

account default : local
EOF
}

# client_done NAME: the client exited 0 and nothing was left in a dead letter.
client_done() {
	if [ "$status" -ne 0 ]; then
		echo "$1 exited $status; its output:" >&2
		cat "$ERR" >&2
		return 1
	fi
	refute_dead_letter
}

# arrived_logged_in: the message that arrived came over TLS as demo.
arrived_logged_in() {
	assert_eq demo "$(arrived_env 'e["auth_user"]')" 'logged in as' || return 1
	assert_match 'TLSv1\.[23]' "$(arrived_env 'e["tls"]["version"]')" 'TLS version'
}

# ---------------------------------------------------------------- git send-email

@test "git send-email --sendmail-cmd=posta: a two-patch series arrives, threaded, Bcc only in the envelope" {
	client_server
	local repo="$BATS_TEST_TMPDIR/repo"
	git init -q "$repo"
	cd "$repo"
	git config user.name 'Dev One'
	git config user.email dev@example.org
	printf 'alpha\n' >frob.c
	git add frob.c
	git commit -qm 'Add the frobnicator'
	printf 'beta\n' >>frob.c
	git commit -qam 'Fix the frobnicator' -m 'It frobbed too much; now it frobs just enough.'
	printf '.\n..leading dots in a patch\n' >>frob.c
	git commit -qam 'Teach the frobnicator about dots'
	git format-patch -q -2 --thread -o "$BATS_TEST_TMPDIR/patches"
	cd "$W"
	status=0
	git -C "$repo" send-email --sendmail-cmd="$POSTA" --envelope-sender=auto \
		--from='Dev One <dev@example.org>' --to=maint@example.org \
		--cc=reviewer@example.org --bcc=archive@example.org \
		--suppress-cc=all --confirm=never --no-annotate --quiet \
		"$BATS_TEST_TMPDIR"/patches/*.patch </dev/null >"$ERR" 2>&1 || status=$?
	client_done 'git send-email'
	wait_arrived 2
	assert_eq 2 "$(arrived_n)" 'messages arrived'
	local f subj1 subj2 id1 irt2
	for f in "$MAILDIR"/*.json; do
		GOT=${f%.json}
		arrived_logged_in
		assert_mail_from dev@example.org
		assert_rcpts maint@example.org reviewer@example.org archive@example.org
		refute_grep 'archive@' "$GOT.eml"
	done
	MSG="$BATS_TEST_TMPDIR/m1.eml"
	tr -d '\r' <"$MAILDIR/001.eml" >"$MSG"
	subj1=$(mc header Subject)
	id1=$(mc header Message-Id)
	mc body >body1.txt
	MSG="$BATS_TEST_TMPDIR/m2.eml"
	tr -d '\r' <"$MAILDIR/002.eml" >"$MSG"
	subj2=$(mc header Subject)
	irt2=$(mc header In-Reply-To)
	mc body >body2.txt
	assert_eq '[PATCH 1/2] Fix the frobnicator' "$subj1" 'first Subject'
	assert_eq '[PATCH 2/2] Teach the frobnicator about dots' "$subj2" 'second Subject'
	assert_eq "$id1" "$irt2" 'the second replies to the first'
	assert_eq "$(printf 'Dev One\tdev@example.org')" "$(mc addrs From)" 'From'
	grep -qF 'It frobbed too much; now it frobs just enough.' body1.txt ||
		flunk "the commit message is not in the first body: $(cat body1.txt)"
	grep -qxF '+beta' body1.txt || flunk "the diff is not in the first body: $(cat body1.txt)"
	# The dot lines of the diff survive the trip (dot-stuffing undone).
	grep -qxF '+.' body2.txt || flunk "'+.' is not in the second body: $(cat body2.txt)"
	grep -qxF '+..leading dots in a patch' body2.txt ||
		flunk "'+..leading dots' is not in the second body: $(cat body2.txt)"
	# The patch as git wrote it is what arrived, but for CRLF: its headers
	# and its body, byte for byte (git send-email adds its own headers).
	tail -n +"$(grep -n '^$' "$BATS_TEST_TMPDIR/patches/0002-"*.patch | head -n 1 | cut -d: -f1)" \
		"$BATS_TEST_TMPDIR/patches/0002-"*.patch >patch-body.txt
	tail -n +"$(grep -n '^$' "$MSG" | head -n 1 | cut -d: -f1)" "$MSG" >arrived-body.txt
	assert_same_bytes patch-body.txt arrived-body.txt
}

# ---------------------------------------------------------------- s-nail

@test "s-nail with mta=posta and sendwait: text and attachment arrive" {
	client_server
	make_pdf report.pdf 4000
	printf 'Le rapport est joint.\nCaf\303\251 \342\234\223\n' >body.txt
	status=0
	LC_ALL=C.UTF-8 s-nail -:/ -S mta="$POSTA" -S sendwait -S ttycharset=utf-8 \
		-S from='Rapporteur <reports@example.org>' -s 'Rapport du jour' \
		-a report.pdf -c copy@example.org ops@example.org <body.txt >"$ERR" 2>&1 || status=$?
	client_done s-nail
	arrived
	arrived_logged_in
	assert_rcpts ops@example.org copy@example.org
	assert_mail_from reports@example.org
	assert_header Subject 'Rapport du jour'
	assert_eq "$(printf 'Rapporteur\treports@example.org')" "$(mc addrs From)" 'From'
	assert_eq "$(printf 'Le rapport est joint.\nCaf\303\251 \342\234\223')" "$(mc body)" 'text'
	assert_part_is_file report.pdf report.pdf
}

@test "s-nail: -b stays out of the headers; -r sets the envelope" {
	client_server
	status=0
	s-nail -:/ -S mta="$POSTA" -S sendwait -r 'bounces@example.org' -s 'blind' \
		-b hidden@example.org ops@example.org <<<'x' >"$ERR" 2>&1 || status=$?
	client_done s-nail
	arrived
	assert_rcpts ops@example.org hidden@example.org
	refute_grep 'hidden@' "$GOT.eml"
	assert_mail_from bounces@example.org
	assert_header Subject blind
}

# ---------------------------------------------------------------- mutt

# muttrc SENDMAIL: a muttrc in $W that sends with SENDMAIL.
muttrc() {
	cat >"$W/muttrc" <<EOF
set sendmail="$1"
set use_from=yes
set from="Mutt User <mutt@example.org>"
set use_envelope_from=yes
set record=""
set copy=no
set charset="utf-8"
set send_charset="us-ascii:utf-8"
set folder="$HOME/Mail"
set spoolfile="$HOME/Mail/inbox"
EOF
}

# send_mutt ARG...: mutt in batch mode, the body from body.txt.
send_mutt() {
	status=0
	timeout 20 mutt -n -F "$W/muttrc" "$@" <body.txt >"$ERR" 2>&1 || status=$?
}

@test "mutt in batch mode with sendmail=\"posta -oem -oi\" (its default flags): body, attachment and Bcc" {
	client_server
	muttrc "$POSTA -oem -oi"
	make_pdf scan.pdf 6000
	printf 'Hi,\n\nthe scan is attached. Caf\303\251 \342\234\223\n.\nA line with a lone dot above.\n' >body.txt
	send_mutt -s 'Scan for you' -c cc@example.org -b hidden@example.org -a scan.pdf -- to@example.org
	client_done mutt
	arrived
	arrived_logged_in
	assert_rcpts to@example.org cc@example.org hidden@example.org
	refute_grep 'hidden@' "$GOT.eml"
	assert_mail_from mutt@example.org
	assert_header Subject 'Scan for you'
	assert_eq "$(printf 'Mutt User\tmutt@example.org')" "$(mc addrs From)" 'From'
	assert_eq "$(printf 'Hi,\n\nthe scan is attached. Caf\303\251 \342\234\223\n.\nA line with a lone dot above.')" \
		"$(mc body)" 'text'
	assert_part_is_file scan.pdf scan.pdf
}

# ---------------------------------------------------------------- cron

# cron_env CMD...: CMD as cron runs the mailer: no terminal (a new session,
# stdin the job's output from cron.eml), an environment holding nothing but
# PATH and what follows in CRON_ENV (no HOME, no USER, no LOGNAME).
# POSTA_DEAD_LETTER is kept so that a failure cannot write to the real home.
cron_env() {
	status=0
	timeout 10 setsid -w env -i PATH=/usr/bin:/bin POSTA_DEAD_LETTER="$POSTA_DEAD_LETTER" \
		"${CRON_ENV[@]}" "$@" <cron.eml >"$MSG" 2>"$ERR" || status=$?
}

# cronie's message: From with a display name and the host's address.
make_cron_mail() {
	cat >cron.eml <<'EOF'
From: "(Cron Daemon)" <root@backup1.example.org>
To: ops@example.org
Subject: Cron <root@backup1> /usr/local/bin/nightly-backup
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit
Precedence: bulk
X-Cron-Env: <SHELL=/bin/sh>
X-Cron-Env: <HOME=/root>
X-Cron-Env: <PATH=/usr/bin:/bin>
X-Cron-Env: <LOGNAME=root>

rsync: 1234 files, 56 MB
.
backup finished ✓
EOF
}

@test "cron-like: a 'sendmail' symlink, empty environment but XDG_CONFIG_HOME, no HOME, no terminal" {
	client_server
	printf '%s\n' "$PW" >"$BATS_TEST_TMPDIR/pw"
	chmod 600 "$BATS_TEST_TMPDIR/pw"
	# The password from a command this time, found through PATH.
	sed -i "s|^password .*|password-command cat $BATS_TEST_TMPDIR/pw|" "$CFG"
	mkdir -p "$BATS_TEST_TMPDIR/sbin"
	ln -s "$POSTA" "$BATS_TEST_TMPDIR/sbin/sendmail"
	make_cron_mail
	CRON_ENV=(XDG_CONFIG_HOME="$XDG_CONFIG_HOME")
	cron_env "$BATS_TEST_TMPDIR/sbin/sendmail" -FCronDaemon -i -B8BITMIME -oem ops@example.org
	assert_status 0
	[ ! -s "$ERR" ] && [ ! -s "$MSG" ] || flunk "output: $(cat "$MSG" "$ERR")"
	refute_dead_letter
	arrived
	arrived_logged_in
	assert_rcpts ops@example.org
	assert_mail_from root@backup1.example.org
	fields_removed "$GOT.eml" rest.eml Date Message-ID
	crlf cron.eml want.eml
	assert_same_bytes want.eml rest.eml
	assert_eq 1 "$(mc count Date)" 'Date fields'
	assert_eq 1 "$(mc count Message-ID)" 'Message-ID fields'
}

@test "cron-like with --config only (no XDG_CONFIG_HOME, no HOME), and a failure saves the mail" {
	client_server
	mv "$CFG" "$BATS_TEST_TMPDIR/posta.conf"
	make_cron_mail
	CRON_ENV=()
	cron_env "$POSTA" --config="$BATS_TEST_TMPDIR/posta.conf" -FCronDaemon -i -B8BITMIME -oem ops@example.org
	assert_status 0
	refute_dead_letter
	arrived
	arrived_logged_in
	assert_header Subject 'Cron <root@backup1> /usr/local/bin/nightly-backup'
	assert_eq "$(printf 'rsync: 1234 files, 56 MB\n.\nbackup finished ✓')" "$(mc body)" 'body'
	# The server goes away: the mail is kept, the exit status says try again.
	stop_servers
	cron_env "$POSTA" --config="$BATS_TEST_TMPDIR/posta.conf" -FCronDaemon -i -B8BITMIME -oem ops@example.org
	assert_fails 75
	assert_dead_letter root@backup1.example.org
	grep -qF 'backup finished' "$POSTA_DEAD_LETTER" || flunk 'the output is not in the dead letter'
}

@test "Debian cron's own message (From: root (Cron Daemon), unqualified) is delivered" {
	client_server
	# What Debian's cron (3.0pl1-162) writes: 'From: %s' with MAILFROM, else
	# 'root (Cron Daemon)', an address without a domain, as sendmail allows;
	# the mailer is '/usr/sbin/sendmail -FCronDaemon -i -B8BITMIME -oem MAILTO'.
	cat >cron.eml <<'EOF'
From: root (Cron Daemon)
To: ops@example.org
Subject: Cron <root@backup1> test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit
X-Cron-Env: <SHELL=/bin/sh>
X-Cron-Env: <HOME=/root>
X-Cron-Env: <PATH=/usr/bin:/bin>
X-Cron-Env: <LOGNAME=root>

/etc/cron.daily/logrotate: done
EOF
	CRON_ENV=(XDG_CONFIG_HOME="$XDG_CONFIG_HOME")
	cron_env "$POSTA" -FCronDaemon -i -B8BITMIME -oem ops@example.org
	assert_status 0
	refute_dead_letter
	arrived
	assert_rcpts ops@example.org
	assert_header Subject 'Cron <root@backup1> test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily'
	grep -q '^From: .*root.*Cron Daemon' "$MSG" || flunk "From: $(grep -i '^From:' "$MSG")"
	assert_eq '/etc/cron.daily/logrotate: done' "$(mc body)" 'body'
}
