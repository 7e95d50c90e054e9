/* scripts/bench/sink.c: the SMTP server scripts/bench/send delivers to.
 * It keeps nothing: it counts bytes and round trips per connection and
 * appends one line per connection to the stats file.
 *
 *   sink --port-file F --stats F [--cert C --key K] [--delay-ms N] [--auth]
 *        [--no-size]
 *
 * It listens on 127.0.0.1 on a free port, written to the port file once
 * it listens; one thread per connection. EHLO offers PIPELINING,
 * 8BITMIME, SIZE, STARTTLS (with --cert and --key; GnuTLS) and AUTH PLAIN
 * (with --auth; after STARTTLS when there is a certificate), and it
 * accepts every sender, recipient and password.
 *
 * The socket is read with recv of 1 MiB, also under TLS (GnuTLS pulls
 * from that block). Replies are queued and written when the sink needs
 * more input (RFC 2920 3.1: a server flushes before it blocks), so
 * pipelined commands get their replies in one write. --delay-ms sleeps
 * before each such write: a batch of pipelined replies costs one delay,
 * as it would cost one network round trip.
 *
 * A round trip is counted each time the sink has replies to write and
 * nothing is waiting to be read (not in its buffers, not in the TLS
 * layer, not in the socket), judged after the delay, just before the
 * write: the client has sent all it could without our answer. A
 * STARTTLS handshake counts two (the ClientHello after our 220, the
 * client's Finished after our flight). Without a delay, a client's
 * pipelined QUIT that is a few microseconds behind its final dot can
 * make one more round trip: take the median of a few runs.
 *
 * The end of DATA is found by searching only the last SINK_TAIL bytes of
 * each block (and the 4 bytes before it): "\r\n.\r\n" can only be
 * followed by the few pipelined commands a client may send after it.
 *
 * Stats line: conn=N tls=0|1 auth=0|1 messages=M rcpts=R data_bytes=D
 * bytes_in=I bytes_out=O recvs=K round_trips=T secs=S [error=WORD]
 *
 * Built by scripts/bench/send: cc -O2 sink.c $(pkg-config --cflags --libs
 * gnutls) -pthread. It was first written in Python; that could not keep
 * up with clients that send one TLS record per line (msmtp, s-nail): 1.2 s
 * of the sink's CPU for 1.8 s of msmtp sending 16 MiB. */
#define _GNU_SOURCE /* memmem */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SINK_RECV (1024 * 1024)
#define SINK_TAIL (64 * 1024)
#define SINK_LINE_MAX (64 * 1024)
#define SINK_OUT_MAX (64 * 1024)
#define SINK_SIZE_MAX 2147483648ULL
#define SINK_END "\r\n.\r\n"

struct sink_opts {
	const char *port_file;
	const char *stats;
	const char *cert;
	const char *key;
	int delay_ms;
	bool auth;
	bool no_size; /* offer no SIZE (to see what it costs a client) */
};

