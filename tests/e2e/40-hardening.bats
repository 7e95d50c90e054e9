#!/usr/bin/env bats
# Hardening (issue 5), the fault matrix: signals while a message is on its
# way, files that change while being read, a full disk, a reader that stops
# early, 10 000 recipients, a 100 000-line header block, a 1 MiB reply and a
# server that trickles. Each test checks the exit status, the one-line
# message, and that the message is either accepted once or saved to
# dead.letter, never both and never neither.

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

MID='<hardening-test@example.org>'
FROM='alice@example.org'

send() {
	fault_send "$@"
}

# saved_once: exit status as asserted before, one 'posta: ' line, and the
# message in the dead letter exactly once, never at the server.
saved_once() {
	assert_fails "$1" || return 1
	assert_dead_letter "$FROM" "$MID" || return 1
	assert_eq 0 "$(fsq 's["messages"]')" 'messages the server accepted'
}

# part_sha WHERE FILE NAME: the SHA-256 of the decoded part named NAME in the
# one message in FILE, read by Python's email package; WHERE is "mbox" (a dead
# letter) or "data" (a message as faultsrv received it: CRLF, dot-stuffed).
part_sha() {
	"$PY" - "$@" <<'PY'
import email, email.policy, hashlib, mailbox, sys
where, path, name = sys.argv[1:4]
if where == 'mbox':
    msgs = list(mailbox.mbox(path, create=False))
    if len(msgs) != 1:
        sys.exit('%d messages in %s, expected 1' % (len(msgs), path))
    msg = email.message_from_bytes(msgs[0].as_bytes(), policy=email.policy.default)
else:
    data = open(path, 'rb').read()
    if not data.endswith(b'\r\n.\r\n'):
        sys.exit('%s does not end with CRLF.CRLF' % path)
    lines = data[:-3].split(b'\r\n')
    lines = [l[1:] if l.startswith(b'.') else l for l in lines]
    msg = email.message_from_bytes(b'\n'.join(lines), policy=email.policy.default)
for part in msg.walk():
    if part.get_filename() == name:
        print(hashlib.sha256(part.get_payload(decode=True)).hexdigest())
        break
else:
    sys.exit('no part named %s in %s' % (name, path))
PY
}

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# send_signalled SIGNAL: posta talks to faultsrv, which answers slowly; SIGNAL is
# sent to posta once it has been connected for a second.
send_signalled() {
	local sig=$1 pid
	"$POSTA" -s 'Signal test' -f "Alice <$FROM>" --date="@1700000000" \
		--message-id="$MID" --server="smtp://127.0.0.1:$FS_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=20 bob@example.org \
		<<<'Signal body' >"$MSG" 2>"$ERR" &
	pid=$!
	sleep 1
	kill -"$sig" "$pid"
	wait_gone "$pid"
}

@test "SIGTERM while waiting for the server: exit 75 at once, message saved" {
	start_fault '{"delay_ms": 4000}'
	SECONDS=0
	send_signalled TERM
	[ "$SECONDS" -lt 4 ] || flunk "posta took $SECONDS s to stop"
	assert_eq 75 "$status" 'exit status'
	assert_stderr_contains 'interrupted by a signal'
	assert_stderr_contains "message saved to $POSTA_DEAD_LETTER"
	assert_dead_letter "$FROM" "$MID"
}

@test "SIGINT while waiting for a reply: exit 75, message saved once" {
	start_fault '{"delay_ms": 4000}'
	send_signalled INT
	assert_eq 75 "$status" 'exit status'
	assert_stderr_contains 'interrupted by a signal'
	assert_dead_letter "$FROM" "$MID"
}

@test "posta -n piped into head -1 stops quietly" {
	head -c 2000000 /dev/urandom >big.bin
	run bash -c "'$POSTA' -n -f a@example.org -a big.bin b@example.org </dev/null | head -1"
	assert_eq 0 "$status" 'pipeline status'
	assert_match 'Date: .*' "$output" 'first line'
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ] || flunk "more than one line: $output"
}

# ---------------------------------------------------------------- signals in DATA

