#include "options.h"

#include <ctype.h>
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "caps.h"
#include "filetype.h"
#include "header.h"
#include "xalloc.h"

const struct option longopts[] = {
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
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "account", required_argument, NULL, OPT_ACCOUNT },
	{ "show-config", no_argument, NULL, OPT_SHOW_CONFIG },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

const char usage_text[] =
	"usage: posta [options] [--] recipient...\n"
	"       posta -n [options] [--] recipient...\n"
	"       posta --serverinfo | --verify=ADDRESS | --expand=LIST "
	"--server=URL\n"
	"       posta -t [options] [--] [recipient...]   (stdin is a whole "
	"message)\n"
	"       sendmail [-t] [-i] [-f addr] [-F name] [recipient...]\n"
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
	"Configuration:\n"
	"      --config=FILE         settings file (default "
	"$XDG_CONFIG_HOME/posta/config,\n"
	"                            ~/.config/posta/config, /etc/posta.conf)\n"
	"      --account=NAME        the file's account to use (default: by "
	"From)\n"
	"      --show-config         print the effective settings, secrets "
	"masked\n"
	"\n"
	"Action:\n"
	"  -t                        stdin is a whole message; recipients "
	"from its\n"
	"                            To, Cc and Bcc (the sendmail interface)\n"
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

void state_init(struct state *st)
{
	memset(st, 0, sizeof(*st));
	message_init(&st->m);
	st->d.timeout = 60;
	st->act = ACT_SEND;
}

void state_finish(struct state *st)
{
	struct delivery *d = &st->d;

	message_finish(&st->m);
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
	if (d->password != NULL) {
		explicit_bzero(d->password, strlen(d->password));
	}
	free(d->password);
	mailbox_finish(&d->envelope_from);
	free(d->helo);
	free(d->dsn_notify);
	free(d->dsn_return);
	free(d->dsn_envid);
	free(st->full_name);
	free(st->config_path);
	free(st->account);
	free(st->config_file);
	free(st->config_account);
	free(st->origin_file);
}

/* One line naming the setting and the problem: 64 for a flag, 78 for
 * a line of the configuration file. */
static void fail(const struct origin *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void fail(const struct origin *o, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (o->file != NULL) {
		fatal(EX_CONFIG, "%s:%d: %s: %s", o->file, o->line, o->name,
		      msg);
	}
	fatal(EX_USAGE, "%s: %s", o->name, msg);
}

static void fail_err(const struct origin *o, const struct err *e)
{
	if (o->file != NULL) {
		fatal(EX_CONFIG, "%s:%d: %s: %s", o->file, o->line, o->name,
		      e->msg);
	}
	fatal(EX_USAGE, "%s", e->msg);
}

static void parse_addrs(const struct origin *o, const char *s,
			struct addrlist *list)
{
	struct err e;

	if (addr_parse_list(s, list, &e) == -1) {
		fail_err(o, &e);
	}
}

static char *msgid_or_fail(const struct origin *o, const char *s)
{
	char *id;

	if (header_msgid_normalize(s, &id) == -1) {
		fail(o, "'%s' is not a message ID (left@right)", s);
	}
	return id;
}

/* --references takes IDs separated by white space or commas. */
static char *references_or_fail(const struct origin *o, const char *s)
{
	char *copy = xstrdup(s), *save = NULL;
	struct buf out;

	buf_init(&out, 0);
	for (char *t = strtok_r(copy, " \t,", &save); t != NULL;
	     t = strtok_r(NULL, " \t,", &save)) {
		char *id = msgid_or_fail(o, t);
		if (out.len > 0) {
			buf_putc(&out, ' ');
		}
		buf_puts(&out, id);
		free(id);
	}
	free(copy);
	if (out.len == 0) {
		fail(o, "no message ID given");
	}
	return buf_take(&out);
}

static void replace(char **slot, const char *value)
{
	free(*slot);
	*slot = xstrdup(value);
}

unsigned options_auth_bit(const char *name)
{
	unsigned bit = caps_auth_bit(name, strlen(name));

	if (bit == 0) {
		fatal(EX_USAGE,
		      "--auth: '%s' is not one of PLAIN, LOGIN, CRAM-MD5, "
		      "SCRAM-SHA-256, XOAUTH2",
		      name);
	}
	return bit;
}

/* RFC 3461 4.1: NEVER alone, or a list of SUCCESS, FAILURE, DELAY. */
static void check_notify(const struct origin *o, const char *s)
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
			fail(o, "'%s' is not NEVER, SUCCESS, FAILURE or DELAY",
			     t);
		}
	}
	free(copy);
	if (n == 0 || (never && n > 1)) {
		fail(o, "NEVER or a list of SUCCESS, FAILURE, DELAY");
	}
}

