/* SMTP AUTH mechanisms (RFC 4954) as pure exchanges of base64 lines:
 * PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195), SCRAM-SHA-256 (RFC
 * 5802, 7677) and XOAUTH2. All hashing is GnuTLS's. The caller moves
 * the lines over the wire; this module never sees a socket. */
#ifndef POSTA_SASL_H
#define POSTA_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"

#define SASL_LINE_MAX 4096

struct sasl {
	unsigned mech; /* an AUTH_* bit from caps.h */
	const char *user;
	const char *pass; /* the password, or the OAuth token */
	int step;
	bool server_verified; /* SCRAM: the server proved its key */
	char cnonce[48];
	struct buf first_bare; /* SCRAM client-first-message-bare */
	unsigned char server_sig[32];
};

/* The mechanism's name as AUTH takes it. */
const char *sasl_name(unsigned mech);
/* The strongest mechanism in the AUTH_* set offered, or 0. */
unsigned sasl_pick(unsigned offered);
/* Starts an exchange. *initial gets the initial response to send with
 * the AUTH command (base64), or stays empty when the mechanism waits
 * for a challenge. random fills bytes for nonces. */
int sasl_start(struct sasl *s, unsigned mech, const char *user,
	       const char *pass, void (*random)(void *, size_t),
	       struct buf *initial, struct err *e);
/* Answers a 334 challenge (its base64 text) with a base64 line in
 * *response (possibly empty). ERR_TLS (auth) or ERR_PROTOCOL when the
 * challenge is malformed or the server's SCRAM proof is wrong. */
int sasl_step(struct sasl *s, const char *challenge, struct buf *response,
	      struct err *e);
/* After 235: -1 when the mechanism required the server to prove itself
 * (SCRAM) and it did not. */
int sasl_finish_ok(const struct sasl *s, struct err *e);
/* Wipes the exchange's secrets. */
void sasl_finish(struct sasl *s);

#endif
