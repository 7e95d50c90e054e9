#!/usr/bin/env bats
# The sendmail interface (issue #4, cli.md "Synopsis"): a whole message on
# standard input, -t taking the recipients from its headers, sendmail's short
# options, the binary called by the name `sendmail`. Messages go to
# servers/smtpd.py on 127.0.0.1 (no TLS, posta --tls=none) or to
# servers/faultsrv.py where the raw DATA or a refusal matters; each test
# compares what arrived with what went in.

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

# send_plain ARG...: posta ARG... against the plain smtpd.py, stdin from the
# caller (always redirect it).
send_plain() {
	plain_args
	run_posta "$@" "${PLAIN_ARGS[@]}"
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

# ---------------------------------------------------------------- -t

@test "-t: recipients from To, Cc and Bcc, groups and folded fields, plus the arguments; Bcc removed" {
	plain_smtpd
	cat >in.eml <<'EOF'
From: Alice <alice@example.org>
To: Bob <bob@example.org>,
	"Carol, C." <carol@example.org>, undisclosed-recipients:;
Cc: Team: dave@example.org, Erin <erin@example.org>;,
  frank@example.org
Bcc: audit@example.org,
  Hidden Person <hidden@example.org>
Subject: Quarterly numbers
Date: Mon, 13 Nov 2023 10:00:00 +0000
Message-ID: <q1@example.org>

Numbers attached.
EOF
	send_plain -t extra@example.org <in.eml
	sent_ok
	arrived
	assert_rcpts bob@example.org carol@example.org dave@example.org \
		erin@example.org frank@example.org audit@example.org \
		hidden@example.org extra@example.org
	assert_mail_from alice@example.org
	# Bcc is gone, and nothing else changed but the line ends.
	assert_no_header Bcc
	refute_grep 'audit@example.org' "$GOT.eml"
	refute_grep 'hidden' "$GOT.eml"
	fields_removed in.eml want.eml Bcc
	assert_same_bytes want.eml "$GOT.eml"
}

@test "-t: Bcc in any case and an empty Bcc are removed; an address named twice gets one RCPT" {
	plain_smtpd
	cat >in.eml <<'EOF'
From: alice@example.org
To: bob@example.org
cc: BOB <bob@example.org>, carol@example.org
bcc: dave@example.org
BCC:
Subject: duplicates
Date: Mon, 13 Nov 2023 10:00:00 +0000
Message-ID: <dup@example.org>

x
EOF
	send_plain -t <in.eml
	sent_ok
	arrived
	assert_rcpts bob@example.org carol@example.org dave@example.org
	assert_no_header Bcc
	refute_grep 'dave@' "$GOT.eml"
	fields_removed in.eml want.eml bcc
	assert_same_bytes want.eml "$GOT.eml"
}

@test "-t with Resent-* fields: recipients from Resent-To/-Cc/-Bcc only; Resent-Bcc and Bcc removed" {
	plain_smtpd
	cat >in.eml <<'EOF'
Resent-From: Relay <relay@example.org>
Resent-Date: Tue, 14 Nov 2023 08:00:00 +0000
Resent-Message-ID: <resent-1@example.org>
Resent-To: newbob@example.org
Resent-Cc: Ops: x@example.org,
 y@example.org;
Resent-Bcc: secret@example.org
From: Alice <alice@example.org>
To: bob@example.org
Cc: carol@example.org
Bcc: oldhidden@example.org
Subject: Forwarded as is
Date: Mon, 13 Nov 2023 10:00:00 +0000
Message-ID: <orig-1@example.org>

The original text.
EOF
	send_plain -t <in.eml
	sent_ok
	arrived
	assert_rcpts newbob@example.org x@example.org y@example.org secret@example.org
	assert_no_header Resent-Bcc
	assert_no_header Bcc
	refute_grep 'secret@' "$GOT.eml"
	refute_grep 'oldhidden@' "$GOT.eml"
	fields_removed in.eml want.eml Resent-Bcc Bcc
	assert_same_bytes want.eml "$GOT.eml"
}

@test "-t: Date, Message-ID and From are added when missing; -F names the added From, -f is its address" {
	plain_smtpd
	printf 'To: ops@example.org\nSubject: nightly job\nX-Job: 42\n\njob output\n' >in.eml
	local before after
	before=$(date +%s)
	send_plain -t -f cron@example.org -F 'Cron Daemon' <in.eml
	after=$(date +%s)
	sent_ok
	arrived
	assert_rcpts ops@example.org
	assert_mail_from cron@example.org
	assert_eq 1 "$(mc count Date)" 'Date fields'
	assert_eq 1 "$(mc count Message-ID)" 'Message-ID fields'
	assert_eq 1 "$(mc count From)" 'From fields'
	assert_eq "$(printf 'Cron Daemon\tcron@example.org')" "$(mc addrs From)" 'the From added'
	local when
	when=$(mc date-epoch)
	((when >= before - 2 && when <= after + 2)) ||
		flunk "Date is $when, not between $before and $after"
	assert_match '<[^<>@ ]+@[^<>@ ]+>' "$(mc header Message-ID)" 'Message-ID'
	# Everything else is the input, byte for byte but for CRLF.
	fields_removed "$GOT.eml" rest.eml Date Message-ID From
	crlf in.eml want.eml
	assert_same_bytes want.eml rest.eml
}

@test "-F with a name that needs quoting, and a message that has a From: -F is used only when From is added" {
	plain_smtpd
	printf 'To: ops@example.org\nSubject: a\n\nbody\n' >in.eml
	send_plain -t -f backup@example.org -F 'Backup, Nightly (host1)' <in.eml
	sent_ok
	arrived
	assert_eq "$(printf 'Backup, Nightly (host1)\tbackup@example.org')" "$(mc addrs From)" 'the From added'
	mc check-encoded-words
	forget_arrived
	printf 'From: Alice <alice@example.org>\nTo: ops@example.org\nSubject: b\n\nbody\n' >in2.eml
	send_plain -t -F 'Someone Else' <in2.eml
	sent_ok
	arrived
	assert_eq "$(printf 'Alice\talice@example.org')" "$(mc addrs From)" 'From kept'
	refute_grep 'Someone Else' "$GOT.eml"
	assert_mail_from alice@example.org
}

@test "-f and -r set the envelope sender only: the message's own From stays, byte for byte" {
	plain_smtpd
	cat >in.eml <<'EOF'
From: Alice Author <alice@example.org>
To: bob@example.org
Subject: envelope only
Date: Mon, 13 Nov 2023 10:00:00 +0000
Message-ID: <env-1@example.org>

x
EOF
	local form
	for form in '-f bounces@example.org' '-fbounces@example.org' '-r bounces@example.org' \
		'-if bounces@example.org'; do
		forget_arrived
		# shellcheck disable=SC2086
		send_plain -t $form <in.eml
		sent_ok
		arrived
		assert_mail_from bounces@example.org
		crlf in.eml want.eml
		assert_same_bytes want.eml "$GOT.eml"
	done
	# The null reverse-path, as for bounces: MAIL FROM:<>.
	forget_arrived
	send_plain -t -f '<>' <in.eml
	sent_ok
	arrived
	# aiosmtpd records the null reverse-path as '<>'.
	assert_mail_from '<>'
	grep -qF ">> b'MAIL FROM:<>" "$BATS_TEST_TMPDIR/smtpd.log" ||
		flunk "posta did not send MAIL FROM:<>: $(grep -F MAIL "$BATS_TEST_TMPDIR/smtpd.log")"
	assert_same_bytes want.eml "$GOT.eml"
}

# ---------------------------------------------------------------- pass-through

# A message whose body has every line that dot-stuffing and line ends must
# handle, with some CRLF line ends among the LF ones, 8-bit text and folded
# fields with trailing white space.
make_tricky() {
	{
		printf 'From: Alice <alice@example.org>\n'
		printf 'To: bob@example.org\r\n'
		printf 'Subject: =?UTF-8?Q?Caf=C3=A9?= passes\tthrough\n'
		printf 'X-Folded: first part\n\tsecond part, trailing space \n   third part\n'
		printf 'Date: Mon, 13 Nov 2023 10:00:00 +0000\n'
		printf 'Message-ID: <bytes-1@example.org>\n'
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=utf-8\n'
		printf 'Content-Transfer-Encoding: 8bit\n'
		printf '\n'
		printf '.\n'
		printf '..\n'
		printf '.leading dot\r\n'
		printf '...three\n'
		printf 'trailing spaces   \n'
		printf '\ttab-indented\n'
		printf 'caf\303\251 \342\234\223 8-bit text\n'
		printf 'From the start of a line\n'
		printf '.\r\n'
		printf '\n'
		printf 'QUIT\n'
		printf '(last line)\n'
		printf '\n'
	} >"$1"
}

@test "the message passes through unchanged but for CRLF line ends (smtpd sees the input)" {
	plain_smtpd
	make_tricky in.eml
	send_plain -t <in.eml
	sent_ok
	arrived
	assert_rcpts bob@example.org
	crlf in.eml want.eml
	assert_same_bytes want.eml "$GOT.eml"
}

@test "on the wire: CRLF and dot-stuffing, nothing else (faultsrv's raw DATA)" {
	start_fault '{}'
	make_tricky in.eml
	run_posta -i --server="127.0.0.1:$FS_PORT" --tls=none --timeout=5 bob@example.org <in.eml
	fault_done
	sent_ok
	# The expected DATA: CRLF line ends, a dot doubled at the start of each
	# line that has one, and the final ".\r\n".
	"$PY" -c 'import sys
d = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n")
lines = d.split(b"\n")[:-1]
out = b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines)
open(sys.argv[2], "wb").write(out + b".\r\n")' in.eml want.data
	assert_same_bytes want.data "$FS/data.1"
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server received'
}

