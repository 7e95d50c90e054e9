#include "smtp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sasl.h"

static void trace(const struct smtp *s, char dir, const char *text, size_t n)
{
	if (s->trace != NULL && s->trace->line != NULL) {
		s->trace->line(s->trace->ctx, dir, text, n);
	}
}

int smtp_read(struct smtp *s, struct err *e)
{
	int r;

	if (smtp_flush(s, e) == -1) {
		return -1;
	}
	conn_arm(&s->conn);
	reply_reset(&s->reply);
	do {
		if (conn_read_line(&s->conn, &s->line, REPLY_LINE_MAX, e) ==
		    -1) {
			s->broken = true;
			return -1;
		}
		trace(s, '<', s->line.data, s->line.len);
		r = reply_feed(&s->reply, s->line.data, s->line.len, e);
		if (r == -1) {
			s->broken = true;
			/* Name the server in protocol errors too. */
			char msg[ERR_MSG_MAX];
			snprintf(msg, sizeof(msg), "%s", e->msg);
			return err_set(e, ERR_PROTOCOL, "%s: %s", s->conn.host,
				       msg);
		}
	} while (r == 0);
	return 0;
}

int smtp_open(struct smtp *s, const char *host, const char *port,
	      int timeout_ms, bool implicit_tls, const struct tls_opts *tls,
	      const struct smtp_trace *tr, volatile sig_atomic_t *cancel,
	      struct err *e)
{
	memset(s, 0, sizeof(*s));
	reply_init(&s->reply);
	buf_init(&s->line, REPLY_LINE_MAX + 2);
	buf_init(&s->wq, 0);
	s->trace = tr;
	if (conn_open(&s->conn, host, port, timeout_ms, cancel, e) == -1) {
		return -1;
	}
	if (implicit_tls && conn_start_tls(&s->conn, tls, e) == -1) {
		s->broken = true; /* no plain-text QUIT on a TLS port */
		return -1;
	}
	if (smtp_read(s, e) == -1) {
		return -1;
	}
	reply_summary(&s->reply, s->greeting, sizeof(s->greeting));
	if (s->reply.code != 220) {
		return smtp_fail(s, e, "greeting", ERR_UNAVAIL);
	}
	return 0;
}

__attribute__((format(printf, 3, 0))) static void
vqueue(struct smtp *s, const char *shown, const char *fmt, va_list ap)
{
	size_t start = s->wq.len;

	/* Every value in a command was checked for CR and LF before it
	 * got here (addresses by addr.c, the rest by cmd/), so no command
	 * can carry another. */
	buf_vprintf(&s->wq, fmt, ap);
	if (shown != NULL) {
		trace(s, '>', shown, strlen(shown));
	} else {
		trace(s, '>', s->wq.data + start, s->wq.len - start);
	}
	buf_append(&s->wq, "\r\n", 2);
}

void smtp_queue(struct smtp *s, const char *shown, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vqueue(s, shown, fmt, ap);
	va_end(ap);
}

int smtp_flush(struct smtp *s, struct err *e)
{
	int r = 0;

	if (s->wq.len > 0) {
		conn_arm(&s->conn);
		r = conn_write(&s->conn, s->wq.data, s->wq.len, e);
		s->broken = s->broken || r == -1;
		if (s->wq.data != NULL) {
			explicit_bzero(s->wq.data, s->wq.len);
		}
		buf_reset(&s->wq);
	}
	return r;
}

int smtp_command(struct smtp *s, struct err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vqueue(s, NULL, fmt, ap);
	va_end(ap);
	if (smtp_read(s, e) == -1) {
		return -1;
	}
	return s->reply.code;
}

int smtp_fail(struct smtp *s, struct err *e, const char *step,
	      enum err_class cls5)
{
	char sum[300];

	reply_summary(&s->reply, sum, sizeof(sum));
	return err_set(e, reply_class(&s->reply) == 4 ? ERR_TEMP : cls5,
		       "%s: %s: %s", s->conn.host, step, sum);
}

