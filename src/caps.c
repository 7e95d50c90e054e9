#include "caps.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	unsigned bit;
} mechs[] = {
	{ "PLAIN", AUTH_PLAIN },       { "LOGIN", AUTH_LOGIN },
	{ "CRAM-MD5", AUTH_CRAM_MD5 }, { "SCRAM-SHA-256", AUTH_SCRAM_SHA_256 },
	{ "XOAUTH2", AUTH_XOAUTH2 },
};

unsigned caps_auth_bit(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
		if (strlen(mechs[i].name) == n &&
		    strncasecmp(mechs[i].name, name, n) == 0) {
			return mechs[i].bit;
		}
	}
	return 0;
}

static bool keyword_is(const char *line, size_t kwlen, const char *kw)
{
	return strlen(kw) == kwlen && strncasecmp(line, kw, kwlen) == 0;
}

static void parse_auth(struct caps *c, const char *p, const char *end)
{
	while (p < end) {
		while (p < end && *p == ' ') {
			p++;
		}
		const char *w = p;
		while (p < end && *p != ' ') {
			p++;
		}
		c->auth |= caps_auth_bit(w, (size_t)(p - w));
	}
}

void caps_parse(struct caps *c, const struct reply *ehlo)
{
	const char *text = ehlo->text.data != NULL ? ehlo->text.data : "";
	const char *line = strchr(text, '\n');

	memset(c, 0, sizeof(*c));
	c->esmtp = true;
	while (line != NULL) {
		line++;
		const char *end = strchr(line, '\n');
		if (end == NULL) {
			end = line + strlen(line);
		}
		size_t kw = strcspn(line, " =\n");
		if (line + kw > end) {
			kw = (size_t)(end - line);
		}
		const char *params = line + kw;
		if (params < end) {
			params++;
		}
		if (keyword_is(line, kw, "PIPELINING")) {
			c->pipelining = true;
		} else if (keyword_is(line, kw, "STARTTLS")) {
			c->starttls = true;
		} else if (keyword_is(line, kw, "8BITMIME")) {
			c->eightbitmime = true;
		} else if (keyword_is(line, kw, "SMTPUTF8")) {
			c->smtputf8 = true;
		} else if (keyword_is(line, kw, "DSN")) {
			c->dsn = true;
		} else if (keyword_is(line, kw, "ENHANCEDSTATUSCODES")) {
			c->enhanced = true;
		} else if (keyword_is(line, kw, "CHUNKING")) {
			c->chunking = true;
		} else if (keyword_is(line, kw, "SIZE")) {
			/* RFC 1870 4: 1 to 20 digits, on this line only. */
			c->size = true;
			c->size_max = 0;
			for (const char *d = params;
			     d < end && *d >= '0' && *d <= '9' &&
			     d - params < 20;
			     d++) {
				c->size_max =
					c->size_max * 10 + (uint64_t)(*d - '0');
			}
		} else if (keyword_is(line, kw, "AUTH")) {
			/* "AUTH=" is the pre-RFC 2554 form some servers
			 * still send beside the standard one. */
			parse_auth(c, params, end);
		}
		line = *end == '\n' ? end : NULL;
	}
}
