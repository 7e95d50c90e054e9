/* Sinks: the DATA filter (RFC 5321 4.5.2 dot-stuffing, 2.3.8 line
 * ends, 4.5.3.1.6 line length) over a buf_sink, byte-exact on small
 * inputs split every which way and against a reference transformation
 * written here on 10 MiB of random input in random chunk sizes; the
 * mboxrd filter; the counting sink. */
#include <stdlib.h>
#include <string.h>

#include "sink.h"
#include "tap.h"

#define BIG_SIZE (10 * 1024 * 1024)
#define LINE_MAX_OCTETS 998 /* RFC 5321 4.5.3.1.6, without the CRLF */

/* One write of a test input: n bytes at p (n 0: strlen(p)). */
struct piece {
	const char *p;
	size_t n;
};

#define P(s)                     \
	{                        \
		s, sizeof(s) - 1 \
	}

/* Runs the pieces through a data_sink into out, then data_sink_end.
 * Returns 0, or -1 with *e filled by the first failure. */
static int data_run(const struct piece *pc, size_t npc, struct buf *out,
		    uint64_t *bytes, struct err *e)
{
	struct buf_sink bs;
	struct data_sink ds;
	int ret = 0;

	buf_reset(out);
	memset(e, 0, sizeof(*e));
	buf_sink_init(&bs, out);
	data_sink_init(&ds, &bs.sink);
	for (size_t i = 0; i < npc && ret == 0; i++) {
		ret = sink_write(&ds.sink, pc[i].p, pc[i].n, e);
	}
	if (bytes != NULL) {
		*bytes = ds.bytes;
	}
	if (ret == 0) {
		ret = data_sink_end(&ds, e);
	}
	data_sink_finish(&ds);
	return ret;
}

static size_t reference_data(const unsigned char *in, size_t n, char *out,
			     uint64_t *bytes);

/* Hand-written cases the reference transformation disagreed with. */
static int reference_wrong;

static void data_is(const struct piece *pc, size_t npc, const char *want,
		    const char *name)
{
	struct buf out, all;
	struct err e;
	uint64_t rbytes;
	int ret;

	/* The reference transformation used on large inputs below must
	 * agree with every case written out by hand. */
	buf_init(&all, 0);
	for (size_t i = 0; i < npc; i++) {
		buf_append(&all, pc[i].p, pc[i].n);
	}
	char *ref = malloc(2 * all.len + 8);
	size_t rn = reference_data((const unsigned char *)all.data, all.len,
				   ref, &rbytes);
	if (rn != strlen(want) || memcmp(ref, want, rn) != 0) {
		diag("the reference transformation disagrees: %s", name);
		reference_wrong++;
	}
	free(ref);
	buf_finish(&all);

	buf_init(&out, 0);
	ret = data_run(pc, npc, &out, NULL, &e);
	if (ret != 0) {
		ok(false, "%s: failed: %s", name, e.msg);
	} else {
		is_mem(out.data, out.len, want, strlen(want), name);
	}
	buf_finish(&out);
}

#define DATA_IS(want, name, ...)                                           \
	do {                                                               \
		const struct piece pcs_[] = { __VA_ARGS__ };               \
		data_is(pcs_, sizeof(pcs_) / sizeof(pcs_[0]), want, name); \
	} while (0)

static void test_line_ends(void)
{
	DATA_IS("a\r\nb\r\n.\r\n", "LF becomes CRLF", P("a\nb\n"));
	DATA_IS("a\r\nb\r\n.\r\n", "bare CR becomes CRLF", P("a\rb\r"));
	DATA_IS("a\r\nb\r\n.\r\n", "CRLF stays one CRLF", P("a\r\nb\r\n"));
	DATA_IS("a\r\nb\r\n.\r\n", "CRLF split across writes stays one CRLF",
		P("a\r"), P("\nb\r"), P("\n"));
	DATA_IS("a\r\nb\r\n.\r\n", "CR, empty write, LF: still one CRLF",
		P("a\r"), P(""), P("\nb\n"));
	DATA_IS("a\r\n\r\nb\r\n.\r\n", "CR CR LF: two line breaks",
		P("a\r\r\nb\n"));
	DATA_IS("a\r\n\r\nb\r\n.\r\n", "LF CR: two line breaks", P("a\n\rb\n"));
	DATA_IS("a\r\n\r\nb\r\n.\r\n", "CRLF LF: two line breaks",
		P("a\r\n\nb\n"));
	DATA_IS("a\r\n\r\nb\r\n.\r\n", "CR, then CR LF in the next write",
		P("a\r"), P("\r\nb\n"));
	DATA_IS("\r\n\r\n\r\n.\r\n", "three empty lines in three forms",
		P("\n\r\r\n"));
	DATA_IS("a\tb \x01\xff\r\n.\r\n", "other bytes pass through",
		P("a\tb \x01\xff\n"));
}