int smtp_ehlo(struct smtp *s, const char *name, struct err *e)
{
	int code = smtp_command(s, e, "EHLO %s", name);

	if (code == -1) {
		return -1;
	}
	if (code == 250) {
		caps_parse(&s->caps, &s->reply);
		return 0;
	}
	if (reply_class(&s->reply) != 5) {
		return smtp_fail(s, e, "EHLO", ERR_UNAVAIL);
	}
	/* RFC 5321 3.2: an old server answers EHLO with 5xx; HELO then. */
	code = smtp_command(s, e, "HELO %s", name);
	if (code == -1) {
		return -1;
	}
	if (code != 250) {
		return smtp_fail(s, e, "HELO", ERR_UNAVAIL);
	}
	memset(&s->caps, 0, sizeof(s->caps));
	return 0;
}

int smtp_starttls(struct smtp *s, const struct tls_opts *tls, struct err *e)
{
	int code = smtp_command(s, e, "STARTTLS");

	if (code == -1) {
		return -1;
	}
	if (code != 220) {
		return smtp_fail(s, e, "STARTTLS", ERR_TLS);
	}
	if (conn_start_tls(&s->conn, tls, e) == -1) {
		/* Half a handshake: nothing more may go in plain text. */
		s->broken = true;
		return -1;
	}
	/* RFC 3207 4.2: forget everything learnt before TLS. */
	memset(&s->caps, 0, sizeof(s->caps));
	return 0;
}

int smtp_auth(struct smtp *s, unsigned mech, const char *user, const char *pass,
	      void (*random)(void *, size_t), struct err *e)
{
	struct sasl sasl;
	struct buf msg;
	int ret = -1;
	char shown[64];

	buf_init(&msg, SASL_LINE_MAX);
	if (sasl_start(&sasl, mech, user, pass, random, &msg, e) == -1) {
		goto out;
	}
	snprintf(shown, sizeof(shown), "AUTH %s%s", sasl_name(mech),
		 msg.len > 0 ? " <redacted>" : "");
	if (msg.len > 0) {
		smtp_queue(s, shown, "AUTH %s %s", sasl_name(mech), msg.data);
	} else {
		smtp_queue(s, shown, "AUTH %s", sasl_name(mech));
	}
	/* RFC 4954 4: 334 challenges until 235 or an error; bounded so a
	 * server cannot keep us here. */
	for (int round = 0;; round++) {
		if (smtp_read(s, e) == -1) {
			goto out;
		}
		if (s->reply.code != 334) {
			break;
		}
		if (round == 8) {
			err_set(e, ERR_PROTOCOL,
				"%s: AUTH %s: too many "
				"challenges",
				s->conn.host, sasl_name(mech));
			goto out;
		}
		const char *ch = s->reply.text.data ? s->reply.text.data : "";
		if (sasl_step(&sasl, ch, &msg, e) == -1) {
			/* RFC 4954 4: "*" cancels the exchange. */
			smtp_queue(s, NULL, "*");
			smtp_flush(s, e);
			goto out;
		}
		smtp_queue(s, "<redacted>", "%s", msg.data);
	}
	if (s->reply.code != 235) {
		smtp_fail(s, e, "AUTH", ERR_TLS);
		goto out;
	}
	ret = sasl_finish_ok(&sasl, e);
out:
	if (msg.data != NULL) {
		explicit_bzero(msg.data, msg.len);
	}
	buf_finish(&msg);
	sasl_finish(&sasl);
	return ret;
}

void smtp_quit(struct smtp *s)
{
	struct err ignored;

	/* After a timeout or a dropped connection, QUIT would only wait
	 * out another timeout. */
	if (s->conn.fd >= 0 && !s->broken) {
		s->conn.timeout_ms =
			s->conn.timeout_ms < 5000 ? s->conn.timeout_ms : 5000;
		smtp_command(s, &ignored, "QUIT");
	}
	smtp_close(s);
}

void smtp_close(struct smtp *s)
{
	conn_close(&s->conn);
	reply_finish(&s->reply);
	buf_finish(&s->line);
	buf_finish(&s->wq);
}
