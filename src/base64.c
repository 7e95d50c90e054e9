#include "base64.h"

#include <stdint.h>
#include <string.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static inline void encode_groups(const unsigned char *in, char *out, int groups)
{
	for (int g = 0; g < groups; g++) {
		out[0] = alphabet[in[0] >> 2];
		out[1] = alphabet[(in[0] & 3) << 4 | in[1] >> 4];
		out[2] = alphabet[(in[1] & 15) << 2 | in[2] >> 6];
		out[3] = alphabet[in[2] & 63];
		in += 3;
		out += 4;
	}
}

static void encode_line_scalar(const unsigned char *in, char *out)
{
	encode_groups(in, out, B64_LINE_IN / 3);
	out[B64_LINE_OUT - 1] = '\n';
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* W. Mula and D. Lemire, "Faster Base64 Encoding and Decoding using AVX2
 * Instructions" (2018): 24 input bytes become 32 characters per step.
 * Their loads start 4 bytes early; here a cross-lane permute moves bytes
 * 12..23 into the upper lane instead, so no load leaves the line. */
__attribute__((target("avx2"))) static inline __m256i avx2_reshuffle(__m256i in)
{
	in = _mm256_permutevar8x32_epi32(in, _mm256_setr_epi32(0, 1, 2, 3, 3, 4,
							       5, 6));
	in = _mm256_shuffle_epi8(in, _mm256_set_epi8(10, 11, 9, 10, 7, 8, 6, 7,
						     4, 5, 3, 4, 1, 2, 0, 1, 10,
						     11, 9, 10, 7, 8, 6, 7, 4,
						     5, 3, 4, 1, 2, 0, 1));
	__m256i t0 = _mm256_and_si256(in, _mm256_set1_epi32(0x0fc0fc00));
	__m256i t1 = _mm256_mulhi_epu16(t0, _mm256_set1_epi32(0x04000040));
	__m256i t2 = _mm256_and_si256(in, _mm256_set1_epi32(0x003f03f0));
	__m256i t3 = _mm256_mullo_epi16(t2, _mm256_set1_epi32(0x01000010));
	return _mm256_or_si256(t1, t3);
}

__attribute__((target("avx2"))) static inline __m256i avx2_translate(__m256i in)
{
	const __m256i lut = _mm256_setr_epi8(65, 71, -4, -4, -4, -4, -4, -4, -4,
					     -4, -4, -4, -19, -16, 0, 0, 65, 71,
					     -4, -4, -4, -4, -4, -4, -4, -4, -4,
					     -4, -19, -16, 0, 0);
	__m256i idx = _mm256_subs_epu8(in, _mm256_set1_epi8(51));
	__m256i mask = _mm256_cmpgt_epi8(in, _mm256_set1_epi8(25));
	idx = _mm256_sub_epi8(idx, mask);
	return _mm256_add_epi8(in, _mm256_shuffle_epi8(lut, idx));
}

__attribute__((target("avx2"))) static void
encode_line_avx2(const unsigned char *in, char *out)
{
	for (int k = 0; k < 2; k++) {
		__m256i v = _mm256_loadu_si256(
			(const __m256i *)(const void *)(in + 24 * k));
		v = avx2_translate(avx2_reshuffle(v));
		_mm256_storeu_si256((__m256i *)(void *)(out + 32 * k), v);
	}
	encode_groups(in + 48, out + 64, 3);
	out[B64_LINE_OUT - 1] = '\n';
}

static void (*pick_line_encoder(void))(const unsigned char *, char *)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") ? encode_line_avx2
					      : encode_line_scalar;
}
#else
static void (*pick_line_encoder(void))(const unsigned char *, char *)
{
	return encode_line_scalar;
}
#endif

void b64enc_init(struct b64enc *st)
{
	memset(st, 0, sizeof(*st));
	st->encode_line = pick_line_encoder();
}

size_t b64enc_update(struct b64enc *st, const void *vin, size_t n, char *out)
{
	const unsigned char *in = vin;
	char *o = out;

	if (st->ncarry > 0) {
		size_t take = B64_LINE_IN - st->ncarry;
		if (take > n) {
			take = n;
		}
		memcpy(st->carry + st->ncarry, in, take);
		st->ncarry += take;
		in += take;
		n -= take;
		if (st->ncarry < B64_LINE_IN) {
			return 0;
		}
		st->encode_line(st->carry, o);
		o += B64_LINE_OUT;
		st->ncarry = 0;
	}
	while (n >= B64_LINE_IN) {
		st->encode_line(in, o);
		in += B64_LINE_IN;
		n -= B64_LINE_IN;
		o += B64_LINE_OUT;
	}
	memcpy(st->carry, in, n);
	st->ncarry = n;
	return (size_t)(o - out);
}

size_t b64enc_final(struct b64enc *st, char *out)
{
	size_t n;

	if (st->ncarry == 0) {
		return 0;
	}
	n = base64_encode(st->carry, st->ncarry, out);
	out[n++] = '\n';
	st->ncarry = 0;
	return n;
}

size_t base64_encode(const void *vin, size_t n, char *out)
{
	const unsigned char *in = vin;
	size_t o = 0;

	encode_groups(in, out, (int)(n / 3));
	o = n / 3 * 4;
	in += o / 4 * 3;
	n %= 3;
	if (n > 0) {
		out[o++] = alphabet[in[0] >> 2];
		if (n == 1) {
			out[o++] = alphabet[(in[0] & 3) << 4];
			out[o++] = '=';
		} else {
			out[o++] = alphabet[(in[0] & 3) << 4 | in[1] >> 4];
			out[o++] = alphabet[(in[1] & 15) << 2];
		}
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int value_of(char c)
{
	const char *p = c != '\0' ? strchr(alphabet, c) : NULL;

	return p != NULL ? (int)(p - alphabet) : -1;
}

ssize_t base64_decode(const char *in, size_t len, unsigned char *out)
{
	size_t o = 0;

	if (len % 4 != 0) {
		return -1;
	}
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;

		for (int k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad > 0 ||
				   (v[k] = value_of(in[i + k])) < 0) {
				return -1;
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
			     (uint32_t)v[2] << 6 | (uint32_t)v[3];
		out[o++] = (unsigned char)(w >> 16);
		if (pad < 2) {
			out[o++] = (unsigned char)(w >> 8);
		}
		if (pad < 1) {
			out[o++] = (unsigned char)w;
		}
	}
	return (ssize_t)o;
}