# signal_in_data SIGNAL: posta sends a 20 MB attachment to a server that stops
# reading once the message has begun; SIGNAL reaches posta while its writes
# are blocked in the middle of DATA.
signal_in_data() {
	local sig=$1 pid i
	head -c 20000000 /dev/urandom >big.bin
	start_fault '{"data_stall_ms": 8000, "ehlo_remove": ["SIZE"]}'
	"$POSTA" -s 'Signal test' -f "Alice <$FROM>" --date="@1700000000" \
		--message-id="$MID" --server="smtp://127.0.0.1:$FS_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=20 -a big.bin bob@example.org \
		<<<'Signal body' >"$MSG" 2>"$ERR" &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q '"data-stall"' "$FS/events.jsonl" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '"data-stall"' "$FS/events.jsonl" || flunk 'the message never began'
	sleep 0.5
	SECONDS=0
	kill -"$sig" "$pid"
	wait_gone "$pid"
	[ "$SECONDS" -lt 3 ] || flunk "posta took $SECONDS s to stop"
	fault_done
}

@test "SIGTERM in the middle of DATA: exit 75, no final dot, the whole message saved once" {
	signal_in_data TERM
	saved_once 75
	assert_stderr_contains 'interrupted by a signal'
	assert_eq "$(sha big.bin)" "$(part_sha mbox "$POSTA_DEAD_LETTER" big.bin)" 'attachment in the dead letter'
}

@test "SIGINT in the middle of DATA: exit 75, no final dot, the whole message saved once" {
	signal_in_data INT
	saved_once 75
	assert_stderr_contains 'interrupted by a signal'
	assert_eq "$(sha big.bin)" "$(part_sha mbox "$POSTA_DEAD_LETTER" big.bin)" 'attachment in the dead letter'
}

# ---------------------------------------------------------------- files that change

@test "an attachment that grows before DATA: the bytes it had are sent, once, with a warning" {
	head -c 300000 /dev/urandom >grow.bin
	cp grow.bin before.bin
	start_fault "{\"data_exec\": [\"sh\", \"-c\", \"head -c 5000 /dev/urandom >>'$W/grow.bin'\"]}"
	send -a grow.bin bob@example.org
	fault_done
	assert_status 0
	assert_eq 305000 "$(stat -c %s grow.bin)" 'the file grew'
	assert_eq 1 "$(wc -l <"$ERR")" 'stderr lines'
	assert_stderr_contains 'posta: grow.bin grew while being read; the message holds the 300000 bytes it had at first'
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server accepted'
	assert_eq "$(sha before.bin)" "$(part_sha data "$FS/data.1" grow.bin)" 'attachment as received'
	# SIZE promised what came.
	local size got
	size=$(fsq '[c for c in cmds if c.startswith("MAIL ")][0].split("SIZE=")[1]')
	got=$(stat -c %s "$FS/data.1")
	((got <= size + 3)) || flunk "SIZE=$size but $got bytes came"
	refute_dead_letter
}

@test "a text attachment that grows before DATA: its first lines are sent as they were scanned" {
	seq 1 20000 >log.txt
	cp log.txt before.txt
	start_fault "{\"data_exec\": [\"sh\", \"-c\", \"printf 'caf\\\\303\\\\251 late line\\\\n' >>'$W/log.txt'\"]}"
	send -a log.txt bob@example.org
	fault_done
	assert_status 0
	assert_stderr_contains 'log.txt grew while being read'
	assert_eq "$(sha before.txt)" "$(part_sha data "$FS/data.1" log.txt)" 'attachment as received'
	# Scanned as ASCII, sent 7bit: the 8-bit line added later is not in it.
	refute_grep 'late line' "$FS/data.1"
	refute_dead_letter
}

@test "an attachment that shrinks before DATA: exit 65, no final dot, saved once as it is now" {
	head -c 300000 /dev/urandom >shrink.bin
	start_fault "{\"data_exec\": [\"truncate\", \"-s\", \"1000\", \"$W/shrink.bin\"]}"
	send -a shrink.bin bob@example.org
	fault_done
	saved_once 65
	assert_stderr_contains 'shrink.bin shrank while being read (300000 bytes, then 1000)'
	assert_eq 1000 "$(stat -c %s shrink.bin)" 'the file shrank'
	assert_eq "$(sha shrink.bin)" "$(part_sha mbox "$POSTA_DEAD_LETTER" shrink.bin)" 'attachment in the dead letter'
}

@test "a text attachment that shrinks: the dead letter holds it as it is now, in base64" {
	seq 1 20000 >notes.txt
	start_fault "{\"data_exec\": [\"truncate\", \"-s\", \"20\", \"$W/notes.txt\"]}"
	send -a notes.txt bob@example.org
	fault_done
	saved_once 65
	assert_stderr_contains 'notes.txt shrank while being read'
	assert_eq "$(sha notes.txt)" "$(part_sha mbox "$POSTA_DEAD_LETTER" notes.txt)" 'attachment in the dead letter'
	grep -q '^Content-Transfer-Encoding: base64' "$POSTA_DEAD_LETTER" ||
		flunk 'the refreshed part is not base64'
}

