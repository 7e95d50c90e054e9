#include "deliver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sasl.h"
#include "sink.h"
#include "xalloc.h"

/* The sink DATA's filter writes into: the connection, in blocks. */
struct conn_sink {
	struct sink sink;
	struct conn *conn;
};

static int conn_sink_write(struct sink *sk, const void *p, size_t n,
			   struct err *e)
{
	struct conn_sink *s = (struct conn_sink *)sk;

	conn_arm(s->conn);
	return conn_write(s->conn, p, n, e);
}

static int conn_sink_flush(struct sink *sk, struct err *e)
{
	return 0;
}

static const struct sink_ops conn_sink_ops = { conn_sink_write,
					       conn_sink_flush };

static bool is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1) {
		return (ntohl(a4.s_addr) >> 24) == 127;
	}
	return inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* RFC 5321 4.1.4: a fully qualified name, else an address literal;
 * never "localhost", which says nothing. */
static const char *helo_name(const struct smtp *s, const struct deliver_opts *o)
{
	return o->helo != NULL ? o->helo : s->conn.local;
}

/* Greeting, EHLO, TLS and AUTH: everything before the transaction. */
static int session_start(struct smtp *s, const struct deliver_opts *o,
			 struct err *e)
{
	if (smtp_open(s, o->host, o->port, o->timeout_ms, o->tls == DELIVER_TLS,
		      &o->tlso, o->trace, o->cancel, e) == -1 ||
	    smtp_ehlo(s, helo_name(s, o), e) == -1) {
		return -1;
	}
	if (o->tls == DELIVER_STARTTLS) {
		if (!s->caps.starttls) {
			return err_set(e, ERR_TLS,
				       "%s: the server does not offer STARTTLS; "
				       "nothing was sent (--tls=none sends in "
				       "the clear)",
				       o->host);
		}
		if (smtp_starttls(s, &o->tlso, e) == -1 ||
		    smtp_ehlo(s, helo_name(s, o), e) == -1) {
			return -1;
		}
	}
	if (o->user == NULL) {
		return 0;
	}
	/* Credentials never cross the network in the clear; a test
	 * server on this machine is the one exception, and only when the
	 * user said --tls=none. */
	if (o->tls == DELIVER_NONE && !is_loopback(s->conn.peer)) {
		return err_set(e, ERR_TLS,
			       "%s: refusing to send a password without TLS",
			       o->host);
	}
	if (s->caps.auth == 0) {
		return err_set(e, ERR_TLS,
			       "%s: a user was given but the server offers no "
			       "AUTH; nothing was sent",
			       o->host);
	}
	unsigned mech = o->auth != 0 ? o->auth : sasl_pick(s->caps.auth);
	if (mech == 0 || (s->caps.auth & mech) == 0) {
		return err_set(e, ERR_TLS,
			       "%s: no AUTH mechanism in common%s%s", o->host,
			       o->auth ? "; the server does not offer " : "",
			       o->auth ? sasl_name(o->auth) : "");
	}
	return smtp_auth(s, mech, o->user, o->pass, o->random, e);
}

/* The RFC 5321 4.1.1.2 MAIL command with the extensions the message
 * and the server call for. */
static void queue_mail(struct smtp *s, const struct deliver_opts *o,
		       uint64_t size, bool eight)
{
	struct buf cmd;

	buf_init(&cmd, 0);
	buf_printf(&cmd, "MAIL FROM:<%s>", o->from);
	if (s->caps.size) {
		buf_printf(&cmd, " SIZE=%llu", (unsigned long long)size);
	}
	if (eight && s->caps.eightbitmime) {
		buf_puts(&cmd, " BODY=8BITMIME");
	}
	if (o->smtputf8) {
		buf_puts(&cmd, " SMTPUTF8");
	}
	if (s->caps.dsn && o->dsn_ret != NULL) {
		buf_printf(&cmd, " RET=%s", o->dsn_ret);
	}
	if (s->caps.dsn && o->dsn_envid != NULL) {
		buf_printf(&cmd, " ENVID=%s", o->dsn_envid);
	}
	smtp_queue(s, NULL, "%s", cmd.data);
	buf_finish(&cmd);
}

