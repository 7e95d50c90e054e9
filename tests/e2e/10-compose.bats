#!/usr/bin/env bats
# Message composition (posta -n): headers, body, attachments, errors.
# Every test that produces a message checks it with assert_ok_msg (exit 0,
# quiet stderr, lines <= 998 octets, parser-clean, valid encoded-words).

load helpers

DATE_RE='(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [+-][0-9]{4}'

# ======================================================================
# The example from the issue
# ======================================================================

@test "issue example: headers decode back, Bcc hidden, attachments intact" {
	make_pdf report.pdf 4096
	printf 'nom;ville\nRené;Besançon\nZoë;Orléans\n' >'données.csv'
	printf '<html><body><p>Backup <b>finished</b> ✓</p></body></html>\n' >body.html
	printf 'Backup finished\n' >expected-body.txt

	compose_ok -s 'Nightly backup ✓' -f 'Ops <ops@example.org>' -c team@example.org \
		-b audit@example.org -a report.pdf -a 'données.csv' --html body.html \
		admin@example.org <<<'Backup finished'

	assert_header Subject 'Nightly backup ✓'
	assert_eq $'Ops\tops@example.org' "$(mc addrs From)" From
	assert_eq $'\tadmin@example.org' "$(mc addrs To)" To
	assert_eq $'\tteam@example.org' "$(mc addrs Cc)" Cc
	assert_match '<[^<>@ ]+@example\.org>' "$(mc header Message-ID)" Message-ID

	# Bcc: not a header, not anywhere in the output.
	assert_no_header Bcc
	refute_grep 'audit@' "$MSG" "$ERR"
	refute_grep 'bcc:' "$MSG"

	# Structure; libmagic may call the CSV text/plain or text/csv.
	assert_eq "multipart/mixed
  multipart/alternative
    text/plain
    text/html
  application/pdf
  text/plain" "$(mc structure | sed 's#^  text/csv$#  text/plain#')" structure

	assert_eq $'report.pdf\ndonnées.csv' "$(mc filenames)" filenames
	assert_part_is_file report.pdf report.pdf
	assert_part_is_file 'données.csv' 'données.csv'
	assert_eq 'données.csv' "$(mc name-param 'données.csv')" "Content-Type name="
	assert_body_is expected-body.txt
	mc html >got.html
	cmp body.html got.html
}

# ======================================================================
# Headers: order, addresses, display names
# ======================================================================

@test "headers come in the documented order" {
	compose_ok -f 'a@example.org, b@example.org' --sender a@example.org -R reply@example.org \
		-c cc@example.org -s 'Order' --in-reply-to '<p@example.org>' \
		--references '<r@example.org>' -H 'X-Extra: 1' to@example.org <<<'hi'
	local order='Date From Sender Reply-To To Cc Subject Message-ID In-Reply-To References X-Extra MIME-Version Content-Type Content-Transfer-Encoding'
	local names
	names=$(mc header-names | grep -ixF -e Date -e From -e Sender -e Reply-To -e To -e Cc \
		-e Subject -e Message-ID -e In-Reply-To -e References -e X-Extra -e MIME-Version \
		-e Content-Type -e Content-Transfer-Encoding | tr '\n' ' ')
	assert_eq "$order" "${names% }" "header order"
	assert_header MIME-Version 1.0
}

@test "display name with a comma is quoted and stays one mailbox" {
	compose_ok -f '"Doe, John" <john@example.org>' -c '"Roe, Richard" <rr@example.org>' \
		'"Roe, Jane" <jane@example.org>' <<<'hi'
	assert_eq $'Doe, John\tjohn@example.org' "$(mc addrs From)" From
	assert_eq $'Roe, Jane\tjane@example.org' "$(mc addrs To)" To
	assert_eq $'Roe, Richard\trr@example.org' "$(mc addrs Cc)" Cc
	# The comma must stay inside quotes in the raw header.
	grep -q '^From: "Doe, John" <john@example.org>$' "$MSG"
}

@test "display names with special characters are quoted and decode back" {
	compose_ok -f 'John Q. Public <jqp@example.org>' \
		'"O'\''Brien \"The Boss\"" <ob@example.org>' <<<'hi'
	assert_eq $'John Q. Public\tjqp@example.org' "$(mc addrs From)" From
	assert_eq "O'Brien \"The Boss\""$'\tob@example.org' "$(mc addrs To)" To
}

