/* posta: compose a message from flags and standard input, and deliver
 * it over SMTP or print it (-n). This file is the only place
 * that parses options, prints diagnostics and chooses exit statuses. */
#include <ctype.h>
#include <err.h>
#include <getopt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "caps.h"
#include "deliver.h"
#include "error.h"
#include "filetype.h"
#include "header.h"
#include "message.h"
#include "mime.h"
#include "secret.h"
#include "sink.h"
#include "xalloc.h"

enum {
	OPT_SENDER = 256,
	OPT_INLINE,
	OPT_ATTACH_TYPE,
	OPT_ATTACH_NAME,
	OPT_DIGEST,
	OPT_HTML,
	OPT_CHARSET,
	OPT_IN_REPLY_TO,
	OPT_REFERENCES,
	OPT_MESSAGE_ID,
	OPT_DATE,
	OPT_SERVER,
	OPT_TLS,
	OPT_TLS_CA,
	OPT_TLS_FINGERPRINT,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_USER,
	OPT_AUTH,
	OPT_PASSWORD_COMMAND,
	OPT_PASSWORD_FILE,
	OPT_HELO,
	OPT_TIMEOUT,
	OPT_ALLOW_PARTIAL,
	OPT_DSN_NOTIFY,
	OPT_DSN_RETURN,
	OPT_DSN_ENVID,
	OPT_SERVERINFO,
	OPT_VERIFY,
	OPT_EXPAND,
};

