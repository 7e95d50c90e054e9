/* Header fields (RFC 5322 section 2.2): one writer that folds every
 * header at white space to 78 columns where it can and never past 998,
 * and that encodes non-ASCII text as RFC 2047 encoded-words of at most
 * 75 characters, never splitting a UTF-8 character. */
#ifndef POSTA_HEADER_H
#define POSTA_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "addr.h"
#include "buf.h"
#include "error.h"

#define HDR_FOLD_COL 78  /* RFC 5322 2.1.1 SHOULD */
#define HDR_LINE_MAX 998 /* RFC 5322 2.1.1 MUST */
#define HDR_EW_MAX 75    /* RFC 2047 2 */
#define HDR_DATE_MAX 64
#define HDR_NAME_MAX 76

/* Builds one header field into out, line by line, each line ending LF. */
struct hdr {
	struct buf *out;
	const char *name;  /* for messages */
	size_t line_start; /* offset of the current line in out */
	bool fresh;        /* nothing after "Name:" on this line yet */
	bool too_long;     /* a line passed HDR_LINE_MAX */
	size_t tok_space;  /* offset of the space before the last token */
	bool tok_movable;  /* that space may still become a fold */
};

/* Starts "Name:" in out; name must outlive the hdr. */
void hdr_begin(struct hdr *h, struct buf *out, const char *name);
/* Adds a token that must stay whole, after a space that may become a
 * fold (CRLF SP) when the token would pass column 78. */
void hdr_token(struct hdr *h, const char *tok, size_t n);
/* Appends bytes to the current token, with no space or fold before. */
void hdr_raw(struct hdr *h, const char *s, size_t n);
/* Unstructured text (Subject, extra headers): plain words as they are,
 * runs of words that need it as encoded-words. s is UTF-8. */
void hdr_text(struct hdr *h, const char *s);
/* A display name (RFC 5322 3.2.5 phrase): atoms, a quoted-string, or
 * encoded-words restricted to what RFC 2047 5(3) allows in a phrase. */
void hdr_phrase(struct hdr *h, const char *s);
/* s as encoded-words alone, open glued to the first and close to the
 * last (open and close at most 16 bytes each): for a parameter value
 * like name="=?...?=" that old mail clients read. */
void hdr_encoded(struct hdr *h, const char *s, const char *open,
		 const char *close);
/* One mailbox: phrase and <addr>, or the bare address. */
void hdr_mailbox(struct hdr *h, const struct mailbox *mb);
/* A comma-separated list of mailboxes. */
void hdr_addrlist(struct hdr *h, const struct addrlist *list);
/* Ends the field with LF; -1 when a line is over 998 octets (a token
 * that could not be folded), with e saying which header. */
int hdr_end(struct hdr *h, struct err *e);

/* True when name is a valid field name (RFC 5322 3.6.8 ftext). */
bool header_name_valid(const char *name);
/* Bytes in the UTF-8 character that starts at s, at most left (1 for a
 * stray byte), so encoders can keep characters whole. */
size_t utf8_char_len(const unsigned char *s, size_t left);
/* True when the n bytes at s are well-formed UTF-8. */
bool utf8_valid(const char *s, size_t n);

/* RFC 5322 3.3 date-time of t in the local zone with a numeric offset,
 * e.g. "Thu, 26 Nov 2026 07:59:17 +0100". */
void header_date(time_t t, char out[HDR_DATE_MAX]);
/* Parses an RFC 5322 date-time or "@SECONDS" into *t; -1 if neither. */
int header_parse_date(const char *s, time_t *t);
/* Normalizes a msg-id (RFC 5322 3.6.4) given with or without angle
 * brackets into "<left@right>" in out (caller frees *out); -1 when it
 * is not one. */
int header_msgid_normalize(const char *s, char **out);
/* A new Message-ID "<time.random@domain>" from 16 random bytes. */
char *header_msgid_new(time_t now, const unsigned char rnd[16],
		       const char *domain);

#endif
