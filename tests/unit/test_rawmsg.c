/* Whole messages (rawmsg.h, for -t and the sendmail interface): the
 * recipients of To, Cc and Bcc (RFC 5322 3.6.3) or of the Resent-
 * fields (3.6.6), Bcc taken out, the fields posta must add, the mbox
 * separator, line ends, every limit and malformed header, the body left
 * at the source's rewind point; then mime_prepare_raw and mime_write:
 * the added Date, From and Message-ID, the header block as read and the
 * body unchanged but for line ends. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "header.h"
#include "mime.h"
#include "rawmsg.h"
#include "sink.h"
#include "tap.h"

#define NOW 1700000000 /* Tue, 14 Nov 2023 22:13:20 +0000 */
#define PATH_MAX_LEN 256
#define ADDRS_MAX 1024

static char tmpdir[64];
static int nfiles;
static int rnd_calls;

/* Call k fills byte i with 37k + 11i + 5 (as test_mime.c). */
static unsigned char rnd_byte(int call, size_t i)
{
	return (unsigned char)((unsigned)call * 37u + (unsigned)i * 11u + 5u);
}

static void fixed_random(void *p, size_t n)
{
	unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		b[i] = rnd_byte(rnd_calls, i);
	}
	rnd_calls++;
}

static void write_file(char path[PATH_MAX_LEN], const void *p, size_t n)
{
	int fd;

	snprintf(path, PATH_MAX_LEN, "%s/msg%d", tmpdir, ++nfiles);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n) {
		diag("cannot write %s: %s", path, strerror(errno));
	}
	if (fd >= 0) {
		close(fd);
	}
}

/* Writes the n bytes at p (n 0: strlen) and reads them as a message. */
static int read_msg(struct rawmsg *m, const void *p, size_t n, struct err *e)
{
	char path[PATH_MAX_LEN];

	if (n == 0) {
		n = strlen(p);
	}
	memset(e, 0, sizeof(*e));
	write_file(path, p, n);
	return rawmsg_read(m, path, e);
}

/* The addresses of l joined by ','. */
static const char *addrs(const struct addrlist *l)
{
	static char out[ADDRS_MAX];
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s",
				      i > 0 ? "," : "", l->v[i].addr);
		if (o >= sizeof(out)) {
			break;
		}
	}
	return out;
}

/* Everything the source gives from where it is now. */
static void rest(struct source *src, struct buf *out)
{
	char block[4096];
	struct err e = { 0 };
	ssize_t r;

	buf_reset(out);
	while ((r = source_read(src, block, sizeof(block), &e)) > 0) {
		buf_append(out, block, (size_t)r);
	}
	if (r < 0) {
		diag("source_read: %s", e.msg);
	}
}

/* The header block and body as read must be these. */
static void parsed_is(struct rawmsg *m, const char *headers, const void *body,
		      size_t body_len, const char *name)
{
	struct buf got;
	char label[256];

	buf_init(&got, 0);
	snprintf(label, sizeof(label), "%s: headers", name);
	is_mem(m->headers.data, m->headers.len, headers, strlen(headers),
	       label);
	rest(&m->src, &got);
	snprintf(label, sizeof(label), "%s: the source gives the body", name);
	is_mem(got.data != NULL ? got.data : "", got.len, body, body_len,
	       label);
	snprintf(label, sizeof(label), "%s: body.bytes", name);
	is_int(m->body.bytes, body_len, label);
	buf_finish(&got);
}

/* Reading p must fail with ERR_DATA and a message holding want. */
static void read_fails(const void *p, size_t n, const char *want,
		       const char *name)
{
	struct rawmsg m;
	struct err e;
	int r = read_msg(&m, p, n, &e);

	if (ok(r == -1 && e.cls == ERR_DATA, "%s: ERR_DATA", name)) {
		if (want != NULL &&
		    !ok(strstr(e.msg, want) != NULL,
			"%s: the message says '%s'", name, want)) {
			diag("message: %s", e.msg);
		}
	} else {
		diag("returned %d, class %d, message: %s", r, (int)e.cls,
		     e.msg);
	}
	rawmsg_finish(&m);
}