/* xtext (RFC 3461 4): printable ASCII but '+' and '='. */
static void check_envid(const struct origin *o, const char *s)
{
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < 33 || *p > 126 || *p == '+' || *p == '=') {
			fail(o,
			     "'%s' may hold only printable ASCII without '+' "
			     "and '='",
			     s);
		}
	}
	if (*s == '\0' || strlen(s) > 100) {
		fail(o, "1 to 100 characters");
	}
}

static bool parse_bool(const struct origin *o, const char *v)
{
	if (*v == '\0' || strcasecmp(v, "on") == 0 ||
	    strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0) {
		return true;
	}
	if (strcasecmp(v, "off") == 0 || strcasecmp(v, "no") == 0 ||
	    strcmp(v, "0") == 0) {
		return false;
	}
	fail(o, "'%s' is not on or off", v);
}

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

/* A user name goes into AUTH whole: not empty, and no control byte
 * (CR, LF, NUL) to end it early or start another line. */
static bool user_name_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 32 || c == 127) {
			return false;
		}
	}
	return n > 0;
}

/* RFC 3986 2.1 percent-decoding, for a user name like me%40example.org;
 * *len is the decoded length (a %00 would end the string early). */
static char *pct_decode(const char *s, size_t n, size_t *len)
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
	*len = o;
	return out;
}

