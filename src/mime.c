#include "mime.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "filetype.h"
#include "header.h"
#include "qp.h"
#include "rawmsg.h"
#include "scan.h"
#include "source.h"
#include "xalloc.h"

#define STEM_LEN 26 /* "=_" and 24 random letters and digits */
#define BOUNDARY_MAX (STEM_LEN + 3)
#define MAGIC_PEEK (64 * 1024)
#define STEM_TRIES 8
#define NAME_MAX_OCTETS 255
/* RFC 2231 continuation segments stay short enough to fold. */
#define PARAM_SEGMENT 60

enum cte { CTE_7BIT, CTE_8BIT, CTE_QP, CTE_BASE64 };

static const char *const cte_names[] = {
	[CTE_7BIT] = "7bit",
	[CTE_8BIT] = "8bit",
	[CTE_QP] = "quoted-printable",
	[CTE_BASE64] = "base64",
};

enum transform {
	TX_RAW,  /* bytes as they are */
	TX_TEXT, /* CR, LF and CRLF become one line break */
};

enum disposition { DISP_NONE, DISP_ATTACHMENT, DISP_INLINE };

struct part {
	bool multi;
	/* multipart */
	const char *subtype;
	const char *related_type; /* RFC 2387 type parameter, or NULL */
	char boundary[BOUNDARY_MAX];
	struct part **kids;
	size_t nkids;
	/* leaf */
	struct source src;
	bool has_src;
	char *ctype;   /* "type/subtype", maybe with the user's parameters */
	char *charset; /* NULL: none */
	enum cte cte;
	enum transform tx;
	char *filename;
	enum disposition disp;
	char *cid;
	bool scanned;
	struct scan scan;
	bool is_message;
	bool shrank; /* the file was shorter than prepared on a write */
};

struct composition {
	const struct message *msg;
	const struct compose_env *env;
	struct buf headers;
	struct part *root;
	char stem[STEM_LEN + 1];
	struct filetype *ft;
	/* Work buffers, allocated once for every part. */
	char *in;
	char *norm;
	char *out;
	char last; /* the last byte written to the sink */
	bool raw;  /* a whole message passed through: no MIME headers */
	/* Sizing pass: binary parts are counted, not encoded. */
	struct count_sink *sizing;
	/* The first part whose file grew after it was prepared, and the
	 * bytes of it the message holds. */
	const char *grew;
	uint64_t grew_kept;
};

static struct part *part_new_multi(const char *subtype)
{
	struct part *p = xcalloc(1, sizeof(*p));

	p->multi = true;
	p->subtype = subtype;
	return p;
}

static void part_add(struct part *parent, struct part *kid)
{
	parent->kids = xreallocarray(parent->kids, parent->nkids + 1,
				     sizeof(*parent->kids));
	parent->kids[parent->nkids++] = kid;
}

static void part_free(struct part *p)
{
	if (p == NULL) {
		return;
	}
	for (size_t i = 0; i < p->nkids; i++) {
		part_free(p->kids[i]);
	}
	free(p->kids);
	if (p->has_src) {
		source_close(&p->src);
	}
	free(p->ctype);
	free(p->charset);
	free(p->filename);
	free(p->cid);
	free(p);
}

static void new_stem(struct composition *c)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[STEM_LEN - 2];

	c->env->random(rnd, sizeof(rnd));
	/* "=_" cannot occur in base64 or quoted-printable output (RFC 2045
	 * 6.7 and 6.8), so only 7bit and 8bit parts need checking. */
	c->stem[0] = '=';
	c->stem[1] = '_';
	for (size_t i = 0; i < sizeof(rnd); i++) {
		c->stem[i + 2] = set[rnd[i] % (sizeof(set) - 1)];
	}
	c->stem[STEM_LEN] = '\0';
}

/* Reads the whole source once through a scan that also watches for the
 * boundary stem. */