static void queue_rcpt(struct smtp *s, const struct deliver_opts *o,
		       const char *rcpt)
{
	if (s->caps.dsn && o->dsn_notify != NULL) {
		smtp_queue(s, NULL, "RCPT TO:<%s> NOTIFY=%s", rcpt,
			   o->dsn_notify);
	} else {
		smtp_queue(s, NULL, "RCPT TO:<%s>", rcpt);
	}
}

/* RCPT commands in flight at once with PIPELINING. */
#define RCPT_WINDOW 100
/* Refused recipients named in an error; the rest are counted. */
#define REFUSED_NAMED 10

/* RFC 5321 4.5.3.1.10: a server out of room for more recipients in one
 * message says 452 (4.5.3); one following RFC 821 says 552 (5.5.3),
 * which is to be taken the same way. Either is not a refusal of the
 * address: it goes in the next transaction (4.5.3.1.8). */
static bool rcpt_limit(const struct smtp *s)
{
	return (s->reply.code == 452 && (s->reply.enh[0] == '\0' ||
					 strcmp(s->reply.enh, "4.5.3") == 0)) ||
	       (s->reply.code == 552 && strcmp(s->reply.enh, "5.5.3") == 0);
}

/* Appends "a, b, ... and N more" for the recipients that pick() selects. */
static void name_some(const struct deliver_opts *o,
		      const struct deliver_result *r,
		      bool (*pick)(const struct rcpt_status *), bool why,
		      struct buf *msg)
{
	size_t named = 0, more = 0;

	for (size_t i = 0; i < o->nrcpts; i++) {
		if (!pick(&r->rcpt[i])) {
			continue;
		}
		/* One line, however many: the first few, then a count. */
		if (named == REFUSED_NAMED) {
			more++;
			continue;
		}
		buf_printf(msg, "%s%s", named > 0 ? ", " : "", o->rcpts[i]);
		if (why) {
			buf_printf(msg, " (%s)", r->rcpt[i].text);
		}
		named++;
	}
	if (more > 0) {
		buf_printf(msg, " and %zu more", more);
	}
}

static bool is_refused(const struct rcpt_status *st)
{
	return st->code / 100 != 2 && !st->sent;
}

static bool is_unsent(const struct rcpt_status *st)
{
	return !st->sent;
}

/* Names each refused recipient with the server's words, and says who
 * has the message. */
static int refused_error(const struct deliver_opts *o, struct deliver_result *r,
			 struct err *e)
{
	struct buf msg;
	bool permanent = false;
	size_t refused = 0;

	for (size_t i = 0; i < o->nrcpts; i++) {
		if (is_refused(&r->rcpt[i])) {
			refused++;
			permanent = permanent || r->rcpt[i].code / 100 == 5;
		}
	}
	buf_init(&msg, ERR_MSG_MAX);
	name_some(o, r, is_refused, true, &msg);
	if (r->delivered == 0) {
		buf_puts(&msg, "; nothing was sent");
	} else if (r->delivered + refused == o->nrcpts) {
		buf_puts(&msg, "; sent to the others");
		if (o->allow_partial) {
			buf_puts(&msg, " (--allow-partial)");
		}
	} else {
		buf_printf(&msg, "; sent to %zu of %zu recipients, not to ",
			   r->delivered, o->nrcpts);
		name_some(o, r, is_unsent, false, &msg);
	}
	err_set(e, permanent ? ERR_NOUSER : ERR_TEMP,
		"%s: recipient%s refused: %s", o->host, refused > 1 ? "s" : "",
		msg.data);
	buf_finish(&msg);
	return -1;
}

