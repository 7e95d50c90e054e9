/* RFC 5322 3.4 address parsing: mailboxes, name-addrs, quoted strings,
 * comments, groups; the invalid forms; and the small helpers. */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "tap.h"

struct want {
	const char *name; /* NULL: no display name */
	const char *addr;
};

/* Parses s and compares the list with the n mailboxes in want. */
static void check_list(const char *s, const struct want *want, size_t n)
{
	struct addrlist l = { 0 };
	struct err e = { 0 };
	char label[256];
	int r = addr_parse_list(s, &l, &e);

	if (!ok(r == 0, "parse '%s'", s)) {
		diag("error: %s", e.msg);
		return;
	}
	snprintf(label, sizeof(label), "'%s': %zu mailboxes", s, n);
	if (!is_int(l.n, n, label)) {
		addrlist_finish(&l);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "'%s': mailbox %zu address", s,
			 i);
		is_str(l.v[i].addr, want[i].addr, label);
		snprintf(label, sizeof(label), "'%s': mailbox %zu name", s, i);
		is_str(l.v[i].name, want[i].name, label);
	}
	addrlist_finish(&l);
}

static void test_valid(void)
{
	check_list("a@b.c", (const struct want[]){ { NULL, "a@b.c" } }, 1);
	check_list("Name <a@b.c>", (const struct want[]){ { "Name", "a@b.c" } },
		   1);
	check_list("<a@b.c>", (const struct want[]){ { NULL, "a@b.c" } }, 1);
	check_list("John Q. Public <john@example.com>",
		   (const struct want[]){
			   { "John Q. Public", "john@example.com" } },
		   1);
	check_list("\"Doe, John\" <j@x.org>",
		   (const struct want[]){ { "Doe, John", "j@x.org" } }, 1);
	check_list("\"say \\\"hi\\\"\" <q@x.org>",
		   (const struct want[]){ { "say \"hi\"", "q@x.org" } }, 1);
	check_list("a@b.c, \"X, Y\" <d@e.f>, g@h.i",
		   (const struct want[]){ { NULL, "a@b.c" },
					  { "X, Y", "d@e.f" },
					  { NULL, "g@h.i" } },
		   3);
	check_list("J\xc3\xb6rg M\xc3\xbcller <j@x.de>",
		   (const struct want[]){
			   { "J\xc3\xb6rg M\xc3\xbcller", "j@x.de" } },
		   1);
	check_list("\"\xd0\x90\xd0\xbd\xd0\xbd\xd0\xb0, "
		   "\xe7\x8e\x8b\" <anna@example.ru>",
		   (const struct want[]){
			   { "\xd0\x90\xd0\xbd\xd0\xbd\xd0\xb0, \xe7\x8e\x8b",
			     "anna@example.ru" } },
		   1);
	check_list("a@b.c (comment)",
		   (const struct want[]){ { NULL, "a@b.c" } }, 1);
	check_list("(lead) a@b.c (nested (comment))",
		   (const struct want[]){ { NULL, "a@b.c" } }, 1);
	check_list("Name (c) <a@b.c> (trail)",
		   (const struct want[]){ { "Name", "a@b.c" } }, 1);
	check_list("team: a@b.c, d@e.f;",
		   (const struct want[]){ { NULL, "a@b.c" },
					  { NULL, "d@e.f" } },
		   2);
	check_list("x@y.z, team: A <a@b.c>, d@e.f;, w@v.u",
		   (const struct want[]){ { NULL, "x@y.z" },
					  { "A", "a@b.c" },
					  { NULL, "d@e.f" },
					  { NULL, "w@v.u" } },
		   4);
	check_list("undisclosed-recipients:;", NULL, 0);
	check_list("\"a b\"@c.d",
		   (const struct want[]){ { NULL, "\"a b\"@c.d" } }, 1);
	check_list("\"ab\"@c.d", (const struct want[]){ { NULL, "ab@c.d" } },
		   1);
	check_list("a@b.c,", (const struct want[]){ { NULL, "a@b.c" } }, 1);
	check_list("a@b.c, d@e.f, ",
		   (const struct want[]){ { NULL, "a@b.c" },
					  { NULL, "d@e.f" } },
		   2);
	check_list("  a@b.c  ", (const struct want[]){ { NULL, "a@b.c" } }, 1);
	check_list("first.last+tag@sub.example.co.uk",
		   (const struct want[]){
			   { NULL, "first.last+tag@sub.example.co.uk" } },
		   1);
	check_list("a@[192.0.2.1]",
		   (const struct want[]){ { NULL, "a@[192.0.2.1]" } }, 1);
	check_list("\xd1\x8e\xd0\xb7\xd0\xb5\xd1\x80@\xd0\xbf\xd1\x80\xd0\xb8"
		   "\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84",
		   (const struct want[]){
			   { NULL, "\xd1\x8e\xd0\xb7\xd0\xb5\xd1\x80@\xd0\xbf"
				   "\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80."
				   "\xd1\x80\xd1\x84" } },
		   1);
}

