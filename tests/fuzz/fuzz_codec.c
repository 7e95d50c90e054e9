/* Base64 and quoted-printable round trips: whatever goes in comes back
 * out, fed in two pieces at a split the input chooses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "qp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t split = size > 0 ? data[0] % (size + 1) : 0;
	struct b64enc b;
	char *enc = malloc(B64_ENCODE_BOUND(size) * 2 + 128);
	char *flat = malloc(B64_ENCODE_BOUND(size) * 2 + 128);
	unsigned char *dec = malloc(size + 8);
	size_t n = 0, f = 0;

	b64enc_init(&b);
	n += b64enc_update(&b, data, split, enc + n);
	n += b64enc_update(&b, data + split, size - split, enc + n);
	n += b64enc_final(&b, enc + n);
	for (size_t i = 0; i < n; i++) {
		if (enc[i] != '\n') {
			flat[f++] = enc[i];
		} else if (i % 77 != 76 && i != n - 1) {
			abort(); /* lines of 76 */
		}
	}
	if (base64_decode(flat, f, dec) != (ssize_t)size ||
	    memcmp(dec, data, size) != 0) {
		abort();
	}
	/* Quoted-printable of text: LF is a hard break. */
	struct qpenc q;
	char *qp = malloc(QP_ENCODE_BOUND(size) + 16);
	size_t qn = 0, col = 0, o = 0;
	qpenc_init(&q);
	qn += qpenc_update(&q, data, split, qp + qn);
	qn += qpenc_update(&q, data + split, size - split, qp + qn);
	qn += qpenc_final(&q, qp + qn);
	for (size_t i = 0; i < qn; i++) {
		col = qp[i] == '\n' ? 0 : col + 1;
		if (col > QP_LINE_MAX) {
			abort();
		}
		if (qp[i] == '=' && i + 1 < qn && qp[i + 1] == '\n') {
			i++;
			col = 0;
			continue;
		}
		if (qp[i] == '=') {
			if (i + 2 >= qn || hexval(qp[i + 1]) < 0 ||
			    hexval(qp[i + 2]) < 0) {
				abort();
			}
			dec[o++] = (unsigned char)(hexval(qp[i + 1]) * 16 +
						   hexval(qp[i + 2]));
			i += 2;
			col += 2;
			continue;
		}
		if (o >= size + 8) {
			abort();
		}
		dec[o++] = (unsigned char)qp[i];
	}
	if (o != size || memcmp(dec, data, size) != 0) {
		abort();
	}
	free(qp);
	free(enc);
	free(flat);
	free(dec);
	return 0;
}