static void test_recipients(void)
{
	static const char text[] =
		"From: Alice <alice@example.org>\n"
		"To: bob@example.net, \"Doe, John\" <john@example.com>\n"
		"Cc: carol@example.com (Carol)\n"
		"Subject: hi\n"
		"Bcc: secret@example.org,\n"
		"  other@example.org\n"
		"Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
		"Message-Id: <x@example.org>\n"
		"\n"
		"body line\n";
	static const char headers[] =
		"From: Alice <alice@example.org>\n"
		"To: bob@example.net, \"Doe, John\" <john@example.com>\n"
		"Cc: carol@example.com (Carol)\n"
		"Subject: hi\n"
		"Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
		"Message-Id: <x@example.org>\n";
	struct rawmsg m;
	struct err e;

	if (ok(read_msg(&m, text, 0, &e) == 0, "a plain message")) {
		is_str(addrs(&m.to), "bob@example.net,john@example.com", "To");
		is_str(addrs(&m.cc), "carol@example.com", "Cc with a comment");
		is_str(addrs(&m.bcc), "secret@example.org,other@example.org",
		       "a folded Bcc");
		is_str(addrs(&m.from), "alice@example.org", "From");
		ok(m.has_from && m.has_date && m.has_message_id,
		   "has From, Date and Message-ID (any case)");
		ok(!m.resent, "not resent");
		parsed_is(&m, headers, "body line\n", 10,
			  "Bcc and its continuation are out");
	} else {
		diag("%s", e.msg);
	}
	rawmsg_finish(&m);

	if (ok(read_msg(&m,
			"To: friends: a@example.org, b@example.org;,\n"
			"\tc@example.org,\n"
			" d@example.org (the last)\n"
			"cc: undisclosed-recipients:;\n"
			"BCC: \n"
			"bcc:\n"
			"bCc: <e@example.org>\n"
			"\n",
			0, &e) == 0,
	       "groups, folds, empty and odd-case Bcc")) {
		is_str(addrs(&m.to),
		       "a@example.org,b@example.org,c@example.org,"
		       "d@example.org",
		       "To: a group flattened and folded lines");
		is_int(m.cc.n, 0, "an empty group: no Cc");
		is_str(addrs(&m.bcc), "e@example.org",
		       "Bcc in any case; empty ones are none");
		ok(!m.has_from && !m.has_date && !m.has_message_id,
		   "no From, Date or Message-ID");
		is_int(m.from.n, 0, "no From address");
		parsed_is(&m,
			  "To: friends: a@example.org, b@example.org;,\n"
			  "\tc@example.org,\n"
			  " d@example.org (the last)\n"
			  "cc: undisclosed-recipients:;\n",
			  "", 0, "every Bcc form is out, folds kept");
	} else {
		diag("%s", e.msg);
	}
	rawmsg_finish(&m);

	if (ok(read_msg(&m,
			"To-Do: not@example.org\nCcx: no@example.org\n"
			"X-Bcc: kept@example.org\nTo: yes@example.org\n\n",
			0, &e) == 0,
	       "names that begin like To, Cc, Bcc")) {
		is_str(addrs(&m.to), "yes@example.org", "only To: counts");
		is_int(m.cc.n + m.bcc.n, 0, "no Cc, no Bcc");
		ok(strstr(m.headers.data, "X-Bcc: kept@example.org\n") != NULL,
		   "X-Bcc is kept");
	}
	rawmsg_finish(&m);
}

static void test_resent(void)
{
	static const char text[] = "From: a@example.org\n"
				   "To: orig@example.org\n"
				   "Cc: origcc@example.org\n"
				   "Bcc: origbcc@example.org\n"
				   "Resent-From: r@example.org\n"
				   "Resent-To: new@example.org,\n"
				   " new2@example.org\n"
				   "Resent-Cc: newcc@example.org\n"
				   "Resent-Bcc: newbcc@example.org\n"
				   "Subject: s\n"
				   "\n"
				   "b\n";
	static const char headers[] = "From: a@example.org\n"
				      "To: orig@example.org\n"
				      "Cc: origcc@example.org\n"
				      "Resent-From: r@example.org\n"
				      "Resent-To: new@example.org,\n"
				      " new2@example.org\n"
				      "Resent-Cc: newcc@example.org\n"
				      "Subject: s\n";
	struct rawmsg m;
	struct err e;

	if (ok(read_msg(&m, text, 0, &e) == 0, "a resent message")) {
		ok(m.resent, "resent");
		is_str(addrs(&m.to), "new@example.org,new2@example.org",
		       "Resent-To replaces To");
		is_str(addrs(&m.cc), "newcc@example.org",
		       "Resent-Cc replaces Cc");
		is_str(addrs(&m.bcc), "newbcc@example.org",
		       "Resent-Bcc replaces Bcc");
		is_str(addrs(&m.from), "a@example.org", "From is the author");
		parsed_is(&m, headers, "b\n", 2,
			  "Bcc and Resent-Bcc are out, the rest kept");
	} else {
		diag("%s", e.msg);
	}
	rawmsg_finish(&m);

	if (ok(read_msg(&m,
			"resent-to: n@example.org\nTo: o@example.org\n"
			"Cc: c@example.org\nBcc: b@example.org\n\n",
			0, &e) == 0,
	       "Resent-To alone, before To")) {
		ok(m.resent, "resent");
		is_str(addrs(&m.to), "n@example.org", "only Resent-To");
		is_int(m.cc.n + m.bcc.n, 0, "the old Cc and Bcc are dropped");
	}
	rawmsg_finish(&m);

	if (ok(read_msg(&m, "Resent-Bcc: n@example.org\nTo: o@example.org\n\n",
			0, &e) == 0,
	       "Resent-Bcc alone")) {
		is_int(m.to.n, 0, "no To now");
		is_str(addrs(&m.bcc), "n@example.org", "the Resent-Bcc");
		is_str(m.headers.data, "To: o@example.org\n",
		       "Resent-Bcc is out");
	}
	rawmsg_finish(&m);

	if (ok(read_msg(&m,
			"Resent-From: r@example.org\nResent-Date: x\n"
			"To: o@example.org\n\n",
			0, &e) == 0,
	       "Resent-From and -Date only")) {
		ok(!m.resent, "no resent recipients: not resent");
		is_str(addrs(&m.to), "o@example.org", "To stays");
		ok(!m.has_from && !m.has_date,
		   "Resent-From and -Date are not From and Date");
	}
	rawmsg_finish(&m);
}

