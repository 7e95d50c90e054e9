/* Header fields: folding (RFC 5322 2.2.3), encoded-words (RFC 2047)
 * checked by a small independent decoder, phrases, address lists,
 * field names, UTF-8, dates (RFC 5322 3.3) and msg-ids (3.6.4). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "header.h"
#include "tap.h"

#define EW_MAX 75   /* RFC 2047 2 */
#define FOLD_COL 78 /* RFC 5322 2.1.1 */
#define TEXT_MAX 4096

/* ---- an independent RFC 2047 decoder ---- */

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z') {
		return c - 'A';
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 26;
	}
	if (c >= '0' && c <= '9') {
		return c - '0' + 52;
	}
	if (c == '+') {
		return 62;
	}
	return c == '/' ? 63 : -1;
}

/* Strict padded base64; -1 on bad input. */
static int b64_decode(const char *s, size_t n, struct buf *out)
{
	if (n % 4 != 0) {
		return -1;
	}
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = 0;

		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '=' && k >= 2 && i + 4 == n) {
				v[k] = 0;
				pad++;
			} else if (pad > 0 || (v[k] = b64val(s[i + k])) < 0) {
				return -1;
			}
		}
		unsigned long w =
			(unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 |
			(unsigned long)v[2] << 6 | (unsigned long)v[3];
		buf_putc(out, (char)(w >> 16 & 0xff));
		if (pad < 2) {
			buf_putc(out, (char)(w >> 8 & 0xff));
		}
		if (pad < 1) {
			buf_putc(out, (char)(w & 0xff));
		}
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* RFC 2047 5(3): what a Q-encoded word in a phrase may hold. */
static bool q_phrase_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	       c == '-' || c == '/' || c == '=' || c == '_';
}

/* RFC 3629 section 4, written out again here. */
static bool utf8_ok(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t need;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else {
			return false;
		}
		if (n - i - 1 < need || p[i + 1] < lo || p[i + 1] > hi) {
			return false;
		}
		for (size_t k = 2; k <= need; k++) {
			if (p[i + k] < 0x80 || p[i + k] > 0xbf) {
				return false;
			}
		}
		i += need + 1;
	}
	return true;
}

struct ew_stats {
	int words;     /* encoded-words seen */
	int too_long;  /* longer than 75 characters */
	int malformed; /* "=?...?=" that did not decode */
	int bad_utf8;  /* decoded alone, not whole UTF-8 characters */
	int bad_q;     /* Q text with characters RFC 2047 5 forbids */
};

/* Decodes the word w (no white space in it) into out when it is an
 * encoded-word "=?UTF-8?Q|B?text?="; returns true then. */
static bool ew_decode(const char *w, size_t n, bool phrase, struct buf *out,
		      struct ew_stats *st)
{
	static const char pre[] = "=?UTF-8?";
	struct buf dec;

	if (n < 4 || memcmp(w, "=?", 2) != 0 ||
	    memcmp(w + n - 2, "?=", 2) != 0) {
		return false;
	}
	if (n < 12 || strncasecmp(w, pre, 8) != 0 ||
	    (w[8] != 'Q' && w[8] != 'B' && w[8] != 'q' && w[8] != 'b') ||
	    w[9] != '?') {
		st->malformed++;
		return false;
	}
	const char *t = w + 10;
	size_t tn = n - 12;
	if (memchr(t, '?', tn) != NULL) {
		st->malformed++;
		return false;
	}
	st->words++;
	if (n > EW_MAX) {
		st->too_long++;
	}
	buf_init(&dec, 0);
	if (w[8] == 'B' || w[8] == 'b') {
		if (b64_decode(t, tn, &dec) == -1) {
			st->malformed++;
		}
	} else {
		for (size_t i = 0; i < tn; i++) {
			char c = t[i];

			if (phrase ? !q_phrase_char(c)
				   : (c <= ' ' || c > '~' || c == '?')) {
				st->bad_q++;
			}
			if (c == '_') {
				buf_putc(&dec, ' ');
			} else if (c == '=') {
				int hi = i + 2 < tn ? hexval(t[i + 1]) : -1;
				int lo = i + 2 < tn ? hexval(t[i + 2]) : -1;
				if (hi < 0 || lo < 0) {
					st->malformed++;
					break;
				}
				buf_putc(&dec, (char)(hi << 4 | lo));
				i += 2;
			} else {
				buf_putc(&dec, c);
			}
		}
	}
	if (!utf8_ok((const unsigned char *)dec.data, dec.len)) {
		st->bad_utf8++;
	}
	buf_append(out, dec.data, dec.len);
	buf_finish(&dec);
	return true;
}

