/* Base64: RFC 4648 section 10 vectors, rejection of bad input, and the
 * streaming MIME encoder (RFC 2045 6.8: 76-character lines) against the
 * one-shot encoder, fed in random chunk sizes. */
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "tap.h"

#define RT_MAX_LEN 2000

/* Readable bytes the encoder may need on either side of its input: what
 * base64.h asks of callers, if anything. Inputs get exactly that much
 * around them so the sanitizers catch a read past it. */
#ifdef B64_SLACK
#define IN_SLACK B64_SLACK
#else
#define IN_SLACK 0
#endif

static const struct {
	const char *plain;
	const char *enc;
} vectors[] = {
	/* RFC 4648 section 10 */
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

static void test_vectors(void)
{
	for (size_t i = 0; i < NVECTORS; i++) {
		char enc[16], name[64];
		unsigned char dec[16];
		size_t n = strlen(vectors[i].plain);
		size_t len = base64_encode(vectors[i].plain, n, enc);
		ssize_t dn;

		snprintf(name, sizeof(name), "encode \"%s\"", vectors[i].plain);
		is_str(enc, vectors[i].enc, name);
		snprintf(name, sizeof(name), "encode \"%s\" returns length",
			 vectors[i].plain);
		is_int(len, strlen(vectors[i].enc), name);
		dn = base64_decode(vectors[i].enc, strlen(vectors[i].enc), dec);
		snprintf(name, sizeof(name), "decode \"%s\"", vectors[i].enc);
		if (dn < 0) {
			ok(false, "%s returned %zd", name, dn);
		} else {
			is_mem(dec, (size_t)dn, vectors[i].plain, n, name);
		}
	}
}

static void test_all_bytes(void)
{
	unsigned char in[256], dec[256];
	char enc[4 * 86 + 1];
	size_t len;
	ssize_t dn;

	for (int i = 0; i < 256; i++) {
		in[i] = (unsigned char)i;
	}
	len = base64_encode(in, sizeof(in), enc);
	is_int(len, 4 * 86, "256 bytes encode to 344 characters");
	is_int(strspn(enc,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789+/="),
	       len, "only alphabet characters and padding");
	is_str(enc + len - 4, "/w==", "the last group is 0xff padded");
	dn = base64_decode(enc, len, dec);
	is_mem(dec, dn < 0 ? 0 : (size_t)dn, in, sizeof(in),
	       "all 256 byte values round-trip");
}

static void test_bad_input(void)
{
	static const char *const bad[] = {
		"Zg",         /* length not a multiple of 4 */
		"Zg=",        /* same */
		"Zm9vY",      /* same */
		"Z===",       /* padding too early */
		"=Zg=",       /* padding first */
		"Zg==Zm8=",   /* padding before the end */
		"Zm9v!A==",   /* not in the alphabet */
		"Zm 9",       /* space inside */
		"Zg=A",       /* data after padding */
		"Zm9v\nYg==", /* a line break: input is unwrapped */
		"Zm-_",       /* base64url, not base64 */
	};
	unsigned char out[16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is_int(base64_decode(bad[i], strlen(bad[i]), out), -1,
		       "decode rejects bad input");
	}
	/* A NUL inside is bad input too, not the end of the string. */
	is_int(base64_decode("Zm\0v", 4, out), -1, "decode rejects a NUL");
}

/* Stream-encodes in with chunk sizes drawn from rng (0 when NULL: one
 * update); returns the length written into out. */
static size_t stream_encode(const unsigned char *src, size_t n,
			    struct tap_rng *rng, size_t maxchunk, char *out)
{
	struct b64enc st;
	size_t o = 0, i = 0;
	size_t sz = n + 2 * IN_SLACK;
	unsigned char *mem = malloc(sz > 0 ? sz : 1);
	const unsigned char *in = mem + IN_SLACK;

	memset(mem, 0xa5, sz);
	if (n > 0) {
		memcpy(mem + IN_SLACK, src, n);
	}
	b64enc_init(&st);
	while (i < n) {
		size_t c = rng != NULL ? tap_rand_range(rng, 0, maxchunk) : n;

		if (c > n - i) {
			c = n - i;
		}
		size_t w = b64enc_update(&st, in + i, c, out + o);
		if (w > B64_ENCODE_BOUND(c)) {
			ok(false, "update wrote %zu bytes for %zu, bound %zu",
			   w, c, (size_t)B64_ENCODE_BOUND(c));
		}
		o += w;
		i += c;
	}
	o += b64enc_final(&st, out + o);
	free(mem);
	return o;
}

/* The one-shot encoding with a LF after every 76 characters and at the
 * end: what RFC 2045 6.8 output must look like. */
static size_t wrapped_encode(const unsigned char *in, size_t n, char *out)
{
	char *flat = malloc(4 * (n / 3 + 1) + 1);
	size_t len = base64_encode(in, n, flat), o = 0;

	for (size_t i = 0; i < len; i++) {
		out[o++] = flat[i];
		if ((i + 1) % 76 == 0 || i + 1 == len) {
			out[o++] = '\n';
		}
	}
	free(flat);
	return o;
}

static void test_stream_lines(void)
{
	unsigned char in[3 * B64_LINE_IN + 10];
	char out[B64_ENCODE_BOUND(sizeof(in)) + B64_LINE_OUT];
	size_t n, lines = 0, start = 0;
	bool good = true;
	struct b64enc st;

	for (size_t i = 0; i < sizeof(in); i++) {
		in[i] = (unsigned char)(i * 7 + 3);
	}
	n = stream_encode(in, sizeof(in), NULL, 0, out);
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '\n') {
			size_t len = i - start;
			lines++;
			if (lines <= 3 && len != 76) {
				good = false;
			}
			start = i + 1;
		}
	}
	ok(good, "full lines are 76 characters");
	is_int(lines, 4, "three full lines and a short one");
	is_int(n - start, 0, "output ends with LF");
	is_int(n, 3 * B64_LINE_OUT + 4 * 4 + 1,
	       "171+10 bytes: 3 lines of 77, then 16 characters and LF");

	/* One line of input exactly: one line of output, nothing final. */
	unsigned char *padded = malloc(IN_SLACK + B64_LINE_IN + IN_SLACK);
	memcpy(padded + IN_SLACK, in, B64_LINE_IN);
	b64enc_init(&st);
	n = b64enc_update(&st, padded + IN_SLACK, B64_LINE_IN, out);
	char want[80];
	base64_encode(in, B64_LINE_IN, want);
	is_mem(out, 76, want, 76, "the line is the one-shot encoding");
	is_int(n, B64_LINE_OUT, "57 bytes make one 77-byte line");
	is_int(out[76], '\n', "the line ends with LF");
	is_int(b64enc_final(&st, out + n), 0, "final writes nothing after it");

	/* Less than a line: update holds it back. */
	memcpy(padded + IN_SLACK, "foobar", 6);
	b64enc_init(&st);
	is_int(b64enc_update(&st, padded + IN_SLACK, 6, out), 0,
	       "update holds back a partial line");
	n = b64enc_final(&st, out);
	is_mem(out, n, "Zm9vYmFy\n", 9, "final writes it padded with LF");
	is_int(b64enc_final(&st, out), 0, "a second final writes nothing");

	b64enc_init(&st);
	is_int(b64enc_final(&st, out), 0, "final of empty input is empty");
	free(padded);
}

