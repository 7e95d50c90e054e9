/* A whole message given on standard input (-t and the sendmail
 * interface): its header block is parsed for recipients and for the
 * fields posta must add, Bcc is taken out, and the rest passes through
 * unchanged but for line ends. The input is spooled once (source.h),
 * so nothing is held in memory beyond the header block. */
#ifndef POSTA_RAWMSG_H
#define POSTA_RAWMSG_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "error.h"
#include "scan.h"
#include "source.h"

#define RAWMSG_HEADER_MAX (1024 * 1024) /* bytes in the header block */
#define RAWMSG_FIELDS_MAX 10000
#define RAWMSG_LINE_MAX 998 /* RFC 5322 2.1.1 */

struct rawmsg {
	struct source src;
	struct buf headers; /* fields to send, LF line ends, no Bcc */
	/* Recipients from To/Cc/Bcc, or from Resent-To/-Cc/-Bcc when the
	 * message carries Resent- fields (RFC 5322 3.6.6). */
	struct addrlist to, cc, bcc;
	struct addrlist from;
	bool has_from, has_date, has_message_id;
	bool resent;
	struct scan body; /* the body's line lengths and bytes */
};

/* Reads path ("-": standard input) and parses its header block. A line
 * that is neither a field nor a continuation, an over-long line or a
 * bad address in a recipient field is ERR_DATA naming the line. */
int rawmsg_read(struct rawmsg *m, const char *path, struct err *e);
void rawmsg_finish(struct rawmsg *m);

#endif
