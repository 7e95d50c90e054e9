/* posta: compose a message from flags and standard input, and deliver
 * it over SMTP or print it (-n). This file is the only place
 * that parses options, prints diagnostics and chooses exit statuses. */
#include <ctype.h>
#include <err.h>
#include <stdarg.h>
#include <fcntl.h>
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
#include <sys/file.h>
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
#include "netrc.h"
#include "rawmsg.h"
#include "reply.h"
#include "secret.h"
#include "sink.h"
#include "xalloc.h"

#include "options.h"

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
	fatal(exit_status(e->cls), "%s", e->msg);
}

static void random_bytes(void *p, size_t n)
{
	if (gnutls_rnd(GNUTLS_RND_NONCE, p, n) != 0) {
		fatal(EX_OSERR, "the random number generator failed");
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
		fatal(EX_USAGE,
		      "no --from given and '%s' is not a valid address", addr);
	}
	free(addr);
	free(host);
}

/* Password sources in the order posta(1) gives; a prompt only with a
 * terminal, so a cron job fails at once, naming what it tried. */
static char *get_password(const struct delivery *d, const char *user,
			  const char *host)
{
	struct err e = { 0 };
	char *pw = NULL, *env = getenv("POSTA_PASSWORD");
	char prompt[512], netrc[4096];
	const char *home = getenv("HOME");

	/* Out of the environment first, whichever source wins: a password
	 * command must not inherit it. One copy is kept, in our memory. */
	if (env != NULL) {
		char *copy = *env != '\0' ? xstrdup(env) : NULL;
		explicit_bzero(env, strlen(env));
		unsetenv("POSTA_PASSWORD");
		env = copy;
	}
	if (d->password_command != NULL) {
		pw = secret_command(d->password_command, &e);
	} else if (d->password_file != NULL) {
		pw = secret_file(d->password_file, &e);
	} else if (d->password != NULL) {
		pw = xstrdup(d->password);
	} else if (env != NULL) {
		pw = env;
		env = NULL;
	} else {
		if (home != NULL && *home != '\0') {
			snprintf(netrc, sizeof(netrc), "%s/.netrc", home);
			pw = netrc_password(netrc, host, user, &e);
			if (pw == NULL && e.cls != ERR_NONE) {
				die(&e);
			}
		}
		if (pw == NULL) {
			snprintf(prompt, sizeof(prompt),
				 "Password for %s@%s: ", user, host);
			pw = secret_prompt(prompt, &e);
		}
		if (pw == NULL) {
			fatal(EX_CONFIG,
			      "no password for %s@%s: tried --password-command, "
			      "--password-file, the password key, "
			      "POSTA_PASSWORD, ~/.netrc and a terminal prompt "
			      "(%s)",
			      user, host, e.msg);
		}
	}
	secret_free(env);
	if (pw == NULL) {
		die(&e);
	}
	return pw;
}