static int scan_source(struct composition *c, struct part *p, struct err *e)
{
	char prefix[STEM_LEN + 3];
	ssize_t r;

	snprintf(prefix, sizeof(prefix), "--%s", c->stem);
	scan_init(&p->scan, prefix);
	if (source_rewind(&p->src, e) == -1) {
		return -1;
	}
	while ((r = source_read(&p->src, c->in, SOURCE_BLOCK, e)) > 0) {
		scan_update(&p->scan, c->in, (size_t)r);
	}
	if (r < 0) {
		return -1;
	}
	scan_final(&p->scan);
	p->scanned = true;
	return source_rewind(&p->src, e);
}

/* Text we compose (body, HTML): line breaks are ours to normalize. */
static int prepare_text(struct composition *c, struct part *p, const char *what,
			struct err *e)
{
	const char *cs = c->msg->charset;

	if (scan_source(c, p, e) == -1) {
		return -1;
	}
	if (cs == NULL && !p->scan.utf8_ok) {
		return err_set(e, ERR_DATA,
			       "%s is not valid UTF-8 (byte %llu); name its "
			       "charset with --charset",
			       what, (unsigned long long)p->scan.utf8_bad_at);
	}
	if (cs != NULL) {
		p->charset = xstrdup(cs);
	} else {
		p->charset = xstrdup(p->scan.eight_bit ? "utf-8" : "us-ascii");
	}
	p->tx = TX_TEXT;
	if (scan_is_7bit(&p->scan)) {
		p->cte = CTE_7BIT;
	} else if (scan_prefers_qp(&p->scan)) {
		p->cte = CTE_QP;
	} else {
		p->cte = CTE_BASE64;
	}
	return 0;
}

static struct part *text_leaf(struct composition *c, const char *path,
			      bool empty, const char *type, const char *what,
			      struct err *e)
{
	struct part *p = xcalloc(1, sizeof(*p));

	if (empty) {
		source_open_mem(&p->src, what, "", 0);
	} else if (source_open(&p->src, path, e) == -1) {
		source_close(&p->src);
		free(p);
		return NULL;
	}
	p->has_src = true;
	p->ctype = xstrdup(type);
	if (prepare_text(c, p, what, e) == -1) {
		part_free(p);
		return NULL;
	}
	return p;
}

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

/* RFC 2392 Content-ID from the part's name: what an HTML body refers to
 * as cid:NAME. Bytes a msg-id cannot carry become '_'. */
static char *make_cid(const char *name)
{
	size_t n = strlen(name);
	char *cid = xcalloc(n + 3, 1);

	cid[0] = '<';
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		bool ok = (ch >= 'a' && ch <= 'z') ||
			  (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') ||
			  (ch != 0 && strchr(".!#$%&'*+/=?^_`{|}~-@", ch));
		cid[i + 1] = ok ? (char)ch : '_';
	}
	cid[n + 1] = '>';
	return cid;
}

