/* Quoted-printable (RFC 2045 6.7): the rules one by one on small inputs,
 * then random text through the encoder in random chunk sizes, checked
 * line by line and decoded by an independent decoder written here. */
#include <stdlib.h>
#include <string.h>

#include "qp.h"
#include "tap.h"

#define RANDOM_ROUNDS 300
#define RANDOM_MAX 4000

static size_t encode(const void *in, size_t n, char *out)
{
	struct qpenc st;
	size_t o;

	qpenc_init(&st);
	o = qpenc_update(&st, in, n, out);
	return o + qpenc_final(&st, out + o);
}

/* Encodes in chunks of random size (0..maxchunk), checking the bound
 * QP_ENCODE_BOUND of each update. */
static size_t encode_chunks(const unsigned char *in, size_t n,
			    struct tap_rng *rng, size_t maxchunk, char *out,
			    bool *bound_ok)
{
	struct qpenc st;
	size_t o = 0, i = 0, f;

	qpenc_init(&st);
	while (i < n) {
		size_t c = tap_rand_range(rng, 0, maxchunk), w;

		if (c > n - i) {
			c = n - i;
		}
		w = qpenc_update(&st, in + i, c, out + o);
		if (w > QP_ENCODE_BOUND(c)) {
			*bound_ok = false;
		}
		o += w;
		i += c;
	}
	f = qpenc_final(&st, out + o);
	if (f > 4) {
		*bound_ok = false;
	}
	return o + f;
}

static int hexval(char c)
{
	/* RFC 2045 6.7 (1): "Uppercase letters must be used". */
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* A strict RFC 2045 6.7 decoder: "=XX" is a byte, "=" LF a soft line
 * break, LF a hard one, every other character must be one that may
 * stand for itself (rule 2), and no line may end in white space (rule
 * 3) or exceed 76 characters (rule 5). Returns the decoded length, or
 * -1 with *why set. */
static ssize_t qp_decode(const char *in, size_t n, unsigned char *out,
			 const char **why)
{
	size_t o = 0, col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '\n') {
			if (i > 0 && (in[i - 1] == ' ' || in[i - 1] == '\t')) {
				*why = "white space at the end of a line";
				return -1;
			}
			out[o++] = '\n';
			col = 0;
			continue;
		}
		if (c == '=') {
			if (i + 1 < n && in[i + 1] == '\n') {
				if (col + 1 > QP_LINE_MAX) {
					*why = "soft break past column 76";
					return -1;
				}
				i++;
				col = 0;
				continue;
			}
			if (i + 2 >= n) {
				*why = "truncated escape";
				return -1;
			}
			int hi = hexval(in[i + 1]), lo = hexval(in[i + 2]);
			if (hi < 0 || lo < 0) {
				*why = "bad escape";
				return -1;
			}
			out[o++] = (unsigned char)(hi << 4 | lo);
			col += 3;
			i += 2;
		} else if ((c >= 33 && c <= 126) || c == ' ' || c == '\t') {
			out[o++] = c;
			col++;
		} else {
			*why = "a character that must be escaped";
			return -1;
		}
		if (col > QP_LINE_MAX) {
			*why = "line longer than 76 characters";
			return -1;
		}
	}
	if (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t')) {
		*why = "white space at the end of the output";
		return -1;
	}
	return (ssize_t)o;
}

/* Longest line of s, not counting its LF. */
static size_t max_line(const char *s, size_t n)
{
	size_t best = 0, cur = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			cur = 0;
			continue;
		}
		if (++cur > best) {
			best = cur;
		}
	}
	return best;
}

static void check_exact(const char *in, size_t n, const char *want,
			const char *name)
{
	char out[QP_ENCODE_BOUND(256) + 4];
	size_t len;

	if (n > 256) {
		ok(false, "%s: test input too long", name);
		return;
	}
	len = encode(in, n, out);
	is_mem(out, len, want, strlen(want), name);
}

