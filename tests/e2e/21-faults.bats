#!/usr/bin/env bats
# Delivery against servers/faultsrv.py, a scripted SMTP server that misbehaves
# on purpose. Every test checks posta's exit status and its one-line message,
# what the server received (faultsrv's records in $FS), and the dead letter.

load helpers

setup_file() {
	make_certs
}

setup() {
	posta_setup
}

teardown() {
	stop_servers
}

MID='<fault-test@example.org>'
FROM='alice@example.org'

send() {
	fault_send "$@"
}

# fail_with CODE: exit CODE, one 'posta: ' line, nothing on stdout, and the
# message saved once in the dead letter.
fail_with() {
	assert_fails "$1" || return 1
	assert_dead_letter "$FROM" "$MID"
}

# ---------------------------------------------------------------- greeting

@test "421 greeting: exit 75, server's words, no EHLO, message saved" {
	start_fault '{"greeting": "421 4.3.2 fault.test too busy, come back later"}'
	send bob@example.org
	fault_done
	fail_with 75
	assert_stderr_contains '421'
	assert_stderr_contains 'too busy, come back later'
	run fsq '[v for v in verbs if v != "QUIT"]'
	assert_eq '' "$output" 'commands sent after a 421 greeting'
}

@test "554 greeting: exit 69, nothing sent" {
	start_fault '{"greeting": "554 5.3.2 fault.test does not take mail"}'
	send bob@example.org
	fault_done
	fail_with 69
	assert_stderr_contains 'does not take mail'
	run fsq '[v for v in verbs if v != "QUIT"]'
	assert_eq '' "$output" 'commands sent after a 554 greeting'
}

@test "greeting never sent: --timeout=2 gives up in time, exit 75" {
	start_fault '{"greeting": null, "hold_seconds": 10}'
	elapsed_ms send --timeout=2 bob@example.org
	fail_with 75
	assert_match '.*(timed out|timeout|time out).*' "$(head -n 1 "$ERR")" 'the message says it timed out'
	if ((ELAPSED < 1500 || ELAPSED > 4500)); then
		flunk "posta took $ELAPSED ms with --timeout=2 (expected about 2000)"
	fi
	fault_done
	assert_eq 0 "$(fsq 'len(cmds)')" 'commands sent before any greeting'
}

@test "connection dropped before the greeting: exit 75" {
	start_fault '{"drop": "accept"}'
	send bob@example.org
	fault_done
	fail_with 75
}

@test "connection refused: exit 75, message saved" {
	local port
	port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	FS_PORT=$port
	send bob@example.org
	fail_with 75
	assert_stderr_contains '127.0.0.1'
}

# ---------------------------------------------------------------- recipients

@test "451 on RCPT: exit 75, RSET sent, no DATA, message saved" {
	start_fault '{"rcpt": "451 4.3.0 mailbox temporarily unavailable"}'
	send bob@example.org
	fault_done
	fail_with 75
	assert_stderr_contains 'bob@example.org'
	assert_stderr_contains '451 4.3.0 mailbox temporarily unavailable'
	assert_stderr_contains 'nothing was sent'
	assert_verbs EHLO STARTTLS EHLO MAIL RCPT RSET QUIT
}

@test "550 on RCPT: exit 67, RSET sent, no DATA, message saved" {
	start_fault '{"rcpt": "550 5.1.1 <bob@example.org>: Recipient address rejected"}'
	send bob@example.org
	fault_done
	fail_with 67
	assert_stderr_contains 'recipient refused: bob@example.org (550 5.1.1 <bob@example.org>: Recipient address rejected)'
	assert_stderr_contains 'nothing was sent'
	assert_verbs EHLO STARTTLS EHLO MAIL RCPT RSET QUIT
}

@test "550 on RCPT without PIPELINING: RSET, no DATA" {
	start_fault '{"ehlo_remove": ["PIPELINING"], "rcpt": "550 5.1.1 unknown user"}'
	send bob@example.org
	fault_done
	fail_with 67
	assert_verbs EHLO STARTTLS EHLO MAIL RCPT RSET QUIT
}

@test "one of two recipients refused: exit 67, names it with the server's words, nothing sent" {
	start_fault '{"rcpt": {"carol@example.org": "550 5.1.1 carol is unknown here"}}'
	send bob@example.org carol@example.org
	fault_done
	fail_with 67
	assert_stderr_contains 'carol@example.org (550 5.1.1 carol is unknown here)'
	assert_stderr_contains 'nothing was sent'
	refute_grep 'bob@example.org' "$ERR"
	assert_verbs EHLO STARTTLS EHLO MAIL RCPT RCPT RSET QUIT
	assert_eq 0 "$(fsq 's["messages"]')" 'messages the server received'
}

@test "a 4xx and a 5xx refusal: exit 67, both named" {
	start_fault '{"rcpt": {"carol@example.org": "550 5.1.1 no carol", "dave@example.org": "450 4.2.0 dave is busy"}}'
	send bob@example.org carol@example.org dave@example.org
	fault_done
	fail_with 67
	assert_stderr_contains 'carol@example.org (550 5.1.1 no carol)'
	assert_stderr_contains 'dave@example.org (450 4.2.0 dave is busy)'
	assert_eq 0 "$(fsq 's["messages"]')" 'messages the server received'
}

@test "--allow-partial: DATA goes to the accepted one, refused named, exit 67, no dead letter" {
	start_fault '{"rcpt": {"carol@example.org": "550 5.1.1 carol is unknown here"}}'
	send --allow-partial bob@example.org carol@example.org
	fault_done
	assert_fails 67
	assert_stderr_contains 'carol@example.org (550 5.1.1 carol is unknown here)'
	refute_grep 'nothing was sent' "$ERR"
	refute_grep 'saved to' "$ERR"
	refute_dead_letter
	assert_verbs EHLO STARTTLS EHLO MAIL RCPT RCPT DATA QUIT
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server received'
	grep -qF "$MID" "$FS/data.1" || flunk 'the message that arrived is not ours'
}