struct sink_conn {
	const struct sink_opts *opts;
	gnutls_certificate_credentials_t cred; /* NULL: no STARTTLS */
	int fd;
	unsigned id;
	gnutls_session_t tls; /* NULL until STARTTLS */
	char *raw;            /* socket bytes for GnuTLS to pull */
	size_t rpos, rlen;
	char *in; /* plaintext input */
	size_t ipos, ilen;
	char out[SINK_OUT_MAX];
	size_t olen;
	char line[SINK_LINE_MAX];
	bool authed;
	uint64_t messages, rcpts, data_bytes, bytes_in, bytes_out, recvs;
	uint64_t round_trips;
	const char *error;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static ssize_t sock_recv(struct sink_conn *c, void *p, size_t n)
{
	ssize_t r;

	do {
		r = recv(c->fd, p, n, 0);
	} while (r == -1 && errno == EINTR);
	if (r > 0) {
		c->recvs++;
		c->bytes_in += (uint64_t)r;
	}
	return r;
}

static ssize_t tls_pull(gnutls_transport_ptr_t ptr, void *p, size_t n)
{
	struct sink_conn *c = ptr;

	if (c->rpos == c->rlen) {
		ssize_t r = sock_recv(c, c->raw, SINK_RECV);
		if (r <= 0) {
			return r;
		}
		c->rpos = 0;
		c->rlen = (size_t)r;
	}
	if (n > c->rlen - c->rpos) {
		n = c->rlen - c->rpos;
	}
	memcpy(p, c->raw + c->rpos, n);
	c->rpos += n;
	return (ssize_t)n;
}

static ssize_t tls_push(gnutls_transport_ptr_t ptr, const void *p, size_t n)
{
	struct sink_conn *c = ptr;

	return send(c->fd, p, n, MSG_NOSIGNAL);
}

/* ready: input the client sent without waiting for our replies. */
static bool ready(struct sink_conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	if (c->ipos < c->ilen || c->rpos < c->rlen) {
		return true;
	}
	if (c->tls != NULL && gnutls_record_check_pending(c->tls) > 0) {
		return true;
	}
	return poll(&pfd, 1, 0) > 0;
}

static int write_all(struct sink_conn *c, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w;
		if (c->tls != NULL) {
			w = gnutls_record_send(c->tls, p, n);
			if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED) {
				continue;
			}
		} else {
			w = send(c->fd, p, n, MSG_NOSIGNAL);
			if (w == -1 && errno == EINTR) {
				continue;
			}
		}
		if (w <= 0) {
			c->error = "write";
			return -1;
		}
		c->bytes_out += (uint64_t)w;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* flush: the queued replies, after the delay; counts the round trip. */
static int flush(struct sink_conn *c)
{
	if (c->olen == 0) {
		return 0;
	}
	if (c->opts->delay_ms > 0) {
		struct timespec ts = { c->opts->delay_ms / 1000,
				       (c->opts->delay_ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
		}
	}
	if (!ready(c)) {
		c->round_trips++;
	}
	size_t n = c->olen;
	c->olen = 0;
	return write_all(c, c->out, n);
}

static int reply(struct sink_conn *c, const char *text)
{
	size_t n = strlen(text);

	if (c->olen + n + 2 > SINK_OUT_MAX) {
		/* Not a round trip: more replies follow at once. */
		size_t k = c->olen;
		c->olen = 0;
		if (write_all(c, c->out, k) == -1) {
			return -1;
		}
	}
	memcpy(c->out + c->olen, text, n);
	memcpy(c->out + c->olen + n, "\r\n", 2);
	c->olen += n + 2;
	return 0;
}

/* fill: flushes the replies, then reads more input after in[ilen]
 * (at most n bytes). 0 at the end of input, -1 on error. */
static ssize_t fill(struct sink_conn *c, size_t n)
{
	ssize_t r;

	if (flush(c) == -1) {
		return -1;
	}
	if (c->tls != NULL) {
		do {
			r = gnutls_record_recv(c->tls, c->in + c->ilen, n);
		} while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
		if (r < 0) {
			c->error = "tls";
			return -1;
		}
	} else {
		r = sock_recv(c, c->in + c->ilen, n);
		if (r < 0) {
			c->error = "recv";
			return -1;
		}
	}
	c->ilen += (size_t)r;
	return r;
}

/* readline: one line without its CRLF into line (NUL-terminated). */
static int readline(struct sink_conn *c, char *line)
{
	size_t from = c->ipos;

	for (;;) {
		char *lf = memchr(c->in + from, '\n', c->ilen - from);
		if (lf != NULL) {
			size_t n = (size_t)(lf - (c->in + c->ipos));
			if (n >= SINK_LINE_MAX) {
				c->error = "line-too-long";
				return -1;
			}
			memcpy(line, c->in + c->ipos, n);
			if (n > 0 && line[n - 1] == '\r') {
				n--;
			}
			line[n] = '\0';
			c->ipos += (size_t)(lf - (c->in + c->ipos)) + 1;
			return 0;
		}
		if (c->ilen - c->ipos >= SINK_LINE_MAX - 1) {
			c->error = "line-too-long";
			return -1;
		}
		memmove(c->in, c->in + c->ipos, c->ilen - c->ipos);
		c->ilen -= c->ipos;
		c->ipos = 0;
		from = c->ilen;
		if (fill(c, SINK_RECV - c->ilen) <= 0) {
			return -1;
		}
	}
}

/* data: counts the message up to CRLF.CRLF into *bytes (the final CRLF
 * belongs to the message, the dot does not); what follows the dot (a
 * pipelined QUIT) stays in the input. */
static int data(struct sink_conn *c, uint64_t *bytes)
{
	/* The message starts after DATA's CRLF: an empty one is ".\r\n". */
	char carry[4] = { 0, 0, '\r', '\n' };
	uint64_t total = 0;

	for (;;) {
		size_t n = c->ilen - c->ipos;
		const char *p = c->in + c->ipos;
		char joint[8];
		size_t k = n < 4 ? n : 4;
		const char *hit;
		size_t end = 0;

		memcpy(joint, carry, 4);
		memcpy(joint + 4, p, k);
		hit = memmem(joint, 4 + k, SINK_END, 5);
		if (hit != NULL) {
			end = (size_t)(hit - joint) + 5 - 4;
		} else {
			size_t from = n > SINK_TAIL ? n - SINK_TAIL : 0;
			hit = memmem(p + from, n - from, SINK_END, 5);
			if (hit != NULL) {
				end = (size_t)(hit - p) + 5;
			}
		}
		if (hit != NULL) {
			c->ipos += end;
			*bytes = total + end - 3;
			return 0;
		}
		total += n;
		if (n >= 4) {
			memcpy(carry, p + n - 4, 4);
		} else {
			memmove(carry, carry + n, 4 - n);
			memcpy(carry + 4 - n, p, n);
		}
		c->ipos = c->ilen = 0;
		ssize_t r = fill(c, SINK_RECV);
		if (r <= 0) {
			if (r == 0) {
				c->error = "eof-in-data";
			}
			return -1;
		}
	}
}

static int ehlo(struct sink_conn *c)
{
	char size[64];
	const char *lines[8];
	size_t n = 0;

	snprintf(size, sizeof(size), "SIZE %llu", SINK_SIZE_MAX);
	lines[n++] = "sink";
	lines[n++] = "PIPELINING";
	lines[n++] = "8BITMIME";
	if (!c->opts->no_size) {
		lines[n++] = size;
	}
	if (c->cred != NULL && c->tls == NULL) {
		lines[n++] = "STARTTLS";
	}
	if (c->opts->auth && (c->tls != NULL || c->cred == NULL)) {
		lines[n++] = "AUTH PLAIN";
	}
	lines[n++] = "ENHANCEDSTATUSCODES";
	for (size_t i = 0; i < n; i++) {
		char line[128];
		snprintf(line, sizeof(line), "250%c%s", i + 1 == n ? ' ' : '-',
			 lines[i]);
		if (reply(c, line) == -1) {
			return -1;
		}
	}
	return 0;
}

static int starttls(struct sink_conn *c)
{
	int r;

	if (reply(c, "220 2.0.0 go ahead") == -1) {
		return -1;
	}
	size_t n = c->olen;
	c->olen = 0;
	if (write_all(c, c->out, n) == -1) {
		return -1;
	}
	if (c->ipos < c->ilen) {
		/* RFC 3207 4.2: nothing may be pipelined after STARTTLS. */
		c->error = "pipelined-after-starttls";
		return -1;
	}
	c->ipos = c->ilen = 0;
	if (gnutls_init(&c->tls, GNUTLS_SERVER) < 0 ||
	    gnutls_set_default_priority(c->tls) < 0 ||
	    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->cred) <
		    0) {
		c->error = "tls-init";
		return -1;
	}
	gnutls_transport_set_ptr(c->tls, c);
	gnutls_transport_set_pull_function(c->tls, tls_pull);
	gnutls_transport_set_push_function(c->tls, tls_push);
	do {
		r = gnutls_handshake(c->tls);
	} while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0) {
		c->error = "handshake";
		return -1;
	}
	c->round_trips += 2;
	return 0;
}

