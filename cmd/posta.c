/* posta: compose a message from flags and standard input and print it
 * (-n) or, in later versions, deliver it. This file is the only place
 * that parses options, prints diagnostics and chooses exit statuses. */
#include <err.h>
#include <getopt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "error.h"
#include "filetype.h"
#include "header.h"
#include "message.h"
#include "mime.h"
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
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
	"usage: posta [options] [--] recipient...\n"
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
	"Action:\n"
	"  -n, --dry-run             print the message (LF line ends), send "
	"nothing\n"
	"  -h, --help                this text\n"
	"  -V, --version             posta's version\n"
	"\n"
	"Exit status follows sysexits(3): 64 usage, 65 bad data, 66 missing "
	"input,\n"
	"74 I/O error. See posta(1).\n";

static int
exit_status(enum err_class cls)
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
	};

	if ((unsigned)cls >= sizeof(table) / sizeof(table[0])) {
		return EX_SOFTWARE;
	}
	return table[cls];
}

static void
die(const struct err *e)
{
	errx(exit_status(e->cls), "%s", e->msg);
}

/* One line naming the problem, as for every other error. */
static void
bad_option(char *const argv[], int ch)
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

static void
random_bytes(void *p, size_t n)
{
	if (gnutls_rnd(GNUTLS_RND_NONCE, p, n) != 0) {
		errx(EX_OSERR, "the random number generator failed");
	}
}

/* This host's fully qualified name, for a default From. */
static char *
host_name(void)
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

static void
default_from(struct message *m)
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

static void
parse_addrs(const char *s, struct addrlist *list)
{
	struct err e;

	if (addr_parse_list(s, list, &e) == -1) {
		die(&e);
	}
}

static char *
msgid_or_die(const char *flag, const char *s)
{
	char *id;

	if (header_msgid_normalize(s, &id) == -1) {
		errx(EX_USAGE, "%s: '%s' is not a message ID (left@right)",
		     flag, s);
	}
	return id;
}

/* --references takes IDs separated by white space or commas. */
static char *
references_or_die(const char *s)
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

static void
replace(char **slot, const char *value)
{
	free(*slot);
	*slot = xstrdup(value);
}

int
main(int argc, char *argv[])
{
	struct message m;
	struct err e = { 0 };
	const char *pending_type = NULL, *pending_name = NULL;
	bool dry_run = false, from_given = false;
	int ch;

	message_init(&m);
	while ((ch = getopt_long(argc, argv, ":s:f:c:b:R:a:B:H:nhV", longopts,
				 NULL)) != -1) {
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
				errx(EX_USAGE, "--charset: '%s' is not a "
					       "charset name", optarg);
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
			dry_run = true;
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
	for (int i = optind; i < argc; i++) {
		parse_addrs(argv[i], &m.to);
	}
	if (!from_given) {
		default_from(&m);
	}
	if (!dry_run) {
		errx(EX_UNAVAILABLE, "SMTP delivery is not built yet; use -n "
				     "to print the message");
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
	struct fd_sink out;
	fd_sink_init(&out, STDOUT_FILENO, "standard output");
	int r = mime_write(c, &out.sink, &e);
	fd_sink_finish(&out);
	mime_destroy(c);
	message_finish(&m);
	if (r == -1) {
		die(&e);
	}
	return EX_OK;
}