/* Decodes an unfolded field body: encoded-words become their text and
 * white space between two adjacent encoded-words goes (RFC 2047 6.2);
 * all else stays as it is. */
static char *rfc2047_decode(const char *s, bool phrase, struct ew_stats *st)
{
	struct buf out;
	size_t i = 0, n = strlen(s);
	bool prev_ew = false;

	buf_init(&out, 0);
	memset(st, 0, sizeof(*st));
	while (i < n) {
		size_t ws = i, w, e;

		while (i < n && (s[i] == ' ' || s[i] == '\t')) {
			i++;
		}
		w = i;
		while (i < n && s[i] != ' ' && s[i] != '\t') {
			i++;
		}
		e = i;
		if (w == e) {
			buf_append(&out, s + ws, w - ws); /* trailing space */
			break;
		}
		struct buf word;
		buf_init(&word, 0);
		bool is_ew = ew_decode(s + w, e - w, phrase, &word, st);
		if (!(is_ew && prev_ew)) {
			buf_append(&out, s + ws, w - ws);
		}
		if (is_ew) {
			buf_append(&out, word.data, word.len);
		} else {
			buf_append(&out, s + w, e - w);
		}
		buf_finish(&word);
		prev_ew = is_ew;
	}
	return buf_take(&out);
}

/* ---- checks on a whole field ---- */

/* Every line ends with LF, is at most 78 characters, a continuation
 * starts with white space and holds more than white space (RFC 5322
 * 2.2.3, 3.2.2); every byte is printable ASCII when ascii_only. */
static bool lines_ok(const char *f, bool ascii_only)
{
	size_t n = strlen(f), start = 0;
	bool good = n > 0 && f[n - 1] == '\n';

	if (!good) {
		diag("the field does not end with LF");
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)f[i];

		if (ascii_only && c != '\n' && (c < 32 || c > 126)) {
			diag("byte 0x%02x at %zu", c, i);
			good = false;
		}
		if (c != '\n') {
			continue;
		}
		size_t len = i - start;
		if (len > FOLD_COL) {
			diag("line of %zu characters: %.*s", len, (int)len,
			     f + start);
			good = false;
		}
		if (start > 0 && f[start] != ' ' && f[start] != '\t') {
			diag("continuation without white space at %zu", start);
			good = false;
		}
		if (start > 0 && strspn(f + start, " \t") >= len) {
			diag("a line of white space alone at %zu", start);
			good = false;
		}
		start = i + 1;
	}
	return good;
}

/* Unfolding (RFC 5322 2.2.3): remove every LF. */
static char *unfold(const char *f)
{
	size_t n = strlen(f), o = 0;
	char *u = malloc(n + 1);

	for (size_t i = 0; i < n; i++) {
		if (f[i] != '\n') {
			u[o++] = f[i];
		}
	}
	u[o] = '\0';
	return u;
}

static bool has_8bit(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80) {
			return true;
		}
	}
	return false;
}

static char *text_field(const char *name, const char *text, int *rc,
			struct err *e)
{
	struct buf b;
	struct hdr h;

	buf_init(&b, 0);
	hdr_begin(&h, &b, name);
	hdr_text(&h, text);
	*rc = hdr_end(&h, e);
	return buf_take(&b);
}

static char *phrase_field(const char *text)
{
	struct buf b;
	struct hdr h;
	struct err e;

	buf_init(&b, 0);
	hdr_begin(&h, &b, "From");
	hdr_phrase(&h, text);
	hdr_end(&h, &e);
	return buf_take(&b);
}

