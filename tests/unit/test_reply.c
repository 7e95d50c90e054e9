/* SMTP replies (RFC 5321 4.2): single- and multi-line replies, RFC 3463
 * enhanced status codes, the summary and class, and every kind of
 * malformed, over-long or non-printable input refused as ERR_PROTOCOL,
 * each limit checked on both sides of its boundary. */
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "tap.h"

static int feedn(struct reply *r, const char *line, size_t n, struct err *e)
{
	memset(e, 0, sizeof(*e));
	return reply_feed(r, line, n, e);
}

static int feed(struct reply *r, const char *line, struct err *e)
{
	return feedn(r, line, strlen(line), e);
}

static const char *text(const struct reply *r)
{
	return r->text.data != NULL ? r->text.data : "";
}

/* Feeds one line to a fresh reply and expects ERR_PROTOCOL. */
static void rejects(const char *line, size_t n, const char *name)
{
	struct reply r;
	struct err e;
	int ret;

	reply_init(&r);
	ret = feedn(&r, line, n, &e);
	if (!is_int(ret, -1, name)) {
		diag("code %d, text \"%s\"", r.code, text(&r));
	}
	is_int(e.cls, ERR_PROTOCOL, "... as ERR_PROTOCOL");
	reply_finish(&r);
}

static void test_single(void)
{
	struct reply r;
	struct err e;

	reply_init(&r);
	is_int(feed(&r, "250 OK", &e), 1, "\"250 OK\" completes the reply");
	is_int(r.code, 250, "code 250");
	is_str(text(&r), "OK", "text without the code");
	is_str(r.enh, "", "\"250 OK\": no enhanced code");
	is_int(r.nlines, 1, "one line");
	ok(r.done, "done");
	is_int(reply_class(&r), 2, "class 2");

	reply_reset(&r);
	is_int(r.nlines, 0, "reply_reset empties the reply");
	ok(!r.done, "reply_reset: not done");
	is_int(feed(&r, "250", &e), 1, "code-only \"250\" completes the reply");
	is_int(r.code, 250, "code-only: code 250");
	is_str(text(&r), "", "code-only: empty text");
	is_str(r.enh, "", "code-only: no enhanced code");

	reply_reset(&r);
	is_int(feed(&r, "354 End data with <CR><LF>.<CR><LF>", &e), 1,
	       "354 reply");
	is_int(reply_class(&r), 3, "class 3");
	is_str(text(&r), "End data with <CR><LF>.<CR><LF>", "354 text");

	reply_reset(&r);
	is_int(feed(&r, "421 4.3.2 Service shutting down", &e), 1, "421 reply");
	is_int(reply_class(&r), 4, "class 4");
	is_str(r.enh, "4.3.2", "421: enhanced 4.3.2");

	reply_reset(&r);
	is_int(feed(&r, "220\tmail.example.org ESMTP", &e), -1,
	       "a tab as the 4th character is refused");
	reply_reset(&r);
	is_int(feed(&r, "220 mail.example.org\tESMTP", &e), 1,
	       "a tab inside the text is allowed (RFC 5321 4.2 textstring)");
	reply_finish(&r);
}

static void test_multi(void)
{
	struct reply r;
	struct err e;

	reply_init(&r);
	is_int(feed(&r, "250-a", &e), 0, "\"250-a\": more lines follow");
	ok(!r.done, "not done after a continuation line");
	is_int(r.nlines, 1, "one line so far");
	is_int(feed(&r, "250 b", &e), 1, "\"250 b\" completes the reply");
	ok(r.done, "done");
	is_int(r.code, 250, "code 250");
	is_str(text(&r), "a\nb", "texts joined by LF");
	is_int(r.nlines, 2, "two lines");

	reply_reset(&r);
	is_int(feed(&r, "250-mail.example.org Hello", &e), 0, "EHLO line 1");
	is_int(feed(&r, "250-", &e), 0, "an empty continuation line");
	is_int(feed(&r, "250-PIPELINING", &e), 0, "EHLO line 3");
	is_int(feed(&r, "250 8BITMIME", &e), 1, "EHLO last line");
	is_str(text(&r), "mail.example.org Hello\n\nPIPELINING\n8BITMIME",
	       "four lines, one empty");
	is_int(r.nlines, 4, "four lines");

	reply_reset(&r);
	is_int(feed(&r, "250-2.0.0 first", &e), 0, "enhanced multi-line 1");
	is_int(feed(&r, "250 2.0.0 second", &e), 1, "enhanced multi-line 2");
	is_str(r.enh, "2.0.0", "enhanced code from the first line");
	reply_finish(&r);
}

