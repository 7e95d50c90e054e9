#!/usr/bin/env bats
# The configuration file (issue #4): msmtp-like sections, inheritance, the
# account chosen by --account, by From or by default, flags over the file,
# errors naming file:line:key, password files that others can read, where the
# file is looked for, --show-config, ~/.netrc and the password sources in
# order. Deliveries go to servers/smtpd.py: plain (tls none) or STARTTLS with
# the test CA (tls-ca) and AUTH.

load helpers

setup_file() {
	make_certs
}

setup() {
	posta_setup
	unset POSTA_PASSWORD
	CFG="$XDG_CONFIG_HOME/posta/config"
	PW='c0rrect horse;battery'
}

teardown() {
	stop_servers
}

# show ARG...: posta --show-config ARG...; must succeed silently on stderr.
show() {
	run_posta --show-config "$@" </dev/null
	assert_status 0 || return 1
	[ ! -s "$ERR" ] || flunk "--show-config wrote to stderr: $(cat "$ERR")"
}

# shown KEY: the value --show-config printed for KEY (first word after it).
shown() {
	awk -v k="$1" '$1 == k { print $2; exit }' "$MSG"
}

# shown_line KEY: the whole line --show-config printed for KEY.
shown_line() {
	awk -v k="$1" '$1 == k { print; exit }' "$MSG"
}

# sent_ok: exit 0, nothing on stdout or stderr, no dead letter.
sent_ok() {
	assert_status 0 || return 1
	if [ -s "$ERR" ] || [ -s "$MSG" ]; then
		echo "posta succeeded but printed something:" >&2
		cat "$MSG" "$ERR" >&2
		return 1
	fi
	refute_dead_letter
}

# accounts_config PORT: a file with defaults, a chain of accounts and a
# default account.
accounts_config() {
	write_config "$CFG" <<EOF
# posta test configuration
defaults
tls none
timeout 5
helo defaults.example

account base
server 127.0.0.1:$1
# a comment between keys
helo base.example

account work : base
from Work Desk <desk@work.example>
helo client.work.example

account home : base
from me@home.example
envelope-from bounces@home.example

account default : home
EOF
}

# auth_config: STARTTLS to smtpd.py as demo, trusting the test CA; more
# lines from stdin are appended.
auth_config() {
	{
		printf 'account local\nserver smtp://127.0.0.1:%s\ntls-ca %s\nuser demo\ntimeout 5\n' \
			"$SMTP_PORT" "$CERTS/ca.pem"
		cat
		printf 'account default : local\n'
	} | write_config "$CFG"
}

# ---------------------------------------------------------------- sections

@test "defaults, account and inheritance: later sections win, every value names its line" {
	accounts_config 2525
	show --account work
	assert_eq "$CFG" "$(shown config)" 'config file'
	assert_eq work "$(shown account)" 'account'
	assert_eq '127.0.0.1:2525' "$(shown server)" 'server (from base)'
	assert_eq none "$(shown tls)" 'tls (from defaults)'
	assert_eq 5 "$(shown timeout)" 'timeout (from defaults)'
	assert_eq client.work.example "$(shown helo)" 'helo (work over base over defaults)'
	assert_match ".*\\($CFG:14\\)" "$(shown_line helo)" 'where helo came from'
	assert_match ".*\\($CFG:8\\)" "$(shown_line server)" 'where server came from'
	assert_eq desk@work.example "$(shown from)" 'from'
	show --account base
	assert_eq base.example "$(shown helo)" 'helo of base'
	assert_eq '' "$(shown envelope-from)" 'envelope-from of base'
}

@test "a delivery with --account uses the account's server, from and helo" {
	plain_smtpd
	accounts_config "$SMTP_PORT"
	run_posta --account work -s 'from the config' bob@example.org <<<'hello'
	sent_ok
	arrived
	assert_rcpts bob@example.org
	assert_mail_from desk@work.example
	assert_eq "$(printf 'Work Desk\tdesk@work.example')" "$(mc addrs From)" 'From'
	assert_eq client.work.example "$(arrived_env 'e["helo"]')" 'EHLO name'
}

