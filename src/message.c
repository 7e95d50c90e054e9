#include "message.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filetype.h"
#include "header.h"
#include "xalloc.h"

void message_init(struct message *m)
{
	memset(m, 0, sizeof(*m));
}

void message_finish(struct message *m)
{
	addrlist_finish(&m->from);
	addrlist_finish(&m->to);
	addrlist_finish(&m->cc);
	addrlist_finish(&m->bcc);
	addrlist_finish(&m->reply_to);
	mailbox_finish(&m->sender);
	free(m->subject);
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	for (size_t i = 0; i < m->nextra; i++) {
		free(m->extra[i].name);
		free(m->extra[i].value);
	}
	free(m->extra);
	free(m->body_path);
	free(m->html_path);
	free(m->charset);
	for (size_t i = 0; i < m->natt; i++) {
		free(m->att[i].path);
		free(m->att[i].type);
		free(m->att[i].name);
	}
	free(m->att);
	memset(m, 0, sizeof(*m));
}

int message_attach(struct message *m, const char *path, const char *type,
		   const char *name, bool is_inline, struct err *e)
{
	struct attachment *a;

	if (m->natt >= MESSAGE_PARTS_MAX) {
		return err_set(e, ERR_USAGE, "more than %d attachments",
			       MESSAGE_PARTS_MAX);
	}
	if (type != NULL && !filetype_valid(type)) {
		return err_set(e, ERR_USAGE, "invalid content type '%s'", type);
	}
	if (name != NULL && (name[0] == '\0' || strchr(name, '/') != NULL ||
			     !utf8_valid(name, strlen(name)))) {
		return err_set(e, ERR_USAGE,
			       "invalid attachment name '%s': it must be "
			       "non-empty UTF-8 without '/'",
			       name);
	}
	m->att = xreallocarray(m->att, m->natt + 1, sizeof(*m->att));
	a = &m->att[m->natt++];
	a->path = xstrdup(path);
	a->type = type != NULL ? xstrdup(type) : NULL;
	a->name = name != NULL ? xstrdup(name) : NULL;
	a->is_inline = is_inline;
	return 0;
}

/* Fields posta writes itself, each with the flag that sets it. */
static const struct {
	const char *name;
	const char *flag;
} reserved[] = {
	{ "From", "--from" },
	{ "To", "recipient arguments" },
	{ "Cc", "--cc" },
	{ "Bcc", "--bcc" },
	{ "Subject", "--subject" },
	{ "Date", "--date" },
	{ "Message-ID", "--message-id" },
	{ "Sender", "--sender" },
	{ "Reply-To", "--reply-to" },
	{ "In-Reply-To", "--in-reply-to" },
	{ "References", "--references" },
	{ "MIME-Version", NULL },
	{ "Content-Type", "--attach-type or --charset" },
	{ "Content-Transfer-Encoding", NULL },
};

int message_add_header(struct message *m, const char *line, struct err *e)
{
	const char *colon = strchr(line, ':');
	char *name;
	const char *value;

	if (m->nextra >= MESSAGE_EXTRA_MAX) {
		return err_set(e, ERR_USAGE, "more than %d extra headers",
			       MESSAGE_EXTRA_MAX);
	}
	if (colon == NULL) {
		return err_set(e, ERR_USAGE, "-H '%s': expected 'Name: value'",
			       line);
	}
	name = xstrndup(line, (size_t)(colon - line));
	if (!header_name_valid(name)) {
		free(name);
		return err_set(e, ERR_USAGE, "-H '%s': invalid header name",
			       line);
	}
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (strcasecmp(name, reserved[i].name) == 0) {
			err_set(e, ERR_USAGE,
				"-H '%s': %s is written by posta%s%s", line,
				reserved[i].name,
				reserved[i].flag ? "; use " : "",
				reserved[i].flag ? reserved[i].flag : "");
			free(name);
			return -1;
		}
	}
	if (strncasecmp(name, "Content-", 8) == 0) {
		err_set(e, ERR_USAGE,
			"-H '%s': MIME headers are written by posta", line);
		free(name);
		return -1;
	}
	value = colon + 1;
	while (*value == ' ' || *value == '\t') {
		value++;
	}
	/* RFC 5322 2.2: a header ends at CRLF; a line break in a value
	 * would let the rest pose as a header of its own. */
	if (strpbrk(value, "\r\n") != NULL) {
		free(name);
		return err_set(e, ERR_USAGE,
			       "-H: the value of %.*s contains a line break",
			       (int)(colon - line), line);
	}
	if (!utf8_valid(value, strlen(value))) {
		free(name);
		return err_set(e, ERR_USAGE,
			       "-H: the value of %.*s is not UTF-8",
			       (int)(colon - line), line);
	}
	m->extra = xreallocarray(m->extra, m->nextra + 1, sizeof(*m->extra));
	m->extra[m->nextra].name = name;
	m->extra[m->nextra].value = xstrdup(value);
	m->nextra++;
	return 0;
}

