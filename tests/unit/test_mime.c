/* Composition end to end, in memory: a message model through
 * mime_prepare and mime_write into a buffer, checked byte for byte,
 * plus the transfer-encoding choice (RFC 2045 6), the boundary choice
 * (RFC 2046 5.1.1), RFC 2231 parameters and the input errors. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "header.h"
#include "mime.h"
#include "sink.h"
#include "tap.h"
#include "xalloc.h"

#define NOW 1700000000 /* Tue, 14 Nov 2023 22:13:20 +0000 */
#define STEM_RANDOM 24 /* random bytes of a boundary stem (mime.c) */
#define LINE_MAX_OCTETS 998

static char tmpdir[64];
static int rnd_calls;

/* Call k fills byte i with 37k + 11i + 5: a fixed sequence, different
 * for every call. */
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

/* The stem mime.c makes from random call k: "=_" and 24 characters of
 * [A-Za-z0-9] picked by each byte modulo 62. */
static void stem_of_call(int call, char out[STEM_RANDOM + 3])
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789";

	out[0] = '=';
	out[1] = '_';
	for (size_t i = 0; i < STEM_RANDOM; i++) {
		out[i + 2] = set[rnd_byte(call, i) % 62];
	}
	out[STEM_RANDOM + 2] = '\0';
}

static char *write_file(const char *name, const void *p, size_t n)
{
	size_t sz = strlen(tmpdir) + strlen(name) + 2;
	char *path = xcalloc(sz, 1);
	int fd;

	snprintf(path, sz, "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n) {
		diag("cannot write %s: %s", path, strerror(errno));
	}
	if (fd >= 0) {
		close(fd);
	}
	return path;
}

/* A message from Alice to Bob whose body is the n bytes at body (or
 * no body at all when body is NULL). */
static void make_message(struct message *m, const char *subject,
			 const void *body, size_t n)
{
	struct err e = { 0 };

	message_init(m);
	if (addr_parse_list("Alice Example <alice@example.org>", &m->from,
			    &e) == -1 ||
	    addr_parse_list("bob@example.net, \"Doe, John\" <john@example.com>",
			    &m->to, &e) == -1) {
		diag("address: %s", e.msg);
	}
	m->subject = subject != NULL ? xstrdup(subject) : NULL;
	if (body == NULL) {
		m->body_empty = true;
	} else {
		m->body_path = write_file("body.txt", body, n);
	}
}

/* Prepares and writes m into out; -1 with e filled on error. */
static int compose(const struct message *m, struct buf *out, struct err *e)
{
	static const struct compose_env env = { NOW, fixed_random };
	struct composition *c;
	struct buf_sink bs;
	int r;

	rnd_calls = 0;
	buf_reset(out);
	c = mime_prepare(m, &env, e);
	if (c == NULL) {
		return -1;
	}
	buf_sink_init(&bs, out);
	r = mime_write(c, &bs.sink, e);
	mime_destroy(c);
	return r;
}

/* Every line ends with LF, none is over 998 octets, no CR anywhere. */
static bool wire_ok(const char *s, size_t n)
{
	size_t start = 0;

	if (n == 0 || s[n - 1] != '\n') {
		diag("the message does not end with LF");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			diag("a CR at %zu", i);
			return false;
		}
		if (s[i] == '\n') {
			if (i - start > LINE_MAX_OCTETS) {
				diag("a line of %zu octets", i - start);
				return false;
			}
			start = i + 1;
		}
	}
	return true;
}

/* The body after the first empty line. */
static const char *body_of(const char *msg)
{
	const char *p = strstr(msg, "\n\n");

	return p != NULL ? p + 2 : "";
}

/* The value of the boundary parameter of the first Content-Type. */
static bool boundary_of(const char *msg, char *out, size_t outsz)
{
	const char *p = strstr(msg, "boundary=\"");
	const char *q;

	if (p == NULL) {
		return false;
	}
	p += 10;
	q = strchr(p, '"');
	if (q == NULL || (size_t)(q - p) >= outsz) {
		return false;
	}
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	return true;
}