@test "--allow-partial with every recipient refused: no DATA, exit 67, message saved" {
	start_fault '{"rcpt": "550 5.1.1 nobody here"}'
	send --allow-partial bob@example.org carol@example.org
	fault_done
	fail_with 67
	assert_eq 0 "$(fsq 's["messages"]')" 'messages the server received'
	run fsq '"DATA" in verbs'
	assert_eq False "$output" 'DATA sent with no recipient accepted'
}

@test "--allow-partial with a temporary refusal only: exit 75, sent to the others, no dead letter" {
	start_fault '{"rcpt": {"carol@example.org": "450 4.2.1 carol is over quota, try later"}}'
	send --allow-partial bob@example.org carol@example.org
	fault_done
	assert_fails 75
	assert_stderr_contains 'carol@example.org (450 4.2.1 carol is over quota, try later)'
	refute_dead_letter
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server received'
}

@test "a multi-line refusal is quoted whole, not just its first line" {
	start_fault '{"rcpt": "550-5.1.1 The email account that you tried to reach does not exist.\n550-5.1.1 Please check the address for typos. Learn more at\n550 5.1.1 https://support.example.org/NoSuchUser"}'
	send bob@example.org
	fault_done
	fail_with 67
	assert_stderr_contains 'does not exist'
	assert_stderr_contains 'https://support.example.org/NoSuchUser'
}

@test "500 recipients: every RCPT sent, one message, in time" {
	start_fault '{}'
	local list i
	list=$(for ((i = 1; i <= 500; i++)); do printf 'user%d@example.org,' "$i"; done)
	elapsed_ms send -b "${list%,}" bob@example.org
	fault_done
	assert_status 0
	assert_eq 501 "$(fsq 'verbs.count("RCPT")')" 'RCPT commands'
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server received'
	((ELAPSED < 4000)) || flunk "posta took $ELAPSED ms"
}

@test "421 to MAIL: exit 75, message saved" {
	start_fault '{"mail": "421 4.7.0 fault.test shutting down"}'
	send bob@example.org
	fault_done
	fail_with 75
	assert_stderr_contains 'shutting down'
	assert_eq 0 "$(fsq 's["messages"]')" 'messages the server received'
}

@test "550 on MAIL: exit 69, no DATA, message saved" {
	start_fault '{"mail": "550 5.7.1 sender alice@example.org not allowed"}'
	send bob@example.org
	fault_done
	fail_with 69
	assert_stderr_contains 'sender alice@example.org not allowed'
	run fsq '"DATA" in verbs'
	assert_eq False "$output" 'DATA sent after MAIL was refused'
}

# ---------------------------------------------------------------- DATA

@test "451 to DATA: exit 75, no message sent" {
	start_fault '{"data": "451 4.3.0 try again later"}'
	send bob@example.org
	fault_done
	fail_with 75
	assert_stderr_contains '451 4.3.0 try again later'
	assert_eq 0 "$(fsq 's["messages"]')" 'messages the server received'
}

@test "552 after the final dot: exit 69, server's words, message saved" {
	start_fault '{"final": "552 5.3.4 message too big for this mailbox"}'
	send bob@example.org
	fault_done
	fail_with 69
	assert_stderr_contains '552 5.3.4 message too big for this mailbox'
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server received'
}

@test "451 after the final dot: exit 75" {
	start_fault '{"final": "451 4.3.0 queue full"}'
	send bob@example.org
	fault_done
	fail_with 75
	assert_stderr_contains '451 4.3.0 queue full'
}

@test "connection dropped in the middle of DATA: exit 75, message saved" {
	start_fault '{"drop": "mid-data"}'
	# A body big enough not to fit in one segment.
	head -c 300000 /dev/zero | tr '\0' 'x' | fold -w 70 >big.txt
	run_posta -s 'Fault test' -f "Alice <$FROM>" --date="@$EPOCH" \
		--message-id="$MID" --server="smtp://127.0.0.1:$FS_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=5 bob@example.org <big.txt
	fault_done
	fail_with 75
	assert_eq 'dropped at mid-data' "$(fsq 's["closed"]')" 'where the server dropped the connection'
	[ -s "$FS/data.1.partial" ] || flunk 'the server received no part of the message'
}

@test "connection dropped after the final dot, before the reply: exit 75, 'may or may not'" {
	start_fault '{"drop": "after-dot"}'
	send bob@example.org
	fault_done
	fail_with 75
	assert_stderr_contains 'after the final dot'
	assert_stderr_contains 'may or may not'
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server received'
}

# ---------------------------------------------------------------- STARTTLS

@test "STARTTLS not offered: exit 77, nothing sent beyond EHLO" {
	start_fault '{"ehlo_remove": ["STARTTLS"]}'
	send bob@example.org
	fault_done
	fail_with 77
	assert_stderr_contains 'does not offer STARTTLS'
	assert_stderr_contains 'nothing was sent'
	run fsq '[v for v in verbs if v not in ("EHLO", "QUIT")]'
	assert_eq '' "$output" 'commands beyond EHLO'
}

@test "STARTTLS refused with 454: exit 75, nothing sent in plaintext" {
	start_fault '{"starttls": "454 4.7.0 TLS not available due to temporary reason"}'
	send bob@example.org
	fault_done
	fail_with 75
	assert_stderr_contains 'TLS not available due to temporary reason'
	run fsq '[v for v in verbs if v not in ("EHLO", "STARTTLS", "QUIT")]'
	assert_eq '' "$output" 'commands sent in plaintext after a refused STARTTLS'
}

@test "STARTTLS refused permanently (5xx): exit 77, nothing sent in plaintext" {
	start_fault '{"starttls": "554 5.7.3 no TLS for you"}'
	send bob@example.org
	fault_done
	fail_with 77
	assert_stderr_contains 'no TLS for you'
	run fsq '[v for v in verbs if v not in ("EHLO", "STARTTLS", "QUIT")]'
	assert_eq '' "$output" 'commands sent in plaintext after a refused STARTTLS'
}

