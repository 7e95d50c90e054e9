/* ~/.netrc (netrc.h): machine, login, password and default entries,
 * quoting, macdef and account tokens and comments as curl and msmtp read
 * them, over text in memory; then the file: missing (no error),
 * readable by others (refused), private (read). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netrc.h"
#include "secret.h"
#include "tap.h"

#define PATH_MAX_LEN 256

static char tmpdir[64];

/* netrc_find(text, host, user) must give want (NULL: no password). */
static void find_is(const char *text, const char *host, const char *user,
		    const char *want, const char *name)
{
	char *pw = netrc_find(text, host, user);

	is_str(pw, want, name);
	free(pw);
}

static void test_entries(void)
{
	static const char one[] =
		"machine mail.example.org login alice password s3cret\n";
	static const char two[] = "machine a.example login u password pa\n"
				  "machine b.example login u password pb\n";
	static const char users[] =
		"machine h.example login alice password pa\n"
		"machine h.example login bob password pb\n";

	find_is(one, "mail.example.org", "alice", "s3cret",
		"machine, login and password");
	find_is(one, "mail.example.org", NULL, "s3cret",
		"no user given: any login matches");
	find_is(one, "mail.example.org", "bob", NULL, "another user: none");
	find_is(one, "smtp.example.org", "alice", NULL, "another host: none");
	find_is(one, "MAIL.Example.ORG", "alice", "s3cret",
		"the host given in capitals");
	find_is("machine MAIL.EXAMPLE.org login alice password p\n",
		"mail.example.org", "alice", "p",
		"the host in the file in "
		"capitals");
	find_is("machine mail.example.org login Alice password p\n",
		"mail.example.org", "alice", NULL, "the login is exact");
	find_is(one, "mail.example", "alice", NULL,
		"a prefix of the host is another host");
	find_is(one, "mail.example.org.evil", "alice", NULL,
		"a longer host is another host");
	find_is("machine mail login alice password p\n", "mail.example.org",
		"alice", NULL, "a short name is another host");

	find_is(two, "a.example", "u", "pa", "two machines: the first");
	find_is(two, "b.example", "u", "pb", "two machines: the second");
	find_is(two, "c.example", "u", NULL, "two machines: neither");

	find_is(users, "h.example", "bob", "pb",
		"a login that does not match skips the entry");
	find_is(users, "h.example", "alice", "pa", "the matching login");
	find_is(users, "h.example", "carol", NULL, "no login matches");
	find_is(users, "h.example", NULL, "pa",
		"no user given: the first entry");

	find_is("machine h.example password p\n", "h.example", "anyone", "p",
		"an entry with no login matches any user");
	find_is("machine h.example password p1\n"
		"machine h.example password p2\n",
		"h.example", "u", "p1", "the first matching entry wins");
	find_is("machine h.example password p login u\n", "h.example", "u", "p",
		"password before login");

	find_is("", "h.example", "u", NULL, "empty text");
	find_is("   \n\t\n", "h.example", "u", NULL, "blank text");
	find_is("machine", "h.example", "u", NULL, "'machine' and nothing");
	find_is("machine h.example login u password", "h.example", "u", NULL,
		"'password' and nothing");
	find_is("machine h.example login u password p", "h.example", "u", "p",
		"no LF after the password");
}

static void test_default(void)
{
	static const char text[] = "machine h.example login u password p\n"
				   "default login d password dp\n";

	find_is(text, "h.example", "u", "p", "the machine before default");
	find_is(text, "other.example", "d", "dp", "default for any other host");
	find_is(text, "other.example", "u", NULL,
		"default with another login: none");
	find_is(text, "other.example", NULL, "dp", "default, no user given");
	find_is(text, "h.example", "d", "dp",
		"the machine's login differs: default");
	find_is("default password any\n", "x.example", "someone", "any",
		"default with no login matches anyone");
	find_is("machine h.example login u password p\ndefault\n", "x.example",
		"u", NULL, "default with no password: none");
}

static void test_tokens(void)
{
	find_is("machine h.example login \"a b\" password \"p w d\"\n",
		"h.example", "a b", "p w d", "quoted login and password");
	find_is("machine \"h.example\" login u password \"#x y\"\n",
		"h.example", "u", "#x y", "a quoted host");
	find_is("machine h.example login u password \"\"\n", "h.example", "u",
		"", "an empty quoted password");
	find_is("machine h.example login u password \"machine x\"\n",
		"h.example", "u", "machine x", "a keyword inside quotes");
	find_is("machine\th.example\n\tlogin\n u\r\n password\t\tp\n",
		"h.example", "u", "p", "tokens across tabs, LF and CRLF");
	find_is("machine h.example\r\nlogin u\r\npassword p\r\n", "h.example",
		"u", "p", "CRLF line ends are not in the password");

	find_is("machine h.example login u account acct password p\n",
		"h.example", "u", "p", "an account token is skipped");
	find_is("machine h.example login u account password password real\n",
		"h.example", "u", "real",
		"the account value 'password' is no keyword");
	find_is("machine h.example login u password p account a\n"
		"machine h.example login v password q\n",
		"h.example", "v", "q", "account after the password");

	find_is("machine h.example login u\n", "h.example", "u", NULL,
		"no password: none");
	find_is("machine h.example login u\nmachine h2.example login u "
		"password p2\n",
		"h.example", "u", NULL,
		"no password here, another machine's is not taken");
}

