# Common setup for posta's end-to-end tests; every .bats file does `load helpers`.
#
# posta is run with -n (dry run) so the message lands in $MSG and its stderr in
# $ERR; msgcheck.py (Python's own e-mail parser, run with Debian's
# /usr/bin/python3) then reads the message back the way a mail reader would.

setup() {
	posta_setup
}

posta_setup() {
	# Never touch the real home or configuration.
	export HOME="$BATS_TEST_TMPDIR/home"
	export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/config"
	mkdir -p "$HOME" "$XDG_CONFIG_HOME"
	# A failed delivery saves the message here, never in a real mailbox.
	export POSTA_DEAD_LETTER="$BATS_TEST_TMPDIR/dead.letter"
	# A cron job's environment: C locale, UTC. posta must not depend on the
	# locale to handle UTF-8.
	export LC_ALL=C TZ=UTC
	unset LANG LANGUAGE

	: "${POSTA:=$BATS_TEST_DIRNAME/../../build/posta}"
	export POSTA
	PY=/usr/bin/python3
	MSGCHECK="$BATS_TEST_DIRNAME/msgcheck.py"
	MSG="$BATS_TEST_TMPDIR/out.eml"
	ERR="$BATS_TEST_TMPDIR/err.txt"
	W="$BATS_TEST_TMPDIR/work"
	mkdir -p "$W"
	cd "$W"
	if [ ! -x "$POSTA" ]; then
		echo "posta binary not found at '$POSTA' (set POSTA or build it)" >&2
		return 1
	fi
}

# Fixed instant used by compose: Tue, 14 Nov 2023 22:13:20 +0000.
EPOCH=1700000000

# ---------------------------------------------------------------- running posta

# run_posta ARGS...: run posta exactly as given; stdout -> $MSG, stderr -> $ERR,
# exit status -> $status. The caller supplies stdin (always redirect it).
run_posta() {
	status=0
	"$POSTA" "$@" >"$MSG" 2>"$ERR" || status=$?
}

# compose ARGS...: a dry run with a fixed date.
compose() {
	run_posta -n --date="@$EPOCH" "$@"
}

# compose_ok ARGS...: compose, and require success and a well-formed message.
compose_ok() {
	compose "$@"
	assert_ok_msg
}

# compose_fail CODE ARGS...: compose, and require the documented failure shape.
compose_fail() {
	local code=$1
	shift
	compose "$@"
	assert_fails "$code" "$*"
}

# assert_ok_msg: last run exited 0, said nothing on stderr, and printed a
# well-formed message whose every line is <= 998 octets.
assert_ok_msg() {
	if [ "$status" -ne 0 ]; then
		echo "posta exited $status, expected 0; stderr:" >&2
		cat "$ERR" >&2
		return 1
	fi
	if [ -s "$ERR" ]; then
		echo "posta succeeded but wrote to stderr:" >&2
		cat "$ERR" >&2
		return 1
	fi
	if [ ! -s "$MSG" ]; then
		echo "posta succeeded but printed no message" >&2
		return 1
	fi
	assert_max_line 998 || return 1
	if ! mc check; then
		echo "--- message (first 60 lines):" >&2
		head -n 60 "$MSG" >&2
		return 1
	fi
}

# assert_max_line N: no line of $MSG is longer than N octets.
assert_max_line() {
	local n
	n=$(mc maxline) || return 1
	if [ "$n" -gt "$1" ]; then
		echo "longest output line is $n octets (limit $1)" >&2
		return 1
	fi
}

# assert_fails CODE [WHAT]: exit status CODE, nothing on stdout, and exactly one
# line on stderr starting with "posta: ".
assert_fails() {
	local what=${2:-}
	if [ "$status" -ne "$1" ]; then
		echo "[$what] exit status $status, expected $1; stderr:" >&2
		cat "$ERR" >&2
		return 1
	fi
	if [ -s "$MSG" ]; then
		echo "[$what] failed with $1 but printed on stdout:" >&2
		head -c 2000 "$MSG" >&2
		return 1
	fi
	local lines first
	lines=$(wc -l <"$ERR")
	first=$(head -n 1 "$ERR")
	if [ "$lines" -ne 1 ] || [[ "$first" != "posta: "* ]]; then
		echo "[$what] stderr should be one line starting with 'posta: ', got:" >&2
		cat "$ERR" >&2
		return 1
	fi
}

# assert_stderr_contains TEXT
assert_stderr_contains() {
	if ! grep -qF -- "$1" "$ERR"; then
		echo "stderr does not contain <<$1>>; stderr:" >&2
		cat "$ERR" >&2
		return 1
	fi
}