static void test_enhanced(void)
{
	static const struct {
		const char *line, *enh;
	} cases[] = {
		{ "550 5.1.1 No such user", "5.1.1" },
		{ "250 2.0.0", "2.0.0" },
		{ "250 2.0.0 Ok: queued as 4F2C1", "2.0.0" },
		{ "250 OK", "" },
		{ "452 4.3.1 Insufficient system storage", "4.3.1" },
		{ "550 5.7.509 Access denied", "5.7.509" },
		{ "554 5.123.456 three-digit subject", "5.123.456" },
		/* RFC 3463 2: class is one of "2", "4", "5"... */
		{ "250 3.0.0 not a class", "" },
		{ "250 25.0.0 class of two digits", "" },
		/* ...and subject and detail are 1*3digit. */
		{ "250 2.1000.0 subject too long", "" },
		{ "250 2.0.1000 detail too long", "" },
		{ "250 2..0 empty subject", "" },
		{ "250 2.0. empty detail", "" },
		{ "250 2.0 two parts", "" },
		{ "250 2.0.0.0 four parts", "" },
		{ "250 2.0.0x text glued on", "" },
		{ "250 Ok 2.0.0 not at the start", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reply r;
		struct err e;
		char name[128];
		int ret;

		reply_init(&r);
		ret = feed(&r, cases[i].line, &e);
		snprintf(name, sizeof(name), "\"%s\" is a complete reply",
			 cases[i].line);
		is_int(ret, 1, name);
		snprintf(name, sizeof(name), "\"%s\": enhanced \"%s\"",
			 cases[i].line, cases[i].enh);
		is_str(r.enh, cases[i].enh, name);
		reply_finish(&r);
	}
}

static void test_summary(void)
{
	struct reply r;
	struct err e;
	char out[128];

	reply_init(&r);
	feed(&r, "550 5.1.1 No such user", &e);
	reply_summary(&r, out, sizeof(out));
	is_str(out, "550 5.1.1 No such user", "summary of a one-line reply");

	reply_reset(&r);
	feed(&r, "250-a", &e);
	feed(&r, "250 b", &e);
	reply_summary(&r, out, sizeof(out));
	is_str(out, "250 a b", "summary of a multi-line reply: every line");

	reply_reset(&r);
	feed(&r, "550-5.1.1 The account does not exist.", &e);
	feed(&r, "550 5.1.1 https://support.example.org/NoSuchUser", &e);
	reply_summary(&r, out, sizeof(out));
	is_str(out,
	       "550 5.1.1 The account does not exist. "
	       "https://support.example.org/NoSuchUser",
	       "summary drops the enhanced code repeated on later lines");

	reply_reset(&r);
	feed(&r, "250", &e);
	reply_summary(&r, out, sizeof(out));
	is_str(out, "250", "summary of a code-only reply: no trailing space");

	reply_reset(&r);
	feed(&r, "250-", &e);
	feed(&r, "250 second", &e);
	reply_summary(&r, out, sizeof(out));
	is_str(out, "250 second",
	       "summary when the first line's text is empty");

	reply_reset(&r);
	feed(&r, "550 5.1.1 No such user", &e);
	memset(out, 'X', sizeof(out));
	reply_summary(&r, out, 8);
	is_str(out, "550 5.1", "summary cut to max bytes with its NUL");
	is_int(out[8], 'X', "nothing written past max");
	reply_finish(&r);
}

static void test_errors(void)
{
	struct reply r;
	struct err e;

	reply_init(&r);
	is_int(feed(&r, "250-a", &e), 0, "mixed codes: first line");
	is_int(feed(&r, "251 b", &e), -1, "a second line with another code");
	is_int(e.cls, ERR_PROTOCOL, "... as ERR_PROTOCOL");
	reply_finish(&r);

	reply_init(&r);
	is_int(feed(&r, "250-a", &e), 0, "mixed codes (class): first line");
	is_int(feed(&r, "550-b", &e), -1, "a continuation with another code");
	is_int(e.cls, ERR_PROTOCOL, "... as ERR_PROTOCOL");
	reply_finish(&r);

	rejects("", 0, "an empty line");
	rejects("25", 2, "two digits");
	rejects("2", 1, "one digit");
	rejects("25x ok", 6, "a letter in the code");
	rejects("abc ok", 6, "letters for a code");
	rejects("2 0 ok", 6, "a space in the code");
	rejects(" 250 ok", 7, "a leading space");
	rejects("+250 ok", 7, "a sign before the code");
	rejects("600 ok", 6, "code 600");
	rejects("199 ok", 6, "code 199");
	rejects("000 ok", 6, "code 000");
	rejects("999", 3, "code-only 999");
	/* RFC 5321 4.2: Reply-code = %x32-35 %x30-35 %x30-39 */
	rejects("260 ok", 6, "second digit 6 (RFC 5321 4.2 grammar)");
	rejects("590 ok", 6, "second digit 9 (RFC 5321 4.2 grammar)");
	rejects("250_ok", 6, "4th character '_'");
	rejects("250:ok", 6, "4th character ':'");
	rejects("250ok", 5, "4th character a letter");
	rejects("2500 ok", 7, "four digits");
	rejects("250 a\0b", 7, "a NUL in the text");
	rejects("250 \0", 5, "a NUL as the whole text");
	rejects("250-a\0", 6, "a NUL at the end of a continuation line");
	rejects("250 a\x1b[31mred", 13, "an ESC in the text");
	rejects("250 a\rb", 7, "a bare CR in the text");
	rejects("250 ab\r", 7, "a CR at the end of the text");
	rejects("250 a\nb", 7, "a LF in the text");
	rejects("250 a\x7f", 6, "a DEL in the text");
	rejects("250 a\x01", 6, "a ^A in the text");
}

static void test_line_max(void)
{
	struct reply r;
	struct err e;
	char *line = malloc(REPLY_LINE_MAX + 2);

	memcpy(line, "250 ", 4);
	memset(line + 4, 'x', REPLY_LINE_MAX - 4 + 1);
	reply_init(&r);
	is_int(feedn(&r, line, REPLY_LINE_MAX, &e), 1,
	       "a line of REPLY_LINE_MAX bytes is accepted");
	is_int(r.text.len, REPLY_LINE_MAX - 4, "... with all its text");
	reply_reset(&r);
	is_int(feedn(&r, line, REPLY_LINE_MAX + 1, &e), -1,
	       "a line of REPLY_LINE_MAX + 1 bytes is refused");
	is_int(e.cls, ERR_PROTOCOL, "... as ERR_PROTOCOL");
	reply_finish(&r);
	free(line);
}

static void test_lines_max(void)
{
	struct reply r;
	struct err e;
	int bad = 0;

	reply_init(&r);
	for (int i = 0; i < REPLY_LINES_MAX - 1; i++) {
		if (feed(&r, "250-x", &e) != 0) {
			bad++;
		}
	}
	is_int(bad, 0, "REPLY_LINES_MAX - 1 continuation lines accepted");
	is_int(feed(&r, "250 x", &e), 1,
	       "a reply of exactly REPLY_LINES_MAX lines is accepted");
	is_int(r.nlines, REPLY_LINES_MAX, "... all its lines counted");

	reply_reset(&r);
	bad = 0;
	for (int i = 0; i < REPLY_LINES_MAX; i++) {
		if (feed(&r, "250-x", &e) != 0) {
			bad++;
		}
	}
	is_int(bad, 0, "REPLY_LINES_MAX continuation lines accepted");
	is_int(feed(&r, "250 x", &e), -1,
	       "line REPLY_LINES_MAX + 1 is refused");
	is_int(e.cls, ERR_PROTOCOL, "... as ERR_PROTOCOL");
	reply_finish(&r);
}

/* Feeds 32 continuation lines of 2044 text bytes (32 * 2044 + 31 LFs
 * = 65439 bytes of text), then a last line of tail text bytes: the
 * text is then 65440 + tail bytes long. */
static int feed_long_reply(struct reply *r, size_t tail, struct err *e,
			   int *bad)
{
	char *line = malloc(REPLY_LINE_MAX + 1);
	int ret;

	memcpy(line, "250-", 4);
	memset(line + 4, 'y', REPLY_LINE_MAX - 4);
	*bad = 0;
	for (int i = 0; i < 32; i++) {
		if (feedn(r, line, REPLY_LINE_MAX, e) != 0) {
			(*bad)++;
		}
	}
	line[3] = ' ';
	ret = feedn(r, line, 4 + tail, e);
	free(line);
	return ret;
}

static void test_text_max(void)
{
	struct reply r;
	struct err e;
	size_t fill = 32 * (REPLY_LINE_MAX - 4) + 32;
	int bad;

	_Static_assert(32 * (REPLY_LINE_MAX - 4) + 32 < REPLY_TEXT_MAX &&
			       33 * (REPLY_LINE_MAX - 4) + 32 > REPLY_TEXT_MAX,
		       "the limits this test was written for");
	reply_init(&r);
	is_int(feed_long_reply(&r, REPLY_TEXT_MAX - fill, &e, &bad), 1,
	       "a reply of exactly REPLY_TEXT_MAX bytes of text is accepted");
	is_int(bad, 0, "... its continuation lines too");
	is_int(r.text.len, REPLY_TEXT_MAX, "... all of its text kept");

	reply_reset(&r);
	is_int(feed_long_reply(&r, REPLY_TEXT_MAX - fill + 1, &e, &bad), -1,
	       "a reply of REPLY_TEXT_MAX + 1 bytes of text is refused");
	is_int(bad, 0, "... on its last line");
	is_int(e.cls, ERR_PROTOCOL, "... as ERR_PROTOCOL");
	reply_finish(&r);

	/* Many lines, each well within the line limit: refused before
	 * the line count limit is reached. */
	char *line = malloc(REPLY_LINE_MAX + 1);
	int ret = 0, i;
	memcpy(line, "250-", 4);
	memset(line + 4, 'z', REPLY_LINE_MAX - 4);
	reply_init(&r);
	for (i = 0; i < REPLY_LINES_MAX && ret == 0; i++) {
		ret = feedn(&r, line, REPLY_LINE_MAX, &e);
	}
	is_int(ret, -1, "a reply of long lines is refused at the text limit");
	is_int(e.cls, ERR_PROTOCOL, "... as ERR_PROTOCOL");
	is_int(i, 33, "... on line 33");
	reply_finish(&r);
	free(line);
}

static void test_next_reply(void)
{
	struct reply r;
	struct err e;

	reply_init(&r);
	is_int(feed(&r, "550-5.1.1 first", &e), 0, "reply 1, line 1");
	is_int(feed(&r, "550 5.1.1 second", &e), 1, "reply 1, line 2");
	is_int(feed(&r, "354 go ahead", &e), 1,
	       "after a complete reply, a line with another code is a new "
	       "reply");
	is_int(r.code, 354, "the new reply's code");
	is_str(text(&r), "go ahead", "the new reply's text only");
	is_int(r.nlines, 1, "the new reply's line count");
	is_str(r.enh, "", "the old enhanced code is gone");
	ok(r.done, "the new reply is done");

	is_int(feed(&r, "250-a", &e), 0, "reply 3 starts");
	ok(!r.done, "reply 3 is not done");
	is_int(r.code, 250, "reply 3's code");
	is_str(text(&r), "a", "reply 3's text");
	is_int(feed(&r, "250 b", &e), 1, "reply 3 ends");
	is_str(text(&r), "a\nb", "reply 3's text");
	reply_finish(&r);

	/* The line limit counts per reply, not per stream. */
	reply_init(&r);
	int bad = 0;
	for (int i = 0; i < 2 * REPLY_LINES_MAX; i++) {
		if (feed(&r, "250 x", &e) != 1) {
			bad++;
		}
	}
	is_int(bad, 0, "2 * REPLY_LINES_MAX one-line replies in a row");
	reply_finish(&r);
}

/* What a server writes reaches a terminal only through reply_clean. */
static void test_clean(void)
{
	static const struct {
		const char *in, *want, *name;
	} cases[] = {
		{ "plain ASCII text", "plain ASCII text", "ASCII kept" },
		{ "tab\there", "tab\there", "a tab kept" },
		{ "esc\x1b[2J", "esc?[2J", "ESC replaced" },
		{ "del\x7f", "del?", "DEL replaced" },
		{ "Gr\xc3\xbc\xc3\x9f"
		  "e \xe2\x82\xac \xf0\x9f\x93\xa7",
		  "Gr\xc3\xbc\xc3\x9f"
		  "e \xe2\x82\xac \xf0\x9f\x93\xa7",
		  "well-formed UTF-8 kept" },
		{ "csi\xc2\x9b"
		  "2J",
		  "csi??2J", "C1 CSI as UTF-8 replaced" },
		{ "nbsp\xc2\xa0ok", "nbsp\xc2\xa0ok", "U+00A0 kept" },
		{ "csi\x9b"
		  "2J",
		  "csi?2J", "a lone C1 byte replaced" },
		{ "latin1 \xfc ber", "latin1 ? ber", "Latin-1 byte replaced" },
		{ "cut \xe2\x82", "cut ??", "a cut-off sequence replaced" },
		{ "overlong \xc0\xaf", "overlong ??",
		  "an overlong form replaced" },
		{ "surrogate \xed\xa0\x80", "surrogate ???",
		  "a surrogate replaced" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char b[64];
		size_t n = strlen(cases[i].in);

		memcpy(b, cases[i].in, n + 1);
		reply_clean(b, n);
		is_str(b, cases[i].want, cases[i].name);
	}

	struct reply r;
	struct err e;
	reply_init(&r);
	is_int(feed(&r,
		    "550 5.1.1 \xc2\x9b"
		    "31mred \xff",
		    &e),
	       1, "a reply with C1 and a stray byte is read");
	is_str(text(&r), "5.1.1 ??31mred ?", "and its text is clean");
	reply_finish(&r);
}

int main(void)
{
	plan_lazy();
	test_single();
	test_multi();
	test_enhanced();
	test_summary();
	test_errors();
	test_line_max();
	test_lines_max();
	test_text_max();
	test_next_reply();
	test_clean();
	return done_testing();
}