static const struct option longopts[] = {
	{ "subject", required_argument, NULL, 's' },
	{ "from", required_argument, NULL, 'f' },
	{ "cc", required_argument, NULL, 'c' },
	{ "bcc", required_argument, NULL, 'b' },
	{ "reply-to", required_argument, NULL, 'R' },
	{ "sender", required_argument, NULL, OPT_SENDER },
	{ "attach", required_argument, NULL, 'a' },
	{ "inline", required_argument, NULL, OPT_INLINE },
	{ "attach-type", required_argument, NULL, OPT_ATTACH_TYPE },
	{ "attach-name", required_argument, NULL, OPT_ATTACH_NAME },
	{ "digest", no_argument, NULL, OPT_DIGEST },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "body", required_argument, NULL, 'B' },
	{ "charset", required_argument, NULL, OPT_CHARSET },
	{ "header", required_argument, NULL, 'H' },
	{ "in-reply-to", required_argument, NULL, OPT_IN_REPLY_TO },
	{ "references", required_argument, NULL, OPT_REFERENCES },
	{ "message-id", required_argument, NULL, OPT_MESSAGE_ID },
	{ "date", required_argument, NULL, OPT_DATE },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "tls", required_argument, NULL, OPT_TLS },
	{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
	{ "tls-fingerprint", required_argument, NULL, OPT_TLS_FINGERPRINT },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "user", required_argument, NULL, OPT_USER },
	{ "auth", required_argument, NULL, OPT_AUTH },
	{ "password-command", required_argument, NULL, OPT_PASSWORD_COMMAND },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "envelope-from", required_argument, NULL, 'r' },
	{ "helo", required_argument, NULL, OPT_HELO },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "allow-partial", no_argument, NULL, OPT_ALLOW_PARTIAL },
	{ "dsn-notify", required_argument, NULL, OPT_DSN_NOTIFY },
	{ "dsn-return", required_argument, NULL, OPT_DSN_RETURN },
	{ "dsn-envid", required_argument, NULL, OPT_DSN_ENVID },
	{ "serverinfo", no_argument, NULL, OPT_SERVERINFO },
	{ "verify", required_argument, NULL, OPT_VERIFY },
	{ "expand", required_argument, NULL, OPT_EXPAND },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
	"usage: posta [options] [--] recipient...\n"
	"       posta -n [options] [--] recipient...\n"
	"       posta --serverinfo | --verify=ADDRESS | --expand=LIST "
	"--server=URL\n"
	"\n"
	"Message:\n"
	"  -s, --subject=TEXT        subject (UTF-8)\n"
	"  -f, --from=ADDRESS        author: 'Name <addr@host>' or addr@host\n"
	"  -c, --cc=ADDRESS          carbon copy; repeatable, lists allowed\n"
	"  -b, --bcc=ADDRESS         blind copy; never shown in the headers\n"
	"  -R, --reply-to=ADDRESS    Reply-To\n"
	"      --sender=ADDRESS      Sender (needed when From has several)\n"
	"  -a, --attach=FILE         attach FILE; type from its content\n"
	"      --inline=FILE         inline part, Content-ID <NAME>, for\n"
	"                            cid:NAME in the --html body\n"
	"      --attach-type=TYPE    content type of the next -a/--inline\n"
	"      --attach-name=NAME    file name of the next -a/--inline\n"
	"      --digest              attached messages as multipart/digest\n"
	"      --html=FILE           HTML alternative of the body\n"
	"  -B, --body=FILE           body from FILE ('-': standard input)\n"
	"      --charset=NAME        charset of body and HTML (default UTF-8)\n"
	"  -H, --header='Name: value' extra header; repeatable\n"
	"      --in-reply-to=ID      message replied to\n"
	"      --references=IDS      thread's message IDs\n"
	"      --message-id=ID       Message-ID instead of a new one\n"
	"      --date=DATE           RFC 5322 date or @SECONDS instead of now\n"
	"\n"
	"Delivery:\n"
	"      --server=URL          smtp://[user@]host[:port] (STARTTLS, 587)"
	"\n"
	"                            or smtps://[user@]host[:port] (TLS, 465)\n"
	"      --tls=MODE            starttls (default), tls, or none\n"
	"      --tls-ca=FILE         trusted CA certificates (default: system)"
	"\n"
	"      --tls-fingerprint=SHA256  pin the server's certificate\n"
	"      --tls-cert=FILE, --tls-key=FILE  client certificate\n"
	"      --user=NAME           log in (AUTH) as NAME\n"
	"      --auth=MECH           PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256, "
	"XOAUTH2\n"
	"      --password-command=CMD, --password-file=FILE  password source\n"
	"                            (also POSTA_PASSWORD, or a prompt)\n"
	"  -r, --envelope-from=ADDRESS  MAIL FROM (default: the From address)"
	"\n"
	"      --helo=NAME           EHLO name (default: this host's name)\n"
	"      --timeout=SECONDS     limit on every network wait (default 60)"
	"\n"
	"      --allow-partial       deliver to the recipients the server "
	"accepts\n"
	"      --dsn-notify=LIST     NEVER or SUCCESS,FAILURE,DELAY\n"
	"      --dsn-return=full|hdrs, --dsn-envid=ID  delivery status notices"
	"\n"
	"\n"
	"Action:\n"
	"  -n, --dry-run             print the message (LF line ends), send "
	"nothing\n"
	"      --serverinfo          print what the server offers, send "
	"nothing\n"
	"      --verify=ADDRESS      ask the server with VRFY\n"
	"      --expand=LIST         ask the server with EXPN\n"
	"  -v, --verbose             the SMTP conversation on stderr\n"
	"  -h, --help                this text\n"
	"  -V, --version             posta's version\n"
	"\n"
	"Exit status follows sysexits(3); a message that was not delivered is\n"
	"saved to $POSTA_DEAD_LETTER or ~/dead.letter. See posta(1).\n";

static int exit_status(enum err_class cls)
{
	static const int table[] = {
		[ERR_NONE] = EX_OK,
		[ERR_USAGE] = EX_USAGE,
		[ERR_DATA] = EX_DATAERR,
		[ERR_NOINPUT] = EX_NOINPUT,
		[ERR_IO] = EX_IOERR,
		[ERR_OS] = EX_OSERR,
		[ERR_INTERNAL] = EX_SOFTWARE,
		[ERR_UNAVAIL] = EX_UNAVAILABLE,
		[ERR_CONFIG] = EX_CONFIG,
		[ERR_NOHOST] = EX_NOHOST,
		[ERR_NOUSER] = EX_NOUSER,
		[ERR_TEMP] = EX_TEMPFAIL,
		[ERR_PROTOCOL] = EX_PROTOCOL,
		[ERR_TLS] = EX_NOPERM,
		[ERR_CANTCREAT] = EX_CANTCREAT,
	};

	if ((unsigned)cls >= sizeof(table) / sizeof(table[0])) {
		return EX_SOFTWARE;
	}
	return table[cls];
}

static void die(const struct err *e)
{
	errx(exit_status(e->cls), "%s", e->msg);
}

