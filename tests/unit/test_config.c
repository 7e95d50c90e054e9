/* The configuration file (config.h): msmtp's line format with '#'
 * comments, "defaults" and "account NAME [: PARENT...]" sections and
 * "key value" lines; quoting; every syntax error naming file and line;
 * the mode check on a file that holds a password; choosing an account
 * by name, by From address or by "account default : NAME"; and the
 * inheritance order, loops and unknown parents in config_resolve. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"

#define PATH_MAX_LEN 256
#define RESOLVED_MAX 32

static char tmpdir[64];
static int nfiles;

/* Writes n bytes (n 0: strlen) to a new file in tmpdir with the given
 * mode; the path goes to path. */
static void write_file(char path[PATH_MAX_LEN], const char *text, size_t n,
		       mode_t mode)
{
	int fd;

	if (n == 0) {
		n = strlen(text);
	}
	snprintf(path, PATH_MAX_LEN, "%s/config%d", tmpdir, ++nfiles);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n ||
	    fchmod(fd, mode) == -1) {
		diag("cannot write %s: %s", path, strerror(errno));
	}
	if (fd >= 0) {
		close(fd);
	}
}

/* Loads text written with mode; the path goes to path. */
static int load_mode(struct config *c, char path[PATH_MAX_LEN],
		     const char *text, size_t n, mode_t mode, struct err *e)
{
	memset(e, 0, sizeof(*e));
	write_file(path, text, n, mode);
	return config_load(c, path, e);
}

static int load(struct config *c, char path[PATH_MAX_LEN], const char *text,
		struct err *e)
{
	return load_mode(c, path, text, 0, 0600, e);
}

/* Loading text must fail with ERR_CONFIG, the message starting
 * "PATH:LINE:" and holding want (when not NULL). */
static void load_fails(const char *text, size_t n, int line, const char *want,
		       const char *name)
{
	struct config c;
	struct err e;
	char path[PATH_MAX_LEN], prefix[PATH_MAX_LEN + 32];
	int r = load_mode(&c, path, text, n, 0600, &e);

	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (ok(r == -1 && e.cls == ERR_CONFIG, "%s: ERR_CONFIG", name)) {
		if (!ok(strncmp(e.msg, prefix, strlen(prefix)) == 0,
			"%s: the message names file and line %d", name, line)) {
			diag("message: %s", e.msg);
		}
		if (want != NULL &&
		    !ok(strstr(e.msg, want) != NULL, "%s: the message says %s",
			name, want)) {
			diag("message: %s", e.msg);
		}
	} else {
		diag("returned %d, class %d, message: %s", r, (int)e.cls,
		     e.msg);
	}
	config_finish(&c);
}

static const struct config_section *section(const struct config *c,
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

/* The value of the last key in s, or NULL. */
static const char *value(const struct config_section *s, const char *key)
{
	const char *v = NULL;

	for (size_t i = 0; s != NULL && i < s->n; i++) {
		if (strcmp(s->v[i].key, key) == 0) {
			v = s->v[i].value;
		}
	}
	return v;
}

struct resolved {
	const struct config_entry *v[RESOLVED_MAX];
	size_t n;
	int calls;
	int dup; /* keys passed more than once */
};

static void collect(void *ctx, const struct config_entry *ent)
{
	struct resolved *r = ctx;

	r->calls++;
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->v[i]->key, ent->key) == 0) {
			r->dup++;
		}
	}
	if (r->n < RESOLVED_MAX) {
		r->v[r->n++] = ent;
	}
}

static const struct config_entry *got(const struct resolved *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->v[i]->key, key) == 0) {
			return r->v[i];
		}
	}
	return NULL;
}

/* The resolved value of key, and the line it came from. */
static void resolved_is(const struct resolved *r, const char *key,
			const char *want, int line, const char *name)
{
	const struct config_entry *ent = got(r, key);
	char label[256];

	snprintf(label, sizeof(label), "%s: %s", name, key);
	is_str(ent != NULL ? ent->value : NULL, want, label);
	if (ent != NULL && want != NULL) {
		snprintf(label, sizeof(label), "%s: %s from line %d", name, key,
			 line);
		is_int(ent->line, line, label);
	}
}