static int count_lines_equal(const char *msg, const char *line)
{
	size_t n = strlen(line);
	int count = 0;

	for (const char *p = msg; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (len == n && memcmp(p, line, n) == 0) {
			count++;
		}
		p += len;
		if (*p == '\n') {
			p++;
		}
	}
	return count;
}

static int b64val(char c)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c != '\0' ? strchr(a, c) : NULL;

	return p != NULL ? (int)(p - a) : -1;
}

/* Decodes base64 lines (LF-separated) until the first empty line or a
 * line starting with "--"; -1 when malformed. */
static ssize_t b64_lines_decode(const char *s, unsigned char *out, size_t outsz)
{
	size_t o = 0;
	int q[4], nq = 0, pad = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\n') {
			if (s[1] == '\n' || s[1] == '-' || s[1] == '\0') {
				break;
			}
			continue;
		}
		if (*s == '=') {
			q[nq++] = 0;
			pad++;
		} else if (pad > 0 || (q[nq++] = b64val(*s)) < 0) {
			return -1;
		}
		if (nq == 4) {
			unsigned long w = (unsigned long)q[0] << 18 |
					  (unsigned long)q[1] << 12 |
					  (unsigned long)q[2] << 6 |
					  (unsigned long)q[3];
			if (o + 3 > outsz) {
				return -1;
			}
			out[o++] = (unsigned char)(w >> 16);
			if (pad < 2) {
				out[o++] = (unsigned char)(w >> 8);
			}
			if (pad < 1) {
				out[o++] = (unsigned char)w;
			}
			nq = 0;
		}
	}
	return nq == 0 ? (ssize_t)o : -1;
}

static const char simple_body[] = "Hi Bob,\n\nthis is a test.\n-- \nAlice\n";

static const char simple_want[] =
	"Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
	"From: Alice Example <alice@example.org>\n"
	"To: bob@example.net, \"Doe, John\" <john@example.com>\n"
	"Subject: Hello world\n"
	"Message-ID: <20231114221320.2a35404b56616c77828d98a3aeb9c4cf@"
	"example.org>\n"
	"MIME-Version: 1.0\n"
	"Content-Type: text/plain; charset=us-ascii\n"
	"Content-Transfer-Encoding: 7bit\n"
	"\n"
	"Hi Bob,\n"
	"\n"
	"this is a test.\n"
	"-- \n"
	"Alice\n";

static void test_simple(void)
{
	struct message m;
	struct buf out, again;
	struct err e = { 0 };
	struct count_sink cs;
	struct composition *c;
	static const struct compose_env env = { NOW, fixed_random };

	buf_init(&out, 0);
	buf_init(&again, 0);
	make_message(&m, "Hello world", simple_body, sizeof(simple_body) - 1);
	if (!ok(compose(&m, &out, &e) == 0, "a simple message composes")) {
		diag("error: %s", e.msg);
	}
	is_str(out.data, simple_want, "a simple 7bit message, byte for byte");
	ok(wire_ok(out.data, out.len), "LF line ends, no line over 998");
	is_int(rnd_calls, 2, "random: a boundary stem and the Message-ID");

	/* Writing the same composition twice gives the same bytes. */
	rnd_calls = 0;
	c = mime_prepare(&m, &env, &e);
	if (ok(c != NULL, "mime_prepare")) {
		struct buf_sink bs;

		buf_sink_init(&bs, &again);
		ok(mime_write(c, &bs.sink, &e) == 0, "first write");
		size_t first = again.len;
		ok(mime_write(c, &bs.sink, &e) == 0, "second write");
		is_mem(again.data + first, again.len - first, again.data, first,
		       "writing twice gives identical bytes");
		count_sink_init(&cs);
		ok(mime_write(c, &cs.sink, &e) == 0, "a counting write");
		is_int(cs.bytes, first, "the count sink counts the same bytes");
		is_int(cs.lines, 14, "and its lines");
		mime_destroy(c);
	}
	unlink(m.body_path);
	message_finish(&m);

	/* A given Message-ID and Date are used, no random for the id. */
	make_message(&m, NULL, "x", 1);
	m.message_id = xstrdup("<given@example.org>");
	m.has_date = true;
	m.date = 0;
	ok(compose(&m, &out, &e) == 0, "given Date and Message-ID");
	ok(strncmp(out.data, "Date: Thu, 01 Jan 1970 00:00:00 +0000\n", 38) ==
		   0,
	   "the given date");
	ok(strstr(out.data, "\nMessage-ID: <given@example.org>\n") != NULL,
	   "the given Message-ID");
	ok(strstr(out.data, "\nSubject:") == NULL, "no subject, no Subject");
	is_str(body_of(out.data), "x\n",
	       "a body without a final line break gets one");
	is_int(rnd_calls, 1, "random only for the boundary stem");
	unlink(m.body_path);
	message_finish(&m);

	/* No body at all. */
	make_message(&m, "Empty", NULL, 0);
	ok(compose(&m, &out, &e) == 0, "an empty body composes");
	ok(out.len > 2 && strcmp(out.data + out.len - 2, "\n\n") == 0 &&
		   strstr(out.data, "Content-Transfer-Encoding: 7bit\n\n") !=
			   NULL,
	   "an empty body is the empty line after the headers");
	ok(strstr(out.data, "charset=us-ascii") != NULL,
	   "an empty body is us-ascii text");
	message_finish(&m);
	buf_finish(&out);
	buf_finish(&again);
}

