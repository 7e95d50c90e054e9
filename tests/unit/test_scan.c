/* The scan that picks a transfer encoding: the 7bit decision (RFC 2045
 * 2.7, RFC 5322 2.1.1), line breaks, UTF-8 validity (RFC 3629 4), the
 * boundary-prefix watch, and the quoted-printable/base64 preference. */
#include <stdlib.h>
#include <string.h>

#include "scan.h"
#include "tap.h"

static void scan_all(struct scan *s, const char *prefix, const void *p,
		     size_t n)
{
	scan_init(s, prefix);
	scan_update(s, p, n);
	scan_final(s);
}

/* Scans p one byte per update call. */
static void scan_bytewise(struct scan *s, const char *prefix, const void *p,
			  size_t n)
{
	const unsigned char *b = p;

	scan_init(s, prefix);
	for (size_t i = 0; i < n; i++) {
		scan_update(s, b + i, 1);
	}
	scan_final(s);
}

static void test_7bit(void)
{
	struct scan s;
	char *line = malloc(1001);

	scan_all(&s, NULL, "Hello world\nSecond line\n", 24);
	ok(scan_is_7bit(&s), "short ASCII lines are 7bit");
	is_int(s.bytes, 24, "bytes counted");
	is_int(s.lines, 2, "two line breaks");
	is_int(s.max_line, 11, "longest line 11");
	ok(s.ends_in_break, "ends in a line break");
	ok(s.utf8_ok, "ASCII is valid UTF-8");

	scan_all(&s, NULL, "tab\there\fform feed", 18);
	ok(scan_is_7bit(&s), "TAB and FF are allowed in 7bit text");
	ok(!s.ends_in_break, "does not end in a line break");

	scan_all(&s, NULL, "", 0);
	ok(scan_is_7bit(&s), "empty input is 7bit");

	memset(line, 'a', 1000);
	line[998] = '\n';
	scan_all(&s, NULL, line, 999);
	is_int(s.max_line, 998, "a 998-octet line");
	ok(scan_is_7bit(&s), "a 998-octet line is still 7bit");

	memset(line, 'a', 1000);
	line[999] = '\n';
	scan_all(&s, NULL, line, 1000);
	is_int(s.max_line, 999, "a 999-octet line");
	ok(!scan_is_7bit(&s), "a 999-octet line is not 7bit (RFC 5322 2.1.1)");

	scan_all(&s, NULL, line, 999);
	ok(!scan_is_7bit(&s), "a 999-octet last line without LF is not 7bit");

	scan_all(&s, NULL, "a\0b\n", 4);
	is_int(s.nul, 1, "one NUL counted");
	ok(!scan_is_7bit(&s), "a NUL is not 7bit");

	scan_all(&s, NULL, "caf\xc3\xa9\n", 6);
	is_int(s.eight_bit, 2, "two 8-bit bytes counted");
	ok(!scan_is_7bit(&s), "an 8-bit byte is not 7bit");

	scan_all(&s, NULL, "bell\a\n", 6);
	is_int(s.ctl, 1, "BEL counted as a control");
	ok(!scan_is_7bit(&s), "a control character is not 7bit");

	scan_all(&s, NULL, "del\x7f\n", 5);
	is_int(s.ctl, 1, "DEL counted as a control");
	ok(!scan_is_7bit(&s), "DEL is not 7bit");
	free(line);
}

static void test_line_breaks(void)
{
	static const char mixed[] = "a\r\nbb\rccc\n";
	struct scan s;

	scan_all(&s, NULL, mixed, sizeof(mixed) - 1);
	is_int(s.lines, 3, "CRLF, CR and LF are one line break each");
	is_int(s.max_line, 3, "max_line across a\\r\\nbb\\rccc\\n is 3");
	ok(s.cr, "CR seen");
	ok(s.ends_in_break, "ends in a break");
	is_int(s.ctl, 0, "CR and LF are not counted as controls");

	scan_bytewise(&s, NULL, mixed, sizeof(mixed) - 1);
	is_int(s.lines, 3,
	       "byte by byte: CRLF split across calls is one break");
	is_int(s.max_line, 3, "byte by byte: max_line 3");

	scan_all(&s, NULL, "\r\n\r\n", 4);
	is_int(s.lines, 2, "two CRLFs are two breaks");
	is_int(s.max_line, 0, "empty lines");

	scan_all(&s, NULL, "\n\r", 2);
	is_int(s.lines, 2, "LF CR is two breaks");

	scan_all(&s, NULL, "abc\ndefgh", 9);
	is_int(s.max_line, 5, "an unterminated last line counts");
	ok(!s.cr, "no CR");
}