static void trace_line(void *ctx, char dir, const char *text, size_t n)
{
	/* What a server sends is shown, never obeyed: control bytes
	 * (escape sequences) become '?'. */
	char *shown = xcalloc(n + 1, 1);

	memcpy(shown, text, n);
	reply_clean(shown, n);
	fprintf(stderr, "%c %.*s\n", dir, (int)n, shown);
	free(shown);
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

struct rcpt_slot {
	const char *addr;
	size_t pos;
};

static int slot_cmp(const void *a, const void *b)
{
	const struct rcpt_slot *x = a, *y = b;
	int c = strcmp(x->addr, y->addr);

	return c != 0 ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* The lists' addresses as RCPT addresses, each once, in the order first
 * given. Sorted to find repeats, so 30000 recipients cost no more than
 * a sort. */
static const char **envelope_rcpts(const struct addrlist *const *lists,
				   size_t nlists, size_t *n)
{
	size_t total = 0, k = 0;
	struct rcpt_slot *slot;
	const char **v;

	for (size_t l = 0; l < nlists; l++) {
		total += lists[l]->n;
	}
	slot = xcalloc(total + 1, sizeof(*slot));
	v = xcalloc(total + 1, sizeof(*v));
	for (size_t l = 0; l < nlists; l++) {
		for (size_t i = 0; i < lists[l]->n; i++, k++) {
			slot[k].addr = lists[l]->v[i].addr;
			slot[k].pos = k;
		}
	}
	qsort(slot, total, sizeof(*slot), slot_cmp);
	for (size_t i = 0; i < total; i++) {
		if (i == 0 || strcmp(slot[i].addr, slot[i - 1].addr) != 0) {
			v[slot[i].pos] = slot[i].addr;
		}
	}
	*n = 0;
	for (size_t i = 0; i < total; i++) {
		if (v[i] != NULL) {
			v[(*n)++] = v[i];
		}
	}
	free(slot);
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
		fatal(EX_CONFIG, "no server: give --server=smtp://host (or -n "
				 "to print the message)");
	}
	struct origin so = { NULL, 0, "--server" };
	options_parse_server(d->server, sv, &so);
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
			fatal(EX_USAGE,
			      "--tls: '%s' is not starttls, tls or "
			      "none",
			      d->tls);
		}
	}
	o->tlso.ca_file = d->tls_ca;
	o->tlso.fingerprint = d->tls_fingerprint;
	o->tlso.cert_file = d->tls_cert;
	o->tlso.key_file = d->tls_key;
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
	o->auth = d->auth != NULL ? options_auth_bit(d->auth) : 0;
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

/* SIGINT or SIGTERM while a message is on its way: the waits in conn
 * see this and give up, and the message goes to dead.letter. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked poll must return to look. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Sends, and on failure saves the message so nothing is lost. The
 * options, password included, were settled before composing, so no
 * flag or password problem can strand a message read from stdin. */