/* s must fail; the message must name what (the bad element), or s
 * itself when what is NULL. */
static void check_invalid_in(const char *s, const char *what, const char *label)
{
	struct addrlist l = { 0 };
	struct err e = { 0 };
	int r;

	addrlist_push(&l, "Kept", "kept@example.org");
	r = addr_parse_list(s, &l, &e);
	is_int(r, -1, label);
	ok(e.cls == ERR_USAGE, "%s: ERR_USAGE (got %d)", label, (int)e.cls);
	if (what == NULL) {
		what = s;
	}
	if (!ok(strstr(e.msg, what) != NULL, "%s: the message names '%s'",
		label, what)) {
		diag("message: %s", e.msg);
	}
	ok(l.n == 1 && strcmp(l.v[0].addr, "kept@example.org") == 0,
	   "%s: nothing appended (%zu mailboxes)", label, l.n);
	addrlist_finish(&l);
}

static void check_invalid(const char *s, const char *label)
{
	check_invalid_in(s, NULL, label);
}

static void test_invalid(void)
{
	char local65[128];

	check_invalid("foo", "no '@' (foo)");
	check_invalid("a@", "no domain (a@)");
	check_invalid("@b", "no local part (@b)");
	check_invalid("a@b..c", "empty domain label (a@b..c)");
	check_invalid("x <a@b", "unclosed angle bracket (x <a@b)");
	check_invalid("a b@c", "space in the local part (a b@c)");
	check_invalid("a..b@c", "two dots in the local part (a..b@c)");
	check_invalid(".a@b", "leading dot (.a@b)");
	check_invalid("a.@b", "trailing dot (a.@b)");
	check_invalid("a@-b.c", "label starting with '-' (a@-b.c)");
	check_invalid("a@b-.c", "label ending with '-' (a@b-.c)");
	check_invalid("a@b.c>", "stray '>' (a@b.c>)");
	check_invalid("a@b.c d@e.f", "two addresses without a comma");
	check_invalid_in("a@b.c, foo", "'foo'", "one good, one bad");
	check_invalid_in("d@e.f, a@", "'a@'", "one good, one bad at the end");
	check_invalid_in("a@b.c, \"X, Y\" <x@y, z@w", "\"X, Y\" <x@y",
			 "a quoted comma in the bad element");
	check_invalid_in("", "invalid address", "empty input");
	check_invalid_in(",", "invalid address", "a lone comma");
	check_invalid("\"a@b.c", "unclosed quote");
	check_invalid("a@b.c (open", "unclosed comment");
	check_invalid("team: a@b.c", "group without ';'");
	check_invalid("a@b_c.d", "'_' in a host name");
	check_invalid("Name <>", "empty angle brackets");

	memset(local65, 'l', 65);
	strcpy(local65 + 65, "@example.org");
	check_invalid(local65, "a 65-octet local part");
	local65[64] = '@';
	strcpy(local65 + 65, "example.org");
	{
		struct addrlist l = { 0 };
		struct err e = { 0 };
		ok(addr_parse_list(local65, &l, &e) == 0 && l.n == 1,
		   "a 64-octet local part is fine");
		addrlist_finish(&l);
	}

	/* RFC 5321 4.5.3.1: a path of at most 254 octets, labels of at
	 * most 63 (RFC 1035 2.3.4). */
	{
		char big[400];
		memset(big, 'l', 64);
		big[64] = '@';
		for (int i = 0; i < 4; i++) {
			memset(big + 65 + i * 48, 'd', 47);
			big[65 + i * 48 + 47] = '.';
		}
		strcpy(big + 65 + 4 * 48, "org");
		check_invalid(big, "an address over 254 octets");
		strcpy(big, "a@");
		memset(big + 2, 'x', 64);
		strcpy(big + 66, ".org");
		check_invalid(big, "a 64-octet domain label");
	}
	check_invalid("a@b.c\r\nBcc: x@y.z", "CRLF inside");
	check_invalid("a@b\n.c", "LF inside");
	check_invalid("Name\r <a@b.c>", "CR inside the name");
}