static struct part *attachment_leaf(struct composition *c,
				    const struct attachment *a, struct err *e)
{
	struct part *p = xcalloc(1, sizeof(*p));
	char type[FILETYPE_MAX];
	const char *name = a->name != NULL ? a->name : basename_of(a->path);
	ssize_t r;

	if (source_open(&p->src, a->path, e) == -1) {
		source_close(&p->src);
		free(p);
		return NULL;
	}
	p->has_src = true;
	if (strlen(name) > NAME_MAX_OCTETS) {
		err_set(e, ERR_USAGE, "%s: file name longer than %d octets",
			a->path, NAME_MAX_OCTETS);
		goto fail;
	}
	p->filename = xstrdup(name);
	p->disp = a->is_inline ? DISP_INLINE : DISP_ATTACHMENT;
	if (a->is_inline) {
		p->cid = make_cid(name);
	}
	r = source_read(&p->src, c->in, MAGIC_PEEK, e);
	if (r < 0) {
		goto fail;
	}
	if (a->type != NULL) {
		p->ctype = xstrdup(a->type);
		strlcpy(type, a->type, sizeof(type));
		type[strcspn(type, "; ")] = '\0';
	} else {
		if (filetype_detect(c->ft, c->in, (size_t)r, name, type, e) ==
		    -1) {
			goto fail;
		}
		p->ctype = xstrdup(type);
	}
	if (source_rewind(&p->src, e) == -1) {
		goto fail;
	}
	p->tx = TX_RAW;
	p->cte = CTE_BASE64;
	if (strcasecmp(type, "message/rfc822") == 0) {
		/* RFC 2046 5.2.1: no encoding other than 7bit, 8bit or
		 * binary is permitted for message/rfc822. */
		p->is_message = true;
		if (scan_source(c, p, e) == -1) {
			goto fail;
		}
		if (p->scan.nul > 0 || p->scan.max_line > HDR_LINE_MAX) {
			err_set(e, ERR_DATA,
				"%s: an attached message must have no NUL bytes "
				"and no line over %d octets; attach it with "
				"--attach-type=application/octet-stream",
				a->path, HDR_LINE_MAX);
			goto fail;
		}
		p->tx = TX_TEXT;
		p->cte = p->scan.eight_bit > 0 ? CTE_8BIT : CTE_7BIT;
	} else if (strncasecmp(type, "text/", 5) == 0) {
		if (scan_source(c, p, e) == -1) {
			goto fail;
		}
		const struct scan *s = &p->scan;
		bool has_params = strchr(p->ctype, ';') != NULL;
		if (!has_params) {
			if (s->eight_bit == 0) {
				p->charset = xstrdup("us-ascii");
			} else if (s->utf8_ok) {
				p->charset = xstrdup("utf-8");
			} else {
				char cs[FILETYPE_MAX];
				filetype_charset(c->ft, c->in, (size_t)r, cs);
				if (cs[0] != '\0') {
					p->charset = xstrdup(cs);
				}
			}
		}
		/* 7bit and quoted-printable hand back the exact bytes only
		 * when every line break is a bare LF, so the decoded file is
		 * the file that was attached. */
		if (!s->cr && scan_is_7bit(s)) {
			p->cte = CTE_7BIT;
		} else if (!s->cr && s->nul == 0 && scan_prefers_qp(s)) {
			p->cte = CTE_QP;
		}
	}
	return p;
fail:
	part_free(p);
	return NULL;
}

static bool tree_prefix_hit(const struct part *p)
{
	if (!p->multi) {
		return p->scanned && p->scan.prefix_hit &&
		       (p->cte == CTE_7BIT || p->cte == CTE_8BIT);
	}
	for (size_t i = 0; i < p->nkids; i++) {
		if (tree_prefix_hit(p->kids[i])) {
			return true;
		}
	}
	return false;
}

static int tree_rescan(struct composition *c, struct part *p, struct err *e)
{
	if (!p->multi) {
		return p->scanned ? scan_source(c, p, e) : 0;
	}
	for (size_t i = 0; i < p->nkids; i++) {
		if (tree_rescan(c, p->kids[i], e) == -1) {
			return -1;
		}
	}
	return 0;
}

static void tree_boundaries(struct composition *c, struct part *p, int *k)
{
	if (!p->multi) {
		return;
	}
	/* Equal lengths, so no boundary is a prefix of another. */
	snprintf(
		p->boundary, sizeof(p->boundary), "%s_%c", c->stem,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[*k % 52]);
	(*k)++;
	for (size_t i = 0; i < p->nkids; i++) {
		tree_boundaries(c, p->kids[i], k);
	}
}