static void test_forms(void)
{
	static const char crlf[] = "To: a@example.org,\r\n"
				   " b@example.org\r\n"
				   "Subject: x\r\n"
				   "\r\n"
				   "line1\r\n"
				   "line2\r\n";
	static const char eight[] = "To: a@example.org\n\nabc\n\xc3\xa9\n";
	struct rawmsg m;
	struct err e;

	if (ok(read_msg(&m,
			"From alice@example.org Mon Jan  1 00:00:00 2024\n"
			"To: b@example.org\n\nbody\nFrom here\n",
			0, &e) == 0,
	       "an mbox 'From ' line")) {
		ok(!m.has_from, "the separator is not a From field");
		parsed_is(&m, "To: b@example.org\n", "body\nFrom here\n", 15,
			  "the separator is skipped");
	}
	rawmsg_finish(&m);
	read_fails("To: b@example.org\nFrom alice@example.org x\n\n", 0,
		   "line 2", "'From ' after the first line");

	if (ok(read_msg(&m, crlf, 0, &e) == 0, "CRLF line ends")) {
		is_str(addrs(&m.to), "a@example.org,b@example.org",
		       "a folded To with CRLF");
		parsed_is(&m,
			  "To: a@example.org,\n b@example.org\nSubject: x\n",
			  "line1\r\nline2\r\n", 14,
			  "headers with LF, the body as it was");
		is_int(m.body.lines, 2, "two body lines");
		is_int(m.body.max_line, 5, "CRLF is one line end");
	}
	rawmsg_finish(&m);

	if (ok(read_msg(&m, "To: a@example.org\nSubject: x\n", 0, &e) == 0,
	       "a header block and no body")) {
		parsed_is(&m, "To: a@example.org\nSubject: x\n", "", 0,
			  "no blank line");
	}
	rawmsg_finish(&m);

	if (ok(read_msg(&m, "To: a@example.org\nSubject: x", 0, &e) == 0,
	       "no LF at the end of the header block")) {
		is_str(addrs(&m.to), "a@example.org", "To");
		parsed_is(&m, "To: a@example.org\nSubject: x\n", "", 0,
			  "the last field gets its LF");
	}
	rawmsg_finish(&m);

	if (ok(read_msg(&m, "To: a@example.org,\n b@example.org", 0, &e) == 0,
	       "no LF after a continuation at the end")) {
		is_str(addrs(&m.to), "a@example.org,b@example.org",
		       "the last continuation counts");
	}
	rawmsg_finish(&m);

	if (ok(read_msg(&m, "To: a@example.org\n\nno newline", 0, &e) == 0,
	       "no LF at the end of the body")) {
		parsed_is(&m, "To: a@example.org\n", "no newline", 10,
			  "the body as it was");
		ok(!m.body.ends_in_break, "the body does not end in a break");
	}
	rawmsg_finish(&m);

	if (ok(read_msg(&m, "To: a@example.org\n\n\n\nx\n\n", 0, &e) == 0,
	       "blank lines in the body")) {
		parsed_is(&m, "To: a@example.org\n", "\n\nx\n\n", 5,
			  "only the first blank line ends the header block");
	}
	rawmsg_finish(&m);

	if (ok(read_msg(&m, eight, sizeof(eight) - 1, &e) == 0,
	       "an 8-bit body")) {
		parsed_is(&m, "To: a@example.org\n", "abc\n\xc3\xa9\n", 7,
			  "8-bit body");
		is_int(m.body.eight_bit, 2, "body.eight_bit");
		is_int(m.body.lines, 2, "body.lines");
		ok(m.body.utf8_ok, "body.utf8_ok");
	}
	rawmsg_finish(&m);

	if (ok(read_msg(&m, "To: a@example.org\nSubject: caf\xc3\xa9\n\nx\n", 0,
			&e) == 0,
	       "8-bit text in a field value")) {
		parsed_is(&m, "To: a@example.org\nSubject: caf\xc3\xa9\n",
			  "x\n", 2, "8-bit value kept");
	}
	rawmsg_finish(&m);

	/* After the body is read, rewinding comes back to its start. */
	if (ok(read_msg(&m, "To: a@example.org\n\nfirst\nsecond\n", 0, &e) == 0,
	       "read, rewind, read")) {
		struct buf b;
		buf_init(&b, 0);
		rest(&m.src, &b);
		ok(source_rewind(&m.src, &e) == 0, "rewind");
		rest(&m.src, &b);
		is_mem(b.data, b.len, "first\nsecond\n", 13,
		       "the body again after a rewind");
		buf_finish(&b);
	}
	rawmsg_finish(&m);

	memset(&e, 0, sizeof(e));
	{
		char path[PATH_MAX_LEN];
		snprintf(path, sizeof(path), "%s/missing", tmpdir);
		ok(rawmsg_read(&m, path, &e) == -1 && e.cls == ERR_NOINPUT,
		   "a missing file is ERR_NOINPUT");
		rawmsg_finish(&m);
	}
}