static void test_dots(void)
{
	DATA_IS("..a\r\n.\r\n", "a leading '.' at the very start is doubled",
		P(".a\n"));
	DATA_IS("x\r\n..y\r\n.\r\n", "a '.' after LF is doubled", P("x\n.y\n"));
	DATA_IS("x\r\n..y\r\n.\r\n", "a '.' after CR is doubled", P("x\r.y\r"));
	DATA_IS("x\r\n..y\r\n.\r\n", "a '.' in its own write after LF",
		P("x\n"), P("."), P("y\n"));
	DATA_IS("x\r\n..y\r\n.\r\n", "a '.' in its own write after CR, LF",
		P("x\r"), P("\n"), P("."), P("y\n"));
	DATA_IS("x\r\n..y\r\n.\r\n", "a '.' after a CR split from its LF",
		P("x\r"), P("\n.y\n"));
	DATA_IS("x\r\n..y\r\n.\r\n", "a '.' at the start of a write", P("x\n"),
		P(".y\n"));
	DATA_IS("..\r\n.\r\n", "a line of just '.'", P(".\n"));
	DATA_IS("...\r\n.\r\n", "a line of \"..\": only the first doubled",
		P("..\n"));
	DATA_IS("a.b.\r\n.\r\n", "dots inside a line are left alone",
		P("a.b.\n"));
	DATA_IS("a\r\n..\r\nb\r\n.\r\n",
		"\"\\r\\n.\\r\\n\" in the input cannot end DATA early",
		P("a\r\n.\r\nb\n"));
	DATA_IS("a\r\n..\r\n.\r\n", "input ending in \"\\r\\n.\\r\\n\"",
		P("a\r\n.\r\n"));
	DATA_IS("a\r\n..\r\n.\r\n", "input ending in \"\\n.\"", P("a\n."));
	DATA_IS("a\r\n..\r\n.\r\n", "\"\\r\\n.\\r\\n\" split into single bytes",
		P("a"), P("\r"), P("\n"), P("."), P("\r"), P("\n"));

	/* Only the final line may be a lone dot. */
	struct buf out;
	struct err e;
	const struct piece pc[] = { P(".\r\n.\n.\r.\r\n\r\n.") };
	buf_init(&out, 0);
	data_run(pc, 1, &out, NULL, &e);
	const char *end = strstr(out.data, "\r\n.\r\n");
	ok(end != NULL && (size_t)(end - out.data) == out.len - 5,
	   "\"\\r\\n.\\r\\n\" appears only at the end");
	ok(strncmp(out.data, ".\r\n", 3) != 0,
	   "the output does not start with \".\\r\\n\"");
	buf_finish(&out);
}

static void test_end(void)
{
	DATA_IS("abc\r\n.\r\n",
		"data_sink_end adds CRLF when the input lacks a line break",
		P("abc"));
	DATA_IS("abc\r\n.\r\n", "... but not after a final LF", P("abc\n"));
	DATA_IS("abc\r\n.\r\n", "... nor after a final CR", P("abc\r"));
	DATA_IS("abc\r\n.\r\n", "... nor after a final CRLF", P("abc\r\n"));
	DATA_IS("a\r\n\r\n.\r\n", "an empty last line is kept", P("a\n\n"));
	DATA_IS(".\r\n", "empty input: just \".\\r\\n\"", P(""));

	/* sink_flush pushes everything on without ending DATA. */
	struct buf out;
	struct buf_sink bs;
	struct data_sink ds;
	struct err e = { 0 };
	buf_init(&out, 0);
	buf_sink_init(&bs, &out);
	data_sink_init(&ds, &bs.sink);
	sink_write(&ds.sink, "a\n.b", 4, &e);
	is_int(sink_flush(&ds.sink, &e), 0, "sink_flush on a data_sink");
	is_mem(out.data, out.len, "a\r\n..b", 6,
	       "... pushes the converted bytes on, nothing added");
	sink_write(&ds.sink, "c", 1, &e);
	is_int(data_sink_end(&ds, &e), 0, "data_sink_end after a flush");
	is_mem(out.data, out.len, "a\r\n..bc\r\n.\r\n", 12,
	       "... the line goes on where it was");
	data_sink_finish(&ds);
	buf_finish(&out);
}