/* One line naming the problem, as for every other error. */
static void bad_option(char *const argv[], int ch)
{
	const char *arg = argv[optind - 1];

	if (ch == ':') {
		errx(EX_USAGE, "option '%s' needs a value (see posta --help)",
		     arg);
	}
	if (optopt != 0 && (arg[0] != '-' || arg[1] != '-')) {
		errx(EX_USAGE, "unknown option '-%c' (see posta --help)",
		     optopt);
	}
	errx(EX_USAGE, "unknown option '%s' (see posta --help)", arg);
}

static void random_bytes(void *p, size_t n)
{
	if (gnutls_rnd(GNUTLS_RND_NONCE, p, n) != 0) {
		errx(EX_OSERR, "the random number generator failed");
	}
}

/* This host's fully qualified name, for a default From. */
static char *host_name(void)
{
	char host[256];
	struct addrinfo hints = { 0 }, *res = NULL;
	char *name;

	if (gethostname(host, sizeof(host)) == -1) {
		strlcpy(host, "localhost", sizeof(host));
	}
	host[sizeof(host) - 1] = '\0';
	if (strchr(host, '.') != NULL) {
		return xstrdup(host);
	}
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(host, NULL, &hints, &res) == 0 && res != NULL &&
	    res->ai_canonname != NULL && strchr(res->ai_canonname, '.')) {
		name = xstrdup(res->ai_canonname);
	} else {
		name = xstrdup(host);
	}
	if (res != NULL) {
		freeaddrinfo(res);
	}
	return name;
}

static void default_from(struct message *m)
{
	struct passwd *pw = getpwuid(getuid());
	const char *user = pw != NULL ? pw->pw_name : getenv("LOGNAME");
	char *host = host_name();
	char *addr;
	struct buf b;
	struct err e;

	if (user == NULL || *user == '\0') {
		user = "root";
	}
	buf_init(&b, 0);
	buf_printf(&b, "%s@%s", user, host);
	addr = buf_take(&b);
	if (addr_parse_list(addr, &m->from, &e) == -1) {
		errx(EX_USAGE,
		     "no --from given and '%s' is not a valid address", addr);
	}
	free(addr);
	free(host);
}

static void parse_addrs(const char *s, struct addrlist *list)
{
	struct err e;

	if (addr_parse_list(s, list, &e) == -1) {
		die(&e);
	}
}

static char *msgid_or_die(const char *flag, const char *s)
{
	char *id;

	if (header_msgid_normalize(s, &id) == -1) {
		errx(EX_USAGE, "%s: '%s' is not a message ID (left@right)",
		     flag, s);
	}
	return id;
}

/* --references takes IDs separated by white space or commas. */
static char *references_or_die(const char *s)
{
	char *copy = xstrdup(s), *save = NULL;
	struct buf out;

	buf_init(&out, 0);
	for (char *t = strtok_r(copy, " \t,", &save); t != NULL;
	     t = strtok_r(NULL, " \t,", &save)) {
		char *id = msgid_or_die("--references", t);
		if (out.len > 0) {
			buf_putc(&out, ' ');
		}
		buf_puts(&out, id);
		free(id);
	}
	free(copy);
	if (out.len == 0) {
		errx(EX_USAGE, "--references: no message ID given");
	}
	return buf_take(&out);
}

static void replace(char **slot, const char *value)
{
	free(*slot);
	*slot = xstrdup(value);
}

/* Delivery settings as the flags give them. */
struct delivery {
	char *server;
	char *tls;
	char *tls_ca, *tls_fingerprint, *tls_cert, *tls_key;
	char *user;
	char *auth;
	char *password_command, *password_file;
	struct mailbox envelope_from;
	char *helo;
	int timeout;
	bool allow_partial;
	char *dsn_notify, *dsn_return, *dsn_envid;
	bool verbose;
};

enum action { ACT_SEND, ACT_DRY_RUN, ACT_SERVERINFO, ACT_VERIFY, ACT_EXPAND };

/* smtp://[user@]host[:port], smtps://..., or host[:port]. */
struct server {
	char *host;
	char *port;
	char *user;
	enum deliver_tls tls;
};

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9') {
		return ch - '0';
	}
	if (ch >= 'a' && ch <= 'f') {
		return ch - 'a' + 10;
	}
	if (ch >= 'A' && ch <= 'F') {
		return ch - 'A' + 10;
	}
	return -1;
}

