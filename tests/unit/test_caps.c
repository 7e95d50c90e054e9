/* ESMTP capabilities (RFC 5321 4.1.1.1) read from EHLO replies built
 * with the real reply parser: every keyword posta knows, both AUTH
 * forms, case, unknown keywords, SIZE with and without a number, a
 * greeting-only reply, and caps_auth_bit. */
#include <stdarg.h>
#include <string.h>

#include "caps.h"
#include "tap.h"

/* Builds an EHLO reply from its lines (texts without codes; NULL ends
 * the list) and parses it into *c. Returns false when the reply parser
 * refused a line (a bug in the test). */
static bool parse(struct caps *c, ...)
{
	const char *lines[64];
	size_t n = 0;
	struct reply r;
	struct err e;
	bool good = true;
	va_list ap;

	va_start(ap, c);
	for (const char *l; (l = va_arg(ap, const char *)) != NULL;) {
		lines[n++] = l;
	}
	va_end(ap);
	reply_init(&r);
	for (size_t i = 0; i < n; i++) {
		char line[512];
		int len = snprintf(line, sizeof(line), "250%c%s",
				   i + 1 < n ? '-' : ' ', lines[i]);
		int want = i + 1 < n ? 0 : 1;

		memset(&e, 0, sizeof(e));
		if (reply_feed(&r, line, (size_t)len, &e) != want) {
			diag("reply_feed refused \"%s\": %s", line, e.msg);
			good = false;
		}
	}
	/* Garbage, so that a field caps_parse forgets to clear shows. */
	memset(c, 0xa5, sizeof(*c));
	caps_parse(c, &r);
	reply_finish(&r);
	return good;
}

static void test_full(void)
{
	struct caps c;

	ok(parse(&c, "mail.example.org Hello client.example.net", "PIPELINING",
		 "SIZE 10240000", "8BITMIME", "SMTPUTF8", "DSN", "STARTTLS",
		 "ENHANCEDSTATUSCODES", "CHUNKING",
		 "AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256", NULL),
	   "a full EHLO reply parses");
	ok(c.esmtp, "esmtp");
	ok(c.pipelining, "PIPELINING");
	ok(c.size, "SIZE");
	is_int(c.size_max, 10240000, "SIZE 10240000");
	ok(c.eightbitmime, "8BITMIME");
	ok(c.smtputf8, "SMTPUTF8");
	ok(c.dsn, "DSN");
	ok(c.starttls, "STARTTLS");
	ok(c.enhanced, "ENHANCEDSTATUSCODES");
	ok(c.chunking, "CHUNKING");
	is_int(c.auth,
	       AUTH_PLAIN | AUTH_LOGIN | AUTH_CRAM_MD5 | AUTH_SCRAM_SHA_256,
	       "AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256");
}

static void test_each_alone(void)
{
	struct caps c;

	parse(&c, "mx.example PIPELINING", "STARTTLS", NULL);
	ok(c.starttls, "STARTTLS alone");
	ok(!c.pipelining, "PIPELINING on the greeting line is not a keyword");
	ok(!c.size && !c.eightbitmime && !c.smtputf8 && !c.dsn && !c.enhanced &&
		   !c.chunking && c.auth == 0 && c.size_max == 0,
	   "... and nothing else set");

	parse(&c, "mx.example", "AUTH=LOGIN", NULL);
	is_int(c.auth, AUTH_LOGIN, "old form AUTH=LOGIN");

	parse(&c, "mx.example", "AUTH=LOGIN PLAIN", NULL);
	is_int(c.auth, AUTH_LOGIN | AUTH_PLAIN, "old form AUTH=LOGIN PLAIN");

	parse(&c, "mx.example", "AUTH CRAM-MD5", "AUTH=LOGIN", NULL);
	is_int(c.auth, AUTH_CRAM_MD5 | AUTH_LOGIN,
	       "AUTH and AUTH= lines both count");

	parse(&c, "mx.example", "AUTH GSSAPI NTLM XOAUTH2 PLAIN", NULL);
	is_int(c.auth, AUTH_XOAUTH2 | AUTH_PLAIN,
	       "unknown mechanisms ignored, XOAUTH2 recorded");

	parse(&c, "mx.example", "AUTH  PLAIN   LOGIN ", NULL);
	is_int(c.auth, AUTH_PLAIN | AUTH_LOGIN, "extra spaces in AUTH");

	parse(&c, "mx.example", "AUTH PLAINX LOGI SCRAM-SHA-256-PLUS", NULL);
	is_int(c.auth, 0, "near-miss mechanism names are not mechanisms");

	parse(&c, "mx.example", "AUTH", NULL);
	is_int(c.auth, 0, "AUTH without mechanisms");
}