/* Subject through hdr_text, checked line by line and decoded back. */
static void check_text(const char *label, const char *text)
{
	struct err e = { 0 };
	struct ew_stats st;
	int rc;
	char *f = text_field("Subject", text, &rc, &e);
	char *u = unfold(f);
	bool nonascii = has_8bit(text);

	is_int(rc, 0, label);
	if (!ok(lines_ok(f, true), "%s: lines of at most 78, ASCII", label)) {
		diag("field: %s", f);
	}
	ok(strncmp(u, "Subject: ", 9) == 0, "%s: starts with 'Subject: '",
	   label);
	char *dec = rfc2047_decode(u + 8, false, &st);
	char *want = malloc(strlen(text) + 2);
	want[0] = ' ';
	strcpy(want + 1, text);
	if (!is_str(dec, want, label)) {
		diag("field: %s", f);
	}
	if (nonascii) {
		ok(st.words > 0, "%s: encoded-words used (%d)", label,
		   st.words);
	}
	ok(st.too_long == 0 && st.malformed == 0,
	   "%s: every encoded-word is =?UTF-8?[QB]?...?= of at most 75 "
	   "(%d too long, %d malformed)",
	   label, st.too_long, st.malformed);
	ok(st.bad_utf8 == 0 && st.bad_q == 0,
	   "%s: each encoded-word holds whole UTF-8 characters, valid Q "
	   "(%d split, %d bad Q)",
	   label, st.bad_utf8, st.bad_q);
	free(want);
	free(dec);
	free(u);
	free(f);
}

static void test_text_ascii(void)
{
	struct err e = { 0 };
	char text[400], *f, *u;
	int rc;

	f = text_field("Subject", "Hello world", &rc, &e);
	is_str(f, "Subject: Hello world\n", "short ASCII subject as is");
	is_int(rc, 0, "hdr_end succeeds");
	free(f);

	f = text_field("Subject", "", &rc, &e);
	ok(strcmp(f, "Subject: \n") == 0 || strcmp(f, "Subject:\n") == 0,
	   "an empty subject is an empty field");
	free(f);

	/* 300 characters of words of varied length. */
	static const char *const words[] = { "alpha",       "be",
					     "gamma-ray",   "delta",
					     "epsilon",     "z",
					     "information", "of" };
	size_t n = 0;
	for (size_t i = 0; n < 300; i++) {
		const char *w = words[i % 8];
		size_t wl = strlen(w);
		if (n > 0) {
			text[n++] = ' ';
		}
		memcpy(text + n, w, wl);
		n += wl;
	}
	text[n] = '\0';
	f = text_field("Subject", text, &rc, &e);
	is_int(rc, 0, "a 300-character subject");
	ok(lines_ok(f, true), "it folds to lines of at most 78");
	ok(strchr(f, '\n') < f + strlen(f) - 1, "it is folded at all");
	ok(strstr(f, "=?") == NULL, "plain ASCII words are not encoded");
	u = unfold(f);
	ok(strncmp(u, "Subject: ", 9) == 0 && strcmp(u + 9, text) == 0,
	   "unfolding gives back 'Subject: ' and the text");
	free(u);
	free(f);

	check_text("ASCII with double spaces", "two  spaces   and three");
	check_text("ASCII with leading space", " leading");
	check_text("ASCII with trailing space", "trailing ");
	check_text("ASCII underscore and question mark", "what_? a=b ?= ok");
}

static void test_text_encoded(void)
{
	char big[TEXT_MAX];

	check_text("Cyrillic", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5"
			       "\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80!");
	/* A long Cyrillic subject: "Это очень длинная тема письма ..." */
	big[0] = '\0';
	for (int i = 0; i < 12; i++) {
		strcat(big, i ? " " : "");
		strcat(big, "\xd0\xad\xd1\x82\xd0\xbe \xd0\xbe\xd1\x87\xd0\xb5"
			    "\xd0\xbd\xd1\x8c \xd0\xb4\xd0\xbb\xd0\xb8\xd0\xbd"
			    "\xd0\xbd\xd0\xb0\xd1\x8f");
	}
	check_text("long Cyrillic", big);
	check_text("emoji", "Party \xf0\x9f\x8e\x89 time \xf0\x9f\x9a\x80");
	big[0] = '\0';
	for (int i = 0; i < 40; i++) {
		strcat(big, "\xf0\x9f\x98\x80");
	}
	check_text("40 emoji in one word", big);
	big[0] = '\0';
	for (int i = 0; i < 8; i++) {
		/* 日本語のテキスト */
		strcat(big, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae"
			    "\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88");
	}
	check_text("CJK without spaces", big);
	check_text("mixed words",
		   "Re: Caf\xc3\xa9 au lait and cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
		   "e for the whole team, with na\xc3\xafve r\xc3\xa9sum\xc3"
		   "\xa9s and an \xc3\xbc"
		   "ber-long tail of plain words");
	check_text("double spaces between non-ASCII words",
		   "\xd0\xbf\xd1\x80\xd0\xb8  \xd0\xbc\xd0\xb8\xd1\x80   "
		   "\xc3\xa9t\xc3\xa9");
	check_text("spaces around a non-ASCII word",
		   "  \xc3\xa9  plain  \xc3\xa9  ");
	check_text("a literal =?x?= word", "see =?x?= here");
	check_text("a literal encoded-word", "=?UTF-8?Q?abc?= and =?x?=");
	check_text("a literal encoded-word next to UTF-8",
		   "\xc3\xa9 =?UTF-8?B?YQ==?= \xc3\xa9");
	check_text("Q specials in UTF-8 text",
		   "\xc3\xa9 a_b ?=? 100% \"q\" (c) \xc3\xa9");
	memset(big, 'x', 100);
	big[100] = '\0';
	check_text("one 100-character ASCII word", big);
	check_text("mixed scripts",
		   "\xce\x95\xce\xbb\xce\xbb\xce\xb7\xce\xbd\xce\xb9\xce\xba"
		   "\xce\xac \xd7\xa2\xd7\x91\xd7\xa8\xd7\x99\xd7\xaa "
		   "\xd8\xa7\xd9\x84\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xd8\xa9 "
		   "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 \xe4\xb8\xad\xe6\x96"
		   "\x87 \xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\xa8\xe0\xa5\x8d"
		   "\xe0\xa4\xa6\xe0\xa5\x80");
}

