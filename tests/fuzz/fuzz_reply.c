/* SMTP replies and EHLO capabilities from servers posta does not
 * control: lines fed one at a time, as the client does. */
#include <stdint.h>
#include <string.h>

#include "caps.h"
#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply r;
	struct err e;
	struct caps c;
	char sum[512];
	const char *p = (const char *)data, *end = p + size;

	reply_init(&r);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t len = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
		int k = reply_feed(&r, p, len, &e);
		if (k == -1) {
			break;
		}
		if (k == 1) {
			caps_parse(&c, &r);
			reply_summary(&r, sum, sizeof(sum));
		}
		p += n + (nl != NULL);
	}
	reply_finish(&r);
	return 0;
}