static void test_malformed(void)
{
	static const char nul[] = "To: a@example.org\0, evil@example.org\n"
				  "Subject: x\n\nb\n";

	read_fails("To: a@example.org\nthis is not a header\n\nb\n", 0,
		   "line 2", "a line with no colon");
	read_fails("To: a@example.org\nSubject x\n\n", 0, "line 2",
		   "a name with no colon");
	read_fails("To: a@example.org\n: x\n\n", 0, "line 2",
		   "an empty field name");
	read_fails("To: a@example.org\nSub ject: x\n\n", 0, "line 2",
		   "a blank in the field name");
	read_fails("To: a@example.org\nSubject\x01: x\n\n", 0, "line 2",
		   "a control in the field name");
	read_fails(" folded\nTo: a@example.org\n\n", 0, "line 1",
		   "a continuation first");
	read_fails("From x@example.org Mon Jan  1 00:00:00 2024\n"
		   "\tfolded\nTo: a@example.org\n\n",
		   0, "line 2", "a continuation after the mbox line");
	read_fails("To: a@example.org\nSubject: a\rb\n\nb\n", 0, "line 2",
		   "a bare CR in a field");
	read_fails("To: a@example.org\nSubject: a\r\r\n\nb\n", 0, "line 2",
		   "CR CR LF in a field");
	read_fails("To: a@example.org\nSubject: a\rb", 0, NULL,
		   "a bare CR in a last field with no LF");
	/* RFC 5322 2.2: a field body is printable characters and WSP. */
	read_fails(nul, sizeof(nul) - 1, "line 1", "a NUL in a To field");

	read_fails("Subject: x\nTo: not an address\n\n", 0, "line 2",
		   "a bad address in To");
	{
		struct rawmsg m;
		struct err e;
		if (read_msg(&m, "Subject: x\nTo: a@@example.org\n\n", 0, &e) ==
		    -1) {
			ok(strstr(e.msg, "To") != NULL,
			   "the message names the field");
		} else {
			ok(false, "a@@example.org in To is refused");
		}
		rawmsg_finish(&m);
	}
	read_fails("Subject: x\nCc: a@example.org,\n b@@example.org\n\n", 0,
		   "line 2", "a bad address in a folded Cc");
	read_fails("Bcc: <broken\n\n", 0, "line 1", "a bad address in Bcc");
	read_fails("To: a@example.org\nResent-To: x y z\n\n", 0, "line 2",
		   "a bad address in Resent-To");
	{
		struct rawmsg m;
		struct err e;
		if (ok(read_msg(&m,
				"To: a@example.org\n\nTo: bad bad\n"
				"not a field\n",
				0, &e) == 0,
		       "fields in the body are not parsed")) {
			is_str(addrs(&m.to), "a@example.org",
			       "only the header block's To");
		}
		rawmsg_finish(&m);
	}
}