void options_parse_server(const char *url, struct server *sv,
			  const struct origin *o)
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
		fail(o, "'%s': the scheme must be smtp:// or smtps://", url);
	}
	end = p + strcspn(p, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0) {
		fail(o, "'%s': unexpected path", url);
	}
	at = NULL;
	for (const char *q = p; q < end; q++) {
		if (*q == '@') {
			at = q;
		}
	}
	if (at != NULL) {
		if (memchr(p, ':', (size_t)(at - p)) != NULL) {
			fail(o, "a password does not go in the URL (nor "
				"anywhere on the command line); use "
				"--password-command, --password-file or "
				"POSTA_PASSWORD");
		}
		size_t ulen;
		sv->user = pct_decode(p, (size_t)(at - p), &ulen);
		if (!user_name_ok(sv->user, ulen)) {
			fail(o,
			     "'%s': the user name is empty or holds a control "
			     "character",
			     url);
		}
		p = at + 1;
	}
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (rb == NULL) {
			fail(o, "'%s': unclosed '['", url);
		}
		sv->host = xstrndup(p + 1, (size_t)(rb - p - 1));
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
		if (rb + 1 < end && colon == NULL) {
			fail(o, "'%s': junk after ']'", url);
		}
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		sv->host = xstrndup(p, (size_t)((colon ? colon : end) - p));
	}
	if (sv->host[0] == '\0') {
		fail(o, "'%s': no host name", url);
	}
	if (colon != NULL) {
		const char *errstr;
		char *port = xstrndup(colon + 1, (size_t)(end - colon - 1));
		strtonum(port, 1, 65535, &errstr);
		if (errstr != NULL) {
			fail(o, "'%s': bad port '%s'", url, port);
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

void server_finish(struct server *sv)
{
	free(sv->host);
	free(sv->port);
	free(sv->user);
}

/* One setting, from a flag or a configuration line; the one place
 * where values are checked. */
static void apply(struct state *st, int ch, const char *arg,
		  const struct origin *o)
{
	struct message *m = &st->m;
	struct delivery *d = &st->d;
	struct err e;

	if (ch >= 0 && ch < OPT_COUNT) {
		st->from[ch] = *o;
	}
	switch (ch) {
	case 's':
		replace(&m->subject, arg);
		break;
	case 'f':
		addrlist_finish(&m->from);
		parse_addrs(o, arg, &m->from);
		break;
	case 'c':
		parse_addrs(o, arg, &m->cc);
		break;
	case 'b':
		parse_addrs(o, arg, &m->bcc);
		break;
	case 'R':
		parse_addrs(o, arg, &m->reply_to);
		break;
	case OPT_SENDER:
		mailbox_finish(&m->sender);
		if (addr_parse_mailbox(arg, &m->sender, &e) == -1) {
			fail_err(o, &e);
		}
		break;
	case 'a':
	case OPT_INLINE:
		if (message_attach(m, arg, st->pending_type, st->pending_name,
				   ch == OPT_INLINE, &e) == -1) {
			fail_err(o, &e);
		}
		st->pending_type = st->pending_name = NULL;
		break;
	case OPT_ATTACH_TYPE:
		st->pending_type = arg;
		break;
	case OPT_ATTACH_NAME:
		st->pending_name = arg;
		break;
	case OPT_DIGEST:
		m->digest = true;
		break;
	case OPT_HTML:
		replace(&m->html_path, arg);
		break;
	case 'B':
		replace(&m->body_path, arg);
		break;
	case OPT_CHARSET:
		if (!filetype_token(arg)) {
			fail(o, "'%s' is not a charset name", arg);
		}
		replace(&m->charset, arg);
		break;
	case 'H':
		if (message_add_header(m, arg, &e) == -1) {
			fail_err(o, &e);
		}
		break;
	case OPT_IN_REPLY_TO:
		free(m->in_reply_to);
		m->in_reply_to = msgid_or_fail(o, arg);
		break;
	case OPT_REFERENCES:
		free(m->references);
		m->references = references_or_fail(o, arg);
		break;
	case OPT_MESSAGE_ID:
		free(m->message_id);
		m->message_id = msgid_or_fail(o, arg);
		break;
	case OPT_DATE:
		if (header_parse_date(arg, &m->date) == -1) {
			fail(o, "'%s' is neither an RFC 5322 date nor @SECONDS",
			     arg);
		}
		m->has_date = true;
		break;
	case 'n':
		st->act = ACT_DRY_RUN;
		break;
	case OPT_SERVER: {
		struct server sv;
		options_parse_server(arg, &sv, o);
		server_finish(&sv);
		replace(&d->server, arg);
		break;
	}
	case OPT_TLS:
		if (strcmp(arg, "starttls") != 0 && strcmp(arg, "tls") != 0 &&
		    strcmp(arg, "none") != 0) {
			fail(o, "'%s' is not starttls, tls or none", arg);
		}
		replace(&d->tls, arg);
		break;
	case OPT_TLS_CA:
		replace(&d->tls_ca, arg);
		break;
	case OPT_TLS_FINGERPRINT: {
		/* A SHA-256: 64 hex digits, colons between pairs allowed. */
		size_t hex = 0;
		for (const char *p = arg; *p; p++) {
			if (isxdigit((unsigned char)*p)) {
				hex++;
			} else if (*p != ':') {
				hex = 0;
				break;
			}
		}
		if (hex != 64) {
			fail(o,
			     "'%s' is not a SHA-256 fingerprint (64 hex "
			     "digits)",
			     arg);
		}
		replace(&d->tls_fingerprint, arg);
		break;
	}
	case OPT_TLS_CERT:
		replace(&d->tls_cert, arg);
		break;
	case OPT_TLS_KEY:
		replace(&d->tls_key, arg);
		break;
	case OPT_USER:
		if (!user_name_ok(arg, strlen(arg))) {
			fail(o, "a user name on one line, without control "
				"characters");
		}
		replace(&d->user, arg);
		break;
	case OPT_AUTH:
		if (caps_auth_bit(arg, strlen(arg)) == 0) {
			fail(o,
			     "'%s' is not one of PLAIN, LOGIN, CRAM-MD5, "
			     "SCRAM-SHA-256, XOAUTH2",
			     arg);
		}
		replace(&d->auth, arg);
		break;
	case OPT_PASSWORD_COMMAND:
		replace(&d->password_command, arg);
		break;
	case OPT_PASSWORD_FILE:
		replace(&d->password_file, arg);
		break;
	case OPT_PASSWORD:
		if (d->password != NULL) {
			explicit_bzero(d->password, strlen(d->password));
		}
		replace(&d->password, arg);
		break;
	case 'r':
		mailbox_finish(&d->envelope_from);
		if (arg[0] == '\0' || strcmp(arg, "<>") == 0) {
			/* RFC 5321 4.5.5: the null reverse-path. */
			d->envelope_from.addr = xstrdup("");
		} else if (addr_parse_mailbox(arg, &d->envelope_from, &e) ==
			   -1) {
			fail_err(o, &e);
		}
		break;
	case OPT_HELO:
		if (strpbrk(arg, " \t\r\n") != NULL || *arg == '\0') {
			fail(o, "'%s' is not a host name", arg);
		}
		replace(&d->helo, arg);
		break;
	case OPT_TIMEOUT: {
		const char *errstr;
		d->timeout = (int)strtonum(arg, 1, 3600, &errstr);
		if (errstr != NULL) {
			fail(o, "'%s' is not 1 to 3600 seconds", arg);
		}
		break;
	}
	case OPT_ALLOW_PARTIAL:
		d->allow_partial = o->file == NULL || parse_bool(o, arg);
		break;
	case OPT_DSN_NOTIFY:
		check_notify(o, arg);
		replace(&d->dsn_notify, arg);
		break;
	case OPT_DSN_RETURN:
		if (strcasecmp(arg, "full") != 0 &&
		    strcasecmp(arg, "hdrs") != 0) {
			fail(o, "full or hdrs");
		}
		replace(&d->dsn_return, arg);
		for (char *p = d->dsn_return; *p; p++) {
			*p = (char)toupper((unsigned char)*p);
		}
		break;
	case OPT_DSN_ENVID:
		check_envid(o, arg);
		replace(&d->dsn_envid, arg);
		break;
	case OPT_SERVERINFO:
		st->act = ACT_SERVERINFO;
		break;
	case OPT_VERIFY:
	case OPT_EXPAND:
		st->act = ch == OPT_VERIFY ? ACT_VERIFY : ACT_EXPAND;
		st->probe_arg = arg;
		break;
	case 'v':
		d->verbose = true;
		break;
	case OPT_CONFIG:
		replace(&st->config_path, arg);
		break;
	case OPT_ACCOUNT:
		replace(&st->account, arg);
		break;
	case OPT_SHOW_CONFIG:
		st->act = ACT_SHOW_CONFIG;
		break;
	case 't':
		st->extract = true;
		break;
	case 'h':
		fputs(usage_text, stdout);
		exit(EX_OK);
	case 'V':
		printf("posta %s\n", POSTA_VERSION);
		exit(EX_OK);
	default:
		fatal(EX_SOFTWARE, "option %d has no handler", ch);
	}
}

static const struct option *long_named(const char *name, size_t n)
{
	for (const struct option *lo = longopts; lo->name != NULL; lo++) {
		if (strlen(lo->name) == n && strncmp(lo->name, name, n) == 0) {
			return lo;
		}
	}
	return NULL;
}

/* One line naming the problem, as for every other error. */
static void bad_option(char *const argv[], int ch)
{
	const char *arg = argv[optind - 1];

	if (ch == ':') {
		fatal(EX_USAGE, "option '%s' needs a value (see posta --help)",
		      arg);
	}
	if (optopt != 0 && (arg[0] != '-' || arg[1] != '-')) {
		fatal(EX_USAGE, "unknown option '-%c' (see posta --help)",
		      optopt);
	}
	fatal(EX_USAGE, "unknown option '%s' (see posta --help)", arg);
}

static void flag(struct state *st, int ch, const char *arg)
{
	struct origin o = { NULL, 0, NULL };
	char name[64];
	const struct option *lo;

	for (lo = longopts; lo->name != NULL && lo->val != ch; lo++) {
	}
	if (lo->name != NULL) {
		snprintf(name, sizeof(name), "--%s", lo->name);
	} else {
		snprintf(name, sizeof(name), "-%c", ch);
	}
	o.name = name;
	if (ch >= 0 && ch < OPT_COUNT) {
		st->given[ch] = true;
	}
	apply(st, ch, arg, &o);
	if (ch >= 0 && ch < OPT_COUNT) {
		st->from[ch].name = lo->name != NULL ? lo->name : "";
	}
}

static void add_recipients(struct state *st, const char *arg)
{
	struct origin o = { NULL, 0, "recipient" };

	parse_addrs(&o, arg, &st->m.to);
}

void options_parse(struct state *st, int argc, char *argv[])
{
	int ch;

	while ((ch = getopt_long(argc, argv, ":s:f:c:b:R:a:B:H:r:nvthV",
				 longopts, NULL)) != -1) {
		if (ch == '?' || ch == ':') {
			bad_option(argv, ch);
		}
		flag(st, ch, optarg);
	}
	if (st->pending_type != NULL || st->pending_name != NULL) {
		fatal(EX_USAGE, "--attach-type and --attach-name apply to a "
				"following -a or --inline, and none follows");
	}
	for (int i = optind; i < argc; i++) {
		add_recipients(st, argv[i]);
	}
	if (st->extract) {
		st->sendmail = true;
	}
}

bool options_sendmail_wanted(int argc, char *argv[])
{
	const char *base = strrchr(argv[0], '/');

	base = base != NULL ? base + 1 : argv[0];
	if (strcmp(base, "sendmail") == 0) {
		return true;
	}
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "-i") == 0 ||
		    strcmp(argv[i], "-oi") == 0 ||
		    strcmp(argv[i], "-bm") == 0) {
			return true;
		}
	}
	return false;
}