static void test_encodings(void)
{
	static const char utf8[] = "Gr\xc3\xbc\xc3\x9f"
				   "e aus K\xc3\xb6ln = "
				   "sch\xc3\xb6n! The weather is fine and "
				   "the beer is cold. \nBis bald.\n";
	struct message m;
	struct buf out;
	struct err e = { 0 };
	unsigned char bin[600], dec[700];
	ssize_t dn;

	buf_init(&out, 0);
	make_message(&m,
		     "Gr\xc3\xbc\xc3\x9f"
		     "e",
		     utf8, sizeof(utf8) - 1);
	ok(compose(&m, &out, &e) == 0, "a UTF-8 body composes");
	ok(strstr(out.data, "\nContent-Type: text/plain; charset=utf-8\n") !=
		   NULL,
	   "UTF-8 text is charset=utf-8");
	ok(strstr(out.data,
		  "\nContent-Transfer-Encoding: quoted-printable\n") != NULL,
	   "mostly ASCII UTF-8 text is quoted-printable");
	is_str(body_of(out.data),
	       "Gr=C3=BC=C3=9Fe aus K=C3=B6ln =3D sch=C3=B6n! The weather is "
	       "fine and the b=\neer is cold.=20\nBis bald.\n",
	       "the quoted-printable body");
	ok(strstr(out.data, "\nSubject: =?UTF-8?") != NULL,
	   "a UTF-8 subject is encoded");
	ok(wire_ok(out.data, out.len), "LF line ends, no line over 998");
	unlink(m.body_path);
	message_finish(&m);

	/* Text with NULs and controls (valid UTF-8, no line breaks). */
	for (size_t i = 0; i < sizeof(bin); i++) {
		bin[i] = (unsigned char)(i % 3 == 0 ? 0 : i % 9 + 1);
	}
	make_message(&m, "binary", bin, sizeof(bin));
	ok(compose(&m, &out, &e) == 0, "a body with NULs composes");
	ok(strstr(out.data, "\nContent-Transfer-Encoding: base64\n") != NULL,
	   "NULs make it base64");
	dn = b64_lines_decode(body_of(out.data), dec, sizeof(dec));
	is_mem(dec, dn < 0 ? 0 : (size_t)dn, bin, sizeof(bin),
	       "the base64 body decodes to the input");
	ok(wire_ok(out.data, out.len), "LF line ends, no line over 998");
	unlink(m.body_path);
	message_finish(&m);

	/* A long ASCII line is not 7bit: quoted-printable folds it. */
	char longline[1200];
	memset(longline, 'w', sizeof(longline));
	longline[sizeof(longline) - 1] = '\n';
	make_message(&m, "long", longline, sizeof(longline));
	ok(compose(&m, &out, &e) == 0, "a 1199-octet line composes");
	ok(strstr(out.data,
		  "\nContent-Transfer-Encoding: quoted-printable\n") != NULL,
	   "a line over 998 octets makes it quoted-printable");
	ok(wire_ok(out.data, out.len), "and no line is over 998");
	unlink(m.body_path);
	message_finish(&m);

	/* A binary attachment is base64 and decodes back. */
	for (size_t i = 0; i < sizeof(bin); i++) {
		bin[i] = (unsigned char)(i * 13 + 7);
	}
	char *att = write_file("data.bin", bin, sizeof(bin));
	make_message(&m, "attachment", "see attached\n", 13);
	ok(message_attach(&m, att, "application/octet-stream", NULL, false,
			  &e) == 0,
	   "message_attach");
	ok(compose(&m, &out, &e) == 0, "a message with an attachment");
	ok(strstr(out.data, "\nContent-Type: multipart/mixed; boundary=\"") !=
		   NULL,
	   "it is multipart/mixed");
	const char *part = strstr(out.data, "Content-Type: application/"
					    "octet-stream");
	ok(part != NULL &&
		   strstr(part, "Content-Transfer-Encoding: "
				"base64\n") != NULL &&
		   strstr(part, "filename=\"data.bin\"") != NULL,
	   "the attachment is base64 with its file name");
	dn = part != NULL ? b64_lines_decode(body_of(part), dec, sizeof(dec))
			  : -1;
	is_mem(dec, dn < 0 ? 0 : (size_t)dn, bin, sizeof(bin),
	       "the attachment decodes to the file");
	ok(wire_ok(out.data, out.len), "LF line ends, no line over 998");
	unlink(att);
	free(att);
	unlink(m.body_path);
	message_finish(&m);
	buf_finish(&out);
}