static void test_case(void)
{
	struct caps c;

	parse(&c, "mx.example", "pipelining", "size 1000", "8bitmime",
	      "smtputf8", "dsn", "starttls", "enhancedstatuscodes", "chunking",
	      "auth plain login cram-md5 scram-sha-256", NULL);
	ok(c.pipelining && c.size && c.eightbitmime && c.smtputf8 && c.dsn &&
		   c.starttls && c.enhanced && c.chunking,
	   "lower-case keywords recognised");
	is_int(c.size_max, 1000, "lower-case size 1000");
	is_int(c.auth,
	       AUTH_PLAIN | AUTH_LOGIN | AUTH_CRAM_MD5 | AUTH_SCRAM_SHA_256,
	       "lower-case mechanism names");

	parse(&c, "mx.example", "StartTLS", "Auth=Login", NULL);
	ok(c.starttls, "mixed-case StartTLS");
	is_int(c.auth, AUTH_LOGIN, "mixed-case Auth=Login");
}

static void test_unknown(void)
{
	struct caps c;

	ok(parse(&c, "mx.example", "X-EXPS GSSAPI NTLM", "VRFY", "ETRN",
		 "XCLIENT NAME ADDR", "DELIVERBY 600", "BINARYMIME",
		 "PIPELININGX", "STARTTLS2", "SIZEX 100", "XSIZE 100", "DSNX",
		 "AUTHX PLAIN", "X-AUTH PLAIN", NULL),
	   "a reply of unknown keywords parses");
	ok(c.esmtp, "esmtp set");
	ok(!c.pipelining && !c.starttls && !c.size && !c.dsn &&
		   !c.eightbitmime && !c.smtputf8 && !c.enhanced && !c.chunking,
	   "unknown keywords and near misses set nothing");
	is_int(c.size_max, 0, "no size_max");
	is_int(c.auth, 0, "no AUTH from AUTHX or X-AUTH");

	parse(&c, "mx.example", "X-UNKNOWN foo", "DSN", "FOO=BAR", "CHUNKING",
	      NULL);
	ok(c.dsn && c.chunking,
	   "keywords around unknown ones still recognised");
}

static void test_size(void)
{
	struct caps c;

	parse(&c, "mx.example", "SIZE", NULL);
	ok(c.size, "SIZE alone on the last line: size");
	is_int(c.size_max, 0, "... size_max 0");

	/* RFC 1870 4: SIZE without a number announces no fixed limit;
	 * the next line is a keyword, not SIZE's parameter. */
	parse(&c, "mx.example", "SIZE", "8BITMIME", NULL);
	ok(c.size, "SIZE alone, then 8BITMIME: size");
	is_int(c.size_max, 0, "... size_max 0 (not the 8 of 8BITMIME)");
	ok(c.eightbitmime, "... 8BITMIME still set");

	parse(&c, "mx.example", "SIZE", "250DSN", "DSN", NULL);
	is_int(c.size_max, 0,
	       "SIZE alone, then a line starting with digits: size_max 0");

	parse(&c, "mx.example", "SIZE 0", NULL);
	ok(c.size, "SIZE 0: size");
	is_int(c.size_max, 0, "SIZE 0: size_max 0");

	parse(&c, "mx.example", "SIZE 35882577", "HELP", NULL);
	is_int(c.size_max, 35882577, "SIZE 35882577 (Gmail's)");

	parse(&c, "mx.example", "SIZE 18446744073709551615", NULL);
	ok(c.size_max == UINT64_MAX, "SIZE of 20 digits (RFC 1870 maximum)");
}

