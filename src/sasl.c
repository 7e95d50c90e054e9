#include "sasl.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "caps.h"
#include "xalloc.h"

#define SCRAM_ITER_MAX 1000000 /* more would let a server stall us */

const char *sasl_name(unsigned mech)
{
	switch (mech) {
	case AUTH_PLAIN:
		return "PLAIN";
	case AUTH_LOGIN:
		return "LOGIN";
	case AUTH_CRAM_MD5:
		return "CRAM-MD5";
	case AUTH_SCRAM_SHA_256:
		return "SCRAM-SHA-256";
	case AUTH_XOAUTH2:
		return "XOAUTH2";
	default:
		return "?";
	}
}

unsigned sasl_pick(unsigned offered)
{
	/* Strongest first: SCRAM proves both sides and never shows the
	 * password; CRAM-MD5 hides it; PLAIN and LOGIN rely on TLS.
	 * XOAUTH2 needs a token, so it is used only when asked for. */
	static const unsigned order[] = { AUTH_SCRAM_SHA_256, AUTH_CRAM_MD5,
					  AUTH_PLAIN, AUTH_LOGIN };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (offered & order[i]) {
			return order[i];
		}
	}
	return 0;
}

static void put_b64(struct buf *out, const void *p, size_t n)
{
	char *tmp = xcalloc(n / 3 * 4 + 8, 1);
	size_t len = base64_encode(p, n, tmp);

	buf_append(out, tmp, len);
	explicit_bzero(tmp, len);
	free(tmp);
}

/* Decodes a challenge; returns its length or -1. out gets room. */
static ssize_t get_b64(const char *in, unsigned char **out)
{
	size_t n = strlen(in);

	*out = xcalloc(n / 4 * 3 + 4, 1);
	return base64_decode(in, n, *out);
}

static int auth_err(struct err *e, const char *mech, const char *why)
{
	return err_set(e, ERR_PROTOCOL, "AUTH %s: %s", mech, why);
}

int sasl_start(struct sasl *s, unsigned mech, const char *user,
	       const char *pass, void (*random)(void *, size_t),
	       struct buf *initial, struct err *e)
{
	struct buf tmp;

	memset(s, 0, sizeof(*s));
	s->mech = mech;
	s->user = user;
	s->pass = pass;
	buf_init(&s->first_bare, SASL_LINE_MAX);
	buf_reset(initial);
	buf_init(&tmp, SASL_LINE_MAX);
	switch (mech) {
	case AUTH_PLAIN:
		/* RFC 4616 2: [authzid] NUL authcid NUL passwd */
		buf_putc(&tmp, '\0');
		buf_puts(&tmp, user);
		buf_putc(&tmp, '\0');
		buf_puts(&tmp, pass);
		put_b64(initial, tmp.data, tmp.len);
		break;
	case AUTH_XOAUTH2:
		buf_printf(&tmp, "user=%s\001auth=Bearer %s\001\001", user,
			   pass);
		put_b64(initial, tmp.data, tmp.len);
		break;
	case AUTH_SCRAM_SHA_256: {
		unsigned char rnd[24];
		random(rnd, sizeof(rnd));
		base64_encode(rnd, sizeof(rnd), s->cnonce);
		/* RFC 5802 5.1: saslname escapes '=' and ','. */
		buf_puts(&s->first_bare, "n=");
		for (const char *p = user; *p != '\0'; p++) {
			if (*p == '=') {
				buf_puts(&s->first_bare, "=3D");
			} else if (*p == ',') {
				buf_puts(&s->first_bare, "=2C");
			} else {
				buf_putc(&s->first_bare, *p);
			}
		}
		buf_printf(&s->first_bare, ",r=%s", s->cnonce);
		buf_printf(&tmp, "n,,%s", s->first_bare.data);
		put_b64(initial, tmp.data, tmp.len);
		break;
	}
	case AUTH_LOGIN:
	case AUTH_CRAM_MD5:
		break;
	default:
		buf_finish(&tmp);
		return err_set(e, ERR_USAGE, "unsupported AUTH mechanism");
	}
	if (tmp.data != NULL) {
		explicit_bzero(tmp.data, tmp.len);
	}
	buf_finish(&tmp);
	return 0;
}

