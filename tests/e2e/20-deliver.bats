#!/usr/bin/env bats
# Delivery to a real SMTP server: servers/smtpd.py (Debian's aiosmtpd) on
# 127.0.0.1, with STARTTLS or implicit TLS, AUTH PLAIN/LOGIN, a throw-away CA.
# What arrives ($MAILDIR/NNN.eml and NNN.json) is read back with Python's
# email package (msgcheck.py), the way a mail reader would.

load helpers

setup_file() {
	make_certs
}

setup() {
	posta_setup
	PASSWORD='c0rrect horse;battery'
	BACKUP_ARGS=(-s 'Nightly backup ✓' -f 'Ops <ops@example.org>'
		-c team@example.org -b audit@example.org --date="@$EPOCH"
		--message-id='<backup-1@example.org>')
}

teardown() {
	stop_servers
}

# tls_server OPTION...: smtpd.py offering STARTTLS with the localhost
# certificate and AUTH for demo:$PASSWORD (required before MAIL).
tls_server() {
	start_smtpd --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" \
		--auth "demo:$PASSWORD" "$@"
}

# send OPTION... RECIPIENT...: body 'Backup finished' to smtpd.py as demo,
# trusting the test CA, password from POSTA_PASSWORD unless set otherwise.
send() {
	POSTA_PASSWORD=${POSTA_PASSWORD-$PASSWORD} run_posta \
		--server="smtp://demo@127.0.0.1:$SMTP_PORT" --tls-ca="$CERTS/ca.pem" \
		--timeout=5 "$@" <<<'Backup finished'
}

# delivered: exit 0, silent, exactly one message arrived, no dead letter.
# Then $MSG is that message with LF line ends (for msgcheck) and
# $GOT.eml is the message exactly as it arrived ($GOT.json its envelope).
delivered() {
	assert_status 0 || return 1
	if [ -s "$ERR" ] || [ -s "$MSG" ]; then
		echo "posta succeeded but printed something:" >&2
		cat "$MSG" "$ERR" >&2
		return 1
	fi
	refute_dead_letter || return 1
	local n
	n=$(find "$MAILDIR" -name '*.json' | wc -l)
	assert_eq 1 "$n" 'messages the server accepted' || return 1
	GOT=$(find "$MAILDIR" -name '*.json')
	GOT=${GOT%.json}
	# On the wire every line ends in CRLF: no bare CR or LF arrived.
	"$PY" -c 'import sys
d = open(sys.argv[1], "rb").read()
if d.replace(b"\r\n", b"").count(b"\n") or d.replace(b"\r\n", b"").count(b"\r") or not d.endswith(b"\r\n"):
    sys.exit("bare CR or LF in the message as it arrived")' "$GOT.eml" || return 1
	MSG="$BATS_TEST_TMPDIR/received.eml"
	tr -d '\r' <"$GOT.eml" >"$MSG"
}

# client_sent TEXT: the server's log shows the client sent a line starting
# with TEXT (aiosmtpd logs every client line as ">> b'LINE'").
client_sent() {
	grep -qF ">> b'$1" "$BATS_TEST_TMPDIR/smtpd.log"
}

# refute_client_sent TEXT: it did not.
refute_client_sent() {
	if client_sent "$1"; then
		echo "the client sent '$1...' but should not have:" >&2
		grep -F ">> b'" "$BATS_TEST_TMPDIR/smtpd.log" >&2
		return 1
	fi
}

# nothing_delivered: the server accepted no message.
nothing_delivered() {
	local n
	n=$(find "$MAILDIR" -name '*.json' | wc -l)
	assert_eq 0 "$n" 'messages the server accepted'
}

# envq EXPR: a Python expression on the envelope of the message (`e`).
envq() {
	"$PY" -c 'import json, sys
e = json.load(open(sys.argv[1]))
r = eval(sys.argv[2])
print("\n".join(map(str, r)) if isinstance(r, list) else r)' "$GOT.json" "$1"
}