/* hdr_phrase through "From:", decoded as a phrase. */
static void check_phrase(const char *label, const char *name, const char *want)
{
	struct ew_stats st;
	char *f = phrase_field(name);
	char *u = unfold(f);
	char *dec;

	if (want != NULL) {
		is_str(f, want, label);
	}
	ok(lines_ok(f, true), "%s: lines of at most 78, ASCII", label);
	dec = rfc2047_decode(u + 5, true, &st);
	if (has_8bit(name) || strstr(name, "=?") != NULL) {
		char *exp = malloc(strlen(name) + 2);
		exp[0] = ' ';
		strcpy(exp + 1, name);
		is_str(dec, exp, label);
		ok(st.words > 0 && st.too_long == 0 && st.malformed == 0 &&
			   st.bad_utf8 == 0 && st.bad_q == 0,
		   "%s: phrase-safe encoded-words (RFC 2047 5(3))", label);
		free(exp);
	}
	free(dec);
	free(u);
	free(f);
}

static void test_phrase(void)
{
	check_phrase("atoms stay", "John Smith", "From: John Smith\n");
	check_phrase("one atom", "root", "From: root\n");
	check_phrase("atext specials stay", "a!#$%&'*+-/=^_`{|}~?b",
		     "From: a!#$%&'*+-/=^_`{|}~?b\n");
	check_phrase("a comma makes a quoted-string", "Doe, John",
		     "From: \"Doe, John\"\n");
	check_phrase("quotes and backslashes escaped", "say \"hi\" \\o/",
		     "From: \"say \\\"hi\\\" \\\\o/\"\n");
	check_phrase("a dot makes a quoted-string", "John Q. Public",
		     "From: \"John Q. Public\"\n");
	check_phrase("double spaces quoted", "a  b", "From: \"a  b\"\n");
	check_phrase("non-ASCII encoded", "J\xc3\xb6rg M\xc3\xbcller", NULL);
	check_phrase("non-ASCII with a comma",
		     "M\xc3\xbcller, J\xc3\xb6rg (IT)", NULL);
	check_phrase("Cyrillic name",
		     "\xd0\x90\xd0\xbd\xd0\xbd\xd0\xb0 \xd0\x9a\xd0\xb0\xd1\x80"
		     "\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xbd\xd0\xb0",
		     NULL);
	check_phrase("ASCII that looks like an encoded-word", "=?x?=", NULL);
	char *f = phrase_field("J\xc3\xb6rg");
	ok(strstr(f, "=?UTF-8?") != NULL && !has_8bit(f),
	   "a non-ASCII name becomes encoded-words");
	free(f);
}