static void test_rules(void)
{
	/* Rule 2: printable ASCII but '=' stands for itself. */
	check_exact("Hello, world!", 13, "Hello, world!", "plain ASCII as is");
	check_exact("~!\"#$%&'()*+,-./:;<>?@[\\]^_`{|}", 31,
		    "~!\"#$%&'()*+,-./:;<>?@[\\]^_`{|}",
		    "printable punctuation as is");
	/* Rule 1: '=' and 8-bit bytes as =XX, upper-case hex. */
	check_exact("a=b", 3, "a=3Db", "'=' becomes =3D");
	check_exact("\xe9t\xc3\xa9", 4, "=E9t=C3=A9",
		    "8-bit bytes become =XX in upper case");
	check_exact("\xff\xab", 2, "=FF=AB", "hex digits A-F in upper case");
	check_exact("\x01\x7f\r", 3, "=01=7F=0D", "controls and CR escaped");
	check_exact("a\0b", 3, "a=00b", "NUL escaped");
	/* Line breaks are LF already: LF is a hard break. */
	check_exact("a\nb\n", 4, "a\nb\n", "LF stays a hard break");
	check_exact("\n\n", 2, "\n\n", "empty lines stay");
	/* Rule 3: white space before a line break is encoded. */
	check_exact("a \nb", 4, "a=20\nb", "trailing space before LF is =20");
	check_exact("a\t\nb", 4, "a=09\nb", "trailing tab before LF is =09");
	check_exact("a  \n", 4, "a =20\n", "only the last space is encoded");
	check_exact("a \t\n", 4, "a =09\n", "space then tab: tab encoded");
	check_exact("a b\tc", 5, "a b\tc", "inner white space as is");
	check_exact(" \n", 2, "=20\n", "a line of one space");
	/* Rule 3 at the end of the input: a space with nothing after it. */
	check_exact("a ", 2, "a=20", "trailing space at the end encoded");
	check_exact("a\t", 2, "a=09", "trailing tab at the end encoded");
	check_exact(" ", 1, "=20", "a lone space");
	check_exact("", 0, "", "empty input, empty output");
}

/* The held-back space must come out right across update calls. */
static void test_split_space(void)
{
	struct qpenc st;
	char out[64];
	size_t o;

	qpenc_init(&st);
	o = qpenc_update(&st, "a ", 2, out);
	o += qpenc_update(&st, "\nb ", 3, out + o);
	o += qpenc_update(&st, "c", 1, out + o);
	o += qpenc_final(&st, out + o);
	is_mem(out, o, "a=20\nb c", 8, "space held across update calls");

	qpenc_init(&st);
	o = qpenc_update(&st, "x\t", 2, out);
	o += qpenc_final(&st, out + o);
	is_mem(out, o, "x=09", 4, "tab held to final");
	is_int(qpenc_final(&st, out), 0, "a second final writes nothing");
}

static void test_long_lines(void)
{
	char in[400], out[QP_ENCODE_BOUND(400)];
	unsigned char dec[400];
	const char *why = "";
	size_t len, lines = 0;
	ssize_t dn;
	bool soft_ok = true;

	memset(in, 'x', 200);
	len = encode(in, 200, out);
	ok(max_line(out, len) <= QP_LINE_MAX,
	   "200 x: no line longer than 76 (longest %zu)", max_line(out, len));
	for (size_t i = 0; i < len; i++) {
		if (out[i] == '\n') {
			lines++;
			soft_ok = soft_ok && i > 0 && out[i - 1] == '=';
		}
	}
	soft_ok = soft_ok && len > 0 && out[len - 1] == 'x';
	ok(soft_ok, "every break in a long line is a soft break '=' LF");
	ok(lines >= 2 && lines <= 3, "200 characters take 3 lines (%zu breaks)",
	   lines);
	dn = qp_decode(out, len, dec, &why);
	is_mem(dec, dn < 0 ? 0 : (size_t)dn, in, 200,
	       "the long line decodes back");

	/* Escapes are never split by a soft break. */
	for (int i = 0; i < 150; i++) {
		in[i] = i % 3 == 0 ? 'a' : '\xe4';
	}
	len = encode(in, 150, out);
	ok(max_line(out, len) <= QP_LINE_MAX,
	   "escapes: no line longer than 76 (longest %zu)", max_line(out, len));
	dn = qp_decode(out, len, dec, &why);
	is_mem(dec, dn < 0 ? 0 : (size_t)dn, in, 150,
	       "escapes are not split across lines");

	/* Long lines of spaces: a space before a soft break is not at the
	 * end of a line, and a final space is still encoded. */
	memset(in, ' ', 300);
	len = encode(in, 300, out);
	ok(max_line(out, len) <= QP_LINE_MAX, "300 spaces: lines <= 76");
	dn = qp_decode(out, len, dec, &why);
	if (dn < 0) {
		diag("decoder: %s", why);
	}
	is_mem(dec, dn < 0 ? 0 : (size_t)dn, in, 300,
	       "300 spaces decode back (no line ends in white space)");

	/* A line of exactly 76 characters may stay whole, or break; either
	 * way no line passes 76. */
	memset(in, 'y', 76);
	in[76] = '\n';
	len = encode(in, 77, out);
	ok(max_line(out, len) <= QP_LINE_MAX, "a 76-character line fits");
	dn = qp_decode(out, len, dec, &why);
	is_mem(dec, dn < 0 ? 0 : (size_t)dn, in, 77,
	       "a 76-character line decodes back");
}

