/* A synchronous SMTP client session (RFC 5321), one function per
 * protocol step. Commands may be queued and sent in one write
 * (PIPELINING, RFC 2920); every reply goes through the one reply
 * parser. Errors name the server, the step and the server's words. */
#ifndef POSTA_SMTP_H
#define POSTA_SMTP_H

#include <stdbool.h>

#include "buf.h"
#include "caps.h"
#include "conn.h"
#include "error.h"
#include "reply.h"

/* Receives each line sent ('>') or received ('<'), for -v. */
struct smtp_trace {
	void (*line)(void *ctx, char dir, const char *text, size_t n);
	void *ctx;
};

struct smtp {
	struct conn conn;
	struct caps caps;
	struct reply reply;
	struct buf line;
	struct buf wq; /* queued commands */
	const struct smtp_trace *trace;
	char greeting[256];
	bool broken; /* a read or write failed: no QUIT */
};

/* Connects, starts TLS at once when implicit_tls (RFC 8314), and reads
 * the 220 greeting. */
int smtp_open(struct smtp *s, const char *host, const char *port,
	      int timeout_ms, bool implicit_tls, const struct tls_opts *tls,
	      const struct smtp_trace *trace, volatile sig_atomic_t *cancel,
	      struct err *e);
/* Queues one command line (CRLF added). shown replaces it in the
 * trace when it carries a secret. */
void smtp_queue(struct smtp *s, const char *shown, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Writes what is queued. */
int smtp_flush(struct smtp *s, struct err *e);
/* Flushes, then reads one whole reply into s->reply. */
int smtp_read(struct smtp *s, struct err *e);
/* smtp_queue + smtp_read; returns the reply code or -1. */
int smtp_command(struct smtp *s, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fills e from s->reply: ERR_TEMP for 4xx, ERR_UNAVAIL for 5xx (or
 * cls5 when given), naming the host and step. Returns -1. */
int smtp_fail(struct smtp *s, struct err *e, const char *step,
	      enum err_class cls5);
/* EHLO, or HELO when the server does not know EHLO (RFC 5321 3.2). */
int smtp_ehlo(struct smtp *s, const char *name, struct err *e);
/* STARTTLS (RFC 3207); capabilities are forgotten afterwards and must
 * be asked for again with smtp_ehlo. */
int smtp_starttls(struct smtp *s, const struct tls_opts *tls, struct err *e);
/* AUTH with mechanism mech (an AUTH_* bit). 535 and friends are
 * ERR_TLS (authentication refused) with the server's words. */
int smtp_auth(struct smtp *s, unsigned mech, const char *user, const char *pass,
	      void (*random)(void *, size_t), struct err *e);
/* QUIT, ignoring what comes back, then closes. */
void smtp_quit(struct smtp *s);
void smtp_close(struct smtp *s);

#endif
