/* MIME composition (RFC 2045, 2046, 2231, 2387): the message model
 * becomes a tree of parts, each with the smallest safe transfer
 * encoding, written to a sink in blocks. Preparing opens, types and
 * scans every input, so every input error comes before any output;
 * writing then streams, and may be repeated (e.g. to count bytes for
 * SIZE before sending). */
#ifndef POSTA_MIME_H
#define POSTA_MIME_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "message.h"
#include "sink.h"

struct composition;

/* Prepares m for writing; NULL on error (e filled: ERR_NOINPUT for a
 * file that cannot be read, ERR_DATA for content that cannot be sent,
 * ERR_USAGE for bad model values). The caller destroys the result; m
 * must outlive it. */
struct composition *mime_prepare(const struct message *m,
				 const struct compose_env *env, struct err *e);
/* Writes the whole message, headers first, LF line ends, no line over
 * 998 octets. Each input file gives the bytes it had when prepared:
 * one that has grown since is cut to them (see mime_grew), one that has
 * shrunk is ERR_DATA (see mime_refresh). -1 on a read or sink error. */
int mime_write(struct composition *c, struct sink *out, struct err *e);
/* The name of the first input file found to have grown since it was
 * prepared, and in *kept the bytes of it the message holds; NULL when
 * none has. */
const char *mime_grew(const struct composition *c, uint64_t *kept);
/* After a write that failed because a file shrank: takes each such file
 * as it is now, sent as base64 (an attached message becomes
 * application/octet-stream), so the next write holds the file's present
 * bytes. Returns how many parts changed, or -1 (e filled). */
int mime_refresh(struct composition *c, struct err *e);
void mime_destroy(struct composition *c);
struct rawmsg;
struct mailbox;
/* A composition of a whole message read with rawmsg_read: its header
 * block as parsed (no Bcc), after Date, Message-ID and From when it
 * lacks them (from is the author to add; its domain names the
 * Message-ID), and its body unchanged but for line ends. Takes over the
 * message's spooled input. */
struct composition *mime_prepare_raw(struct rawmsg *raw,
				     const struct mailbox *from,
				     const struct compose_env *env,
				     struct err *e);
/* The message's size with CRLF line ends (RFC 1870 SIZE), from a pass
 * that encodes text parts but only counts binary ones. */
int mime_wire_size(struct composition *c, uint64_t *size, struct err *e);
/* True when a part is sent 8bit (an attached message with 8-bit text),
 * so delivery needs 8BITMIME (RFC 6152). */
bool mime_is_8bit(const struct composition *c);

/* RFC 2231 parameter: name="value" when the value is short printable
 * ASCII, else name*=UTF-8''%-encoded (name*0*=, name*1*=, ... when
 * long), appended to h as foldable tokens after a ';'. */
struct hdr;
void mime_param(struct hdr *h, const char *name, const char *value);

#endif
