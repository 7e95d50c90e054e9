#include "addr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "xalloc.h"

struct lexer {
	const char *s;
	size_t i;
	size_t n;
	const char *input; /* for messages */
	size_t elem;       /* where the current list element starts */
	struct err *e;
};

/* RFC 5322 3.2.3 atext, plus bytes >= 0x80 (RFC 6532 UTF-8). */
static bool is_atext(unsigned char c)
{
	if (c >= 0x80) {
		return true;
	}
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9')) {
		return true;
	}
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Names the list element being read, not the whole list. */
static int bad(struct lexer *lx, const char *why)
{
	size_t i = lx->elem, depth = 0;
	bool quoted = false;

	while (i < lx->n && (lx->s[i] == ' ' || lx->s[i] == '\t')) {
		i++;
	}
	size_t start = i;
	for (; i < lx->n; i++) {
		char c = lx->s[i];
		if (c == '\\' && i + 1 < lx->n) {
			i++;
		} else if (c == '"') {
			quoted = !quoted;
		} else if (!quoted && c == '(') {
			depth++;
		} else if (!quoted && c == ')' && depth > 0) {
			depth--;
		} else if (!quoted && depth == 0 && c == ',') {
			break;
		}
	}
	while (i > start && (lx->s[i - 1] == ' ' || lx->s[i - 1] == '\t')) {
		i--;
	}
	return err_set(lx->e, ERR_USAGE, "invalid address '%.*s': %s",
		       (int)(i - start), lx->s + start, why);
}

/* Skips white space and (nested) comments: RFC 5322 3.2.2 CFWS. */
static int skip_cfws(struct lexer *lx)
{
	for (;;) {
		while (lx->i < lx->n &&
		       (lx->s[lx->i] == ' ' || lx->s[lx->i] == '\t')) {
			lx->i++;
		}
		if (lx->i >= lx->n || lx->s[lx->i] != '(') {
			return 0;
		}
		int depth = 0;
		do {
			char c = lx->s[lx->i];

			if (c == '\\' && lx->i + 1 < lx->n) {
				lx->i++;
			} else if (c == '(') {
				depth++;
			} else if (c == ')') {
				depth--;
			}
			lx->i++;
		} while (depth > 0 && lx->i < lx->n);
		if (depth > 0) {
			return bad(lx, "unclosed comment");
		}
	}
}

enum word_kind { W_ATOM, W_QUOTED };

/* One atom (atext and dots) or quoted-string at lx->i, appended
 * unquoted to out. Returns 1 when a word was read, 0 when none. */
static int read_word(struct lexer *lx, struct buf *out, enum word_kind *kind)
{
	size_t start = lx->i;

	if (lx->i < lx->n && lx->s[lx->i] == '"') {
		lx->i++;
		for (;;) {
			if (lx->i >= lx->n) {
				return bad(lx, "unclosed quote");
			}
			char c = lx->s[lx->i++];
			if (c == '"') {
				break;
			}
			if (c == '\\') {
				if (lx->i >= lx->n) {
					return bad(lx, "unclosed quote");
				}
				c = lx->s[lx->i++];
			}
			buf_putc(out, c);
		}
		*kind = W_QUOTED;
		return 1;
	}
	while (lx->i < lx->n &&
	       (is_atext((unsigned char)lx->s[lx->i]) || lx->s[lx->i] == '.')) {
		lx->i++;
	}
	if (lx->i == start) {
		return 0;
	}
	buf_append(out, lx->s + start, lx->i - start);
	*kind = W_ATOM;
	return 1;
}

