#include "qp.h"

static const char hex[] = "0123456789ABCDEF";

void qpenc_init(struct qpenc *st)
{
	st->col = 0;
	st->pending = -1;
}

int qp_literal(unsigned char c)
{
	return (c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t';
}

/* Emits a token of len characters, breaking the line softly first when
 * it would not fit with room for the '=' of a later soft break. */
static char *put(struct qpenc *st, char *o, const char *tok, int len)
{
	if (st->col + len > QP_LINE_MAX - 1) {
		*o++ = '=';
		*o++ = '\n';
		st->col = 0;
	}
	for (int i = 0; i < len; i++) {
		*o++ = tok[i];
	}
	st->col += len;
	return o;
}

static char *put_escaped(struct qpenc *st, char *o, unsigned char c)
{
	char t[3] = { '=', hex[c >> 4], hex[c & 15] };

	return put(st, o, t, 3);
}

size_t qpenc_update(struct qpenc *st, const void *vin, size_t n, char *out)
{
	const unsigned char *in = vin;
	char *o = out;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = in[i];

		if (st->pending >= 0) {
			char ws = (char)st->pending;

			st->pending = -1;
			if (c == '\n') {
				o = put_escaped(st, o, (unsigned char)ws);
			} else {
				o = put(st, o, &ws, 1);
			}
		}
		if (c == '\n') {
			*o++ = '\n';
			st->col = 0;
		} else if (c == ' ' || c == '\t') {
			st->pending = c;
		} else if (qp_literal(c)) {
			char ch = (char)c;
			o = put(st, o, &ch, 1);
		} else {
			o = put_escaped(st, o, c);
		}
	}
	return (size_t)(o - out);
}

size_t qpenc_final(struct qpenc *st, char *out)
{
	char *o = out;

	if (st->pending >= 0) {
		o = put_escaped(st, o, (unsigned char)st->pending);
		st->pending = -1;
	}
	return (size_t)(o - out);
}