static void test_mailbox(void)
{
	struct mailbox mb = { 0 };
	struct err e = { 0 };

	ok(addr_parse_mailbox("Ann <ann@example.org>", &mb, &e) == 0,
	   "one mailbox parses");
	is_str(mb.name, "Ann", "its name");
	is_str(mb.addr, "ann@example.org", "its address");
	mailbox_finish(&mb);
	ok(mb.name == NULL && mb.addr == NULL, "mailbox_finish clears it");

	is_int(addr_parse_mailbox("a@b.c, d@e.f", &mb, &e), -1,
	       "two mailboxes are refused");
	is_int(e.cls, ERR_USAGE, "with ERR_USAGE");
	ok(strstr(e.msg, "a@b.c, d@e.f") != NULL,
	   "the message names the input");

	e.cls = ERR_NONE;
	is_int(addr_parse_mailbox("g: a@b.c, d@e.f;", &mb, &e), -1,
	       "a group of two is refused");
	is_int(e.cls, ERR_USAGE, "with ERR_USAGE");

	e.cls = ERR_NONE;
	is_int(addr_parse_mailbox("nobody", &mb, &e), -1,
	       "an invalid mailbox is refused");
	is_int(e.cls, ERR_USAGE, "with ERR_USAGE");
}

static void test_helpers(void)
{
	struct mailbox a = { NULL, "user@Example.ORG" };
	struct mailbox b = { "Name", "user@example.org" };
	struct mailbox c = { NULL, "User@example.org" };
	struct mailbox d = { NULL, "user@example.org.uk" };

	is_str(addr_domain("a@b.c"), "b.c", "addr_domain");
	is_str(addr_domain("\"x@y\"@z.org"), "z.org",
	       "addr_domain after a quoted '@'");
	ok(addr_same(&a, &b), "addr_same: domain compared without case");
	ok(addr_same(&b, &a), "addr_same is symmetric");
	ok(!addr_same(&b, &c), "addr_same: local part compared exactly");
	ok(!addr_same(&b, &d), "addr_same: different domains");

	ok(addr_spec_valid("a@b.c"), "addr_spec_valid: a@b.c");
	ok(addr_spec_valid("\"a b\"@c.d"), "addr_spec_valid: quoted local");
	ok(addr_spec_valid("j\xc3\xb6rg@b\xc3\xbc\x63her.de"),
	   "addr_spec_valid: UTF-8");
	ok(!addr_spec_valid("Name <a@b.c>"), "addr_spec_valid: no name-addr");
	ok(!addr_spec_valid("<a@b.c>"), "addr_spec_valid: no brackets");
	ok(!addr_spec_valid("a@b.c, d@e.f"), "addr_spec_valid: no list");
	ok(!addr_spec_valid("g: a@b.c;"), "addr_spec_valid: no group");
	ok(!addr_spec_valid("a"), "addr_spec_valid: no '@'");
	ok(!addr_spec_valid("a@b..c"), "addr_spec_valid: bad domain");
	ok(!addr_spec_valid(""), "addr_spec_valid: empty");

	ok(addr_is_utf8("j\xc3\xb6rg@example.de"), "addr_is_utf8: UTF-8 local");
	ok(addr_is_utf8("a@\xc3\xa9t\xc3\xa9.fr"),
	   "addr_is_utf8: UTF-8 domain");
	ok(!addr_is_utf8("a@b.c"), "addr_is_utf8: ASCII");
}

int main(void)
{
	plan_lazy();
	test_valid();
	test_invalid();
	test_mailbox();
	test_helpers();
	return done_testing();
}