static void test_mailboxes(void)
{
	struct addrlist l = { 0 };
	struct buf b;
	struct hdr h;
	struct err e = { 0 };
	char *u;

	addrlist_push(&l, "A", "a@b.c");
	addrlist_push(&l, NULL, "d@e.f");
	buf_init(&b, 0);
	hdr_begin(&h, &b, "To");
	hdr_addrlist(&h, &l);
	is_int(hdr_end(&h, &e), 0, "hdr_end of an address list");
	is_str(b.data, "To: A <a@b.c>, d@e.f\n", "hdr_addrlist");

	buf_reset(&b);
	hdr_begin(&h, &b, "Sender");
	hdr_mailbox(&h, &l.v[0]);
	hdr_end(&h, &e);
	is_str(b.data, "Sender: A <a@b.c>\n", "hdr_mailbox with a name");

	buf_reset(&b);
	hdr_begin(&h, &b, "Sender");
	hdr_mailbox(&h, &l.v[1]);
	hdr_end(&h, &e);
	is_str(b.data, "Sender: d@e.f\n", "hdr_mailbox without a name");

	addrlist_finish(&l);
	addrlist_push(&l, "Doe, John", "j@x.org");
	addrlist_push(&l, "J\xc3\xb6rg", "j@x.de");
	buf_reset(&b);
	hdr_begin(&h, &b, "Cc");
	hdr_addrlist(&h, &l);
	hdr_end(&h, &e);
	ok(strncmp(b.data, "Cc: \"Doe, John\" <j@x.org>, =?UTF-8?", 35) == 0,
	   "quoted and encoded names in a list");
	ok(lines_ok(b.data, true), "the list is ASCII");

	/* Twenty mailboxes fold between them, never inside an address. */
	addrlist_finish(&l);
	for (int i = 0; i < 20; i++) {
		char addr[64], name[64];
		snprintf(addr, sizeof(addr), "user%02d@example.org", i);
		snprintf(name, sizeof(name), "User Number %d", i);
		addrlist_push(&l, i % 2 ? name : NULL, addr);
	}
	buf_reset(&b);
	hdr_begin(&h, &b, "To");
	hdr_addrlist(&h, &l);
	is_int(hdr_end(&h, &e), 0, "a long list ends fine");
	ok(lines_ok(b.data, true), "a long list folds to lines of at most 78");
	u = unfold(b.data);
	static const char head[] = "To: user00@example.org, User Number 1 "
				   "<user01@example.org>, user02@example.org, ";
	ok(strncmp(u, head, sizeof(head) - 1) == 0,
	   "unfolded, the list reads as written");
	ok(strstr(u, "User Number 19 <user19@example.org>") != NULL &&
		   u[strlen(u) - 1] == '>',
	   "the last mailbox ends the field");
	free(u);
	addrlist_finish(&l);
	buf_finish(&b);
}

static void test_hdr_end(void)
{
	char tok[1001];
	struct buf b;
	struct hdr h;
	struct err e = { 0 };

	memset(tok, 'x', 1000);
	tok[1000] = '\0';
	buf_init(&b, 0);
	hdr_begin(&h, &b, "X-Long");
	hdr_token(&h, tok, 1000);
	is_int(hdr_end(&h, &e), -1, "a 1000-character token fails");
	is_int(e.cls, ERR_USAGE, "with ERR_USAGE");
	ok(strstr(e.msg, "X-Long") != NULL, "the message names the header");

	/* "X: " and 995 characters: a line of 998 octets is allowed. */
	buf_reset(&b);
	hdr_begin(&h, &b, "X");
	hdr_token(&h, tok, 995);
	is_int(hdr_end(&h, &e), 0, "a line of exactly 998 octets is fine");
	buf_reset(&b);
	hdr_begin(&h, &b, "X");
	hdr_token(&h, tok, 996);
	is_int(hdr_end(&h, &e), -1, "a line of 999 octets fails");

	/* Tokens that fit on their own lines are folded, not refused. */
	buf_reset(&b);
	hdr_begin(&h, &b, "X");
	for (int i = 0; i < 30; i++) {
		hdr_token(&h, tok, 70);
	}
	is_int(hdr_end(&h, &e), 0, "thirty 70-character tokens fold");
	ok(lines_ok(b.data, true), "each on a line of its own");

	/* hdr_raw glues to the token before it. */
	buf_reset(&b);
	hdr_begin(&h, &b, "Content-Type");
	hdr_token(&h, "text/plain", 10);
	hdr_raw(&h, ";", 1);
	hdr_token(&h, "charset=utf-8", 13);
	hdr_end(&h, &e);
	is_str(b.data, "Content-Type: text/plain; charset=utf-8\n",
	       "hdr_token and hdr_raw");
	buf_finish(&b);
}