/* sendmail's flags that take a value, attached or as the next word. */
static bool sendmail_takes_value(char c)
{
	return c != '\0' && strchr("ABCFLNORVXbfhopqr", c) != NULL;
}

/* -oX, -bX, -qX and -AX take only what is attached: -oi, -bm, -q. */
static bool sendmail_attached_only(char c)
{
	return c == 'o' || c == 'b' || c == 'q' || c == 'A';
}

/* One of sendmail's flags (val: its value, or NULL). */
static void sendmail_flag(struct state *st, char c, const char *val)
{
	switch (c) {
	case 't':
		st->extract = true;
		break;
	case 'f':
	case 'r':
		flag(st, 'r', val);
		break;
	case 'F':
		replace(&st->full_name, val);
		break;
	case 'N': {
		/* sendmail's -N: never, or success,failure,delay. */
		char *v = xstrdup(val);
		for (char *p = v; *p; p++) {
			*p = (char)toupper((unsigned char)*p);
		}
		flag(st, OPT_DSN_NOTIFY, v);
		free(v);
		break;
	}
	case 'R':
		flag(st, OPT_DSN_RETURN, val);
		break;
	case 'V':
		flag(st, OPT_DSN_ENVID, val);
		break;
	case 'v':
		flag(st, 'v', NULL);
		break;
	default:
		/* -i, -oi, -oem, -bm, -B8BITMIME, -C, -X, ...: what
		 * sendmail does with them posta does anyway, or it
		 * does not apply; msmtp ignores them too. */
		break;
	}
}