static int hmac256(const void *key, size_t klen, const void *p, size_t n,
		   unsigned char out[32])
{
	return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, klen, p, n, out);
}

/* RFC 5802 3 and 5.1: from server-first to client-final. */
static int scram_final(struct sasl *s, const char *first, size_t flen,
		       struct buf *response, struct err *e)
{
	const char *r = NULL, *salt = NULL, *iter = NULL;
	size_t rlen = 0, slen = 0;
	char *copy = xstrndup(first, flen), *save = NULL;
	int ret = -1;
	unsigned char salted[32], ckey[32], skey[32], stored[32], csig[32],
		proof[32];
	unsigned char *saltbin = NULL;
	struct buf final, auth;

	buf_init(&final, SASL_LINE_MAX);
	buf_init(&auth, SASL_LINE_MAX * 2);
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		if (strncmp(t, "r=", 2) == 0) {
			r = first + (t - copy) + 2;
			rlen = strlen(t + 2);
		} else if (strncmp(t, "s=", 2) == 0) {
			salt = t + 2;
			slen = strlen(salt);
		} else if (strncmp(t, "i=", 2) == 0) {
			iter = t + 2;
		} else if (strncmp(t, "e=", 2) == 0) {
			err_set(e, ERR_TLS,
				"AUTH SCRAM-SHA-256: server says %s", t + 2);
			goto out;
		}
	}
	size_t cn = strlen(s->cnonce);
	if (r == NULL || rlen <= cn || strncmp(r, s->cnonce, cn) != 0) {
		auth_err(e, "SCRAM-SHA-256",
			 "server nonce does not extend ours");
		goto out;
	}
	const char *errstr = NULL;
	long long iters = iter ? strtonum(iter, 1, SCRAM_ITER_MAX, &errstr) : 0;
	ssize_t saltlen = salt ? get_b64(salt, &saltbin) : -1;
	if (iters == 0 || errstr != NULL || saltlen <= 0 || slen == 0) {
		auth_err(e, "SCRAM-SHA-256", "malformed server-first-message");
		goto out;
	}
	gnutls_datum_t key = { (unsigned char *)(uintptr_t)s->pass,
			       (unsigned)strlen(s->pass) };
	gnutls_datum_t sd = { saltbin, (unsigned)saltlen };
	if (gnutls_pbkdf2(GNUTLS_MAC_SHA256, &key, &sd, (unsigned)iters, salted,
			  sizeof(salted)) < 0 ||
	    hmac256(salted, 32, "Client Key", 10, ckey) < 0 ||
	    hmac256(salted, 32, "Server Key", 10, skey) < 0 ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, ckey, 32, stored) < 0) {
		auth_err(e, "SCRAM-SHA-256", "key derivation failed");
		goto out;
	}
	/* "biws" is base64 of the GS2 header "n,,": no channel binding. */
	buf_printf(&final, "c=biws,r=%.*s", (int)rlen, r);
	buf_printf(&auth, "%s,%.*s,%s", s->first_bare.data, (int)flen, first,
		   final.data);
	if (hmac256(stored, 32, auth.data, auth.len, csig) < 0 ||
	    hmac256(skey, 32, auth.data, auth.len, s->server_sig) < 0) {
		auth_err(e, "SCRAM-SHA-256", "HMAC failed");
		goto out;
	}
	for (int i = 0; i < 32; i++) {
		proof[i] = ckey[i] ^ csig[i];
	}
	buf_puts(&final, ",p=");
	char p64[48];
	base64_encode(proof, sizeof(proof), p64);
	buf_puts(&final, p64);
	put_b64(response, final.data, final.len);
	explicit_bzero(p64, sizeof(p64));
	explicit_bzero(final.data, final.len);
	ret = 0;
out:
	explicit_bzero(salted, sizeof(salted));
	explicit_bzero(ckey, sizeof(ckey));
	explicit_bzero(skey, sizeof(skey));
	explicit_bzero(stored, sizeof(stored));
	explicit_bzero(proof, sizeof(proof));
	free(saltbin);
	free(copy);
	buf_finish(&final);
	buf_finish(&auth);
	return ret;
}