static int build_tree(struct composition *c, struct err *e)
{
	const struct message *m = c->msg;
	struct part *text, *body, *html = NULL, *related = NULL;
	struct part *mixed, *digest = NULL;

	text = text_leaf(c, m->body_path ? m->body_path : "-", m->body_empty,
			 "text/plain", m->body_path ? m->body_path : "body", e);
	if (text == NULL) {
		return -1;
	}
	/* Every part joins the tree as soon as it exists, so the tree
	 * alone owns them and one part_free cleans up after any error. */
	mixed = part_new_multi("mixed");
	c->root = mixed;
	body = text;
	if (m->html_path != NULL) {
		body = part_new_multi("alternative");
		part_add(body, text);
	}
	part_add(mixed, body);
	if (m->html_path != NULL) {
		html = text_leaf(c, m->html_path, false, "text/html",
				 m->html_path, e);
		if (html == NULL) {
			return -1;
		}
		part_add(body, html);
	}
	for (size_t i = 0; i < m->natt; i++) {
		struct part *a = attachment_leaf(c, &m->att[i], e);

		if (a == NULL) {
			return -1;
		}
		/* RFC 2045 7: a Content-ID names one part only. */
		for (size_t k = 0; a->cid != NULL && k < i; k++) {
			if (m->att[k].is_inline &&
			    strcmp(basename_of(m->att[k].name ? m->att[k].name
							      : m->att[k].path),
				   a->filename) == 0) {
				err_set(e, ERR_USAGE,
					"two inline parts are named '%s'; "
					"rename one with --attach-name",
					a->filename);
				part_free(a);
				return -1;
			}
		}
		if (a->disp == DISP_INLINE && html != NULL) {
			/* RFC 2387: the HTML and what it shows travel
			 * together, the HTML first. */
			if (related == NULL) {
				related = part_new_multi("related");
				related->related_type = "text/html";
				part_add(related, html);
				body->kids[1] = related;
			}
			part_add(related, a);
		} else if (a->is_message && m->digest) {
			/* RFC 2046 5.1.5: in a digest the default type is
			 * message/rfc822; no disposition needed. */
			if (digest == NULL) {
				digest = part_new_multi("digest");
				part_add(mixed, digest);
			}
			a->disp = DISP_NONE;
			part_add(digest, a);
		} else {
			part_add(mixed, a);
		}
	}
	if (mixed->nkids == 1) {
		c->root = body;
		mixed->nkids = 0;
		part_free(mixed);
	}
	return 0;
}

struct composition *mime_prepare_raw(struct rawmsg *raw,
				     const struct mailbox *from,
				     const struct compose_env *env,
				     struct err *e)
{
	struct composition *c = xcalloc(1, sizeof(*c));
	struct part *p = xcalloc(1, sizeof(*p));
	char date[HDR_DATE_MAX];
	struct hdr h;

	c->env = env;
	c->raw = true;
	buf_init(&c->headers, 0);
	c->in = xcalloc(SOURCE_BLOCK, 1);
	c->norm = xcalloc(2 * SOURCE_BLOCK, 1);
	c->out = xcalloc(QP_ENCODE_BOUND(2 * SOURCE_BLOCK), 1);
	c->root = p;
	/* The input moves to the part; raw keeps an empty source. */
	p->src = raw->src;
	p->has_src = true;
	memset(&raw->src, 0, sizeof(raw->src));
	raw->src.fd = -1;
	p->scan = raw->body;
	p->scanned = true;
	p->tx = TX_TEXT;
	p->cte = raw->body.eight_bit > 0 ? CTE_8BIT : CTE_7BIT;
	/* RFC 5322 3.6: Date and From are required; sendmail adds them,
	 * and a Message-ID, when the message has none. */
	if (!raw->has_date) {
		header_date(env->now, date);
		hdr_begin(&h, &c->headers, "Date");
		hdr_token(&h, date, strlen(date));
		hdr_end(&h, e);
	}
	if (!raw->has_from) {
		hdr_begin(&h, &c->headers, "From");
		hdr_mailbox(&h, from);
		if (hdr_end(&h, e) == -1) {
			mime_destroy(c);
			return NULL;
		}
	}
	if (!raw->has_message_id) {
		unsigned char rnd[16];
		const char *addr = raw->from.n > 0 ? raw->from.v[0].addr
						   : from->addr;
		env->random(rnd, sizeof(rnd));
		char *id = header_msgid_new(env->now, rnd, addr_domain(addr));
		buf_printf(&c->headers, "Message-ID: %s\n", id);
		free(id);
	}
	buf_append(&c->headers, raw->headers.data, raw->headers.len);
	return c;
}

