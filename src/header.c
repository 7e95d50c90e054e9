#include "header.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "xalloc.h"

static size_t col_of(const struct hdr *h)
{
	return h->out->len - h->line_start;
}

static void check_len(struct hdr *h)
{
	if (col_of(h) > HDR_LINE_MAX) {
		h->too_long = true;
	}
}

void hdr_begin(struct hdr *h, struct buf *out, const char *name)
{
	h->out = out;
	h->name = name;
	h->line_start = out->len;
	h->fresh = true;
	h->too_long = false;
	h->tok_space = 0;
	h->tok_movable = false;
	buf_puts(out, name);
	buf_putc(out, ':');
}

void hdr_token(struct hdr *h, const char *tok, size_t n)
{
	/* RFC 5322 3.2.2: a line of white space alone is not a fold, so
	 * an empty token never moves to a line of its own. */
	if (!h->fresh && n > 0 && col_of(h) + 1 + n > HDR_FOLD_COL) {
		buf_putc(h->out, '\n');
		h->line_start = h->out->len;
	}
	h->tok_movable = !h->fresh && h->out->len > h->line_start && n > 0;
	h->tok_space = h->out->len;
	buf_putc(h->out, ' ');
	buf_append(h->out, tok, n);
	h->fresh = false;
	check_len(h);
}

void hdr_raw(struct hdr *h, const char *s, size_t n)
{
	/* What sticks to the last token (a ',' or ';') may push the line
	 * past 78: then fold before that token after all, turning the
	 * space in front of it into the fold. */
	if (col_of(h) + n > HDR_FOLD_COL && h->tok_movable &&
	    h->tok_space > h->line_start) {
		buf_putc(h->out, '\0');
		memmove(h->out->data + h->tok_space + 1,
			h->out->data + h->tok_space,
			h->out->len - 1 - h->tok_space);
		h->out->data[h->tok_space] = '\n';
		h->line_start = h->tok_space + 1;
		h->tok_movable = false;
	}
	buf_append(h->out, s, n);
	check_len(h);
}

int hdr_end(struct hdr *h, struct err *e)
{
	buf_putc(h->out, '\n');
	if (h->too_long) {
		return err_set(
			e, ERR_USAGE,
			"%s: a header line would be longer than %d octets",
			h->name, HDR_LINE_MAX);
	}
	return 0;
}

bool header_name_valid(const char *name)
{
	size_t n = 0;

	for (const char *p = name; *p != '\0'; p++, n++) {
		if ((unsigned char)*p < 33 || (unsigned char)*p > 126 ||
		    *p == ':') {
			return false;
		}
	}
	return n > 0 && n <= HDR_NAME_MAX;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		int need;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
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
		if (n - i <= (size_t)need) {
			return false;
		}
		if (p[i + 1] < lo || p[i + 1] > hi) {
			return false;
		}
		for (int k = 2; k <= need; k++) {
			if (p[i + k] < 0x80 || p[i + k] > 0xbf) {
				return false;
			}
		}
		i += (size_t)need + 1;
	}
	return true;
}

size_t utf8_char_len(const unsigned char *s, size_t left)
{
	size_t n = 1;

	if (s[0] >= 0xf0) {
		n = 4;
	} else if (s[0] >= 0xe0) {
		n = 3;
	} else if (s[0] >= 0xc0) {
		n = 2;
	}
	return n <= left ? n : left;
}

/* RFC 2047 5(3): the characters a Q-encoded word may carry as they are
 * anywhere, phrases included. */
static bool q_literal(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	       c == '-' || c == '/';
}

static size_t q_len(unsigned char c)
{
	return q_literal(c) || c == ' ' ? 1 : 3;
}

#define EW_PREFIX "=?UTF-8?"
#define EW_OVERHEAD 12 /* "=?UTF-8?Q?" and "?=" */
#define EW_PAYLOAD (HDR_EW_MAX - EW_OVERHEAD)

/* Emits s as encoded-words, Q or B, whichever is shorter; each word
 * holds whole UTF-8 characters and is at most HDR_EW_MAX long. */