/* RFC 3986 2.1 percent-decoding, for a user name like me%40example.org. */
static char *pct_decode(const char *s, size_t n)
{
	char *out = xcalloc(n + 1, 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n + 0 + 1 && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			out[o++] = (char)(hexval(s[i + 1]) * 16 +
					  hexval(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return out;
}

static void parse_server(const char *url, struct server *sv)
{
	const char *p = url, *at, *end, *colon;
	bool scheme_tls = false;

	memset(sv, 0, sizeof(*sv));
	if (strncasecmp(p, "smtps://", 8) == 0) {
		p += 8;
		scheme_tls = true;
	} else if (strncasecmp(p, "smtp://", 7) == 0) {
		p += 7;
	} else if (strstr(p, "://") != NULL) {
		errx(EX_USAGE,
		     "--server: '%s': the scheme must be smtp:// "
		     "or smtps://",
		     url);
	}
	end = p + strcspn(p, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0) {
		errx(EX_USAGE, "--server: '%s': unexpected path", url);
	}
	at = NULL;
	for (const char *q = p; q < end; q++) {
		if (*q == '@') {
			at = q;
		}
	}
	if (at != NULL) {
		if (memchr(p, ':', (size_t)(at - p)) != NULL) {
			errx(EX_USAGE, "--server: a password does not go in "
				       "the URL (nor anywhere on the command "
				       "line); use --password-command, "
				       "--password-file or POSTA_PASSWORD");
		}
		sv->user = pct_decode(p, (size_t)(at - p));
		p = at + 1;
	}
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (rb == NULL) {
			errx(EX_USAGE, "--server: '%s': unclosed '['", url);
		}
		sv->host = xstrndup(p + 1, (size_t)(rb - p - 1));
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
		if (rb + 1 < end && colon == NULL) {
			errx(EX_USAGE, "--server: '%s': junk after ']'", url);
		}
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		sv->host = xstrndup(p, (size_t)((colon ? colon : end) - p));
	}
	if (sv->host[0] == '\0') {
		errx(EX_USAGE, "--server: '%s': no host name", url);
	}
	if (colon != NULL) {
		const char *errstr;
		char *port = xstrndup(colon + 1, (size_t)(end - colon - 1));
		strtonum(port, 1, 65535, &errstr);
		if (errstr != NULL) {
			errx(EX_USAGE, "--server: '%s': bad port '%s'", url,
			     port);
		}
		sv->port = port;
	} else {
		sv->port = xstrdup(scheme_tls ? "465" : "587");
	}
	/* RFC 8314 3.3: port 465 is implicit TLS whatever the scheme. */
	if (scheme_tls || strcmp(sv->port, "465") == 0) {
		sv->tls = DELIVER_TLS;
	} else {
		sv->tls = DELIVER_STARTTLS;
	}
}

static void server_finish(struct server *sv)
{
	free(sv->host);
	free(sv->port);
	free(sv->user);
}

static unsigned auth_or_die(const char *name)
{
	unsigned bit = caps_auth_bit(name, strlen(name));

	if (bit == 0) {
		errx(EX_USAGE,
		     "--auth: '%s' is not one of PLAIN, LOGIN, "
		     "CRAM-MD5, SCRAM-SHA-256, XOAUTH2",
		     name);
	}
	return bit;
}

/* Password sources in order; a prompt only with a terminal. */
static char *get_password(const struct delivery *d, const char *user,
			  const char *host)
{
	struct err e;
	char *pw = NULL, *env = getenv("POSTA_PASSWORD");
	char prompt[512];

	if (d->password_command != NULL) {
		pw = secret_command(d->password_command, &e);
	} else if (d->password_file != NULL) {
		pw = secret_file(d->password_file, &e);
	} else if (env != NULL && *env != '\0') {
		pw = xstrdup(env);
		/* Keep one copy only: the environment's is wiped. */
		explicit_bzero(env, strlen(env));
	} else {
		snprintf(prompt, sizeof(prompt), "Password for %s@%s: ", user,
			 host);
		pw = secret_prompt(prompt, &e);
		if (pw == NULL) {
			errx(EX_CONFIG,
			     "no password for %s@%s: tried --password-command, "
			     "--password-file, POSTA_PASSWORD and a terminal "
			     "prompt (%s)",
			     user, host, e.msg);
		}
	}
	if (pw == NULL) {
		die(&e);
	}
	return pw;
}

static void trace_line(void *ctx, char dir, const char *text, size_t n)
{
	fprintf(stderr, "%c %.*s\n", dir, (int)n, text);
}

static bool list_has_utf8(const struct addrlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (addr_is_utf8(l->v[i].addr)) {
			return true;
		}
	}
	return false;
}

/* To, Cc and Bcc as RCPT addresses, each once. */
static const char **envelope_rcpts(const struct message *m, size_t *n)
{
	const struct addrlist *lists[] = { &m->to, &m->cc, &m->bcc };
	const char **v = xcalloc(m->to.n + m->cc.n + m->bcc.n, sizeof(*v));

	*n = 0;
	for (size_t l = 0; l < 3; l++) {
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *a = lists[l]->v[i].addr;
			bool seen = false;
			for (size_t k = 0; k < *n && !seen; k++) {
				seen = strcmp(v[k], a) == 0;
			}
			if (!seen) {
				v[(*n)++] = a;
			}
		}
	}
	return v;
}