static void test_macdef(void)
{
	static const char text[] = "machine h.example login u password p\n"
				   "macdef init\n"
				   "cd /pub\n"
				   "machine fake.example password bad\n"
				   "\n"
				   "machine h2.example login u password p2\n";

	find_is(text, "h2.example", "u", "p2",
		"the entry after a macdef block");
	find_is(text, "fake.example", "u", NULL,
		"a macdef body is not read as entries");
	/* The macro belongs to the entry (ftp(1)); it does not end it. */
	find_is(text, "h.example", "u", "p",
		"the entry that holds a macdef keeps its password");
	find_is("machine h.example login u password p\nmacdef init\ncd x\n",
		"h.example", "u", "p",
		"a macdef running to the end of the file");
}

/* msmtp (fetchmail's parser) and curl skip '#' comments. */
static void test_comments(void)
{
	static const char text[] = "# default password for work\n"
				   "machine h.example login u password p\n";

	find_is(text, "h.example", "u", "p", "a comment line before the entry");
	find_is(text, "other.example", "u", NULL,
		"the words of a comment are no default entry");
}

static void write_file(char path[PATH_MAX_LEN], const char *name,
		       const char *text, mode_t mode)
{
	int fd;

	snprintf(path, PATH_MAX_LEN, "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fchmod(fd, mode) == -1) {
		diag("cannot write %s: %s", path, strerror(errno));
	}
	if (fd >= 0) {
		close(fd);
	}
}

static void test_file(void)
{
	static const char text[] = "machine smtp.example.org login alice "
				   "password s3cret\n";
	char path[PATH_MAX_LEN];
	struct err e = { 0 };
	char *pw;

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	pw = netrc_password(path, "smtp.example.org", "alice", &e);
	ok(pw == NULL, "a missing file: no password");
	is_int(e.cls, ERR_NONE, "a missing file is no error");

	write_file(path, "open", text, 0644);
	memset(&e, 0, sizeof(e));
	pw = netrc_password(path, "smtp.example.org", "alice", &e);
	ok(pw == NULL, "mode 0644: no password");
	is_int(e.cls, ERR_CONFIG, "mode 0644 is ERR_CONFIG");
	ok(strstr(e.msg, path) != NULL, "the message names the file");
	ok(strstr(e.msg, "chmod 600") != NULL, "the message says chmod 600");
	secret_free(pw);

	write_file(path, "group", text, 0640);
	memset(&e, 0, sizeof(e));
	pw = netrc_password(path, "smtp.example.org", "alice", &e);
	ok(pw == NULL && e.cls == ERR_CONFIG, "mode 0640 is ERR_CONFIG");
	secret_free(pw);

	write_file(path, "private", text, 0600);
	memset(&e, 0, sizeof(e));
	pw = netrc_password(path, "smtp.example.org", "alice", &e);
	is_str(pw, "s3cret", "mode 0600: the password");
	is_int(e.cls, ERR_NONE, "mode 0600: no error");
	secret_free(pw);

	memset(&e, 0, sizeof(e));
	pw = netrc_password(path, "other.example.org", "alice", &e);
	ok(pw == NULL, "mode 0600, another host: no password");
	is_int(e.cls, ERR_NONE, "no match is no error");

	write_file(path, "empty", "", 0600);
	memset(&e, 0, sizeof(e));
	pw = netrc_password(path, "smtp.example.org", "alice", &e);
	ok(pw == NULL && e.cls == ERR_NONE, "an empty file: none, no error");

	/* netrc.h: an error only for a file that cannot be read. */
	snprintf(path, sizeof(path), "%s/dir", tmpdir);
	if (mkdir(path, 0700) == -1) {
		diag("mkdir %s: %s", path, strerror(errno));
	}
	memset(&e, 0, sizeof(e));
	pw = netrc_password(path, "smtp.example.org", "alice", &e);
	ok(pw == NULL, "a directory: no password");
	if (!ok(e.cls != ERR_NONE, "a directory (mode 0700) cannot be read: "
				   "an error")) {
		diag("class %d, message '%s'", (int)e.cls, e.msg);
	}
	secret_free(pw);
	rmdir(path);
}

int main(void)
{
	plan_lazy();
	test_entries();
	test_default();
	test_tokens();
	test_macdef();
	test_comments();
	if (tap_mkdtemp(tmpdir, sizeof(tmpdir), "netrc") == -1) {
		return done_testing();
	}
	test_file();
	ok(tap_rmtree(tmpdir) == 0, "the temporary directory is removed");
	return done_testing();
}