static void encode_words(struct hdr *h, const char *s, size_t n,
			 const char *open, const char *close)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t qlen = 0, lo = strlen(open), lc = strlen(close);
	bool use_b;
	char word[HDR_EW_MAX + 1 + 16 + 16];

	for (size_t i = 0; i < n; i++) {
		qlen += q_len(p[i]);
	}
	use_b = (n + 2) / 3 * 4 < qlen;
	size_t i = 0;
	while (i < n) {
		size_t start = i, payload = 0, max = EW_PAYLOAD;
		size_t room = HDR_FOLD_COL - 1 - col_of(h);
		size_t extra = (i == 0 ? lo : 0) + lc;

		/* What is glued to the word must fit on its line too. */
		if (EW_PAYLOAD + EW_OVERHEAD + extra > HDR_FOLD_COL - 1) {
			max = HDR_FOLD_COL - 1 - EW_OVERHEAD - extra;
		}
		/* A first word shares its line with what precedes it; make
		 * it fit there rather than run past column 78. */
		if (h->fresh && room < HDR_EW_MAX + extra &&
		    room >= EW_OVERHEAD + extra + 8 &&
		    room - EW_OVERHEAD - extra < max) {
			max = room - EW_OVERHEAD - extra;
		}

		/* Whole characters while the payload fits. */
		while (i < n) {
			size_t cl = utf8_char_len(p + i, n - i), add = 0;

			if (use_b) {
				add = (i - start + cl + 2) / 3 * 4 - payload;
			} else {
				for (size_t k = 0; k < cl; k++) {
					add += q_len(p[i + k]);
				}
			}
			if (payload + add > max && i > start) {
				break;
			}
			payload += add;
			i += cl;
		}
		size_t w = 0;
		if (start == 0) {
			memcpy(word, open, lo);
			w = lo;
		}
		memcpy(word + w, EW_PREFIX, 8);
		w += 8;
		word[w++] = use_b ? 'B' : 'Q';
		word[w++] = '?';
		if (use_b) {
			w += base64_encode(p + start, i - start, word + w);
		} else {
			for (size_t k = start; k < i; k++) {
				if (p[k] == ' ') {
					word[w++] = '_';
				} else if (q_literal(p[k])) {
					word[w++] = (char)p[k];
				} else {
					word[w++] = '=';
					word[w++] = hex[p[k] >> 4];
					word[w++] = hex[p[k] & 15];
				}
			}
		}
		word[w++] = '?';
		word[w++] = '=';
		if (i == n) {
			memcpy(word + w, close, lc);
			w += lc;
		}
		hdr_token(h, word, w);
	}
}

/* A word of unstructured text that cannot go as it is. */
static bool needs_encoding(const char *w, size_t n)
{
	if (n + 1 > HDR_FOLD_COL - 1) {
		return true; /* too long to fold: encoded-words can split */
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];
		if (c >= 0x7f || c < 32) {
			return true;
		}
		if (c == '=' && i + 1 < n && w[i + 1] == '?') {
			return true; /* would be read as an encoded-word */
		}
	}
	return false;
}

struct word {
	const char *p;
	size_t n;
	bool enc;
};

void hdr_text(struct hdr *h, const char *s)
{
	size_t nw = 1, k = 0;
	struct word *w;

	for (const char *p = s; *p != '\0'; p++) {
		nw += *p == ' ';
	}
	w = xcalloc(nw, sizeof(*w));
	for (const char *p = s;; p++) {
		const char *sp = strchr(p, ' ');
		size_t n = sp != NULL ? (size_t)(sp - p) : strlen(p);

		w[k].p = p;
		w[k].n = n;
		w[k].enc = needs_encoding(p, n);
		k++;
		if (sp == NULL) {
			break;
		}
		p = sp;
	}
	/* RFC 2047 6.2: white space between two encoded-words vanishes on
	 * decoding, so empty words (runs of spaces) between two encoded
	 * words go inside the encoding. */
	for (size_t i = 0; i < nw; i++) {
		if (w[i].n > 0 || w[i].enc) {
			continue;
		}
		size_t j = i;
		while (j < nw && w[j].n == 0) {
			j++;
		}
		if (i > 0 && w[i - 1].enc && j < nw && w[j].enc) {
			for (size_t m = i; m < j; m++) {
				w[m].enc = true;
			}
		}
		i = j - 1;
	}
	for (size_t i = 0; i < nw;) {
		if (!w[i].enc) {
			hdr_token(h, w[i].p, w[i].n);
			i++;
			continue;
		}
		size_t j = i;
		while (j + 1 < nw && w[j + 1].enc) {
			j++;
		}
		encode_words(h, w[i].p, (size_t)(w[j].p + w[j].n - w[i].p), "",
			     "");
		i = j + 1;
	}
	free(w);
}