static void setup_delivery(const struct delivery *d, struct server *sv,
			   struct deliver_opts *o,
			   const struct smtp_trace *trace, char **fqdn)
{
	/* A server that hangs up is an error to report, not a signal to
	 * die of (a dry run keeps the default, so `| head` ends quietly). */
	signal(SIGPIPE, SIG_IGN);
	if (d->server == NULL) {
		errx(EX_CONFIG, "no server: give --server=smtp://host (or -n "
				"to print the message)");
	}
	parse_server(d->server, sv);
	memset(o, 0, sizeof(*o));
	o->host = sv->host;
	o->port = sv->port;
	o->tls = sv->tls;
	if (d->tls != NULL) {
		if (strcmp(d->tls, "starttls") == 0) {
			o->tls = DELIVER_STARTTLS;
		} else if (strcmp(d->tls, "tls") == 0) {
			o->tls = DELIVER_TLS;
		} else if (strcmp(d->tls, "none") == 0) {
			o->tls = DELIVER_NONE;
		} else {
			errx(EX_USAGE,
			     "--tls: '%s' is not starttls, tls or "
			     "none",
			     d->tls);
		}
	}
	o->tlso.ca_file = d->tls_ca;
	o->tlso.fingerprint = d->tls_fingerprint;
	o->tlso.cert_file = d->tls_cert;
	o->tlso.key_file = d->tls_key;
	if ((d->tls_cert == NULL) != (d->tls_key == NULL)) {
		errx(EX_USAGE, "--tls-cert and --tls-key go together");
	}
	/* RFC 5321 4.1.4: our fully qualified name; without one, deliver
	 * uses the address literal of our end, never "localhost". */
	o->helo = d->helo;
	if (o->helo == NULL) {
		*fqdn = host_name();
		if (strchr(*fqdn, '.') != NULL &&
		    strncasecmp(*fqdn, "localhost", 9) != 0) {
			o->helo = *fqdn;
		}
	}
	o->timeout_ms = d->timeout * 1000;
	o->user = d->user != NULL ? d->user : sv->user;
	o->auth = d->auth != NULL ? auth_or_die(d->auth) : 0;
	o->allow_partial = d->allow_partial;
	o->dsn_notify = d->dsn_notify;
	o->dsn_ret = d->dsn_return;
	o->dsn_envid = d->dsn_envid;
	o->trace = d->verbose ? trace : NULL;
	o->random = random_bytes;
}

static const char *dead_letter_path(char *buf, size_t n)
{
	const char *p = getenv("POSTA_DEAD_LETTER"), *home = getenv("HOME");

	if (p != NULL && *p != '\0') {
		return p;
	}
	if (home == NULL || *home == '\0') {
		struct passwd *pw = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : "/";
	}
	snprintf(buf, n, "%s/dead.letter", home);
	return buf;
}

/* Sends, and on failure saves the message so nothing is lost. The
 * options, password included, were settled before composing, so no
 * flag or password problem can strand a message read from stdin. */