static int check_text(const char *what, const char *s, struct err *e)
{
	if (s == NULL) {
		return 0;
	}
	if (strpbrk(s, "\r\n") != NULL) {
		return err_set(e, ERR_USAGE, "%s contains a line break", what);
	}
	if (!utf8_valid(s, strlen(s))) {
		return err_set(e, ERR_USAGE, "%s is not valid UTF-8", what);
	}
	return 0;
}

static int check_names(const char *what, const struct addrlist *l,
		       struct err *e)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].name != NULL &&
		    !utf8_valid(l->v[i].name, strlen(l->v[i].name))) {
			return err_set(e, ERR_USAGE,
				       "%s: display name of %s is not UTF-8",
				       what, l->v[i].addr);
		}
		if (!utf8_valid(l->v[i].addr, strlen(l->v[i].addr))) {
			return err_set(e, ERR_USAGE, "%s: address is not UTF-8",
				       what);
		}
	}
	return 0;
}

int message_check(const struct message *m, struct err *e)
{
	if (m->to.n + m->cc.n + m->bcc.n == 0) {
		return err_set(e, ERR_USAGE, "no recipients");
	}
	if (m->from.n == 0) {
		return err_set(e, ERR_USAGE, "no From address");
	}
	/* RFC 5322 3.6.2: several authors need a Sender. */
	if (m->from.n > 1 && m->sender.addr == NULL) {
		return err_set(e, ERR_USAGE,
			       "From has %zu mailboxes: --sender is required",
			       m->from.n);
	}
	if (check_text("subject", m->subject, e) == -1 ||
	    check_names("From", &m->from, e) == -1 ||
	    check_names("To", &m->to, e) == -1 ||
	    check_names("Cc", &m->cc, e) == -1 ||
	    check_names("Bcc", &m->bcc, e) == -1 ||
	    check_names("Reply-To", &m->reply_to, e) == -1) {
		return -1;
	}
	return 0;
}

static int put_addrs(struct buf *out, const char *name,
		     const struct addrlist *l, struct err *e)
{
	struct hdr h;

	if (l->n == 0) {
		return 0;
	}
	hdr_begin(&h, out, name);
	hdr_addrlist(&h, l);
	return hdr_end(&h, e);
}

/* A list of msg-ids, one token each so folding falls between them. */
static int put_ids(struct buf *out, const char *name, const char *ids,
		   struct err *e)
{
	struct hdr h;

	if (ids == NULL) {
		return 0;
	}
	hdr_begin(&h, out, name);
	for (const char *p = ids; *p != '\0';) {
		size_t n = strcspn(p, " ");
		hdr_token(&h, p, n);
		p += n;
		p += strspn(p, " ");
	}
	return hdr_end(&h, e);
}

int message_write_headers(const struct message *m,
			  const struct compose_env *env, struct buf *out,
			  struct err *e)
{
	char date[HDR_DATE_MAX];
	struct hdr h;

	header_date(m->has_date ? m->date : env->now, date);
	hdr_begin(&h, out, "Date");
	hdr_token(&h, date, strlen(date));
	hdr_end(&h, e);
	if (put_addrs(out, "From", &m->from, e) == -1) {
		return -1;
	}
	/* RFC 5322 3.6.2: Sender SHOULD NOT be used when it would be the
	 * same as From. */
	if (m->sender.addr != NULL &&
	    !(m->from.n == 1 && addr_same(&m->sender, &m->from.v[0]))) {
		hdr_begin(&h, out, "Sender");
		hdr_mailbox(&h, &m->sender);
		if (hdr_end(&h, e) == -1) {
			return -1;
		}
	}
	if (put_addrs(out, "Reply-To", &m->reply_to, e) == -1 ||
	    put_addrs(out, "To", &m->to, e) == -1 ||
	    put_addrs(out, "Cc", &m->cc, e) == -1) {
		return -1;
	}
	/* Bcc alone: say so rather than leave the destination blank, as
	 * mutt and sendmail do (RFC 5322 3.6.3 allows an empty group). */
	if (m->to.n == 0 && m->cc.n == 0) {
		buf_puts(out, "To: undisclosed-recipients:;\n");
	}
	if (m->subject != NULL) {
		hdr_begin(&h, out, "Subject");
		hdr_text(&h, m->subject);
		if (hdr_end(&h, e) == -1) {
			return -1;
		}
	}
	if (m->message_id != NULL) {
		if (put_ids(out, "Message-ID", m->message_id, e) == -1) {
			return -1;
		}
	} else {
		unsigned char rnd[16];
		char *id;
		int r;

		env->random(rnd, sizeof(rnd));
		id = header_msgid_new(env->now, rnd,
				      addr_domain(m->from.v[0].addr));
		r = put_ids(out, "Message-ID", id, e);
		free(id);
		if (r == -1) {
			return -1;
		}
	}
	if (put_ids(out, "In-Reply-To", m->in_reply_to, e) == -1 ||
	    put_ids(out, "References", m->references, e) == -1) {
		return -1;
	}
	for (size_t i = 0; i < m->nextra; i++) {
		hdr_begin(&h, out, m->extra[i].name);
		hdr_text(&h, m->extra[i].value);
		if (hdr_end(&h, e) == -1) {
			return -1;
		}
	}
	return 0;
}
