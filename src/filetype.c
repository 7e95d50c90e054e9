#include "filetype.h"

#include <ctype.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

struct filetype {
	magic_t type;
	magic_t charset;
};

struct filetype *filetype_create(void)
{
	return xcalloc(1, sizeof(struct filetype));
}

void filetype_destroy(struct filetype *ft)
{
	if (ft == NULL) {
		return;
	}
	if (ft->type != NULL) {
		magic_close(ft->type);
	}
	if (ft->charset != NULL) {
		magic_close(ft->charset);
	}
	free(ft);
}

static magic_t open_magic(int flags)
{
	magic_t m = magic_open(flags | MAGIC_NO_CHECK_COMPRESS |
			       MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_ELF);

	if (m != NULL && magic_load(m, NULL) == -1) {
		magic_close(m);
		return NULL;
	}
	return m;
}

static void copy_lower(char out[FILETYPE_MAX], const char *s)
{
	size_t i = 0;

	for (; s[i] != '\0' && s[i] != ';' && i < FILETYPE_MAX - 1; i++) {
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[i] = '\0';
}

static int has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);

	return n >= k && strcasecmp(name + n - k, suffix) == 0;
}

int filetype_detect(struct filetype *ft, const void *p, size_t n,
		    const char *name, char out[FILETYPE_MAX], struct err *e)
{
	const char *t;

	if (ft->type == NULL &&
	    (ft->type = open_magic(MAGIC_MIME_TYPE)) == NULL) {
		return err_set(e, ERR_OS, "cannot load the libmagic database");
	}
	t = n > 0 ? magic_buffer(ft->type, p, n) : NULL;
	if (t == NULL || strchr(t, '/') == NULL ||
	    strcmp(t, "application/x-empty") == 0 ||
	    strcmp(t, "inode/x-empty") == 0) {
		t = "application/octet-stream";
	}
	copy_lower(out, t);
	/* libmagic only knows a message by a few leading header names; a
	 * file saved as .eml by a mail client is one whatever it starts
	 * with, as long as it is text. */
	if (strcmp(out, "text/plain") == 0 && has_suffix(name, ".eml")) {
		strlcpy(out, "message/rfc822", FILETYPE_MAX);
	}
	return 0;
}

void filetype_charset(struct filetype *ft, const void *p, size_t n,
		      char out[FILETYPE_MAX])
{
	const char *c;

	out[0] = '\0';
	if (ft->charset == NULL &&
	    (ft->charset = open_magic(MAGIC_MIME_ENCODING)) == NULL) {
		return;
	}
	c = magic_buffer(ft->charset, p, n);
	if (c == NULL || strcmp(c, "binary") == 0 ||
	    strcmp(c, "unknown-8bit") == 0 || strchr(c, '/') != NULL) {
		return;
	}
	copy_lower(out, c);
}

static int is_token(int c)
{
	/* RFC 2045 5.1: any CHAR except SPACE, CTLs, or tspecials. */
	return c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

int filetype_valid(const char *type)
{
	const char *p = type;
	size_t n = 0;

	while (is_token((unsigned char)*p)) {
		p++, n++;
	}
	if (n == 0 || *p++ != '/') {
		return 0;
	}
	n = 0;
	while (is_token((unsigned char)*p)) {
		p++, n++;
	}
	if (n == 0) {
		return 0;
	}
	while (*p == ' ') {
		p++;
	}
	if (*p == '\0') {
		return 1;
	}
	if (*p != ';') {
		return 0;
	}
	for (; *p != '\0'; p++) {
		if ((unsigned char)*p < 32 || (unsigned char)*p >= 127) {
			return 0;
		}
	}
	return 1;
}

int filetype_token(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		if (!is_token((unsigned char)s[n])) {
			return 0;
		}
	}
	return n > 0 && n <= 64;
}
