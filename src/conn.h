/* The transport under SMTP: one interface (read, write, close) with a
 * plain-socket and a GnuTLS implementation behind it. STARTTLS swaps
 * the operations in place, so protocol code never asks which it has.
 * Every wait is bounded by the deadline the caller passes. */
#ifndef POSTA_CONN_H
#define POSTA_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "buf.h"
#include "error.h"

#define CONN_RBUF 16384

struct conn;

struct conn_ops {
	/* Up to n bytes; 0 when the peer closed; -1 on error/timeout. */
	ssize_t (*read)(struct conn *c, void *p, size_t n, struct err *e);
	/* All n bytes or -1. */
	int (*write)(struct conn *c, const void *p, size_t n, struct err *e);
};

struct tls_opts {
	const char *ca_file;     /* NULL: the system's trust store */
	const char *fingerprint; /* SHA-256 of the certificate, hex, or NULL */
	const char *cert_file;   /* client certificate, or NULL */
	const char *key_file;
};

struct tls_info {
	char version[32];
	char cipher[96];
	char subject[256];
	char issuer[256];
	char fingerprint[96]; /* SHA-256, colon-separated hex */
	char expires[64];
};

struct conn {
	const struct conn_ops *ops;
	int fd;
	int timeout_ms;   /* for each wait: connect, a reply, a write */
	int64_t deadline; /* monotonic ms for the current wait */
	char *host;       /* the name we asked for: SNI and verification */
	char peer[64];    /* numeric address connected to */
	char local[80];   /* our end as an RFC 5321 address literal */
	void *tls;        /* gnutls_session_t when TLS is on */
	void *cred;       /* gnutls_certificate_credentials_t */
	char rbuf[CONN_RBUF];
	size_t rpos, rlen;
	uint64_t round_trips; /* reads that had to wait for the peer */
	/* Set by a signal handler the caller owns: every wait and write
	 * gives up (ERR_TEMP) once it is non-zero. May be NULL. */
	volatile sig_atomic_t *cancel;
	bool wrote_since_read;
};

/* Connects to host:port, trying every address getaddrinfo gives in
 * order, each within timeout_ms. ERR_NOHOST when the name does not
 * resolve; ERR_TEMP for refused or timed-out connections. */
int conn_open(struct conn *c, const char *host, const char *port,
	      int timeout_ms, volatile sig_atomic_t *cancel, struct err *e);
/* Starts TLS on the open connection: verifies the certificate chain
 * and host name (or the pinned fingerprint); TLS 1.2 at least. For
 * STARTTLS, fails (ERR_PROTOCOL) when the peer already sent bytes we
 * have not read: RFC 3207 5 response injection. ERR_TLS on failure. */
int conn_start_tls(struct conn *c, const struct tls_opts *o, struct err *e);
/* Facts about the TLS session, for --serverinfo and -v. */
void conn_tls_info(const struct conn *c, struct tls_info *info);
/* Starts the clock for one wait of timeout_ms. */
void conn_arm(struct conn *c);
/* One line without its CRLF (or LF) into line; ERR_PROTOCOL when it
 * is longer than max; ERR_TEMP on timeout or when the peer closes. */
int conn_read_line(struct conn *c, struct buf *line, size_t max, struct err *e);
int conn_write(struct conn *c, const void *p, size_t n, struct err *e);
void conn_close(struct conn *c);

#endif