/* A header line of n octets: "Subject: " and 'x's. */
static void subject_line(struct buf *b, size_t n)
{
	buf_puts(b, "Subject: ");
	for (size_t i = 9; i < n; i++) {
		buf_putc(b, 'x');
	}
}

static void test_lengths(void)
{
	struct buf b;
	struct rawmsg m;
	struct err e;

	buf_init(&b, 0);

	buf_puts(&b, "To: a@example.org\n");
	subject_line(&b, RAWMSG_LINE_MAX);
	buf_puts(&b, "\n\nb\n");
	ok(read_msg(&m, b.data, b.len, &e) == 0, "a header line of 998 octets");
	rawmsg_finish(&m);

	buf_reset(&b);
	buf_puts(&b, "To: a@example.org\r\n");
	subject_line(&b, RAWMSG_LINE_MAX);
	buf_puts(&b, "\r\n\r\nb\r\n");
	ok(read_msg(&m, b.data, b.len, &e) == 0,
	   "a header line of 998 octets and CRLF");
	rawmsg_finish(&m);

	buf_reset(&b);
	buf_puts(&b, "To: a@example.org\n");
	subject_line(&b, RAWMSG_LINE_MAX + 1);
	buf_puts(&b, "\n\nb\n");
	read_fails(b.data, b.len, "line 2", "a header line of 999 octets");

	buf_reset(&b);
	buf_puts(&b, "To: a@example.org\n");
	subject_line(&b, RAWMSG_LINE_MAX + 2);
	buf_puts(&b, "\r\n\nb\n");
	read_fails(b.data, b.len, "line 2",
		   "a header line of 1000 octets and CRLF");

	buf_reset(&b);
	buf_puts(&b, "To: a@example.org\n");
	subject_line(&b, 5000);
	buf_puts(&b, "\n\nb\n");
	read_fails(b.data, b.len, "line 2", "a header line of 5000 octets");

	/* The same limits on a last field with no LF. */
	buf_reset(&b);
	buf_puts(&b, "To: a@example.org\n");
	subject_line(&b, RAWMSG_LINE_MAX);
	ok(read_msg(&m, b.data, b.len, &e) == 0,
	   "a last header line of 998 octets, no LF");
	rawmsg_finish(&m);
	buf_reset(&b);
	buf_puts(&b, "To: a@example.org\n");
	subject_line(&b, RAWMSG_LINE_MAX + 1);
	read_fails(b.data, b.len, "line 2",
		   "a last header line of 999 octets, no LF");

	/* The body: RFC 5322 2.1.1, what SMTP can carry. */
	buf_reset(&b);
	buf_puts(&b, "To: a@example.org\n\nshort\n");
	for (int i = 0; i < RAWMSG_LINE_MAX; i++) {
		buf_putc(&b, 'y');
	}
	buf_puts(&b, "\r\nend\n");
	if (ok(read_msg(&m, b.data, b.len, &e) == 0,
	       "a body line of 998 octets and CRLF")) {
		is_int(m.body.max_line, RAWMSG_LINE_MAX, "body.max_line");
	}
	rawmsg_finish(&m);

	buf_reset(&b);
	buf_puts(&b, "To: a@example.org\n\nshort\n");
	for (int i = 0; i < RAWMSG_LINE_MAX + 1; i++) {
		buf_putc(&b, 'y');
	}
	buf_puts(&b, "\nend\n");
	read_fails(b.data, b.len, "998", "a body line of 999 octets");

	buf_reset(&b);
	buf_puts(&b, "To: a@example.org\n\n");
	for (int i = 0; i < RAWMSG_LINE_MAX + 1; i++) {
		buf_putc(&b, 'y');
	}
	read_fails(b.data, b.len, "998",
		   "a last body line of 999 octets, no LF");
	buf_finish(&b);
}