@test "after STARTTLS the first EHLO's capabilities are forgotten" {
	# Before TLS: a tiny SIZE and AUTH; after: a large SIZE and no AUTH.
	start_fault '{"ehlo": ["STARTTLS", "SIZE 10", "AUTH PLAIN"], "ehlo_tls": ["PIPELINING", "SIZE 10485760"]}'
	send bob@example.org
	fault_done
	assert_status 0
	assert_verbs EHLO STARTTLS EHLO MAIL RCPT DATA QUIT
	stop_servers
	start_fault '{"ehlo": ["STARTTLS", "AUTH PLAIN"], "ehlo_tls": ["PIPELINING"], "auth": {"user": "alice", "password": "secret"}}'
	POSTA_PASSWORD=secret send --user=alice bob@example.org
	fault_done
	fail_with 77
	run fsq '[v for v in verbs if v not in ("EHLO", "STARTTLS", "QUIT")]'
	assert_eq '' "$output" 'commands sent when AUTH vanished after STARTTLS'
}

# assert_only_tls_after MARKER: on the wire (faultsrv's "wire" record),
# everything after MARKER (everything, for an empty MARKER) is a sequence of
# TLS records, the first a handshake: no plaintext went where TLS was due.
assert_only_tls_after() {
	"$PY" - "$FS/wire" "$1" <<'PY'
import sys
raw = open(sys.argv[1], 'rb').read()
marker = sys.argv[2].encode()
if marker and marker not in raw:
    sys.exit('%r never crossed the wire' % marker)
after = raw.split(marker, 1)[1] if marker else raw
if not after.startswith(b'\x16\x03'):
    sys.exit('no TLS handshake record where expected: %r' % after[:40])
pos = 0
while pos + 5 <= len(after):
    ctype, major = after[pos], after[pos + 1]
    if ctype not in (20, 21, 22, 23) or major != 3:
        sys.exit('not TLS after %d bytes of TLS records: %r' % (pos, after[pos:pos + 60]))
    pos += 5 + int.from_bytes(after[pos + 3:pos + 5], 'big')
PY
}

@test "STARTTLS handshake never answered: --timeout bounds it, exit 75" {
	start_fault '{"tls_stall": true}'
	elapsed_ms send --timeout=2 bob@example.org
	fault_done
	fail_with 75
	((ELAPSED < 3500)) || flunk "posta took $ELAPSED ms with --timeout=2"
}

@test "STARTTLS handshake never answered: nothing but TLS after STARTTLS" {
	start_fault '{"tls_stall": true}'
	send --timeout=1 bob@example.org
	fault_done
	assert_fails 75
	assert_only_tls_after $'STARTTLS\r\n'
}

@test "smtps:// handshake never answered: --timeout bounds it, exit 75" {
	# A server that reads and never answers: the ClientHello goes unanswered.
	start_fault '{"greeting": null, "hold_seconds": 10}'
	elapsed_ms send --tls=tls --timeout=2 bob@example.org
	fault_done
	fail_with 75
	((ELAPSED < 3500)) || flunk "posta took $ELAPSED ms with --timeout=2"
}

@test "smtps:// handshake never answered: no plaintext QUIT on the TLS port" {
	start_fault '{"greeting": null, "hold_seconds": 10}'
	send --tls=tls --timeout=1 bob@example.org
	fault_done
	assert_fails 75
	assert_only_tls_after ''
}

@test "smtps:// to a plaintext server: the handshake fails, exit 77, nothing sent" {
	start_fault '{}'
	send --tls=tls bob@example.org
	fault_done
	fail_with 77
	assert_only_tls_after ''
}

@test "certificate for the wrong name after STARTTLS: exit 77, nothing but TLS afterwards" {
	start_fault '{}' --tls-cert "$CERTS/wrong.pem" --tls-key "$CERTS/wrong.key"
	send bob@example.org
	fault_done
	fail_with 77
	assert_stderr_contains 'TLS certificate not trusted'
	assert_eq 0 "$(fsq 's["messages"]')" 'messages the server received'
	assert_only_tls_after $'STARTTLS\r\n'
}

@test "TLS server name (SNI): none for an IP address literal (RFC 6066 section 3)" {
	start_fault '{}'
	send bob@example.org
	fault_done
	assert_status 0
	assert_eq None "$(fsq 's["sni"]')" 'server name sent in the ClientHello'
}

@test "TLS server name (SNI): the host name when --server names one" {
	start_fault '{}'
	run_posta -s 'Fault test' -f "Alice <$FROM>" --server="smtp://localhost:$FS_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=5 bob@example.org <<<'Fault body'
	fault_done
	assert_status 0
	assert_eq localhost "$(fsq 's["sni"]')" 'server name sent in the ClientHello'
}

@test "STARTTLS response injection: exit 76, nothing sent" {
	start_fault '{"inject": "250-fault.test\r\n250 AUTH PLAIN\r\n"}'
	send bob@example.org
	fault_done
	fail_with 76
	run fsq '[c["line"] for c in s["commands"] if c["kind"] == "command" and c["line"].split(" ")[0] not in ("EHLO", "STARTTLS", "QUIT")]'
	assert_eq '' "$output" 'commands sent after an injected STARTTLS reply'
	assert_eq 0 "$(fsq 's["messages"]')" 'messages the server received'
}

# ---------------------------------------------------------------- AUTH

@test "AUTH refused with 535: exit 77 with the server's words, no MAIL" {
	start_fault '{"ehlo_add": ["AUTH PLAIN LOGIN"], "auth": {"user": "alice", "password": "right", "fail": "535 5.7.8 Username and Password not accepted"}}'
	POSTA_PASSWORD=wrong send --user=alice bob@example.org
	fault_done
	fail_with 77
	assert_stderr_contains 'Username and Password not accepted'
	assert_eq False "$(fsq 's["auth"][0]["ok"]')" 'the server accepted the login'
	run fsq '"MAIL" in verbs'
	assert_eq False "$output" 'MAIL sent after AUTH failed'
	refute_grep 'wrong' "$ERR"
}