static void test_sections(void)
{
	static const char text[] =
		"# a comment\n"                       /* 1 */
		"   # an indented comment\n"          /* 2 */
		"\n"                                  /* 3 */
		"from top@example.org\n"              /* 4 */
		"server\tsmtp.example.org  \n"        /* 5 */
		"  \t\n"                              /* 6 */
		"defaults\n"                          /* 7 */
		"timeout 30\n"                        /* 8 */
		"account work\n"                      /* 9 */
		"from Work <w@Example.COM>\n"         /* 10 */
		"helo  a b  \n"                       /* 11 */
		"tls\n"                               /* 12 */
		"account home : work\n"               /* 13 */
		"from h@example.net\r\n"              /* 14 */
		"account multi : home, work ,other\n" /* 15 */
		"account other\n"                     /* 16 */
		"account   default   :   home  \n"    /* 17 */
		"defaults\n"                          /* 18 */
		"dsn-notify never\n";                 /* 19 */
	struct config c;
	struct err e;
	char path[PATH_MAX_LEN];
	const struct config_section *s;

	if (!ok(load(&c, path, text, &e) == 0, "a file with every form")) {
		diag("%s", e.msg);
		config_finish(&c);
		return;
	}
	is_str(c.path, path, "the path is kept");
	is_int(c.nsec, 5, "defaults and four accounts");
	is_str(c.default_account, "home", "account default : home");
	ok(!c.has_password, "no password");

	s = &c.sec[0];
	ok(s->name == NULL, "the first section is the defaults");
	is_int(s->n, 4,
	       "defaults: keys before any section, after "
	       "'defaults' and after a second 'defaults'");
	if (s->n == 4) {
		is_str(s->v[0].key, "from", "defaults: key 1");
		is_str(s->v[0].value, "top@example.org", "defaults: value 1");
		is_int(s->v[0].line, 4, "defaults: line of key 1");
		is_str(s->v[1].key, "server", "defaults: key 2 after a tab");
		is_str(s->v[1].value, "smtp.example.org",
		       "defaults: trailing blanks are not in the value");
		is_str(s->v[2].key, "timeout", "defaults: key 3");
		is_int(s->v[2].line, 8, "defaults: line of key 3");
		is_str(s->v[3].key, "dsn-notify", "defaults: key 4");
		is_int(s->v[3].line, 19, "defaults: line of key 4");
	}

	s = section(&c, "work");
	if (ok(s != NULL, "account work")) {
		is_int(s->line, 9, "work: its line");
		is_int(s->nparents, 0, "work: no parent");
		is_int(s->n, 3, "work: three keys");
		is_str(value(s, "from"), "Work <w@Example.COM>",
		       "work: a value with blanks and brackets");
		is_str(value(s, "helo"), "a b",
		       "work: inner blanks kept, outer ones trimmed");
		is_str(value(s, "tls"), "", "work: a key with no value");
	}
	s = section(&c, "home");
	if (ok(s != NULL, "account home")) {
		if (is_int(s->nparents, 1, "home: one parent")) {
			is_str(s->parents[0], "work", "home: parent work");
		}
		is_str(value(s, "from"), "h@example.net",
		       "home: CRLF line end is not in the value");
	}
	s = section(&c, "multi");
	if (ok(s != NULL, "account multi")) {
		if (is_int(s->nparents, 3, "multi: three parents")) {
			is_str(s->parents[0], "home", "multi: parent 1");
			is_str(s->parents[1], "work",
			       "multi: parent 2, blanks trimmed");
			is_str(s->parents[2], "other",
			       "multi: parent 3 with no blank after ','");
		}
		is_int(s->n, 0, "multi: no keys of its own");
	}
	ok(section(&c, "default") == NULL,
	   "'account default : NAME' makes no section");
	config_finish(&c);
	ok(c.sec == NULL && c.nsec == 0 && c.path == NULL,
	   "config_finish empties the struct");
}