static void test_limits(void)
{
	struct buf b;
	struct rawmsg m;
	struct err e;
	char line[1024];
	int i;

	buf_init(&b, 0);

	/* RAWMSG_FIELDS_MAX fields, each with a continuation. */
	for (i = 0; i < RAWMSG_FIELDS_MAX; i++) {
		buf_printf(&b, "X-F%d: v\n folded\n", i);
	}
	buf_puts(&b, "\nbody\n");
	if (!ok(read_msg(&m, b.data, b.len, &e) == 0,
		"RAWMSG_FIELDS_MAX fields; continuations do not count")) {
		diag("%s", e.msg);
	}
	rawmsg_finish(&m);

	buf_reset(&b);
	buf_puts(&b, "From x@example.org Mon Jan  1 00:00:00 2024\n");
	for (i = 0; i < RAWMSG_FIELDS_MAX; i++) {
		buf_printf(&b, "X-F%d: v\n", i);
	}
	buf_puts(&b, "\nbody\n");
	ok(read_msg(&m, b.data, b.len, &e) == 0, "the mbox line is no field");
	rawmsg_finish(&m);

	buf_reset(&b);
	for (i = 0; i < RAWMSG_FIELDS_MAX + 1; i++) {
		buf_printf(&b, "X-F%d: v\n", i);
	}
	buf_puts(&b, "\nbody\n");
	snprintf(line, sizeof(line), "line %d", RAWMSG_FIELDS_MAX + 1);
	read_fails(b.data, b.len, line, "RAWMSG_FIELDS_MAX + 1 fields");

	buf_reset(&b);
	for (i = 0; i < RAWMSG_FIELDS_MAX; i++) {
		buf_printf(&b, "X-F%d: v\n", i);
	}
	buf_puts(&b, "X-Last: no LF");
	read_fails(b.data, b.len, NULL,
		   "RAWMSG_FIELDS_MAX + 1 fields, the last with no LF");

	/* Lines of 990 octets until the block passes RAWMSG_HEADER_MAX. */
	memset(line, 'x', 981);
	line[981] = '\0';
	buf_reset(&b);
	buf_puts(&b, "To: a@example.org\n");
	for (i = 0; b.len <= RAWMSG_HEADER_MAX; i++) {
		buf_printf(&b, "X-Fill: %s\n", line);
	}
	buf_puts(&b, "\nbody\n");
	read_fails(b.data, b.len, "header block",
		   "a header block over RAWMSG_HEADER_MAX");

	buf_reset(&b);
	buf_puts(&b, "To: a@example.org\nX-Long: start\n");
	while (b.len <= RAWMSG_HEADER_MAX) {
		buf_printf(&b, " %s\n", line);
	}
	buf_puts(&b, "\nbody\n");
	read_fails(b.data, b.len, "header block",
		   "one folded field over RAWMSG_HEADER_MAX");

	/* Bcc is not sent but it is in the block that was read. */
	buf_reset(&b);
	buf_puts(&b, "To: a@example.org\n");
	memset(line, 'c', 960);
	line[960] = '\0';
	for (i = 0; b.len <= RAWMSG_HEADER_MAX; i++) {
		buf_printf(&b, "Bcc: (%s) b%d@example.org\n", line, i);
	}
	buf_puts(&b, "\nbody\n");
	read_fails(b.data, b.len, "header block",
		   "Bcc fields over RAWMSG_HEADER_MAX");

	/* A header block that spans several SOURCE_BLOCK reads and a
	 * body that does too. */
	buf_reset(&b);
	buf_puts(&b, "To: a@example.org\n");
	while (b.len < SOURCE_BLOCK + 1000) {
		buf_printf(&b, "X-Fill: %.900s\n", line);
	}
	size_t head_len = b.len;
	buf_puts(&b, "\n");
	size_t body_at = b.len;
	for (i = 0; b.len < body_at + 2 * SOURCE_BLOCK + 77; i++) {
		buf_printf(&b, "line %d %.60s\n", i, line);
	}
	if (ok(read_msg(&m, b.data, b.len, &e) == 0,
	       "a message over several blocks")) {
		struct buf got;
		buf_init(&got, 0);
		is_int(m.headers.len, head_len, "all the header block");
		rest(&m.src, &got);
		is_mem(got.data, got.len, b.data + body_at, b.len - body_at,
		       "the whole body from the rewind point");
		is_int(m.body.bytes, b.len - body_at, "body.bytes");
		is_int(m.body.lines, i, "body.lines");
		buf_finish(&got);
	} else {
		diag("%s", e.msg);
	}
	rawmsg_finish(&m);
	buf_finish(&b);
}

