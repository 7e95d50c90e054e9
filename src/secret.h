/* Where a password comes from: a command's output, a file, or a
 * no-echo prompt on the terminal. Every result is wiped when freed. */
#ifndef POSTA_SECRET_H
#define POSTA_SECRET_H

#include <stddef.h>

#include "error.h"

#define SECRET_MAX 4096

/* The first line /bin/sh -c cmd prints; ERR_CONFIG when it fails or
 * prints nothing. Caller frees with secret_free. */
char *secret_command(const char *cmd, struct err *e);
/* The first line of path. */
char *secret_file(const char *path, struct err *e);
/* Asks on the controlling terminal without echo (readpassphrase(3));
 * ERR_CONFIG when there is no terminal. */
char *secret_prompt(const char *prompt, struct err *e);
/* Up to max bytes of fd, NUL-terminated, their count in *len; a read
 * error is ERR_CONFIG naming what. Wipe (len bytes) and free the result
 * like a password: it may hold some. */
char *secret_read(int fd, size_t max, size_t *len, const char *what,
		  struct err *e);
/* Wipes and frees s (NULL is fine). */
void secret_free(char *s);

#endif
