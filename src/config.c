#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "addr.h"
#include "buf.h"
#include "xalloc.h"

static const char *const keys[] = {
	"from",
	"server",
	"tls",
	"tls-ca",
	"tls-fingerprint",
	"tls-cert",
	"tls-key",
	"user",
	"auth",
	"password",
	"password-command",
	"password-file",
	"envelope-from",
	"helo",
	"timeout",
	"allow-partial",
	"dsn-notify",
	"dsn-return",
	"dsn-envid",
};

bool config_key_known(const char *key)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i], key) == 0) {
			return true;
		}
	}
	return false;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t') {
		s++;
	}
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\r' || end[-1] == '\n')) {
		*--end = '\0';
	}
	return s;
}

static struct config_section *add_section(struct config *c, const char *name,
					  int line)
{
	struct config_section *s;

	c->sec = xreallocarray(c->sec, c->nsec + 1, sizeof(*c->sec));
	s = &c->sec[c->nsec++];
	memset(s, 0, sizeof(*s));
	s->name = name != NULL ? xstrdup(name) : NULL;
	s->line = line;
	return s;
}

static struct config_section *find_section(const struct config *c,
					   const char *name)
{
	for (size_t i = 0; i < c->nsec; i++) {
		if (c->sec[i].name != NULL &&
		    strcmp(c->sec[i].name, name) == 0) {
			return &c->sec[i];
		}
	}
	return NULL;
}

static int bad(struct err *e, const struct config *c, int line, const char *why,
	       const char *what)
{
	return err_set(e, ERR_CONFIG, "%s:%d: %s%s%s%s", c->path, line, why,
		       what ? " '" : "", what ? what : "", what ? "'" : "");
}

/* "account NAME" or "account NAME : PARENT[, PARENT...]". */
static int parse_account(struct config *c, char *rest, int line,
			 struct config_section **cur, struct err *e)
{
	char *colon = strchr(rest, ':');
	char *name;

	if (colon != NULL) {
		*colon = '\0';
	}
	name = trim(rest);
	if (*name == '\0' || strpbrk(name, " \t,") != NULL) {
		return bad(e, c, line, "bad account name", name);
	}
	if (strcmp(name, "default") == 0) {
		char *target = colon ? trim(colon + 1) : NULL;
		if (target == NULL || *target == '\0' ||
		    strpbrk(target, " \t,") != NULL) {
			return bad(e, c, line,
				   "expected 'account default : NAME'", NULL);
		}
		free(c->default_account);
		c->default_account = xstrdup(target);
		*cur = NULL;
		return 1; /* no section; keys may not follow */
	}
	if (find_section(c, name) != NULL) {
		return bad(e, c, line, "account defined twice:", name);
	}
	*cur = add_section(c, name, line);
	if (colon != NULL) {
		char *save = NULL;
		for (char *p = strtok_r(colon + 1, ",", &save); p != NULL;
		     p = strtok_r(NULL, ",", &save)) {
			char *parent = trim(p);
			if (*parent == '\0') {
				return bad(e, c, line, "empty parent account",
					   NULL);
			}
			(*cur)->parents = xreallocarray((*cur)->parents,
							(*cur)->nparents + 1,
							sizeof(char *));
			(*cur)->parents[(*cur)->nparents++] = xstrdup(parent);
		}
	}
	return 0;
}

/* A value may be "quoted", with \" and \\ inside, when the quotes
 * enclose all of it; a value that only starts with a quoted part (a
 * display name: "Work, Inc" <w@example.com>) stays as it is. */
static int unquote(char *v, int line, const struct config *c, struct err *e)
{
	size_t n = strlen(v), close = 0;

	if (n == 0 || v[0] != '"') {
		return 0;
	}
	for (size_t i = 1; i < n && close == 0; i++) {
		if (v[i] == '\\') {
			i++;
		} else if (v[i] == '"') {
			close = i;
		}
	}
	if (close == 0) {
		return bad(e, c, line, "unclosed quote", NULL);
	}
	if (close != n - 1) {
		return 0;
	}
	size_t o = 0;
	for (size_t i = 1; i < close; i++) {
		if (v[i] == '\\') {
			i++;
		}
		v[o++] = v[i];
	}
	v[o] = '\0';
	return 0;
}