static void test_stream_chunks(void)
{
	struct tap_rng rng = { 0x9e3779b97f4a7c15ULL };
	enum { N = 5000 };
	unsigned char *in = malloc(N);
	char *want = malloc(B64_ENCODE_BOUND(N) + B64_LINE_OUT);
	char *got = malloc(B64_ENCODE_BOUND(N) + B64_LINE_OUT);
	int bad = 0, rounds = 0;

	for (int r = 0; r < 200; r++) {
		size_t n = tap_rand_range(&rng, 0, N);
		size_t maxchunk = r % 2 ? 8 : 300;

		for (size_t i = 0; i < n; i++) {
			in[i] = (unsigned char)tap_rand(&rng);
		}
		size_t wn = wrapped_encode(in, n, want);
		size_t gn = stream_encode(in, n, &rng, maxchunk, got);
		rounds++;
		if (gn != wn || memcmp(got, want, gn) != 0) {
			diag("round %d: %zu input bytes", r, n);
			is_mem(got, gn, want, wn, "random chunks");
			bad++;
			break;
		}
	}
	ok(bad == 0 && rounds == 200,
	   "200 random inputs in random chunks equal the one-shot encoding "
	   "wrapped at 76");
	free(in);
	free(want);
	free(got);
}

static void test_round_trip(void)
{
	struct tap_rng rng = { 0x2545f4914f6cdd1dULL };
	unsigned char in[RT_MAX_LEN], dec[RT_MAX_LEN + 3];
	char enc[B64_ENCODE_BOUND(RT_MAX_LEN) + B64_LINE_OUT];
	char flat[sizeof(enc)];
	int bad = 0;

	for (size_t n = 0; n <= RT_MAX_LEN; n++) {
		size_t en, fn = 0;
		ssize_t dn;

		for (size_t i = 0; i < n; i++) {
			in[i] = (unsigned char)tap_rand(&rng);
		}
		en = stream_encode(in, n, &rng, 200, enc);
		for (size_t i = 0; i < en; i++) {
			if (enc[i] != '\n') {
				flat[fn++] = enc[i];
			}
		}
		dn = base64_decode(flat, fn, dec);
		if (dn != (ssize_t)n || memcmp(dec, in, n) != 0) {
			diag("length %zu: decoded %zd bytes", n, dn);
			is_mem(dec, dn < 0 ? 0 : (size_t)dn, in, n,
			       "round trip");
			bad++;
			break;
		}
	}
	ok(bad == 0, "stream-encode, strip LFs, decode: lengths 0..%d",
	   RT_MAX_LEN);
}

int main(void)
{
	plan_lazy();
	test_vectors();
	test_all_bytes();
	test_bad_input();
	test_stream_lines();
	test_stream_chunks();
	test_round_trip();
	return done_testing();
}