struct composition *mime_prepare(const struct message *m,
				 const struct compose_env *env, struct err *e)
{
	struct composition *c = xcalloc(1, sizeof(*c));
	int k = 0;

	c->msg = m;
	c->env = env;
	c->ft = filetype_create(); /* cheap: the database loads on use */
	buf_init(&c->headers, 0);
	c->in = xcalloc(SOURCE_BLOCK, 1);
	c->norm = xcalloc(2 * SOURCE_BLOCK, 1);
	c->out = xcalloc(QP_ENCODE_BOUND(2 * SOURCE_BLOCK), 1);
	new_stem(c);
	if (message_check(m, e) == -1 || build_tree(c, e) == -1) {
		goto fail;
	}
	for (int tries = 0; tree_prefix_hit(c->root); tries++) {
		if (tries == STEM_TRIES) {
			err_set(e, ERR_INTERNAL, "no usable MIME boundary");
			goto fail;
		}
		new_stem(c);
		if (tree_rescan(c, c->root, e) == -1) {
			goto fail;
		}
	}
	tree_boundaries(c, c->root, &k);
	if (message_write_headers(m, env, &c->headers, e) == -1) {
		goto fail;
	}
	buf_puts(&c->headers, "MIME-Version: 1.0\n");
	return c;
fail:
	mime_destroy(c);
	return NULL;
}

void mime_destroy(struct composition *c)
{
	if (c == NULL) {
		return;
	}
	part_free(c->root);
	filetype_destroy(c->ft);
	buf_finish(&c->headers);
	free(c->in);
	free(c->norm);
	free(c->out);
	free(c);
}

static bool attr_char(unsigned char ch)
{
	/* RFC 2231 7 attribute-char: token characters but "*'%". */
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') ||
	       (ch != 0 && strchr("!#$&+-.^_`|~", ch) != NULL);
}

void mime_param(struct hdr *h, const char *name, const char *value)
{
	size_t n = strlen(value);
	bool plain = n <= PARAM_SEGMENT;
	struct buf tok;

	for (size_t i = 0; i < n && plain; i++) {
		unsigned char ch = (unsigned char)value[i];
		plain = ch >= 32 && ch < 127;
	}
	hdr_raw(h, ";", 1);
	buf_init(&tok, 0);
	if (plain) {
		buf_printf(&tok, "%s=\"", name);
		for (size_t i = 0; i < n; i++) {
			if (value[i] == '"' || value[i] == '\\') {
				buf_putc(&tok, '\\');
			}
			buf_putc(&tok, value[i]);
		}
		buf_putc(&tok, '"');
		hdr_token(h, tok.data, tok.len);
		buf_finish(&tok);
		return;
	}
	/* Segments of whole UTF-8 characters, so a decoder that decodes
	 * each segment alone still gets whole characters. */
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)value;
	struct buf enc;
	size_t i = 0;
	int seg = 0;
	buf_init(&enc, 0);
	while (i < n) {
		/* Room on a folded line for " name*NN*=UTF-8''...;". */
		size_t room =
			HDR_FOLD_COL - strlen(name) - 8 - (seg == 0 ? 7 : 0);
		buf_reset(&enc);
		while (i < n) {
			size_t cl = utf8_char_len(p + i, n - i);
			size_t add = 0;
			for (size_t k = 0; k < cl; k++) {
				add += attr_char(p[i + k]) ? 1 : 3;
			}
			if (enc.len > 0 && enc.len + add > room) {
				break;
			}
			for (size_t k = 0; k < cl; k++) {
				unsigned char ch = p[i + k];
				if (attr_char(ch)) {
					buf_putc(&enc, (char)ch);
				} else {
					buf_putc(&enc, '%');
					buf_putc(&enc, hex[ch >> 4]);
					buf_putc(&enc, hex[ch & 15]);
				}
			}
			i += cl;
		}
		buf_reset(&tok);
		if (seg == 0 && i >= n) {
			buf_printf(&tok, "%s*=UTF-8''%s", name, enc.data);
		} else {
			buf_printf(&tok, "%s*%d*=%s%s", name, seg,
				   seg == 0 ? "UTF-8''" : "", enc.data);
		}
		if (i < n) {
			buf_putc(&tok, ';');
		}
		hdr_token(h, tok.data, tok.len);
		seg++;
	}
	buf_finish(&enc);
	buf_finish(&tok);
}