int config_load(struct config *c, const char *path, struct err *e)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, ret = -1;
	struct config_section *cur;
	bool after_default = false;
	struct stat st;
	/* stdio's buffer is ours, so the password lines in it can be
	 * wiped like every other copy. */
	char iobuf[BUFSIZ];

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	f = fopen(path, "r");
	if (f == NULL) {
		return err_sys(e, errno == ENOENT ? ERR_NOINPUT : ERR_CONFIG,
			       errno, "%s", path);
	}
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return err_sys(e, ERR_CONFIG, EISDIR, "%s", path);
	}
	cur = add_section(c, NULL, 0);
	while ((len = getline(&line, &cap, f)) != -1) {
		if (++lineno > CONFIG_LINES_MAX) {
			bad(e, c, lineno, "too many lines", NULL);
			goto out;
		}
		if ((size_t)len > CONFIG_LINE_MAX) {
			bad(e, c, lineno, "line too long", NULL);
			goto out;
		}
		if (memchr(line, '\0', (size_t)len) != NULL) {
			bad(e, c, lineno, "NUL byte", NULL);
			goto out;
		}
		char *s = trim(line);
		if (*s == '\0' || *s == '#') {
			continue;
		}
		char *key = s, *val = s + strcspn(s, " \t");
		if (*val != '\0') {
			*val++ = '\0';
		}
		val = trim(val);
		if (strcmp(key, "defaults") == 0) {
			if (*val != '\0') {
				bad(e, c, lineno, "'defaults' takes no value",
				    NULL);
				goto out;
			}
			cur = &c->sec[0];
			after_default = false;
			continue;
		}
		if (strcmp(key, "account") == 0) {
			int r = parse_account(c, val, lineno, &cur, e);
			if (r < 0) {
				goto out;
			}
			after_default = r == 1;
			continue;
		}
		if (!config_key_known(key)) {
			bad(e, c, lineno, "unknown key", key);
			goto out;
		}
		if (after_default || cur == NULL) {
			bad(e, c, lineno,
			    "a key after 'account default' "
			    "belongs in an account:",
			    key);
			goto out;
		}
		if (unquote(val, lineno, c, e) == -1) {
			goto out;
		}
		if (strcmp(key, "password") == 0) {
			c->has_password = true;
		}
		cur->v = xreallocarray(cur->v, cur->n + 1, sizeof(*cur->v));
		cur->v[cur->n].key = xstrdup(key);
		cur->v[cur->n].value = xstrdup(val);
		cur->v[cur->n].line = lineno;
		cur->n++;
	}
	if (ferror(f)) {
		err_sys(e, ERR_CONFIG, errno, "%s", path);
		goto out;
	}
	/* As msmtp and ssh do: a password others can read is no secret. */
	if (c->has_password && fstat(fileno(f), &st) == 0 &&
	    (st.st_mode & 077) != 0) {
		err_set(e, ERR_CONFIG,
			"%s holds a password and can be read by others "
			"(mode %03o); chmod 600 it",
			path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	ret = 0;
out:
	if (line != NULL) {
		explicit_bzero(line, cap);
	}
	free(line);
	fclose(f);
	explicit_bzero(iobuf, sizeof(iobuf));
	return ret;
}

void config_finish(struct config *c)
{
	for (size_t i = 0; i < c->nsec; i++) {
		struct config_section *s = &c->sec[i];
		for (size_t k = 0; k < s->n; k++) {
			free(s->v[k].key);
			if (s->v[k].value != NULL) {
				explicit_bzero(s->v[k].value,
					       strlen(s->v[k].value));
			}
			free(s->v[k].value);
		}
		for (size_t k = 0; k < s->nparents; k++) {
			free(s->parents[k]);
		}
		free(s->parents);
		free(s->v);
		free(s->name);
	}
	free(c->sec);
	free(c->default_account);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

/* The account's own "from" (not inherited), for choosing by From. */
static const char *own_from(const struct config_section *s)
{
	const char *v = NULL;

	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].key, "from") == 0) {
			v = s->v[i].value;
		}
	}
	return v;
}

int config_choose(const struct config *c, const char *name,
		  const char *from_addr, const char **chosen, struct err *e)
{
	*chosen = NULL;
	if (name != NULL) {
		if (find_section(c, name) == NULL) {
			return err_set(e, ERR_CONFIG, "%s: no account '%s'",
				       c->path, name);
		}
		*chosen = find_section(c, name)->name;
		return 0;
	}
	if (from_addr != NULL) {
		for (size_t i = 1; i < c->nsec; i++) {
			const char *f = own_from(&c->sec[i]);
			struct mailbox mb = { 0 },
				       want = { NULL,
						(char *)(uintptr_t)from_addr };
			struct err ignored;
			if (f != NULL &&
			    addr_parse_mailbox(f, &mb, &ignored) == 0) {
				bool same = addr_same(&mb, &want);
				mailbox_finish(&mb);
				if (same) {
					*chosen = c->sec[i].name;
					return 0;
				}
			}
		}
	}
	if (c->default_account != NULL) {
		if (find_section(c, c->default_account) == NULL) {
			return err_set(e, ERR_CONFIG,
				       "%s: the default account '%s' is not "
				       "defined",
				       c->path, c->default_account);
		}
		*chosen = c->default_account;
	}
	return 0;
}

struct resolved {
	const struct config_entry **v;
	size_t n;
};

static void put(struct resolved *r, const struct config_entry *ent)
{
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->v[i]->key, ent->key) == 0) {
			r->v[i] = ent;
			return;
		}
	}
	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	r->v[r->n++] = ent;
}

static int apply(const struct config *c, const struct config_section *s,
		 struct resolved *r, int depth, struct err *e)
{
	if (depth > CONFIG_DEPTH_MAX) {
		return err_set(e, ERR_CONFIG,
			       "%s:%d: account '%s' inherits in a loop",
			       c->path, s->line, s->name);
	}
	for (size_t i = 0; i < s->nparents; i++) {
		const struct config_section *p = find_section(c, s->parents[i]);
		if (p == NULL) {
			return err_set(e, ERR_CONFIG,
				       "%s:%d: account '%s' inherits from "
				       "unknown account '%s'",
				       c->path, s->line, s->name,
				       s->parents[i]);
		}
		if (apply(c, p, r, depth + 1, e) == -1) {
			return -1;
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		put(r, &s->v[i]);
	}
	return 0;
}

int config_resolve(const struct config *c, const char *account,
		   void (*fn)(void *ctx, const struct config_entry *ent),
		   void *ctx, struct err *e)
{
	struct resolved r = { 0 };
	int ret = 0;

	for (size_t i = 0; i < c->sec[0].n; i++) {
		put(&r, &c->sec[0].v[i]);
	}
	if (account != NULL) {
		ret = apply(c, find_section(c, account), &r, 0, e);
	}
	for (size_t i = 0; ret == 0 && i < r.n; i++) {
		fn(ctx, r.v[i]);
	}
	free(r.v);
	return ret;
}
