#include "xalloc.h"

#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static void oom(void)
{
	errx(EX_OSERR, "out of memory");
}

void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (p == NULL) {
		oom();
	}
	return p;
}

void *xreallocarray(void *p, size_t n, size_t sz)
{
	void *q = reallocarray(p, n ? n : 1, sz ? sz : 1);

	if (q == NULL) {
		oom();
	}
	return q;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL) {
		oom();
	}
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}