/* Content-Type's name= for the mail clients that predate RFC 2231:
 * RFC 2047 encoded-words inside the quotes, as they expect. */
/* Content-Type's name= for the mail clients that predate RFC 2231:
 * a quoted-string, with RFC 2047 encoded-words inside the quotes for
 * non-ASCII names, as those clients expect. */
static void legacy_name(struct hdr *h, const char *value)
{
	struct buf tok;
	size_t n = strlen(value);
	bool ascii = true;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)value[i];
		ascii = ascii && ch >= 32 && ch < 127;
	}
	hdr_raw(h, ";", 1);
	buf_init(&tok, 0);
	if (ascii) {
		buf_puts(&tok, "name=\"");
		for (size_t i = 0; i < n; i++) {
			if (value[i] == '"' || value[i] == '\\') {
				buf_putc(&tok, '\\');
			}
			buf_putc(&tok, value[i]);
		}
		buf_putc(&tok, '"');
		hdr_token(h, tok.data, tok.len);
		buf_finish(&tok);
		return;
	}
	hdr_encoded(h, value, "name=\"", "\"");
	buf_finish(&tok);
}

static int write_part_headers(struct composition *c, struct part *p,
			      struct buf *out, struct err *e)
{
	struct hdr h;

	hdr_begin(&h, out, "Content-Type");
	if (p->multi) {
		char tok[BOUNDARY_MAX + 16];
		snprintf(tok, sizeof(tok), "multipart/%s", p->subtype);
		hdr_token(&h, tok, strlen(tok));
		if (p->related_type != NULL) {
			hdr_raw(&h, ";", 1);
			snprintf(tok, sizeof(tok), "type=\"%s\"",
				 p->related_type);
			hdr_token(&h, tok, strlen(tok));
		}
		hdr_raw(&h, ";", 1);
		snprintf(tok, sizeof(tok), "boundary=\"%s\"", p->boundary);
		hdr_token(&h, tok, strlen(tok));
		return hdr_end(&h, e);
	}
	hdr_token(&h, p->ctype, strlen(p->ctype));
	if (p->charset != NULL) {
		struct buf tok;
		buf_init(&tok, 0);
		buf_printf(&tok, "charset=%s", p->charset);
		hdr_raw(&h, ";", 1);
		hdr_token(&h, tok.data, tok.len);
		buf_finish(&tok);
	}
	if (p->filename != NULL && p->disp != DISP_NONE) {
		legacy_name(&h, p->filename);
	}
	if (hdr_end(&h, e) == -1) {
		return -1;
	}
	buf_printf(out, "Content-Transfer-Encoding: %s\n", cte_names[p->cte]);
	if (p->disp != DISP_NONE) {
		hdr_begin(&h, out, "Content-Disposition");
		hdr_token(&h, p->disp == DISP_INLINE ? "inline" : "attachment",
			  p->disp == DISP_INLINE ? 6 : 10);
		if (p->filename != NULL) {
			mime_param(&h, "filename", p->filename);
		}
		if (hdr_end(&h, e) == -1) {
			return -1;
		}
	}
	if (p->cid != NULL) {
		hdr_begin(&h, out, "Content-ID");
		hdr_token(&h, p->cid, strlen(p->cid));
		if (hdr_end(&h, e) == -1) {
			return -1;
		}
	}
	return 0;
}

