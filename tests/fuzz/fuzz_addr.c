/* Address lists from flags, configuration and -t headers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct addrlist list = { 0 };
	struct err e;

	memcpy(s, data, size);
	s[size] = '\0';
	if (addr_parse_list(s, &list, &e) == 0) {
		/* Whatever parses must also print as a header. */
		struct buf out;
		struct hdr h;
		buf_init(&out, 0);
		hdr_begin(&h, &out, "To");
		hdr_addrlist(&h, &list);
		hdr_end(&h, &e);
		buf_finish(&out);
		for (size_t i = 0; i < list.n; i++) {
			addr_spec_valid(list.v[i].addr);
			addr_domain(list.v[i].addr);
		}
	}
	addrlist_finish(&list);
	free(s);
	return 0;
}