static void test_quoting(void)
{
	static const char text[] = "password \"a \\\"q\\\" b\\\\c\"\n"
				   "helo \"  spaced  \"\n"
				   "user a\"b\n"
				   "tls-ca \"\"\n"
				   "auth \"x\\\\\"\n"
				   "dsn-envid \"#not a comment\"\n";
	struct config c;
	struct err e;
	char path[PATH_MAX_LEN];

	if (ok(load(&c, path, text, &e) == 0, "quoted values")) {
		const struct config_section *s = &c.sec[0];
		is_str(value(s, "password"), "a \"q\" b\\c",
		       "\\\" and \\\\ inside quotes");
		is_str(value(s, "helo"), "  spaced  ",
		       "quotes keep outer blanks");
		is_str(value(s, "user"), "a\"b",
		       "a quote inside an unquoted value stays");
		is_str(value(s, "tls-ca"), "", "\"\" is the empty value");
		is_str(value(s, "auth"), "x\\",
		       "an escaped backslash before the closing quote");
		is_str(value(s, "dsn-envid"), "#not a comment",
		       "'#' inside a value");
		ok(c.has_password, "has_password");
	} else {
		diag("%s", e.msg);
	}
	config_finish(&c);

	load_fails("from \"abc\n", 0, 1, "unclosed quote", "unclosed quote");
	load_fails("from x\nhelo \"\n", 0, 2, "unclosed quote", "a lone quote");
	/* Quotes that do not enclose the whole value are part of it: a
	 * display name in a from line stays as written. */
	{
		struct config dc;
		struct err de;
		char dpath[PATH_MAX_LEN];
		if (ok(load(&dc, dpath, "from \"Work, Inc\" <w@example.com>\n",
			    &de) == 0,
		       "a quoted display name with more after it loads")) {
			is_str(value(&dc.sec[0], "from"),
			       "\"Work, Inc\" <w@example.com>",
			       "a quoted display name is kept verbatim");
		} else {
			diag("%s", de.msg);
		}
		config_finish(&dc);
	}
	/* The last quote is escaped, so the value never ends. */
	load_fails("from x\n\nhelo \"abc\\\"\n", 0, 3, "unclosed quote",
		   "an escaped closing quote is no closing quote");
}

static void test_errors(void)
{
	char long_line[CONFIG_LINE_MAX + 64];
	static const char nul[] = "from a@example.org\nhelo a\0b\n";

	load_fails("from a@example.org\n\nhots smtp.example.org\n", 0, 3,
		   "'hots'", "unknown key");
	load_fails("account a\nHelo x\n", 0, 2, "'Helo'",
		   "keys are case-sensitive");
	load_fails("--server x\n", 0, 1, "'--server'",
		   "a key with dashes is unknown");
	load_fails("defaults now\n", 0, 1, NULL, "'defaults' with a value");

	load_fails("account\n", 0, 1, "bad account name", "account, no name");
	load_fails("from x\naccount a b\n", 0, 2, "bad account name",
		   "a name with a blank");
	load_fails("account a,b\n", 0, 1, "bad account name",
		   "a name with a comma");
	load_fails("account : a\n", 0, 1, "bad account name",
		   "an empty name before ':'");
	load_fails("account default\n", 0, 1, "account default",
		   "'account default' without ': NAME'");
	load_fails("account a\naccount default :\n", 0, 2, "account default",
		   "'account default :' without a name");
	load_fails("account default : a b\n", 0, 1, "account default",
		   "'account default' with two names");
	load_fails("account default : a, b\n", 0, 1, "account default",
		   "'account default' with a list");
	load_fails("account a\naccount b\naccount c : a, , b\n", 0, 3,
		   "empty parent", "an empty parent in the list");

	load_fails("account a\naccount default : a\nserver x\n", 0, 3,
		   "'server'", "a key after 'account default'");
	load_fails("account a\nfrom x\naccount b\naccount a : b\n", 0, 4, "'a'",
		   "an account defined twice");

	/* A line of CONFIG_LINE_MAX - 1 octets and its LF is allowed;
	 * one of CONFIG_LINE_MAX + 1 and LF is not. */
	memset(long_line, 0, sizeof(long_line));
	memcpy(long_line, "helo ", 5);
	memset(long_line + 5, 'h', CONFIG_LINE_MAX - 1 - 5);
	long_line[CONFIG_LINE_MAX - 1] = '\n';
	{
		struct config c;
		struct err e;
		char path[PATH_MAX_LEN];
		int r = load(&c, path, long_line, &e);
		if (ok(r == 0, "a line of CONFIG_LINE_MAX - 1 octets")) {
			const char *v = value(&c.sec[0], "helo");
			is_int(v != NULL ? strlen(v) : 0,
			       CONFIG_LINE_MAX - 1 - 5,
			       "the long value is whole");
		} else {
			diag("%s", e.msg);
		}
		config_finish(&c);
	}
	memcpy(long_line, "from x\n", 7);
	memcpy(long_line + 7, "helo ", 5);
	memset(long_line + 12, 'h', CONFIG_LINE_MAX + 1 - 5);
	long_line[12 + CONFIG_LINE_MAX + 1 - 5] = '\n';
	long_line[12 + CONFIG_LINE_MAX + 1 - 5 + 1] = '\0';
	load_fails(long_line, 0, 2, "too long", "a line over CONFIG_LINE_MAX");

	load_fails(nul, sizeof(nul) - 1, 2, "NUL", "a NUL byte");
	load_fails("from a\n\0\n", 9, 2, "NUL", "a line that is one NUL");
}