static void test_literal(void)
{
	int bad = 0;

	for (int c = 0; c < 256; c++) {
		bool want = (c >= 33 && c <= 126 && c != '=') || c == ' ' ||
			    c == '\t';
		if ((qp_literal((unsigned char)c) != 0) != want) {
			diag("qp_literal(0x%02x) is wrong", c);
			bad++;
		}
	}
	is_int(bad, 0, "qp_literal is RFC 2045 6.7 rule 2 (with SP, TAB)");
}

/* Random text: mostly letters, many spaces, tabs and LFs, some '=' and
 * 8-bit bytes, any other byte now and then. */
static unsigned char random_byte(struct tap_rng *rng)
{
	unsigned r = (unsigned)tap_rand_range(rng, 0, 99);

	if (r < 45) {
		return (unsigned char)tap_rand_range(rng, 'a', 'z');
	}
	if (r < 60) {
		return ' ';
	}
	if (r < 65) {
		return '\t';
	}
	if (r < 73) {
		return '\n';
	}
	if (r < 76) {
		return '=';
	}
	if (r < 90) {
		return (unsigned char)tap_rand_range(rng, 0x80, 0xff);
	}
	return (unsigned char)tap_rand_range(rng, 0, 0xff);
}

static void test_random(void)
{
	struct tap_rng rng = { 0x853c49e6748fea9bULL };
	unsigned char *in = malloc(RANDOM_MAX), *dec = malloc(RANDOM_MAX);
	char *one = malloc(QP_ENCODE_BOUND(RANDOM_MAX) + 4);
	char *chunked = malloc(QP_ENCODE_BOUND(RANDOM_MAX) + 4);
	int bad_len = 0, bad_dec = 0, bad_same = 0;
	bool bound_ok = true;

	for (int r = 0; r < RANDOM_ROUNDS; r++) {
		size_t n = tap_rand_range(&rng, 0, RANDOM_MAX), on, cn;
		const char *why = "";
		ssize_t dn;

		for (size_t i = 0; i < n; i++) {
			in[i] = random_byte(&rng);
		}
		/* Long runs without LF, so soft breaks are exercised. */
		if (r % 4 == 0) {
			for (size_t i = 0; i < n; i++) {
				if (in[i] == '\n') {
					in[i] = 'n';
				}
			}
		}
		on = encode(in, n, one);
		cn = encode_chunks(in, n, &rng, r % 2 ? 5 : 500, chunked,
				   &bound_ok);
		if (max_line(chunked, cn) > QP_LINE_MAX && bad_len++ == 0) {
			diag("round %d: a line of %zu characters", r,
			     max_line(chunked, cn));
		}
		if ((cn != on || memcmp(chunked, one, on) != 0) &&
		    bad_same++ == 0) {
			is_mem(chunked, cn, one, on,
			       "chunked output equals one-shot output");
		}
		dn = qp_decode(chunked, cn, dec, &why);
		if ((dn != (ssize_t)n || memcmp(dec, in, n) != 0) &&
		    bad_dec++ == 0) {
			diag("round %d: %zu bytes in, decoder: %s", r, n,
			     dn < 0 ? why : "decoded to other bytes");
			is_mem(dec, dn < 0 ? 0 : (size_t)dn, in, n,
			       "random text round-trips");
		}
	}
	is_int(bad_len, 0, "random text: no output line over 76 characters");
	is_int(bad_same, 0, "random chunk sizes give the one-shot output");
	is_int(bad_dec, 0,
	       "random text decodes back exactly (strict RFC 2045 decoder)");
	ok(bound_ok, "every update stays within QP_ENCODE_BOUND");
	free(in);
	free(dec);
	free(one);
	free(chunked);
}

int main(void)
{
	plan_lazy();
	test_rules();
	test_split_space();
	test_long_lines();
	test_literal();
	test_random();
	return done_testing();
}
