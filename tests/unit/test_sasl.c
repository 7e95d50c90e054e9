/* SMTP AUTH exchanges against known answers: PLAIN (RFC 4616), XOAUTH2,
 * LOGIN, CRAM-MD5 with the RFC 2195 example, and SCRAM-SHA-256 (RFC
 * 5802, 7677) with the server's proof checked every way it can go
 * wrong; then sasl_pick's order.
 *
 * sasl_start makes the SCRAM client nonce by base64-encoding 24 random
 * bytes, so it is always 32 characters and RFC 7677's 20-character
 * "rOprNGfwEbeRWgbNEkqO" cannot be produced. The SCRAM answers below
 * are instead RFC 7677's exchange (user "user", password "pencil", its
 * salt, iteration count and server nonce part) with the client nonce
 * made of the bytes 0..23, computed independently with Python's hashlib
 * (pbkdf2_hmac, hmac), a script first checked to reproduce RFC 7677's
 * own p= and v= for the RFC's nonce:
 *
 *   salted = pbkdf2_hmac('sha256', b'pencil', b64decode(salt), 4096)
 *   ck = HMAC(salted, 'Client Key'); sk = HMAC(salted, 'Server Key')
 *   am = first_bare + ',' + server_first + ',' + final_without_proof
 *   p = ck XOR HMAC(SHA256(ck), am); v = HMAC(sk, am) */
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "caps.h"
#include "sasl.h"
#include "tap.h"

/* The 24 bytes 0, 1, ..., 23 for every call. */
static void counting_random(void *p, size_t n)
{
	unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		b[i] = (unsigned char)i;
	}
}

static size_t random_calls, random_bytes;

static void counted_random(void *p, size_t n)
{
	random_calls++;
	random_bytes += n;
	counting_random(p, n);
}

/* base64 of the 24 bytes 0..23 */
#define CNONCE "AAECAwQFBgcICQoLDA0ODxAREhMUFRYX"
#define SNONCE_PART "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define SALT "W22ZaJ0SNY7soEsUEjb6gQ=="
#define SERVER_FIRST "r=" CNONCE SNONCE_PART ",s=" SALT ",i=4096"
#define CLIENT_FIRST "n,,n=user,r=" CNONCE
#define CLIENT_FINAL                   \
	"c=biws,r=" CNONCE SNONCE_PART \
	",p=s1tbZSSATf6gi8wd7wtWpc4O6Ai49yPlkId1DrfY3Ts="
#define SERVER_FINAL "v=/4aESTSIhhoRWA3LxQ4esr8kVtKlTRSbHngUpe8h2o4="
/* The same messages base64-encoded (Python's base64.b64encode). */
#define CLIENT_FIRST_B64 \
	"biwsbj11c2VyLHI9QUFFQ0F3UUZCZ2NJQ1FvTERBME9EeEFSRWhNVUZSWVg="
#define SERVER_FIRST_B64                                                   \
	"cj1BQUVDQXdRRkJnY0lDUW9MREEwT0R4QVJFaE1VRlJZWCVodllEcFdVYTJSYVRD" \
	"QWZ1eEZJbGopaE5sRiRrMCxzPVcyMlphSjBTTlk3c29Fc1VFamI2Z1E9PSxpPTQw" \
	"OTY="
#define CLIENT_FINAL_B64                                                   \
	"Yz1iaXdzLHI9QUFFQ0F3UUZCZ2NJQ1FvTERBME9EeEFSRWhNVUZSWVglaHZZRHBX" \
	"VWEyUmFUQ0FmdXhGSWxqKWhObEYkazAscD1zMXRiWlNTQVRmNmdpOHdkN3d0V3Bj" \
	"NE82QWk0OXlQbGtJZDFEcmZZM1RzPQ=="
#define SERVER_FINAL_B64 \
	"dj0vNGFFU1RTSWhob1JXQTNMeFE0ZXNyOGtWdEtsVFJTYkhuZ1VwZThoMm80PQ=="

/* base64 of text, in a static buffer for one use at a time. */
static const char *b64(const char *text, size_t n)
{
	static char out[4096];

	base64_encode(text, n, out);
	return out;
}