@test "AUTH refused temporarily (454): exit 75" {
	start_fault '{"ehlo_add": ["AUTH PLAIN"], "auth": {"reply": "454 4.7.0 Temporary authentication failure"}}'
	POSTA_PASSWORD=secret send --user=alice bob@example.org
	fault_done
	fail_with 75
	assert_stderr_contains 'Temporary authentication failure'
	run fsq '"MAIL" in verbs'
	assert_eq False "$output" 'MAIL sent after AUTH failed'
}

@test "--auth=MECH the server does not offer: exit 77, no AUTH, nothing sent" {
	start_fault '{"ehlo_add": ["AUTH PLAIN LOGIN"], "auth": {"user": "alice", "password": "secret"}}'
	POSTA_PASSWORD=secret send --user=alice --auth=CRAM-MD5 bob@example.org
	fault_done
	fail_with 77
	run fsq '[v for v in verbs if v not in ("EHLO", "STARTTLS", "QUIT")]'
	assert_eq '' "$output" 'commands sent'
}

@test "an endless AUTH exchange: exit 76, bounded, no MAIL" {
	start_fault '{"ehlo_add": ["AUTH PLAIN"], "auth": {"endless": true}, "hold_seconds": 8}'
	POSTA_PASSWORD=secret elapsed_ms send --user=alice bob@example.org
	fault_done
	fail_with 76
	((ELAPSED < 4000)) || flunk "posta took $ELAPSED ms"
	run fsq '"MAIL" in verbs'
	assert_eq False "$output" 'MAIL sent'
}

@test "a challenge that is not base64: exit 76, no MAIL" {
	start_fault '{"ehlo_add": ["AUTH CRAM-MD5"], "auth": {"bad_challenge": true}}'
	POSTA_PASSWORD=secret send --user=alice bob@example.org
	fault_done
	fail_with 76
	run fsq '"MAIL" in verbs'
	assert_eq False "$output" 'MAIL sent'
}

@test "--user but the server offers no AUTH: exit 77, nothing sent" {
	start_fault '{}'
	POSTA_PASSWORD=secret send --user=alice bob@example.org
	fault_done
	fail_with 77
	run fsq '[v for v in verbs if v not in ("EHLO", "STARTTLS", "QUIT")]'
	assert_eq '' "$output" 'commands beyond EHLO/STARTTLS'
}

@test "AUTH offered only in plaintext: no credentials cross without TLS (default mode)" {
	start_fault '{"ehlo_remove": ["STARTTLS"], "ehlo_add": ["AUTH PLAIN LOGIN"], "auth": {"user": "alice", "password": "secret"}}'
	POSTA_PASSWORD=secret send --user=alice bob@example.org
	fault_done
	fail_with 77
	run fsq '[v for v in verbs if v not in ("EHLO", "QUIT")]'
	assert_eq '' "$output" 'commands beyond EHLO'
	refute_grep "$(printf '\0alice\0secret' | base64)" "$FS/raw"
}

@test "--tls=none to loopback: AUTH PLAIN works and the message is delivered" {
	start_fault '{"ehlo_remove": ["STARTTLS"], "ehlo_add": ["AUTH PLAIN LOGIN"], "auth": {"user": "alice", "password": "secret"}}'
	POSTA_PASSWORD=secret send --tls=none --user=alice bob@example.org
	fault_done
	assert_status 0
	refute_dead_letter
	assert_eq 'PLAIN alice True' "$(fsq '" ".join(str(s["auth"][0][k]) for k in ("mech", "user", "ok"))')" 'AUTH'
	assert_eq False "$(fsq 's["tls"]')" 'TLS used'
	assert_verbs EHLO AUTH MAIL RCPT DATA QUIT
}

@test "--tls=none never sends STARTTLS even when offered" {
	start_fault '{}'
	send --tls=none bob@example.org
	fault_done
	assert_status 0
	assert_verbs EHLO MAIL RCPT DATA QUIT
}

@test "CRAM-MD5 is chosen over PLAIN and LOGIN and succeeds" {
	start_fault '{"ehlo_add": ["AUTH PLAIN LOGIN CRAM-MD5"], "auth": {"user": "alice", "password": "tanstaaftanstaaf"}}'
	POSTA_PASSWORD=tanstaaftanstaaf send --user=alice bob@example.org
	fault_done
	assert_status 0
	refute_dead_letter
	assert_eq 'CRAM-MD5 alice True' "$(fsq '" ".join(str(s["auth"][0][k]) for k in ("mech", "user", "ok"))')" 'AUTH'
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server received'
	refute_grep 'tanstaaf' "$FS/raw"
}

@test "CRAM-MD5 with a wrong password: exit 77" {
	start_fault '{"ehlo_add": ["AUTH CRAM-MD5"], "auth": {"user": "alice", "password": "right"}}'
	POSTA_PASSWORD=wrong send --user=alice bob@example.org
	fault_done
	fail_with 77
	assert_eq 'CRAM-MD5 False' "$(fsq '" ".join(str(s["auth"][0][k]) for k in ("mech", "ok"))')" 'AUTH'
	run fsq '"MAIL" in verbs'
	assert_eq False "$output" 'MAIL sent after AUTH failed'
}

@test "SCRAM-SHA-256 is chosen first and succeeds (server proof verified)" {
	start_fault '{"ehlo_add": ["AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256"], "auth": {"user": "alice", "password": "pencil"}}'
	POSTA_PASSWORD=pencil send --user=alice bob@example.org
	fault_done
	assert_status 0
	refute_dead_letter
	assert_eq 'SCRAM-SHA-256 alice True' "$(fsq '" ".join(str(s["auth"][0][k]) for k in ("mech", "user", "ok"))')" 'AUTH'
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server received'
}

