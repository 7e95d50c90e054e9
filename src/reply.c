#include "reply.h"

#include <stdio.h>
#include <string.h>

#include "header.h"

void reply_init(struct reply *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->text, REPLY_TEXT_MAX);
}

void reply_reset(struct reply *r)
{
	r->code = 0;
	r->enh[0] = '\0';
	r->nlines = 0;
	r->done = false;
	buf_reset(&r->text);
}

void reply_finish(struct reply *r)
{
	buf_finish(&r->text);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 3463 2: class "." subject "." detail, at the start of the text. */
static size_t parse_enhanced(const char *s, size_t n, char out[16])
{
	size_t i = 0, part = 0, digits = 0;

	/* The class is one digit: 2, 4 or 5. */
	if (n < 2 || (s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    s[1] != '.') {
		return 0;
	}
	for (; i < n && i < 15; i++) {
		if (is_digit(s[i])) {
			if (++digits > 3) {
				return 0;
			}
		} else if (s[i] == '.' && digits > 0 && part < 2) {
			part++;
			digits = 0;
		} else {
			break;
		}
	}
	if (part != 2 || digits == 0 || (i < n && s[i] != ' ')) {
		return 0;
	}
	memcpy(out, s, i);
	out[i] = '\0';
	return i;
}

void reply_clean(char *s, size_t n)
{
	unsigned char *p = (unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t len = 1;
		bool bad;

		if (p[i] < 0x80) {
			bad = (p[i] < 32 && p[i] != '\t') || p[i] == 127;
		} else {
			len = utf8_char_len(p + i, n - i);
			/* C1 controls (U+0080 to U+009F) act like ESC on
			 * many terminals. */
			bad = len < 2 || !utf8_valid(s + i, len) ||
			      (p[i] == 0xc2 && p[i + 1] < 0xa0);
		}
		if (bad) {
			p[i] = '?';
			len = 1;
		}
		i += len;
	}
}

int reply_feed(struct reply *r, const char *line, size_t n, struct err *e)
{
	int code;
	bool last;

	if (r->done) {
		reply_reset(r);
	}
	if (n > REPLY_LINE_MAX) {
		return err_set(e, ERR_PROTOCOL,
			       "reply line longer than %d bytes",
			       REPLY_LINE_MAX);
	}
	if (r->nlines >= REPLY_LINES_MAX) {
		return err_set(e, ERR_PROTOCOL, "reply of more than %d lines",
			       REPLY_LINES_MAX);
	}
	/* RFC 5321 4.2: Reply-code [ SP textstring ] CRLF, or "-" for
	 * every line but the last. */
	if (n < 3 || !is_digit(line[0]) || !is_digit(line[1]) ||
	    !is_digit(line[2]) || line[0] < '2' || line[0] > '5' ||
	    line[1] > '5' || (n > 3 && line[3] != ' ' && line[3] != '-')) {
		/* Quote it without its control bytes: a hostile server
		 * must not write escape sequences to our terminal. */
		char shown[81];
		size_t k = n < sizeof(shown) - 1 ? n : sizeof(shown) - 1;
		memcpy(shown, line, k);
		reply_clean(shown, k);
		shown[k] = '\0';
		return err_set(e, ERR_PROTOCOL, "malformed reply '%s'", shown);
	}
	for (size_t i = 3; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 32 && c != '\t') || c == 127) {
			return err_set(e, ERR_PROTOCOL,
				       "control character in reply");
		}
	}
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->nlines > 0 && code != r->code) {
		return err_set(e, ERR_PROTOCOL,
			       "reply lines with different codes (%d, %d)",
			       r->code, code);
	}
	r->code = code;
	last = n == 3 || line[3] == ' ';
	const char *text = n > 4 ? line + 4 : "";
	size_t tlen = n > 4 ? n - 4 : 0;
	if (r->nlines == 0) {
		size_t k = parse_enhanced(text, tlen, r->enh);
		(void)k;
	}
	if (r->nlines > 0 && buf_putc(&r->text, '\n') == -1) {
		return err_set(e, ERR_PROTOCOL, "reply longer than %d bytes",
			       REPLY_TEXT_MAX);
	}
	if (buf_append(&r->text, text, tlen) == -1) {
		return err_set(e, ERR_PROTOCOL, "reply longer than %d bytes",
			       REPLY_TEXT_MAX);
	}
	if (tlen > 0) {
		/* The text ends up in error messages on a terminal. */
		reply_clean(r->text.data + r->text.len - tlen, tlen);
	}
	r->nlines++;
	r->done = last;
	return last ? 1 : 0;
}

int reply_class(const struct reply *r)
{
	return r->code / 100;
}

void reply_summary(const struct reply *r, char *out, size_t max)
{
	const char *t = r->text.data != NULL ? r->text.data : "";
	size_t enh = strlen(r->enh), o;

	/* Every line, joined by spaces: the last lines often say the most
	 * (a link, the policy), and an error message is one line. */
	o = (size_t)snprintf(out, max, "%d", r->code);
	for (size_t line = 0; *t != '\0' || line == 0; line++) {
		size_t n = strcspn(t, "\n");
		const char *p = t;
		if (line > 0 && enh > 0 && n > enh &&
		    strncmp(p, r->enh, enh) == 0 && p[enh] == ' ') {
			p += enh + 1;
			n -= enh + 1;
		}
		if (n > 0 && o + 1 < max) {
			o += (size_t)snprintf(out + o, max - o, " %.*s", (int)n,
					      p);
		}
		t += strcspn(t, "\n");
		if (*t == '\n') {
			t++;
		} else {
			break;
		}
	}
}