/* Reads p as standard input from a pipe that a child fills. */
static int read_stdin(struct rawmsg *m, const void *p, size_t n, struct err *e)
{
	int fds[2], saved = dup(STDIN_FILENO), r, status;
	pid_t pid;

	memset(e, 0, sizeof(*e));
	if (saved < 0 || pipe(fds) == -1) {
		return err_set(e, ERR_OS, "pipe: %s", strerror(errno));
	}
	/* The child must not inherit unflushed TAP output: valgrind's
	 * exit handling would write it a second time. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		const char *c = p;
		close(fds[0]);
		while (n > 0) {
			ssize_t w = write(fds[1], c, n);
			if (w <= 0) {
				_exit(1);
			}
			c += w;
			n -= (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	dup2(fds[0], STDIN_FILENO);
	close(fds[0]);
	r = rawmsg_read(m, "-", e);
	dup2(saved, STDIN_FILENO);
	close(saved);
	if (pid > 0) {
		waitpid(pid, &status, 0);
	}
	return r;
}

static void test_stdin(void)
{
	static const char text[] = "From x@example.org Mon Jan  1 2024\r\n"
				   "To: a@example.org\r\n"
				   "Bcc: b@example.org\r\n\r\n"
				   "body\r\n";
	struct rawmsg m;
	struct err e;
	struct buf b;
	int i;

	if (ok(read_stdin(&m, text, sizeof(text) - 1, &e) == 0,
	       "standard input from a pipe")) {
		is_str(addrs(&m.bcc), "b@example.org", "stdin: Bcc");
		parsed_is(&m, "To: a@example.org\n", "body\r\n", 6,
			  "stdin, spooled in memory");
	} else {
		diag("%s", e.msg);
	}
	rawmsg_finish(&m);

	/* Over SOURCE_MEM_MAX: spooled to a temporary file. */
	buf_init(&b, 0);
	buf_puts(&b, "To: a@example.org\nSubject: big\n\n");
	size_t body_at = b.len;
	for (i = 0; b.len < SOURCE_MEM_MAX + SOURCE_BLOCK + 99; i++) {
		buf_printf(&b, "%08d the quick brown fox\n", i);
	}
	if (ok(read_stdin(&m, b.data, b.len, &e) == 0,
	       "standard input over SOURCE_MEM_MAX")) {
		parsed_is(&m, "To: a@example.org\nSubject: big\n",
			  b.data + body_at, b.len - body_at,
			  "stdin, spooled to a file");
	} else {
		diag("%s", e.msg);
	}
	rawmsg_finish(&m);
	buf_finish(&b);
}

/* rawmsg_read, mime_prepare_raw and mime_write into out. */
static int compose_raw(const char *text, const struct mailbox *from,
		       struct buf *out, bool *eight, struct err *e)
{
	static const struct compose_env env = { NOW, fixed_random };
	struct composition *c;
	struct rawmsg m;
	struct buf_sink bs;
	struct buf again;
	uint64_t size = 0;
	int r;

	buf_reset(out);
	rnd_calls = 0;
	if (read_msg(&m, text, 0, e) == -1) {
		rawmsg_finish(&m);
		return -1;
	}
	c = mime_prepare_raw(&m, from, &env, e);
	if (c == NULL) {
		rawmsg_finish(&m);
		return -1;
	}
	buf_sink_init(&bs, out);
	r = mime_write(c, &bs.sink, e);
	if (eight != NULL) {
		*eight = mime_is_8bit(c);
	}
	if (r == 0) {
		size_t lines = 0;
		for (size_t i = 0; i < out->len; i++) {
			lines += out->data[i] == '\n';
		}
		ok(mime_wire_size(c, &size, e) == 0 && size == out->len + lines,
		   "the wire size is the output with CRLF");
		buf_init(&again, 0);
		buf_sink_init(&bs, &again);
		ok(mime_write(c, &bs.sink, e) == 0 && again.len == out->len &&
			   memcmp(again.data, out->data, out->len) == 0,
		   "a second mime_write gives the same bytes");
		buf_finish(&again);
	}
	mime_destroy(c);
	rawmsg_finish(&m);
	return r;
}