static void serve(struct sink_conn *c)
{
	char *line = c->line;
	bool mail = false;
	uint64_t rcpts = 0;

	if (reply(c, "220 sink ESMTP") == -1) {
		return;
	}
	for (;;) {
		char verb[16] = "";
		int r = 0;

		if (readline(c, line) == -1) {
			return;
		}
		sscanf(line, "%15s", verb);
		for (char *v = verb; *v != '\0'; v++) {
			if (*v >= 'a' && *v <= 'z') {
				*v = (char)(*v - 'a' + 'A');
			}
		}
		if (strcmp(verb, "EHLO") == 0) {
			mail = false;
			r = ehlo(c);
		} else if (strcmp(verb, "HELO") == 0) {
			mail = false;
			r = reply(c, "250 sink");
		} else if (strcmp(verb, "STARTTLS") == 0 && c->cred != NULL &&
			   c->tls == NULL) {
			mail = false;
			r = starttls(c);
		} else if (strcmp(verb, "AUTH") == 0 && c->opts->auth) {
			if (strchr(line + 5, ' ') == NULL) {
				/* No initial response: ask for it. */
				if (reply(c, "334 ") == -1 ||
				    readline(c, line) == -1) {
					return;
				}
			}
			c->authed = true;
			r = reply(c, "235 2.7.0 ok");
		} else if (strcmp(verb, "MAIL") == 0) {
			mail = true;
			rcpts = 0;
			r = reply(c, "250 2.1.0 ok");
		} else if (strcmp(verb, "RCPT") == 0) {
			if (!mail) {
				r = reply(c, "503 5.5.1 MAIL first");
			} else {
				rcpts++;
				r = reply(c, "250 2.1.5 ok");
			}
		} else if (strcmp(verb, "DATA") == 0) {
			uint64_t n;
			char text[64];
			if (!mail || rcpts == 0) {
				r = reply(c, "554 5.5.1 no valid recipients");
			} else if (reply(c, "354 end with <CRLF>.<CRLF>") ==
					   -1 ||
				   data(c, &n) == -1) {
				return;
			} else {
				c->messages++;
				c->rcpts += rcpts;
				c->data_bytes += n;
				snprintf(text, sizeof(text),
					 "250 2.0.0 ok: %llu bytes",
					 (unsigned long long)n);
				r = reply(c, text);
				mail = false;
			}
		} else if (strcmp(verb, "RSET") == 0) {
			mail = false;
			r = reply(c, "250 2.0.0 ok");
		} else if (strcmp(verb, "NOOP") == 0) {
			r = reply(c, "250 2.0.0 ok");
		} else if (strcmp(verb, "QUIT") == 0) {
			if (reply(c, "221 2.0.0 bye") == -1) {
				return;
			}
			size_t n = c->olen;
			c->olen = 0;
			write_all(c, c->out, n);
			return;
		} else {
			r = reply(c, "502 5.5.2 not implemented");
		}
		if (r == -1) {
			return;
		}
	}
}