@test "non-ASCII display names (Latin, Cyrillic, emoji, CJK) are encoded and decode back" {
	local name
	for name in 'Ünïcødé Ñame' 'Иван Петров' '🚀 Launch Bot' '山田太郎' 'Zoë 😀 Ελένη'; do
		compose_ok -f "$name <from@example.org>" "$name <to@example.org>" <<<'hi'
		assert_eq "$name"$'\tfrom@example.org' "$(mc addrs From)" "From for $name"
		assert_eq "$name"$'\tto@example.org' "$(mc addrs To)" "To for $name"
		grep -q '^From: .*=?' "$MSG" || flunk "From for $name is not an encoded-word"
	done
}

@test "long non-ASCII display name is folded into short encoded-words" {
	local name='Очень длинное имя получателя с большим количеством слов и знаков 🚀 конец'
	compose_ok -s t "$name <long@example.org>" <<<'hi'
	assert_eq "$name"$'\tlong@example.org' "$(mc addrs To)" To
	local n
	n=$(mc header-maxline To)
	[ "$n" -le 78 ] || flunk "To header has a line of $n chars (> 78)"
}

@test "address lists on -c, -R and recipients keep every mailbox in order" {
	compose_ok -f me@example.org -c 'a@example.org, "Doe, Jane" <jane@example.org>' \
		-c 'Ünï Çödé <u@example.org>,b@example.org' -R 'r1@example.org, R Two <r2@example.org>' \
		'x@example.org, y@example.org' z@example.org <<<'hi'
	assert_eq $'\ta@example.org\nDoe, Jane\tjane@example.org\nÜnï Çödé\tu@example.org\n\tb@example.org' \
		"$(mc addrs Cc)" Cc
	assert_eq $'\tx@example.org\n\ty@example.org\n\tz@example.org' "$(mc addrs To)" To
	assert_eq $'\tr1@example.org\nR Two\tr2@example.org' "$(mc addrs Reply-To)" Reply-To
}

@test "a long Cc list is folded at commas to lines <= 78" {
	local i list='' expected=''
	for i in $(seq 1 30); do
		list+="member$i@lists.example.org, "
		expected+=$'\t'"member$i@lists.example.org"$'\n'
	done
	compose_ok -c "${list%, }" to@example.org <<<'hi'
	assert_eq "${expected%$'\n'}" "$(mc addrs Cc)" Cc
	local n
	n=$(mc header-maxline Cc)
	[ "$n" -le 78 ] || flunk "Cc header has a line of $n chars (> 78)"
}

