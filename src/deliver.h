/* Delivery policy over one SMTP session: TLS required unless asked
 * otherwise, the strongest AUTH offered, all-or-nothing recipients,
 * SIZE/8BITMIME/SMTPUTF8/DSN parameters, pipelining where offered, and
 * dead.letter for what the server did not take. */
#ifndef POSTA_DELIVER_H
#define POSTA_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <time.h>

#include "conn.h"
#include "error.h"
#include "mime.h"
#include "smtp.h"

enum deliver_tls {
	DELIVER_STARTTLS, /* RFC 3207, required */
	DELIVER_TLS,      /* implicit TLS, RFC 8314 */
	DELIVER_NONE,     /* plain text, only when asked for */
};

struct deliver_opts {
	const char *host;
	const char *port;
	enum deliver_tls tls;
	struct tls_opts tlso;
	const char *helo; /* NULL: our address literal */
	int timeout_ms;
	const char *user; /* NULL: no AUTH */
	const char *pass;
	unsigned auth;    /* forced AUTH_* mechanism, or 0 to pick */
	const char *from; /* envelope sender; "" for the null sender */
	const char *const *rcpts;
	size_t nrcpts;
	bool allow_partial;
	const char *dsn_notify; /* NOTIFY= value, or NULL */
	const char *dsn_ret;    /* RET= value, or NULL */
	const char *dsn_envid;  /* ENVID= value, or NULL */
	bool smtputf8;          /* an address is not ASCII */
	const struct smtp_trace *trace;
	void (*random)(void *, size_t);
	volatile sig_atomic_t *cancel; /* see conn.h; may be NULL */
};

#define DELIVER_TEXT_MAX 512

struct rcpt_status {
	int code;   /* the last RCPT reply code, 0 when never asked */
	bool limit; /* that reply said the message has all it can take */
	bool sent;  /* in a transaction the server took */
	char text[DELIVER_TEXT_MAX];
};

struct deliver_result {
	struct rcpt_status *rcpt; /* one per opts.rcpts, caller frees */
	size_t accepted;
	size_t refused;
	size_t delivered;    /* recipients in transactions the server took */
	size_t unreached;    /* neither delivered nor refused by the server */
	size_t transactions; /* MAIL commands sent */
	bool sent;           /* the server answered 250 to a final dot */
	bool quit_sent;      /* pipelined after the last final dot */
	uint64_t round_trips;
	uint64_t size;
	char final_reply[DELIVER_TEXT_MAX];
};

/* Sends the composition. 0 when the server took it for every
 * recipient; -1 otherwise with e saying why (ERR_NOUSER or ERR_TEMP for
 * refused recipients). When the server takes fewer recipients per
 * message than there are (452, RFC 5321 4.5.3.1.8), the rest go in
 * further transactions; r->sent is then true once one is taken, as it
 * is with --allow-partial, and e names who has not got it. r is filled
 * either way; free r->rcpt. */
int deliver_send(const struct deliver_opts *o, struct composition *c,
		 struct deliver_result *r, struct err *e);
/* Appends the message to the mbox file path (created mode 0600, locked
 * while written, "From " lines quoted mboxrd-style). A file that shrank
 * during an earlier write goes in as it is now (mime_refresh). */
int deliver_dead_letter(struct composition *c, const char *path,
			const char *from, time_t now, struct err *e);
/* The same for any message: body writes it (LF line ends) into the
 * mbox filter it is given. When writing fails, a regular file is cut
 * back to where the message began. */
int deliver_mbox_append(const char *path, const char *from, time_t now,
			int (*body)(void *ctx, struct sink *out, struct err *e),
			void *ctx, struct err *e);
/* Connects and fills what --serverinfo prints into out. */
int deliver_serverinfo(const struct deliver_opts *o, struct buf *out,
		       struct err *e);
/* VRFY (expand false) or EXPN: the server's reply text into out. */
int deliver_probe(const struct deliver_opts *o, const char *what, bool expand,
		  struct buf *out, struct err *e);

#endif