# ---------------------------------------------------------------- checking

# mc COMMAND ARGS...: msgcheck.py on $MSG (see msgcheck.py for the commands).
mc() {
	"$PY" "$MSGCHECK" "$MSG" "$@"
}

flunk() {
	echo "$*" >&2
	return 1
}

# assert_eq EXPECTED ACTUAL [LABEL]
assert_eq() {
	if [ "$1" != "$2" ]; then
		printf '%s\n  expected: <<%s>>\n  actual:   <<%s>>\n' "${3:-mismatch}" "$1" "$2" >&2
		return 1
	fi
}

# assert_match REGEX ACTUAL [LABEL]  (bash ERE, whole string)
assert_match() {
	if [[ ! "$2" =~ ^$1$ ]]; then
		printf '%s\n  expected to match: %s\n  actual: <<%s>>\n' "${3:-no match}" "$1" "$2" >&2
		return 1
	fi
}

# assert_header NAME EXPECTED: decoded top-level header NAME is EXPECTED.
assert_header() {
	local v
	v=$(mc header "$1") || return 1
	assert_eq "$2" "$v" "header $1"
}

# assert_no_header NAME
assert_no_header() {
	local n
	n=$(mc count "$1") || return 1
	assert_eq 0 "$n" "occurrences of header $1"
}

# assert_part_is_file SEL FILE: the decoded part is byte for byte FILE.
assert_part_is_file() {
	local want got
	want=$(sha256sum <"$2" | cut -d' ' -f1)
	got=$(mc part-sha256 "$1") || return 1
	assert_eq "$want" "$got" "sha256 of part '$1' vs file '$2'"
}

# assert_body_is FILE: the decoded text/plain body equals FILE's content.
assert_body_is() {
	mc body >"$BATS_TEST_TMPDIR/body.got" || return 1
	if ! cmp -s "$1" "$BATS_TEST_TMPDIR/body.got"; then
		echo "decoded body differs from $1:" >&2
		echo "--- expected (od -c):" >&2
		od -c "$1" | head -n 20 >&2
		echo "--- got (od -c):" >&2
		od -c "$BATS_TEST_TMPDIR/body.got" | head -n 20 >&2
		return 1
	fi
}

# refute_grep PATTERN FILE...: fixed string PATTERN (case-insensitive) is absent.
refute_grep() {
	local pat=$1
	shift
	if grep -qiF -- "$pat" "$@"; then
		echo "found <<$pat>> where it must not be:" >&2
		grep -niF -- "$pat" "$@" | head -n 5 >&2
		return 1
	fi
}

# ---------------------------------------------------------------- fixtures

# make_pdf FILE [SIZE]: a %PDF- header followed by SIZE random bytes.
make_pdf() {
	printf '%%PDF-1.4\n%%\342\343\317\323\n' >"$1"
	head -c "${2:-3000}" /dev/urandom >>"$1"
}

# make_png FILE: a valid 1x1 RGBA PNG.
make_png() {
	printf '\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99\x3d\x1d\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82' >"$1"
}

# make_eml FILE SUBJECT [BODY]: a small, plain RFC 5322 message (LF line ends).
make_eml() {
	printf 'Return-Path: <alice@example.org>\nDate: Mon, 13 Nov 2023 10:00:00 +0000\nFrom: Alice <alice@example.org>\nTo: bob@example.org\nSubject: %s\nMessage-ID: <%s@example.org>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n%s\n' \
		"$2" "$(basename "$1" .eml)" "${3:-Hello from the attached message.}" >"$1"
}

# make_bin FILE SIZE: SIZE deterministic pseudo-random bytes that libmagic
# calls application/octet-stream.
make_bin() {
	"$PY" -c 'import random, sys
r = random.Random(20231114)
sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(int(sys.argv[1]))))' "$2" >"$1"
}

# ---------------------------------------------------------------- test servers
#
# Delivery tests talk to real servers on 127.0.0.1, started in the background
# by the test and killed by its teardown (stop_servers):
#   servers/smtpd.py    a real SMTP server (Debian's aiosmtpd); messages land
#                       in $MAILDIR as NNN.eml + NNN.json
#   servers/faultsrv.py a scripted misbehaving server; what it received is in
#                       $FS (raw, cmds, data.N, summary.json)
# A throw-away PKI (servers/certs.sh) is made once per bats run in $CERTS.

SERVERS="$BATS_TEST_DIRNAME/servers"