static void test_password_mode(void)
{
	static const char text[] = "account a\npassword s3cret\n";
	struct config c;
	struct err e;
	char path[PATH_MAX_LEN];
	int r;

	r = load_mode(&c, path, text, 0, 0644, &e);
	if (ok(r == -1 && e.cls == ERR_CONFIG,
	       "a password in a file of mode 0644 is refused")) {
		ok(strstr(e.msg, "chmod 600") != NULL,
		   "the message says chmod 600");
		ok(strstr(e.msg, path) != NULL, "the message names the file");
		ok(strstr(e.msg, "s3cret") == NULL,
		   "the message does not show the password");
	}
	config_finish(&c);

	r = load_mode(&c, path, text, 0, 0640, &e);
	ok(r == -1 && e.cls == ERR_CONFIG,
	   "a password in a file of mode 0640 is refused");
	config_finish(&c);

	r = load_mode(&c, path, text, 0, 0604, &e);
	ok(r == -1 && e.cls == ERR_CONFIG,
	   "a password in a file of mode 0604 is refused");
	config_finish(&c);

	r = load_mode(&c, path, text, 0, 0600, &e);
	if (!ok(r == 0, "a password in a file of mode 0600 is accepted")) {
		diag("%s", e.msg);
	}
	ok(c.has_password, "has_password");
	is_str(value(section(&c, "a"), "password"), "s3cret",
	       "the password value");
	config_finish(&c);

	r = load_mode(&c, path, text, 0, 0400, &e);
	ok(r == 0, "a password in a file of mode 0400 is accepted");
	config_finish(&c);

	r = load_mode(&c, path,
		      "password-command pass show mail\n"
		      "password-file ~/.pw\n",
		      0, 0644, &e);
	if (!ok(r == 0, "password-command and password-file in a 0644 file "
			"are no secret")) {
		diag("%s", e.msg);
	}
	ok(!c.has_password, "password-command is not has_password");
	config_finish(&c);
}

static void test_files(void)
{
	struct config c;
	struct err e = { 0 };
	char path[PATH_MAX_LEN];
	int r;

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	r = config_load(&c, path, &e);
	ok(r == -1 && e.cls == ERR_NOINPUT, "a missing file is ERR_NOINPUT");
	ok(strstr(e.msg, path) != NULL, "the message names the missing file");
	config_finish(&c);

	memset(&e, 0, sizeof(e));
	snprintf(path, sizeof(path), "%s/dir", tmpdir);
	if (mkdir(path, 0700) == -1) {
		diag("mkdir %s: %s", path, strerror(errno));
	}
	r = config_load(&c, path, &e);
	ok(r == -1 && e.cls != ERR_NONE, "a directory is an error");
	ok(strstr(e.msg, path) != NULL, "the message names the directory");
	config_finish(&c);
	rmdir(path);

	r = load(&c, path, "", &e);
	ok(r == 0 && c.nsec == 1 && c.sec[0].n == 0,
	   "an empty file: defaults only, no keys");
	config_finish(&c);

	r = load(&c, path, "# only\n# comments", &e);
	ok(r == 0 && c.nsec == 1, "a file of comments, no final LF");
	config_finish(&c);

	r = load(&c, path, "from a@example.org", &e);
	ok(r == 0 && c.sec[0].n == 1, "a last line with no LF counts");
	config_finish(&c);
}

static const char choose_text[] =
	"from top@example.org\n" /* 1: defaults, never chosen */
	"account kid : work\n"   /* 2: inherits work's from */
	"server kid.example\n"   /* 3 */
	"account broken\n"       /* 4 */
	"from not an address\n"  /* 5: skipped when choosing */
	"account work\n"         /* 6 */
	"from \"\\\"Work, Inc\\\" <w@Example.COM>\"\n" /* 7 */
	"account home\n"                               /* 8 */
	"from h@example.net\n"                         /* 9 */
	"from h2@example.net\n"         /* 10: the last one counts */
	"account fallback\n"            /* 11 */
	"account default : fallback\n"; /* 12 */