static void test_names_and_utf8(void)
{
	char name[80];

	ok(header_name_valid("Subject"), "Subject is a field name");
	ok(header_name_valid("X-Mailer"), "X-Mailer is a field name");
	ok(header_name_valid("!#$%&'*+-.^_`|~"), "ftext punctuation");
	ok(!header_name_valid(""), "the empty name is not");
	ok(!header_name_valid("Bad Name"), "a space is not ftext");
	ok(!header_name_valid("Bad:Name"), "a colon is not ftext");
	ok(!header_name_valid("Tab\tName"), "a tab is not ftext");
	ok(!header_name_valid("X\nBcc"), "a LF is not ftext");
	ok(!header_name_valid("\xc3\x9c"
			      "ber"),
	   "8-bit is not ftext");
	ok(!header_name_valid("X\x7f"), "DEL is not ftext");
	memset(name, 'X', 76);
	name[76] = '\0';
	ok(header_name_valid(name), "a 76-character name");

	ok(utf8_valid("", 0), "empty is UTF-8");
	ok(utf8_valid("plain", 5), "ASCII is UTF-8");
	ok(utf8_valid("a\0b", 3), "a NUL is UTF-8");
	ok(utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9),
	   "2, 3 and 4-byte characters");
	ok(utf8_valid("\xf4\x8f\xbf\xbf", 4), "U+10FFFF");
	ok(!utf8_valid("\xc0\x80", 2), "overlong C0 80");
	ok(!utf8_valid("\xe0\x80\xaf", 3), "overlong E0 80 AF");
	ok(!utf8_valid("\xed\xa0\x80", 3), "surrogate ED A0 80");
	ok(!utf8_valid("\xf4\x90\x80\x80", 4), "over U+10FFFF");
	ok(!utf8_valid("\xf5\x80\x80\x80", 4), "F5 lead byte");
	ok(!utf8_valid("\x80", 1), "lone continuation byte");
	ok(!utf8_valid("a\xc3", 2), "truncated at the end");
	ok(!utf8_valid("\xe2\x82\xac", 2), "truncated by the length");
	ok(!utf8_valid("\xe2\x82"
		       "a",
		       3),
	   "ASCII inside a sequence");
	ok(!utf8_valid("\xff", 1), "FF byte");
}

static void test_dates(void)
{
	char out[HDR_DATE_MAX];
	time_t t = 12345;

	setenv("TZ", "UTC", 1);
	tzset();
	header_date(0, out);
	is_str(out, "Thu, 01 Jan 1970 00:00:00 +0000", "header_date(0) in UTC");
	header_date(1700000000, out);
	is_str(out, "Tue, 14 Nov 2023 22:13:20 +0000",
	       "header_date(1700000000) in UTC");
	/* A POSIX TZ string needs no zone database. */
	setenv("TZ", "CET-1", 1);
	tzset();
	header_date(1700000000, out);
	is_str(out, "Tue, 14 Nov 2023 23:13:20 +0100",
	       "header_date in a zone east of UTC");
	setenv("TZ", "EST5", 1);
	tzset();
	header_date(1700000000, out);
	is_str(out, "Tue, 14 Nov 2023 17:13:20 -0500",
	       "header_date in a zone west of UTC");
	ok(header_parse_date(out, &t) == 0 && t == 1700000000,
	   "header_parse_date reads header_date back");
	setenv("TZ", "UTC", 1);
	tzset();

	t = 0;
	ok(header_parse_date("@1700000000", &t) == 0 && t == 1700000000,
	   "@SECONDS");
	t = 0;
	ok(header_parse_date("Tue, 14 Nov 2023 22:13:20 +0000", &t) == 0 &&
		   t == 1700000000,
	   "RFC 5322 date with day name");
	t = 0;
	ok(header_parse_date("14 Nov 2023 23:13:20 +0100", &t) == 0 &&
		   t == 1700000000,
	   "without day name, +0100: the same instant");
	t = 0;
	ok(header_parse_date("Tue, 14 Nov 2023 17:13:20 -0500", &t) == 0 &&
		   t == 1700000000,
	   "-0500: the same instant");
	ok(header_parse_date("@0", &t) == 0 && t == 0, "@0");

	/* RFC 5322 3.3: seconds are optional and CFWS may follow. */
	t = 0;
	ok(header_parse_date("Tue, 14 Nov 2023 22:13 +0000", &t) == 0 &&
		   t == 1699999980,
	   "a date-time without seconds (RFC 5322 3.3 [\":\" second])");
	t = 0;
	ok(header_parse_date("Tue, 14 Nov 2023 22:13:20 +0000 (UTC)", &t) ==
			   0 &&
		   t == 1700000000,
	   "a date-time followed by a comment (RFC 5322 3.3 [CFWS])");
	/* RFC 5322 3.3 semantics: MUSTs on the values. */
	static const char *const invalid[] = {
		"Mon, 14 Nov 2023 22:13:20 +0000", /* 14 Nov 2023 is a Tue */
		"Fri, 31 Feb 2023 00:00:00 +0000", /* no 31 February */
		"14 Nov 2023 22:13:61 +0000",      /* second over 60 */
		"14 Nov 2023 24:00:00 +0000",      /* hour over 23 */
		"14 Nov 2023 22:13:20 +0160",      /* zone minutes over 59 */
	};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		t = 42;
		ok(header_parse_date(invalid[i], &t) == -1 && t == 42,
		   "'%s' breaks an RFC 5322 3.3 MUST: refused", invalid[i]);
	}
	/* RFC 5322 4.3: a two-digit year 00-49 is 2000-2049; it must not be
	 * taken as the year 23. */
	t = 0;
	int r2 = header_parse_date("14 Nov 23 22:13:20 +0000", &t);
	ok(r2 == -1 || t == 1700000000,
	   "'14 Nov 23' is refused or read as 2023 (RFC 5322 4.3): "
	   "returned %d, t %lld",
	   r2, (long long)t);

	static const char *const garbage[] = {
		"garbage",
		"",
		"@",
		"@12x",
		"@-5",
		"Tue, 14 Nov 2023 22:13:20",
		"Tue, 14 Nov 2023 22:13:20 +0000 trailing",
		"14 Nov 2023",
		"2023-11-14T22:13:20Z",
	};
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		t = 42;
		ok(header_parse_date(garbage[i], &t) == -1 && t == 42,
		   "'%s' is refused, t untouched", garbage[i]);
	}
}

