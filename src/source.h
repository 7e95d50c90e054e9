/* Part contents that compose can read more than once: a first pass
 * types and scans them, a second encodes them. Regular files are read
 * twice from disk; standard input and pipes are spooled (to memory up to
 * SOURCE_MEM_MAX, to an unlinked temporary file beyond). */
#ifndef POSTA_SOURCE_H
#define POSTA_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "error.h"

#define SOURCE_MEM_MAX (1024 * 1024)
/* Reads are made in blocks of this size (a multiple of 57 and 3, so
 * base64 lines come out whole from each block). */
#define SOURCE_BLOCK (57 * 4096)

struct source {
	char *name; /* for messages: the path, or "standard input" */
	int fd;     /* the file, the spool file, or -1 for memory */
	bool own_fd;
	struct buf mem; /* spooled bytes when fd == -1 */
	size_t mem_pos;
	uint64_t size;  /* bytes, known after opening */
	uint64_t start; /* where rewinding goes back to */
};

/* Opens path ("-" is standard input) for reading; a directory, a
 * missing or unreadable file is ERR_NOINPUT naming it. */
int source_open(struct source *src, const char *path, struct err *e);
/* A source over n bytes copied from p (tests, generated parts). */
void source_open_mem(struct source *src, const char *name, const void *p,
		     size_t n);
/* Reads up to n bytes; 0 at the end, -1 on error. */
ssize_t source_read(struct source *src, void *p, size_t n, struct err *e);
/* Back to the first byte (or to where source_seek last put start). */
int source_rewind(struct source *src, struct err *e);
/* Makes off the first byte from now on, and goes there. */
int source_seek(struct source *src, uint64_t off, struct err *e);
/* Takes the size of an open file anew (it may have changed). */
int source_restat(struct source *src, struct err *e);
void source_close(struct source *src);

#endif
