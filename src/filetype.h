/* Content types from libmagic, looked at by content (not by name), with
 * the few fix-ups mail needs. The magic database is loaded on first use
 * so a message without attachments never pays for it. */
#ifndef POSTA_FILETYPE_H
#define POSTA_FILETYPE_H

#include <stddef.h>

#include "error.h"

#define FILETYPE_MAX 128

struct filetype;

/* A detector; free with filetype_destroy (which accepts NULL). */
struct filetype *filetype_create(void);
void filetype_destroy(struct filetype *ft);
/* Writes the MIME type ("type/subtype", lower case) of the n bytes at p,
 * which start a file called name, into out. Falls back to
 * application/octet-stream when libmagic cannot tell; -1 only when the
 * database cannot be loaded. */
int filetype_detect(struct filetype *ft, const void *p, size_t n,
		    const char *name, char out[FILETYPE_MAX], struct err *e);
/* The charset libmagic guesses for text that is neither ASCII nor
 * UTF-8 (e.g. "iso-8859-1"), or "" when it has none. */
void filetype_charset(struct filetype *ft, const void *p, size_t n,
		      char out[FILETYPE_MAX]);
/* True when type is a syntactically valid "type/subtype" (RFC 2045 5.1
 * tokens), optionally followed by parameters. */
int filetype_valid(const char *type);

/* True when s is an RFC 2045 5.1 token (e.g. a charset name). */
int filetype_token(const char *s);

#endif
