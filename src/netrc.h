/* ~/.netrc (the ftp(1) format curl and msmtp read): "machine HOST login
 * USER password PW" entries, and a "default" entry. */
#ifndef POSTA_NETRC_H
#define POSTA_NETRC_H

#include "error.h"

#define NETRC_MAX (256 * 1024)

/* The password of the first entry for host (and user, when the entry
 * names a login), or of "default". NULL when none matches or the file
 * is missing (not an error); -1 via e only for a file that cannot be
 * read or is readable by others. Caller frees with secret_free. */
char *netrc_password(const char *path, const char *host, const char *user,
		     struct err *e);
/* The same over text already in memory (for tests and fuzzing). */
char *netrc_find(const char *text, const char *host, const char *user);

#endif