static void test_line_length(void)
{
	char *line = malloc(2 * LINE_MAX_OCTETS + 16);
	struct buf out;
	struct err e;
	int ret;

	buf_init(&out, 0);
	memset(line, 'x', 2 * LINE_MAX_OCTETS + 16);

	struct piece p998[] = { { line, LINE_MAX_OCTETS }, P("\n") };
	ret = data_run(p998, 2, &out, NULL, &e);
	is_int(ret, 0, "a line of 998 octets is fine");
	is_int(out.len, LINE_MAX_OCTETS + 2 + 3, "... 998 + CRLF + .CRLF");

	struct piece p999[] = { { line, LINE_MAX_OCTETS + 1 }, P("\n") };
	ret = data_run(p999, 2, &out, NULL, &e);
	is_int(ret, -1, "a line of 999 octets is refused");
	is_int(e.cls, ERR_DATA, "... as ERR_DATA");

	struct piece p999u[] = { { line, LINE_MAX_OCTETS + 1 } };
	ret = data_run(p999u, 1, &out, NULL, &e);
	is_int(ret, -1, "999 octets without a line break are refused");
	is_int(e.cls, ERR_DATA, "... as ERR_DATA");

	struct piece split[] = { { line, 500 }, { line, 498 }, P("\n") };
	ret = data_run(split, 3, &out, NULL, &e);
	is_int(ret, 0, "998 octets in two writes are fine");

	struct piece split9[] = { { line, 500 }, { line, 499 }, P("\n") };
	ret = data_run(split9, 3, &out, NULL, &e);
	is_int(ret, -1, "999 octets in two writes are refused");
	is_int(e.cls, ERR_DATA, "... as ERR_DATA");

	struct piece many[LINE_MAX_OCTETS + 2];
	for (size_t i = 0; i < LINE_MAX_OCTETS + 1; i++) {
		many[i].p = "x";
		many[i].n = 1;
	}
	ret = data_run(many, LINE_MAX_OCTETS, &out, NULL, &e);
	is_int(ret, 0, "998 one-byte writes are fine");
	ret = data_run(many, LINE_MAX_OCTETS + 1, &out, NULL, &e);
	is_int(ret, -1, "999 one-byte writes are refused");
	is_int(e.cls, ERR_DATA, "... as ERR_DATA");

	struct piece two[] = { { line, LINE_MAX_OCTETS }, P("\r\n"),
			       { line, LINE_MAX_OCTETS }, P("\r"),
			       { line, LINE_MAX_OCTETS }, P("\n"),
			       { line, LINE_MAX_OCTETS } };
	ret = data_run(two, 7, &out, NULL, &e);
	is_int(ret, 0, "four lines of 998 octets: each line counts alone");
	is_int(out.len, 4 * (LINE_MAX_OCTETS + 2) + 3,
	       "... all of them written");

	/* RFC 5321 4.5.3.1.6: the doubled leading dot does not count. */
	line[0] = '.';
	struct piece dot[] = { { line, LINE_MAX_OCTETS }, P("\n") };
	ret = data_run(dot, 2, &out, NULL, &e);
	is_int(ret, 0, "a 998-octet line starting with '.' is fine");
	is_int(out.len, LINE_MAX_OCTETS + 1 + 2 + 3,
	       "... and its '.' is doubled");
	ok(out.len > 2 && out.data[0] == '.' && out.data[1] == '.' &&
		   out.data[2] == 'x',
	   "... at the start");
	buf_finish(&out);
	free(line);
}

