/* Configuration files in the line format msmtp users know: '#'
 * comments, "defaults" and "account NAME [: PARENT...]" sections, and
 * "key value" lines whose keys are posta's long delivery options without
 * the dashes. The parser knows the keys; what a value means is checked
 * by the caller, which gets each value's file and line for messages. */
#ifndef POSTA_CONFIG_H
#define POSTA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define CONFIG_LINE_MAX 4096
#define CONFIG_LINES_MAX 100000
#define CONFIG_DEPTH_MAX 16

struct config_entry {
	char *key;
	char *value;
	int line;
};

struct config_section {
	char *name; /* NULL for defaults */
	char **parents;
	size_t nparents;
	int line;
	struct config_entry *v;
	size_t n;
};

struct config {
	char *path;
	struct config_section *sec;
	size_t nsec;
	char *default_account; /* from "account default : NAME" */
	bool has_password;
};

/* Reads path into c (zeroed first). ERR_CONFIG naming file and line for
 * syntax errors and unknown keys, and for a file that holds a password
 * but can be read by group or others. ERR_NOINPUT when it is missing. */
int config_load(struct config *c, const char *path, struct err *e);
void config_finish(struct config *c);
/* True when key is one the file may set. */
bool config_key_known(const char *key);
/* Chooses the account: name when given (ERR_CONFIG if absent), else the
 * one whose "from" has the address from_addr, else the default
 * account, else none (defaults only). *chosen is the account's name or
 * NULL. */
int config_choose(const struct config *c, const char *name,
		  const char *from_addr, const char **chosen, struct err *e);
/* The effective entries for account (NULL: defaults only): defaults,
 * then ancestors, then the account, later ones winning. Calls fn once
 * per key with its winning entry. ERR_CONFIG on an unknown parent or an
 * inheritance loop. */
int config_resolve(const struct config *c, const char *account,
		   void (*fn)(void *ctx, const struct config_entry *ent),
		   void *ctx, struct err *e);

#endif