/* Decodes a base64 response for readable comparisons. */
static const char *unb64(const struct buf *b, size_t *n)
{
	static unsigned char out[4096];
	ssize_t k;

	if (b->len == 0) {
		*n = 0;
		return "";
	}
	k = base64_decode(b->data, b->len, out);
	*n = k < 0 ? 0 : (size_t)k;
	return k < 0 ? "(not base64)" : (const char *)out;
}

static const char *data(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

static void test_names(void)
{
	is_str(sasl_name(AUTH_PLAIN), "PLAIN", "sasl_name PLAIN");
	is_str(sasl_name(AUTH_LOGIN), "LOGIN", "sasl_name LOGIN");
	is_str(sasl_name(AUTH_CRAM_MD5), "CRAM-MD5", "sasl_name CRAM-MD5");
	is_str(sasl_name(AUTH_SCRAM_SHA_256), "SCRAM-SHA-256",
	       "sasl_name SCRAM-SHA-256");
	is_str(sasl_name(AUTH_XOAUTH2), "XOAUTH2", "sasl_name XOAUTH2");
}

static void test_plain(void)
{
	static const char utf8[] =
		"\0j\xc3\xb6rg@example.org\0p\xc3\xa4ss word";
	struct sasl s;
	struct buf init;
	struct err e = { 0 };
	const char *d;
	size_t n;

	buf_init(&init, 0);
	is_int(sasl_start(&s, AUTH_PLAIN, "user", "pass", counting_random,
			  &init, &e),
	       0, "PLAIN starts");
	is_str(data(&init), "AHVzZXIAcGFzcw==",
	       "PLAIN initial response = base64(\"\\0user\\0pass\")");
	d = unb64(&init, &n);
	is_mem(d, n, "\0user\0pass", 10,
	       "... which decodes to NUL user NUL "
	       "pass (RFC 4616 2)");
	is_int(sasl_finish_ok(&s, &e), 0, "PLAIN: 235 is enough");
	sasl_finish(&s);

	is_int(sasl_start(&s, AUTH_PLAIN, "j\xc3\xb6rg@example.org",
			  "p\xc3\xa4ss word", counting_random, &init, &e),
	       0, "PLAIN with UTF-8 and a space");
	d = unb64(&init, &n);
	is_mem(d, n, utf8, sizeof(utf8) - 1, "... passed through as bytes");
	sasl_finish(&s);
	buf_finish(&init);
}

static void test_xoauth2(void)
{
	static const char want[] =
		"user=someuser@example.com\001"
		"auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\001\001";
	struct sasl s;
	struct buf init, resp;
	struct err e = { 0 };
	const char *d;
	size_t n;

	buf_init(&init, 0);
	buf_init(&resp, 0);
	is_int(sasl_start(&s, AUTH_XOAUTH2, "someuser@example.com",
			  "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
			  counting_random, &init, &e),
	       0, "XOAUTH2 starts");
	d = unb64(&init, &n);
	is_mem(d, n, want, sizeof(want) - 1,
	       "XOAUTH2 initial response: user=U ^A auth=Bearer T ^A ^A");
	/* Google's documented example of the encoded form. */
	is_str(data(&init),
	       "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==",
	       "XOAUTH2 initial response, base64 (Google's example)");
	/* RFC 7628 3.2.3: an error challenge is answered with an empty
	 * line. */
	is_int(sasl_step(&s,
			 "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIs"
			 "InNjb3BlIjoiaHR0cHM6Ly9tYWlsLmdvb2dsZS5jb20vIn0K",
			 &resp, &e),
	       0, "XOAUTH2: a JSON error challenge is answered");
	is_int(resp.len, 0, "... with an empty line");
	sasl_finish(&s);
	buf_finish(&init);
	buf_finish(&resp);
}

static void test_login(void)
{
	struct sasl s;
	struct buf init, resp;
	struct err e = { 0 };

	buf_init(&init, 0);
	buf_init(&resp, 0);
	is_int(sasl_start(&s, AUTH_LOGIN, "user", "pass", counting_random,
			  &init, &e),
	       0, "LOGIN starts");
	is_int(init.len, 0, "LOGIN: no initial response");
	is_int(sasl_step(&s, "VXNlcm5hbWU6", &resp, &e), 0,
	       "LOGIN: \"Username:\" challenge answered");
	is_str(data(&resp), "dXNlcg==", "... with base64(\"user\")");
	is_int(sasl_step(&s, "UGFzc3dvcmQ6", &resp, &e), 0,
	       "LOGIN: \"Password:\" challenge answered");
	is_str(data(&resp), "cGFzcw==", "... with base64(\"pass\")");
	memset(&e, 0, sizeof(e));
	is_int(sasl_step(&s, "UGFzc3dvcmQ6", &resp, &e), -1,
	       "LOGIN: a third challenge is an error");
	ok(e.cls == ERR_PROTOCOL || e.cls == ERR_TLS,
	   "... as ERR_PROTOCOL or ERR_TLS (got %d)", e.cls);
	ok(e.msg[0] != '\0', "... with a message");
	sasl_finish(&s);

	/* The prompts are not standardised: the order is what counts. */
	is_int(sasl_start(&s, AUTH_LOGIN, "u", "p", counting_random, &init, &e),
	       0, "LOGIN starts again");
	is_int(sasl_step(&s, "", &resp, &e), 0, "LOGIN: an empty challenge");
	is_str(data(&resp), "dQ==", "... answered with base64(\"u\")");
	is_int(sasl_step(&s, "cGFzc3dvcmQ6", &resp, &e), 0,
	       "LOGIN: a lower-case \"password:\" challenge");
	is_str(data(&resp), "cA==", "... answered with base64(\"p\")");
	sasl_finish(&s);

	is_int(sasl_start(&s, AUTH_LOGIN, "u", "p", counting_random, &init, &e),
	       0, "LOGIN starts again");
	memset(&e, 0, sizeof(e));
	is_int(sasl_step(&s, "VXNlcm5hbWU6!", &resp, &e), -1,
	       "LOGIN: a challenge that is not base64 is an error");
	ok(e.cls == ERR_PROTOCOL || e.cls == ERR_TLS,
	   "... as ERR_PROTOCOL or ERR_TLS (got %d)", e.cls);
	sasl_finish(&s);
	buf_finish(&init);
	buf_finish(&resp);
}

static void test_cram_md5(void)
{
	static const char challenge[] =
		"<1896.697170952@postoffice.reston.mci.net>";
	struct sasl s;
	struct buf init, resp;
	struct err e = { 0 };
	const char *d;
	size_t n;

	buf_init(&init, 0);
	buf_init(&resp, 0);
	is_int(sasl_start(&s, AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf",
			  counting_random, &init, &e),
	       0, "CRAM-MD5 starts");
	is_int(init.len, 0, "CRAM-MD5: no initial response");
	is_str(b64(challenge, sizeof(challenge) - 1),
	       "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
	       "the RFC 2195 challenge in base64");
	is_int(sasl_step(
		       &s,
		       "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
		       &resp, &e),
	       0, "CRAM-MD5: the RFC 2195 challenge is answered");
	d = unb64(&resp, &n);
	is_mem(d, n, "tim b913a602c7eda7a495b4e6e7334d3890", 36,
	       "... with RFC 2195's \"tim b913a602c7eda7a495b4e6e7334d3890\"");
	is_str(data(&resp), "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw",
	       "... in RFC 2195's base64");
	memset(&e, 0, sizeof(e));
	is_int(sasl_step(
		       &s,
		       "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
		       &resp, &e),
	       -1, "CRAM-MD5: a second challenge is an error");
	ok(e.cls == ERR_PROTOCOL || e.cls == ERR_TLS,
	   "... as ERR_PROTOCOL or ERR_TLS (got %d)", e.cls);
	is_int(sasl_finish_ok(&s, &e), 0, "CRAM-MD5: 235 is enough");
	sasl_finish(&s);
	buf_finish(&init);
	buf_finish(&resp);
}

/* Starts SCRAM-SHA-256 as user "user", password "pencil". */
static int scram_start(struct sasl *s, struct buf *init, struct err *e)
{
	memset(e, 0, sizeof(*e));
	return sasl_start(s, AUTH_SCRAM_SHA_256, "user", "pencil",
			  counting_random, init, e);
}

static void test_scram(void)
{
	struct sasl s;
	struct buf init, resp;
	struct err e = { 0 };
	const char *d;
	size_t n;

	buf_init(&init, 0);
	buf_init(&resp, 0);
	random_calls = random_bytes = 0;
	is_int(sasl_start(&s, AUTH_SCRAM_SHA_256, "user", "pencil",
			  counted_random, &init, &e),
	       0, "SCRAM-SHA-256 starts");
	ok(random_calls >= 1 && random_bytes >= 18,
	   "the nonce comes from random (%zu calls, %zu bytes)", random_calls,
	   random_bytes);
	d = unb64(&init, &n);
	is_mem(d, n, CLIENT_FIRST, strlen(CLIENT_FIRST),
	       "client-first: \"n,,n=user,r=\" and the nonce (RFC 5802 5.1)");
	is_str(data(&init), CLIENT_FIRST_B64, "client-first in base64");

	is_str(b64(SERVER_FIRST, strlen(SERVER_FIRST)), SERVER_FIRST_B64,
	       "server-first in base64 (test constant)");
	is_int(sasl_step(&s, SERVER_FIRST_B64, &resp, &e), 0,
	       "server-first answered");
	d = unb64(&resp, &n);
	is_mem(d, n, CLIENT_FINAL, strlen(CLIENT_FINAL),
	       "client-final: c=biws, the combined nonce and the proof");
	is_str(data(&resp), CLIENT_FINAL_B64, "client-final in base64");
	memset(&e, 0, sizeof(e));
	is_int(sasl_finish_ok(&s, &e), -1,
	       "235 before the server's v= is refused");
	is_int(e.cls, ERR_TLS, "... as ERR_TLS");

	is_int(sasl_step(&s, SERVER_FINAL_B64, &resp, &e), 0,
	       "server-final with the right v= accepted");
	is_int(resp.len, 0, "... answered with an empty line");
	ok(s.server_verified, "... the server is verified");
	memset(&e, 0, sizeof(e));
	is_int(sasl_finish_ok(&s, &e), 0, "235 after the right v= is fine");
	memset(&e, 0, sizeof(e));
	is_int(sasl_step(&s, SERVER_FINAL_B64, &resp, &e), -1,
	       "a third SCRAM challenge is an error");
	sasl_finish(&s);

	/* Wrong v=: one bit of the signature's first byte flipped ('/'
	 * is 63, '+' 62); not in the last character, whose low bits are
	 * base64 padding (RFC 4648 3.5). */
	is_int(scram_start(&s, &init, &e), 0, "SCRAM starts (wrong v=)");
	is_int(sasl_step(&s, SERVER_FIRST_B64, &resp, &e), 0,
	       "server-first answered");
	const char *wrong = "v=+4aESTSIhhoRWA3LxQ4esr8kVtKlTRSbHngUpe8h2o4=";
	is_int(sasl_step(&s, b64(wrong, strlen(wrong)), &resp, &e), -1,
	       "server-final with a wrong v= is refused");
	is_int(e.cls, ERR_TLS, "... as ERR_TLS");
	ok(!s.server_verified, "... the server is not verified");
	memset(&e, 0, sizeof(e));
	is_int(sasl_finish_ok(&s, &e), -1, "... and a 235 after it is refused");
	sasl_finish(&s);

	/* v= with RFC 7677's own signature: right format, wrong value. */
	is_int(scram_start(&s, &init, &e), 0, "SCRAM starts (other v=)");
	sasl_step(&s, SERVER_FIRST_B64, &resp, &e);
	wrong = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
	is_int(sasl_step(&s, b64(wrong, strlen(wrong)), &resp, &e), -1,
	       "the signature for another nonce is refused");
	is_int(e.cls, ERR_TLS, "... as ERR_TLS");
	sasl_finish(&s);

	/* A truncated signature. */
	is_int(scram_start(&s, &init, &e), 0, "SCRAM starts (short v=)");
	sasl_step(&s, SERVER_FIRST_B64, &resp, &e);
	wrong = "v=/4aESTSIhhoRWA3LxQ4esr8kVtKlTRSbHngUpe8h";
	is_int(sasl_step(&s, b64(wrong, strlen(wrong)), &resp, &e), -1,
	       "a truncated signature is refused");
	ok(!s.server_verified, "... the server is not verified");
	sasl_finish(&s);

	/* An empty server-final: no v= at all. */
	is_int(scram_start(&s, &init, &e), 0, "SCRAM starts (empty final)");
	sasl_step(&s, SERVER_FIRST_B64, &resp, &e);
	memset(&e, 0, sizeof(e));
	is_int(sasl_step(&s, "", &resp, &e), -1,
	       "an empty server-final is refused");
	ok(!s.server_verified, "... the server is not verified");
	memset(&e, 0, sizeof(e));
	is_int(sasl_finish_ok(&s, &e), -1, "... and a 235 after it refused");
	sasl_finish(&s);

	/* e= in server-final (RFC 5802 7: server-error). */
	is_int(scram_start(&s, &init, &e), 0, "SCRAM starts (e=)");
	sasl_step(&s, SERVER_FIRST_B64, &resp, &e);
	const char *err = "e=invalid-proof";
	memset(&e, 0, sizeof(e));
	is_int(sasl_step(&s, b64(err, strlen(err)), &resp, &e), -1,
	       "server-final e=invalid-proof is an error");
	is_int(e.cls, ERR_TLS, "... as ERR_TLS");
	ok(strstr(e.msg, "invalid-proof") != NULL,
	   "... reporting the server's words (\"%s\")", e.msg);
	sasl_finish(&s);

	/* e= instead of a server-first. */
	is_int(scram_start(&s, &init, &e), 0, "SCRAM starts (early e=)");
	err = "e=unknown-user";
	memset(&e, 0, sizeof(e));
	is_int(sasl_step(&s, b64(err, strlen(err)), &resp, &e), -1,
	       "e=unknown-user instead of server-first is an error");
	ok(e.cls == ERR_TLS || e.cls == ERR_PROTOCOL,
	   "... as ERR_TLS or ERR_PROTOCOL (got %d)", e.cls);
	ok(strstr(e.msg, "unknown-user") != NULL,
	   "... reporting the server's words (\"%s\")", e.msg);
	sasl_finish(&s);

	buf_finish(&init);
	buf_finish(&resp);
}

/* A server-first that SCRAM must refuse, for a fresh exchange. */
static void scram_refuses(const char *server_first, const char *name)
{
	struct sasl s;
	struct buf init, resp;
	struct err e;

	buf_init(&init, 0);
	buf_init(&resp, 0);
	scram_start(&s, &init, &e);
	memset(&e, 0, sizeof(e));
	if (!is_int(sasl_step(&s, b64(server_first, strlen(server_first)),
			      &resp, &e),
		    -1, name)) {
		diag("server-first: %s", server_first);
	}
	ok(e.cls == ERR_PROTOCOL || e.cls == ERR_TLS,
	   "... as ERR_PROTOCOL or ERR_TLS (got %d)", e.cls);
	is_int(resp.len, 0, "... and no client-final to send");
	memset(&e, 0, sizeof(e));
	is_int(sasl_finish_ok(&s, &e), -1, "... nor a 235 accepted after it");
	sasl_finish(&s);
	buf_finish(&init);
	buf_finish(&resp);
}

static void test_scram_nonce(void)
{
	scram_refuses("r=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" SNONCE_PART
		      ",s=" SALT ",i=4096",
		      "a server nonce that does not start with ours");
	scram_refuses("r=" CNONCE ",s=" SALT ",i=4096",
		      "a server nonce that only repeats ours");
	scram_refuses("r=AAECAwQFBgcICQoLDA0ODxAREhMUFRY,s=" SALT ",i=4096",
		      "a server nonce shorter than ours");
	scram_refuses("r=xyz" CNONCE SNONCE_PART ",s=" SALT ",i=4096",
		      "our nonce inside the server's, not at its start");
	scram_refuses("s=" SALT ",i=4096", "no nonce at all");
	scram_refuses("r=" CNONCE SNONCE_PART ",i=4096", "no salt");
	scram_refuses("r=" CNONCE SNONCE_PART ",s=" SALT, "no iteration count");
	scram_refuses("r=" CNONCE SNONCE_PART ",s=" SALT ",i=0",
		      "iteration count 0");
	scram_refuses("r=" CNONCE SNONCE_PART ",s=" SALT ",i=-1",
		      "iteration count -1");
	scram_refuses("r=" CNONCE SNONCE_PART ",s=" SALT ",i=many",
		      "iteration count not a number");
	scram_refuses("r=" CNONCE SNONCE_PART ",s=!!!!,i=4096",
		      "salt not base64");
}

static void test_scram_escape(void)
{
	struct sasl s;
	struct buf init;
	struct err e = { 0 };
	const char *d;
	size_t n;
	static const char want[] = "n,,n=a=3Db=2Cc,r=" CNONCE;

	buf_init(&init, 0);
	is_int(sasl_start(&s, AUTH_SCRAM_SHA_256, "a=b,c", "pencil",
			  counting_random, &init, &e),
	       0, "SCRAM with '=' and ',' in the user name");
	d = unb64(&init, &n);
	is_mem(d, n, want, sizeof(want) - 1,
	       "saslname escapes '=' as =3D and ',' as =2C (RFC 5802 5.1)");
	sasl_finish(&s);
	buf_finish(&init);
}

static void test_unsupported(void)
{
	struct sasl s;
	struct buf init;
	struct err e = { 0 };

	buf_init(&init, 0);
	is_int(sasl_start(&s, 0, "u", "p", counting_random, &init, &e), -1,
	       "sasl_start with no mechanism fails");
	is_int(e.cls, ERR_USAGE, "... as ERR_USAGE");
	is_int(init.len, 0, "... with no initial response");
	sasl_finish(&s);
	buf_finish(&init);
}

static void test_pick(void)
{
	const unsigned all = AUTH_PLAIN | AUTH_LOGIN | AUTH_CRAM_MD5 |
			     AUTH_SCRAM_SHA_256 | AUTH_XOAUTH2;

	is_int(sasl_pick(all), AUTH_SCRAM_SHA_256, "all: SCRAM-SHA-256");
	is_int(sasl_pick(all & ~(unsigned)AUTH_SCRAM_SHA_256), AUTH_CRAM_MD5,
	       "no SCRAM: CRAM-MD5");
	is_int(sasl_pick(AUTH_PLAIN | AUTH_LOGIN | AUTH_XOAUTH2), AUTH_PLAIN,
	       "PLAIN LOGIN XOAUTH2: PLAIN");
	is_int(sasl_pick(AUTH_LOGIN | AUTH_XOAUTH2), AUTH_LOGIN,
	       "LOGIN XOAUTH2: LOGIN");
	is_int(sasl_pick(AUTH_LOGIN), AUTH_LOGIN, "LOGIN alone");
	is_int(sasl_pick(AUTH_PLAIN), AUTH_PLAIN, "PLAIN alone");
	is_int(sasl_pick(AUTH_CRAM_MD5 | AUTH_LOGIN), AUTH_CRAM_MD5,
	       "CRAM-MD5 LOGIN: CRAM-MD5");
	is_int(sasl_pick(AUTH_SCRAM_SHA_256 | AUTH_LOGIN), AUTH_SCRAM_SHA_256,
	       "SCRAM-SHA-256 LOGIN: SCRAM-SHA-256");
	is_int(sasl_pick(AUTH_XOAUTH2), 0, "XOAUTH2 alone: never picked");
	is_int(sasl_pick(0), 0, "nothing offered: 0");
}

int main(void)
{
	plan_lazy();
	test_names();
	test_plain();
	test_xoauth2();
	test_login();
	test_cram_md5();
	test_scram();
	test_scram_nonce();
	test_scram_escape();
	test_unsupported();
	test_pick();
	return done_testing();
}