static void test_bytes(void)
{
	struct buf out;
	struct err e;
	uint64_t bytes = 0;
	const struct piece pc[] = { P("a\n.b\r\nc\r") };
	const struct piece pc2[] = { P("a\r"), P("\n"), P("..\n") };

	buf_init(&out, 0);
	data_run(pc, 1, &out, &bytes, &e);
	is_int(bytes, 10, "bytes: converted octets, stuffed dots excluded");
	data_run(pc2, 3, &out, &bytes, &e);
	is_int(bytes, 3 + 4, "bytes: a split CRLF counted once");
	buf_finish(&out);
}

/* The reference DATA transformation: split the input into lines at
 * CRLF, CR or LF; write each with a '.' before a leading '.', then
 * CRLF; a last line without a line break gets one; then ".\r\n".
 * Returns the output length; *bytes gets the converted length without
 * stuffed dots and without what the end adds. */
static size_t reference_data(const unsigned char *in, size_t n, char *out,
			     uint64_t *bytes)
{
	size_t o = 0, i = 0, stuffed = 0;
	bool broken = false; /* the input's last line had a line break */

	while (i < n) {
		size_t start = i;

		while (i < n && in[i] != '\r' && in[i] != '\n') {
			i++;
		}
		if (i > start && in[start] == '.') {
			out[o++] = '.';
			stuffed++;
		}
		memcpy(out + o, in + start, i - start);
		o += i - start;
		out[o++] = '\r';
		out[o++] = '\n';
		broken = i < n;
		if (i < n && in[i] == '\r' && i + 1 < n && in[i + 1] == '\n') {
			i += 2;
		} else if (i < n) {
			i++;
		}
	}
	*bytes = o - stuffed - (n > 0 && !broken ? 2 : 0);
	memcpy(out + o, ".\r\n", 3);
	return o + 3;
}

/* Random text: mostly letters, with dots (often leading ones) and any
 * byte but CR and LF; each line ends in LF, CR or CRLF once it reaches
 * a length drawn for it: up to 60 octets mostly, up to 998 sometimes,
 * exactly 998 now and then. */
static void random_text(struct tap_rng *rng, unsigned char *p, size_t n)
{
	size_t line = 0, target = 80;

	for (size_t i = 0; i < n; i++) {
		unsigned r = (unsigned)(tap_rand(rng) % 1000);
		unsigned char c;

		if (line >= target) {
			if (r % 3 == 0 && i + 1 < n) {
				p[i++] = '\r';
				c = '\n';
			} else {
				c = r % 3 == 1 ? '\r' : '\n';
			}
			line = 0;
			r = (unsigned)(tap_rand(rng) % 100);
			if (r < 5) {
				target = LINE_MAX_OCTETS;
			} else if (r < 30) {
				target =
					tap_rand_range(rng, 0, LINE_MAX_OCTETS);
			} else {
				target = tap_rand_range(rng, 0, 60);
			}
		} else if (r < 30 || (line == 0 && r < 150)) {
			c = '.';
			line++;
		} else if (r < 60) {
			c = (unsigned char)tap_rand(rng);
			if (c == '\r' || c == '\n') {
				c = ' ';
			}
			line++;
		} else {
			c = (unsigned char)('a' + r % 26);
			line++;
		}
		p[i] = c;
	}
}

