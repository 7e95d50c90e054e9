/* SMTP replies (RFC 5321 4.2): the one parser for every reply posta
 * reads. Lines are fed one at a time; a reply is complete at its last
 * line. Malformed, over-long or non-printable input is a protocol
 * error, never guessed at. */
#ifndef POSTA_REPLY_H
#define POSTA_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"

#define REPLY_LINE_MAX 2048 /* RFC 5321 4.5.3.1.5 says 512; be generous */
#define REPLY_LINES_MAX 256
#define REPLY_TEXT_MAX (64 * 1024)

struct reply {
	int code;        /* 3 digits, e.g. 250 */
	char enh[16];    /* RFC 3463 enhanced status, e.g. "5.1.1", or "" */
	struct buf text; /* the lines' texts joined by LF, no codes */
	size_t nlines;
	bool done;
};

void reply_init(struct reply *r);
/* Empties r for the next reply, keeping its memory. */
void reply_reset(struct reply *r);
void reply_finish(struct reply *r);
/* Feeds one line without its CRLF. Returns 1 when the reply is
 * complete, 0 when more lines follow, -1 (ERR_PROTOCOL) when the line is
 * malformed, too long, not printable, or its code differs from the
 * reply's first line. */
int reply_feed(struct reply *r, const char *line, size_t n, struct err *e);
/* Makes the n bytes at s safe to print on a terminal, in place and at
 * the same length: control bytes (C0 but tab, DEL, C1) and bytes that
 * are not well-formed UTF-8 become '?'. */
void reply_clean(char *s, size_t n);
/* 2 for 2xx, 3 for 3xx, ...: RFC 5321 4.2.1 first digit. */
int reply_class(const struct reply *r);
/* The code and every line's text joined by spaces (a repeated enhanced
 * code dropped), at most max bytes, for one-line messages:
 * "550 5.1.1 No such user See https://...". NUL-terminated. */
void reply_summary(const struct reply *r, char *out, size_t max);

#endif