static void check_msgid(const char *in, const char *want)
{
	char *out = NULL;
	int r = header_msgid_normalize(in, &out);

	if (want == NULL) {
		ok(r == -1, "msg-id '%s' is refused", in);
	} else if (ok(r == 0, "msg-id '%s' is accepted", in)) {
		is_str(out, want, "normalized with brackets");
	}
	free(out);
}

static void test_msgid(void)
{
	static const unsigned char rnd[16] = { 0x00, 0x01, 0x02, 0x03,
					       0x04, 0x05, 0x06, 0x07,
					       0x08, 0x09, 0x0a, 0x0b,
					       0xac, 0xbd, 0xee, 0xff };
	char *id, *norm = NULL;

	check_msgid("<abc.def@example.org>", "<abc.def@example.org>");
	check_msgid("abc.def@example.org", "<abc.def@example.org>");
	check_msgid("a@b", "<a@b>");
	check_msgid("x@[192.0.2.1]", "<x@[192.0.2.1]>");
	check_msgid("noat", NULL);
	check_msgid("<noat>", NULL);
	check_msgid("a b@example.org", NULL);
	check_msgid("<a@exa mple.org>", NULL);
	check_msgid("@example.org", NULL);
	check_msgid("abc@", NULL);
	check_msgid("<@>", NULL);
	check_msgid("<>", NULL);
	check_msgid("", NULL);
	check_msgid("a..b@c", NULL);
	check_msgid(".a@c", NULL);
	check_msgid("a@b.", NULL);
	check_msgid("<a@b", NULL);
	check_msgid("a@b>", NULL);
	check_msgid("<<a@b>>", NULL);
	check_msgid("a@b@c", NULL);

	id = header_msgid_new(1700000000, rnd, "example.org");
	is_str(id,
	       "<20231114221320.000102030405060708090a0bacbdeeff@example.org>",
	       "header_msgid_new: <UTC time.hex random@domain>");
	ok(header_msgid_normalize(id, &norm) == 0 && norm != NULL &&
		   strcmp(norm, id) == 0,
	   "a new Message-ID is a valid msg-id");
	free(norm);
	free(id);
}

int main(void)
{
	plan_lazy();
	setenv("TZ", "UTC", 1);
	tzset();
	test_text_ascii();
	test_text_encoded();
	test_phrase();
	test_mailboxes();
	test_hdr_end();
	test_names_and_utf8();
	test_dates();
	test_msgid();
	return done_testing();
}
