/* The message model cmd/ fills from flags and compose turns into bytes:
 * addresses, subject, threading, extra headers, body and parts. */
#ifndef POSTA_MESSAGE_H
#define POSTA_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "addr.h"
#include "buf.h"
#include "error.h"

#define MESSAGE_EXTRA_MAX 100
#define MESSAGE_PARTS_MAX 1000

struct attachment {
	char *path;
	char *type; /* override, or NULL for libmagic's answer */
	char *name; /* override, or NULL for the path's basename */
	bool is_inline;
};

struct extra_header {
	char *name;
	char *value;
};

struct message {
	struct addrlist from, to, cc, bcc, reply_to;
	struct mailbox sender; /* addr NULL when not given */
	char *subject;
	char *message_id; /* "<...>", or NULL to generate one */
	char *in_reply_to;
	char *references;
	bool has_date;
	time_t date;
	struct extra_header *extra;
	size_t nextra;
	char *body_path; /* NULL: standard input */
	bool body_empty; /* no body at all (stdin is a terminal) */
	char *html_path;
	char *charset; /* body and HTML charset; NULL: UTF-8, validated */
	struct attachment *att;
	size_t natt;
	bool digest;
};

/* What composition takes from the outside world, so it stays pure. */
struct compose_env {
	time_t now;
	/* Fills p with n unpredictable bytes (GnuTLS's RNG in posta). */
	void (*random)(void *p, size_t n);
};

void message_init(struct message *m);
void message_finish(struct message *m);
/* Adds an attachment; type and name may be NULL. Copies everything. */
int message_attach(struct message *m, const char *path, const char *type,
		   const char *name, bool is_inline, struct err *e);
/* Adds "Name: value" from -H after checking that the name is a field
 * name, is not one posta writes itself, and that the value holds no line
 * break (so no input can start a new header). */
int message_add_header(struct message *m, const char *line, struct err *e);
/* RFC 5322 3.6 rules that need the whole model: a recipient, Sender
 * when From has several mailboxes, UTF-8 text. */
int message_check(const struct message *m, struct err *e);
/* Writes the RFC 5322 fields (Date through the extra headers, not the
 * MIME ones) into out, each line ending LF. */
int message_write_headers(const struct message *m,
			  const struct compose_env *env, struct buf *out,
			  struct err *e);

#endif