static void choose_is(const struct config *c, const char *name,
		      const char *from, const char *want, const char *label)
{
	const char *chosen = (const char *)1;
	struct err e = { 0 };
	int r = config_choose(c, name, from, &chosen, &e);

	if (!ok(r == 0, "%s: chosen", label)) {
		diag("%s", e.msg);
		return;
	}
	is_str(chosen, want, label);
}

static void test_choose(void)
{
	struct config c;
	struct err e;
	char path[PATH_MAX_LEN];
	const char *chosen = (const char *)1;
	int r;

	if (!ok(load(&c, path, choose_text, &e) == 0, "the accounts file")) {
		diag("%s", e.msg);
		config_finish(&c);
		return;
	}
	choose_is(&c, "work", NULL, "work", "by name");
	choose_is(&c, "kid", "h2@example.net", "kid",
		  "by name before the From address");
	choose_is(&c, NULL, "w@example.com", "work",
		  "by From: domain case ignored, display name in the value");
	choose_is(&c, NULL, "w@EXAMPLE.com", "work",
		  "by From: domain case ignored in the address given");
	choose_is(&c, NULL, "h2@example.net", "home",
		  "by From: the account's last from");
	choose_is(&c, NULL, "W@example.com", "fallback",
		  "by From: the local part is exact, so the default");
	choose_is(&c, NULL, "h@example.net", "fallback",
		  "by From: an overridden from does not match; the default");
	choose_is(&c, NULL, "top@example.org", "fallback",
		  "by From: the defaults' from is no account");
	choose_is(&c, NULL, "nobody@example.org", "fallback",
		  "by default account when no From matches");
	choose_is(&c, NULL, NULL, "fallback", "by default account");

	memset(&e, 0, sizeof(e));
	r = config_choose(&c, "nope", NULL, &chosen, &e);
	ok(r == -1 && e.cls == ERR_CONFIG, "an unknown name is ERR_CONFIG");
	ok(strstr(e.msg, "'nope'") != NULL, "the message names it");
	ok(chosen == NULL, "nothing chosen");
	config_finish(&c);

	r = load(&c, path,
		 "account a\nfrom a@example.org\naccount default : ghost\n",
		 &e);
	ok(r == 0, "a default naming an undefined account loads");
	choose_is(&c, NULL, "a@example.org", "a",
		  "by From before the undefined default");
	memset(&e, 0, sizeof(e));
	r = config_choose(&c, NULL, "b@example.org", &chosen, &e);
	ok(r == -1 && e.cls == ERR_CONFIG,
	   "the undefined default account is ERR_CONFIG");
	ok(strstr(e.msg, "'ghost'") != NULL, "the message names it");
	config_finish(&c);

	r = load(&c, path, "from d@example.org\naccount a\n", &e);
	ok(r == 0, "a file with no default account");
	choose_is(&c, NULL, "x@example.org", NULL,
		  "no match and no default: none");
	choose_is(&c, NULL, NULL, NULL, "nothing given: none");
	choose_is(&c, NULL, "d@example.org", NULL,
		  "the defaults' from chooses none");
	config_finish(&c);

	r = load(&c, path,
		 "account a\naccount default : a\naccount b\n"
		 "account default : b\n",
		 &e);
	ok(r == 0, "'account default' given twice");
	choose_is(&c, NULL, NULL, "b", "the last 'account default' counts");
	config_finish(&c);
	r = load(&c, path, "account default : a\naccount a\n", &e);
	ok(r == 0, "the default may name an account defined later");
	choose_is(&c, NULL, NULL, "a", "a default defined after");
	config_finish(&c);
}

static void resolve(const struct config *c, const char *account,
		    struct resolved *r, int *ret, struct err *e)
{
	memset(r, 0, sizeof(*r));
	memset(e, 0, sizeof(*e));
	*ret = config_resolve(c, account, collect, r, e);
}