@test "the account is chosen by the From address: -f, and the From of a whole message" {
	plain_smtpd
	accounts_config "$SMTP_PORT"
	run_posta -f 'Desk <desk@work.example>' -s x bob@example.org <<<'hello'
	sent_ok
	arrived
	assert_eq client.work.example "$(arrived_env 'e["helo"]')" 'EHLO name (account work)'
	assert_mail_from desk@work.example
	forget_arrived
	# The domain in any case matches (RFC 5321 2.4: the local part is the
	# one that may be case-sensitive).
	printf 'From: The Desk <desk@Work.EXAMPLE>\nTo: bob@example.org\nSubject: t\n\nbody\n' >in.eml
	run_posta -t <in.eml
	sent_ok
	arrived
	assert_eq client.work.example "$(arrived_env 'e["helo"]')" 'EHLO name (account work, -t)'
	assert_rcpts bob@example.org
	show -f me@home.example
	assert_eq home "$(shown account)" 'account for me@home.example'
}

@test "with no --account and no matching From, 'account default : NAME' is used" {
	plain_smtpd
	accounts_config "$SMTP_PORT"
	run_posta -f someone@else.example -s x bob@example.org <<<'hello'
	sent_ok
	arrived
	assert_mail_from bounces@home.example
	assert_eq base.example "$(arrived_env 'e["helo"]')" 'EHLO name (account home inherits base)'
	assert_eq "$(printf '\tsomeone@else.example')" "$(mc addrs From)" 'From stays the flag'
	show
	assert_eq home "$(shown account)" 'account without From'
}

@test "--account naming no account, or a default naming none: exit 78" {
	accounts_config 2525
	run_posta --show-config --account nosuch </dev/null
	assert_fails 78
	assert_stderr_contains nosuch
	assert_stderr_contains "$CFG"
	printf 'account a\nserver 127.0.0.1:1\naccount default : missing\n' | write_config "$CFG"
	run_posta --show-config </dev/null
	assert_fails 78
	assert_stderr_contains missing
}

@test "flags override the file" {
	plain_smtpd
	write_config "$CFG" <<'EOF'
account default : a
account a
server 127.0.0.1:1
tls starttls
helo file.example
timeout 30
EOF
	run_posta -f a@example.org --server="127.0.0.1:$SMTP_PORT" --tls=none --helo=flag.example \
		--timeout=5 -s x bob@example.org <<<'hello'
	sent_ok
	arrived
	assert_eq flag.example "$(arrived_env 'e["helo"]')" 'EHLO name'
	show --helo=flag.example --timeout=7
	assert_eq flag.example "$(shown helo)" 'helo'
	assert_match '.*\(command line\)' "$(shown_line helo)" 'where helo came from'
	assert_eq 7 "$(shown timeout)" 'timeout'
	assert_eq starttls "$(shown tls)" 'tls from the file'
}

@test "sendmail interface: the file's from only fills in a missing From; -f beats envelope-from" {
	plain_smtpd
	accounts_config "$SMTP_PORT"
	printf 'To: bob@example.org\nSubject: no From\n\nbody\n' >in.eml
	run_posta -t --account work <in.eml
	sent_ok
	arrived
	assert_eq "$(printf 'Work Desk\tdesk@work.example')" "$(mc addrs From)" 'From added from the file'
	assert_mail_from desk@work.example
	forget_arrived
	printf 'From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: own From\n\nbody\n' >in2.eml
	run_posta -t --account work <in2.eml
	sent_ok
	arrived
	assert_eq "$(printf 'Alice\talice@example.org')" "$(mc addrs From)" 'the message keeps its From'
	forget_arrived
	run_posta -i --account home -f env@example.org bob@example.org <in2.eml
	sent_ok
	arrived
	assert_mail_from env@example.org
	assert_eq "$(printf 'Alice\talice@example.org')" "$(mc addrs From)" 'From'
}

