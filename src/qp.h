/* Quoted-printable, RFC 2045 section 6.7, for text whose line breaks
 * are already LF: LF is a hard break, lines end in LF, no output line
 * is longer than 76 characters, trailing white space is encoded. */
#ifndef POSTA_QP_H
#define POSTA_QP_H

#include <stddef.h>

#define QP_LINE_MAX 76

struct qpenc {
	int col;     /* characters on the current output line */
	int pending; /* a space or tab held back until we know whether a
		      * line break follows it (rule 3), or -1 */
};

/* Most bytes qpenc_update can write for n bytes of input. */
#define QP_ENCODE_BOUND(n) ((n)*4 + 8)

void qpenc_init(struct qpenc *st);
/* Encodes n bytes into out; returns the bytes written. */
size_t qpenc_update(struct qpenc *st, const void *in, size_t n, char *out);
/* Flushes a held-back space (at most 4 bytes); returns bytes written. */
size_t qpenc_final(struct qpenc *st, char *out);
/* True when c can stand for itself in quoted-printable. */
int qp_literal(unsigned char c);

#endif