static void test_boundary(void)
{
	char stem0[STEM_RANDOM + 3], stem1[STEM_RANDOM + 3], want[64];
	char got[64], body[256], line[128];
	struct message m;
	struct buf out;
	struct err e = { 0 };
	char *att = write_file("a.bin", "\x01\x02\x03", 3);

	stem_of_call(0, stem0);
	stem_of_call(1, stem1);
	buf_init(&out, 0);

	/* No collision: the first stem is used. */
	make_message(&m, "b", "plain text\n", 11);
	message_attach(&m, att, "application/octet-stream", NULL, false, &e);
	ok(compose(&m, &out, &e) == 0, "multipart without a collision");
	snprintf(want, sizeof(want), "%s_a", stem0);
	ok(boundary_of(out.data, got, sizeof(got)), "a boundary parameter");
	is_str(got, want, "the boundary is the first stem and \"_a\"");
	snprintf(line, sizeof(line), "--%s", want);
	is_int(count_lines_equal(out.data, line), 2, "two delimiter lines");
	snprintf(line, sizeof(line), "--%s--", want);
	is_int(count_lines_equal(out.data, line), 1, "one close delimiter");
	strlcat(line, "\n", sizeof(line));
	ok(out.len > strlen(line) &&
		   strcmp(out.data + out.len - strlen(line), line) == 0 &&
		   out.data[out.len - strlen(line) - 1] == '\n',
	   "the close delimiter ends the message");
	unlink(m.body_path);
	message_finish(&m);

	/* The body has a line starting with "--" and the first stem: the
	 * boundary must come from the second. */
	snprintf(body, sizeof(body), "before\n--%s_a\nafter\n", stem0);
	make_message(&m, "b", body, strlen(body));
	message_attach(&m, att, "application/octet-stream", NULL, false, &e);
	ok(compose(&m, &out, &e) == 0, "multipart with a collision");
	snprintf(want, sizeof(want), "%s_a", stem1);
	ok(boundary_of(out.data, got, sizeof(got)), "a boundary parameter");
	is_str(got, want, "a colliding stem is replaced by the next one");
	is_int(rnd_calls, 3, "random: two stems and the Message-ID");
	ok(strstr(out.data, body) != NULL, "the body is intact");
	snprintf(line, sizeof(line), "--%s", want);
	is_int(count_lines_equal(out.data, line), 2, "two delimiter lines");
	snprintf(line, sizeof(line), "--%s_a", stem0);
	is_int(count_lines_equal(out.data, line), 1,
	       "the first stem only in the body's own line");
	unlink(m.body_path);
	message_finish(&m);

	/* The stem in the middle of a line is no collision. */
	snprintf(body, sizeof(body), "before --%s_a\n", stem0);
	make_message(&m, "b", body, strlen(body));
	message_attach(&m, att, "application/octet-stream", NULL, false, &e);
	ok(compose(&m, &out, &e) == 0, "the stem mid-line");
	snprintf(want, sizeof(want), "%s_a", stem0);
	ok(boundary_of(out.data, got, sizeof(got)) && strcmp(got, want) == 0,
	   "the stem mid-line keeps the first stem");
	unlink(m.body_path);
	message_finish(&m);

	unlink(att);
	free(att);
	buf_finish(&out);
}