static void test_compose(void)
{
	struct mailbox sender = { "Sam Sender", "sender@example.com" };
	char date[HDR_DATE_MAX], want[4096];
	unsigned char rnd[16];
	char *id_com, *id_org;
	struct buf out;
	struct err e;
	bool eight = true;

	header_date(NOW, date);
	for (size_t i = 0; i < sizeof(rnd); i++) {
		rnd[i] = rnd_byte(0, i);
	}
	id_com = header_msgid_new(NOW, rnd, "example.com");
	id_org = header_msgid_new(NOW, rnd, "example.org");
	buf_init(&out, 0);

	snprintf(want, sizeof(want),
		 "Date: %s\n"
		 "From: Sam Sender <sender@example.com>\n"
		 "Message-ID: %s\n"
		 "To: b@example.net\n"
		 "Subject: s\n"
		 "\n"
		 "body\n"
		 "line2\n",
		 date, id_com);
	if (ok(compose_raw("To: b@example.net\nBcc: hidden@example.net\n"
			   "Subject: s\n\nbody\r\nline2\r\n",
			   &sender, &out, &eight, &e) == 0,
	       "no Date, From or Message-ID")) {
		is_mem(out.data, out.len, want, strlen(want),
		       "Date, From and Message-ID added before the fields, "
		       "Bcc out, CRLF to LF");
		is_int(rnd_calls, 1, "random once, for the Message-ID");
		ok(!eight, "a 7-bit body is not 8bit");
	} else {
		diag("%s", e.msg);
	}

	static const char all[] = "From: Alice <alice@example.org>\n"
				  "Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
				  "message-id: <x@example.org>\n"
				  "To: b@example.net\n";
	snprintf(want, sizeof(want), "%s\nbody\n\n.\nend\n", all);
	if (ok(compose_raw("From: Alice <alice@example.org>\n"
			   "Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
			   "message-id: <x@example.org>\n"
			   "To: b@example.net\n"
			   "Bcc: c@example.net\n"
			   "\nbody\n\n.\nend\n",
			   &sender, &out, NULL, &e) == 0,
	       "Date, From and Message-ID present")) {
		is_mem(out.data, out.len, want, strlen(want),
		       "nothing added, nothing doubled, the body as it was");
		is_int(rnd_calls, 0, "no random");
	} else {
		diag("%s", e.msg);
	}

	snprintf(want, sizeof(want),
		 "Date: %s\n"
		 "Message-ID: %s\n"
		 "From: Alice <alice@example.org>\n"
		 "To: b@example.net\n"
		 "\n"
		 "x\n",
		 date, id_org);
	if (ok(compose_raw("From: Alice <alice@example.org>\n"
			   "To: b@example.net\n\nx\n",
			   &sender, &out, NULL, &e) == 0,
	       "From present, Date and Message-ID missing")) {
		is_mem(out.data, out.len, want, strlen(want),
		       "the Message-ID takes the domain of the message's From");
	} else {
		diag("%s", e.msg);
	}

	snprintf(want, sizeof(want),
		 "From: Sam Sender <sender@example.com>\n"
		 "To: b@example.net\nDate: x\nMessage-ID: <a@b>\n"
		 "\n"
		 "caf\xc3\xa9\n"
		 "last\n");
	if (ok(compose_raw("From x@example.org Mon Jan  1 2024\n"
			   "To: b@example.net\nDate: x\nMessage-ID: <a@b>\n"
			   "\ncaf\xc3\xa9\r\nlast",
			   &sender, &out, &eight, &e) == 0,
	       "an mbox line, 8-bit body, no LF at the end")) {
		is_mem(out.data, out.len, want, strlen(want),
		       "From added first, the separator dropped, a final LF");
		ok(eight, "an 8-bit body is 8bit");
	} else {
		diag("%s", e.msg);
	}

	snprintf(want, sizeof(want),
		 "To: b@example.net\nFrom: a@example.org\nDate: x\n"
		 "Message-ID: <a@b>\n\n");
	if (ok(compose_raw("To: b@example.net\nFrom: a@example.org\n"
			   "Date: x\nMessage-ID: <a@b>\n",
			   &sender, &out, NULL, &e) == 0,
	       "a header block and no body")) {
		is_mem(out.data, out.len, want, strlen(want),
		       "the fields and a blank line");
	} else {
		diag("%s", e.msg);
	}

	snprintf(want, sizeof(want),
		 "To: b@example.net\nFrom: a@example.org\nDate: x\n"
		 "Message-ID: <a@b>\n\na\nb\n\nc\n");
	if (ok(compose_raw("To: b@example.net\nFrom: a@example.org\n"
			   "Date: x\nMessage-ID: <a@b>\n\na\rb\r\n\rc\n",
			   &sender, &out, NULL, &e) == 0,
	       "bare CRs in the body")) {
		is_mem(out.data, out.len, want, strlen(want),
		       "a bare CR is a line end too (scan.h)");
	} else {
		diag("%s", e.msg);
	}

	free(id_com);
	free(id_org);
	buf_finish(&out);
}

int main(void)
{
	plan_lazy();
	setenv("TZ", "UTC", 1);
	tzset();
	if (tap_mkdtemp(tmpdir, sizeof(tmpdir), "rawmsg") == -1) {
		return done_testing();
	}
	test_recipients();
	test_resent();
	test_forms();
	test_malformed();
	test_lengths();
	test_limits();
	test_stdin();
	test_compose();
	ok(tap_rmtree(tmpdir) == 0, "the temporary directory is removed");
	return done_testing();
}