void options_parse_sendmail(struct state *st, int argc, char *argv[])
{
	int i = 1;

	st->sendmail = true;
	for (; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			add_recipients(st, a);
			continue;
		}
		if (a[1] == '-') {
			/* Long options keep posta's meaning. */
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			const struct option *lo = long_named(a + 2, n);
			const char *val = NULL;
			if (lo == NULL) {
				fatal(EX_USAGE,
				      "unknown option '%s' (see posta "
				      "--help)",
				      a);
			}
			if (lo->has_arg == required_argument) {
				if (eq != NULL) {
					val = eq + 1;
				} else if (i + 1 < argc) {
					val = argv[++i];
				} else {
					fatal(EX_USAGE,
					      "option '%s' needs a value", a);
				}
			} else if (eq != NULL) {
				fatal(EX_USAGE, "option '--%s' takes no value",
				      lo->name);
			}
			flag(st, lo->val, val);
			continue;
		}
		/* Flags may be grouped (-tv, -tf addr); one that takes a
		 * value takes the rest of the word, or the next word. */
		for (const char *f = a + 1; *f != '\0'; f++) {
			char c = *f;
			const char *val = NULL;
			if (sendmail_takes_value(c)) {
				if (f[1] != '\0') {
					val = f + 1;
				} else if (!sendmail_attached_only(c) &&
					   i + 1 < argc) {
					val = argv[++i];
				} else if (!sendmail_attached_only(c)) {
					fatal(EX_USAGE,
					      "sendmail option '-%c' needs a "
					      "value",
					      c);
				}
			}
			sendmail_flag(st, c, val);
			if (val != NULL) {
				break;
			}
		}
	}
	for (; i < argc; i++) {
		add_recipients(st, argv[i]);
	}
	/* Standard input is the whole message here: flags that would
	 * build one have nothing to work on. --from gives the author to
	 * add when the message has none, --bcc more envelope recipients. */
	static const int composing[] = {
		's',
		'c',
		'R',
		OPT_SENDER,
		'a',
		OPT_INLINE,
		OPT_HTML,
		'B',
		'H',
		OPT_CHARSET,
		OPT_DIGEST,
		OPT_IN_REPLY_TO,
		OPT_REFERENCES,
		OPT_MESSAGE_ID,
		OPT_DATE,
		OPT_ATTACH_TYPE,
		OPT_ATTACH_NAME,
	};
	for (size_t k = 0; k < sizeof(composing) / sizeof(composing[0]); k++) {
		if (st->given[composing[k]]) {
			const struct option *lo = longopts;
			while (lo->name != NULL && lo->val != composing[k]) {
				lo++;
			}
			fatal(EX_USAGE,
			      "--%s does not apply in the sendmail interface, "
			      "where standard input is the whole message",
			      lo->name ? lo->name : "?");
		}
	}
}

