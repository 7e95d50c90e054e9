#include "netrc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"
#include "xalloc.h"

/* Next white-space separated token, or a "quoted" one; NULL at end. */
static const char *token(const char *base, const char **p, size_t *n)
{
	const char *s = *p;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			s++;
		}
		/* A line whose first word starts with '#' is a comment (as
		 * curl and msmtp read); a '#' inside a password is not. */
		const char *b = s;
		while (b > base && (b[-1] == ' ' || b[-1] == '\t')) {
			b--;
		}
		if (*s != '#' || (b > base && b[-1] != '\n')) {
			break;
		}
		s += strcspn(s, "\n");
	}
	if (*s == '\0') {
		*p = s;
		return NULL;
	}
	if (*s == '"') {
		const char *e = strchr(s + 1, '"');
		if (e == NULL) {
			e = s + strlen(s);
		}
		*n = (size_t)(e - s - 1);
		*p = *e ? e + 1 : e;
		return s + 1;
	}
	const char *start = s;
	while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n' &&
	       *s != '\r') {
		s++;
	}
	*n = (size_t)(s - start);
	*p = s;
	return start;
}

static bool tok_is(const char *t, size_t n, const char *word)
{
	return t != NULL && strlen(word) == n && strncmp(t, word, n) == 0;
}

char *netrc_find(const char *text, const char *host, const char *user)
{
	const char *p = text, *t;
	size_t n;
	bool in_entry = false, match = false;
	const char *login = NULL, *pass = NULL;
	size_t llen = 0, plen = 0;

	for (;;) {
		t = token(text, &p, &n);
		bool next_entry = t == NULL || tok_is(t, n, "machine") ||
				  tok_is(t, n, "default");
		if (next_entry && in_entry && match && pass != NULL &&
		    (login == NULL || user == NULL ||
		     (strlen(user) == llen &&
		      strncmp(login, user, llen) == 0))) {
			return xstrndup(pass, plen);
		}
		if (t == NULL) {
			return NULL;
		}
		if (tok_is(t, n, "machine")) {
			const char *h = token(text, &p, &n);
			in_entry = true;
			match = h != NULL && strlen(host) == n &&
				strncasecmp(h, host, n) == 0;
			login = pass = NULL;
		} else if (tok_is(t, n, "default")) {
			in_entry = true;
			match = true;
			login = pass = NULL;
		} else if (tok_is(t, n, "login")) {
			login = token(text, &p, &llen);
		} else if (tok_is(t, n, "password")) {
			pass = token(text, &p, &plen);
		} else if (tok_is(t, n, "account")) {
			token(text, &p, &n);
		} else if (tok_is(t, n, "macdef")) {
			/* A macro runs to the next empty line. */
			/* The macro belongs to its entry, which goes on. */
			const char *end = strstr(p, "\n\n");
			p = end != NULL ? end + 2 : p + strlen(p);
		}
	}
}

char *netrc_password(const char *path, const char *host, const char *user,
		     struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *text, *pw;
	size_t len = 0;

	if (fd < 0) {
		if (errno == ENOENT) {
			return NULL;
		}
		err_sys(e, ERR_CONFIG, errno, "%s", path);
		return NULL;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
		close(fd);
		err_set(e, ERR_CONFIG,
			"%s holds passwords and can be read by others; chmod "
			"600 it",
			path);
		return NULL;
	}
	text = secret_read(fd, NETRC_MAX, &len, path, e);
	close(fd);
	if (text == NULL) {
		return NULL;
	}
	pw = netrc_find(text, host, user);
	explicit_bzero(text, len);
	free(text);
	return pw;
}