# make_certs: set up $CERTS (ca.pem, server.pem/key for localhost and
# 127.0.0.1, wrong.pem/key for wrong.example, client.pem/key, other-ca.pem,
# *.sha256). Made once per bats run; call it from setup_file.
make_certs() {
	CERTS="${BATS_RUN_TMPDIR:-${BATS_FILE_TMPDIR:?}}/posta-certs"
	export CERTS
	if [ ! -f "$CERTS/done" ]; then
		rm -rf -- "$CERTS.tmp"
		bash "$SERVERS/certs.sh" "$CERTS.tmp" || return 1
		touch "$CERTS.tmp/done"
		rm -rf -- "$CERTS"
		mv -- "$CERTS.tmp" "$CERTS"
	fi
}

# start_bg NAME CMD...: start server CMD (which takes --port-file) in the
# background, logging to $BATS_TEST_TMPDIR/NAME.log; wait (at most 10 s) for
# its port and set BG_PORT to it. The pid is remembered for stop_servers.
# (Not in a $(...): the server must be this shell's child so that
# stop_servers can reap it.)
start_bg() {
	local name=$1 pf="$BATS_TEST_TMPDIR/$1.port" pid i
	shift
	BG_PORT=
	rm -f -- "$pf"
	# fd 3 is bats' own; a server holding it would make bats wait for it.
	"$@" --port-file "$pf" </dev/null >"$BATS_TEST_TMPDIR/$name.log" 2>&1 3>&- &
	pid=$!
	echo "$pid" >>"$BATS_TEST_TMPDIR/server.pids"
	for ((i = 0; i < 200; i++)); do
		if [ -s "$pf" ]; then
			BG_PORT=$(cat -- "$pf")
			return 0
		fi
		if ! proc_alive "$pid"; then
			echo "$name exited before listening; log:" >&2
			cat "$BATS_TEST_TMPDIR/$name.log" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "$name did not listen within 10 s; log:" >&2
	cat "$BATS_TEST_TMPDIR/$name.log" >&2
	return 1
}

# proc_alive PID: PID runs (a zombie does not count).
proc_alive() {
	local state
	state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# stop_servers: stop every server this test started (TERM, then KILL after
# 2 s) and reap it. Call it from teardown.
stop_servers() {
	local f="$BATS_TEST_TMPDIR/server.pids" pid i
	[ -f "$f" ] || return 0
	while read -r pid; do
		if proc_alive "$pid"; then
			kill "$pid" 2>/dev/null || true
			for ((i = 0; i < 40; i++)); do
				proc_alive "$pid" || break
				sleep 0.05
			done
			proc_alive "$pid" && kill -9 "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null || true
	done <"$f"
	rm -f -- "$f"
}

# start_smtpd OPTION...: smtpd.py with these options; sets SMTP_PORT and
# MAILDIR. The server's log is $BATS_TEST_TMPDIR/smtpd.log.
start_smtpd() {
	MAILDIR="$BATS_TEST_TMPDIR/maildir"
	mkdir -p "$MAILDIR"
	start_bg smtpd-run "$PY" "$SERVERS/smtpd.py" --maildir "$MAILDIR" \
		--log "$BATS_TEST_TMPDIR/smtpd.log" --max-seconds 60 "$@" || return 1
	SMTP_PORT=$BG_PORT
}

# start_fault SCENARIO-JSON [OPTION...]: faultsrv.py with a certificate for
# localhost; sets FS_PORT and FS (its record directory).
start_fault() {
	local scenario=$1
	shift
	FS="$BATS_TEST_TMPDIR/fault"
	rm -rf -- "$FS"
	start_bg fault "$PY" "$SERVERS/faultsrv.py" --record "$FS" \
		--tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" \
		--max-seconds 30 "$@" "$scenario" || return 1
	FS_PORT=$BG_PORT
}

# fault_send OPTION... RECIPIENT...: a small fixed message (from "Alice
# <$FROM>", Message-ID $MID, the fixed date, body 'Fault body') to faultsrv over
# STARTTLS, trusting the test CA, with --timeout=5 unless an OPTION says
# otherwise; see run_posta.
fault_send() {
	run_posta -s 'Fault test' -f "Alice <$FROM>" --date="@$EPOCH" \
		--message-id="$MID" --server="smtp://127.0.0.1:$FS_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=5 "$@" <<<'Fault body'
}

# elapsed_ms CMD...: run CMD, then set ELAPSED to the milliseconds it took.
elapsed_ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@"
	t1=$(date +%s%N)
	ELAPSED=$(((t1 - t0) / 1000000))
}

# wait_gone PID: wait (at most 10 s) for PID to end, then reap it and set
# status to its exit status.
wait_gone() {
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	wait "$1" && status=0 || status=$?
}

