#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

/* TLS 1.2 is the floor (RFC 8996 retired 1.0 and 1.1). */
#define TLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void conn_arm(struct conn *c)
{
	c->deadline = now_ms() + c->timeout_ms;
}

static bool cancelled(const struct conn *c, struct err *e)
{
	if (c->cancel != NULL && *c->cancel != 0) {
		err_set(e, ERR_TEMP, "%s: interrupted by a signal", c->host);
		return true;
	}
	return false;
}

/* Waits for fd to be ready for events before the deadline. */
static int wait_fd(struct conn *c, short events, struct err *e)
{
	for (;;) {
		if (cancelled(c, e)) {
			return -1;
		}
		int64_t left = c->deadline - now_ms();
		struct pollfd pfd = { .fd = c->fd, .events = events };
		int r;

		if (left <= 0) {
			return err_set(e, ERR_TEMP, "%s: timed out after %d s",
				       c->host, c->timeout_ms / 1000);
		}
		r = poll(&pfd, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
		if (r > 0) {
			return 0;
		}
		if (r < 0 && errno != EINTR) {
			return err_sys(e, ERR_OS, errno, "poll");
		}
	}
}

static ssize_t plain_read(struct conn *c, void *p, size_t n, struct err *e)
{
	for (;;) {
		if (cancelled(c, e)) {
			return -1;
		}
		ssize_t r = recv(c->fd, p, n, 0);

		if (r >= 0) {
			return r;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (wait_fd(c, POLLIN, e) == -1) {
				return -1;
			}
			c->round_trips += c->wrote_since_read;
			c->wrote_since_read = false;
		} else if (errno != EINTR) {
			return err_sys(e, ERR_TEMP, errno, "%s: read", c->host);
		}
	}
}

static int plain_write(struct conn *c, const void *vp, size_t n, struct err *e)
{
	const char *p = vp;

	while (n > 0) {
		if (cancelled(c, e)) {
			return -1;
		}
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);

		if (w >= 0) {
			p += w;
			n -= (size_t)w;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (wait_fd(c, POLLOUT, e) == -1) {
				return -1;
			}
		} else if (errno != EINTR) {
			return err_sys(e, ERR_TEMP, errno, "%s: write",
				       c->host);
		}
	}
	c->wrote_since_read = true;
	return 0;
}

static const struct conn_ops plain_ops = { plain_read, plain_write };

/* GnuTLS's "Error in the pull function" says less than the errno
 * behind it. */
static int tls_io_error(struct conn *c, const char *op, int code, struct err *e)
{
	if ((code == GNUTLS_E_PULL_ERROR || code == GNUTLS_E_PUSH_ERROR) &&
	    errno != 0) {
		return err_sys(e, ERR_TEMP, errno, "%s: %s", c->host, op);
	}
	return err_set(e, ERR_TEMP, "%s: TLS %s: %s", c->host, op,
		       gnutls_strerror(code));
}

static ssize_t tls_read(struct conn *c, void *p, size_t n, struct err *e)
{
	gnutls_session_t s = c->tls;

	for (;;) {
		ssize_t r = gnutls_record_recv(s, p, n);

		if (r >= 0) {
			return r;
		}
		if (r == GNUTLS_E_AGAIN) {
			if (wait_fd(c, POLLIN, e) == -1) {
				return -1;
			}
			c->round_trips += c->wrote_since_read;
			c->wrote_since_read = false;
		} else if (r == GNUTLS_E_PREMATURE_TERMINATION) {
			return 0;
		} else if (r != GNUTLS_E_INTERRUPTED) {
			return tls_io_error(c, "read", (int)r, e);
		}
	}
}

