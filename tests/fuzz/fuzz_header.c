/* The header writer and RFC 2047/2231 encoders given arbitrary bytes:
 * no crash, no line over 998 octets, no encoded-word over 75. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "header.h"
#include "mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct buf *b)
{
	size_t col = 0;

	for (size_t i = 0; i < b->len; i++) {
		col = b->data[i] == '\n' ? 0 : col + 1;
		if (col > 998) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct buf out;
	struct hdr h;
	struct err e;
	time_t t;

	memcpy(s, data, size);
	s[size] = '\0';
	buf_init(&out, 0);
	hdr_begin(&h, &out, "Subject");
	hdr_text(&h, s);
	if (hdr_end(&h, &e) == 0) {
		check(&out);
	}
	buf_reset(&out);
	hdr_begin(&h, &out, "From");
	hdr_phrase(&h, s);
	hdr_end(&h, &e);
	buf_reset(&out);
	hdr_begin(&h, &out, "Content-Disposition");
	hdr_token(&h, "attachment", 10);
	mime_param(&h, "filename", s);
	if (hdr_end(&h, &e) == 0) {
		check(&out);
	}
	buf_finish(&out);
	header_parse_date(s, &t);
	char *id = NULL;
	if (header_msgid_normalize(s, &id) == 0) {
		free(id);
	}
	free(s);
	return 0;
}