# ---------------------------------------------------------------- the dead letter fails too

@test "dead letter on a full disk (/dev/full): exit 74 naming the refusal and the save" {
	start_fault '{"rcpt": "550 5.1.1 no such user"}'
	POSTA_DEAD_LETTER=/dev/full send bob@example.org
	fault_done
	assert_fails 74
	assert_stderr_contains '550 5.1.1 no such user'
	assert_stderr_contains 'saving the message failed too: /dev/full: No space left on device'
	assert_eq 0 "$(fsq 's["messages"]')" 'messages the server accepted'
}

@test "a dead letter that fills up half way is cut back: the mbox keeps its earlier message whole" {
	start_fault '{"rcpt": "550 5.1.1 no such user", "connections": 2}'
	send bob@example.org
	assert_fails 67 || return 1
	assert_dead_letter "$FROM" "$MID" || return 1
	local before
	before=$(sha "$POSTA_DEAD_LETTER")
	head -c 200000 /dev/urandom >big.bin
	# 64 KiB per file: the second message cannot fit (EFBIG, not a crash).
	status=0
	(ulimit -f 64 && exec "$POSTA" -s 'Hardening test' -f "Alice <$FROM>" \
		--message-id='<second@example.org>' --server="smtp://127.0.0.1:$FS_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=20 -a big.bin bob@example.org \
		<<<'second' >"$MSG" 2>"$ERR") || status=$?
	fault_done
	assert_fails 74
	assert_stderr_contains '550 5.1.1 no such user'
	assert_stderr_contains 'saving the message failed too'
	assert_stderr_contains 'File too large'
	assert_eq "$before" "$(sha "$POSTA_DEAD_LETTER")" 'the dead letter after the failed save'
	assert_eq 0 "$(fsq 's["messages"]')" 'messages the server accepted'
}

# ---------------------------------------------------------------- big inputs

rcpt_list() {
	local i
	for ((i = 1; i <= $1; i++)); do
		printf 'user%d@example.org\n' "$i"
	done
}

@test "10 000 recipients: every RCPT sent, at most 100 awaiting replies, one message" {
	mapfile -t rcpts < <(rcpt_list 10000)
	start_fault '{}'
	elapsed_ms send "${rcpts[@]}"
	fault_done
	assert_status 0
	refute_dead_letter
	assert_eq 10000 "$(fsq 'verbs.count("RCPT")')" 'RCPT commands'
	assert_eq 10000 "$(fsq 'len(set(c for c in cmds if c.startswith("RCPT ")))')" 'distinct RCPT commands'
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server accepted'
	# RFC 2920: pipelined, but never so far ahead that the server's unread
	# replies could fill the socket (MAIL and 100 RCPTs at most).
	local ahead
	ahead=$(fsq 'max(c["index"] - c["replies_before"] for c in s["commands"])')
	((ahead <= 101)) || flunk "$ahead commands were awaiting replies at once"
	((ahead >= 50)) || flunk "only $ahead commands in flight: not pipelined"
	((ELAPSED < 30000)) || flunk "posta took $ELAPSED ms"
}

@test "10 000 recipients, 1000 per message (452 4.5.3): ten transactions, each recipient once" {
	mapfile -t rcpts < <(rcpt_list 10000)
	start_fault '{"rcpt_limit": 1000}'
	send -v "${rcpts[@]}"
	fault_done
	assert_status 0
	refute_dead_letter
	assert_stderr_contains 'posta: sent to 10000 recipients in 10 transactions; the last: 250 2.0.0 Ok: queued as FAULT1'
	"$PY" -c 'import sys, re
n = sum(1 for l in open(sys.argv[1], errors="replace") if re.match(r"> MAIL FROM:", l))
sys.exit(0 if n == 10 else "%d MAIL commands in -v" % n)' "$ERR"
	assert_eq 10 "$(fsq 'len(s["envelopes"])')" 'messages the server took'
	assert_eq '10000 10000' "$(fsq '"%d %d" % (sum(map(len, s["envelopes"])), len(set(a for e in s["envelopes"] for a in e)))')" \
		'recipients in them, and distinct ones'
	assert_eq "$(printf '%s\n' "${rcpts[@]}" | sort | tr '\n' ' ')" \
		"$(fsq 'sorted(a for e in s["envelopes"] for a in e)' | tr '\n' ' ')" 'who got it'
	# No more than a window of RCPTs beyond each limit.
	local n
	n=$(fsq 'verbs.count("RCPT")')
	((n <= 10000 + 10 * 100)) || flunk "$n RCPT commands for 10 000 recipients"
}

@test "a split delivery whose second message fails: exit 75, names who has it, saved once" {
	mapfile -t rcpts < <(rcpt_list 250)
	start_fault '{"rcpt_limit": 100, "final": ["250 2.0.0 Ok: one", "451 4.3.0 try again later"]}'
	send "${rcpts[@]}"
	fault_done
	assert_fails 75
	assert_stderr_contains '451 4.3.0 try again later'
	assert_stderr_contains 'sent to 100 of 250 recipients, not to user101@example.org, '
	assert_stderr_contains 'user110@example.org and 140 more'
	assert_dead_letter "$FROM" "$MID"
	assert_eq 1 "$(fsq 'len(s["envelopes"])')" 'messages the server took'
	assert_eq 100 "$(fsq 'len(s["envelopes"][0])')" 'recipients of it'
}

@test "a split delivery with a refused recipient in the second message: all or nothing no more, named, saved" {
	mapfile -t rcpts < <(rcpt_list 150)
	start_fault '{"rcpt_limit": 100, "rcpt": {"user120@example.org": "550 5.1.1 no such user"}}'
	send "${rcpts[@]}"
	fault_done
	assert_fails 67
	assert_stderr_contains 'user120@example.org (550 5.1.1 no such user)'
	assert_stderr_contains 'sent to 100 of 150 recipients, not to user101@example.org'
	assert_dead_letter "$FROM" "$MID"
	assert_eq 1 "$(fsq 'len(s["envelopes"])')" 'messages the server took'
}

@test "--allow-partial and a recipient limit: everyone but the refused one, once; no dead letter" {
	mapfile -t rcpts < <(rcpt_list 150)
	start_fault '{"rcpt_limit": 100, "rcpt": {"user120@example.org": "550 5.1.1 no such user"}}'
	send --allow-partial "${rcpts[@]}"
	fault_done
	assert_fails 67
	assert_stderr_contains 'user120@example.org (550 5.1.1 no such user); sent to the others (--allow-partial)'
	refute_dead_letter
	assert_eq '149 149' "$(fsq '"%d %d" % (sum(map(len, s["envelopes"])), len(set(a for e in s["envelopes"] for a in e)))')" \
		'recipients who got it, and distinct ones'
}

@test "10 000 recipients with -n: To holds them all; one more is refused, exit 64" {
	mapfile -t rcpts < <(rcpt_list 10000)
	compose -f a@example.org -s many "${rcpts[@]}" </dev/null
	assert_status 0
	assert_eq 10000 "$("$PY" -c 'import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(len(m["To"].addresses))' "$MSG")" 'addresses in To'
	assert_max_line 998
	compose -f a@example.org -s many "${rcpts[@]}" one-more@example.org </dev/null
	assert_fails 64
	assert_stderr_contains 'more than 10000 addresses'
}

@test "10 000 recipients all refused: exit 67, one line naming ten and counting the rest, saved once" {
	mapfile -t rcpts < <(rcpt_list 10000)
	start_fault '{"rcpt": "550 5.1.1 no such user"}'
	send "${rcpts[@]}"
	fault_done
	saved_once 67
	assert_stderr_contains 'user1@example.org (550 5.1.1 no such user)'
	assert_stderr_contains 'user10@example.org (550 5.1.1 no such user) and 9990 more; nothing was sent'
	refute_grep 'user11@' "$ERR"
}

@test "a 100 000-line header block with -t: exit 65 at the limit, nothing sent, the input saved whole" {
	{
		printf 'From: Alice <%s>\nTo: bob@example.org\nMessage-ID: %s\n' "$FROM" "$MID"
		seq -f 'X-Filler-%g: a header line' 1 100000
		printf '\nbody\n'
	} >big.eml
	start_fault '{}'
	elapsed_ms run_posta -t --server="smtp://127.0.0.1:$FS_PORT" --tls-ca="$CERTS/ca.pem" <big.eml
	assert_fails 65
	assert_stderr_contains 'line 10001: more than 10000 header fields'
	((ELAPSED < 5000)) || flunk "posta took $ELAPSED ms"
	[ ! -s "$FS/cmds" ] || flunk "posta talked to the server: $(head -c 300 "$FS/cmds")"
	# The dead letter is one message: the input byte for byte after its
	# From_ line (no line in it starts 'From ', so mboxrd quotes nothing).
	"$PY" - "$POSTA_DEAD_LETTER" big.eml <<'PY' || return 1
import mailbox, sys
if len(mailbox.mbox(sys.argv[1], create=False)) != 1:
    sys.exit('not one message in the dead letter')
raw = open(sys.argv[1], 'rb').read()
want = open(sys.argv[2], 'rb').read()
if not raw.startswith(b'From ') or raw.split(b'\n', 1)[1] != want + b'\n':
    sys.exit('the dead letter is not the input')
PY
	assert_stderr_contains "; message saved to $POSTA_DEAD_LETTER"
}

@test "a 100 000-line header block arriving on a pipe: the same, in the sendmail interface" {
	{
		printf 'From: Alice <%s>\nTo: bob@example.org\n' "$FROM"
		seq -f ' continued line %g' 1 100000 | sed '1s/^/X-Long:/'
		printf '\nbody\n'
	} >long.eml
	status=0
	cat long.eml | "$POSTA" -t --server=smtp://127.0.0.1:9 --tls=none >"$MSG" 2>"$ERR" || status=$?
	assert_fails 65
	assert_stderr_contains 'the header block is larger than 1048576 bytes'
	"$PY" -c 'import mailbox, sys
n = len(mailbox.mbox(sys.argv[1], create=False))
sys.exit(0 if n == 1 else "%d messages in the dead letter" % n)' "$POSTA_DEAD_LETTER"
}

# ---------------------------------------------------------------- hostile replies

@test "a 1 MiB reply with no newline: exit 76 at once, no DATA, message saved" {
	"$PY" -c 'import json, sys
json.dump({"mail": {"raw": "250 " + "a" * 1048576}}, open(sys.argv[1], "w"))' "$BATS_TEST_TMPDIR/huge.json"
	start_fault "@$BATS_TEST_TMPDIR/huge.json"
	elapsed_ms send bob@example.org
	fault_done
	saved_once 76
	assert_stderr_contains 'longer than'
	((ELAPSED < 5000)) || flunk "posta took $ELAPSED ms"
	run fsq '"DATA" in verbs'
	assert_eq False "$output" 'DATA sent after the huge reply'
	# The error line stays short: the reply is not quoted whole.
	(($(wc -c <"$ERR") < 1000)) || flunk "stderr is $(wc -c <"$ERR") bytes"
}

@test "a server trickling one byte per second: --timeout=3 holds for the whole wait, exit 75, saved" {
	start_fault '{"trickle_ms": 1000}'
	elapsed_ms send --timeout=3 bob@example.org
	fault_done
	saved_once 75
	((ELAPSED >= 2900 && ELAPSED < 5000)) || flunk "posta took $ELAPSED ms with --timeout=3"
	assert_eq 0 "$(fsq 'len(cmds)')" 'commands sent before the greeting was whole'
}

@test "a whole message on stdin from a file that shrinks: exit 65, the dead letter holds what is left" {
	{
		printf 'From: Alice <%s>\nTo: bob@example.org\nSubject: shrinking\nMessage-ID: %s\n\n' "$FROM" "$MID"
		seq -f 'body line %g' 1 20000
	} >in.eml
	local keep
	keep=$(($(grep -b -m1 '^body line 100$' in.eml | cut -d: -f1)))
	start_fault "{\"data_exec\": [\"truncate\", \"-s\", \"$keep\", \"$W/in.eml\"]}"
	run_posta -t --server="smtp://127.0.0.1:$FS_PORT" --tls-ca="$CERTS/ca.pem" --timeout=20 <in.eml
	fault_done
	saved_once 65
	assert_stderr_contains 'standard input shrank while being read'
	"$PY" - "$POSTA_DEAD_LETTER" <<'PY' || return 1
import mailbox, sys
m = list(mailbox.mbox(sys.argv[1], create=False))[0]
body = m.get_payload()
lines = body.splitlines()
if m['Subject'] != 'shrinking' or lines[0] != 'body line 1' or lines[-1] != 'body line 99':
    sys.exit('dead letter body: %r ... %r' % (lines[:1], lines[-1:]))
PY
}