static bool is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

void hdr_phrase(struct hdr *h, const char *s)
{
	size_t n = strlen(s);
	bool ascii = true, atoms = n > 0 && s[0] != ' ' && s[n - 1] != ' ';

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 32 || c >= 127) {
			ascii = false;
		} else if (c == ' ') {
			atoms = atoms && s[i + 1] != ' ';
		} else if (!is_atext(c)) {
			atoms = false;
		}
		if (c == '=' && s[i + 1] == '?') {
			ascii = false;
		}
	}
	if (!ascii || n > HDR_FOLD_COL - 2) {
		encode_words(h, s, n, "", "");
		return;
	}
	if (atoms) {
		hdr_text(h, s);
		return;
	}
	/* RFC 5322 3.2.4 quoted-string; it may fold at its spaces. */
	struct buf q;
	buf_init(&q, 0);
	buf_putc(&q, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			buf_putc(&q, '\\');
		}
		buf_putc(&q, s[i]);
	}
	buf_putc(&q, '"');
	char *p = q.data;
	for (;;) {
		char *sp = strchr(p, ' ');
		size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		hdr_token(h, p, len);
		if (sp == NULL) {
			break;
		}
		p = sp + 1;
	}
	buf_finish(&q);
}

void hdr_mailbox(struct hdr *h, const struct mailbox *mb)
{
	if (mb->name != NULL && mb->name[0] != '\0') {
		size_t n = strlen(mb->addr);
		char *a = xcalloc(n + 3, 1);

		hdr_phrase(h, mb->name);
		a[0] = '<';
		memcpy(a + 1, mb->addr, n);
		a[n + 1] = '>';
		hdr_token(h, a, n + 2);
		free(a);
	} else {
		hdr_token(h, mb->addr, strlen(mb->addr));
	}
}

void hdr_addrlist(struct hdr *h, const struct addrlist *list)
{
	for (size_t i = 0; i < list->n; i++) {
		hdr_mailbox(h, &list->v[i]);
		if (i + 1 < list->n) {
			hdr_raw(h, ",", 1);
		}
	}
}

void header_date(time_t t, char out[HDR_DATE_MAX])
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, HDR_DATE_MAX, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so no time zone or libc state is involved. */
static long long days_from_civil(long long y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int read_num(const char **p, int min_digits, int max_digits,
		    long long *v)
{
	int n = 0;

	*v = 0;
	while (**p >= '0' && **p <= '9' && n < max_digits) {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n >= min_digits && !(**p >= '0' && **p <= '9') ? n : -1;
}

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t') {
		(*p)++;
	}
}

static int find_name(const char **p, const char *const *names, int count)
{
	for (int i = 0; i < count; i++) {
		if (strncasecmp(*p, names[i], 3) == 0) {
			*p += 3;
			return i;
		}
	}
	return -1;
}

/* RFC 5322 3.3 date-time, with the obsolete forms of 4.3 that still
 * turn up: two-digit years and named zones. */
