/* RFC 5322 section 3.4 mailboxes and address lists: the one parser used
 * for flags, configuration and message headers. Display names may carry
 * raw UTF-8 (what users type); addresses may too (RFC 6532). */
#ifndef POSTA_ADDR_H
#define POSTA_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* RFC 5321 4.5.3.1: limits on the parts of a path. */
#define ADDR_LOCAL_MAX 64
#define ADDR_DOMAIN_MAX 255
#define ADDR_SPEC_MAX 254
/* Longest input string we parse, and most mailboxes in one list. */
#define ADDR_INPUT_MAX 65536
#define ADDR_LIST_MAX 10000

struct mailbox {
	char *name; /* display name, unquoted UTF-8, or NULL */
	char *addr; /* addr-spec as it goes on the wire: local@domain */
};

struct addrlist {
	struct mailbox *v;
	size_t n;
	size_t cap;
};

/* Appends every mailbox of the RFC 5322 address-list s (groups are
 * flattened) to list. On error nothing is appended, e names the input
 * and the problem, and -1 is returned. */
int addr_parse_list(const char *s, struct addrlist *list, struct err *e);
/* Parses s as exactly one mailbox into *mb (caller frees with
 * mailbox_finish). */
int addr_parse_mailbox(const char *s, struct mailbox *mb, struct err *e);
/* Checks an addr-spec alone (no display name, no brackets). */
bool addr_spec_valid(const char *spec);
/* True when the addr-spec has a byte over 0x7f (needs SMTPUTF8). */
bool addr_is_utf8(const char *spec);
/* The domain part of an addr-spec (a pointer into spec). */
const char *addr_domain(const char *spec);
/* True when both mailboxes name the same address (the local part
 * compared exactly, the domain without regard to case). */
bool addr_same(const struct mailbox *a, const struct mailbox *b);

void mailbox_finish(struct mailbox *mb);
void addrlist_push(struct addrlist *list, const char *name, const char *addr);
void addrlist_finish(struct addrlist *list);

#endif