/* After a failure that is not a refusal, in a delivery that went to some
 * recipients in an earlier transaction: say who has it and who not. */
static void partial_note(const struct deliver_opts *o,
			 const struct deliver_result *r, struct err *e)
{
	struct buf msg;
	char was[ERR_MSG_MAX];

	snprintf(was, sizeof(was), "%s", e->msg);
	buf_init(&msg, ERR_MSG_MAX);
	name_some(o, r, is_unsent, false, &msg);
	err_set(e, e->cls, "%s; sent to %zu of %zu recipients, not to %s", was,
		r->delivered, o->nrcpts, msg.data);
	buf_finish(&msg);
}

/* MAIL and the RCPTs for the recipients idx[0..n): r->rcpt filled. At
 * most RCPT_WINDOW commands await replies with PIPELINING: a server's
 * unread replies must never fill the socket while we still write, or
 * both sides wait forever (avoiding that is the client's job, RFC 2920).
 * DATA waits for all of them, so a refused recipient can still stop
 * it. */
static int envelope(struct smtp *s, const struct deliver_opts *o,
		    struct deliver_result *r, bool eight, const size_t *idx,
		    size_t n, struct err *e)
{
	size_t queued = 0;

	queue_mail(s, o, r->size, eight);
	while (s->caps.pipelining && queued < n && queued < RCPT_WINDOW) {
		queue_rcpt(s, o, o->rcpts[idx[queued++]]);
	}
	if (smtp_read(s, e) == -1) {
		return -1;
	}
	if (s->reply.code != 250) {
		smtp_fail(s, e, "MAIL FROM", ERR_UNAVAIL);
		for (size_t i = 0; i < queued; i++) {
			/* Drain the RCPT replies the server still owes. */
			struct err ignored;
			if (smtp_read(s, &ignored) == -1) {
				break;
			}
		}
		return -1;
	}
	/* Once the server says it has no room for more, the RCPTs not yet
	 * sent wait for the next transaction. */
	bool full = false;
	size_t i = 0;
	for (; i < n && !(full && i == queued); i++) {
		struct rcpt_status *st = &r->rcpt[idx[i]];
		if (!s->caps.pipelining) {
			queue_rcpt(s, o, o->rcpts[idx[queued++]]);
		} else if (!full && queued - i <= RCPT_WINDOW / 2) {
			/* Top up while half a window is still in flight,
			 * so the server never waits on us either. */
			while (queued < n && queued - i < RCPT_WINDOW) {
				queue_rcpt(s, o, o->rcpts[idx[queued++]]);
			}
		}
		if (smtp_read(s, e) == -1) {
			return -1;
		}
		st->code = s->reply.code;
		st->limit = rcpt_limit(s);
		full = full || st->limit;
		reply_summary(&s->reply, st->text, DELIVER_TEXT_MAX);
	}
	for (; i < n; i++) {
		struct rcpt_status *st = &r->rcpt[idx[i]];
		st->code = 0;
		st->limit = true;
		snprintf(st->text, sizeof(st->text),
			 "not sent: the server "
			 "took all it would");
	}
	return 0;
}

/* DATA, the message and the final dot (with QUIT after it when it is
 * the last and the server pipelines); 0 when the server took it. */
static int send_data(struct smtp *s, const struct deliver_opts *o,
		     struct composition *c, struct deliver_result *r, bool last,
		     struct err *e)
{
	struct data_sink data;
	struct conn_sink cs;
	bool quit = last && s->caps.pipelining;
	int ret = -1;