@test "default From is a single address; Message-ID uses its domain" {
	compose_ok to@example.org <<<'hi'
	local from dom
	from=$(mc addrs From)
	assert_match $'[^\n]*\t[^@\n]+@[^@\n]+' "$from" "default From"
	dom=${from##*@}
	assert_match "<[^<>@ ]+@${dom//./\\.}>" "$(mc header Message-ID)" Message-ID
}

# ======================================================================
# Subject
# ======================================================================

@test "short subjects, ASCII and not, decode back exactly" {
	local s
	for s in 'Hello' 'Réunion à 10h: café ☕' 'Ελληνικά θέματα' '日本語の件名です' \
		'emoji 🎉🎉 party' 'mixed ASCII then Ünïcødé then ASCII again'; do
		compose_ok -s "$s" to@example.org <<<'hi'
		assert_header Subject "$s"
	done
	# Pure ASCII stays readable: no encoded-word.
	compose_ok -s 'Plain ASCII subject' to@example.org <<<'hi'
	assert_eq 'Subject: Plain ASCII subject' "$(mc raw-header Subject)" "raw Subject"
}

@test "long ASCII subject (300 chars) is folded to lines <= 78 and decodes back" {
	local i s=''
	for i in $(seq 1 30); do s+="lorem$(printf %03d "$i")x "; done
	s="${s% }!"
	[ "${#s}" -eq 300 ]
	compose_ok -s "$s" to@example.org <<<'hi'
	assert_header Subject "$s"
	local n lines
	n=$(mc header-maxline Subject)
	[ "$n" -le 78 ] || flunk "Subject has a line of $n chars (> 78)"
	lines=$(mc raw-header Subject | wc -l)
	[ "$lines" -ge 4 ] || flunk "300-char Subject folded into only $lines lines"
	refute_grep '=?' <(mc raw-header Subject)
}

@test "long non-ASCII subject: encoded-words <= 75, lines <= 78, decodes back" {
	local s
	s=$("$PY" -c 'print(("Съешь же ещё этих 🥐 мягких булок 🚀 да выпей чаю ☕ " * 10)[:200].strip())')
	compose_ok -s "$s" to@example.org <<<'hi'
	assert_header Subject "$s"
	mc check-encoded-words
	local n
	n=$(mc header-maxline Subject)
	[ "$n" -le 78 ] || flunk "Subject has a line of $n chars (> 78)"
	# The raw header is ASCII (encoded), and really folded.
	[ "$(mc raw-header Subject | wc -l)" -ge 5 ]
}

@test "subject with literal =?...?= text decodes back as that text" {
	local s
	for s in 'Literal =?UTF-8?B?SGk=?= is not encoded' '=?iso-8859-1?q?caf=E9?=' \
		'price a =? b ?= c' 'Grüße =?utf-8?q?x?= ✓'; do
		compose_ok -s "$s" to@example.org <<<'hi'
		assert_header Subject "$s"
	done
}

@test "header values of 1200 chars without spaces: no line > 998, decode back" {
	local long
	long=$(head -c 1200 /dev/zero | tr '\0' 'a')
	compose_ok -s "$long" -H "X-Long: $long" to@example.org <<<'hi'
	assert_header Subject "$long"
	assert_header X-Long "$long"
}

# ======================================================================
# Date, Message-ID, threading
# ======================================================================

@test "--date=@EPOCH gives that instant in RFC 5322 numeric-zone form" {
	compose_ok -s d to@example.org <<<'hi'
	assert_header Date 'Tue, 14 Nov 2023 22:13:20 +0000'
	local tz
	for tz in 'XST-5:30' 'YST+3' 'Europe/Paris' 'America/New_York'; do
		TZ=$tz compose_ok -s d to@example.org <<<'hi'
		assert_match "$DATE_RE" "$(mc header Date)" "Date under TZ=$tz"
		assert_eq "$EPOCH" "$(mc date-epoch)" "instant under TZ=$tz"
	done
}

@test "default Date is now, RFC 5322 with numeric zone" {
	local before after d
	before=$(date +%s)
	run_posta -n -s d to@example.org <<<'hi'
	assert_ok_msg
	after=$(date +%s)
	assert_match "$DATE_RE" "$(mc header Date)" Date
	d=$(mc date-epoch)
	[ "$d" -ge $((before - 1)) ] && [ "$d" -le $((after + 1)) ] ||
		flunk "Date $d is not between $before and $after"
}

@test "--date in RFC 5322 form keeps its instant; bad --date exits 64" {
	run_posta -n --date='Thu, 26 Nov 2026 07:59:17 +0100' -s d to@example.org <<<'hi'
	assert_ok_msg
	assert_match "$DATE_RE" "$(mc header Date)" Date
	assert_eq 1795676357 "$(mc date-epoch)" "instant"
	local bad
	for bad in 'yesterday' '@abc' 'Thu, 32 Nov 2026 07:59:17 +0100' ''; do
		run_posta -n --date="$bad" -s d to@example.org <<<'hi'
		assert_fails 64 "--date=$bad"
	done
}

@test "Message-ID is unique per run and ends with @domain-of-From>" {
	compose_ok -f 'Ops <ops@example.org>' to@example.org <<<'hi'
	local id1 id2 id3
	id1=$(mc header Message-ID)
	compose_ok -f 'Ops <ops@example.org>' to@example.org <<<'hi'
	id2=$(mc header Message-ID)
	assert_match '<[^<>@ ]+@example\.org>' "$id1" "first Message-ID"
	assert_match '<[^<>@ ]+@example\.org>' "$id2" "second Message-ID"
	[ "$id1" != "$id2" ] || flunk "two runs gave the same Message-ID $id1"
	compose_ok -f 'x@mail.sub.example.net' to@example.org <<<'hi'
	id3=$(mc header Message-ID)
	assert_match '<[^<>@ ]+@mail\.sub\.example\.net>' "$id3" "Message-ID for sub.example.net"
}

@test "--message-id, --in-reply-to and --references appear" {
	compose_ok --message-id 'fixed.123@example.org' --in-reply-to 'parent@example.org' \
		--references '<r1@example.org> <r2@example.org>' to@example.org <<<'hi'
	assert_eq 'Message-ID: <fixed.123@example.org>' "$(mc raw-header Message-ID)" Message-ID
	assert_eq 'In-Reply-To: <parent@example.org>' "$(mc raw-header In-Reply-To)" In-Reply-To
	assert_eq '<r1@example.org> <r2@example.org>' \
		"$(mc header References | tr -s ' \t' '  ')" References
	compose_ok --message-id '<with.brackets@example.org>' --in-reply-to '<p2@example.org>' \
		to@example.org <<<'hi'
	assert_eq 'Message-ID: <with.brackets@example.org>' "$(mc raw-header Message-ID)" Message-ID
	assert_eq 'In-Reply-To: <p2@example.org>' "$(mc raw-header In-Reply-To)" In-Reply-To
}

@test "bad --message-id exits 64" {
	local bad
	for bad in 'has space@example.org' 'nodomain' ''; do
		compose_fail 64 --message-id="$bad" to@example.org <<<'hi'
	done
}

# ======================================================================
# -H extra headers
# ======================================================================

@test "-H adds extra headers verbatim" {
	compose_ok -H 'X-Priority: 1' -H 'X-Ticket: ABC-123 (ops)' -H 'List-Unsubscribe: <mailto:u@example.org>' \
		to@example.org <<<'hi'
	assert_eq 'X-Priority: 1' "$(mc raw-header X-Priority)" X-Priority
	assert_header X-Ticket 'ABC-123 (ops)'
	assert_header List-Unsubscribe '<mailto:u@example.org>'
}

@test "-H with a bad name exits 64" {
	local h
	for h in 'Bad Name: x' 'NoColon' ': no name' 'Bäd: x' $'X-Ctl\001: x' $'X-Tab\t: x'; do
		compose_fail 64 -H "$h" to@example.org <<<'hi'
	done
}

@test "-H refuses headers that have their own flag and MIME headers" {
	local h
	for h in 'Subject: x' 'subject: x' 'From: a@example.org' 'To: a@example.org' 'CC: a@example.org' \
		'Bcc: a@example.org' 'Date: Tue, 14 Nov 2023 22:13:20 +0000' 'Message-ID: <a@example.org>' \
		'Sender: a@example.org' 'Reply-To: a@example.org' 'In-Reply-To: <a@example.org>' \
		'References: <a@example.org>' 'MIME-Version: 1.0' 'Content-Type: text/html' \
		'content-transfer-encoding: base64' 'Content-Disposition: inline'; do
		compose_fail 64 -H "$h" to@example.org <<<'hi'
	done
}

@test "-H value with CR or LF exits 64 and prints nothing" {
	local h
	for h in $'X-A: a\nBcc: evil@x' $'X-A: a\rBcc: evil@x' $'X-A: a\r\nBcc: evil@x' \
		$'X-A: a\n Bcc: evil@x' $'X-A: a\n'; do
		compose_fail 64 -H "$h" to@example.org <<<'hi'
		refute_grep 'evil@' "$MSG"
	done
}

@test "-H with a non-ASCII value is encoded or refused, never raw 8-bit" {
	compose -H 'X-Note: café ☕' to@example.org <<<'hi'
	if [ "$status" -eq 0 ]; then
		assert_ok_msg
		assert_header X-Note 'café ☕'
	else
		assert_fails 64 "-H X-Note: café"
	fi
}

# ======================================================================
# Body
# ======================================================================

@test "short ASCII body is a single text/plain part, 7bit, us-ascii" {
	printf 'Hello world\nSecond line\n' >in.txt
	compose_ok -s b to@example.org <in.txt
	assert_eq text/plain "$(mc structure)" structure
	assert_eq 7bit "$(mc cte root)" CTE
	assert_eq us-ascii "$(mc charset root)" charset
	assert_body_is in.txt
}

@test "UTF-8 body, mostly ASCII, is quoted-printable utf-8 and decodes back" {
	printf 'Grüße aus Köln!\nÇa va très bien, merci.\nA plain ASCII line.\n' >in.txt
	compose_ok -s b to@example.org <in.txt
	assert_eq quoted-printable "$(mc cte root)" CTE
	assert_eq utf-8 "$(mc charset root)" charset
	assert_body_is in.txt
}

@test "UTF-8 body, mostly Cyrillic, is base64 (smaller) and decodes back" {
	local i
	for i in 1 2 3; do
		printf 'Съешь же ещё этих мягких французских булок, да выпей чаю.\n'
	done >in.txt
	compose_ok -s b to@example.org <in.txt
	assert_eq base64 "$(mc cte root)" CTE
	assert_eq utf-8 "$(mc charset root)" charset
	assert_body_is in.txt
}

@test "2000-char single-line body: no line > 998, quoted-printable, decodes back" {
	{ head -c 2000 /dev/zero | tr '\0' 'a'; echo; } >nospace.txt
	{ for i in $(seq 1 200); do printf 'lorem ips '; done; echo; } >spaces.txt
	[ "$(wc -c <spaces.txt)" -eq 2001 ]
	local f
	for f in nospace.txt spaces.txt; do
		compose_ok -s b to@example.org <"$f"
		assert_eq quoted-printable "$(mc cte root)" "CTE for $f"
		assert_body_is "$f"
	done
}

@test "bare CR, CRLF and LF in the body all become line breaks" {
	printf 'one\rtwo\r\nthree\n\r\nfive\r\rseven\n' >in.txt
	printf 'one\ntwo\nthree\n\nfive\n\nseven\n' >expected.txt
	compose_ok -s b to@example.org <in.txt
	assert_body_is expected.txt
	refute_grep $'\r' "$MSG"
}

@test "body with NUL bytes is encoded and decodes back exactly" {
	printf 'abc\0def\nghi\0\0jkl\n' >in.txt
	compose_ok -s b to@example.org <in.txt
	assert_match 'quoted-printable|base64' "$(mc cte root)" CTE
	mc text root >got.bin
	cmp in.txt got.bin
}

@test "invalid UTF-8 body exits 65 naming UTF-8, nothing on stdout" {
	local bad
	for bad in 'caf\351\n' 'overlong \300\257\n' 'surrogate \355\240\200\n' \
		'too big \364\220\200\200\n' 'truncated \342\202'; do
		printf "$bad" >in.txt
		compose_fail 65 -s b to@example.org <in.txt
		assert_stderr_contains 'UTF-8'
	done
}

@test "--charset=iso-8859-1 accepts the same bytes and labels them" {
	printf 'caf\351 cr\350me br\373l\351e\n' >in.txt
	printf 'café crème brûlée\n' >expected.txt
	compose_ok --charset=iso-8859-1 -s b to@example.org <in.txt
	assert_eq iso-8859-1 "$(mc charset root)" charset
	mc text root >got.bin
	cmp in.txt got.bin
	assert_body_is expected.txt
}

@test "-B FILE reads the body from FILE; -B - reads stdin; missing -B file exits 66" {
	printf 'Body from a file\n' >b.txt
	printf 'Body from stdin\n' >s.txt
	compose_ok -B b.txt -s b to@example.org <s.txt
	assert_body_is b.txt
	compose_ok -B - -s b to@example.org <s.txt
	assert_body_is s.txt
	compose_fail 66 -B nosuch.txt -s b to@example.org <s.txt
	assert_stderr_contains 'nosuch.txt'
}

@test "no -B and a terminal on stdin: empty body, no hang" {
	mkfifo "$BATS_TEST_TMPDIR/never"
	# A pty whose input never ends: reading it would hang until the timeout.
	exec 7<>"$BATS_TEST_TMPDIR/never"
	local cmd rc=0
	cmd=$(printf '%q ' "$POSTA" -n --date=@$EPOCH -s 'tty test' to@example.org)
	timeout -k 1 5 script -qec "$cmd" /dev/null <&7 >"$BATS_TEST_TMPDIR/tty.out" 2>&1 || rc=$?
	exec 7>&-
	[ "$rc" -ne 124 ] || flunk "posta waited for input on a terminal (killed by timeout)"
	[ "$rc" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/tty.out" >&2; flunk "exit status $rc"; }
	tr -d '\r' <"$BATS_TEST_TMPDIR/tty.out" >"$MSG"
	assert_header Subject 'tty test'
	assert_eq '' "$(mc body)" body
	mc check
}

# ======================================================================
# Attachments
# ======================================================================

@test "attachment types come from libmagic; names are basenames" {
	mkdir -p sub/dir
	make_png sub/dir/pixel.png
	make_pdf doc.pdf
	make_bin blob 3000
	printf 'just some notes\nsecond line\n' >notes
	compose_ok -a sub/dir/pixel.png -a "$W/doc.pdf" -a blob -a notes to@example.org <<<'hi'
	assert_eq $'pixel.png\ndoc.pdf\nblob\nnotes' "$(mc filenames)" filenames
	assert_eq image/png "$(mc ctype pixel.png)" "type of pixel.png"
	assert_eq application/pdf "$(mc ctype doc.pdf)" "type of doc.pdf"
	assert_eq application/octet-stream "$(mc ctype blob)" "type of blob"
	assert_eq text/plain "$(mc ctype notes)" "type of notes"
	assert_eq base64 "$(mc cte pixel.png)" "CTE of pixel.png"
	assert_eq base64 "$(mc cte doc.pdf)" "CTE of doc.pdf"
	assert_part_is_file pixel.png sub/dir/pixel.png
	assert_part_is_file doc.pdf doc.pdf
	assert_part_is_file blob blob
	assert_part_is_file notes notes
	assert_match 'attachment.*' "$(mc part-header doc.pdf Content-Disposition)" disposition
	refute_grep 'sub/dir' "$MSG"
}

@test "text attachments decode back to the exact bytes (CRLF, no final newline, long line)" {
	printf 'a;b\r\n1;2\r\n' >crlf.csv
	printf 'no final newline' >nofinal.txt
	{ head -c 1500 /dev/zero | tr '\0' 'x'; echo; echo 'short'; } >longline.txt
	printf 'caf\303\251 \342\230\225\nline two\n' >utf8.txt
	compose_ok -a crlf.csv -a nofinal.txt -a longline.txt -a utf8.txt to@example.org <<<'hi'
	local f
	for f in crlf.csv nofinal.txt longline.txt utf8.txt; do
		assert_part_is_file "$f" "$f"
	done
	refute_grep $'\r' "$MSG"
}

@test "--attach-type and --attach-name override the next attachment only" {
	make_bin data.bin 500
	make_pdf report.pdf
	compose_ok --attach-type=text/csv --attach-name=renamed.csv -a data.bin -a report.pdf \
		--attach-name='Überblick 2024.bin' -a data.bin to@example.org <<<'hi'
	assert_eq $'renamed.csv\nreport.pdf\nÜberblick 2024.bin' "$(mc filenames)" filenames
	assert_eq text/csv "$(mc ctype renamed.csv)" "overridden type"
	assert_eq application/pdf "$(mc ctype report.pdf)" "type of the following attachment"
	assert_eq application/octet-stream "$(mc ctype 'Überblick 2024.bin')" "type with only a name override"
	assert_part_is_file renamed.csv data.bin
	assert_part_is_file report.pdf report.pdf
	assert_part_is_file 'Überblick 2024.bin' data.bin
}

@test "--attach-type/--attach-name with no following attachment exits 64" {
	make_pdf report.pdf
	compose_fail 64 -a report.pdf --attach-type=application/pdf to@example.org <<<'hi'
	compose_fail 64 --attach-name=x.pdf to@example.org <<<'hi'
}

@test "long (120 chars) and non-ASCII file names decode back with get_filename" {
	local long cyr
	long=$(printf 'long-file-name-%0101d.txt' 0)
	[ "${#long}" -eq 120 ]
	cyr=$("$PY" -c 'print(("Отчёт о резервном копировании " * 5)[:116].strip() + ".pdf")')
	local nonascii='Überweisung für Müller – Rechnung №42 (final) 😀.pdf'
	printf 'long name\n' >"$long"
	make_pdf "$cyr"
	make_pdf "$nonascii"
	compose_ok -a "$long" -a "$cyr" -a "$nonascii" to@example.org <<<'hi'
	assert_eq "$long"$'\n'"$cyr"$'\n'"$nonascii" "$(mc filenames)" filenames
	assert_part_is_file "$long" "$long"
	assert_part_is_file "$cyr" "$cyr"
	assert_part_is_file "$nonascii" "$nonascii"
	local f
	for f in "$long" "$cyr" "$nonascii"; do
		assert_eq "$f" "$(mc name-param "$f")" "Content-Type name= for $f"
	done
	mc check-encoded-words
}

@test "file names with quotes, backslash and semicolon decode back" {
	local f names=()
	for f in 'a "quoted" name.txt' 'semi;colon.txt' 'back\slash.txt' "it's (1).txt"; do
		printf 'x\n' >"$f"
		names+=(-a "$f")
	done
	compose_ok "${names[@]}" to@example.org <<<'hi'
	assert_eq $'a "quoted" name.txt\nsemi;colon.txt\nback\\slash.txt\nit\'s (1).txt' "$(mc filenames)" filenames
	for f in 'a "quoted" name.txt' 'semi;colon.txt' 'back\slash.txt' "it's (1).txt"; do
		assert_eq "$f" "$(mc name-param "$f")" "Content-Type name= for $f"
		assert_part_is_file "$f" "$f"
	done
}

@test ".eml attachment is message/rfc822, 7bit/8bit, and its headers are readable" {
	make_eml inner.eml 'Inner subject'
	compose_ok -s outer -a inner.eml to@example.org <<<'see attached'
	assert_eq $'multipart/mixed\n  text/plain\n  message/rfc822' "$(mc structure)" structure
	assert_match '7bit|8bit' "$(mc cte inner.eml)" "CTE of inner.eml"
	assert_eq 'Inner subject' "$(mc inner-header inner.eml Subject)" "inner Subject"
	assert_eq 'Alice <alice@example.org>' "$(mc inner-header inner.eml From)" "inner From"
	grep -q '^Subject: Inner subject$' "$MSG"
}

@test "8-bit .eml with CRLF lines is carried 8bit with LF line ends" {
	printf 'From: Zoë <z@example.org>\r\nTo: bob@example.org\r\nSubject: Grüße\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n' >utf8.eml
	compose_ok -a utf8.eml to@example.org <<<'hi'
	assert_eq message/rfc822 "$(mc ctype utf8.eml)" type
	assert_eq 8bit "$(mc cte utf8.eml)" "CTE of an 8-bit message"
	assert_eq 'Grüße' "$(mc inner-header utf8.eml Subject)" "inner Subject"
	refute_grep $'\r' "$MSG"
}

@test "--digest puts .eml attachments in one multipart/digest" {
	make_eml first.eml 'First digest entry'
	make_eml second.eml 'Second digest entry'
	make_pdf report.pdf
	compose_ok --digest -s 'Digest' -a first.eml -a second.eml -a report.pdf to@example.org <<<'The digest.'
	assert_eq "multipart/mixed
  text/plain
  multipart/digest
    message/rfc822
    message/rfc822
  application/pdf" "$(mc structure)" structure
	assert_eq 'First digest entry' "$(mc inner-header path:1.0 Subject)" "first entry"
	assert_eq 'Second digest entry' "$(mc inner-header path:1.1 Subject)" "second entry"
	assert_part_is_file report.pdf report.pdf
}

@test "--inline with --html: alternative{plain, related{html, png}} with Content-ID" {
	make_png logo.png
	printf '<html><body><img src="cid:logo.png"> Café</body></html>\n' >body.html
	compose_ok --html body.html --inline logo.png to@example.org <<<'Café'
	assert_eq "multipart/alternative
  text/plain
  multipart/related
    text/html
    image/png" "$(mc structure)" structure
	assert_eq '<logo.png>' "$(mc part-header logo.png Content-ID)" Content-ID
	assert_match 'inline.*' "$(mc part-header logo.png Content-Disposition)" disposition
	assert_part_is_file logo.png logo.png
	mc html >got.html
	cmp body.html got.html
}

@test "--inline Content-ID replaces unsafe characters with _; without --html it goes in mixed" {
	make_png 'my logo (1).png'
	compose_ok --inline 'my logo (1).png' to@example.org <<<'hi'
	assert_eq $'multipart/mixed\n  text/plain\n  image/png' "$(mc structure)" structure
	assert_eq '<my_logo__1_.png>' "$(mc part-header 'my logo (1).png' Content-ID)" Content-ID
	assert_match 'inline.*' "$(mc part-header 'my logo (1).png' Content-Disposition)" disposition
	assert_part_is_file 'my logo (1).png' 'my logo (1).png'
}

@test "missing or directory attachment/body/html exits 66 naming the file" {
	mkdir adir
	compose_fail 66 -a missing-file.pdf to@example.org <<<'hi'
	assert_stderr_contains 'missing-file.pdf'
	compose_fail 66 -a adir to@example.org <<<'hi'
	assert_stderr_contains 'adir'
	printf '<p>x</p>\n' >ok.html
	compose_fail 66 --inline missing-logo.png --html ok.html to@example.org <<<'hi'
	assert_stderr_contains 'missing-logo.png'
	compose_fail 66 --html missing.html to@example.org <<<'hi'
	assert_stderr_contains 'missing.html'
	compose_fail 66 -B adir to@example.org <<<'hi'
	assert_stderr_contains 'adir'
}

@test "invalid UTF-8 in --html exits 65" {
	printf '<p>caf\351</p>\n' >bad.html
	compose_fail 65 --html bad.html to@example.org <<<'hi'
	assert_stderr_contains 'UTF-8'
}

@test "1 MiB random attachment round-trips" {
	head -c 1048576 /dev/urandom >big.bin
	compose_ok -a big.bin to@example.org <<<'big one'
	assert_eq base64 "$(mc cte big.bin)" CTE
	assert_part_is_file big.bin big.bin
}

# ======================================================================
# Addresses and recipients
# ======================================================================

@test "invalid addresses exit 64 naming the address" {
	local bad
	for bad in 'foo' 'a@' '@b' 'a@b..c' 'x <a@b' 'a b@c'; do
		compose_fail 64 "$bad" <<<'hi'
		assert_stderr_contains "'$bad'"
	done
	compose_fail 64 -c 'ok@example.org, a@' to@example.org <<<'hi'
	assert_stderr_contains "'a@'"
	compose_fail 64 -b '@b' to@example.org <<<'hi'
	assert_stderr_contains "'@b'"
	compose_fail 64 -f 'foo' to@example.org <<<'hi'
	assert_stderr_contains "'foo'"
}

@test "no recipients exits 64" {
	compose_fail 64 -s 'nobody' <<<'hi'
	assert_stderr_contains 'no recipients'
	compose_fail 64 -s 'nobody' -f me@example.org -R r@example.org <<<'hi'
	assert_stderr_contains 'no recipients'
}

@test "unknown option exits 64" {
	compose_fail 64 --no-such-option to@example.org <<<'hi'
}

@test "From with several mailboxes needs --sender" {
	compose_fail 64 -f 'a@x.org, b@x.org' to@example.org <<<'hi'
	compose_ok -f 'a@x.org, b@x.org' --sender 'a@x.org' to@example.org <<<'hi'
	assert_eq $'\ta@x.org\n\tb@x.org' "$(mc addrs From)" From
	assert_eq $'\ta@x.org' "$(mc addrs Sender)" Sender
	assert_match '<[^<>@ ]+@x\.org>' "$(mc header Message-ID)" Message-ID
}

@test "--sender equal to From is omitted; a different one is kept" {
	compose_ok -f ops@example.org --sender ops@example.org to@example.org <<<'hi'
	assert_no_header Sender
	compose_ok -f 'Ops <ops@example.org>' --sender 'Ops <ops@example.org>' to@example.org <<<'hi'
	assert_no_header Sender
	compose_ok -f 'Ops <ops@example.org>' --sender 'bot@example.org' to@example.org <<<'hi'
	assert_eq $'\tbot@example.org' "$(mc addrs Sender)" Sender
}

@test "Bcc-only message has To: undisclosed-recipients:; and no Bcc" {
	compose_ok -b 'hidden1@example.org, hidden2@example.org' -b hidden3@example.org -s quiet <<<'hi'
	assert_eq 'To: undisclosed-recipients:;' "$(mc raw-header To)" To
	assert_no_header Cc
	assert_no_header Bcc
	refute_grep 'hidden' "$MSG" "$ERR"
}

@test "Cc-only message has no To header" {
	compose_ok -c cc@example.org -s quiet <<<'hi'
	assert_no_header To
	assert_eq $'\tcc@example.org' "$(mc addrs Cc)" Cc
}
