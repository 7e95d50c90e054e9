/* ESMTP capabilities from an EHLO reply (RFC 5321 4.1.1.1): the first
 * line is the greeting, each further line a keyword and parameters. */
#ifndef POSTA_CAPS_H
#define POSTA_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "reply.h"

enum {
	AUTH_PLAIN = 1 << 0,
	AUTH_LOGIN = 1 << 1,
	AUTH_CRAM_MD5 = 1 << 2,
	AUTH_SCRAM_SHA_256 = 1 << 3,
	AUTH_XOAUTH2 = 1 << 4,
};

struct caps {
	bool esmtp;        /* EHLO worked; false after a HELO fallback */
	bool pipelining;   /* RFC 2920 */
	bool starttls;     /* RFC 3207 */
	bool eightbitmime; /* RFC 6152 */
	bool smtputf8;     /* RFC 6531 */
	bool dsn;          /* RFC 3461 */
	bool enhanced;     /* RFC 2034 */
	bool chunking;     /* RFC 3030 */
	bool size;         /* RFC 1870 */
	uint64_t size_max; /* 0: no limit announced */
	unsigned auth;     /* AUTH_* mechanisms offered */
};

/* Reads the keywords of a complete EHLO reply into *c (cleared first).
 * Unknown keywords are ignored, as RFC 5321 4.1.1.1 asks. */
void caps_parse(struct caps *c, const struct reply *ehlo);
/* The AUTH_* bit for a mechanism name, 0 for one posta lacks. */
unsigned caps_auth_bit(const char *name, size_t n);

#endif