make_backup_files() {
	make_pdf report.pdf 5000
	printf 'host,volume,état\nalpha,/srv,réussi\nbêta,/home,échoué\n' >'données.csv'
	printf '<p>Backup <b>finished</b> &#x2713;</p>\n' >body.html
}

# ---------------------------------------------------------------- the message

@test "STARTTLS + AUTH PLAIN: the message arrives whole, Bcc only in the envelope" {
	tls_server
	make_backup_files
	send "${BACKUP_ARGS[@]}" -a report.pdf -a 'données.csv' --html body.html admin@example.org
	delivered
	# The envelope.
	assert_eq 'ops@example.org' "$(envq 'e["mail_from"]')" 'MAIL FROM'
	assert_eq 'admin@example.org audit@example.org team@example.org' \
		"$(envq '" ".join(sorted(e["rcpt_tos"]))')" 'RCPT TO'
	assert_eq demo "$(envq 'e["auth_user"]')" 'logged in as'
	assert_match 'TLSv1\.[23]' "$(envq 'e["tls"]["version"]')" 'TLS version'
	assert_match 'SIZE=[0-9]+' "$(envq '" ".join(e["mail_options"])')" 'MAIL parameters'
	# The message, as Python's email package reads it.
	mc check
	assert_header Subject 'Nightly backup ✓'
	assert_header From 'Ops <ops@example.org>'
	assert_header To 'admin@example.org'
	assert_header Cc 'team@example.org'
	assert_header Message-ID '<backup-1@example.org>'
	assert_no_header Bcc
	refute_grep 'audit@example.org' "$GOT.eml"
	assert_eq 'Backup finished' "$(mc body)" 'text body'
	assert_part_is_file report.pdf report.pdf
	assert_part_is_file 'données.csv' 'données.csv'
	assert_eq "$(cat body.html)" "$(mc html)" 'HTML body'
}

@test "AUTH LOGIN with --auth=LOGIN; PLAIN is the default choice" {
	tls_server
	send --auth=LOGIN -f ops@example.org admin@example.org
	delivered
	grep -q 'AUTH LOGIN as .*demo.*: ok' "$BATS_TEST_TMPDIR/smtpd.log" ||
		flunk "smtpd did not log a LOGIN: $(grep AUTH "$BATS_TEST_TMPDIR/smtpd.log")"
	stop_servers
	rm -rf -- "$MAILDIR"
	tls_server
	send -f ops@example.org admin@example.org
	delivered
	grep -q 'AUTH PLAIN as .*demo.*: ok' "$BATS_TEST_TMPDIR/smtpd.log" ||
		flunk "smtpd did not log a PLAIN: $(grep AUTH "$BATS_TEST_TMPDIR/smtpd.log")"
}

@test "wrong password: exit 77 with the server's words, message saved, password not shown" {
	tls_server
	POSTA_PASSWORD='not the password' send -v -f ops@example.org admin@example.org
	assert_status 77
	nothing_delivered
	assert_stderr_contains '535'
	assert_stderr_contains 'Authentication credentials invalid'
	refute_grep 'not the password' "$ERR"
	refute_grep "$(printf '\0demo\0not the password' | base64 -w0)" "$ERR"
	assert_dead_letter ops@example.org
}

@test "a large attachment (1 MiB) arrives byte for byte" {
	tls_server
	make_bin big.bin 1048576
	send -f ops@example.org -s 'Big one' -a big.bin admin@example.org
	delivered
	assert_part_is_file big.bin big.bin
}

@test "a user name with @, %-encoded in the URL" {
	start_smtpd --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" \
		--auth "demo@example.org:$PASSWORD"
	POSTA_PASSWORD=$PASSWORD run_posta --server="smtp://demo%40example.org@127.0.0.1:$SMTP_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=5 -f ops@example.org admin@example.org <<<'hi'
	delivered
	assert_eq 'demo@example.org' "$(envq 'e["auth_user"]')" 'logged in as'
}

