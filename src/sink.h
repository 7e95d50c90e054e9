/* The writer interface compose writes into, so that a dry run and a
 * real send run the same code: a sink takes bytes (the message with LF
 * line ends) and passes them on, transformed or counted. */
#ifndef POSTA_SINK_H
#define POSTA_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

struct sink;

struct sink_ops {
	/* Takes all n bytes or fails (-1, e filled). */
	int (*write)(struct sink *s, const void *p, size_t n, struct err *e);
	/* Pushes buffered bytes on; -1 on failure. */
	int (*flush)(struct sink *s, struct err *e);
};

struct sink {
	const struct sink_ops *ops;
};

/* Large writes bypass the buffer; small ones are gathered to this. */
#define SINK_BUF_SIZE (256 * 1024)

/* A sink that writes to a file descriptor it does not own. */
struct fd_sink {
	struct sink sink;
	int fd;
	const char *name; /* for messages, e.g. "standard output" */
	size_t len;
	char *buf; /* SINK_BUF_SIZE bytes */
};

/* A sink that appends to a caller-owned buffer (tests, headers). */
struct buf_sink {
	struct sink sink;
	struct buf *out;
};

/* A sink that only counts bytes and lines (e.g. for SIZE: the wire
 * size is bytes + lines, each LF becoming CRLF). */
struct count_sink {
	struct sink sink;
	uint64_t bytes;
	uint64_t lines;
};

/* The DATA filter (RFC 5321 4.5.2, 2.3.8): every CR, LF or CRLF becomes
 * CRLF, a line that starts with '.' gets another, and no line may pass
 * 998 octets. Its output goes on to next in blocks; data_sink_end
 * writes the final CRLF "." CRLF (adding a line break first when the
 * message did not end with one). */
struct data_sink {
	struct sink sink;
	struct sink *next;
	char *buf; /* SINK_BUF_SIZE bytes */
	size_t len;
	bool at_line_start;
	bool prev_cr;
	size_t line_len;
	uint64_t bytes; /* octets after conversion, dot-stuffing excluded */
};

/* The mbox filter for dead.letter (mboxrd): lines matching ^>*From 
 * get one more '>'. */
struct mbox_sink {
	struct sink sink;
	struct sink *next;
	size_t pos; /* bytes of "From " held back */
	bool at_line_start;
};

void fd_sink_init(struct fd_sink *s, int fd, const char *name);
void fd_sink_finish(struct fd_sink *s);
void buf_sink_init(struct buf_sink *s, struct buf *out);
void count_sink_init(struct count_sink *s);
void data_sink_init(struct data_sink *s, struct sink *next);
int data_sink_end(struct data_sink *s, struct err *e);
/* The same, with n bytes of trailer (e.g. a pipelined QUIT, RFC 2920
 * 3.1) in the same write as the end of the message. */
int data_sink_end_with(struct data_sink *s, const char *trailer, size_t n,
		       struct err *e);
void data_sink_finish(struct data_sink *s);
void mbox_sink_init(struct mbox_sink *s, struct sink *next);

static inline int sink_write(struct sink *s, const void *p, size_t n,
			     struct err *e)
{
	return s->ops->write(s, p, n, e);
}

int sink_puts(struct sink *s, const char *str, struct err *e);
int sink_flush(struct sink *s, struct err *e);

#endif