struct utf8_case {
	const char *name;
	const char *bytes;
	size_t n;
	bool valid;
	uint64_t bad_lo, bad_hi; /* where utf8_bad_at may point */
};

static void test_utf8(void)
{
	static const struct utf8_case cases[] = {
		{ "2-byte \xc3\xa9", "caf\xc3\xa9", 5, true, 0, 0 },
		{ "3-byte \xe2\x82\xac", "\xe2\x82\xac 5", 5, true, 0, 0 },
		{ "4-byte U+1F600", "x\xf0\x9f\x98\x80y", 6, true, 0, 0 },
		{ "U+10FFFF", "\xf4\x8f\xbf\xbf", 4, true, 0, 0 },
		{ "U+FFFF", "\xef\xbf\xbf", 3, true, 0, 0 },
		{ "U+0800", "\xe0\xa0\x80", 3, true, 0, 0 },
		{ "overlong C0 80", "ab\xc0\x80", 4, false, 2, 2 },
		{ "overlong C1 BF", "\xc1\xbf", 2, false, 0, 0 },
		{ "overlong E0 80 80", "\xe0\x80\x80", 3, false, 0, 1 },
		{ "overlong F0 80 80 80", "\xf0\x80\x80\x80", 4, false, 0, 1 },
		{ "surrogate ED A0 80", "ok \xed\xa0\x80", 6, false, 3, 4 },
		{ "surrogate ED BF BF", "\xed\xbf\xbf", 3, false, 0, 1 },
		{ "over U+10FFFF F4 90 80 80", "a\xf4\x90\x80\x80", 5, false, 1,
		  2 },
		{ "F5 lead byte", "\xf5\x80\x80\x80", 4, false, 0, 0 },
		{ "FF byte", "ab\xff", 3, false, 2, 2 },
		{ "lone continuation", "a\x80", 2, false, 1, 1 },
		{ "lead then ASCII",
		  "\xc3"
		  "a",
		  2, false, 1, 1 },
		{ "truncated 2-byte at end", "abc\xc3", 4, false, 3, 4 },
		{ "truncated 4-byte at end", "abc\xf0\x9f\x98", 6, false, 3,
		  6 },
	};
	struct scan s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct utf8_case *c = &cases[i];

		scan_all(&s, NULL, c->bytes, c->n);
		if (c->valid) {
			ok(s.utf8_ok, "valid UTF-8: %s", c->name);
			continue;
		}
		ok(!s.utf8_ok, "invalid UTF-8: %s", c->name);
		ok(s.utf8_bad_at >= c->bad_lo && s.utf8_bad_at <= c->bad_hi,
		   "%s: utf8_bad_at %llu in [%llu, %llu]", c->name,
		   (unsigned long long)s.utf8_bad_at,
		   (unsigned long long)c->bad_lo,
		   (unsigned long long)c->bad_hi);
		/* The same verdict byte by byte. */
		scan_bytewise(&s, NULL, c->bytes, c->n);
		ok(!s.utf8_ok && s.utf8_bad_at >= c->bad_lo &&
			   s.utf8_bad_at <= c->bad_hi,
		   "%s: same verdict byte by byte", c->name);
	}

	/* Valid multi-byte characters split across update calls. */
	static const char text[] = "\xd0\x9f\xd1\x80\xd0\xb8 \xe4\xb8\xad "
				   "\xf0\x9f\x98\x80!";
	bool all_ok = true;
	for (size_t cut = 0; cut <= sizeof(text) - 1; cut++) {
		scan_init(&s, NULL);
		scan_update(&s, text, cut);
		scan_update(&s, text + cut, sizeof(text) - 1 - cut);
		scan_final(&s);
		all_ok = all_ok && s.utf8_ok;
	}
	ok(all_ok, "valid UTF-8 cut at every offset stays valid");
	scan_bytewise(&s, NULL, text, sizeof(text) - 1);
	ok(s.utf8_ok, "valid UTF-8 byte by byte stays valid");
	is_int(s.eight_bit, 13, "8-bit bytes counted");

	/* A sequence cut short by the end of one update and continued
	 * with a bad byte in the next. */
	scan_init(&s, NULL);
	scan_update(&s, "ab\xe2\x82", 4);
	ok(s.utf8_ok, "an unfinished sequence is not invalid yet");
	scan_update(&s, "x", 1);
	scan_final(&s);
	ok(!s.utf8_ok, "continued with ASCII it is invalid");
	is_int(s.utf8_bad_at, 4, "the bad byte is the 'x' at offset 4");

	/* Truncated at the very end: only scan_final can tell. */
	scan_init(&s, NULL);
	scan_update(&s, "ab\xe2\x82", 4);
	scan_final(&s);
	ok(!s.utf8_ok, "a sequence cut by the end of input is invalid");

	/* The first error is kept. */
	scan_all(&s, NULL,
		 "a\xff"
		 "b\xc0\x80",
		 5);
	is_int(s.utf8_bad_at, 1, "utf8_bad_at is the first invalid byte");
}