# fault_done: wait (at most 10 s) until faultsrv has finished its connection
# and written its records.
fault_done() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -f "$FS/done" ] && return 0
		sleep 0.05
	done
	echo "faultsrv did not finish within 10 s; its log:" >&2
	cat "$BATS_TEST_TMPDIR/fault.log" >&2
	return 1
}

# fsq EXPR: evaluate the Python expression EXPR with `s` bound to faultsrv's
# summary.json, `cmds` to the list of command lines (SASL lines excluded) and
# `verbs` to their upper-cased verbs; print the result (lists one a line).
fsq() {
	"$PY" - "$FS/summary.json" "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
cmds = [c['line'] for c in s['commands'] if c['kind'] == 'command']
verbs = [c.split(' ')[0].upper() for c in cmds]
r = eval(sys.argv[2])
if isinstance(r, (list, tuple)):
    for x in r:
        print(x)
else:
    print(r)
PY
}

# assert_verbs V1 V2 ...: the commands faultsrv received, verb by verb
# (SASL response lines excluded), were exactly these.
assert_verbs() {
	local got want
	got=$(fsq 'verbs' | tr '\n' ' ') || return 1
	want="$* "
	assert_eq "$want" "$got" "commands the server received"
}

# assert_status CODE: the last run_posta exited CODE (stderr shown if not).
assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "posta exited $status, expected $1; stderr:" >&2
		cat "$ERR" >&2
		return 1
	fi
}

# assert_dead_letter SENDER [MESSAGE-ID]: $POSTA_DEAD_LETTER holds exactly one
# message (Python's mailbox.mbox reads it), mode 0600, whose From_ line names
# SENDER, with LF line ends, no CR, the Message-ID given (when given), and the
# failure message on stderr ends with "; message saved to PATH".
assert_dead_letter() {
	local dl=$POSTA_DEAD_LETTER mode
	if [ ! -f "$dl" ]; then
		echo "no dead letter at $dl; stderr:" >&2
		cat "$ERR" >&2
		return 1
	fi
	mode=$(stat -c %a "$dl")
	assert_eq 600 "$mode" "mode of $dl" || return 1
	"$PY" - "$dl" "$1" "${2:-}" <<'PY' || return 1
import mailbox, sys, email.policy
path, sender, msgid = sys.argv[1:4]
raw = open(path, 'rb').read()
box = mailbox.mbox(path, create=False)
msgs = list(box)
def fail(why):
    sys.stderr.write('dead letter: %s\n--- %s:\n%s\n' % (why, path, raw[:3000].decode('utf-8', 'replace')))
    sys.exit(1)
if len(msgs) != 1:
    fail('%d messages in it, expected exactly 1' % len(msgs))
if b'\r' in raw:
    fail('it contains CR bytes; mbox is LF only')
if not raw.startswith(b'From '):
    fail('it does not start with a From_ line')
m = msgs[0]
frm = m.get_from().split(' ')[0]
if frm != sender:
    fail('From_ line names %r, expected %r' % (frm, sender))
if msgid and m['Message-ID'] != msgid:
    fail('Message-ID %r, expected %r' % (m['Message-ID'], msgid))
if m.defects:
    fail('parser defects: %r' % m.defects)
PY
	if ! grep -qF -- "; message saved to $dl" "$ERR"; then
		echo "stderr does not end with '; message saved to $dl':" >&2
		cat "$ERR" >&2
		return 1
	fi
	assert_match '.*; message saved to '"$(printf '%s' "$dl" | sed 's/[][\.*^$+?(){}|/]/\\&/g')" "$(tail -n 1 "$ERR")" \
		"the failure message should end with the dead letter's path"
}

# refute_dead_letter: no dead letter was written.
refute_dead_letter() {
	if [ -e "$POSTA_DEAD_LETTER" ]; then
		echo "a dead letter was written but should not have been:" >&2
		head -n 20 "$POSTA_DEAD_LETTER" >&2
		return 1
	fi
}

# ---------------------------------------------------------------- whole messages
#
# For the sendmail interface, the configuration file and the real clients
# (30-sendmail, 31-config, 32-clients): posta sends to smtpd.py, and what
# arrived is read back from $MAILDIR.

# plain_smtpd OPTION...: smtpd.py without TLS (posta needs --tls=none).
plain_smtpd() {
	start_smtpd "$@"
}

# tls_smtpd OPTION...: smtpd.py offering STARTTLS with the localhost
# certificate of the test CA (make_certs in setup_file).
tls_smtpd() {
	start_smtpd --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" "$@"
}