static int send_message(struct message *m, struct composition *c,
			struct deliver_opts *o, const struct delivery *d,
			time_t now)
{
	struct deliver_result r;
	struct err e = { 0 };
	size_t n;
	const char **rcpts = envelope_rcpts(m, &n);
	/* cli.md: From is the envelope sender unless -r is given. */
	const char *from = d->envelope_from.addr != NULL ? d->envelope_from.addr
							 : m->from.v[0].addr;
	int status;

	o->from = from;
	o->rcpts = rcpts;
	o->nrcpts = n;
	o->smtputf8 = addr_is_utf8(from) || list_has_utf8(&m->from) ||
		      list_has_utf8(&m->to) || list_has_utf8(&m->cc) ||
		      list_has_utf8(&m->bcc) || list_has_utf8(&m->reply_to) ||
		      (m->sender.addr != NULL && addr_is_utf8(m->sender.addr));
	status = deliver_send(o, c, &r, &e);
	if (d->verbose) {
		fprintf(stderr, "posta: %llu round trips\n",
			(unsigned long long)r.round_trips);
	}
	if (status == 0) {
		if (d->verbose) {
			fprintf(stderr, "posta: sent to %zu recipient%s: %s\n",
				r.accepted, r.accepted == 1 ? "" : "s",
				r.final_reply);
		}
		status = EX_OK;
	} else if (r.sent) {
		/* --allow-partial: the server has the message; what it
		 * refused is named, and the status says so. */
		warnx("%s", e.msg);
		status = exit_status(e.cls);
	} else {
		char pathbuf[4096];
		const char *path = dead_letter_path(pathbuf, sizeof(pathbuf));
		struct err se;

		status = exit_status(e.cls);
		if (deliver_dead_letter(c, path, from, now, &se) == 0) {
			warnx("%s; message saved to %s", e.msg, path);
		} else {
			warnx("%s; saving the message failed too: %s", e.msg,
			      se.msg);
			status = EX_IOERR;
		}
	}
	free(r.rcpt);
	free(rcpts);
	return status;
}

static int probe(const struct delivery *d, enum action act, const char *what)
{
	struct server sv;
	struct deliver_opts o;
	struct smtp_trace trace = { trace_line, NULL };
	struct buf out;
	struct err e;
	char *pw = NULL, *fqdn = NULL;
	int r;

	setup_delivery(d, &sv, &o, &trace, &fqdn);
	if (what != NULL && strpbrk(what, "\r\n") != NULL) {
		errx(EX_USAGE, "a line break in '%s'", what);
	}
	if (act != ACT_SERVERINFO && o.user != NULL) {
		pw = get_password(d, o.user, o.host);
		o.pass = pw;
	}
	buf_init(&out, 0);
	r = act == ACT_SERVERINFO
		    ? deliver_serverinfo(&o, &out, &e)
		    : deliver_probe(&o, what, act == ACT_EXPAND, &out, &e);
	secret_free(pw);
	/* Half a report next to an error would read as the whole one. */
	if (r == 0) {
		fputs(out.data != NULL ? out.data : "", stdout);
	}
	buf_finish(&out);
	free(fqdn);
	server_finish(&sv);
	if (r == -1) {
		die(&e);
	}
	return EX_OK;
}

static void delivery_finish(struct delivery *d)
{
	free(d->server);
	free(d->tls);
	free(d->tls_ca);
	free(d->tls_fingerprint);
	free(d->tls_cert);
	free(d->tls_key);
	free(d->user);
	free(d->auth);
	free(d->password_command);
	free(d->password_file);
	mailbox_finish(&d->envelope_from);
	free(d->helo);
	free(d->dsn_notify);
	free(d->dsn_return);
	free(d->dsn_envid);
}

/* RFC 3461 4.1: NEVER alone, or a list of SUCCESS, FAILURE, DELAY. */
static void check_notify(const char *s)
{
	char *copy = xstrdup(s), *save = NULL;
	bool never = false;
	int n = 0;

	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save), n++) {
		if (strcasecmp(t, "NEVER") == 0) {
			never = true;
		} else if (strcasecmp(t, "SUCCESS") != 0 &&
			   strcasecmp(t, "FAILURE") != 0 &&
			   strcasecmp(t, "DELAY") != 0) {
			errx(EX_USAGE,
			     "--dsn-notify: '%s' is not NEVER, "
			     "SUCCESS, FAILURE or DELAY",
			     t);
		}
	}
	free(copy);
	if (n == 0 || (never && n > 1)) {
		errx(EX_USAGE, "--dsn-notify: NEVER or a list of SUCCESS, "
			       "FAILURE, DELAY");
	}
}

