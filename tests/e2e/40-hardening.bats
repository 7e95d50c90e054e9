#!/usr/bin/env bats
# Hardening (issue 5): signals while a message is on its way, and a reader
# that stops early. Each test checks the exit status, the one-line message,
# and that the message is either accepted once or saved, never neither.

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

# send_signalled SIGNAL: posta talks to faultsrv, which answers slowly; SIGNAL is
# sent to posta once it has been connected for a second.
send_signalled() {
	local sig=$1 pid i
	"$POSTA" -s 'Signal test' -f "Alice <$FROM>" --date="@1700000000" \
		--message-id="$MID" --server="smtp://127.0.0.1:$FS_PORT" \
		--tls-ca="$CERTS/ca.pem" --timeout=20 bob@example.org \
		<<<'Signal body' >"$MSG" 2>"$ERR" &
	pid=$!
	sleep 1
	kill -"$sig" "$pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pid" && status=0 || status=$?
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