static char *disposition(const char *filename)
{
	struct buf b;
	struct hdr h;
	struct err e = { 0 };

	buf_init(&b, 0);
	hdr_begin(&h, &b, "Content-Disposition");
	hdr_token(&h, "attachment", 10);
	mime_param(&h, "filename", filename);
	if (hdr_end(&h, &e) == -1) {
		diag("hdr_end: %s", e.msg);
	}
	return buf_take(&b);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* RFC 2231 7 attribute-char. */
static bool attr_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL);
}

/* Percent-decodes n characters of s into out; -1 on a bad character. */
static int pct_decode(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				return -1;
			}
			buf_putc(out, (char)(hi << 4 | lo));
			i += 2;
		} else if (attr_char(s[i])) {
			buf_putc(out, s[i]);
		} else {
			return -1;
		}
	}
	return 0;
}

static void test_param(void)
{
	char *f, name[512], *u;
	struct buf all, seg;
	size_t n = 0, nseg = 0;
	bool segs_ok = true, lines_ok = true;

	f = disposition("a.txt");
	is_str(f, "Content-Disposition: attachment; filename=\"a.txt\"\n",
	       "a short ASCII name is quoted");
	free(f);
	f = disposition("say \"hi\".txt");
	is_str(f,
	       "Content-Disposition: attachment; filename=\"say \\\"hi\\\".txt\"\n",
	       "quotes in the name are escaped");
	free(f);
	f = disposition("donn\xc3\xa9"
			"es.csv");
	is_str(f,
	       "Content-Disposition: attachment; "
	       "filename*=UTF-8''donn%C3%A9es.csv\n",
	       "a UTF-8 name is RFC 2231 %-encoded");
	free(f);

	/* 150 characters: "é" every third, so segments could split one. */
	for (int i = 0; i < 150; i++) {
		if (i % 3 == 0) {
			name[n++] = '\xc3';
			name[n++] = '\xa9';
		} else {
			name[n++] = (char)('a' + i % 26);
		}
	}
	strcpy(name + n, ".txt");
	f = disposition(name);
	for (const char *p = f, *nl; (nl = strchr(p, '\n')) != NULL;
	     p = nl + 1) {
		lines_ok = lines_ok && nl - p <= 78;
	}
	ok(lines_ok, "a long name folds to lines of at most 78");
	u = malloc(strlen(f) + 1);
	n = 0;
	for (const char *p = f; *p != '\0'; p++) {
		if (*p != '\n') {
			u[n++] = *p;
		}
	}
	u[n] = '\0';
	buf_init(&all, 0);
	buf_init(&seg, 0);
	/* After "Content-Disposition: attachment;", each parameter is
	 * " filename*K*=VALUE" and ';' but the last. */
	const char *p = strchr(u, ';');
	for (int k = 0; p != NULL && k < 20; k++) {
		char pre[32];
		size_t plen;
		const char *end;

		snprintf(pre, sizeof(pre), "; filename*%d*=%s", k,
			 k == 0 ? "UTF-8''" : "");
		plen = strlen(pre);
		if (strncmp(p, pre, plen) != 0) {
			diag("segment %d: %.40s", k, p);
			segs_ok = false;
			break;
		}
		p += plen;
		end = strchr(p, ';');
		if (end == NULL) {
			end = p + strlen(p);
		}
		buf_reset(&seg);
		if (pct_decode(p, (size_t)(end - p), &seg) == -1) {
			diag("segment %d: bad characters", k);
			segs_ok = false;
		} else if (!utf8_valid(seg.data, seg.len)) {
			diag("segment %d splits a UTF-8 character", k);
			segs_ok = false;
		}
		buf_append(&all, seg.data, seg.len);
		nseg++;
		p = *end == ';' ? end : NULL;
	}
	ok(nseg >= 2, "a 150-character name takes %zu continuations", nseg);
	ok(segs_ok, "filename*0*=UTF-8''..., filename*1*=...: each segment "
		    "is whole UTF-8 characters");
	is_str(all.data, name, "the segments join to the name");
	free(u);
	free(f);
	buf_finish(&all);
	buf_finish(&seg);
}