# plain_args: set PLAIN_ARGS to the long options that send to the plain
# smtpd.py (no TLS, short timeout).
plain_args() {
	PLAIN_ARGS=(--server="127.0.0.1:$SMTP_PORT" --tls=none --timeout=5)
}

# arrived_n: the number of messages smtpd.py accepted so far.
arrived_n() {
	find "$MAILDIR" -name '*.json' 2>/dev/null | wc -l
}

# wait_arrived N: wait (at most 5 s) until N messages have arrived.
wait_arrived() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(arrived_n)" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 0
}

# arrived: exactly one message arrived (waiting at most 5 s for it), every
# line of it ends in CRLF. Sets GOT (its path without .eml/.json) and MSG (a
# copy with LF line ends, for mc and assert_header).
arrived() {
	wait_arrived 1
	local n
	n=$(arrived_n)
	if [ "$n" -ne 1 ]; then
		echo "$n messages arrived at the server, expected 1; stderr of posta:" >&2
		cat "$ERR" >&2 2>/dev/null
		echo "--- smtpd log (tail):" >&2
		tail -n 30 "$BATS_TEST_TMPDIR/smtpd.log" >&2 2>/dev/null
		return 1
	fi
	GOT=$(find "$MAILDIR" -name '*.json')
	GOT=${GOT%.json}
	"$PY" -c 'import sys
d = open(sys.argv[1], "rb").read()
r = d.replace(b"\r\n", b"")
if b"\n" in r or b"\r" in r or not d.endswith(b"\r\n"):
    sys.exit("bare CR or LF in the message as it arrived")' "$GOT.eml" || return 1
	MSG="$BATS_TEST_TMPDIR/arrived.eml"
	tr -d '\r' <"$GOT.eml" >"$MSG"
}

# refute_arrived: no message arrived.
refute_arrived() {
	local n
	n=$(arrived_n)
	if [ "$n" -ne 0 ]; then
		echo "$n message(s) arrived but none should have" >&2
		return 1
	fi
}

# arrived_env EXPR: a Python expression on the envelope (`e`) of the message
# that arrived; lists print one item a line.
arrived_env() {
	"$PY" -c 'import json, sys
e = json.load(open(sys.argv[1]))
r = eval(sys.argv[2])
print("\n".join(map(str, r)) if isinstance(r, list) else r)' "$GOT.json" "$1"
}

# assert_rcpts ADDR...: the envelope recipients, in any order, were exactly
# these (each once).
assert_rcpts() {
	local want got
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	got=$(arrived_env 'e["rcpt_tos"]' | sort | tr '\n' ' ')
	assert_eq "$want" "$got" 'RCPT TO'
}

# assert_mail_from ADDR: the envelope sender.
assert_mail_from() {
	assert_eq "$1" "$(arrived_env 'e["mail_from"]')" 'MAIL FROM'
}

# write_config FILE: stdin to FILE (directories made), mode 0600.
write_config() {
	mkdir -p -- "$(dirname -- "$1")"
	(umask 077 && cat >"$1")
	chmod 600 -- "$1"
}

# crlf FILE OUT: FILE with every LF (or CRLF) line end made CRLF.
crlf() {
	"$PY" -c 'import sys
d = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
open(sys.argv[2], "wb").write(d)' "$1" "$2"
}

# assert_same_bytes EXPECTED GOT: the two files are byte for byte the same.
assert_same_bytes() {
	if ! cmp -s -- "$1" "$2"; then
		echo "$2 differs from $1:" >&2
		diff <(od -c -- "$1") <(od -c -- "$2") | head -n 30 >&2
		return 1
	fi
}

# forget_arrived: remove what arrived so far (the server keeps running and
# numbering on), so that `arrived` looks at the next message only.
forget_arrived() {
	find "$MAILDIR" -type f -delete
}

# fields_removed IN OUT NAME...: IN with the named header fields (any case,
# continuation lines included) taken out of its header block, written to OUT
# with CRLF line ends. The body is left alone.
fields_removed() {
	"$PY" - "$@" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
names = {n.lower() for n in sys.argv[3:]}
lines = open(src, 'rb').read().replace(b'\r\n', b'\n').split(b'\n')
out, in_head, drop = [], True, False
for l in lines:
    if in_head:
        if l == b'':
            in_head = False
        elif l[:1] in (b' ', b'\t'):
            if drop:
                continue
        else:
            drop = l.split(b':', 1)[0].strip().lower().decode('latin-1') in names
            if drop:
                continue
    out.append(l)
open(dst, 'wb').write(b'\r\n'.join(out))
PY
}