	if (smtp_command(s, e, "DATA") == -1) {
		return -1;
	}
	if (s->reply.code != 354) {
		return smtp_fail(s, e, "DATA", ERR_UNAVAIL);
	}
	cs.sink.ops = &conn_sink_ops;
	cs.conn = &s->conn;
	data_sink_init(&data, &cs.sink);
	s->broken = true; /* until the final dot is out */
	/* The end of the message, the dot and a pipelined QUIT leave in
	 * one write: no small packets for the server to wait on. */
	if (mime_write(c, &data.sink, e) == -1 ||
	    data_sink_end_with(&data, "QUIT\r\n", quit ? 6 : 0, e) == -1) {
		goto out;
	}
	s->broken = false;
	r->quit_sent = quit;
	if (o->trace != NULL) {
		char note[64];
		int k = snprintf(note, sizeof(note), "[%llu bytes of message]",
				 (unsigned long long)data.bytes);
		o->trace->line(o->trace->ctx, '>', note, (size_t)k);
		o->trace->line(o->trace->ctx, '>', ".", 1);
		if (quit) {
			o->trace->line(o->trace->ctx, '>', "QUIT", 4);
		}
	}
	if (smtp_read(s, e) == -1) {
		char msg[ERR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", e->msg);
		err_set(e, e->cls,
			"%s; after the final dot, so the server may or may not "
			"have taken the message",
			msg);
		goto out;
	}
	reply_summary(&s->reply, r->final_reply, DELIVER_TEXT_MAX);
	if (s->reply.code != 250) {
		smtp_fail(s, e, "end of DATA", ERR_UNAVAIL);
		goto out;
	}
	ret = 0;
out:
	data_sink_finish(&data);
	return ret;
}

int deliver_send(const struct deliver_opts *o, struct composition *c,
		 struct deliver_result *r, struct err *e)
{
	struct smtp s;
	bool eight = mime_is_8bit(c);
	size_t *todo = xcalloc(o->nrcpts + 1, sizeof(*todo)), ntodo = 0;
	bool named = false; /* the error already says who has it */
	int ret = -1;

