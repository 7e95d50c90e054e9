#include "base64.h"

#include <stdint.h>
#include <string.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Two output characters for every 12-bit value: one lookup per half of
 * a 3-byte group is what lets the encoder outrun coreutils. Built on
 * first use; the table is a pure function of the alphabet. */
static uint16_t pairs[4096];
static int pairs_ready;

static void
build_pairs(void)
{
	for (int i = 0; i < 4096; i++) {
		unsigned char two[2] = { (unsigned char)alphabet[i >> 6],
					 (unsigned char)alphabet[i & 63] };
		memcpy(&pairs[i], two, 2);
	}
	pairs_ready = 1;
}

void
b64enc_init(struct b64enc *st)
{
	st->ncarry = 0;
	if (!pairs_ready) {
		build_pairs();
	}
}

static inline void
encode_line(const unsigned char *in, char *out)
{
	for (int g = 0; g < B64_LINE_IN / 3; g++) {
		uint32_t v = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
		memcpy(out, &pairs[v >> 12], 2);
		memcpy(out + 2, &pairs[v & 0xfff], 2);
		in += 3;
		out += 4;
	}
	*out = '\n';
}

size_t
b64enc_update(struct b64enc *st, const void *vin, size_t n, char *out)
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
		encode_line(st->carry, o);
		o += B64_LINE_OUT;
		st->ncarry = 0;
	}
	while (n >= B64_LINE_IN) {
		encode_line(in, o);
		in += B64_LINE_IN;
		n -= B64_LINE_IN;
		o += B64_LINE_OUT;
	}
	memcpy(st->carry, in, n);
	st->ncarry = n;
	return (size_t)(o - out);
}

size_t
b64enc_final(struct b64enc *st, char *out)
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

size_t
base64_encode(const void *vin, size_t n, char *out)
{
	const unsigned char *in = vin;
	size_t o = 0;

	while (n >= 3) {
		out[o++] = alphabet[in[0] >> 2];
		out[o++] = alphabet[(in[0] & 3) << 4 | in[1] >> 4];
		out[o++] = alphabet[(in[1] & 15) << 2 | in[2] >> 6];
		out[o++] = alphabet[in[2] & 63];
		in += 3;
		n -= 3;
	}
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

static int
value_of(char c)
{
	const char *p = c != '\0' ? strchr(alphabet, c) : NULL;

	return p != NULL ? (int)(p - alphabet) : -1;
}

ssize_t
base64_decode(const char *in, size_t len, unsigned char *out)
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
			} else if (pad > 0 || (v[k] = value_of(in[i + k])) < 0) {
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