/* RFC 5322 2.1.1: header lines SHOULD stay within 78 characters, and
 * header.h promises folding to 78 where it can; RFC 2047 2 limits a line
 * with encoded-words to 76. A long UTF-8 attachment name exercises the
 * Content-Type name= and Content-Disposition filename*= writers. */
static void test_long_name(void)
{
	struct message m;
	struct buf out;
	struct err e = { 0 };
	char name[256] = "";
	char *att = write_file("x.bin", "\x01\x02\x03", 3);
	size_t longest = 0;

	for (int i = 0; i < 12; i++) {
		strlcat(name,
			"donn\xc3\xa9"
			"es-",
			sizeof(name));
	}
	strlcat(name, ".csv", sizeof(name));
	buf_init(&out, 0);
	make_message(&m, "x", "text\n", 5);
	ok(message_attach(&m, att, "application/octet-stream", name, false,
			  &e) == 0,
	   "attach with a long UTF-8 name");
	ok(compose(&m, &out, &e) == 0, "compose it");
	for (const char *p = out.data, *nl; (nl = strchr(p, '\n')) != NULL;
	     p = nl + 1) {
		if ((size_t)(nl - p) > longest) {
			longest = (size_t)(nl - p);
		}
		if (nl - p > 78) {
			diag("%zu: %.*s", (size_t)(nl - p), (int)(nl - p), p);
		}
	}
	ok(longest <= 78, "every line is at most 78 characters (longest %zu)",
	   longest);
	unlink(m.body_path);
	message_finish(&m);
	unlink(att);
	free(att);
	buf_finish(&out);
}

static void test_errors(void)
{
	struct message m;
	struct buf out;
	struct err e = { 0 };
	char missing[128];

	buf_init(&out, 0);
	snprintf(missing, sizeof(missing), "%s/no-such-file.pdf", tmpdir);
	make_message(&m, "x", "text\n", 5);
	message_attach(&m, missing, NULL, NULL, false, &e);
	rnd_calls = 0;
	{
		static const struct compose_env env = { NOW, fixed_random };
		struct composition *c = mime_prepare(&m, &env, &e);
		ok(c == NULL, "a missing attachment: mime_prepare fails");
		mime_destroy(c);
	}
	is_int(e.cls, ERR_NOINPUT, "with ERR_NOINPUT");
	if (!ok(strstr(e.msg, missing) != NULL, "the message names the path")) {
		diag("message: %s", e.msg);
	}
	unlink(m.body_path);
	message_finish(&m);

	make_message(&m, "x", "caf\xe9 latin-1\n", 13);
	e.cls = ERR_NONE;
	is_int(compose(&m, &out, &e), -1, "an invalid UTF-8 body fails");
	is_int(e.cls, ERR_DATA, "with ERR_DATA");
	ok(strstr(e.msg, m.body_path) != NULL, "the message names the body");
	is_int(out.len, 0, "nothing is written");
	unlink(m.body_path);
	message_finish(&m);

	make_message(&m, "x", NULL, 0);
	free(m.body_path);
	m.body_empty = false;
	snprintf(missing, sizeof(missing), "%s/no-body.txt", tmpdir);
	m.body_path = xstrdup(missing);
	e.cls = ERR_NONE;
	is_int(compose(&m, &out, &e), -1, "a missing body file fails");
	is_int(e.cls, ERR_NOINPUT, "with ERR_NOINPUT");
	message_finish(&m);

	make_message(&m, "x", "text\n", 5);
	addrlist_finish(&m.to);
	e.cls = ERR_NONE;
	is_int(compose(&m, &out, &e), -1, "no recipient fails");
	is_int(e.cls, ERR_USAGE, "with ERR_USAGE");
	unlink(m.body_path);
	message_finish(&m);
	buf_finish(&out);
}