# ---------------------------------------------------------------- errors

@test "an unknown key: exit 78 naming file, line and key" {
	write_config "$CFG" <<'EOF'
defaults
tls none

account a
smtp-server mail.example.org
EOF
	run_posta --show-config </dev/null
	assert_fails 78
	assert_stderr_contains "$CFG:5"
	assert_stderr_contains smtp-server
	# Message flags are not keys of the file: only delivery settings are.
	printf 'defaults\nsubject Hello\n' | write_config "$CFG"
	run_posta --show-config </dev/null
	assert_fails 78
	assert_stderr_contains "$CFG:2"
	assert_stderr_contains subject
	# And a send stops at it too, sending nothing.
	plain_smtpd
	printf 'defaults\nserver 127.0.0.1:%s\ntls none\nbogus-key 1\n' "$SMTP_PORT" | write_config "$CFG"
	run_posta -f a@example.org bob@example.org <<<'body'
	assert_fails 78
	assert_stderr_contains "$CFG:4"
	assert_stderr_contains bogus-key
	refute_arrived
}

@test "a bad value: exit 78 naming file, line and key" {
	local -a cases=(
		'timeout|soon'
		'timeout|0'
		'tls|maybe'
		'dsn-return|sometimes'
		'dsn-notify|ALWAYS'
		'allow-partial|perhaps'
		'auth|MAGIC'
		'envelope-from|not an address'
		'helo|two words'
	)
	local c key val
	for c in "${cases[@]}"; do
		key=${c%%|*}
		val=${c#*|}
		printf '# bad values\ndefaults\nserver 127.0.0.1:1\n%s %s\n' "$key" "$val" | write_config "$CFG"
		run_posta --show-config </dev/null
		assert_fails 78 "$key $val"
		assert_stderr_contains "$CFG:4"
		assert_stderr_contains "$key"
	done
}

@test "--config naming a missing file: a configuration error naming it, nothing sent" {
	plain_smtpd
	run_posta --config="$BATS_TEST_TMPDIR/nope/config" --show-config </dev/null
	[ "$status" -eq 78 ] || [ "$status" -eq 66 ] ||
		flunk "exit $status, expected 78 (or 66); stderr: $(cat "$ERR")"
	assert_fails "$status"
	assert_stderr_contains "$BATS_TEST_TMPDIR/nope/config"
	printf 'From: a@example.org\nTo: b@example.org\n\nbody\n' >in.eml
	plain_args
	run_posta -i --config="$BATS_TEST_TMPDIR/nope/config" "${PLAIN_ARGS[@]}" b@example.org <in.eml
	[ "$status" -eq 78 ] || [ "$status" -eq 66 ] ||
		flunk "exit $status, expected 78 (or 66); stderr: $(cat "$ERR")"
	assert_stderr_contains "$BATS_TEST_TMPDIR/nope/config"
	refute_arrived
}

# ---------------------------------------------------------------- passwords in the file

@test "a file with a password readable by group or others is refused; 0600 is used" {
	tls_smtpd --auth "demo:$PW"
	auth_config <<<"password \"$PW\""
	local mode
	for mode in 644 640 604; do
		chmod "$mode" "$CFG"
		run_posta -f a@example.org -s x bob@example.org <<<'body'
		assert_fails 78 "mode $mode"
		assert_stderr_contains "$CFG"
		refute_arrived
		refute_grep "$PW" "$ERR"
	done
	chmod 600 "$CFG"
	run_posta -f a@example.org -s x bob@example.org <<<'body'
	sent_ok
	arrived
	assert_eq demo "$(arrived_env 'e["auth_user"]')" 'logged in as'
	assert_match 'TLSv1\.[23]' "$(arrived_env 'e["tls"]["version"]')" 'TLS'
}

@test "a file without a password may be readable by others" {
	plain_smtpd
	printf 'defaults\nserver 127.0.0.1:%s\ntls none\n' "$SMTP_PORT" | write_config "$CFG"
	chmod 644 "$CFG"
	run_posta -f a@example.org -s x bob@example.org <<<'body'
	sent_ok
	arrived
}

@test "--show-config masks the password key and POSTA_PASSWORD" {
	printf 'defaults\nserver 127.0.0.1:1\nuser demo\npassword "hunter2-in-file"\n' | write_config "$CFG"
	POSTA_PASSWORD='hunter3-in-env' show
	refute_grep hunter2 "$MSG"
	refute_grep hunter3 "$MSG"
	grep -qE '^password +\*+' "$MSG" || flunk "no masked password line: $(cat "$MSG")"
	assert_eq demo "$(shown user)" 'user'
}

# ---------------------------------------------------------------- where the file is

@test "\$XDG_CONFIG_HOME/posta/config before ~/.config/posta/config; --config before both" {
	printf 'defaults\nhelo xdg.example\n' | write_config "$XDG_CONFIG_HOME/posta/config"
	printf 'defaults\nhelo home.example\n' | write_config "$HOME/.config/posta/config"
	printf 'defaults\nhelo flag.example\n' | write_config "$BATS_TEST_TMPDIR/other.conf"
	show
	assert_eq "$XDG_CONFIG_HOME/posta/config" "$(shown config)" 'config with both'
	assert_eq xdg.example "$(shown helo)" 'helo'
	show --config="$BATS_TEST_TMPDIR/other.conf"
	assert_eq "$BATS_TEST_TMPDIR/other.conf" "$(shown config)" 'config with --config'
	assert_eq flag.example "$(shown helo)" 'helo'
	# XDG_CONFIG_HOME set but holding no posta/config: ~/.config's.
	rm -- "$XDG_CONFIG_HOME/posta/config"
	show
	assert_eq "$HOME/.config/posta/config" "$(shown config)" 'config without an XDG file'
	# XDG_CONFIG_HOME unset: ~/.config's.
	printf 'defaults\nhelo xdg.example\n' | write_config "$XDG_CONFIG_HOME/posta/config"
	(
		unset XDG_CONFIG_HOME
		show
		assert_eq "$HOME/.config/posta/config" "$(shown config)" 'config without XDG_CONFIG_HOME'
	)
}

# ---------------------------------------------------------------- ~/.netrc

@test "~/.netrc gives the password for the server's host and user" {
	tls_smtpd --auth "demo:$PW"
	auth_config </dev/null
	{
		printf 'machine mail.example.org login demo password wrong-host\n'
		printf 'machine 127.0.0.1 login someone-else password wrong-user\n'
		printf 'machine 127.0.0.1\n  login demo\n  password "%s"\n' "$PW"
		printf 'default login demo password wrong-default\n'
	} >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	run_posta -f a@example.org -s x bob@example.org <<<'body'
	sent_ok
	arrived
	assert_eq demo "$(arrived_env 'e["auth_user"]')" 'logged in as'
}

@test "a ~/.netrc readable by group or others is refused: exit 78, nothing sent" {
	tls_smtpd --auth "demo:$PW"
	auth_config </dev/null
	printf 'machine 127.0.0.1 login demo password "%s"\n' "$PW" >"$HOME/.netrc"
	local mode
	for mode in 644 640; do
		chmod "$mode" "$HOME/.netrc"
		run_posta -f a@example.org -s x bob@example.org <<<'body'
		assert_fails 78 "mode $mode"
		assert_stderr_contains .netrc
		refute_grep "$PW" "$ERR"
		refute_arrived
	done
}

@test "no password source and no terminal: exit 78 at once, naming the sources tried" {
	tls_smtpd --auth "demo:$PW"
	auth_config </dev/null
	printf 'machine other.example login demo password nope\n' >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	local t0 t1
	t0=$(date +%s)
	status=0
	timeout 10 setsid -w "$POSTA" -f a@example.org -s x bob@example.org \
		</dev/null >"$MSG" 2>"$ERR" || status=$?
	t1=$(date +%s)
	assert_fails 78
	((t1 - t0 < 5)) || flunk "took $((t1 - t0)) s: it waited for something"
	local src
	for src in password-command password-file POSTA_PASSWORD .netrc; do
		assert_stderr_contains "$src"
	done
	grep -qiE 'prompt|terminal' "$ERR" || flunk "stderr does not say a prompt was impossible: $(cat "$ERR")"
	refute_arrived
	# The same in the sendmail interface, the message on stdin.
	printf 'From: a@example.org\nTo: b@example.org\nSubject: s\n\nbody\n' >in.eml
	status=0
	timeout 10 setsid -w "$POSTA" -i b@example.org <in.eml >"$MSG" 2>"$ERR" || status=$?
	assert_fails 78
	assert_stderr_contains POSTA_PASSWORD
	refute_arrived
}

@test "password sources in order: command, file, password key, POSTA_PASSWORD, ~/.netrc" {
	tls_smtpd --auth "demo:$PW"
	printf '%s\n' "$PW" >"$BATS_TEST_TMPDIR/pw.right"
	printf 'wrong-from-file\n' >"$BATS_TEST_TMPDIR/pw.wrong"
	chmod 600 "$BATS_TEST_TMPDIR"/pw.*
	printf 'machine 127.0.0.1 login demo password wrong-from-netrc\n' >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	local n=0

	# 1. password-command wins over everything below it.
	auth_config <<EOF
password-command cat $BATS_TEST_TMPDIR/pw.right
password-file $BATS_TEST_TMPDIR/pw.wrong
password wrong-from-key
EOF
	POSTA_PASSWORD=wrong-from-env run_posta -f a@example.org -s 1 b@example.org <<<'body'
	sent_ok
	n=$((n + 1))
	assert_eq "$n" "$(arrived_n)" 'messages arrived (command)'

	# 2. password-file over the key, the environment and ~/.netrc.
	auth_config <<EOF
password-file $BATS_TEST_TMPDIR/pw.right
password wrong-from-key
EOF
	POSTA_PASSWORD=wrong-from-env run_posta -f a@example.org -s 2 b@example.org <<<'body'
	sent_ok
	n=$((n + 1))
	assert_eq "$n" "$(arrived_n)" 'messages arrived (file)'

	# 3. the password key over the environment and ~/.netrc.
	auth_config <<<"password \"$PW\""
	POSTA_PASSWORD=wrong-from-env run_posta -f a@example.org -s 3 b@example.org <<<'body'
	sent_ok
	n=$((n + 1))
	assert_eq "$n" "$(arrived_n)" 'messages arrived (key)'

	# 4. POSTA_PASSWORD over ~/.netrc.
	auth_config </dev/null
	POSTA_PASSWORD=$PW run_posta -f a@example.org -s 4 b@example.org <<<'body'
	sent_ok
	n=$((n + 1))
	assert_eq "$n" "$(arrived_n)" 'messages arrived (environment)'

	# 5. ~/.netrc last of all.
	printf 'machine 127.0.0.1 login demo password "%s"\n' "$PW" >"$HOME/.netrc"
	run_posta -f a@example.org -s 5 b@example.org <<<'body'
	sent_ok
	n=$((n + 1))
	assert_eq "$n" "$(arrived_n)" 'messages arrived (netrc)'

	# And the flags: --password-command over the file's password.
	auth_config <<<'password wrong-from-key'
	run_posta --password-command="cat $BATS_TEST_TMPDIR/pw.right" -f a@example.org -s 6 \
		b@example.org <<<'body'
	sent_ok
	n=$((n + 1))
	assert_eq "$n" "$(arrived_n)" 'messages arrived (--password-command)'
}
