/* Allocation that cannot fail: on out-of-memory the process ends with
 * EX_OSERR after a one-line diagnostic (the only exit in src/). */
#ifndef POSTA_XALLOC_H
#define POSTA_XALLOC_H

#include <stddef.h>

/* Zeroed memory for n objects of size sz; caller frees. */
void *xcalloc(size_t n, size_t sz);
/* Resize p to n objects of size sz (overflow checked); caller frees. */
void *xreallocarray(void *p, size_t n, size_t sz);
/* Copies of s / of the first n bytes of s, NUL-terminated; caller frees. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
