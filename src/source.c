#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

static ssize_t read_some(int fd, void *p, size_t n)
{
	ssize_t r;

	do {
		r = read(fd, p, n);
	} while (r < 0 && errno == EINTR);
	return r;
}

static int spool_fd(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/posta.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd >= 0) {
		unlink(path);
	}
	return fd;
}

/* Copies a stream that cannot be re-read into memory, or into an
 * unlinked temporary file once it outgrows SOURCE_MEM_MAX. */
static int spool(struct source *src, int in, struct err *e)
{
	char *block = xcalloc(SOURCE_BLOCK, 1);
	int ret = -1;

	for (;;) {
		ssize_t r = read_some(in, block, SOURCE_BLOCK);

		if (r < 0) {
			err_sys(e, ERR_IO, errno, "%s", src->name);
			goto out;
		}
		if (r == 0) {
			break;
		}
		src->size += (uint64_t)r;
		if (src->fd < 0 && src->mem.len + (size_t)r > SOURCE_MEM_MAX) {
			const char *dir = getenv("TMPDIR");

			src->fd = spool_fd(dir != NULL && *dir ? dir : "/tmp");
			if (src->fd < 0) {
				err_sys(e, ERR_IO, errno, "%s: temporary file",
					src->name);
				goto out;
			}
			src->own_fd = true;
			if (write(src->fd, src->mem.data, src->mem.len) !=
			    (ssize_t)src->mem.len) {
				err_sys(e, ERR_IO, errno, "%s: temporary file",
					src->name);
				goto out;
			}
			buf_finish(&src->mem);
		}
		if (src->fd >= 0) {
			if (write(src->fd, block, (size_t)r) != r) {
				err_sys(e, ERR_IO, errno, "%s: temporary file",
					src->name);
				goto out;
			}
		} else {
			buf_append(&src->mem, block, (size_t)r);
		}
	}
	ret = source_rewind(src, e);
out:
	free(block);
	return ret;
}

int source_open(struct source *src, const char *path, struct err *e)
{
	struct stat st;
	int fd;
	bool is_stdin = strcmp(path, "-") == 0;

	memset(src, 0, sizeof(*src));
	src->fd = -1;
	buf_init(&src->mem, SOURCE_MEM_MAX + SOURCE_BLOCK);
	src->name = xstrdup(is_stdin ? "standard input" : path);
	if (is_stdin) {
		fd = STDIN_FILENO;
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return err_sys(e, ERR_NOINPUT, errno, "%s", path);
	}
	if (fstat(fd, &st) == -1) {
		err_sys(e, ERR_NOINPUT, errno, "%s", src->name);
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		err_sys(e, ERR_NOINPUT, EISDIR, "%s", src->name);
		goto fail;
	}
	if (S_ISREG(st.st_mode) && lseek(fd, 0, SEEK_CUR) == 0) {
		src->fd = fd;
		src->own_fd = !is_stdin;
		src->size = (uint64_t)st.st_size;
		return 0;
	}
	if (spool(src, fd, e) == -1) {
		goto fail;
	}
	if (!is_stdin) {
		close(fd);
	}
	return 0;
fail:
	if (!is_stdin) {
		close(fd);
	}
	return -1;
}

void source_open_mem(struct source *src, const char *name, const void *p,
		     size_t n)
{
	memset(src, 0, sizeof(*src));
	src->fd = -1;
	buf_init(&src->mem, 0);
	buf_append(&src->mem, p, n);
	src->name = xstrdup(name);
	src->size = n;
}

ssize_t source_read(struct source *src, void *p, size_t n, struct err *e)
{
	if (src->fd >= 0) {
		ssize_t r = read_some(src->fd, p, n);

		if (r < 0) {
			return err_sys(e, ERR_IO, errno, "%s", src->name);
		}
		return r;
	}
	size_t left = src->mem.len - src->mem_pos;
	if (n > left) {
		n = left;
	}
	if (n > 0) {
		memcpy(p, src->mem.data + src->mem_pos, n);
	}
	src->mem_pos += n;
	return (ssize_t)n;
}

int source_rewind(struct source *src, struct err *e)
{
	if (src->fd >= 0 && lseek(src->fd, (off_t)src->start, SEEK_SET) == -1) {
		return err_sys(e, ERR_IO, errno, "%s", src->name);
	}
	src->mem_pos = src->start < src->mem.len ? (size_t)src->start
						 : src->mem.len;
	return 0;
}

int source_seek(struct source *src, uint64_t off, struct err *e)
{
	src->start = off;
	return source_rewind(src, e);
}

int source_restat(struct source *src, struct err *e)
{
	struct stat st;

	if (src->fd < 0) {
		return 0; /* bytes in memory do not change */
	}
	if (fstat(src->fd, &st) == -1) {
		return err_sys(e, ERR_IO, errno, "%s", src->name);
	}
	src->size = (uint64_t)st.st_size > src->start
			    ? (uint64_t)st.st_size - src->start
			    : 0;
	return 0;
}

void source_close(struct source *src)
{
	if (src->own_fd && src->fd >= 0) {
		close(src->fd);
	}
	src->fd = -1;
	buf_finish(&src->mem);
	free(src->name);
	src->name = NULL;
}