static int tls_write(struct conn *c, const void *vp, size_t n, struct err *e)
{
	gnutls_session_t s = c->tls;
	const char *p = vp;

	while (n > 0) {
		if (cancelled(c, e)) {
			return -1;
		}
		ssize_t w = gnutls_record_send(s, p, n);

		if (w >= 0) {
			p += w;
			n -= (size_t)w;
		} else if (w == GNUTLS_E_AGAIN) {
			/* GnuTLS wants the same call repeated with the same
			 * data once the socket can take more. */
			if (wait_fd(c, POLLOUT, e) == -1) {
				return -1;
			}
		} else if (w != GNUTLS_E_INTERRUPTED) {
			return tls_io_error(c, "write", (int)w, e);
		}
	}
	c->wrote_since_read = true;
	return 0;
}

static const struct conn_ops tls_ops = { tls_read, tls_write };

static int connect_one(struct conn *c, const struct addrinfo *ai, struct err *e)
{
	int fd = socket(ai->ai_family,
			ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	int one = 1, soerr = 0;
	socklen_t len = sizeof(soerr);

	if (fd < 0) {
		return err_sys(e, ERR_OS, errno, "socket");
	}
	getnameinfo(ai->ai_addr, ai->ai_addrlen, c->peer, sizeof(c->peer), NULL,
		    0, NI_NUMERICHOST);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS) {
		soerr = errno;
		goto fail;
	}
	c->fd = fd;
	conn_arm(c);
	if (wait_fd(c, POLLOUT, e) == -1) {
		close(fd);
		c->fd = -1;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1) {
		soerr = errno;
	}
	if (soerr != 0) {
		goto fail;
	}
	/* RFC 5321 4.1.3 address literal of our end, for an EHLO when
	 * this host has no fully qualified name. */
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char num[64] = "";
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0) {
		getnameinfo((struct sockaddr *)&ss, sslen, num, sizeof(num),
			    NULL, 0, NI_NUMERICHOST);
	}
	snprintf(c->local, sizeof(c->local), "[%s%s]",
		 ss.ss_family == AF_INET6 ? "IPv6:" : "", num);
	/* Commands are written whole; waiting to coalesce them (Nagle)
	 * only stalls the final dot. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
fail:
	close(fd);
	c->fd = -1;
	return err_sys(e, ERR_TEMP, soerr, "%s (%s): connect", c->host,
		       c->peer);
}

int conn_open(struct conn *c, const char *host, const char *port,
	      int timeout_ms, volatile sig_atomic_t *cancel, struct err *e)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->ops = &plain_ops;
	c->timeout_ms = timeout_ms;
	c->cancel = cancel;
	c->host = xstrdup(host);
	c->wrote_since_read = true; /* the greeting is a round trip too */
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	r = getaddrinfo(host, port, &hints, &res);
	if (r == EAI_NONAME || r == EAI_FAIL || r == EAI_SERVICE) {
		return err_set(e, r == EAI_SERVICE ? ERR_USAGE : ERR_NOHOST,
			       "%s: %s", host, gai_strerror(r));
	}
	if (r != 0) {
		return err_set(e, ERR_TEMP, "%s: %s", host, gai_strerror(r));
	}
	r = -1;
	for (struct addrinfo *ai = res; ai != NULL && r == -1;
	     ai = ai->ai_next) {
		r = connect_one(c, ai, e);
	}
	freeaddrinfo(res);
	return r;
}

static int tls_fail(struct err *e, enum err_class cls, const char *host,
		    int code)
{
	return err_set(e, cls, "%s: TLS: %s", host, gnutls_strerror(code));
}

static void hex_colon(const unsigned char *p, size_t n, char *out, size_t max)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 3 < max; i++) {
		o += (size_t)snprintf(out + o, max - o, "%s%02X", i ? ":" : "",
				      p[i]);
	}
	out[o] = '\0';
}

/* The peer certificate's SHA-256 as colon-separated upper-case hex. */
static int peer_fingerprint(gnutls_session_t s, char out[96])
{
	const gnutls_datum_t *certs;
	unsigned n = 0;
	unsigned char md[32];

	certs = gnutls_certificate_get_peers(s, &n);
	if (certs == NULL || n == 0 ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[0].data, certs[0].size,
			     md) < 0) {
		out[0] = '\0';
		return -1;
	}
	hex_colon(md, sizeof(md), out, 96);
	return 0;
}