static int scram_verify(struct sasl *s, const char *msg, size_t n,
			struct err *e)
{
	unsigned char *sig = NULL;
	ssize_t len;

	if (n > 2 && strncmp(msg, "e=", 2) == 0) {
		return err_set(e, ERR_TLS,
			       "AUTH SCRAM-SHA-256: server says %.*s",
			       (int)(n - 2), msg + 2);
	}
	if (n < 2 || strncmp(msg, "v=", 2) != 0) {
		return auth_err(e, "SCRAM-SHA-256",
				"malformed server-final-message");
	}
	char *v = xstrndup(msg + 2, strcspn(msg + 2, ","));
	len = get_b64(v, &sig);
	free(v);
	bool ok = len == 32 && gnutls_memcmp(sig, s->server_sig, 32) == 0;
	free(sig);
	if (!ok) {
		return err_set(e, ERR_TLS,
			       "AUTH SCRAM-SHA-256: the server's signature is "
			       "wrong: it does not know the password");
	}
	s->server_verified = true;
	return 0;
}

int sasl_step(struct sasl *s, const char *challenge, struct buf *response,
	      struct err *e)
{
	unsigned char *ch = NULL;
	ssize_t n = get_b64(challenge, &ch);
	int ret = 0;

	buf_reset(response);
	if (n < 0) {
		free(ch);
		return auth_err(e, sasl_name(s->mech),
				"challenge is not base64");
	}
	s->step++;
	switch (s->mech) {
	case AUTH_LOGIN:
		/* The prompts ("Username:", "Password:") are not
		 * standardised; the order is. */
		if (s->step == 1) {
			put_b64(response, s->user, strlen(s->user));
		} else if (s->step == 2) {
			put_b64(response, s->pass, strlen(s->pass));
		} else {
			ret = auth_err(e, "LOGIN",
				       "unexpected third challenge");
		}
		break;
	case AUTH_CRAM_MD5: {
		unsigned char md[16];
		struct buf r;
		if (s->step != 1 ||
		    gnutls_hmac_fast(GNUTLS_MAC_MD5, s->pass, strlen(s->pass),
				     ch, (size_t)n, md) < 0) {
			ret = auth_err(e, "CRAM-MD5", "cannot answer");
			break;
		}
		buf_init(&r, SASL_LINE_MAX);
		buf_printf(&r, "%s ", s->user);
		for (int i = 0; i < 16; i++) {
			buf_printf(&r, "%02x", md[i]);
		}
		put_b64(response, r.data, r.len);
		explicit_bzero(r.data, r.len);
		explicit_bzero(md, sizeof(md));
		buf_finish(&r);
		break;
	}
	case AUTH_SCRAM_SHA_256:
		if (s->step == 1) {
			ret = scram_final(s, (char *)ch, (size_t)n, response,
					  e);
		} else if (s->step == 2) {
			ret = scram_verify(s, (char *)ch, (size_t)n, e);
		} else {
			ret = auth_err(e, "SCRAM-SHA-256",
				       "unexpected challenge");
		}
		break;
	case AUTH_XOAUTH2:
		/* The server's JSON error; RFC 7628 3.2.3 has the client
		 * answer with an empty line and read the final 5xx. */
		break;
	default:
		ret = auth_err(e, sasl_name(s->mech), "unexpected challenge");
		break;
	}
	free(ch);
	return ret;
}

int sasl_finish_ok(const struct sasl *s, struct err *e)
{
	if (s->mech == AUTH_SCRAM_SHA_256 && !s->server_verified) {
		return err_set(e, ERR_TLS,
			       "AUTH SCRAM-SHA-256: the server accepted us "
			       "without proving it knows the password");
	}
	return 0;
}

void sasl_finish(struct sasl *s)
{
	if (s->first_bare.data != NULL) {
		explicit_bzero(s->first_bare.data, s->first_bare.len);
	}
	buf_finish(&s->first_bare);
	explicit_bzero(s->server_sig, sizeof(s->server_sig));
	explicit_bzero(s->cnonce, sizeof(s->cnonce));
}