static void test_big(void)
{
	is_int(reference_wrong, 0,
	       "the reference transformation agrees with every case above");

	struct tap_rng rng = { 0x853c49e6748fea9bULL };
	unsigned char *in = malloc(BIG_SIZE);
	char *want = malloc(2 * (size_t)BIG_SIZE + 8);
	struct buf out;
	struct buf_sink bs;
	struct data_sink ds;
	struct err e = { 0 };
	uint64_t want_bytes;
	size_t wn, i = 0, writes = 0;
	int ret = 0;
	static const size_t maxchunks[] = { 1,    7,     100,
					    4096, 70000, SINK_BUF_SIZE + 1000 };

	random_text(&rng, in, BIG_SIZE);
	wn = reference_data(in, BIG_SIZE, want, &want_bytes);
	buf_init(&out, 0);
	buf_sink_init(&bs, &out);
	data_sink_init(&ds, &bs.sink);
	while (i < BIG_SIZE && ret == 0) {
		/* Runs of chunks of one size class, so that the one-byte
		 * class does not dominate the count. */
		size_t maxchunk = maxchunks[tap_rand(&rng) % 6];
		size_t run = maxchunk == 1 ? 2000 : 50;

		for (size_t k = 0; k < run && i < BIG_SIZE && ret == 0; k++) {
			size_t c = tap_rand_range(&rng, 0, maxchunk);

			if (c > BIG_SIZE - i) {
				c = BIG_SIZE - i;
			}
			ret = sink_write(&ds.sink, in + i, c, &e);
			i += c;
			writes++;
		}
	}
	if (!is_int(ret, 0, "10 MiB of random text in random chunks")) {
		diag("%s", e.msg);
	}
	is_int(ds.bytes, want_bytes, "bytes equals the reference count");
	is_int(data_sink_end(&ds, &e), 0, "data_sink_end");
	ok(out.len == wn && memcmp(out.data, want, wn) == 0,
	   "%zu writes: output equals the reference transformation", writes);
	if (out.len != wn || memcmp(out.data, want, wn) != 0) {
		is_mem(out.data, out.len, want, wn, "output");
	}
	data_sink_finish(&ds);

	/* The same input in one write, and ending without a line break. */
	in[BIG_SIZE - 1] = 'z';
	wn = reference_data(in, BIG_SIZE, want, &want_bytes);
	const struct piece one[] = { { (const char *)in, BIG_SIZE } };
	uint64_t bytes;
	ret = data_run(one, 1, &out, &bytes, &e);
	is_int(ret, 0, "10 MiB in one write");
	ok(out.len == wn && memcmp(out.data, want, wn) == 0,
	   "... output equals the reference transformation");
	is_int(bytes, want_bytes, "... bytes equals the reference count");
	buf_finish(&out);
	free(in);
	free(want);
}

/* Runs the pieces through an mbox_sink into a buffer; flushes when
 * flush is set. */
static void mbox_is(const struct piece *pc, size_t npc, bool flush,
		    const char *want, const char *name)
{
	struct buf out;
	struct buf_sink bs;
	struct mbox_sink ms;
	struct err e = { 0 };
	int ret = 0;

	buf_init(&out, 0);
	buf_sink_init(&bs, &out);
	mbox_sink_init(&ms, &bs.sink);
	for (size_t i = 0; i < npc && ret == 0; i++) {
		ret = sink_write(&ms.sink, pc[i].p, pc[i].n, &e);
	}
	if (ret == 0 && flush) {
		ret = sink_flush(&ms.sink, &e);
	}
	if (ret != 0) {
		ok(false, "%s: failed: %s", name, e.msg);
	} else {
		is_mem(out.data != NULL ? out.data : "", out.len, want,
		       strlen(want), name);
	}
	buf_finish(&out);
}

#define MBOX_IS(flush, want, name, ...)                                    \
	do {                                                               \
		const struct piece pcs_[] = { __VA_ARGS__ };               \
		mbox_is(pcs_, sizeof(pcs_) / sizeof(pcs_[0]), flush, want, \
			name);                                             \
	} while (0)