struct cfg_ctx {
	struct state *st;
	const char *file;
};

static void apply_entry(void *vctx, const struct config_entry *ent)
{
	struct cfg_ctx *ctx = vctx;
	struct state *st = ctx->st;
	const struct option *lo;
	int ch;

	if (strcmp(ent->key, "password") == 0) {
		ch = OPT_PASSWORD;
	} else if ((lo = long_named(ent->key, strlen(ent->key))) != NULL) {
		ch = lo->val;
	} else {
		fatal(EX_CONFIG, "%s:%d: unknown key '%s'", ctx->file,
		      ent->line, ent->key);
	}
	if (st->given[ch]) {
		return; /* flags win over the file */
	}
	/* A password source on the command line replaces the file's. */
	if ((ch == OPT_PASSWORD || ch == OPT_PASSWORD_COMMAND ||
	     ch == OPT_PASSWORD_FILE) &&
	    (st->given[OPT_PASSWORD_COMMAND] || st->given[OPT_PASSWORD_FILE])) {
		return;
	}
	struct origin o = { ctx->file, ent->line, ent->key };
	apply(st, ch, ent->value, &o);
}

static char *default_config_path(bool *is_default)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct buf b;

	*is_default = true;
	buf_init(&b, 0);
	if (xdg != NULL && *xdg == '/') {
		buf_printf(&b, "%s/posta/config", xdg);
		if (access(b.data, F_OK) == 0) {
			return buf_take(&b);
		}
		buf_reset(&b);
	}
	if (home != NULL && *home != '\0') {
		buf_printf(&b, "%s/.config/posta/config", home);
		if (access(b.data, F_OK) == 0) {
			return buf_take(&b);
		}
		buf_reset(&b);
	}
	if (access("/etc/posta.conf", F_OK) == 0) {
		buf_finish(&b);
		return xstrdup("/etc/posta.conf");
	}
	buf_finish(&b);
	return NULL;
}

/* Settings that only make sense together, wherever each came from. */
static void check_pairs(const struct state *st)
{
	const struct delivery *d = &st->d;

	if ((d->tls_cert == NULL) != (d->tls_key == NULL)) {
		int ch = d->tls_cert != NULL ? OPT_TLS_CERT : OPT_TLS_KEY;
		struct origin o = st->from[ch];
		o.name = ch == OPT_TLS_CERT ? "tls-cert" : "tls-key";
		if (o.file == NULL) {
			o.name = ch == OPT_TLS_CERT ? "--tls-cert"
						    : "--tls-key";
		}
		fail(&o, "--tls-cert and --tls-key go together");
	}
}