/* Compares ignoring case and colons, so "AB:CD" matches "abcd". */
static bool fingerprint_equal(const char *a, const char *b)
{
	for (;;) {
		while (*a == ':') {
			a++;
		}
		while (*b == ':') {
			b++;
		}
		if (*a == '\0' || *b == '\0') {
			return *a == *b;
		}
		char x = (char)(*a >= 'a' && *a <= 'f' ? *a - 32 : *a);
		char y = (char)(*b >= 'a' && *b <= 'f' ? *b - 32 : *b);
		if (x != y) {
			return false;
		}
		a++;
		b++;
	}
}

int conn_start_tls(struct conn *c, const struct tls_opts *o, struct err *e)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	int r;

	/* RFC 3207 5: bytes after the 220, whether read already or still
	 * waiting in the socket, were not protected and must not be
	 * taken as part of the TLS conversation. */
	char peek;
	if (c->rpos != c->rlen ||
	    (c->tls == NULL && c->rlen > 0 /* STARTTLS, not smtps */ &&
	     recv(c->fd, &peek, 1, MSG_PEEK | MSG_DONTWAIT) == 1)) {
		return err_set(e, ERR_PROTOCOL,
			       "%s: server sent data before TLS started "
			       "(response injection)",
			       c->host);
	}
	if ((r = gnutls_certificate_allocate_credentials(&cred)) < 0) {
		return tls_fail(e, ERR_TLS, c->host, r);
	}
	c->cred = cred;
	if (o->fingerprint == NULL) {
		r = o->ca_file != NULL
			    ? gnutls_certificate_set_x509_trust_file(
				      cred, o->ca_file, GNUTLS_X509_FMT_PEM)
			    : gnutls_certificate_set_x509_system_trust(cred);
		if (r <= 0) {
			return err_set(e, ERR_CONFIG,
				       "%s: no trusted CA "
				       "certificates loaded%s",
				       o->ca_file ? o->ca_file : "system store",
				       r < 0 ? ": unreadable" : "");
		}
	}
	if (o->cert_file != NULL) {
		r = gnutls_certificate_set_x509_key_file(cred, o->cert_file,
							 o->key_file
								 ? o->key_file
								 : o->cert_file,
							 GNUTLS_X509_FMT_PEM);
		if (r < 0) {
			return err_set(e, ERR_CONFIG, "%s: %s", o->cert_file,
				       gnutls_strerror(r));
		}
	}
	if ((r = gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK)) < 0) {
		return tls_fail(e, ERR_TLS, c->host, r);
	}
	c->tls = s;
	gnutls_priority_set_direct(s, TLS_PRIORITY, NULL);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	/* RFC 6066 3: no IP literals in the server name. */
	struct in6_addr any;
	if (inet_pton(AF_INET, c->host, &any) != 1 &&
	    inet_pton(AF_INET6, c->host, &any) != 1) {
		gnutls_server_name_set(s, GNUTLS_NAME_DNS, c->host,
				       strlen(c->host));
	}
	if (o->fingerprint == NULL) {
		/* The chain and the host name (RFC 6125) are checked
		 * during the handshake, which fails if either is wrong. */
		gnutls_session_set_verify_cert(s, c->host, 0);
	}
	gnutls_transport_set_int(s, c->fd);
	gnutls_handshake_set_timeout(s, 0);
	conn_arm(c);
	for (;;) {
		r = gnutls_handshake(s);
		if (r == 0) {
			break;
		}
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
			short ev = gnutls_record_get_direction(s) ? POLLOUT
								  : POLLIN;
			if (wait_fd(c, ev, e) == -1) {
				return -1;
			}
			continue;
		}
		if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
			gnutls_datum_t out = { 0 };
			unsigned status =
				gnutls_session_get_verify_cert_status(s);
			gnutls_certificate_verification_status_print(
				status, GNUTLS_CRT_X509, &out, 0);
			size_t len = out.data ? strlen((char *)out.data) : 0;
			while (len > 0 && out.data[len - 1] == ' ') {
				out.data[--len] = '\0';
			}
			err_set(e, ERR_TLS,
				"%s: TLS certificate not trusted: %s", c->host,
				len ? (char *)out.data : "unknown reason");
			gnutls_free(out.data);
			return -1;
		}
		if (gnutls_error_is_fatal(r)) {
			return tls_fail(e, ERR_TLS, c->host, r);
		}
	}
	if (o->fingerprint != NULL) {
		char fp[96];
		if (peer_fingerprint(s, fp) == -1 ||
		    !fingerprint_equal(fp, o->fingerprint)) {
			return err_set(e, ERR_TLS,
				       "%s: certificate fingerprint %s does not "
				       "match --tls-fingerprint",
				       c->host, fp[0] ? fp : "(none)");
		}
	}
	c->ops = &tls_ops;
	c->rpos = c->rlen = 0;
	return 0;
}