@test "SCRAM-SHA-256 with a user name needing escapes (=, comma)" {
	start_fault '{"ehlo_add": ["AUTH SCRAM-SHA-256"], "auth": {"user": "a=b,c", "password": "pencil"}}'
	POSTA_PASSWORD=pencil send --user='a=b,c' bob@example.org
	fault_done
	assert_status 0
	assert_eq 'a=b,c True' "$(fsq '" ".join(str(s["auth"][0][k]) for k in ("user", "ok"))')" 'AUTH'
}

@test "SCRAM-SHA-256 with a wrong server signature: exit 77, no MAIL" {
	start_fault '{"ehlo_add": ["AUTH SCRAM-SHA-256 PLAIN"], "auth": {"user": "alice", "password": "pencil", "scram_bad_signature": true}}'
	POSTA_PASSWORD=pencil send --user=alice bob@example.org
	fault_done
	fail_with 77
	run fsq '"MAIL" in verbs'
	assert_eq False "$output" 'MAIL sent after a forged server signature'
	assert_eq False "$(fsq 's["auth"][0]["ok"] if s["auth"] else False')" 'the client completed the exchange'
}

@test "SCRAM-SHA-256 with a wrong password: exit 77" {
	start_fault '{"ehlo_add": ["AUTH SCRAM-SHA-256"], "auth": {"user": "alice", "password": "pencil"}}'
	POSTA_PASSWORD=crayon send --user=alice bob@example.org
	fault_done
	fail_with 77
	assert_eq 'SCRAM-SHA-256 False' "$(fsq '" ".join(str(s["auth"][0][k]) for k in ("mech", "ok"))')" 'AUTH'
}

@test "--auth=LOGIN forces LOGIN even when stronger ones are offered" {
	start_fault '{"ehlo_add": ["AUTH SCRAM-SHA-256 CRAM-MD5 PLAIN LOGIN"], "auth": {"user": "alice", "password": "secret"}}'
	POSTA_PASSWORD=secret send --user=alice --auth=LOGIN bob@example.org
	fault_done
	assert_status 0
	assert_eq 'LOGIN alice True' "$(fsq '" ".join(str(s["auth"][0][k]) for k in ("mech", "user", "ok"))')" 'AUTH'
}

@test "--auth=XOAUTH2 sends the token as a bearer token" {
	start_fault '{"ehlo_add": ["AUTH PLAIN XOAUTH2"], "auth": {"user": "alice@example.org", "password": "ya29.token-123"}}'
	POSTA_PASSWORD=ya29.token-123 send --user=alice@example.org --auth=XOAUTH2 bob@example.org
	fault_done
	assert_status 0
	assert_eq 'XOAUTH2 alice@example.org True' "$(fsq '" ".join(str(s["auth"][0][k]) for k in ("mech", "user", "ok"))')" 'AUTH'
}

@test "--auth=XOAUTH2 with a refused token: exit 77" {
	start_fault '{"ehlo_add": ["AUTH XOAUTH2"], "auth": {"user": "alice@example.org", "password": "good"}}'
	POSTA_PASSWORD=expired send --user=alice@example.org --auth=XOAUTH2 bob@example.org
	fault_done
	fail_with 77
	run fsq '"MAIL" in verbs'
	assert_eq False "$output" 'MAIL sent after XOAUTH2 failed'
}

# ---------------------------------------------------------------- extensions

@test "SIZE: the server's limit is smaller than the message: exit 69, no MAIL" {
	start_fault '{"ehlo_remove": ["SIZE"], "ehlo_add": ["SIZE 100"]}'
	send bob@example.org
	fault_done
	fail_with 69
	run fsq '[v for v in verbs if v not in ("EHLO", "STARTTLS", "QUIT")]'
	assert_eq '' "$output" 'commands sent for a message over the size limit'
}