	memset(r, 0, sizeof(*r));
	r->rcpt = xcalloc(o->nrcpts, sizeof(*r->rcpt));
	if (session_start(&s, o, e) == -1) {
		goto out;
	}
	if (o->smtputf8 && !s.caps.smtputf8) {
		err_set(e, ERR_UNAVAIL,
			"%s: an address is not ASCII and the server does not "
			"offer SMTPUTF8; nothing was sent",
			o->host);
		goto out;
	}
	if (eight && !s.caps.eightbitmime) {
		err_set(e, ERR_UNAVAIL,
			"%s: the message has 8-bit text and the server does "
			"not offer 8BITMIME; nothing was sent",
			o->host);
		goto out;
	}
	if (s.caps.size) {
		/* RFC 1870: octets with CRLF line ends. A counting pass
		 * over the composition, never a buffered copy. */
		if (mime_wire_size(c, &r->size, e) == -1) {
			goto out;
		}
		if (s.caps.size_max > 0 && r->size > s.caps.size_max) {
			err_set(e, ERR_UNAVAIL,
				"%s: the message is %llu bytes and the server "
				"takes at most %llu; nothing was sent",
				o->host, (unsigned long long)r->size,
				(unsigned long long)s.caps.size_max);
			goto out;
		}
	}
	for (size_t i = 0; i < o->nrcpts; i++) {
		todo[ntodo++] = i;
	}
	/* One transaction, or more when the server takes fewer recipients
	 * per message than there are (RFC 5321 4.5.3.1.8). */
	while (ntodo > 0) {
		size_t acc = 0, lim = 0, ref = 0, next = 0;

		r->transactions++;
		if (envelope(&s, o, r, eight, todo, ntodo, e) == -1) {
			goto out;
		}
		for (size_t i = 0; i < ntodo; i++) {
			const struct rcpt_status *st = &r->rcpt[todo[i]];
			acc += st->code / 100 == 2;
			lim += st->code / 100 != 2 && st->limit;
			ref += st->code / 100 != 2 && !st->limit;
		}
		r->accepted += acc;
		r->refused += ref;
		if (acc == 0 || (ref > 0 && !o->allow_partial)) {
			/* Nothing goes in this transaction; recipients the
			 * server had no room for count as refused now. */
			struct err ignored;
			smtp_command(&s, &ignored, "RSET");
			r->refused += lim;
			named = refused_error(o, r, e) == -1;
			goto out;
		}
		if (send_data(&s, o, c, r, lim == 0, e) == -1) {
			goto out;
		}
		r->sent = true;
		for (size_t i = 0; i < ntodo; i++) {
			struct rcpt_status *st = &r->rcpt[todo[i]];
			if (st->code / 100 == 2) {
				st->sent = true;
				r->delivered++;
			} else if (st->limit) {
				todo[next++] = todo[i];
			}
		}
		ntodo = next;
	}
	if (r->refused > 0) {
		named = refused_error(o, r, e) == -1;
		goto out;
	}
	ret = 0;
out:
	if (ret == -1 && !named && r->delivered > 0) {
		partial_note(o, r, e);
	}
	for (size_t i = 0; i < o->nrcpts; i++) {
		const struct rcpt_status *st = &r->rcpt[i];
		r->unreached += !st->sent && (st->code / 100 == 2 ||
					      st->code == 0 || st->limit);
	}
	free(todo);
	r->round_trips = s.conn.round_trips;
	if (r->quit_sent) {
		struct err ignored;
		smtp_read(&s, &ignored); /* QUIT's reply */
		smtp_close(&s);
	} else {
		smtp_quit(&s);
	}
	return ret;
}

int deliver_mbox_append(const char *path, const char *from, time_t now,
			int (*body)(void *ctx, struct sink *out, struct err *e),
			void *ctx, struct err *e)
{
	struct fd_sink out;
	struct mbox_sink mbox;
	char date[32];
	struct tm tm;
	struct stat st;
	int fd, r;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		return err_sys(e, ERR_CANTCREAT, errno, "%s", path);
	}
	if (flock(fd, LOCK_EX) == -1) {
		close(fd);
		return err_sys(e, ERR_IO, errno, "%s: lock", path);
	}
	/* Where this message starts: a failed write is cut back to it, so
	 * the mbox never ends in half a message that the next one would
	 * run into. */
	if (fstat(fd, &st) == -1) {
		r = err_sys(e, ERR_IO, errno, "%s", path);
		close(fd);
		return r;
	}
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	fd_sink_init(&out, fd, path);
	mbox_sink_init(&mbox, &out.sink);
	/* An mbox "From " line: the envelope sender and the date. */
	r = sink_puts(&out.sink, "From ", e);
	if (r == 0) {
		r = sink_puts(&out.sink,
			      from != NULL && *from ? from : "MAILER-DAEMON",
			      e);
	}
	if (r == 0) {
		r = sink_puts(&out.sink, " ", e);
	}
	if (r == 0) {
		r = sink_puts(&out.sink, date, e);
	}
	if (r == 0) {
		r = sink_puts(&out.sink, "\n", e);
	}
	if (r == 0) {
		r = body(ctx, &mbox.sink, e);
	}
	if (r == 0) {
		r = sink_flush(&mbox.sink, e);
	}
	if (r == 0) {
		r = sink_puts(&out.sink, "\n", e);
	}
	if (r == 0) {
		r = sink_flush(&out.sink, e);
	}
	fd_sink_finish(&out);
	if (r == 0 && fsync(fd) == -1) {
		r = err_sys(e, ERR_IO, errno, "%s", path);
	}
	if (r != 0 && S_ISREG(st.st_mode)) {
		/* Best effort: the error already names the failure. */
		(void)!ftruncate(fd, st.st_size);
	}
	if (close(fd) == -1 && r == 0) {
		r = err_sys(e, ERR_IO, errno, "%s", path);
	}
	return r;
}

static int write_composition(void *ctx, struct sink *out, struct err *e)
{
	return mime_write(ctx, out, e);
}

