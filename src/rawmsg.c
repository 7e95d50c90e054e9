#include "rawmsg.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "header.h"
#include "xalloc.h"

struct field {
	struct buf raw; /* the field as read, lines ended by LF */
	int line;       /* where it starts */
	bool open;
};

static bool is_named(const char *raw, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(raw, name, n) == 0 && raw[n] == ':';
}

/* Unfolds a field's value (RFC 5322 2.2.3) for the address parser. */
static char *unfolded_value(const struct field *f)
{
	const char *v = strchr(f->raw.data, ':') + 1;
	char *out = xcalloc(strlen(v) + 1, 1);
	size_t o = 0;

	for (; *v != '\0'; v++) {
		if (*v != '\n') {
			out[o++] = *v;
		}
	}
	while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t')) {
		o--;
	}
	out[o] = '\0';
	return out;
}

static int take_addrs(struct field *f, struct addrlist *list, struct err *e)
{
	char *v = unfolded_value(f);
	size_t start = strspn(v, " \t");
	int r = 0;

	/* An empty Bcc: is how some clients say "none". */
	if (v[start] != '\0' && addr_parse_list(v + start, list, e) == -1) {
		char msg[ERR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", e->msg);
		r = err_set(e, ERR_DATA, "line %d: %.*s: %s", f->line,
			    (int)strcspn(f->raw.data, ":"), f->raw.data, msg);
	}
	free(v);
	return r;
}

/* Files one complete field: recipients noted, Bcc kept out. */
static int finish_field(struct rawmsg *m, struct field *f,
			struct addrlist *resent_to, struct addrlist *resent_cc,
			struct addrlist *resent_bcc, struct err *e)
{
	const char *raw = f->raw.data;
	bool keep = true;
	int r = 0;

	if (!f->open) {
		return 0;
	}
	f->open = false;
	if (is_named(raw, "To")) {
		r = take_addrs(f, &m->to, e);
	} else if (is_named(raw, "Cc")) {
		r = take_addrs(f, &m->cc, e);
	} else if (is_named(raw, "Bcc")) {
		r = take_addrs(f, &m->bcc, e);
		keep = false;
	} else if (is_named(raw, "Resent-To")) {
		r = take_addrs(f, resent_to, e);
		m->resent = true;
	} else if (is_named(raw, "Resent-Cc")) {
		r = take_addrs(f, resent_cc, e);
		m->resent = true;
	} else if (is_named(raw, "Resent-Bcc")) {
		r = take_addrs(f, resent_bcc, e);
		m->resent = true;
		keep = false;
	} else if (is_named(raw, "From")) {
		/* Only read to choose the account and envelope sender; an
		 * author without a domain (Vixie cron's "root (Cron
		 * Daemon)") still goes through as it is. */
		struct err ignored;
		m->has_from = true;
		if (take_addrs(f, &m->from, &ignored) == -1) {
			addrlist_finish(&m->from);
		}
	} else if (is_named(raw, "Date")) {
		m->has_date = true;
	} else if (is_named(raw, "Message-ID")) {
		m->has_message_id = true;
	}
	if (r == 0 && keep) {
		buf_append(&m->headers, f->raw.data, f->raw.len);
	}
	buf_reset(&f->raw);
	return r;
}

static int header_line(struct rawmsg *m, struct field *f, const char *line,
		       size_t n, int lineno, struct addrlist *rs[3],
		       struct err *e)
{
	if (n > 0 && (line[0] == ' ' || line[0] == '\t')) {
		if (!f->open) {
			return err_set(e, ERR_DATA,
				       "line %d: a continuation line with no "
				       "header field before it",
				       lineno);
		}
	} else {
		size_t name = 0;
		while (name < n && line[name] != ':' &&
		       (unsigned char)line[name] > 32 &&
		       (unsigned char)line[name] < 127) {
			name++;
		}
		if (name == 0 || name >= n || line[name] != ':') {
			return err_set(e, ERR_DATA,
				       "line %d: not a header field "
				       "(expected 'Name: value')",
				       lineno);
		}
		if (finish_field(m, f, rs[0], rs[1], rs[2], e) == -1) {
			return -1;
		}
		f->open = true;
		f->line = lineno;
	}
	if (buf_append(&f->raw, line, n) == -1 ||
	    buf_putc(&f->raw, '\n') == -1 ||
	    m->headers.len + f->raw.len > RAWMSG_HEADER_MAX) {
		return err_set(e, ERR_DATA,
			       "line %d: the header block is "
			       "larger than %d bytes",
			       lineno, RAWMSG_HEADER_MAX);
	}
	return 0;
}

/* One line of the header block (its line end removed): checked, then
 * filed. Returns 1 for the empty line that starts the body. */
static int one_line(struct rawmsg *m, struct field *f, struct buf *line,
		    int lineno, int *fields, struct addrlist *rs[3],
		    struct err *e)
{
	if (line->len > 0 && line->data[line->len - 1] == '\r') {
		line->data[--line->len] = '\0';
	}
	if (line->len > RAWMSG_LINE_MAX) {
		return err_set(e, ERR_DATA, "line %d: longer than %d octets",
			       lineno, RAWMSG_LINE_MAX);
	}
	/* RFC 5322 2.2: printable characters and white space only; a
	 * bare CR would become a line break on the wire. */
	if (line->len > 0 && memchr(line->data, '\r', line->len) != NULL) {
		return err_set(e, ERR_DATA, "line %d: a bare CR in the header",
			       lineno);
	}
	if (line->len > 0 && memchr(line->data, '\0', line->len) != NULL) {
		return err_set(e, ERR_DATA, "line %d: a NUL byte in the header",
			       lineno);
	}
	if (line->len == 0) {
		return 1;
	}
	if (lineno == 1 && strncmp(line->data, "From ", 5) == 0) {
		return 0; /* an mbox separator, not a field */
	}
	if (line->data[0] != ' ' && line->data[0] != '\t' &&
	    ++*fields > RAWMSG_FIELDS_MAX) {
		return err_set(e, ERR_DATA,
			       "line %d: more than %d header fields", lineno,
			       RAWMSG_FIELDS_MAX);
	}
	return header_line(m, f, line->data, line->len, lineno, rs, e);
}

int rawmsg_read(struct rawmsg *m, const char *path, struct err *e)
{
	struct field f = { 0 };
	struct addrlist rto = { 0 }, rcc = { 0 }, rbcc = { 0 };
	struct addrlist *rs[3] = { &rto, &rcc, &rbcc };
	struct buf line;
	char *block = xcalloc(SOURCE_BLOCK, 1);
	uint64_t offset = 0, body_at = 0;
	int lineno = 0, fields = 0, ret = -1, k;
	bool in_body = false, seen_eof = false;
	ssize_t r;

	memset(m, 0, sizeof(*m));
	buf_init(&m->headers, RAWMSG_HEADER_MAX + RAWMSG_LINE_MAX + 2);
	buf_init(&f.raw, RAWMSG_HEADER_MAX + RAWMSG_LINE_MAX + 2);
	buf_init(&line, RAWMSG_LINE_MAX + 2);
	if (source_open(&m->src, path, e) == -1) {
		goto out;
	}
	while (!in_body && !seen_eof) {
		r = source_read(&m->src, block, SOURCE_BLOCK, e);
		if (r < 0) {
			goto out;
		}
		seen_eof = r == 0;
		for (ssize_t i = 0; i < r && !in_body; i++) {
			char ch = block[i];
			offset++;
			/* Bcc fields are not sent but count all the same. */
			if (offset > RAWMSG_HEADER_MAX) {
				err_set(e, ERR_DATA,
					"the header block is larger than %d "
					"bytes",
					RAWMSG_HEADER_MAX);
				goto out;
			}
			if (ch != '\n') {
				if (buf_putc(&line, ch) == -1) {
					err_set(e, ERR_DATA,
						"line %d: longer than %d octets",
						lineno + 1, RAWMSG_LINE_MAX);
					goto out;
				}
				continue;
			}
			k = one_line(m, &f, &line, ++lineno, &fields, rs, e);
			if (k < 0) {
				goto out;
			}
			if (k == 1) {
				in_body = true;
				body_at = offset;
			}
			buf_reset(&line);
		}
	}
	if (!in_body) {
		/* The input ended inside the header block: its last line
		 * (if any, with no line end) is checked like the others. */
		if (line.len > 0 &&
		    one_line(m, &f, &line, ++lineno, &fields, rs, e) < 0) {
			goto out;
		}
		body_at = offset;
	}
	if (finish_field(m, &f, &rto, &rcc, &rbcc, e) == -1) {
		goto out;
	}
	if (m->resent) {
		/* RFC 5322 3.6.6: the resent fields name who gets it now. */
		addrlist_finish(&m->to);
		addrlist_finish(&m->cc);
		addrlist_finish(&m->bcc);
		m->to = rto;
		m->cc = rcc;
		m->bcc = rbcc;
		memset(&rto, 0, sizeof(rto));
		memset(&rcc, 0, sizeof(rcc));
		memset(&rbcc, 0, sizeof(rbcc));
	}
	/* The body: what the DATA sink must be able to carry. */
	if (source_seek(&m->src, body_at, e) == -1) {
		goto out;
	}
	scan_init(&m->body, NULL);
	while ((r = source_read(&m->src, block, SOURCE_BLOCK, e)) > 0) {
		scan_update(&m->body, block, (size_t)r);
	}
	if (r < 0) {
		goto out;
	}
	scan_final(&m->body);
	if (m->body.max_line > RAWMSG_LINE_MAX) {
		err_set(e, ERR_DATA,
			"the body has a line longer than %d octets, which SMTP "
			"cannot carry (RFC 5322 2.1.1); send it as an "
			"attachment with posta -a",
			RAWMSG_LINE_MAX);
		goto out;
	}
	ret = source_rewind(&m->src, e);
out:
	addrlist_finish(&rto);
	addrlist_finish(&rcc);
	addrlist_finish(&rbcc);
	buf_finish(&f.raw);
	buf_finish(&line);
	free(block);
	return ret;
}

void rawmsg_finish(struct rawmsg *m)
{
	source_close(&m->src);
	buf_finish(&m->headers);
	addrlist_finish(&m->to);
	addrlist_finish(&m->cc);
	addrlist_finish(&m->bcc);
	addrlist_finish(&m->from);
}
