#include "sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

static int write_all(struct fd_sink *s, const char *p, size_t n, struct err *e)
{
	while (n > 0) {
		ssize_t w = write(s->fd, p, n);

		if (w < 0) {
			if (errno == EINTR) {
				continue;
			}
			return err_sys(e, ERR_IO, errno, "%s", s->name);
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fd_flush(struct sink *sk, struct err *e)
{
	struct fd_sink *s = (struct fd_sink *)sk;
	size_t n = s->len;

	s->len = 0;
	return write_all(s, s->buf, n, e);
}

static int fd_write(struct sink *sk, const void *p, size_t n, struct err *e)
{
	struct fd_sink *s = (struct fd_sink *)sk;

	if (s->len + n <= SINK_BUF_SIZE) {
		memcpy(s->buf + s->len, p, n);
		s->len += n;
		return 0;
	}
	if (fd_flush(sk, e) == -1) {
		return -1;
	}
	if (n >= SINK_BUF_SIZE / 2) {
		return write_all(s, p, n, e);
	}
	memcpy(s->buf, p, n);
	s->len = n;
	return 0;
}

static const struct sink_ops fd_ops = { fd_write, fd_flush };

void fd_sink_init(struct fd_sink *s, int fd, const char *name)
{
	s->sink.ops = &fd_ops;
	s->fd = fd;
	s->name = name;
	s->len = 0;
	s->buf = xcalloc(SINK_BUF_SIZE, 1);
}

void fd_sink_finish(struct fd_sink *s)
{
	free(s->buf);
	s->buf = NULL;
}

static int buf_write(struct sink *sk, const void *p, size_t n, struct err *e)
{
	struct buf_sink *s = (struct buf_sink *)sk;

	if (buf_append(s->out, p, n) == -1) {
		return err_set(e, ERR_INTERNAL, "message larger than %zu bytes",
			       s->out->limit);
	}
	return 0;
}

static int noop_flush(struct sink *sk, struct err *e)
{
	return 0;
}

static const struct sink_ops buf_ops = { buf_write, noop_flush };

void buf_sink_init(struct buf_sink *s, struct buf *out)
{
	s->sink.ops = &buf_ops;
	s->out = out;
}

static int count_write(struct sink *sk, const void *vp, size_t n, struct err *e)
{
	struct count_sink *s = (struct count_sink *)sk;
	const char *p = vp, *end = p + n;

	s->bytes += n;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		s->lines++;
		p++;
	}
	return 0;
}

static const struct sink_ops count_ops = { count_write, noop_flush };

void count_sink_init(struct count_sink *s)
{
	s->sink.ops = &count_ops;
	s->bytes = 0;
	s->lines = 0;
}

int sink_puts(struct sink *s, const char *str, struct err *e)
{
	return sink_write(s, str, strlen(str), e);
}

int sink_flush(struct sink *s, struct err *e)
{
	return s->ops->flush(s, e);
}

#define DATA_LINE_MAX 998

static int data_put(struct data_sink *s, const char *p, size_t n, struct err *e)
{
	if (s->len + n > SINK_BUF_SIZE) {
		if (sink_write(s->next, s->buf, s->len, e) == -1) {
			return -1;
		}
		s->len = 0;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return 0;
}

static int data_write(struct sink *sk, const void *vp, size_t n, struct err *e)
{
	struct data_sink *s = (struct data_sink *)sk;
	const char *p = vp, *end = p + n;

	while (p < end) {
		if (s->prev_cr && *p == '\n') {
			s->prev_cr = false;
			p++;
			continue;
		}
		s->prev_cr = false;
		if (*p == '\r' || *p == '\n') {
			s->prev_cr = *p == '\r';
			if (data_put(s, "\r\n", 2, e) == -1) {
				return -1;
			}
			s->bytes += 2;
			s->at_line_start = true;
			s->line_len = 0;
			p++;
			continue;
		}
		/* A run of ordinary bytes up to the next line break. */
		const char *q = p;
		while (q < end && *q != '\r' && *q != '\n') {
			q++;
		}
		size_t run = (size_t)(q - p);
		if (s->line_len + run > DATA_LINE_MAX) {
			return err_set(e, ERR_DATA,
				       "message line longer than %d octets",
				       DATA_LINE_MAX);
		}
		if (s->at_line_start && *p == '.' &&
		    data_put(s, ".", 1, e) == -1) {
			return -1;
		}
		while (run > 0) {
			size_t room = SINK_BUF_SIZE - s->len;
			size_t k = run < room ? run : room;
			if (k == 0) {
				if (sink_write(s->next, s->buf, s->len, e) ==
				    -1) {
					return -1;
				}
				s->len = 0;
				continue;
			}
			memcpy(s->buf + s->len, p, k);
			s->len += k;
			p += k;
			run -= k;
			s->bytes += k;
			s->line_len += k;
		}
		s->at_line_start = false;
	}
	return 0;
}

static int data_flush(struct sink *sk, struct err *e)
{
	struct data_sink *s = (struct data_sink *)sk;

	if (s->len > 0 && sink_write(s->next, s->buf, s->len, e) == -1) {
		return -1;
	}
	s->len = 0;
	return sink_flush(s->next, e);
}

static const struct sink_ops data_ops = { data_write, data_flush };

void data_sink_init(struct data_sink *s, struct sink *next)
{
	memset(s, 0, sizeof(*s));
	s->sink.ops = &data_ops;
	s->next = next;
	s->buf = xcalloc(SINK_BUF_SIZE, 1);
	s->at_line_start = true;
}

int data_sink_end_with(struct data_sink *s, const char *trailer, size_t n,
		       struct err *e)
{
	if (!s->at_line_start && data_put(s, "\r\n", 2, e) == -1) {
		return -1;
	}
	if (data_put(s, ".\r\n", 3, e) == -1) {
		return -1;
	}
	if (n > 0 && data_put(s, trailer, n, e) == -1) {
		return -1;
	}
	return data_flush(&s->sink, e);
}

int data_sink_end(struct data_sink *s, struct err *e)
{
	return data_sink_end_with(s, NULL, 0, e);
}

void data_sink_finish(struct data_sink *s)
{
	free(s->buf);
	s->buf = NULL;
}

/* mboxrd: a '>' may go anywhere in the leading run of '>', so the run
 * passes straight through and only a partial "From " is held back. */
static int mbox_write(struct sink *sk, const void *vp, size_t n, struct err *e)
{
	static const char from[] = "From ";
	struct mbox_sink *s = (struct mbox_sink *)sk;
	const char *p = vp;
	char out[8192];
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = p[i];

		if (o + 8 > sizeof(out)) {
			if (sink_write(s->next, out, o, e) == -1) {
				return -1;
			}
			o = 0;
		}
		if (s->at_line_start) {
			if (ch == '>' && s->pos == 0) {
				out[o++] = ch;
				continue;
			}
			if (ch == from[s->pos]) {
				if (++s->pos == sizeof(from) - 1) {
					out[o++] = '>';
					memcpy(out + o, from, s->pos);
					o += s->pos;
					s->pos = 0;
					s->at_line_start = false;
				}
				continue;
			}
			memcpy(out + o, from, s->pos);
			o += s->pos;
			s->pos = 0;
			s->at_line_start = false;
		}
		out[o++] = ch;
		if (ch == '\n') {
			s->at_line_start = true;
		}
	}
	return sink_write(s->next, out, o, e);
}

static int mbox_flush(struct sink *sk, struct err *e)
{
	struct mbox_sink *s = (struct mbox_sink *)sk;

	if (s->pos > 0 && sink_write(s->next, "From ", s->pos, e) == -1) {
		return -1;
	}
	s->pos = 0;
	return sink_flush(s->next, e);
}

static const struct sink_ops mbox_ops = { mbox_write, mbox_flush };

void mbox_sink_init(struct mbox_sink *s, struct sink *next)
{
	memset(s, 0, sizeof(*s));
	s->sink.ops = &mbox_ops;
	s->next = next;
	s->at_line_start = true;
}