int deliver_dead_letter(struct composition *c, const char *path,
			const char *from, time_t now, struct err *e)
{
	/* A file that shrank while being sent is saved as it is now. */
	if (mime_refresh(c, e) == -1) {
		return -1;
	}
	return deliver_mbox_append(path, from, now, write_composition, c, e);
}

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

int deliver_serverinfo(const struct deliver_opts *o, struct buf *out,
		       struct err *e)
{
	struct smtp s;
	struct tls_info ti;
	int ret = -1;
	bool implicit = o->tls == DELIVER_TLS;

	if (smtp_open(&s, o->host, o->port, o->timeout_ms, implicit, &o->tlso,
		      o->trace, o->cancel, e) == -1 ||
	    smtp_ehlo(&s, helo_name(&s, o), e) == -1) {
		goto out;
	}
	buf_printf(out, "server: %s port %s (%s)\n", o->host, o->port,
		   s.conn.peer);
	buf_printf(out, "greeting: %s\n", s.greeting);
	if (!implicit && o->tls != DELIVER_NONE && s.caps.starttls) {
		if (smtp_starttls(&s, &o->tlso, e) == -1 ||
		    smtp_ehlo(&s, helo_name(&s, o), e) == -1) {
			goto out;
		}
	}
	if (s.conn.tls != NULL) {
		conn_tls_info(&s.conn, &ti);
		buf_printf(out, "tls: %s (%s)\n", ti.version, ti.cipher);
		buf_printf(out, "certificate subject: %s\n", ti.subject);
		buf_printf(out, "certificate issuer: %s\n", ti.issuer);
		buf_printf(out, "certificate expires: %s\n", ti.expires);
		buf_printf(out, "certificate sha256: %s\n", ti.fingerprint);
		buf_printf(out, "certificate verified: %s\n",
			   o->tlso.fingerprint ? "pinned fingerprint matches"
					       : "chain and host name");
	} else {
		buf_printf(out, "tls: none%s\n",
			   s.caps.starttls ? " (STARTTLS offered)" : "");
	}
	const struct caps *c = &s.caps;
	buf_printf(out, "esmtp: %s\n", yes(c->esmtp));
	buf_printf(out, "pipelining: %s\n", yes(c->pipelining));
	buf_printf(out, "8bitmime: %s\nsmtputf8: %s\ndsn: %s\n",
		   yes(c->eightbitmime), yes(c->smtputf8), yes(c->dsn));
	buf_printf(out, "chunking: %s\nenhancedstatuscodes: %s\n",
		   yes(c->chunking), yes(c->enhanced));
	if (c->size) {
		if (c->size_max > 0) {
			buf_printf(out, "size: %llu bytes\n",
				   (unsigned long long)c->size_max);
		} else {
			buf_puts(out, "size: no limit given\n");
		}
	} else {
		buf_puts(out, "size: not announced\n");
	}
	buf_puts(out, "auth:");
	for (unsigned bit = 1; bit <= AUTH_XOAUTH2; bit <<= 1) {
		if (c->auth & bit) {
			buf_printf(out, " %s", sasl_name(bit));
		}
	}
	buf_puts(out, c->auth ? "\n" : " none\n");
	ret = 0;
out:
	smtp_quit(&s);
	return ret;
}

int deliver_probe(const struct deliver_opts *o, const char *what, bool expand,
		  struct buf *out, struct err *e)
{
	struct smtp s;
	int ret = -1;

	if (session_start(&s, o, e) == -1) {
		goto out;
	}
	if (smtp_command(&s, e, "%s %s", expand ? "EXPN" : "VRFY", what) ==
	    -1) {
		goto out;
	}
	buf_printf(out, "%d %s\n", s.reply.code,
		   s.reply.text.data ? s.reply.text.data : "");
	if (reply_class(&s.reply) != 2) {
		smtp_fail(&s, e, expand ? "EXPN" : "VRFY", ERR_UNAVAIL);
		goto out;
	}
	ret = 0;
out:
	smtp_quit(&s);
	return ret;
}