struct sink_job {
	const struct sink_opts *opts;
	gnutls_certificate_credentials_t cred;
	int fd;
	unsigned id;
};

static void *conn_main(void *arg)
{
	struct sink_job *job = arg;
	struct sink_conn *c = calloc(1, sizeof(*c));
	double t0 = now();
	char stats[512];
	int n;

	if (c == NULL || (c->raw = malloc(SINK_RECV)) == NULL ||
	    (c->in = malloc(SINK_RECV)) == NULL) {
		fprintf(stderr, "sink: out of memory\n");
		exit(1);
	}
	c->opts = job->opts;
	c->cred = job->cred;
	c->fd = job->fd;
	c->id = job->id;
	free(job);
	serve(c);
	if (c->tls != NULL) {
		gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
	}
	close(c->fd);
	n = snprintf(stats, sizeof(stats),
		     "conn=%u tls=%d auth=%d messages=%llu rcpts=%llu "
		     "data_bytes=%llu bytes_in=%llu bytes_out=%llu recvs=%llu "
		     "round_trips=%llu secs=%.3f%s%s\n",
		     c->id, c->tls != NULL, c->authed,
		     (unsigned long long)c->messages,
		     (unsigned long long)c->rcpts,
		     (unsigned long long)c->data_bytes,
		     (unsigned long long)c->bytes_in,
		     (unsigned long long)c->bytes_out,
		     (unsigned long long)c->recvs,
		     (unsigned long long)c->round_trips, now() - t0,
		     c->error != NULL ? " error=" : "",
		     c->error != NULL ? c->error : "");
	/* One write with O_APPEND: lines of parallel connections do not
	 * mix. */
	int fd = open(c->opts->stats, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd == -1 || write(fd, stats, (size_t)n) != n) {
		fprintf(stderr, "sink: %s: cannot write stats\n",
			c->opts->stats);
	}
	if (fd != -1) {
		close(fd);
	}
	free(c->raw);
	free(c->in);
	free(c);
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: sink --port-file F --stats F [--cert C --key "
			"K] [--delay-ms N] [--auth] [--no-size]\n");
	exit(64);
}