static int parse_rfc5322_date(const char *s, time_t *t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
					    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
					      "May", "Jun", "Jul", "Aug",
					      "Sep", "Oct", "Nov", "Dec" };
	static const int mdays[] = { 31, 29, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	static const struct {
		const char *name;
		int off;
	} zones[] = { { "UT", 0 },        { "GMT", 0 },
		      { "Z", 0 },         { "EST", -5 * 60 },
		      { "EDT", -4 * 60 }, { "CST", -6 * 60 },
		      { "CDT", -5 * 60 }, { "MST", -7 * 60 },
		      { "MDT", -6 * 60 }, { "PST", -8 * 60 },
		      { "PDT", -7 * 60 } };
	const char *p = s;
	long long day, year, hh, mm, ss = 0, zone;
	int wday = -1, mon, ydigits, off = 0;

	skip_ws(&p);
	if (*p >= 'A') {
		if ((wday = find_name(&p, days, 7)) < 0) {
			return -1;
		}
		skip_ws(&p);
		if (*p++ != ',') {
			return -1;
		}
		skip_ws(&p);
	}
	if (read_num(&p, 1, 2, &day) < 0) {
		return -1;
	}
	skip_ws(&p);
	if ((mon = find_name(&p, months, 12)) < 0) {
		return -1;
	}
	skip_ws(&p);
	if ((ydigits = read_num(&p, 2, 4, &year)) < 0) {
		return -1;
	}
	if (ydigits == 2) {
		year += year < 50 ? 2000 : 1900;
	} else if (ydigits == 3) {
		year += 1900;
	}
	skip_ws(&p);
	if (read_num(&p, 2, 2, &hh) < 0 || *p++ != ':' ||
	    read_num(&p, 2, 2, &mm) < 0) {
		return -1;
	}
	if (*p == ':' && (p++, read_num(&p, 2, 2, &ss)) < 0) {
		return -1;
	}
	skip_ws(&p);
	if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		if (read_num(&p, 4, 4, &zone) < 0 || zone % 100 > 59) {
			return -1;
		}
		off = sign * (int)(zone / 100 * 60 + zone % 100);
	} else {
		size_t i, n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
		for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
			if (strlen(zones[i].name) == n &&
			    strncmp(p, zones[i].name, n) == 0) {
				break;
			}
		}
		if (n == 0 || i == sizeof(zones) / sizeof(zones[0])) {
			return -1;
		}
		off = zones[i].off;
		p += n;
	}
	skip_ws(&p);
	if (*p == '(') {
		const char *close = strrchr(p, ')');
		if (close == NULL) {
			return -1;
		}
		p = close + 1;
		skip_ws(&p);
	}
	if (*p != '\0' || year < 1900 || day < 1 || hh > 23 || mm > 59 ||
	    ss > 60) {
		return -1;
	}
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (day > mdays[mon] || (mon == 1 && day == 29 && !leap)) {
		return -1;
	}
	long long since = days_from_civil(year, mon + 1, (int)day);
	/* 1970-01-01 was a Thursday. */
	if (wday >= 0 && ((since % 7 + 11) % 7) != wday) {
		return -1;
	}
	*t = (time_t)(since * 86400 + hh * 3600 + mm * 60 + ss - off * 60LL);
	return 0;
}

int header_parse_date(const char *s, time_t *t)
{
	if (s[0] == '@') {
		const char *errstr;
		long long v = strtonum(s + 1, 0, 253402300799LL, &errstr);

		if (errstr != NULL) {
			return -1;
		}
		*t = (time_t)v;
		return 0;
	}
	return parse_rfc5322_date(s, t);
}

static bool dot_atom(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.') {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.' ? s[i + 1] == '.'
				: !is_atext((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

int header_msgid_normalize(const char *s, char **out)
{
	size_t n = strlen(s);
	const char *at;

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	at = memchr(s, '@', n);
	if (at == NULL || n > HDR_FOLD_COL * 4) {
		return -1;
	}
	size_t left = (size_t)(at - s), right = n - left - 1;
	if (!dot_atom(s, left)) {
		return -1;
	}
	if (right >= 2 && at[1] == '[' && at[right] == ']') {
		for (size_t i = 2; i < right; i++) {
			unsigned char c = (unsigned char)at[i];
			if (c < 33 || c > 126 || c == '[' || c == ']' ||
			    c == '\\') {
				return -1;
			}
		}
	} else if (!dot_atom(at + 1, right)) {
		return -1;
	}
	*out = xcalloc(n + 3, 1);
	(*out)[0] = '<';
	memcpy(*out + 1, s, n);
	(*out)[n + 1] = '>';
	return 0;
}

char *header_msgid_new(time_t now, const unsigned char rnd[16],
		       const char *domain)
{
	struct tm tm;
	struct buf b;

	gmtime_r(&now, &tm);
	buf_init(&b, 0);
	buf_printf(&b, "<%04d%02d%02d%02d%02d%02d.", tm.tm_year + 1900,
		   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	for (int i = 0; i < 16; i++) {
		buf_printf(&b, "%02x", rnd[i]);
	}
	buf_printf(&b, "@%s>", domain);
	return buf_take(&b);
}

void hdr_encoded(struct hdr *h, const char *s, const char *open,
		 const char *close)
{
	encode_words(h, s, strlen(s), open, close);
}