static void test_prefix(void)
{
	static const char pfx[] = "--=_abc";
	struct scan s;

	scan_all(&s, pfx, "--=_abc\n", 8);
	ok(s.prefix_hit, "a first line starting with the prefix");

	scan_all(&s, pfx, "hello\n--=_abcdef\nbye\n", 21);
	ok(s.prefix_hit, "a later line starting with the prefix");

	scan_all(&s, pfx, "hello --=_abc\n", 14);
	ok(!s.prefix_hit, "the prefix in the middle of a line is no hit");

	scan_all(&s, pfx, " --=_abc\n", 9);
	ok(!s.prefix_hit, "the prefix after a space is no hit");

	scan_all(&s, pfx, "--=_ab\nc\n", 9);
	ok(!s.prefix_hit, "the prefix broken by a line break is no hit");

	scan_all(&s, pfx, "--=_ab", 6);
	ok(!s.prefix_hit, "a partial prefix at the end is no hit");

	scan_all(&s, pfx, "x\r--=_abc", 9);
	ok(s.prefix_hit, "after a bare CR");

	scan_all(&s, pfx, "x\r\n--=_abc", 10);
	ok(s.prefix_hit, "after CRLF");

	scan_all(&s, pfx, "---=_abc\n", 9);
	ok(!s.prefix_hit, "a near miss is no hit");

	scan_all(&s, NULL, "--=_abc\n", 8);
	ok(!s.prefix_hit, "no prefix, no hit");

	/* Split across updates at every offset. */
	static const char text[] = "line one\n--=_abc--\n";
	bool all_hit = true;
	for (size_t cut = 0; cut <= sizeof(text) - 1; cut++) {
		scan_init(&s, pfx);
		scan_update(&s, text, cut);
		scan_update(&s, text + cut, sizeof(text) - 1 - cut);
		scan_final(&s);
		all_hit = all_hit && s.prefix_hit;
	}
	ok(all_hit, "a prefix split across updates at every offset is a hit");
	scan_bytewise(&s, pfx, text, sizeof(text) - 1);
	ok(s.prefix_hit, "a prefix fed byte by byte is a hit");

	static const char mid[] = "line one --=_abc--\n";
	bool none = true;
	for (size_t cut = 0; cut <= sizeof(mid) - 1; cut++) {
		scan_init(&s, pfx);
		scan_update(&s, mid, cut);
		scan_update(&s, mid + cut, sizeof(mid) - 1 - cut);
		scan_final(&s);
		none = none && !s.prefix_hit;
	}
	ok(none, "a mid-line prefix split at any offset is no hit");
}

static void test_prefers_qp(void)
{
	struct tap_rng rng = { 0xda942042e4dd58b5ULL };
	enum { N = 10000 };
	unsigned char *buf = malloc(N);
	struct scan s;

	for (size_t i = 0; i < N; i++) {
		/* French-like text: one accented letter in about 20. */
		buf[i] = (unsigned char)("abcdefghijklmnopqrstuvwxyz  .\n"
						 [tap_rand_range(&rng, 0, 29)]);
		if (i + 1 < N && tap_rand_range(&rng, 0, 19) == 0) {
			buf[i++] = 0xc3;
			buf[i] = 0xa9;
		}
	}
	scan_all(&s, NULL, buf, N);
	ok(s.utf8_ok, "the mostly ASCII text is valid UTF-8");
	ok(!scan_is_7bit(&s), "it is not 7bit");
	ok(scan_prefers_qp(&s), "mostly ASCII prefers quoted-printable");

	for (size_t i = 0; i < N; i++) {
		buf[i] = (unsigned char)tap_rand(&rng);
	}
	scan_all(&s, NULL, buf, N);
	ok(!scan_prefers_qp(&s), "random bytes prefer base64");

	memset(buf, 0xe9, N);
	scan_all(&s, NULL, buf, N);
	is_int(s.qp_escaped, N, "every 8-bit byte needs an escape");
	ok(!scan_prefers_qp(&s), "all 8-bit prefers base64");

	scan_all(&s, NULL, "a=b", 3);
	is_int(s.qp_escaped, 1, "'=' needs a quoted-printable escape");
	free(buf);
}

int main(void)
{
	plan_lazy();
	test_7bit();
	test_line_breaks();
	test_utf8();
	test_prefix();
	test_prefers_qp();
	return done_testing();
}