int main(int argc, char **argv)
{
	struct sink_opts o = { 0 };
	gnutls_certificate_credentials_t cred = NULL;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	int lfd, one = 1;
	unsigned id = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--auth") == 0) {
			o.auth = true;
			continue;
		}
		if (strcmp(a, "--no-size") == 0) {
			o.no_size = true;
			continue;
		}
		if (v == NULL) {
			usage();
		}
		i++;
		if (strcmp(a, "--port-file") == 0) {
			o.port_file = v;
		} else if (strcmp(a, "--stats") == 0) {
			o.stats = v;
		} else if (strcmp(a, "--cert") == 0) {
			o.cert = v;
		} else if (strcmp(a, "--key") == 0) {
			o.key = v;
		} else if (strcmp(a, "--delay-ms") == 0) {
			o.delay_ms = atoi(v);
		} else {
			usage();
		}
	}
	if (o.port_file == NULL || o.stats == NULL ||
	    (o.cert == NULL) != (o.key == NULL) || o.delay_ms < 0 ||
	    o.delay_ms > 10000) {
		usage();
	}
	signal(SIGPIPE, SIG_IGN);
	if (o.cert != NULL) {
		if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
		    gnutls_certificate_set_x509_key_file(cred, o.cert, o.key,
							 GNUTLS_X509_FMT_PEM) <
			    0) {
			fprintf(stderr, "sink: cannot load %s and %s\n", o.cert,
				o.key);
			return 1;
		}
	}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
		    -1 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(lfd, 64) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) == -1) {
		perror("sink: listen");
		return 1;
	}
	/* Written whole, then renamed: a reader never sees half a port. */
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", o.port_file);
	FILE *f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%u\n", ntohs(sa.sin_port)) < 0 ||
	    fclose(f) != 0 || rename(tmp, o.port_file) == -1) {
		perror("sink: port file");
		return 1;
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		pthread_t t;
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED) {
				continue;
			}
			perror("sink: accept");
			return 1;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct sink_job *job = malloc(sizeof(*job));
		if (job == NULL) {
			fprintf(stderr, "sink: out of memory\n");
			return 1;
		}
		job->opts = &o;
		job->cred = cred;
		job->fd = fd;
		job->id = ++id;
		if (pthread_create(&t, NULL, conn_main, job) != 0) {
			fprintf(stderr, "sink: cannot start a thread\n");
			return 1;
		}
		pthread_detach(t);
	}
}