@test "a last line without a line end gets CRLF; a bare CR in the body becomes CRLF" {
	plain_smtpd
	printf 'From: a@example.org\nTo: b@example.org\nDate: Mon, 13 Nov 2023 10:00:00 +0000\nMessage-ID: <cr@example.org>\nSubject: s\n\none\rtwo\nno newline at the end' >in.eml
	send_plain -i b@example.org <in.eml
	sent_ok
	arrived
	printf 'From: a@example.org\r\nTo: b@example.org\r\nDate: Mon, 13 Nov 2023 10:00:00 +0000\r\nMessage-ID: <cr@example.org>\r\nSubject: s\r\n\r\none\r\ntwo\r\nno newline at the end\r\n' >want.eml
	assert_same_bytes want.eml "$GOT.eml"
}

# ---------------------------------------------------------------- bad input

@test "malformed header: exit 65 naming the line, nothing sent" {
	plain_smtpd
	local -a cases=(
		'3|From: a@example.org\nTo: b@example.org\nthis is not a header\nSubject: s\n\nbody\n'
		'1| leading white space on the first line\nTo: b@example.org\n\nbody\n'
		'2|From: a@example.org\nTo: b@\nSubject: s\n\nbody\n'
		'4|From: a@example.org\nTo: b@example.org\nSubject: s\nS\303\274bject: non-ASCII name\n\nbody\n'
		'2|From: a@example.org\n: no name\n\nbody\n'
		'3|From: a@example.org\nTo: b@example.org\nSubject: a\rcarriage return\n\nbody\n'
		'2|From: a@example.org\nResent-To: Team: x@example.org\n\nbody\n'
		'3|From: a@example.org\nTo: b@example.org\nBcc: <broken\n\nbody\n'
	)
	local c line text
	for c in "${cases[@]}"; do
		line=${c%%|*}
		text=${c#*|}
		# shellcheck disable=SC2059
		printf "$text" >in.eml
		send_plain -t <in.eml
		assert_fails 65 "$(head -c 40 in.eml)"
		assert_stderr_contains "line $line"
		refute_arrived
		rm -f -- "$POSTA_DEAD_LETTER"
	done
}

@test "more than 10000 header fields, or a header over 1 MiB: exit 65" {
	plain_smtpd
	{
		printf 'From: a@example.org\nTo: b@example.org\n'
		seq -f 'X-N: %g' 1 10000
		printf '\nbody\n'
	} >in.eml
	send_plain -t <in.eml
	assert_fails 65
	refute_arrived
	{
		printf 'From: a@example.org\nTo: b@example.org\n'
		"$PY" -c 'print("\n".join("X-Big-%d: " % i + "v" * 900 for i in range(1200)))'
		printf '\nbody\n'
	} >big.eml
	send_plain -t <big.eml
	assert_fails 65
	refute_arrived
}

@test "a header line over 998 octets: exit 65 naming the line" {
	plain_smtpd
	{
		printf 'From: a@example.org\nTo: b@example.org\nX-Long: '
		head -c 1200 /dev/zero | tr '\0' x
		printf '\n\nbody\n'
	} >in.eml
	send_plain -t <in.eml
	assert_fails 65
	assert_stderr_contains 'line 3'
	refute_arrived
}

@test "a body line over 998 octets: exit 65, nothing sent" {
	plain_smtpd
	{
		printf 'From: a@example.org\nTo: b@example.org\nSubject: long\n\nshort line\n'
		head -c 999 /dev/zero | tr '\0' y
		printf '\nafter\n'
	} >in.eml
	send_plain -t <in.eml
	assert_fails 65
	assert_stderr_contains '998'
	refute_arrived
	# Nothing lost: the input is in the dead letter, as it came.
	assert_stderr_contains "; message saved to $POSTA_DEAD_LETTER"
	assert_eq "$(cat in.eml)" "$(sed -e 1d -e '$d' "$POSTA_DEAD_LETTER")" 'dead letter'
	rm -f -- "$POSTA_DEAD_LETTER"
	# 998 octets exactly is fine.
	{
		printf 'From: a@example.org\nTo: b@example.org\nSubject: long\n\n'
		head -c 998 /dev/zero | tr '\0' y
		printf '\n'
	} >ok.eml
	send_plain -t <ok.eml
	sent_ok
	arrived
	crlf ok.eml want.eml
	fields_removed "$GOT.eml" rest.eml Date Message-ID
	assert_same_bytes want.eml rest.eml
}

@test "no recipients: exit 64, nothing sent" {
	plain_smtpd
	printf 'From: a@example.org\nTo: b@example.org\nSubject: s\n\nbody\n' >in.eml
	# Without -t the headers name no recipient; none on the command line.
	send_plain -i <in.eml
	assert_fails 64
	refute_arrived
	# -t, and the message names none (an empty group is no one).
	printf 'From: a@example.org\nTo: undisclosed-recipients:;\nSubject: s\n\nbody\n' >in2.eml
	send_plain -t <in2.eml
	assert_fails 64
	refute_arrived
}

# ---------------------------------------------------------------- the interface

@test "called as 'sendmail' (a symlink): stdin is the message, recipients from the arguments only" {
	plain_smtpd
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -s "$POSTA" "$BATS_TEST_TMPDIR/bin/sendmail"
	cat >in.eml <<'EOF'
From: Alice <alice@example.org>
To: not-a-recipient@example.org
Bcc: also-not@example.org
Subject: via the sendmail name
Date: Mon, 13 Nov 2023 10:00:00 +0000
Message-ID: <symlink-1@example.org>

Hello.
EOF
	plain_args
	status=0
	"$BATS_TEST_TMPDIR/bin/sendmail" -f bounce@example.org "${PLAIN_ARGS[@]}" \
		real@example.org <in.eml >"$MSG" 2>"$ERR" || status=$?
	sent_ok
	arrived
	assert_rcpts real@example.org
	assert_mail_from bounce@example.org
	assert_no_header Bcc
	fields_removed in.eml want.eml Bcc
	assert_same_bytes want.eml "$GOT.eml"
	# And with -t through the same name.
	forget_arrived
	status=0
	"$BATS_TEST_TMPDIR/bin/sendmail" -t "${PLAIN_ARGS[@]}" <in.eml >"$MSG" 2>"$ERR" || status=$?
	sent_ok
	arrived
	assert_rcpts not-a-recipient@example.org also-not@example.org
	assert_mail_from alice@example.org
}

@test "-i, -oi, -bm each choose the sendmail interface; -bm is not Bcc, -B8BITMIME not a body file, -n not a dry run" {
	plain_smtpd
	cat >in.eml <<'EOF'
From: Alice <alice@example.org>
To: bob@example.org
Subject: whole message
Date: Mon, 13 Nov 2023 10:00:00 +0000
Message-ID: <iface@example.org>

.
The line above is a lone dot; -i or not, it does not end the input.
EOF
	crlf in.eml want.eml
	local -a forms=(
		'-i'
		'-oi'
		'-bm'
		'-oem -oi'
		'-i -B8BITMIME'
		'-i -B 7BIT'
		'-FCronDaemon -i -B8BITMIME -oem'
		'-i -n'
		'-bm -ti'
		'-oem -oi -it'
		'-bm -odi -U -em -G -Am -h 17 -L tag -O DeliveryMode=b -oQ/nonexistent -C /nonexistent/sendmail.cf'
	)
	local f
	for f in "${forms[@]}"; do
		forget_arrived
		# shellcheck disable=SC2086
		send_plain $f bob@example.org <in.eml
		sent_ok || flunk "with $f"
		arrived || flunk "with $f"
		assert_rcpts bob@example.org || flunk "with $f"
		assert_mail_from alice@example.org || flunk "with $f"
		assert_same_bytes want.eml "$GOT.eml" || flunk "with $f"
	done
}

@test "-N, -R and -V become DSN parameters where the server offers DSN" {
	start_fault '{"ehlo_add": ["DSN"]}'
	printf 'From: a@example.org\nTo: b@example.org\nSubject: s\n\nbody\n' >in.eml
	run_posta -i -N success,failure -R hdrs -V env-42 --server="127.0.0.1:$FS_PORT" \
		--tls=none --timeout=5 b@example.org <in.eml
	fault_done
	sent_ok
	local mail rcpt
	mail=$(fsq '[c for c in cmds if c.upper().startswith("MAIL")][0]')
	rcpt=$(fsq '[c for c in cmds if c.upper().startswith("RCPT")][0]')
	assert_match '.*RET=HDRS.*' "$mail" 'MAIL'
	assert_match '.*ENVID=env-42.*' "$mail" 'MAIL'
	assert_match '.*NOTIFY=SUCCESS,FAILURE.*' "$rcpt" 'RCPT'
	assert_eq 1 "$(fsq 's["messages"]')" 'messages the server received'
}

@test "-Nnever and -Rfull, attached values" {
	start_fault '{"ehlo_add": ["DSN"]}'
	printf 'From: a@example.org\nTo: b@example.org\nSubject: s\n\nbody\n' >in.eml
	run_posta -t -Nnever -Rfull --server="127.0.0.1:$FS_PORT" --tls=none --timeout=5 <in.eml
	fault_done
	sent_ok
	assert_match '.*RET=FULL.*' "$(fsq '[c for c in cmds if c.upper().startswith("MAIL")][0]')" 'MAIL'
	assert_match '.*NOTIFY=NEVER.*' "$(fsq '[c for c in cmds if c.upper().startswith("RCPT")][0]')" 'RCPT'
}

@test "-v in the sendmail interface: the SMTP conversation on stderr, the message sent" {
	plain_smtpd
	printf 'From: a@example.org\nTo: b@example.org\nSubject: s\n\nbody\n' >in.eml
	send_plain -oi -v b@example.org <in.eml
	assert_status 0
	grep -qi 'MAIL FROM:<a@example.org>' "$ERR" || flunk "no MAIL FROM in the -v trace: $(cat "$ERR")"
	grep -qi 'RCPT TO:<b@example.org>' "$ERR" || flunk "no RCPT TO in the -v trace: $(cat "$ERR")"
	arrived
}

@test "--dry-run in the sendmail interface prints the processed message and connects to nothing" {
	cat >in.eml <<'EOF'
To: bob@example.org
Bcc: hidden@example.org
Subject: dry
X-Keep: kept as is

..dot line
body
EOF
	run_posta -t --dry-run -f cron@example.org -F 'Cron Daemon' <in.eml
	assert_status 0
	[ ! -s "$ERR" ] || flunk "stderr: $(cat "$ERR")"
	refute_grep $'\r' "$MSG"
	refute_grep 'hidden@' "$MSG"
	assert_eq 1 "$(mc count Date)" 'Date fields'
	assert_eq 1 "$(mc count Message-ID)" 'Message-ID fields'
	assert_eq "$(printf 'Cron Daemon\tcron@example.org')" "$(mc addrs From)" 'the From added'
	assert_no_header Bcc
	# What is left is the input without Bcc: no dot-stuffing in a dry run.
	fields_removed "$MSG" rest.eml Date Message-ID From
	fields_removed in.eml want.eml Bcc
	assert_same_bytes want.eml rest.eml
	# Through -i as well, recipients from the arguments.
	run_posta -i --dry-run bob@example.org <in.eml
	assert_status 0
	assert_no_header Bcc
	assert_header Subject dry
}

@test "options that build a message are refused in the sendmail interface (64); --bcc adds envelope recipients" {
	plain_smtpd
	cat >in.eml <<'EOF'
From: Alice <alice@example.org>
To: bob@example.org
Subject: as written
Date: Mon, 13 Nov 2023 10:00:00 +0000
Message-ID: <opts@example.org>

body
EOF
	local opt
	for opt in --subject='Other subject' --header='X-Added: no' --cc=cc@example.org \
		--reply-to=r@example.org --attach=in.eml \
		--html=in.eml --message-id='<x@example.org>' --date=@0; do
		send_plain -i "$opt" bob@example.org <in.eml
		assert_fails 64 "$opt"
		refute_arrived
	done
	send_plain -i --bcc=audit@example.org bob@example.org <in.eml
	sent_ok
	arrived
	assert_rcpts bob@example.org audit@example.org
	crlf in.eml want.eml
	assert_same_bytes want.eml "$GOT.eml"
}

@test "--from gives the From of a message without one; --envelope-from is -f" {
	plain_smtpd
	printf 'To: bob@example.org\nSubject: s\n\nbody\n' >in.eml
	send_plain -t --from='Long Form <long@example.org>' <in.eml
	sent_ok
	arrived
	assert_eq "$(printf 'Long Form\tlong@example.org')" "$(mc addrs From)" 'the From added'
	assert_mail_from long@example.org
	forget_arrived
	printf 'From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: s\n\nbody\n' >in2.eml
	send_plain -t --envelope-from=env@example.org <in2.eml
	sent_ok
	arrived
	assert_mail_from env@example.org
	assert_eq "$(printf 'Alice\talice@example.org')" "$(mc addrs From)" 'From kept'
}

# ---------------------------------------------------------------- 8-bit

@test "an 8-bit body goes with BODY=8BITMIME; to a server without 8BITMIME it is not sent (exit 69, saved)" {
	start_fault '{}'
	printf 'From: a@example.org\nTo: b@example.org\nSubject: s\nMessage-ID: <8bit@example.org>\n\ncaf\303\251\n' >in.eml
	run_posta -i --server="127.0.0.1:$FS_PORT" --tls=none --timeout=5 b@example.org <in.eml
	fault_done
	sent_ok
	assert_match '.*BODY=8BITMIME.*' "$(fsq '[c for c in cmds if c.upper().startswith("MAIL")][0]')" 'MAIL'
	stop_servers
	start_fault '{"ehlo_remove": ["8BITMIME"]}'
	run_posta -i --server="127.0.0.1:$FS_PORT" --tls=none --timeout=5 b@example.org <in.eml
	fault_done
	assert_fails 69
	assert_eq 0 "$(fsq 's["messages"]')" 'messages the server received'
	assert_dead_letter a@example.org '<8bit@example.org>'
}

# ---------------------------------------------------------------- nothing lost

@test "a refused delivery (550 on RCPT) saves the message to POSTA_DEAD_LETTER, exit 67" {
	start_fault '{"rcpt": "550 5.1.1 no such user"}'
	cat >in.eml <<'EOF'
From: Alice <alice@example.org>
To: nobody@example.org
Subject: will bounce
Date: Mon, 13 Nov 2023 10:00:00 +0000
Message-ID: <lost-1@example.org>

Keep me.
EOF
	run_posta -t --server="127.0.0.1:$FS_PORT" --tls=none --timeout=5 <in.eml
	fault_done
	assert_fails 67
	assert_dead_letter alice@example.org '<lost-1@example.org>'
	grep -qF 'Keep me.' "$POSTA_DEAD_LETTER" || flunk 'the body is not in the dead letter'
	grep -qF 'Subject: will bounce' "$POSTA_DEAD_LETTER" || flunk 'the Subject is not in the dead letter'
}

@test "a temporary failure after DATA (451) saves the message, exit 75; the envelope sender names it" {
	start_fault '{"final": "451 4.3.0 queue full"}'
	printf 'From: Alice <alice@example.org>\nTo: b@example.org\nSubject: later\nMessage-ID: <lost-2@example.org>\n\nKeep me too.\n' >in.eml
	run_posta -i -f bounces@example.org --server="127.0.0.1:$FS_PORT" --tls=none --timeout=5 \
		b@example.org <in.eml
	fault_done
	assert_fails 75
	assert_dead_letter bounces@example.org '<lost-2@example.org>'
	grep -qF 'Keep me too.' "$POSTA_DEAD_LETTER" || flunk 'the body is not in the dead letter'
}