@test "SIZE=: MAIL FROM carries the message size (at least the bytes sent)" {
	start_fault '{}'
	send bob@example.org
	fault_done
	assert_status 0
	local mail size actual
	mail=$(fsq '[c for c in cmds if c.startswith("MAIL ")][0]')
	assert_match 'MAIL FROM:<alice@example\.org> .*SIZE=[0-9]+.*' "$mail" 'MAIL command'
	size=$(sed -E 's/.*SIZE=([0-9]+).*/\1/' <<<"$mail")
	# The message without the dot-stuffing and the final ".\r\n".
	actual=$("$PY" -c 'import sys
d = open(sys.argv[1], "rb").read()[:-3]
print(len(d.replace(b"\r\n..", b"\r\n.")))' "$FS/data.1")
	if ((size < actual)); then
		flunk "SIZE=$size is smaller than the $actual bytes sent"
	fi
	if ((size > actual + 1024)); then
		flunk "SIZE=$size is far more than the $actual bytes sent"
	fi
}

@test "PIPELINING offered: MAIL and all RCPTs in one go, DATA only after their replies" {
	start_fault '{"delay_ms": 100}'
	send bob@example.org carol@example.org dave@example.org
	fault_done
	assert_status 0
	# Every RCPT arrived before the server had answered MAIL.
	run fsq '[(c["line"].split(":")[0], c["replies_before"]) for c in s["commands"] if c["line"].startswith(("MAIL", "RCPT"))]'
	local n
	n=$(fsq 'len(set(c["replies_before"] for c in s["commands"] if c["line"].startswith(("MAIL", "RCPT"))))')
	assert_eq 1 "$n" "MAIL and RCPTs should all arrive before the first reply; (command, replies sent before it) = $output"
	assert_eq True "$(fsq 'all(c["pipelined"] for c in s["commands"] if c["line"].startswith("RCPT"))')" 'RCPTs pipelined'
	assert_eq False "$(fsq '[c for c in s["commands"] if c["line"] == "DATA"][0]["pipelined"]')" 'DATA sent before the RCPT replies'
	assert_eq False "$(fsq '[c for c in s["commands"] if c["kind"] == "end-of-data"][0]["pipelined"]')" 'message sent before the 354'
	assert_eq True "$(fsq '[c for c in s["commands"] if c["line"] == "QUIT"][0]["pipelined"]')" 'QUIT pipelined after the final dot'
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server received'
}

@test "PIPELINING not offered: one command at a time" {
	start_fault '{"ehlo_remove": ["PIPELINING"], "delay_ms": 50}'
	send bob@example.org carol@example.org
	fault_done
	assert_status 0
	run fsq '[c["line"] for c in s["commands"] if c["pipelined"]]'
	assert_eq '' "$output" 'commands sent before the reply to the previous one'
	assert_verbs EHLO STARTTLS EHLO MAIL RCPT RCPT DATA QUIT
}

@test "DATA stream: CRLF only, dot-stuffed, one message (no SMTP smuggling), decodes back" {
	start_fault '{}'
	# Body: lone dots, dot lines, bare CR, bare LF, CRLF.CRLF and a
	# smuggling attempt. An attached .eml carries such lines raw (7bit).
	printf 'first\n.\n..two dots\n.three\r\n.\r\nMAIL FROM:<evil@example.org>\r\nbare\rcr\nlf only\n\r.\r\n\n.\nlast' >body.txt
	printf 'From: x@example.org\nTo: y@example.org\nSubject: inner\n\n.\nbody\r\n.\r\nRCPT TO:<evil@example.org>\r\nDATA\r\n.hidden\n\r.\r\nend\n' >inner.eml
	local args=(-s 'Smuggling' -f "Alice <$FROM>" --date="@$EPOCH" --message-id="$MID" -a inner.eml)
	run_posta -n "${args[@]}" bob@example.org <body.txt
	assert_status 0
	cp "$MSG" dry.eml
	run_posta "${args[@]}" --server="smtp://127.0.0.1:$FS_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=5 bob@example.org <body.txt
	fault_done
	assert_status 0
	refute_dead_letter
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server received'
	assert_verbs EHLO STARTTLS EHLO MAIL RCPT DATA QUIT
	"$PY" - "$FS/data.1" dry.eml <<'PY'
import sys, email, email.policy
wire = open(sys.argv[1], 'rb').read()
dry = open(sys.argv[2], 'rb').read()
def fail(why):
    sys.stderr.write(why + '\n--- on the wire:\n' + repr(wire[:3000]) + '\n')
    sys.exit(1)
if not wire.endswith(b'\r\n.\r\n'):
    fail('DATA does not end with CRLF.CRLF')
body = wire[:-3]
lines = body.split(b'\r\n')
if lines[-1] != b'':
    fail('the message does not end with CRLF')
for l in lines[:-1]:
    if b'\r' in l or b'\n' in l:
        fail('bare CR or LF on the wire in line %r' % l)
    if l.startswith(b'.') and not l.startswith(b'..'):
        fail('line not dot-stuffed: %r' % l)
    if len(l) > 998:
        fail('line longer than 998 octets')
unstuffed = b'\r\n'.join(l[1:] if l.startswith(b'.') else l for l in lines)
want = dry.replace(b'\n', b'\r\n')
# Each run draws a new MIME boundary; everything else must be identical.
import re
def same_boundary(m):
    b = re.search(rb'boundary="([^"]+)"', m).group(1)
    return m.replace(b, b'BOUNDARY')
if same_boundary(unstuffed) != same_boundary(want):
    fail('the unstuffed DATA differs from the dry run:\n%r\n%r' % (unstuffed[:2000], want[:2000]))
msg = email.message_from_bytes(unstuffed, policy=email.policy.default)
text = msg.get_body(preferencelist=('plain',)).get_content().replace('\r\n', '\n')
expect = 'first\n.\n..two dots\n.three\n.\nMAIL FROM:<evil@example.org>\nbare\ncr\nlf only\n\n.\n\n.\nlast'
if text.rstrip('\n') != expect:
    fail('decoded body %r, expected %r' % (text, expect))
inner = [p for p in msg.iter_attachments()][0].get_content()
text = inner.get_content().replace('\r\n', '\n')
expect = '.\nbody\n.\nRCPT TO:<evil@example.org>\nDATA\n.hidden\n\n.\nend\n'
if inner['Subject'] != 'inner' or text != expect:
    fail('attached message: subject %r, body %r, expected %r' % (inner['Subject'], text, expect))
PY
}

@test "SMTPUTF8 offered: a non-ASCII address goes out with SMTPUTF8" {
	start_fault '{"ehlo_add": ["SMTPUTF8"]}'
	send 'josé@example.org'
	fault_done
	assert_status 0
	assert_match 'MAIL FROM:<alice@example\.org> .*SMTPUTF8.*' "$(fsq '[c for c in cmds if c.startswith("MAIL ")][0]')" 'MAIL command'
	assert_match 'RCPT TO:<josé@example\.org>.*' "$(fsq '[c for c in cmds if c.startswith("RCPT ")][0]')" 'RCPT command'
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server received'
}

@test "SMTPUTF8 not offered: a non-ASCII address is not sent, exit 69" {
	start_fault '{}'
	send 'josé@example.org'
	fault_done
	fail_with 69
	assert_stderr_contains 'SMTPUTF8'
	run fsq '[v for v in verbs if v not in ("EHLO", "STARTTLS", "QUIT")]'
	assert_eq '' "$output" 'commands sent without SMTPUTF8'
}

@test "ASCII-only message never asks for SMTPUTF8 or BODY=8BITMIME" {
	start_fault '{"ehlo_add": ["SMTPUTF8"]}'
	send bob@example.org
	fault_done
	assert_status 0
	local mail
	mail=$(fsq '[c for c in cmds if c.startswith("MAIL ")][0]')
	refute_grep SMTPUTF8 <(echo "$mail")
	refute_grep BODY= <(echo "$mail")
}

@test "8BITMIME offered: an attached 8-bit message gets BODY=8BITMIME" {
	start_fault '{}'
	printf 'From: x@example.org\nTo: y@example.org\nSubject: inner\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nCafé crème, déjà vu\n' >inner.eml
	send -a inner.eml bob@example.org
	fault_done
	assert_status 0
	assert_match 'MAIL FROM:<alice@example\.org> .*BODY=8BITMIME.*' "$(fsq '[c for c in cmds if c.startswith("MAIL ")][0]')" 'MAIL command'
	grep -qF 'Café crème, déjà vu' "$FS/data.1" || flunk 'the 8-bit text did not arrive unchanged'
}

@test "8BITMIME not offered: an attached 8-bit message is refused, exit 69, nothing sent" {
	start_fault '{"ehlo_remove": ["8BITMIME"]}'
	printf 'From: x@example.org\nTo: y@example.org\nSubject: inner\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nCafé crème, déjà vu\n' >inner.eml
	send -a inner.eml bob@example.org
	fault_done
	fail_with 69
	assert_stderr_contains '8BITMIME'
	run fsq '[v for v in verbs if v not in ("EHLO", "STARTTLS", "QUIT")]'
	assert_eq '' "$output" 'commands sent'
}

@test "DSN offered: NOTIFY, RET and ENVID are sent" {
	start_fault '{"ehlo_add": ["DSN"]}'
	send --dsn-notify=SUCCESS,FAILURE --dsn-return=hdrs --dsn-envid=QQ314159 bob@example.org
	fault_done
	assert_status 0
	local mail rcpt
	mail=$(fsq '[c for c in cmds if c.startswith("MAIL ")][0]')
	rcpt=$(fsq '[c for c in cmds if c.startswith("RCPT ")][0]')
	assert_match '.* RET=HDRS.*' "$mail" 'MAIL command'
	assert_match '.* ENVID=QQ314159.*' "$mail" 'MAIL command'
	assert_match 'RCPT TO:<bob@example\.org> .*NOTIFY=SUCCESS,FAILURE.*' "$rcpt" 'RCPT command'
}

@test "DSN not offered: no DSN parameters" {
	start_fault '{}'
	send --dsn-notify=SUCCESS,FAILURE --dsn-return=hdrs bob@example.org
	fault_done
	assert_status 0
	refute_grep 'NOTIFY=' "$FS/cmds"
	refute_grep 'RET=' "$FS/cmds"
}

# ---------------------------------------------------------------- protocol

@test "malformed reply to MAIL: exit 76, message saved" {
	start_fault '{"mail": {"raw": "hello, this is not SMTP\r\n"}}'
	send bob@example.org
	fault_done
	fail_with 76
	run fsq '"DATA" in verbs'
	assert_eq False "$output" 'DATA sent after a malformed reply'
}

@test "malformed greeting: exit 76" {
	start_fault '{"greeting": "22O fault.test"}'
	send bob@example.org
	fault_done
	fail_with 76
	run fsq '[v for v in verbs if v != "QUIT"]'
	assert_eq '' "$output" 'commands sent after a malformed greeting'
}

@test "multi-line reply with inconsistent codes: exit 76" {
	start_fault '{"ehlo_reply": "250-fault.test\n251-PIPELINING\n250 STARTTLS"}'
	send bob@example.org
	fault_done
	fail_with 76
	run fsq '"MAIL" in verbs'
	assert_eq False "$output" 'MAIL sent'
}

@test "over-long reply line: exit 76" {
	start_fault "{\"mail\": \"250 $(head -c 3000 /dev/zero | tr '\0' a)\"}"
	send bob@example.org
	fault_done
	fail_with 76
	run fsq '"DATA" in verbs'
	assert_eq False "$output" 'DATA sent after an over-long reply'
}

@test "non-printable reply: exit 76" {
	start_fault '{"mail": {"raw": "250 ok\u0000\u0007\u001b[2J\r\n"}}'
	send bob@example.org
	fault_done
	fail_with 76
	run fsq '"DATA" in verbs'
	assert_eq False "$output" 'DATA sent after a non-printable reply'
}

@test "C1 controls in a refusal are quoted as '?', never reach the terminal" {
	start_fault '{"rcpt": {"raw": "550 5.1.1 \u009b31mred\u009b0m no such user\r\n"}}'
	send bob@example.org
	fault_done
	fail_with 67
	assert_stderr_contains '550 5.1.1 ??31mred??0m no such user'
	if LC_ALL=C grep -q $'\xc2\x9b' "$ERR"; then
		flunk 'a C1 CSI reached stderr'
	fi
}

@test "a server that refuses EHLO gets HELO and no extensions" {
	start_fault '{"ehlo_reply": "500 5.5.1 Command unrecognized: EHLO"}'
	send --tls=none bob@example.org
	fault_done
	assert_status 0
	refute_dead_letter
	assert_verbs EHLO HELO MAIL RCPT DATA QUIT
	assert_eq 'MAIL FROM:<alice@example.org>' "$(fsq '[c for c in cmds if c.startswith("MAIL ")][0]')" 'MAIL without extensions'
}

@test "a 5xx to HELO after a refused EHLO: exit 69" {
	start_fault '{"ehlo_reply": "502 5.5.1 no EHLO", "helo": "550 5.7.1 go away"}'
	send --tls=none bob@example.org
	fault_done
	fail_with 69
	assert_stderr_contains 'go away'
}

@test "replies trickled a byte at a time are read whole" {
	start_fault '{"trickle_ms": 2, "ehlo_remove": ["STARTTLS"]}'
	send --tls=none bob@example.org
	fault_done
	assert_status 0
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server received'
}

@test "every reply slower than --timeout: exit 75 within bounds" {
	start_fault '{"delay_ms": 2500}'
	elapsed_ms send --timeout=1 bob@example.org
	fail_with 75
	((ELAPSED < 3500)) || flunk "posta took $ELAPSED ms with --timeout=1"
}

@test "a reply trickling in slower than --timeout in total: exit 75 in time" {
	# 30 bytes of greeting at 150 ms each: 4.5 s for the whole reply.
	start_fault '{"trickle_ms": 150}'
	elapsed_ms send --timeout=1 bob@example.org
	fail_with 75
	((ELAPSED < 3000)) || flunk "posta took $ELAPSED ms with --timeout=1 for a 4.5 s reply"
}

@test "dead letter: a 'From ' line in the body is quoted, the mbox still holds one message" {
	start_fault '{"rcpt": "550 5.1.1 no"}'
	run_posta -s 'Fault test' -f "Alice <$FROM>" --date="@$EPOCH" \
		--message-id="$MID" --server="smtp://127.0.0.1:$FS_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=5 bob@example.org \
		<<<$'Hello\nFrom the start of the line\n>From already quoted\nbye'
	fault_done
	fail_with 67
	grep -qx '>From the start of the line' "$POSTA_DEAD_LETTER" ||
		flunk "'From ' not quoted: $(cat "$POSTA_DEAD_LETTER")"
	if grep -qx 'From the start of the line' "$POSTA_DEAD_LETTER"; then
		flunk "unquoted 'From ' line in the mbox"
	fi
	# mboxrd: '>From ' gets one more '>'.
	grep -qx '>>From already quoted' "$POSTA_DEAD_LETTER" ||
		flunk "'>From ' not quoted once more: $(cat "$POSTA_DEAD_LETTER")"
	# The file ends with a blank line after the message.
	assert_eq '' "$(tail -n 1 "$POSTA_DEAD_LETTER")" 'last line of the mbox'
}

@test "dead letter for the null sender: From_ line names MAILER-DAEMON" {
	start_fault '{"rcpt": "550 5.1.1 no"}'
	send -r '' bob@example.org
	fault_done
	assert_fails 67
	assert_eq 'MAIL FROM:<>' "$(fsq '[c for c in cmds if c.startswith("MAIL ")][0].split(" SIZE=")[0]')" 'MAIL'
	assert_dead_letter MAILER-DAEMON "$MID"
}

@test "dead letter: a second failure appends, never overwrites" {
	start_fault '{"rcpt": "550 5.1.1 no", "connections": 2}'
	send bob@example.org
	fail_with 67
	send bob@example.org
	assert_fails 67
	fault_done
	"$PY" -c 'import mailbox, sys
n = len(mailbox.mbox(sys.argv[1], create=False))
sys.exit(0 if n == 2 else "%d messages in the dead letter, expected 2" % n)' "$POSTA_DEAD_LETTER"
	assert_eq 600 "$(stat -c %a "$POSTA_DEAD_LETTER")" 'dead letter mode'
}

@test "dead letter cannot be written: exit 74 naming both failures" {
	start_fault '{"rcpt": "550 5.1.1 no such user"}'
	POSTA_DEAD_LETTER="$BATS_TEST_TMPDIR/no/such/dir/dead.letter" send bob@example.org
	fault_done
	assert_fails 74
	assert_stderr_contains '550 5.1.1 no such user'
	assert_stderr_contains "$BATS_TEST_TMPDIR/no/such/dir/dead.letter"
}

@test "EHLO name: never localhost; --helo is used as given" {
	start_fault '{"connections": 1}'
	send bob@example.org
	fault_done
	assert_status 0
	local ehlo
	ehlo=$(fsq 'cmds[0]')
	assert_match 'EHLO [^ ]+' "$ehlo" 'EHLO command'
	refute_grep 'localhost' <(echo "$ehlo")
	stop_servers
	start_fault '{}'
	send --helo=mail.example.org bob@example.org
	fault_done
	assert_status 0
	assert_eq 'EHLO mail.example.org' "$(fsq 'cmds[0]')" 'EHLO command'
}

@test "--verify: a 5xx reply is printed, exit 69; a 4xx, exit 75" {
	start_fault '{"vrfy": "550 5.1.1 <nobody@example.org>: no such user"}'
	status=0
	"$POSTA" --server="smtp://127.0.0.1:$FS_PORT" --tls-ca="$CERTS/ca.pem" --timeout=5 \
		--verify=nobody@example.org >"$MSG" 2>"$ERR" </dev/null || status=$?
	fault_done
	assert_status 69
	grep -qF '550 5.1.1 <nobody@example.org>: no such user' "$MSG" "$ERR" ||
		flunk "VRFY reply not shown: $(cat "$MSG" "$ERR")"
	stop_servers
	start_fault '{"vrfy": "450 4.2.1 try later"}'
	status=0
	"$POSTA" --server="smtp://127.0.0.1:$FS_PORT" --tls-ca="$CERTS/ca.pem" --timeout=5 \
		--verify=nobody@example.org >"$MSG" 2>"$ERR" </dev/null || status=$?
	fault_done
	assert_status 75
	refute_dead_letter
}

@test "--verify: VRFY after STARTTLS, reply printed" {
	start_fault '{"vrfy": "250 2.1.5 Bob <bob@example.org>"}'
	status=0
	"$POSTA" --server="smtp://127.0.0.1:$FS_PORT" --tls-ca="$CERTS/ca.pem" --timeout=5 \
		--verify=bob@example.org >"$MSG" 2>"$ERR" </dev/null || status=$?
	fault_done
	assert_status 0
	grep -qF '250 2.1.5 Bob <bob@example.org>' "$MSG" || flunk "VRFY reply not printed: $(cat "$MSG")"
	assert_eq True "$(fsq 'any(c["line"] == "VRFY bob@example.org" and c["tls"] for c in s["commands"])')" 'VRFY sent under TLS'
	refute_grep 'MAIL' "$FS/cmds"
}