static bool dot_atom_valid(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.') {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.') {
				return false;
			}
		} else if (!is_atext((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static bool domain_valid(const char *d, size_t n)
{
	if (n == 0 || n > ADDR_DOMAIN_MAX) {
		return false;
	}
	if (d[0] == '[') {
		/* RFC 5321 4.1.3 address literal: dtext inside brackets. */
		if (n < 3 || d[n - 1] != ']') {
			return false;
		}
		for (size_t i = 1; i + 1 < n; i++) {
			unsigned char c = (unsigned char)d[i];
			if (c < 33 || c > 126 || c == '[' || c == ']' ||
			    c == '\\') {
				return false;
			}
		}
		return true;
	}
	if (!dot_atom_valid(d, n)) {
		return false;
	}
	/* Host names: labels of letters, digits and hyphens (or UTF-8). */
	size_t label = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || d[i] == '.') {
			if (label == 0 || label > 63 || d[i - 1] == '-' ||
			    d[i - label] == '-') {
				return false;
			}
			label = 0;
			continue;
		}
		unsigned char c = (unsigned char)d[i];
		if (!(c >= 0x80 || c == '-' || (c >= '0' && c <= '9') ||
		      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
			return false;
		}
		label++;
	}
	return true;
}

/* Quotes a local part that is not a dot-atom (RFC 5322 3.4.1). */
static void put_local(struct buf *out, const char *l, size_t n, bool quoted)
{
	if (!quoted || dot_atom_valid(l, n)) {
		buf_append(out, l, n);
		return;
	}
	buf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		if (l[i] == '"' || l[i] == '\\') {
			buf_putc(out, '\\');
		}
		buf_putc(out, l[i]);
	}
	buf_putc(out, '"');
}

/* addr-spec at lx->i (after CFWS): local "@" domain, into out. */
static int read_addr_spec(struct lexer *lx, struct buf *out)
{
	struct buf local;
	enum word_kind kind;
	int r;

	buf_init(&local, ADDR_INPUT_MAX);
	r = read_word(lx, &local, &kind);
	if (r <= 0) {
		buf_finish(&local);
		return r < 0 ? -1 : bad(lx, "missing local part");
	}
	if (skip_cfws(lx) == -1) {
		buf_finish(&local);
		return -1;
	}
	if (lx->i >= lx->n || lx->s[lx->i] != '@') {
		buf_finish(&local);
		return bad(lx, "missing '@'");
	}
	if (kind == W_ATOM && !dot_atom_valid(local.data, local.len)) {
		buf_finish(&local);
		return bad(lx, "misplaced '.' in local part");
	}
	for (size_t i = 0; i < local.len; i++) {
		unsigned char c = (unsigned char)local.data[i];
		if (c < 32 || c == 127) {
			buf_finish(&local);
			return bad(lx, "control character in local part");
		}
	}
	if (local.len > ADDR_LOCAL_MAX) {
		buf_finish(&local);
		return bad(lx, "local part longer than 64 octets");
	}
	put_local(out, local.data, local.len, kind == W_QUOTED);
	buf_finish(&local);
	buf_putc(out, '@');
	lx->i++;
	if (skip_cfws(lx) == -1) {
		return -1;
	}
	size_t start = lx->i;
	if (lx->i < lx->n && lx->s[lx->i] == '[') {
		while (lx->i < lx->n && lx->s[lx->i] != ']') {
			lx->i++;
		}
		if (lx->i < lx->n) {
			lx->i++;
		}
	} else {
		while (lx->i < lx->n &&
		       (is_atext((unsigned char)lx->s[lx->i]) ||
			lx->s[lx->i] == '.')) {
			lx->i++;
		}
	}
	if (lx->i == start) {
		return bad(lx, "missing domain");
	}
	if (!domain_valid(lx->s + start, lx->i - start)) {
		return bad(lx, "malformed domain");
	}
	buf_append(out, lx->s + start, lx->i - start);
	if (out->len > ADDR_SPEC_MAX) {
		return bad(lx, "address longer than 254 octets");
	}
	return skip_cfws(lx);
}

/* One mailbox, or a group (flattened), appended to list. */
static int read_mailbox_or_group(struct lexer *lx, struct addrlist *list,
				 bool in_group)
{
	struct buf name, word, spec;
	enum word_kind kind;
	size_t nwords = 0, start;
	int ret = -1;

	buf_init(&name, ADDR_INPUT_MAX);
	buf_init(&word, ADDR_INPUT_MAX);
	buf_init(&spec, ADDR_INPUT_MAX);
	if (skip_cfws(lx) == -1) {
		goto out;
	}
	start = lx->i;
	/* The phrase of a name-addr or group, or the local part. */
	for (;;) {
		buf_reset(&word);
		int r = read_word(lx, &word, &kind);
		if (r < 0) {
			goto out;
		}
		if (r == 0) {
			break;
		}
		if (nwords++ > 0) {
			buf_putc(&name, ' ');
		}
		buf_append(&name, word.data, word.len);
		if (skip_cfws(lx) == -1) {
			goto out;
		}
	}
	char c = lx->i < lx->n ? lx->s[lx->i] : '\0';
	if (c == '<') {
		lx->i++;
		if (skip_cfws(lx) == -1 || read_addr_spec(lx, &spec) == -1) {
			goto out;
		}
		if (lx->i >= lx->n || lx->s[lx->i] != '>') {
			bad(lx, "missing '>'");
			goto out;
		}
		lx->i++;
		if (skip_cfws(lx) == -1) {
			goto out;
		}
		addrlist_push(list, nwords > 0 ? name.data : NULL, spec.data);
	} else if (c == '@') {
		if (nwords != 1) {
			bad(lx, nwords == 0 ? "missing local part"
					    : "space inside the local part");
			goto out;
		}
		lx->i = start;
		if (read_addr_spec(lx, &spec) == -1) {
			goto out;
		}
		addrlist_push(list, NULL, spec.data);
	} else if (c == ':' && !in_group && nwords > 0) {
		/* RFC 5322 3.4 group: display-name ":" [mailbox-list] ";" */
		lx->i++;
		for (;;) {
			if (skip_cfws(lx) == -1) {
				goto out;
			}
			if (lx->i < lx->n && lx->s[lx->i] == ';') {
				lx->i++;
				break;
			}
			if (lx->i < lx->n && lx->s[lx->i] == ',') {
				lx->i++;
				continue;
			}
			if (lx->i >= lx->n) {
				bad(lx, "group without ';'");
				goto out;
			}
			if (read_mailbox_or_group(lx, list, true) == -1) {
				goto out;
			}
		}
		if (skip_cfws(lx) == -1) {
			goto out;
		}
	} else if (nwords == 0) {
		bad(lx, c == '\0' ? "empty address" : "unexpected character");
		goto out;
	} else if (c == '\0' || c == ',' || c == ';') {
		bad(lx, "missing '@'");
		goto out;
	} else {
		bad(lx, "unexpected character");
		goto out;
	}
	ret = 0;
out:
	buf_finish(&name);
	buf_finish(&word);
	buf_finish(&spec);
	return ret;
}

static int lexer_init(struct lexer *lx, const char *s, struct err *e)
{
	lx->s = s;
	lx->i = 0;
	lx->n = strlen(s);
	lx->input = s;
	lx->elem = 0;
	lx->e = e;
	if (lx->n > ADDR_INPUT_MAX) {
		return err_set(e, ERR_USAGE,
			       "address list longer than %d octets",
			       ADDR_INPUT_MAX);
	}
	for (size_t i = 0; i < lx->n; i++) {
		if (s[i] == '\r' || s[i] == '\n') {
			return bad(lx, "line break inside");
		}
	}
	return 0;
}

int addr_parse_list(const char *s, struct addrlist *list, struct err *e)
{
	struct lexer lx;
	struct addrlist tmp = { 0 };

	if (lexer_init(&lx, s, e) == -1) {
		return -1;
	}
	for (;;) {
		lx.elem = lx.i;
		if (read_mailbox_or_group(&lx, &tmp, false) == -1) {
			goto fail;
		}
		if (lx.i >= lx.n) {
			break;
		}
		if (lx.s[lx.i] != ',') {
			bad(&lx, "unexpected character");
			goto fail;
		}
		lx.i++;
		if (skip_cfws(&lx) == -1) {
			goto fail;
		}
		if (lx.i >= lx.n) {
			break; /* a trailing comma is harmless */
		}
	}
	if (list->n + tmp.n > ADDR_LIST_MAX) {
		err_set(e, ERR_USAGE, "more than %d addresses", ADDR_LIST_MAX);
		goto fail;
	}
	for (size_t i = 0; i < tmp.n; i++) {
		addrlist_push(list, tmp.v[i].name, tmp.v[i].addr);
	}
	addrlist_finish(&tmp);
	return 0;
fail:
	addrlist_finish(&tmp);
	return -1;
}

int addr_parse_mailbox(const char *s, struct mailbox *mb, struct err *e)
{
	struct addrlist tmp = { 0 };

	if (addr_parse_list(s, &tmp, e) == -1) {
		return -1;
	}
	if (tmp.n != 1) {
		addrlist_finish(&tmp);
		return err_set(e, ERR_USAGE,
			       "invalid address '%s': expected one mailbox", s);
	}
	*mb = tmp.v[0];
	free(tmp.v);
	return 0;
}

bool addr_spec_valid(const char *spec)
{
	struct err e;
	struct addrlist tmp = { 0 };
	bool ok;

	if (strchr(spec, '<') != NULL || strchr(spec, ',') != NULL) {
		return false;
	}
	/* One bare mailbox that reads back exactly: no group, comment or
	 * display name slipped in. */
	ok = addr_parse_list(spec, &tmp, &e) == 0 && tmp.n == 1 &&
	     tmp.v[0].name == NULL && strcmp(tmp.v[0].addr, spec) == 0;
	addrlist_finish(&tmp);
	return ok;
}

bool addr_is_utf8(const char *spec)
{
	for (const char *p = spec; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80) {
			return true;
		}
	}
	return false;
}

const char *addr_domain(const char *spec)
{
	const char *at = strrchr(spec, '@');

	return at != NULL ? at + 1 : spec + strlen(spec);
}

bool addr_same(const struct mailbox *a, const struct mailbox *b)
{
	const char *da = addr_domain(a->addr), *db = addr_domain(b->addr);
	size_t la = (size_t)(da - a->addr), lb = (size_t)(db - b->addr);

	return la == lb && memcmp(a->addr, b->addr, la) == 0 &&
	       strcasecmp(da, db) == 0;
}

void mailbox_finish(struct mailbox *mb)
{
	free(mb->name);
	free(mb->addr);
	mb->name = NULL;
	mb->addr = NULL;
}

void addrlist_push(struct addrlist *list, const char *name, const char *addr)
{
	if (list->n == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 4;
		list->v = xreallocarray(list->v, list->cap, sizeof(*list->v));
	}
	list->v[list->n].name = name != NULL ? xstrdup(name) : NULL;
	list->v[list->n].addr = xstrdup(addr);
	list->n++;
}

void addrlist_finish(struct addrlist *list)
{
	for (size_t i = 0; i < list->n; i++) {
		mailbox_finish(&list->v[i]);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
	list->cap = 0;
}
