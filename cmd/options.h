/* Options from the command line (posta's and sendmail's), and the same
 * settings from a configuration file, into one state that main acts on.
 * Flags win over the file; every bad value is reported with where it
 * came from. */
#ifndef POSTA_CMD_OPTIONS_H
#define POSTA_CMD_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>

#include "addr.h"
#include "config.h"
#include "deliver.h"
#include "message.h"

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
	OPT_CONFIG,
	OPT_ACCOUNT,
	OPT_SHOW_CONFIG,
	OPT_PASSWORD, /* configuration files only */
};

#define OPT_COUNT (OPT_PASSWORD + 1)

/* Delivery settings as flags or the file give them. */
struct delivery {
	char *server;
	char *tls;
	char *tls_ca, *tls_fingerprint, *tls_cert, *tls_key;
	char *user;
	char *auth;
	char *password_command, *password_file;
	char *password; /* from a configuration file */
	struct mailbox envelope_from;
	char *helo;
	int timeout;
	bool allow_partial;
	char *dsn_notify, *dsn_return, *dsn_envid;
	bool verbose;
};

enum action {
	ACT_SEND,
	ACT_DRY_RUN,
	ACT_SERVERINFO,
	ACT_VERIFY,
	ACT_EXPAND,
	ACT_SHOW_CONFIG,
};

/* Where a value came from, for messages and the exit status. */
struct origin {
	const char *file; /* NULL: the command line */
	int line;
	const char *name; /* the flag or key */
};

struct state {
	struct message m;
	struct delivery d;
	enum action act;
	bool sendmail;         /* the sendmail interface */
	bool extract;          /* -t: recipients from the headers */
	bool given[OPT_COUNT]; /* set on the command line */
	char *full_name;       /* sendmail -F */
	const char *pending_type, *pending_name;
	const char *probe_arg;
	char *config_path;
	char *account;
	char *config_file;    /* the file that was read, if any */
	char *config_account; /* the account used, if any */
	/* Where each setting came from, for --show-config. */
	struct origin from[OPT_COUNT];
	char *origin_file;
};

/* smtp://[user@]host[:port], smtps://..., or host[:port]. */
struct server {
	char *host;
	char *port;
	char *user;
	enum deliver_tls tls;
};

/* Prints "posta: " and the message as one line and exits with status;
 * a whole message already read is saved to dead.letter first. */
void fatal(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

extern const struct option longopts[];
extern const char usage_text[];

void state_init(struct state *st);
void state_finish(struct state *st);
/* True when argv asks for the sendmail interface (cli.md): argv[0] is
 * sendmail, or an argument before "--" is -t, -i, -oi or -bm. */
bool options_sendmail_wanted(int argc, char *argv[]);
/* posta's own flags; positional arguments become To. Exits 64 on bad
 * input. */
void options_parse(struct state *st, int argc, char *argv[]);
/* sendmail's flags (long options keep posta's meaning). */
void options_parse_sendmail(struct state *st, int argc, char *argv[]);
/* Reads the configuration file and applies what the command line left
 * unset, for the account chosen by --account or by from_addr. */
void options_apply_config(struct state *st, const char *from_addr);
/* Parses a server URL; exits naming o when it is bad. */
void options_parse_server(const char *url, struct server *sv,
			  const struct origin *o);
void server_finish(struct server *sv);
/* Prints the effective settings with secrets masked. */
void options_show(const struct state *st);
/* The AUTH_* bit for a mechanism name; exits naming it when unknown. */
unsigned options_auth_bit(const char *name);

#endif