static void test_resolve(void)
{
	static const char text[] = "defaults\n"              /* 1 */
				   "from d@example.org\n"    /* 2 */
				   "timeout 10\n"            /* 3 */
				   "helo dhelo\n"            /* 4 */
				   "account base\n"          /* 5 */
				   "timeout 20\n"            /* 6 */
				   "user baseuser\n"         /* 7 */
				   "account a : base\n"      /* 8 */
				   "user auser\n"            /* 9 */
				   "tls on\n"                /* 10 */
				   "user auser2\n"           /* 11 */
				   "account b\n"             /* 12 */
				   "user buser\n"            /* 13 */
				   "auth plain\n"            /* 14 */
				   "account c : a, b\n"      /* 15 */
				   "auth login\n"            /* 16 */
				   "account x\n"             /* 17 */
				   "timeout 30\n"            /* 18 */
				   "account y : base\n"      /* 19 */
				   "account z : x, y\n"      /* 20 */
				   "account early : later\n" /* 21 */
				   "account later\n"         /* 22 */
				   "server later.example\n"  /* 23 */
				   "defaults\n"              /* 24 */
				   "helo dhelo2\n";          /* 25 */
	struct config c;
	struct resolved r;
	struct err e;
	char path[PATH_MAX_LEN];
	int ret;

	if (!ok(load(&c, path, text, &e) == 0, "the inheritance file")) {
		diag("%s", e.msg);
		config_finish(&c);
		return;
	}

	resolve(&c, NULL, &r, &ret, &e);
	ok(ret == 0, "defaults only");
	is_int(r.n, 3, "defaults only: three keys");
	is_int(r.dup, 0, "defaults only: each key once");
	resolved_is(&r, "from", "d@example.org", 2, "defaults only");
	resolved_is(&r, "timeout", "10", 3, "defaults only");
	resolved_is(&r, "helo", "dhelo2", 25,
		    "defaults only: a later 'defaults' line wins");

	resolve(&c, "a", &r, &ret, &e);
	ok(ret == 0, "a : base");
	is_int(r.dup, 0, "a: each key once");
	is_int(r.calls, 5, "a: five keys");
	resolved_is(&r, "from", "d@example.org", 2, "a: from the defaults");
	resolved_is(&r, "timeout", "20", 6, "a: the parent over the defaults");
	resolved_is(&r, "user", "auser2", 11,
		    "a: the account over its parent, its last line");
	resolved_is(&r, "tls", "on", 10, "a: its own key");
	resolved_is(&r, "helo", "dhelo2", 25, "a: the defaults' helo");

	resolve(&c, "c", &r, &ret, &e);
	ok(ret == 0, "c : a, b");
	is_int(r.dup, 0, "c: each key once");
	is_int(r.calls, 6, "c: six keys");
	resolved_is(&r, "timeout", "20", 6, "c: from the grandparent");
	resolved_is(&r, "user", "buser", 13, "c: the later parent wins");
	resolved_is(&r, "tls", "on", 10, "c: from the first parent");
	resolved_is(&r, "auth", "login", 16, "c: its own over a parent");
	resolved_is(&r, "from", "d@example.org", 2, "c: from the defaults");

	/* Each parent comes with its ancestors, in order: y's parent
	 * base is applied after x, so base's timeout wins over x's. */
	resolve(&c, "z", &r, &ret, &e);
	ok(ret == 0, "z : x, y and y : base");
	resolved_is(&r, "timeout", "20", 6,
		    "z: the later parent's ancestor over the earlier parent");
	resolved_is(&r, "user", "baseuser", 7, "z: from y's parent");

	resolve(&c, "early", &r, &ret, &e);
	ok(ret == 0, "a parent defined after the account");
	resolved_is(&r, "server", "later.example", 23, "early");

	resolve(&c, "b", &r, &ret, &e);
	ok(ret == 0, "b, no parent");
	resolved_is(&r, "user", "buser", 13, "b");
	ok(got(&r, "tls") == NULL, "b: nothing from a sibling");
	config_finish(&c);
}

static void resolve_fails(const char *text, const char *account,
			  const char *const *names, const char *also,
			  const char *label)
{
	struct config c;
	struct resolved r;
	struct err e;
	char path[PATH_MAX_LEN];
	int ret;
	bool named = false;

	if (!ok(load(&c, path, text, &e) == 0, "%s: loads", label)) {
		diag("%s", e.msg);
		config_finish(&c);
		return;
	}
	resolve(&c, account, &r, &ret, &e);
	ok(ret == -1 && e.cls == ERR_CONFIG, "%s: ERR_CONFIG", label);
	ok(r.calls == 0, "%s: no entries passed on an error", label);
	for (size_t i = 0; names[i] != NULL; i++) {
		char q[64];
		snprintf(q, sizeof(q), "account '%s'", names[i]);
		named = named || strstr(e.msg, q) != NULL;
	}
	if (!ok(named, "%s: the message names the account", label)) {
		diag("message: %s", e.msg);
	}
	if (!ok(strncmp(e.msg, path, strlen(path)) == 0,
		"%s: the message names the file", label)) {
		diag("message: %s", e.msg);
	}
	if (also != NULL && !ok(strstr(e.msg, also) != NULL,
				"%s: the message says %s", label, also)) {
		diag("message: %s", e.msg);
	}
	config_finish(&c);
}

