#include "sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

static int
write_all(struct fd_sink *s, const char *p, size_t n, struct err *e)
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

static int
fd_flush(struct sink *sk, struct err *e)
{
	struct fd_sink *s = (struct fd_sink *)sk;
	size_t n = s->len;

	s->len = 0;
	return write_all(s, s->buf, n, e);
}

static int
fd_write(struct sink *sk, const void *p, size_t n, struct err *e)
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

void
fd_sink_init(struct fd_sink *s, int fd, const char *name)
{
	s->sink.ops = &fd_ops;
	s->fd = fd;
	s->name = name;
	s->len = 0;
	s->buf = xcalloc(SINK_BUF_SIZE, 1);
}

void
fd_sink_finish(struct fd_sink *s)
{
	free(s->buf);
	s->buf = NULL;
}

static int
buf_write(struct sink *sk, const void *p, size_t n, struct err *e)
{
	struct buf_sink *s = (struct buf_sink *)sk;

	if (buf_append(s->out, p, n) == -1) {
		return err_set(e, ERR_INTERNAL, "message larger than %zu bytes",
			       s->out->limit);
	}
	return 0;
}

static int
noop_flush(struct sink *sk, struct err *e)
{
	return 0;
}

static const struct sink_ops buf_ops = { buf_write, noop_flush };

void
buf_sink_init(struct buf_sink *s, struct buf *out)
{
	s->sink.ops = &buf_ops;
	s->out = out;
}

static int
count_write(struct sink *sk, const void *vp, size_t n, struct err *e)
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

void
count_sink_init(struct count_sink *s)
{
	s->sink.ops = &count_ops;
	s->bytes = 0;
	s->lines = 0;
}

int
sink_puts(struct sink *s, const char *str, struct err *e)
{
	return sink_write(s, str, strlen(str), e);
}

int
sink_flush(struct sink *s, struct err *e)
{
	return s->ops->flush(s, e);
}