static int emit(struct composition *c, struct sink *out, const char *p,
		size_t n, struct err *e)
{
	if (n == 0) {
		return 0;
	}
	c->last = p[n - 1];
	return sink_write(out, p, n, e);
}

/* CR, LF and CRLF to LF (or to CRLF for base64, whose text must be in
 * canonical form, RFC 2045 6.8); *prev_cr carries a CR across blocks. */
static size_t normalize(const char *in, size_t n, char *out, bool crlf,
			bool *prev_cr)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = in[i];
		if (ch == '\n' && *prev_cr) {
			*prev_cr = false;
			continue;
		}
		*prev_cr = ch == '\r';
		if (ch == '\r' || ch == '\n') {
			if (crlf) {
				out[o++] = '\r';
			}
			out[o++] = '\n';
		} else {
			out[o++] = ch;
		}
	}
	return o;
}

static int write_leaf_body(struct composition *c, struct part *p,
			   struct sink *out, struct err *e)
{
	struct b64enc b64;
	struct qpenc qp;
	bool prev_cr = false;
	uint64_t total = 0;
	ssize_t r = 0;
	size_t n;

	if (c->sizing != NULL && p->tx == TX_RAW && p->cte == CTE_BASE64) {
		/* RFC 2045 6.8: 76 characters per 57 bytes, and the last
		 * line padded to four; each line ends LF here. */
		uint64_t len = p->src.size, full = len / B64_LINE_IN;
		uint64_t rest = len % B64_LINE_IN;
		c->sizing->bytes += full * B64_LINE_OUT;
		c->sizing->lines += full;
		if (rest > 0) {
			c->sizing->bytes += (rest + 2) / 3 * 4 + 1;
			c->sizing->lines++;
		}
		c->last = '\n';
		return 0;
	}
	b64enc_init(&b64);
	qpenc_init(&qp);
	if (source_rewind(&p->src, e) == -1) {
		return -1;
	}
	/* Only the bytes prepared are read: what a file gains meanwhile
	 * (a log still being written) is left out, so SIZE, the scan
	 * that chose the encoding and the boundary check all still hold. */
	uint64_t want = p->scanned ? p->scan.bytes : p->src.size;
	while (total < want) {
		size_t ask = want - total < SOURCE_BLOCK
				     ? (size_t)(want - total)
				     : SOURCE_BLOCK;
		const char *data = c->in;
		size_t len;

		if ((r = source_read(&p->src, c->in, ask, e)) <= 0) {
			break;
		}
		len = (size_t)r;
		total += (uint64_t)r;
		if (p->tx == TX_TEXT) {
			len = normalize(c->in, len, c->norm,
					p->cte == CTE_BASE64, &prev_cr);
			data = c->norm;
		}
		switch (p->cte) {
		case CTE_7BIT:
		case CTE_8BIT:
			if (emit(c, out, data, len, e) == -1) {
				return -1;
			}
			continue;
		case CTE_QP:
			n = qpenc_update(&qp, data, len, c->out);
			break;
		case CTE_BASE64:
		default:
			n = b64enc_update(&b64, data, len, c->out);
			break;
		}
		if (emit(c, out, c->out, n, e) == -1) {
			return -1;
		}
	}
	if (r < 0) {
		return -1;
	}
	if (total < want) {
		/* Those bytes are gone: this message cannot be finished.
		 * mime_refresh() makes one from the file as it is now. */
		p->shrank = true;
		return err_set(e, ERR_DATA,
			       "%s shrank while being read (%llu bytes, "
			       "then %llu)",
			       p->src.name, (unsigned long long)want,
			       (unsigned long long)total);
	}
	if (c->grew == NULL && p->src.fd >= 0 &&
	    (r = source_read(&p->src, c->in, 1, e)) != 0) {
		if (r < 0) {
			return -1;
		}
		c->grew = p->src.name;
		c->grew_kept = want;
	}
	n = p->cte == CTE_QP ? qpenc_final(&qp, c->out)
			     : b64enc_final(&b64, c->out);
	return emit(c, out, c->out, n, e);
}