void conn_tls_info(const struct conn *c, struct tls_info *info)
{
	gnutls_session_t s = c->tls;
	const gnutls_datum_t *certs;
	unsigned n = 0;
	gnutls_x509_crt_t crt;

	memset(info, 0, sizeof(*info));
	if (s == NULL) {
		return;
	}
	snprintf(info->version, sizeof(info->version), "%s",
		 gnutls_protocol_get_name(gnutls_protocol_get_version(s)));
	char *desc = gnutls_session_get_desc(s);
	snprintf(info->cipher, sizeof(info->cipher), "%s", desc ? desc : "");
	gnutls_free(desc);
	peer_fingerprint(s, info->fingerprint);
	certs = gnutls_certificate_get_peers(s, &n);
	if (certs != NULL && n > 0 && gnutls_x509_crt_init(&crt) == 0) {
		if (gnutls_x509_crt_import(crt, &certs[0],
					   GNUTLS_X509_FMT_DER) == 0) {
			size_t len = sizeof(info->subject);
			gnutls_x509_crt_get_dn(crt, info->subject, &len);
			len = sizeof(info->issuer);
			gnutls_x509_crt_get_issuer_dn(crt, info->issuer, &len);
			time_t t = gnutls_x509_crt_get_expiration_time(crt);
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(info->expires, sizeof(info->expires),
				 "%Y-%m-%d %H:%M:%S UTC", &tm);
		}
		gnutls_x509_crt_deinit(crt);
	}
}

int conn_read_line(struct conn *c, struct buf *line, size_t max, struct err *e)
{
	buf_reset(line);
	for (;;) {
		if (c->rpos == c->rlen) {
			ssize_t r =
				c->ops->read(c, c->rbuf, sizeof(c->rbuf), e);
			if (r < 0) {
				return -1;
			}
			if (r == 0) {
				/* A retry may well work: temporary. */
				return err_set(e, ERR_TEMP,
					       "%s: connection closed by the "
					       "server",
					       c->host);
			}
			c->rpos = 0;
			c->rlen = (size_t)r;
		}
		const char *p = c->rbuf + c->rpos;
		const char *nl = memchr(p, '\n', c->rlen - c->rpos);
		size_t take = nl != NULL ? (size_t)(nl - p) + 1
					 : c->rlen - c->rpos;
		if (line->len + take > max + 2) {
			return err_set(e, ERR_PROTOCOL,
				       "%s: reply line longer than %zu bytes",
				       c->host, max);
		}
		buf_append(line, p, take);
		c->rpos += take;
		if (nl != NULL) {
			line->len--;
			if (line->len > 0 &&
			    line->data[line->len - 1] == '\r') {
				line->len--;
			}
			line->data[line->len] = '\0';
			return 0;
		}
	}
}

int conn_write(struct conn *c, const void *p, size_t n, struct err *e)
{
	return c->ops->write(c, p, n, e);
}

void conn_close(struct conn *c)
{
	if (c->tls != NULL) {
		gnutls_deinit(c->tls);
		c->tls = NULL;
	}
	if (c->cred != NULL) {
		gnutls_certificate_free_credentials(c->cred);
		c->cred = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	free(c->host);
	c->host = NULL;
}