static void test_resolve_errors(void)
{
	static const char *const ab[] = { "a", "b", NULL };
	static const char *const s[] = { "s", NULL };
	static const char *const abc[] = { "a", "b", "c", NULL };
	static const char *const u[] = { "u", NULL };
	static const char *const mid[] = { "mid", NULL };
	char text[2048];
	size_t o = 0;
	struct config c;
	struct resolved r;
	struct err e;
	char path[PATH_MAX_LEN];
	int ret;

	resolve_fails("account a : b\naccount b : a\n", "a", ab, "loop",
		      "a : b, b : a");
	resolve_fails("account s : s\nfrom s@example.org\n", "s", s, "loop",
		      "s : s");
	resolve_fails("account a : c\naccount b : a\naccount c : b\n"
		      "account top : a\n",
		      "top", abc, "loop", "a loop above the account");
	resolve_fails("account u : ghost\n", "u", u, "'ghost'",
		      "an unknown parent");
	resolve_fails("account top\naccount mid : top, ghost\n"
		      "account low : mid\n",
		      "low", mid, "'ghost'", "an unknown grandparent");

	/* Accounts away from the loop still resolve. */
	if (load(&c, path,
		 "account a : b\naccount b : a\naccount ok\nuser u\n"
		 "account top\nauth plain\naccount l : top\naccount r : top\n"
		 "account bottom : l, r\n",
		 &e) == 0) {
		resolve(&c, "ok", &r, &ret, &e);
		ok(ret == 0, "an account outside the loop resolves");
		resolve(&c, NULL, &r, &ret, &e);
		ok(ret == 0, "the defaults resolve beside a loop");
		resolve(&c, "bottom", &r, &ret, &e);
		ok(ret == 0, "a diamond is no loop");
		resolved_is(&r, "auth", "plain", 6, "diamond");
	} else {
		ok(false, "the loop file loads: %s", e.msg);
	}
	config_finish(&c);

	/* A chain of CONFIG_DEPTH_MAX ancestors is allowed. */
	for (int i = 0; i <= CONFIG_DEPTH_MAX; i++) {
		if (i < CONFIG_DEPTH_MAX) {
			o += (size_t)snprintf(text + o, sizeof(text) - o,
					      "account a%d : a%d\n", i, i + 1);
		} else {
			o += (size_t)snprintf(text + o, sizeof(text) - o,
					      "account a%d\nhelo deep\n", i);
		}
	}
	if (load(&c, path, text, &e) == 0) {
		resolve(&c, "a0", &r, &ret, &e);
		if (!ok(ret == 0, "a chain of CONFIG_DEPTH_MAX ancestors")) {
			diag("%s", e.msg);
		}
		resolved_is(&r, "helo", "deep", CONFIG_DEPTH_MAX + 2,
			    "the deepest ancestor");
	} else {
		ok(false, "the chain loads: %s", e.msg);
	}
	config_finish(&c);
}

static void test_keys(void)
{
	static const char *const known[] = {
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
	static const char *const unknown[] = {
		"",         "host",   "port",      "account",
		"defaults", "From",   "password ", " from",
		"--from",   "tls_ca", "passwordx", "logfile",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		ok(config_key_known(known[i]), "known key '%s'", known[i]);
	}
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		ok(!config_key_known(unknown[i]), "unknown key '%s'",
		   unknown[i]);
	}
}

/* Removes what the tests left in tmpdir, then tmpdir. */
int main(void)
{
	plan_lazy();
	if (tap_mkdtemp(tmpdir, sizeof(tmpdir), "config") == -1) {
		return done_testing();
	}
	test_sections();
	test_quoting();
	test_errors();
	test_password_mode();
	test_files();
	test_choose();
	test_resolve();
	test_resolve_errors();
	test_keys();
	ok(tap_rmtree(tmpdir) == 0, "the temporary directory is removed");
	return done_testing();
}
