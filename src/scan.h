/* One streaming pass over a part's bytes that gathers what choosing its
 * transfer encoding needs (RFC 2045 2.7-2.8, 6): 8-bit and control
 * bytes, line ends and lengths, UTF-8 validity, and whether a line
 * could be mistaken for a multipart boundary. Line lengths are counted
 * as if CR, LF and CRLF were all line breaks. */
#ifndef POSTA_SCAN_H
#define POSTA_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCAN_PREFIX_MAX 64

struct scan {
	uint64_t bytes;
	uint64_t lines;       /* line breaks seen */
	uint64_t max_line;    /* longest line, in octets, without its end */
	uint64_t eight_bit;   /* bytes >= 0x80 */
	uint64_t nul;         /* NUL bytes */
	uint64_t ctl;         /* other controls but TAB, CR, LF, FF */
	uint64_t qp_escaped;  /* bytes quoted-printable must escape */
	bool cr;              /* any CR at all (bare or in CRLF) */
	bool utf8_ok;         /* valid UTF-8 so far (RFC 3629) */
	uint64_t utf8_bad_at; /* offset of the first invalid byte */
	bool prefix_hit;      /* a line began with the prefix */
	bool ends_in_break;   /* the last byte was a line break */
	/* internal state */
	uint64_t cur_line;
	bool prev_cr;
	int utf8_need;
	unsigned char utf8_lo, utf8_hi;
	char prefix[SCAN_PREFIX_MAX];
	size_t prefix_len;
	size_t prefix_pos; /* matched so far on this line, or SIZE_MAX */
};

/* Starts a scan that also watches for lines beginning with prefix
 * (e.g. "--" and a boundary stem); prefix may be NULL. */
void scan_init(struct scan *s, const char *prefix);
void scan_update(struct scan *s, const void *p, size_t n);
/* Closes the scan: an unfinished UTF-8 sequence makes it invalid. */
void scan_final(struct scan *s);
/* True when the text is printable ASCII with short lines: 7bit. */
bool scan_is_7bit(const struct scan *s);
/* True when quoted-printable output would be no larger than base64. */
bool scan_prefers_qp(const struct scan *s);

#endif
