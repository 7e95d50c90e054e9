/* Base64 (RFC 4648 section 4). The streaming encoder produces the MIME
 * form of RFC 2045 6.8: lines of 76 characters ended by LF. */
#ifndef POSTA_BASE64_H
#define POSTA_BASE64_H

#include <stddef.h>
#include <sys/types.h>

#define B64_LINE_IN 57  /* input bytes per output line */
#define B64_LINE_OUT 77 /* 76 characters and the LF */

struct b64enc {
	unsigned char carry[B64_LINE_IN];
	size_t ncarry;
	/* one line: scalar, or AVX2 where the processor has it */
	void (*encode_line)(const unsigned char *in, char *out);
};

/* Most bytes b64enc_update can write for n bytes of input. */
#define B64_ENCODE_BOUND(n) ((((n) + B64_LINE_IN) / B64_LINE_IN) * B64_LINE_OUT)

void b64enc_init(struct b64enc *st);
/* Encodes whole lines of carry+in into out, keeps the rest (< 57 bytes)
 * for later; returns the bytes written (at most B64_ENCODE_BOUND(n)). */
size_t b64enc_update(struct b64enc *st, const void *in, size_t n, char *out);
/* Writes the last, padded line (at most B64_LINE_OUT bytes); returns
 * the bytes written, 0 when nothing was left. */
size_t b64enc_final(struct b64enc *st, char *out);

/* Unwrapped base64 of in into out (room for 4*ceil(n/3)+1 bytes),
 * NUL-terminated; returns the length. */
size_t base64_encode(const void *in, size_t n, char *out);
/* Decodes unwrapped, padded base64 into out (room for 3*len/4 bytes);
 * returns the decoded length or -1 on bad input. */
ssize_t base64_decode(const char *in, size_t len, unsigned char *out);

#endif