void options_apply_config(struct state *st, const char *from_addr)
{
	struct config c;
	struct err e;
	bool is_default = false;
	char *path = st->config_path != NULL ? xstrdup(st->config_path)
					     : default_config_path(&is_default);
	const char *account = NULL;

	if (path == NULL) {
		check_pairs(st);
		if (st->account != NULL) {
			fatal(EX_CONFIG,
			      "--account %s: no configuration file "
			      "(see --config)",
			      st->account);
		}
		return;
	}
	if (config_load(&c, path, &e) == -1) {
		fatal(EX_CONFIG, "%s", e.msg);
	}
	if (config_choose(&c, st->account, from_addr, &account, &e) == -1) {
		fatal(EX_CONFIG, "%s", e.msg);
	}
	st->config_file = xstrdup(path);
	st->config_account = account != NULL ? xstrdup(account) : NULL;
	struct cfg_ctx ctx = { st, st->config_file };
	if (config_resolve(&c, account, apply_entry, &ctx, &e) == -1) {
		fatal(EX_CONFIG, "%s", e.msg);
	}
	config_finish(&c);
	free(path);
	check_pairs(st);
}

static void show(const struct state *st, int ch, const char *value, bool secret)
{
	const struct origin *o = &st->from[ch];
	const struct option *lo;
	const char *name = NULL;

	if (value == NULL) {
		return;
	}
	for (lo = longopts; lo->name != NULL; lo++) {
		if (lo->val == ch) {
			name = lo->name;
			break;
		}
	}
	if (ch == OPT_PASSWORD) {
		name = "password";
	}
	printf("%-17s %s", name ? name : "?", secret ? "********" : value);
	if (o->file != NULL) {
		printf("   (%s:%d)", o->file, o->line);
	} else if (st->given[ch]) {
		printf("   (command line)");
	}
	putchar('\n');
}

void options_show(const struct state *st)
{
	const struct delivery *d = &st->d;
	char num[16];

	printf("config            %s\n",
	       st->config_file ? st->config_file : "(none)");
	printf("account           %s\n",
	       st->config_account ? st->config_account : "(none)");
	if (st->m.from.n > 0) {
		show(st, 'f', st->m.from.v[0].addr, false);
	}
	show(st, OPT_SERVER, d->server, false);
	const char *tls = d->tls;
	if (tls == NULL && d->server != NULL) {
		struct server sv;
		struct origin so = { NULL, 0, "--server" };
		options_parse_server(d->server, &sv, &so);
		tls = sv.tls == DELIVER_TLS ? "tls (from the server URL)"
					    : "starttls";
		server_finish(&sv);
	}
	show(st, OPT_TLS, tls != NULL ? tls : "starttls", false);
	show(st, OPT_TLS_CA, d->tls_ca, false);
	show(st, OPT_TLS_FINGERPRINT, d->tls_fingerprint, false);
	show(st, OPT_TLS_CERT, d->tls_cert, false);
	show(st, OPT_TLS_KEY, d->tls_key, false);
	show(st, OPT_USER, d->user, false);
	show(st, OPT_AUTH, d->auth, false);
	show(st, OPT_PASSWORD_COMMAND, d->password_command, false);
	show(st, OPT_PASSWORD_FILE, d->password_file, false);
	show(st, OPT_PASSWORD, d->password, true);
	show(st, 'r', d->envelope_from.addr, false);
	show(st, OPT_HELO, d->helo, false);
	snprintf(num, sizeof(num), "%d", d->timeout);
	show(st, OPT_TIMEOUT, num, false);
	show(st, OPT_ALLOW_PARTIAL, d->allow_partial ? "on" : "off", false);
	show(st, OPT_DSN_NOTIFY, d->dsn_notify, false);
	show(st, OPT_DSN_RETURN, d->dsn_return, false);
	show(st, OPT_DSN_ENVID, d->dsn_envid, false);
	if (getenv("POSTA_PASSWORD") != NULL) {
		printf("%-17s ********   (POSTA_PASSWORD)\n", "password");
	}
}