static void test_mbox(void)
{
	MBOX_IS(true, ">From x\n", "\"From x\" gets a '>'", P("From x\n"));
	MBOX_IS(true, ">>From x\n", "\">From x\" gets another '>'",
		P(">From x\n"));
	MBOX_IS(true, ">>>From x\n", "\">>From x\" gets another '>'",
		P(">>From x\n"));
	MBOX_IS(true, "a\n>From x\nb\n", "a \"From \" line after another",
		P("a\nFrom x\nb\n"));
	MBOX_IS(true, ">From \n", "\"From \" ending the line", P("From \n"));
	MBOX_IS(true, "Fromx\n", "\"From\" without a space is left alone",
		P("Fromx\n"));
	MBOX_IS(true, "From\n", "\"From\" ending the line is left alone",
		P("From\n"));
	MBOX_IS(true, ">From\n", "\">From\" ending the line is left alone",
		P(">From\n"));
	MBOX_IS(true, " From x\n", "\" From \" is left alone", P(" From x\n"));
	MBOX_IS(true, "a From x\n", "\"From \" mid-line is left alone",
		P("a From x\n"));
	MBOX_IS(true, "> From x\n", "\"> From \" is left alone",
		P("> From x\n"));
	MBOX_IS(true, "from x\n", "lower-case \"from \" is left alone",
		P("from x\n"));
	MBOX_IS(true, "FroFrom x\n", "\"From \" after a partial match",
		P("FroFrom x\n"));
	MBOX_IS(true, "x>From y\n", "\">From \" mid-line is left alone",
		P("x>From y\n"));
	MBOX_IS(true, ">From x\n>From y\n", "two \"From \" lines",
		P("From x\nFrom y\n"));
	MBOX_IS(true, ">From x\n", "\"From \" split across two writes", P("Fr"),
		P("om x\n"));
	MBOX_IS(true, ">From x\n", "\"From \" split before the space",
		P("From"), P(" x\n"));
	MBOX_IS(true, "a\n>From x\n", "\"From \" one byte a write", P("a\n"),
		P("F"), P("r"), P("o"), P("m"), P(" "), P("x\n"));
	MBOX_IS(true, ">>From x\n", "'>' and \"From \" in separate writes",
		P(">"), P("From x\n"));
	MBOX_IS(true, "a\n>From x\n", "the line break in the write before",
		P("a\n"), P("From x\n"));
	MBOX_IS(true, "Fromage\n", "a partial match split, then a miss",
		P("From"), P("age\n"));
	MBOX_IS(false, "a\n", "a partial \"Fro\" at the end is held back",
		P("a\nFro"));
	MBOX_IS(true, "a\nFro", "... and sink_flush writes it", P("a\nFro"));
	MBOX_IS(true, ">>From", "a held \">>From\" is flushed as it was",
		P(">>From"));
	MBOX_IS(true, "", "empty input", P(""));

	/* A long input crosses the filter's internal block size. */
	enum { LINES = 5000 };
	struct buf in, want;
	buf_init(&in, 0);
	buf_init(&want, 0);
	for (int i = 0; i < LINES; i++) {
		buf_printf(&in, "%sFrom line %d\nplain %d\n",
			   i % 3 == 0   ? ""
			   : i % 3 == 1 ? ">"
					: ">>",
			   i, i);
		buf_printf(&want, ">%sFrom line %d\nplain %d\n",
			   i % 3 == 0   ? ""
			   : i % 3 == 1 ? ">"
					: ">>",
			   i, i);
	}
	const struct piece big[] = { { in.data, in.len } };
	mbox_is(big, 1, true, want.data, "5000 \"From \" lines in one write");
	buf_finish(&in);
	buf_finish(&want);
}

static void test_count(void)
{
	struct count_sink cs;
	struct err e = { 0 };

	count_sink_init(&cs);
	is_int(cs.bytes, 0, "count_sink starts at 0 bytes");
	is_int(cs.lines, 0, "... and 0 lines");
	sink_write(&cs.sink, "a\nbc\n", 5, &e);
	is_int(cs.bytes, 5, "\"a\\nbc\\n\": 5 bytes");
	is_int(cs.lines, 2, "\"a\\nbc\\n\": 2 lines");
	sink_write(&cs.sink, "", 0, &e);
	sink_write(&cs.sink, "d", 1, &e);
	is_int(cs.bytes, 6, "writes add up: 6 bytes");
	is_int(cs.lines, 2, "a line without LF is not counted yet");
	sink_puts(&cs.sink, "\n\n\n", &e);
	is_int(cs.bytes, 9, "sink_puts: 9 bytes");
	is_int(cs.lines, 5, "sink_puts: 5 lines");
	is_int(sink_flush(&cs.sink, &e), 0, "sink_flush on a count_sink");
	is_int(cs.bytes, 9, "... changes nothing");

	/* The wire size promise: bytes + lines is the size after LF ->
	 * CRLF, as the DATA filter makes it (no leading dots here). */
	static const char msg[] = "Subject: x\n\nline one\nline two\n";
	struct buf out;
	struct err de;
	uint64_t bytes;
	const struct piece pc[] = { P(msg) };
	count_sink_init(&cs);
	sink_write(&cs.sink, msg, sizeof(msg) - 1, &e);
	buf_init(&out, 0);
	data_run(pc, 1, &out, &bytes, &de);
	is_int(cs.bytes + cs.lines, bytes,
	       "count bytes + lines = DATA's converted size");
	buf_finish(&out);
}

int main(void)
{
	plan_lazy();
	test_line_ends();
	test_dots();
	test_end();
	test_line_length();
	test_bytes();
	test_big();
	test_mbox();
	test_count();
	return done_testing();
}