static void test_greeting_only(void)
{
	struct caps c;

	ok(parse(&c, "mail.example.org at your service", NULL),
	   "a greeting-only EHLO reply parses");
	ok(c.esmtp, "esmtp: EHLO worked");
	ok(!c.pipelining && !c.starttls && !c.eightbitmime && !c.smtputf8 &&
		   !c.dsn && !c.enhanced && !c.chunking && !c.size,
	   "no capabilities");
	is_int(c.size_max, 0, "no size_max");
	is_int(c.auth, 0, "no AUTH");

	ok(parse(&c, "STARTTLS PIPELINING SIZE 100 AUTH PLAIN", NULL),
	   "a one-line reply whose greeting looks like keywords");
	ok(!c.starttls && !c.pipelining && !c.size && c.auth == 0,
	   "the greeting line is never read as keywords");

	/* A reused struct is cleared first. */
	parse(&c, "mx.example", "STARTTLS", "AUTH PLAIN", "SIZE 5", NULL);
	parse(&c, "mx.example", NULL);
	ok(!c.starttls && c.auth == 0 && !c.size && c.size_max == 0,
	   "caps_parse clears what an earlier reply set");
}

static void test_auth_bit(void)
{
	static const struct {
		const char *name;
		unsigned bit;
	} cases[] = {
		{ "PLAIN", AUTH_PLAIN },
		{ "LOGIN", AUTH_LOGIN },
		{ "CRAM-MD5", AUTH_CRAM_MD5 },
		{ "SCRAM-SHA-256", AUTH_SCRAM_SHA_256 },
		{ "XOAUTH2", AUTH_XOAUTH2 },
		{ "plain", AUTH_PLAIN },
		{ "Cram-Md5", AUTH_CRAM_MD5 },
		{ "scram-sha-256", AUTH_SCRAM_SHA_256 },
		{ "GSSAPI", 0 },
		{ "NTLM", 0 },
		{ "SCRAM-SHA-1", 0 },
		{ "SCRAM-SHA-256-PLUS", 0 },
		{ "OAUTHBEARER", 0 },
		{ "PLAI", 0 },
		{ "PLAINX", 0 },
		{ "", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "caps_auth_bit(\"%s\")",
			 cases[i].name);
		is_int(caps_auth_bit(cases[i].name, strlen(cases[i].name)),
		       cases[i].bit, name);
	}
	is_int(caps_auth_bit("PLAIN LOGIN", 5), AUTH_PLAIN,
	       "caps_auth_bit reads only n bytes");
	is_int(caps_auth_bit("LOGIN", 4), 0, "caps_auth_bit(\"LOGI\", 4)");
	ok(AUTH_PLAIN != 0 && AUTH_LOGIN != 0 && AUTH_CRAM_MD5 != 0 &&
		   AUTH_SCRAM_SHA_256 != 0 && AUTH_XOAUTH2 != 0 &&
		   !((AUTH_PLAIN | AUTH_LOGIN) &
		     (AUTH_CRAM_MD5 | AUTH_SCRAM_SHA_256 | AUTH_XOAUTH2)) &&
		   !(AUTH_PLAIN & AUTH_LOGIN) &&
		   !(AUTH_CRAM_MD5 & (AUTH_SCRAM_SHA_256 | AUTH_XOAUTH2)) &&
		   !(AUTH_SCRAM_SHA_256 & AUTH_XOAUTH2),
	   "the AUTH_* bits are distinct and non-zero");
}

int main(void)
{
	plan_lazy();
	test_full();
	test_each_alone();
	test_case();
	test_unknown();
	test_size();
	test_greeting_only();
	test_auth_bit();
	return done_testing();
}