/* xtext (RFC 3461 4): printable ASCII but '+' and '='. */
static void check_envid(const char *s)
{
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < 33 || *p > 126 || *p == '+' || *p == '=') {
			errx(EX_USAGE,
			     "--dsn-envid: '%s' may hold only "
			     "printable ASCII without '+' and '='",
			     s);
		}
	}
	if (*s == '\0' || strlen(s) > 100) {
		errx(EX_USAGE, "--dsn-envid: 1 to 100 characters");
	}
}

int main(int argc, char *argv[])
{
	struct message m;
	struct delivery d = { .timeout = 60 };
	struct err e = { 0 };
	const char *pending_type = NULL, *pending_name = NULL;
	const char *probe_arg = NULL;
	enum action act = ACT_SEND;
	bool from_given = false;
	int ch;

	message_init(&m);
	while ((ch = getopt_long(argc, argv, ":s:f:c:b:R:a:B:H:r:nvhV",
				 longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			replace(&m.subject, optarg);
			break;
		case 'f':
			addrlist_finish(&m.from);
			parse_addrs(optarg, &m.from);
			from_given = true;
			break;
		case 'c':
			parse_addrs(optarg, &m.cc);
			break;
		case 'b':
			parse_addrs(optarg, &m.bcc);
			break;
		case 'R':
			parse_addrs(optarg, &m.reply_to);
			break;
		case OPT_SENDER:
			mailbox_finish(&m.sender);
			if (addr_parse_mailbox(optarg, &m.sender, &e) == -1) {
				die(&e);
			}
			break;
		case 'a':
		case OPT_INLINE:
			if (message_attach(&m, optarg, pending_type,
					   pending_name, ch == OPT_INLINE,
					   &e) == -1) {
				die(&e);
			}
			pending_type = pending_name = NULL;
			break;
		case OPT_ATTACH_TYPE:
			pending_type = optarg;
			break;
		case OPT_ATTACH_NAME:
			pending_name = optarg;
			break;
		case OPT_DIGEST:
			m.digest = true;
			break;
		case OPT_HTML:
			replace(&m.html_path, optarg);
			break;
		case 'B':
			replace(&m.body_path, optarg);
			break;
		case OPT_CHARSET:
			if (!filetype_token(optarg)) {
				errx(EX_USAGE,
				     "--charset: '%s' is not a charset name",
				     optarg);
			}
			replace(&m.charset, optarg);
			break;
		case 'H':
			if (message_add_header(&m, optarg, &e) == -1) {
				die(&e);
			}
			break;
		case OPT_IN_REPLY_TO:
			free(m.in_reply_to);
			m.in_reply_to = msgid_or_die("--in-reply-to", optarg);
			break;
		case OPT_REFERENCES:
			free(m.references);
			m.references = references_or_die(optarg);
			break;
		case OPT_MESSAGE_ID:
			free(m.message_id);
			m.message_id = msgid_or_die("--message-id", optarg);
			break;
		case OPT_DATE:
			if (header_parse_date(optarg, &m.date) == -1) {
				errx(EX_USAGE,
				     "--date: '%s' is neither an RFC 5322 "
				     "date nor @SECONDS",
				     optarg);
			}
			m.has_date = true;
			break;
		case 'n':
			act = ACT_DRY_RUN;
			break;
		case OPT_SERVER:
			replace(&d.server, optarg);
			break;
		case OPT_TLS:
			replace(&d.tls, optarg);
			break;
		case OPT_TLS_CA:
			replace(&d.tls_ca, optarg);
			break;
		case OPT_TLS_FINGERPRINT:
			replace(&d.tls_fingerprint, optarg);
			break;
		case OPT_TLS_CERT:
			replace(&d.tls_cert, optarg);
			break;
		case OPT_TLS_KEY:
			replace(&d.tls_key, optarg);
			break;
		case OPT_USER:
			if (strpbrk(optarg, "\r\n") != NULL) {
				errx(EX_USAGE, "--user: a line break inside");
			}
			replace(&d.user, optarg);
			break;
		case OPT_AUTH:
			auth_or_die(optarg);
			replace(&d.auth, optarg);
			break;
		case OPT_PASSWORD_COMMAND:
			replace(&d.password_command, optarg);
			break;
		case OPT_PASSWORD_FILE:
			replace(&d.password_file, optarg);
			break;
		case 'r':
			mailbox_finish(&d.envelope_from);
			if (optarg[0] == '\0' || strcmp(optarg, "<>") == 0) {
				/* RFC 5321 4.5.5: the null reverse-path. */
				d.envelope_from.addr = xstrdup("");
			} else if (addr_parse_mailbox(optarg, &d.envelope_from,
						      &e) == -1) {
				die(&e);
			}
			break;
		case OPT_HELO:
			if (strpbrk(optarg, " \t\r\n") != NULL ||
			    *optarg == '\0') {
				errx(EX_USAGE,
				     "--helo: '%s' is not a host "
				     "name",
				     optarg);
			}
			replace(&d.helo, optarg);
			break;
		case OPT_TIMEOUT: {
			const char *errstr;
			d.timeout = (int)strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL) {
				errx(EX_USAGE,
				     "--timeout: '%s' is not 1 to "
				     "3600 seconds",
				     optarg);
			}
			break;
		}
		case OPT_ALLOW_PARTIAL:
			d.allow_partial = true;
			break;
		case OPT_DSN_NOTIFY:
			check_notify(optarg);
			replace(&d.dsn_notify, optarg);
			break;
		case OPT_DSN_RETURN:
			if (strcasecmp(optarg, "full") != 0 &&
			    strcasecmp(optarg, "hdrs") != 0) {
				errx(EX_USAGE, "--dsn-return: full or hdrs");
			}
			replace(&d.dsn_return, optarg);
			for (char *p = d.dsn_return; *p; p++) {
				*p = (char)toupper((unsigned char)*p);
			}
			break;
		case OPT_DSN_ENVID:
			check_envid(optarg);
			replace(&d.dsn_envid, optarg);
			break;
		case OPT_SERVERINFO:
			act = ACT_SERVERINFO;
			break;
		case OPT_VERIFY:
		case OPT_EXPAND:
			act = ch == OPT_VERIFY ? ACT_VERIFY : ACT_EXPAND;
			probe_arg = optarg;
			break;
		case 'v':
			d.verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EX_OK;
		case 'V':
			printf("posta %s\n", POSTA_VERSION);
			return EX_OK;
		default:
			bad_option(argv, ch);
		}
	}
	if (pending_type != NULL || pending_name != NULL) {
		errx(EX_USAGE, "--attach-type and --attach-name apply to a "
			       "following -a or --inline, and none follows");
	}
	if (act == ACT_SERVERINFO || act == ACT_VERIFY || act == ACT_EXPAND) {
		int r = probe(&d, act, probe_arg);
		delivery_finish(&d);
		message_finish(&m);
		return r;
	}
	for (int i = optind; i < argc; i++) {
		parse_addrs(argv[i], &m.to);
	}
	if (!from_given) {
		default_from(&m);
	}
	struct server sv = { 0 };
	struct deliver_opts o;
	struct smtp_trace trace = { trace_line, NULL };
	char *fqdn = NULL, *pw = NULL;
	if (act == ACT_SEND) {
		setup_delivery(&d, &sv, &o, &trace, &fqdn);
		if (o.user != NULL) {
			pw = get_password(&d, o.user, o.host);
			o.pass = pw;
		}
	}
	/* No body was named and a person is at the terminal: an empty
	 * body rather than a silent wait for input. */
	if (m.body_path == NULL && isatty(STDIN_FILENO)) {
		m.body_empty = true;
	}

	struct compose_env env = { .now = time(NULL), .random = random_bytes };
	struct composition *c = mime_prepare(&m, &env, &e);
	if (c == NULL) {
		die(&e);
	}
	int status;
	if (act == ACT_DRY_RUN) {
		struct fd_sink out;
		fd_sink_init(&out, STDOUT_FILENO, "standard output");
		status = mime_write(c, &out.sink, &e) == -1 ? -1 : EX_OK;
		fd_sink_finish(&out);
		if (status == -1) {
			die(&e);
		}
	} else {
		status = send_message(&m, c, &o, &d, env.now);
	}
	secret_free(pw);
	free(fqdn);
	server_finish(&sv);
	mime_destroy(c);
	message_finish(&m);
	delivery_finish(&d);
	return status;
}
