/* Inputs read from files: configuration, ~/.netrc and a whole message
 * for -t, written to a temporary file the way posta reads them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "netrc.h"
#include "rawmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *ctx, const struct config_entry *ent)
{
	(*(size_t *)ctx)++;
	(void)ent;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/posta-fuzz-XXXXXX";
	int fd = mkstemp(path);
	struct err e;

	if (fd < 0) {
		return 0;
	}
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	struct config c;
	if (config_load(&c, path, &e) == 0) {
		const char *acct = NULL;
		size_t n = 0;
		if (config_choose(&c, NULL, "a@example.org", &acct, &e) == 0) {
			config_resolve(&c, acct, count, &n, &e);
		}
	}
	config_finish(&c);
	struct rawmsg m;
	rawmsg_read(&m, path, &e);
	rawmsg_finish(&m);
	unlink(path);
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	char *pw = netrc_find(text, "mail.example.org", "me");
	free(pw);
	free(text);
	return 0;
}