@test "a user name in the URL with %0D%0A, %00 or nothing: exit 64 before reading stdin" {
	local u
	for u in 'demo%0D%0AMAIL%20FROM:%3C%3E' 'demo%00root' 'demo%1B[2J' ''; do
		POSTA_PASSWORD=x run_posta --server="smtp://$u@127.0.0.1:9" \
			-f ops@example.org admin@example.org <<<'hi'
		assert_fails 64 "$u" || return 1
		assert_stderr_contains '--server' || return 1
		refute_dead_letter || return 1
	done
}

@test "server requiring STARTTLS before anything: works" {
	tls_server --require-starttls
	send -f ops@example.org admin@example.org
	delivered
}

# ---------------------------------------------------------------- TLS

@test "smtps:// implicit TLS with AUTH" {
	tls_server --implicit-tls
	POSTA_PASSWORD=$PASSWORD run_posta --server="smtps://demo@127.0.0.1:$SMTP_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=5 -f ops@example.org admin@example.org <<<'hi'
	delivered
	assert_eq demo "$(envq 'e["auth_user"]')" 'logged in as'
	assert_match 'TLSv1\.[23]' "$(envq 'e["tls"]["version"]')" 'TLS version'
}

@test "--tls=tls with an smtp:// URL: implicit TLS" {
	tls_server --implicit-tls
	send --tls=tls -f ops@example.org admin@example.org
	delivered
	assert_match 'TLSv1\.[23]' "$(envq 'e["tls"]["version"]')" 'TLS version'
}

