/* A growable byte buffer with a hard size cap. The bytes are always
 * NUL-terminated so a buffer of text can be used as a C string. */
#ifndef POSTA_BUF_H
#define POSTA_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;   /* allocated bytes */
	size_t limit; /* hard cap on len; 0 means BUF_DEFAULT_LIMIT */
};

#define BUF_DEFAULT_LIMIT ((size_t)64 * 1024 * 1024)

/* An empty buffer that may hold at most limit bytes (0: the default). */
void buf_init(struct buf *b, size_t limit);
/* Frees the bytes; the buffer is empty and reusable afterwards. */
void buf_finish(struct buf *b);
/* Appends; -1 (nothing appended) when the cap would be passed. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Empties the buffer but keeps its memory. */
void buf_reset(struct buf *b);
/* Hands the NUL-terminated bytes to the caller, who frees them; the
 * buffer is left empty. */
char *buf_take(struct buf *b);

#endif