static int send_message(struct composition *c, const char *from,
			const char **rcpts, size_t n, bool smtputf8,
			struct deliver_opts *o, const struct delivery *d,
			time_t now)
{
	struct deliver_result r;
	struct err e = { 0 };
	int status;

	if (n == 0) {
		fatal(EX_USAGE, "no recipients");
	}
	o->from = from;
	o->rcpts = rcpts;
	o->nrcpts = n;
	o->smtputf8 = smtputf8;
	o->cancel = &interrupted;
	catch_signals();
	status = deliver_send(o, c, &r, &e);
	if (d->verbose) {
		fprintf(stderr, "posta: %llu round trips\n",
			(unsigned long long)r.round_trips);
	}
	if (status == 0) {
		if (d->verbose) {
			if (r.transactions > 1) {
				/* The server's recipient limit split it. */
				fprintf(stderr,
					"posta: sent to %zu recipients in %zu "
					"transactions; the last: %s\n",
					r.accepted, r.transactions,
					r.final_reply);
			} else {
				fprintf(stderr,
					"posta: sent to %zu recipient%s: %s\n",
					r.accepted, r.accepted == 1 ? "" : "s",
					r.final_reply);
			}
		}
		status = EX_OK;
	} else if (r.sent && o->allow_partial && r.unreached == 0) {
		/* --allow-partial: the server has the message for all
		 * it did not refuse; those are named, and the status says
		 * so. A delivery split by the server's recipient limit
		 * that stopped half way is saved below: the error names
		 * who has it. */
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
		fatal(EX_USAGE, "a line break in '%s'", what);
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

static bool any_utf8(const struct addrlist *const *lists, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (list_has_utf8(lists[i])) {
			return true;
		}
	}
	return false;
}

/* A whole message read from stdin and not yet handed to delivery, and
 * when it was read: if posta must give up before delivery (no password,
 * a bad configuration line), it is saved on the way out, since stdin
 * cannot be read twice. */
static struct rawmsg *unsent;
static time_t unsent_time;

/* Saves the unread-by-delivery message; says where into note. */
/* Copies the whole input, headers and Bcc included, as it was read. */
static int write_input(void *ctx, struct sink *out, struct err *e)
{
	struct source *src = ctx;
	char *block = xcalloc(SOURCE_BLOCK, 1);
	ssize_t r;
	int ret = source_seek(src, 0, e);

	while (ret == 0 && (r = source_read(src, block, SOURCE_BLOCK, e)) > 0) {
		ret = sink_write(out, block, (size_t)r, e);
	}
	if (ret == 0 && r < 0) {
		ret = -1;
	}
	free(block);
	return ret;
}

static void save_unsent(char *note, size_t n)
{
	char pathbuf[4096];
	const char *path;
	struct rawmsg *m = unsent;
	struct err e;

	note[0] = '\0';
	if (m == NULL) {
		return;
	}
	unsent = NULL; /* once, even if saving fails */
	path = dead_letter_path(pathbuf, sizeof(pathbuf));
	if (deliver_mbox_append(path, NULL, unsent_time, write_input, &m->src,
				&e) == 0) {
		snprintf(note, n, "; message saved to %s", path);
	} else {
		snprintf(note, n, "; saving the message failed too: %s", e.msg);
	}
}

/* Every fatal error: one line, and a whole message read from stdin is
 * saved first, so giving up never loses it. */
void fatal(int status, const char *fmt, ...)
{
	char msg[1024], note[4200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	save_unsent(note, sizeof(note));
	fprintf(stderr, "posta: %s%s\n", msg, note);
	exit(status);
}

/* The sendmail interface: a whole message on stdin, passed through. */
static struct composition *prepare_whole(struct state *st, struct rawmsg *raw,
					 const struct compose_env *env,
					 struct mailbox *added_from)
{
	struct err e;
	struct composition *c;

	/* The author to add when the message has none: -F's name with
	 * -f's address, else the configured or default From (sendmail
	 * and msmtp do the same). */
	/* -f on the command line names the author to add, as sendmail
	 * and msmtp do; a configured envelope-from is a bounce address,
	 * not an author. */
	const char *addr = st->given['r'] && st->d.envelope_from.addr != NULL &&
					   *st->d.envelope_from.addr != '\0'
				   ? st->d.envelope_from.addr
				   : st->m.from.v[0].addr;
	added_from->addr = xstrdup(addr);
	added_from->name = st->full_name != NULL ? xstrdup(st->full_name)
			   : st->m.from.v[0].name != NULL
				   ? xstrdup(st->m.from.v[0].name)
				   : NULL;
	c = mime_prepare_raw(raw, added_from, env, &e);
	if (c == NULL) {
		die(&e);
	}
	return c;
}

int main(int argc, char *argv[])
{
	struct state st;
	struct err e = { 0 };
	struct rawmsg raw;
	bool have_raw = false;

	/* Past a file size limit (ulimit -f) a write should fail with
	 * EFBIG, which is reported and cleaned up, not kill posta halfway
	 * through a dead letter. */
	signal(SIGXFSZ, SIG_IGN);
	state_init(&st);
	if (options_sendmail_wanted(argc, argv)) {
		options_parse_sendmail(&st, argc, argv);
	} else {
		options_parse(&st, argc, argv);
	}
	/* A whole message is read first: its From picks the account. */
	if (st.sendmail && st.act != ACT_SHOW_CONFIG &&
	    st.act != ACT_SERVERINFO && st.act != ACT_VERIFY &&
	    st.act != ACT_EXPAND) {
		if (rawmsg_read(&raw, "-", &e) == -1) {
			/* Input posta cannot send is still the user's mail:
			 * it was read whole, so it is kept. */
			if (e.cls == ERR_DATA && raw.src.size > 0) {
				unsent = &raw;
				unsent_time = time(NULL);
			}
			die(&e);
		}
		have_raw = true;
		unsent = &raw;
		unsent_time = time(NULL);
	}
	const char *from_addr = st.m.from.n > 0 ? st.m.from.v[0].addr
				: have_raw && raw.from.n > 0
					? raw.from.v[0].addr
					: st.d.envelope_from.addr;
	options_apply_config(&st, from_addr);
	if (st.m.from.n == 0) {
		default_from(&st.m);
	}
	if (st.act == ACT_SHOW_CONFIG) {
		options_show(&st);
		state_finish(&st);
		return EX_OK;
	}
	if (st.act == ACT_SERVERINFO || st.act == ACT_VERIFY ||
	    st.act == ACT_EXPAND) {
		int r = probe(&st.d, st.act, st.probe_arg);
		state_finish(&st);
		return r;
	}
	struct server sv = { 0 };
	struct deliver_opts o;
	struct smtp_trace trace = { trace_line, NULL };
	char *fqdn = NULL, *pw = NULL;
	if (st.act == ACT_SEND) {
		setup_delivery(&st.d, &sv, &o, &trace, &fqdn);
		if (o.user != NULL) {
			pw = get_password(&st.d, o.user, o.host);
			o.pass = pw;
		}
	}
	struct message *m = &st.m;
	/* No body was named and a person is at the terminal: an empty
	 * body rather than a silent wait for input. */
	if (!have_raw && m->body_path == NULL && isatty(STDIN_FILENO)) {
		m->body_empty = true;
	}

	struct compose_env env = { .now = time(NULL), .random = random_bytes };
	struct composition *c;
	struct mailbox added_from = { 0 };
	const struct addrlist *lists[6];
	size_t nlists = 0;
	const char *from;
	if (have_raw) {
		c = prepare_whole(&st, &raw, &env, &added_from);
		unsent = NULL;             /* delivery saves it from here on */
		lists[nlists++] = &m->to;  /* the arguments */
		lists[nlists++] = &m->bcc; /* --bcc */
		if (st.extract) {
			lists[nlists++] = &raw.to;
			lists[nlists++] = &raw.cc;
			lists[nlists++] = &raw.bcc;
		}
		/* -f sets the envelope sender only; else the message's
		 * own author, else the one added. */
		from = st.d.envelope_from.addr != NULL ? st.d.envelope_from.addr
		       : raw.from.n > 0                ? raw.from.v[0].addr
						       : added_from.addr;
	} else {
		c = mime_prepare(m, &env, &e);
		if (c == NULL) {
			die(&e);
		}
		lists[nlists++] = &m->to;
		lists[nlists++] = &m->cc;
		lists[nlists++] = &m->bcc;
		from = st.d.envelope_from.addr != NULL ? st.d.envelope_from.addr
						       : m->from.v[0].addr;
	}
	int status;
	if (st.act == ACT_DRY_RUN) {
		struct fd_sink out;
		fd_sink_init(&out, STDOUT_FILENO, "standard output");
		status = mime_write(c, &out.sink, &e) == -1 ? -1 : EX_OK;
		fd_sink_finish(&out);
		if (status == -1) {
			die(&e);
		}
	} else {
		size_t n;
		const char **rcpts = envelope_rcpts(lists, nlists, &n);
		const struct addrlist *all[] = { &m->from, &m->to, &m->cc,
						 &m->bcc, &m->reply_to };
		bool utf8 = addr_is_utf8(from) || any_utf8(lists, nlists) ||
			    any_utf8(all, 5) ||
			    (m->sender.addr != NULL &&
			     addr_is_utf8(m->sender.addr)) ||
			    (have_raw && list_has_utf8(&raw.from));
		status = send_message(c, from, rcpts, n, utf8, &o, &st.d,
				      env.now);
		free(rcpts);
	}
	uint64_t kept;
	const char *grew = mime_grew(c, &kept);
	if (grew != NULL) {
		warnx("%s grew while being read; the message holds the %llu "
		      "bytes it had at first",
		      grew, (unsigned long long)kept);
	}
	secret_free(pw);
	free(fqdn);
	server_finish(&sv);
	mime_destroy(c);
	mailbox_finish(&added_from);
	if (have_raw) {
		rawmsg_finish(&raw);
	}
	state_finish(&st);
	return status;
}