/* The decoded attachment named "name" in msg; -1 when it is missing. */
static ssize_t attachment_bytes(const char *msg, const char *name,
				unsigned char *out, size_t outsz)
{
	char key[128];
	const char *p;

	snprintf(key, sizeof(key), "filename=\"%s\"", name);
	p = strstr(msg, key);
	return p != NULL ? b64_lines_decode(body_of(p), out, outsz) : -1;
}

/* A file that changes between mime_prepare and mime_write: growth is
 * cut to the bytes prepared and reported; shrinking fails the write, and
 * mime_refresh then takes the file as it is now. */
static void test_changed_file(void)
{
	static const struct compose_env env = { NOW, fixed_random };
	unsigned char data[1000], dec[2000];
	struct message m;
	struct buf out;
	struct buf_sink bs;
	struct err e = { 0 };
	uint64_t kept = 0;
	ssize_t dn;
	int fd;

	for (size_t i = 0; i < sizeof(data); i++) {
		data[i] = (unsigned char)(i * 7 + 1);
	}
	buf_init(&out, 0);
	buf_sink_init(&bs, &out);
	char *att = write_file("grow.bin", data, 600);
	make_message(&m, "changed", "text\n", 5);
	message_attach(&m, att, "application/octet-stream", NULL, false, &e);
	rnd_calls = 0;
	struct composition *c = mime_prepare(&m, &env, &e);
	if (!ok(c != NULL, "prepared with a 600-byte file")) {
		diag("%s", e.msg);
		return;
	}
	ok(mime_grew(c, &kept) == NULL, "nothing has grown yet");

	fd = open(att, O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, data + 600, 400) == 400, "the file grows");
	close(fd);
	is_int(mime_write(c, &bs.sink, &e), 0, "a file that grew: written");
	is_str(mime_grew(c, &kept), att, "mime_grew names it");
	is_int(kept, 600, "with the 600 bytes kept");
	dn = attachment_bytes(out.data, "grow.bin", dec, sizeof(dec));
	is_mem(dec, dn < 0 ? 0 : (size_t)dn, data, 600,
	       "the part holds the first 600 bytes");

	ok(truncate(att, 100) == 0, "the file shrinks");
	buf_reset(&out);
	is_int(mime_write(c, &bs.sink, &e), -1, "a file that shrank: fails");
	is_int(e.cls, ERR_DATA, "with ERR_DATA");
	if (!ok(strstr(e.msg, "shrank while being read (600 bytes, then "
			      "100)") != NULL,
		"naming the sizes")) {
		diag("message: %s", e.msg);
	}
	is_int(mime_refresh(c, &e), 1, "mime_refresh takes one part anew");
	buf_reset(&out);
	is_int(mime_write(c, &bs.sink, &e), 0, "then it is written");
	dn = attachment_bytes(out.data, "grow.bin", dec, sizeof(dec));
	is_mem(dec, dn < 0 ? 0 : (size_t)dn, data, 100,
	       "with the 100 bytes the file has now");
	is_int(mime_refresh(c, &e), 0, "a second refresh changes nothing");
	ok(wire_ok(out.data, out.len), "LF line ends, no line over 998");

	mime_destroy(c);
	unlink(att);
	free(att);
	unlink(m.body_path);
	message_finish(&m);
	buf_finish(&out);
}

int main(void)
{
	plan_lazy();
	setenv("TZ", "UTC", 1);
	tzset();
	if (tap_mkdtemp(tmpdir, sizeof(tmpdir), "test") == -1) {
		return done_testing();
	}
	test_simple();
	test_encodings();
	test_boundary();
	test_param();
	test_long_name();
	test_errors();
	test_changed_file();
	rmdir(tmpdir);
	return done_testing();
}
