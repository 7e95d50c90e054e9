/* A tiny TAP harness for the unit tests, in the spirit of mblaze's t/:
 * one "ok N - name" or "not ok N - name" line per assertion, "# ..."
 * diagnostics after a failure, and the plan "1..N" printed last by
 * done_testing(), whose value is main's exit status (non-zero when any
 * assertion failed). Header-only: every function is static inline. */
#ifndef POSTA_TAP_H
#define POSTA_TAP_H

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* The harness state: one per test program. */
struct tap_state {
	int count;
	int failed;
};

static inline struct tap_state *tap_state(void)
{
	static struct tap_state st;

	return &st;
}

/* Longest diagnostic text and test name printed. */
#define TAP_DIAG_TEXT_MAX 8192
#define TAP_NAME_MAX 512
/* Diagnostics show this many bytes around the first difference. */
#define TAP_DIAG_MAX 160

static inline void diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Diagnostics on standard output, every line of them after "# ". */
static inline void diag(const char *fmt, ...)
{
	char text[TAP_DIAG_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fputs("# ", stdout);
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\n') {
			fputs("\n# ", stdout);
		} else if (*p == '\r') {
			fputs("\\r", stdout);
		} else {
			fputc(*p, stdout);
		}
	}
	fputc('\n', stdout);
}

/* The plan is printed at the end, once the number of tests is known. */
static inline void plan_lazy(void)
{
	tap_state()->count = 0;
	tap_state()->failed = 0;
}

static inline int done_testing(void)
{
	struct tap_state *st = tap_state();

	printf("1..%d\n", st->count);
	if (st->failed > 0) {
		diag("failed %d of %d tests", st->failed, st->count);
	}
	fflush(stdout);
	return st->failed > 0 ? 1 : 0;
}

static inline bool tap_vok(const char *file, int line, bool cond,
			   const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static inline bool tap_vok(const char *file, int line, bool cond,
			   const char *fmt, va_list ap)
{
	struct tap_state *st = tap_state();

	char name[TAP_NAME_MAX];

	st->count++;
	vsnprintf(name, sizeof(name), fmt, ap);
	printf("%s %d - ", cond ? "ok" : "not ok", st->count);
	/* One line per test: control characters in a name are escaped. */
	for (const char *p = name; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 32 || c == 127) {
			printf("\\x%02x", c);
		} else {
			fputc(c, stdout);
		}
	}
	fputc('\n', stdout);
	if (!cond) {
		st->failed++;
		diag("  Failed test at %s line %d.", file, line);
	}
	return cond;
}

static inline bool tap_ok(const char *file, int line, bool cond,
			  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline bool tap_ok(const char *file, int line, bool cond,
			  const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = tap_vok(file, line, cond, fmt, ap);
	va_end(ap);
	return r;
}

/* Prints n bytes at p as a C string literal, at most TAP_DIAG_MAX. */
static inline void tap_quote(const char *label, const void *vp, size_t n,
			     size_t off)
{
	const unsigned char *p = vp;
	size_t start = off > TAP_DIAG_MAX / 2 ? off - TAP_DIAG_MAX / 2 : 0;
	size_t end = n - start > TAP_DIAG_MAX ? start + TAP_DIAG_MAX : n;

	printf("#   %8s: %s\"", label, start > 0 ? "..." : "");
	for (size_t i = start; i < end; i++) {
		unsigned char c = p[i];

		if (c == '\n') {
			fputs("\\n", stdout);
		} else if (c == '\r') {
			fputs("\\r", stdout);
		} else if (c == '\t') {
			fputs("\\t", stdout);
		} else if (c == '"' || c == '\\') {
			printf("\\%c", c);
		} else if (c < 32 || c >= 127) {
			printf("\\x%02x", c);
		} else {
			fputc(c, stdout);
		}
	}
	printf("\"%s (%zu bytes)\n", end < n ? "..." : "", n);
}

static inline bool tap_is_mem(const char *file, int line, const void *got,
			      size_t gotlen, const void *want, size_t wantlen,
			      const char *name)
{
	const unsigned char *g = got, *w = want;
	size_t off = 0;
	bool same;

	if (got == NULL || want == NULL) {
		same = got == want;
		tap_ok(file, line, same, "%s", name);
		if (!same) {
			diag("       got: %s",
			     got == NULL ? "NULL" : "(bytes)");
			diag("  expected: %s",
			     want == NULL ? "NULL" : "(bytes)");
		}
		return same;
	}
	while (off < gotlen && off < wantlen && g[off] == w[off]) {
		off++;
	}
	same = gotlen == wantlen && off == gotlen;
	tap_ok(file, line, same, "%s", name);
	if (!same) {
		diag("  first difference at byte %zu", off);
		tap_quote("got", got, gotlen, off);
		tap_quote("expected", want, wantlen, off);
	}
	return same;
}

static inline bool tap_is_str(const char *file, int line, const char *got,
			      const char *want, const char *name)
{
	return tap_is_mem(file, line, got, got != NULL ? strlen(got) : 0, want,
			  want != NULL ? strlen(want) : 0, name);
}

static inline bool tap_is_int(const char *file, int line, long long got,
			      long long want, const char *name)
{
	bool same = got == want;

	tap_ok(file, line, same, "%s", name);
	if (!same) {
		diag("       got: %lld", got);
		diag("  expected: %lld", want);
	}
	return same;
}

/* The macros only add where the assertion is; each expands to a single
 * function call. */
#define ok(cond, ...) tap_ok(__FILE__, __LINE__, (cond), __VA_ARGS__)
#define is_str(got, want, name) tap_is_str(__FILE__, __LINE__, got, want, name)
#define is_mem(got, gotlen, want, wantlen, name) \
	tap_is_mem(__FILE__, __LINE__, got, gotlen, want, wantlen, name)
#define is_int(got, want, name)                                             \
	tap_is_int(__FILE__, __LINE__, (long long)(got), (long long)(want), \
		   name)

/* xorshift64: a deterministic generator, so every run tests the same
 * inputs and a failure can be reproduced. */
struct tap_rng {
	unsigned long long s;
};

static inline unsigned long long tap_rand(struct tap_rng *r)
{
	unsigned long long x = r->s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->s = x;
	return x;
}

/* A number in [lo, hi]. */
static inline size_t tap_rand_range(struct tap_rng *r, size_t lo, size_t hi)
{
	return lo + (size_t)(tap_rand(r) % (hi - lo + 1));
}

/* Makes a fresh directory $TMPDIR/posta-NAME.XXXXXX (/tmp when TMPDIR
 * is unset or too long) into buf; 0, or -1 with a failed test. */
static inline int tap_mkdtemp(char *buf, size_t n, const char *name)
{
	const char *t = getenv("TMPDIR");

	snprintf(buf, n, "%s/posta-%s.XXXXXX",
		 t != NULL && *t != '\0' && strlen(t) < 40 ? t : "/tmp", name);
	if (mkdtemp(buf) == NULL) {
		ok(false, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Removes dir and the files in it (one level, as the tests make them);
 * 0 when dir is gone. */
static inline int tap_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == -1) {
			rmdir(path);
		}
	}
	if (d != NULL) {
		closedir(d);
	}
	return rmdir(dir);
}

#endif
