#include "scan.h"

#include <string.h>

#include "qp.h"

/* RFC 5322 2.1.1: no line may exceed 998 octets before its CRLF. */
#define LINE_HARD_MAX 998

void scan_init(struct scan *s, const char *prefix)
{
	memset(s, 0, sizeof(*s));
	s->utf8_ok = true;
	s->ends_in_break = false;
	if (prefix != NULL) {
		s->prefix_len = strlen(prefix);
		if (s->prefix_len >= SCAN_PREFIX_MAX) {
			s->prefix_len = SCAN_PREFIX_MAX - 1;
		}
		memcpy(s->prefix, prefix, s->prefix_len);
	}
	s->prefix_pos = s->prefix_len > 0 ? 0 : SIZE_MAX;
}

static void end_line(struct scan *s)
{
	if (s->cur_line > s->max_line) {
		s->max_line = s->cur_line;
	}
	s->cur_line = 0;
	s->lines++;
	s->prefix_pos = s->prefix_len > 0 ? 0 : SIZE_MAX;
}

/* RFC 3629 section 4 well-formed sequences, one byte at a time. */
static void utf8_step(struct scan *s, unsigned char c)
{
	if (!s->utf8_ok) {
		return;
	}
	if (s->utf8_need > 0) {
		if (c < s->utf8_lo || c > s->utf8_hi) {
			goto invalid;
		}
		s->utf8_lo = 0x80;
		s->utf8_hi = 0xbf;
		s->utf8_need--;
		return;
	}
	if (c < 0x80) {
		return;
	}
	s->utf8_lo = 0x80;
	s->utf8_hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf) {
		s->utf8_need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		s->utf8_need = 2;
		if (c == 0xe0) {
			s->utf8_lo = 0xa0;
		} else if (c == 0xed) {
			s->utf8_hi = 0x9f;
		}
	} else if (c >= 0xf0 && c <= 0xf4) {
		s->utf8_need = 3;
		if (c == 0xf0) {
			s->utf8_lo = 0x90;
		} else if (c == 0xf4) {
			s->utf8_hi = 0x8f;
		}
	} else {
		goto invalid;
	}
	return;
invalid:
	s->utf8_ok = false;
	s->utf8_bad_at = s->bytes;
}

void scan_update(struct scan *s, const void *vp, size_t n)
{
	const unsigned char *p = vp;

	for (size_t i = 0; i < n; i++, s->bytes++) {
		unsigned char c = p[i];

		utf8_step(s, c);
		if (c == '\n') {
			if (!s->prev_cr) {
				end_line(s);
			}
			s->prev_cr = false;
			s->ends_in_break = true;
			continue;
		}
		if (c == '\r') {
			s->cr = true;
			end_line(s);
			s->prev_cr = true;
			s->ends_in_break = true;
			continue;
		}
		s->prev_cr = false;
		s->ends_in_break = false;
		s->cur_line++;
		if (c >= 0x80) {
			s->eight_bit++;
		} else if (c == '\0') {
			s->nul++;
		} else if (c < 32 && c != '\t' && c != '\f') {
			s->ctl++;
		} else if (c == 127) {
			s->ctl++;
		}
		if (!qp_literal(c)) {
			s->qp_escaped++;
		}
		if (s->prefix_pos != SIZE_MAX) {
			if (c == (unsigned char)s->prefix[s->prefix_pos]) {
				if (++s->prefix_pos == s->prefix_len) {
					s->prefix_hit = true;
					s->prefix_pos = SIZE_MAX;
				}
			} else {
				s->prefix_pos = SIZE_MAX;
			}
		}
	}
}

void scan_final(struct scan *s)
{
	if (s->cur_line > s->max_line) {
		s->max_line = s->cur_line;
	}
	if (s->utf8_ok && s->utf8_need > 0) {
		s->utf8_ok = false;
		s->utf8_bad_at = s->bytes;
	}
}

bool scan_is_7bit(const struct scan *s)
{
	return s->eight_bit == 0 && s->nul == 0 && s->ctl == 0 &&
	       s->max_line <= LINE_HARD_MAX;
}

bool scan_prefers_qp(const struct scan *s)
{
	/* Escapes take three characters; soft breaks add two per 75. */
	uint64_t qp = s->bytes + 2 * s->qp_escaped;
	qp += qp / 37;
	uint64_t b64 = (s->bytes + 2) / 3 * 4;
	b64 += b64 / 38;
	return qp <= b64;
}