static int write_part(struct composition *c, struct part *p, struct sink *out,
		      struct buf *hdrs, struct err *e)
{
	if (write_part_headers(c, p, hdrs, e) == -1) {
		return -1;
	}
	buf_putc(hdrs, '\n');
	if (emit(c, out, hdrs->data, hdrs->len, e) == -1) {
		return -1;
	}
	buf_reset(hdrs);
	if (!p->multi) {
		return write_leaf_body(c, p, out, e);
	}
	for (size_t i = 0; i < p->nkids; i++) {
		/* RFC 2046 5.1.1: the line break before a delimiter belongs
		 * to the delimiter. */
		buf_printf(hdrs, "%s--%s\n", i == 0 ? "" : "\n", p->boundary);
		if (write_part(c, p->kids[i], out, hdrs, e) == -1) {
			return -1;
		}
	}
	buf_printf(hdrs, "\n--%s--\n", p->boundary);
	if (emit(c, out, hdrs->data, hdrs->len, e) == -1) {
		return -1;
	}
	buf_reset(hdrs);
	return 0;
}

int mime_write(struct composition *c, struct sink *out, struct err *e)
{
	struct buf hdrs;
	int r;

	buf_init(&hdrs, 0);
	buf_append(&hdrs, c->headers.data, c->headers.len);
	if (c->raw) {
		buf_putc(&hdrs, '\n');
		r = emit(c, out, hdrs.data, hdrs.len, e);
		if (r == 0) {
			r = write_leaf_body(c, c->root, out, e);
		}
	} else {
		r = write_part(c, c->root, out, &hdrs, e);
	}
	buf_finish(&hdrs);
	if (r == 0 && c->last != '\n') {
		r = emit(c, out, "\n", 1, e);
	}
	if (r == 0) {
		r = sink_flush(out, e);
	}
	return r;
}

static bool tree_8bit(const struct part *p)
{
	if (!p->multi) {
		return p->cte == CTE_8BIT;
	}
	for (size_t i = 0; i < p->nkids; i++) {
		if (tree_8bit(p->kids[i])) {
			return true;
		}
	}
	return false;
}

bool mime_is_8bit(const struct composition *c)
{
	return tree_8bit(c->root);
}

const char *mime_grew(const struct composition *c, uint64_t *kept)
{
	*kept = c->grew_kept;
	return c->grew;
}

static int tree_refresh(struct composition *c, struct part *p, struct err *e)
{
	int n = 0;

	if (!p->multi) {
		if (!p->shrank) {
			return 0;
		}
		p->shrank = false;
		if (c->raw) {
			/* A whole message's body passes through as it is,
			 * with no MIME header to name a new encoding. */
			return scan_source(c, p, e) == -1 ? -1 : 1;
		}
		if (source_restat(&p->src, e) == -1) {
			return -1;
		}
		/* base64 of the raw bytes is right for any content, so the
		 * new bytes need no scan; RFC 2046 5.2.1 allows no base64
		 * in message/rfc822, so such a part becomes plain data. */
		if (p->is_message) {
			free(p->ctype);
			p->ctype = xstrdup("application/octet-stream");
			p->is_message = false;
		}
		p->tx = TX_RAW;
		p->cte = CTE_BASE64;
		p->scanned = false;
		return 1;
	}
	for (size_t i = 0; i < p->nkids; i++) {
		int r = tree_refresh(c, p->kids[i], e);
		if (r == -1) {
			return -1;
		}
		n += r;
	}
	return n;
}

int mime_refresh(struct composition *c, struct err *e)
{
	return tree_refresh(c, c->root, e);
}

int mime_wire_size(struct composition *c, uint64_t *size, struct err *e)
{
	struct count_sink count;
	int r;

	count_sink_init(&count);
	c->sizing = &count;
	r = mime_write(c, &count.sink, e);
	c->sizing = NULL;
	*size = count.bytes + count.lines;
	return r;
}