@test "--tls-fingerprint: the right SHA-256 pins the certificate (no CA needed)" {
	tls_server
	local fp
	fp=$(cat "$CERTS/server.sha256")
	POSTA_PASSWORD=$PASSWORD run_posta --server="smtp://demo@127.0.0.1:$SMTP_PORT" \
		--tls-fingerprint="$fp" --timeout=5 -f ops@example.org admin@example.org <<<'hi'
	delivered
	rm -f -- "$MAILDIR"/*
	# Upper case with colons, as --serverinfo and openssl print it.
	fp=$(sed 's/../&:/g; s/:$//' "$CERTS/server.sha256" | tr a-f A-F)
	POSTA_PASSWORD=$PASSWORD run_posta --server="smtp://demo@127.0.0.1:$SMTP_PORT" \
		--tls-fingerprint="$fp" --timeout=5 -f ops@example.org admin@example.org <<<'hi'
	delivered
}

@test "--tls-fingerprint: a certificate for another name is accepted when pinned" {
	start_smtpd --tls-cert "$CERTS/wrong.pem" --tls-key "$CERTS/wrong.key" --auth "demo:$PASSWORD"
	POSTA_PASSWORD=$PASSWORD run_posta --server="smtp://demo@127.0.0.1:$SMTP_PORT" \
		--tls-fingerprint="$(cat "$CERTS/wrong.sha256")" --timeout=5 \
		-f ops@example.org admin@example.org <<<'hi'
	delivered
}

@test "--tls-fingerprint: a wrong one is refused, exit 77, nothing sent" {
	tls_server
	POSTA_PASSWORD=$PASSWORD run_posta --server="smtp://demo@127.0.0.1:$SMTP_PORT" \
		--tls-fingerprint="$(cat "$CERTS/wrong.sha256")" --tls-ca="$CERTS/ca.pem" --timeout=5 \
		-f ops@example.org admin@example.org <<<'hi'
	assert_fails 77
	nothing_delivered
	refute_client_sent AUTH
	assert_dead_letter ops@example.org
}

@test "certificate for the wrong host name: exit 77, nothing sent" {
	start_smtpd --tls-cert "$CERTS/wrong.pem" --tls-key "$CERTS/wrong.key" --auth "demo:$PASSWORD"
	send -f ops@example.org admin@example.org
	assert_fails 77
	assert_stderr_contains 'TLS certificate not trusted'
	nothing_delivered
	refute_client_sent AUTH
	assert_dead_letter ops@example.org
}

@test "certificate from an untrusted CA: exit 77, nothing sent" {
	tls_server
	POSTA_PASSWORD=$PASSWORD run_posta --server="smtp://demo@127.0.0.1:$SMTP_PORT" \
		--tls-ca="$CERTS/other-ca.pem" --timeout=5 -f ops@example.org admin@example.org <<<'hi'
	assert_fails 77
	assert_stderr_contains 'TLS certificate not trusted'
	nothing_delivered
	assert_dead_letter ops@example.org
}

@test "the system trust store does not know the test CA: exit 77" {
	tls_server
	POSTA_PASSWORD=$PASSWORD run_posta --server="smtp://demo@127.0.0.1:$SMTP_PORT" \
		--timeout=5 -f ops@example.org admin@example.org <<<'hi'
	assert_fails 77
	assert_stderr_contains 'TLS certificate not trusted'
	nothing_delivered
}

@test "smtps:// to a certificate for the wrong host: exit 77" {
	start_smtpd --tls-cert "$CERTS/wrong.pem" --tls-key "$CERTS/wrong.key" --implicit-tls
	run_posta --server="smtps://127.0.0.1:$SMTP_PORT" --tls-ca="$CERTS/ca.pem" \
		--timeout=5 -f ops@example.org admin@example.org <<<'hi'
	assert_fails 77
	assert_stderr_contains 'TLS certificate not trusted'
	nothing_delivered
}

@test "client certificate: presented when given, and the server sees it" {
	tls_server --client-ca "$CERTS/ca.pem" --require-client-cert
	send --tls-cert="$CERTS/client.pem" --tls-key="$CERTS/client.key" \
		-f ops@example.org admin@example.org
	delivered
	assert_eq 'posta test client' "$(envq 'e["peer_cert_subject"]["commonName"]')" 'client certificate subject'
}

@test "client certificate required but not given: fails, nothing delivered, message saved" {
	tls_server --client-ca "$CERTS/ca.pem" --require-client-cert
	send -f ops@example.org admin@example.org
	if [ "$status" -eq 0 ]; then
		flunk 'posta succeeded without the client certificate the server requires'
	fi
	assert_fails "$status"
	nothing_delivered
	assert_dead_letter ops@example.org
}

# ---------------------------------------------------------------- --serverinfo, -v

@test "--serverinfo: what the server offers, certificate details, nothing sent" {
	tls_server
	status=0
	"$POSTA" --serverinfo --server="smtp://127.0.0.1:$SMTP_PORT" --tls-ca="$CERTS/ca.pem" \
		--timeout=5 >"$MSG" 2>"$ERR" </dev/null || status=$?
	assert_status 0
	local fp
	fp=$(sed 's/../&:/g; s/:$//' "$CERTS/server.sha256")
	grep -q '^server: 127\.0\.0\.1' "$MSG" || flunk "no server line: $(cat "$MSG")"
	grep -q '^greeting: 220 smtpd\.test' "$MSG" || flunk "no greeting line: $(cat "$MSG")"
	# 'tls: TLSv1.3 (...)' in the delivery notes, 'tls: TLS1.3 (...)' in posta(1).
	grep -qE '^tls: TLSv?1\.[23] \(.+\)$' "$MSG" || flunk "no 'tls: TLS1.x (...)' line: $(grep '^tls' "$MSG")"
	grep -qx 'certificate subject: .*CN=localhost.*' "$MSG" || flunk "subject: $(cat "$MSG")"
	grep -qx 'certificate issuer: .*CN=posta test CA.*' "$MSG" || flunk "issuer: $(cat "$MSG")"
	grep -q '^certificate expires: ' "$MSG" || flunk "no expiry: $(cat "$MSG")"
	grep -qix "certificate sha256: $fp" "$MSG" || flunk "sha256 is not $fp: $(grep sha256 "$MSG")"
	grep -q '^certificate verified: ' "$MSG" || flunk "no verified line: $(cat "$MSG")"
	grep -qx 'esmtp: yes' "$MSG" || flunk "$(cat "$MSG")"
	grep -qx 'pipelining: no' "$MSG" || flunk "$(cat "$MSG")"
	grep -qx '8bitmime: yes' "$MSG" || flunk "$(cat "$MSG")"
	grep -qx 'smtputf8: no' "$MSG" || flunk "$(cat "$MSG")"
	grep -qx 'size: 10485760 bytes' "$MSG" || flunk "$(cat "$MSG")"
	grep -qxE 'auth: (PLAIN LOGIN|LOGIN PLAIN)' "$MSG" || flunk "auth offered after STARTTLS: $(grep auth "$MSG")"
	nothing_delivered
	refute_client_sent MAIL
}

@test "--serverinfo --tls=none: no TLS, AUTH not offered in plaintext" {
	tls_server
	status=0
	"$POSTA" --serverinfo --tls=none --server="smtp://127.0.0.1:$SMTP_PORT" \
		--timeout=5 >"$MSG" 2>"$ERR" </dev/null || status=$?
	assert_status 0
	grep -qx 'auth: none' "$MSG" || flunk "$(cat "$MSG")"
	refute_grep 'certificate' "$MSG"
	refute_client_sent STARTTLS
}

@test "-v: the conversation on stderr, AUTH redacted, the password never shown" {
	tls_server
	send -v -f ops@example.org -b audit@example.org admin@example.org
	assert_status 0
	refute_dead_letter
	grep -qx '< 220 smtpd.test .*' "$ERR" || flunk "no greeting in -v: $(cat "$ERR")"
	grep -qx '> STARTTLS' "$ERR" || flunk "no STARTTLS in -v"
	grep -qx '> AUTH PLAIN <redacted>' "$ERR" || flunk "AUTH not redacted: $(grep AUTH "$ERR")"
	grep -qx '> MAIL FROM:<ops@example.org> SIZE=[0-9]*' "$ERR" || flunk "no MAIL: $(cat "$ERR")"
	grep -qx '> RCPT TO:<audit@example.org>' "$ERR" || flunk "no RCPT for Bcc"
	grep -qx 'posta: [0-9]* round trips' "$ERR" || flunk "no round trip count"
	grep -qx 'posta: sent to 2 recipients: 250 2.0.0 Ok: queued as 001' "$ERR" ||
		flunk "no final line: $(tail -n 2 "$ERR")"
	refute_grep "$PASSWORD" "$ERR"
	refute_grep "$(printf '\0demo\0%s' "$PASSWORD" | base64 -w0)" "$ERR"
	refute_grep "$(printf '%s' "$PASSWORD" | base64 -w0)" "$ERR"
}

@test "-v with AUTH LOGIN: user name and password lines redacted" {
	tls_server
	send -v --auth=LOGIN -f ops@example.org admin@example.org
	assert_status 0
	refute_grep "$PASSWORD" "$ERR"
	refute_grep "$(printf '%s' "$PASSWORD" | base64 -w0)" "$ERR"
	refute_grep "$(printf 'demo' | base64 -w0)" "$ERR"
	grep -qx '> AUTH LOGIN.*' "$ERR" || flunk "no AUTH LOGIN in -v: $(cat "$ERR")"
}

# ---------------------------------------------------------------- passwords

@test "password from --password-command (first line only)" {
	tls_server
	POSTA_PASSWORD= send --password-command="printf '%s\\nsecond line\\n' '$PASSWORD'" \
		-f ops@example.org admin@example.org
	delivered
	assert_eq demo "$(envq 'e["auth_user"]')" 'logged in as'
}

@test "password from --password-file (first line only)" {
	tls_server
	printf '%s\nsecond line\n' "$PASSWORD" >pw.txt
	chmod 600 pw.txt
	POSTA_PASSWORD= send --password-file=pw.txt -f ops@example.org admin@example.org
	delivered
}

@test "password from POSTA_PASSWORD" {
	tls_server
	POSTA_PASSWORD=$PASSWORD send -f ops@example.org admin@example.org
	delivered
}

@test "a --password-command does not inherit POSTA_PASSWORD" {
	tls_server
	# The command gives the right password only when the variable is gone.
	POSTA_PASSWORD=leaked send \
		--password-command="[ -z \"\${POSTA_PASSWORD+set}\" ] && printf '%s\\n' '$PASSWORD'" \
		-f ops@example.org admin@example.org
	delivered
}

@test "--password-file wins over POSTA_PASSWORD" {
	tls_server
	printf '%s\n' "$PASSWORD" >pw.txt
	POSTA_PASSWORD=wrong send --password-file=pw.txt -f ops@example.org admin@example.org
	delivered
}

@test "no password source and no terminal: exit 78 naming the sources, nothing sent" {
	tls_server
	status=0
	env -u POSTA_PASSWORD setsid -w "$POSTA" --server="smtp://demo@127.0.0.1:$SMTP_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=5 -f ops@example.org admin@example.org \
		<<<'hi' >"$MSG" 2>"$ERR" || status=$?
	assert_fails 78
	assert_stderr_contains '--password-command'
	assert_stderr_contains '--password-file'
	assert_stderr_contains 'POSTA_PASSWORD'
	nothing_delivered
	refute_client_sent MAIL
}

@test "a failing --password-command: exit 78 before connecting" {
	tls_server
	POSTA_PASSWORD=$PASSWORD send --password-command='exit 3' \
		-f ops@example.org admin@example.org
	assert_fails 78
	nothing_delivered
	refute_client_sent EHLO
}

@test "an empty --password-file: exit 78 before connecting" {
	tls_server
	: >pw.txt
	POSTA_PASSWORD=$PASSWORD send --password-file=pw.txt -f ops@example.org admin@example.org
	assert_fails 78
	nothing_delivered
	refute_client_sent EHLO
}

@test "an empty POSTA_PASSWORD is no source: exit 78 naming the sources" {
	tls_server
	status=0
	POSTA_PASSWORD= setsid -w "$POSTA" --server="smtp://demo@127.0.0.1:$SMTP_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=5 -f ops@example.org admin@example.org \
		<<<'hi' >"$MSG" 2>"$ERR" || status=$?
	assert_fails 78
	assert_stderr_contains 'POSTA_PASSWORD'
	refute_client_sent EHLO
}

@test "an unreadable --tls-ca file: exit 78, nothing sent" {
	tls_server
	send --tls-ca="$BATS_TEST_TMPDIR/no-such-ca.pem" -f ops@example.org admin@example.org
	assert_fails 78
	assert_stderr_contains 'no-such-ca.pem'
	nothing_delivered
}

@test "--user overrides the user name in the URL" {
	tls_server
	POSTA_PASSWORD=$PASSWORD run_posta --server="smtp://nobody@127.0.0.1:$SMTP_PORT" \
		--user=demo --tls-ca="$CERTS/ca.pem" --timeout=5 -f ops@example.org admin@example.org <<<'hi'
	delivered
	assert_eq demo "$(envq 'e["auth_user"]')" 'logged in as'
}

@test "smtp://localhost: the name resolves, the certificate matches it" {
	tls_server
	POSTA_PASSWORD=$PASSWORD run_posta --server="smtp://demo@localhost:$SMTP_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=5 -f ops@example.org admin@example.org <<<'hi'
	delivered
}

# ---------------------------------------------------------------- plain text, envelope

@test "--tls=none to loopback: AUTH in plaintext works" {
	start_smtpd --auth "demo:$PASSWORD" --auth-plaintext
	send --tls=none -f ops@example.org admin@example.org
	delivered
	assert_eq demo "$(envq 'e["auth_user"]')" 'logged in as'
	assert_eq None "$(envq 'e["tls"]')" 'TLS'
}

@test "default mode to a server without STARTTLS: exit 77, nothing sent" {
	start_smtpd --auth "demo:$PASSWORD" --auth-plaintext
	send -f ops@example.org admin@example.org
	assert_fails 77
	assert_stderr_contains 'does not offer STARTTLS'
	nothing_delivered
	refute_client_sent AUTH
	assert_dead_letter ops@example.org
}

@test "recipients are deduplicated across To, Cc and Bcc" {
	tls_server
	send -f ops@example.org -c 'Admin <admin@example.org>' -c team@example.org \
		-b admin@example.org -b 'team@example.org, other@example.org' \
		admin@example.org team@example.org
	delivered
	# Each once, in the order first given: To, then Cc, then Bcc.
	assert_eq 'admin@example.org team@example.org other@example.org' \
		"$(envq '" ".join(e["rcpt_tos"])')" 'RCPT TO'
	assert_no_header Bcc
	refute_grep other@example.org "$GOT.eml"
}

@test "-r sets the envelope sender only" {
	tls_server
	send -f 'Ops <ops@example.org>' -r bounces@example.org admin@example.org
	delivered
	assert_eq bounces@example.org "$(envq 'e["mail_from"]')" 'MAIL FROM'
	assert_header From 'Ops <ops@example.org>'
}

@test "-r '' sends the null sender <>" {
	tls_server
	send -f ops@example.org -r '' admin@example.org
	delivered
	# aiosmtpd keeps the null reverse-path as '<>'.
	assert_eq '<>' "$(envq 'e["mail_from"]')" 'MAIL FROM'
	client_sent 'MAIL FROM:<>' || flunk "no MAIL FROM:<> in the server log"
}

@test "--sender goes in the Sender header; the envelope sender stays the From address (cli.md)" {
	tls_server
	send -f 'Ops <ops@example.org>' --sender=robot@example.org admin@example.org
	delivered
	assert_eq ops@example.org "$(envq 'e["mail_from"]')" 'MAIL FROM'
	assert_header Sender 'robot@example.org'
}

@test "non-ASCII recipient through a server with SMTPUTF8" {
	tls_server --smtputf8
	send -f ops@example.org -s 'Grüße' 'josé@example.org'
	delivered
	assert_eq 'josé@example.org' "$(envq 'e["rcpt_tos"][0]')" 'RCPT TO'
	assert_match '.*SMTPUTF8.*' "$(envq '" ".join(e["mail_options"])')" 'MAIL parameters'
	assert_header Subject 'Grüße'
}

@test "an attached 8-bit message: BODY=8BITMIME, the text arrives unchanged" {
	tls_server
	printf 'From: x@example.org\nTo: y@example.org\nSubject: inner\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nCafé crème\n' >inner.eml
	send -f ops@example.org -a inner.eml admin@example.org
	delivered
	assert_match '.*BODY=8BITMIME.*' "$(envq '" ".join(e["mail_options"])')" 'MAIL parameters'
	grep -qF 'Café crème' "$GOT.eml" || flunk 'the 8-bit text did not arrive unchanged'
}

@test "delivered message equals the dry run (LF -> CRLF), Bcc kept out" {
	tls_server
	make_backup_files
	POSTA_PASSWORD= run_posta -n "${BACKUP_ARGS[@]}" -a report.pdf admin@example.org <<<'Backup finished'
	assert_status 0
	cp "$MSG" dry.eml
	send "${BACKUP_ARGS[@]}" -a report.pdf admin@example.org
	delivered
	"$PY" - "$GOT.eml" dry.eml <<'PY'
import re, sys
got = open(sys.argv[1], 'rb').read()
want = open(sys.argv[2], 'rb').read().replace(b'\n', b'\r\n')
def norm(m):
    b = re.search(rb'boundary="([^"]+)"', m).group(1)
    return m.replace(b, b'BOUNDARY')
if norm(got) != norm(want):
    sys.exit('the message that arrived differs from posta -n')
PY
}
