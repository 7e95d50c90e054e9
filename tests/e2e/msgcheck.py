#!/usr/bin/python3
"""msgcheck: an independent checker for messages printed by `posta -n`.

It relies only on Python's standard e-mail parser (never on posta's code), so
the tests compare posta's output with what a real mail reader would see.

Usage: msgcheck.py FILE COMMAND [ARGS...]      (FILE '-' reads stdin)

Commands (exit 0 = ok, 1 = check failed or not found, 2 = usage):
  header NAME           decoded value of top-level header NAME (one line per occurrence)
  raw-header NAME       the header exactly as written, folded lines included
  count NAME            how many times header NAME occurs at the top level
  header-names          top-level header names, in order
  addrs NAME            one line per mailbox: DISPLAY-NAME<TAB>ADDR-SPEC
                        (a group prints 'group:<TAB>NAME' before its members;
                        whitespace between adjacent encoded-words is dropped as
                        RFC 2047 6.2 says, which CPython forgets in phrases)
  date-epoch            the Date header as seconds since the epoch
  structure             indented tree of content types (2 spaces per level;
                        message/rfc822 parts are not descended into)
  body | html           decoded text/plain | text/html body, UTF-8, no newline added
                        (CRLF -> LF: text line breaks are CRLF in canonical form)
  text SEL              decoded bytes of a text part, CRLF -> LF, charset untouched
  filenames             get_filename() of every part that has one
  part SEL              decoded bytes of a part (message/rfc822: the inner message)
  part-sha256 SEL       sha256 of `part SEL`
  part-header SEL NAME  decoded header NAME of a part
  name-param SEL        the decoded name= parameter of the part's Content-Type
                        (RFC 2047 encoded-words inside the quotes, or RFC 2231)
  ctype SEL | cte SEL | charset SEL   content type | transfer encoding | charset param
  inner-header SEL NAME header NAME of the message inside a message/rfc822 part
  maxline               longest raw line in octets (line end not counted)
  header-maxline [NAME] longest physical line of the top-level header block
                        (or of header NAME)
  check-encoded-words   every RFC 2047 encoded-word in any header is <= 75 chars
                        and decodes, on its own, to valid text in its charset
  check                 well-formedness: lines <= 998 octets, no CR or NUL, ASCII
                        headers, no parser defects, valid encoded-words,
                        MIME-Version 1.0, legal transfer encodings, encoded
                        lines <= 76. Tolerated: encoded-words inside the quoted
                        Content-Type name="..." (common practice, and posta's spec)

SEL selects a part: 'root', 'path:I.J' (0-based indices into multiparts),
'type:MAIN/SUB' (first such part, depth first), or a file name (get_filename()).
"""

import base64
import binascii
import email.header
import email.policy
import email.utils
import hashlib
import re
import sys
from email.parser import BytesParser

MAX_LINE = 998
EW_RE = re.compile(rb'=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=')
EW = r'=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?='
EW_GAP_RE = re.compile('(%s)\\s+(?=%s)' % (EW, EW))
NAME_RE = re.compile(r'(?:^|;)\s*name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))', re.I)
# Defects CPython reports for name="=?UTF-8?B?...?=", which posta's spec asks for.
TOLERATED = ('encoded word inside quoted string', 'missing trailing whitespace after encoded-word')


def fail(msg):
    sys.stderr.write('msgcheck: %s\n' % msg)
    sys.exit(1)


def out(text):
    sys.stdout.buffer.write(text.encode('utf-8', 'surrogateescape'))


def load(path):
    if path == '-':
        raw = sys.stdin.buffer.read()
    else:
        with open(path, 'rb') as f:
            raw = f.read()
    return raw, BytesParser(policy=email.policy.default).parsebytes(raw)


def header_block(raw):
    """Top-level header lines (bytes, no line end), up to the empty line."""
    lines = []
    for line in raw.split(b'\n'):
        if line in (b'', b'\r'):
            break
        lines.append(line)
    return lines


def header_fields(raw):
    """[(name, [physical lines])] for the top-level header block."""
    fields = []
    for line in header_block(raw):
        if line[:1] in (b' ', b'\t') and fields:
            fields[-1][1].append(line)
        else:
            fields.append((line.split(b':', 1)[0].decode('ascii', 'replace'), [line]))
    return fields


def own_parts(part):
    """The message and its MIME parts, not descending into attached messages."""
    yield part
    if part.get_content_maintype() == 'multipart' and part.is_multipart():
        for sub in part.iter_parts():
            yield from own_parts(sub)


def find(msg, sel):
    if sel == 'root':
        return msg
    if sel.startswith('path:'):
        part = msg
        for i in sel[5:].split('.'):
            payload = part.get_payload()
            if not isinstance(payload, list) or int(i) >= len(payload):
                fail('no part %s' % sel)
            part = payload[int(i)]
        return part
    if sel.startswith('type:'):
        for part in msg.walk():
            if part.get_content_type() == sel[5:].lower():
                return part
        fail('no part of type %s' % sel[5:])
    for part in msg.walk():
        if part.get_filename() == sel:
            return part
    fail('no part named %r' % sel)


def decoded(part):
    if part.get_content_type() == 'message/rfc822':
        return part.get_payload(0).as_bytes()
    data = part.get_payload(decode=True)
    if data is None:
        fail('part has no decodable payload')
    return data


def text_of(part):
    if part.get_content_maintype() != 'text':
        fail('part is %s, not text' % part.get_content_type())
    return decoded(part).replace(b'\r\n', b'\n')


def raw_value(part, name):
    for k, v in part.raw_items():
        if k.lower() == name.lower():
            return v
    return None


def name_param(part):
    raw = raw_value(part, 'Content-Type')
    m = NAME_RE.search(raw.replace('\r', '').replace('\n', '')) if raw else None
    if m is None:
        value = part.get_param('name')
        if value is None:
            fail('no name parameter in Content-Type')
        return email.utils.collapse_rfc2231_value(value)
    value = m.group(1) if m.group(1) is not None else m.group(2)
    value = re.sub(r'\\(.)', r'\1', value)
    return str(email.header.make_header(email.header.decode_header(value)))


def tree(part, depth, lines):
    lines.append('  ' * depth + part.get_content_type())
    if part.get_content_maintype() == 'multipart' and part.is_multipart():
        for sub in part.iter_parts():
            tree(sub, depth + 1, lines)


def encoded_word_problems(msg):
    problems = []
    for part in own_parts(msg):
        for name, value in part.raw_items():
            raw = value.encode('utf-8', 'surrogateescape')
            for m in EW_RE.finditer(raw):
                word = m.group(0)
                if len(word) > 75:
                    problems.append('%s: encoded-word longer than 75: %r' % (name, word))
                charset = m.group(1).decode('ascii').split('*')[0]
                try:
                    if m.group(2) in b'bB':
                        data = base64.b64decode(m.group(3), validate=True)
                    else:
                        data = binascii.a2b_qp(m.group(3), header=True)
                    data.decode(charset, 'strict')
                except (ValueError, LookupError, binascii.Error) as e:
                    problems.append('%s: bad encoded-word %r: %s' % (name, word, e))
    return problems


def check(raw, msg):
    problems = []
    lines = raw.split(b'\n')
    for n, line in enumerate(lines, 1):
        if len(line) > MAX_LINE:
            problems.append('line %d is %d octets' % (n, len(line)))
    if b'\r' in raw:
        problems.append('CR in output (dry run must use LF line ends)')
    if b'\0' in raw:
        problems.append('NUL in output')
    for line in header_block(raw):
        try:
            line.decode('ascii')
        except UnicodeDecodeError:
            problems.append('non-ASCII header line: %r' % line[:80])
    if str(msg.get('MIME-Version', '')).strip() != '1.0':
        problems.append('MIME-Version is not 1.0')
    for part in own_parts(msg):
        ctype = part.get_content_type()
        for d in part.defects:
            problems.append('%s: defect %s' % (ctype, type(d).__name__))
        for name, value in part.items():
            for d in getattr(value, 'defects', ()):
                if name.lower() == 'content-type' and str(d) in TOLERATED:
                    continue
                problems.append('%s: header %s: defect %s' % (ctype, name, type(d).__name__))
        for name, value in part.raw_items():
            if any(ord(c) > 127 for c in value):
                problems.append('%s: non-ASCII header %s' % (ctype, name))
        cte = part.get('Content-Transfer-Encoding')
        cte = str(cte).strip().lower() if cte is not None else '7bit'
        if part.get_content_maintype() in ('multipart', 'message'):
            if cte not in ('7bit', '8bit', 'binary'):
                problems.append('%s with transfer encoding %s' % (ctype, cte))
            continue
        if cte not in ('7bit', 'quoted-printable', 'base64'):
            problems.append('%s: transfer encoding %s' % (ctype, cte))
        payload = part.get_payload()
        if cte == '7bit':
            if any(ord(c) > 127 or c == '\0' for c in payload):
                problems.append('%s: 7bit part with 8-bit data or NUL' % ctype)
        elif cte in ('quoted-printable', 'base64'):
            for line in payload.split('\n'):
                if len(line) > 76:
                    problems.append('%s: %s line of %d chars' % (ctype, cte, len(line)))
                    break
            if cte == 'base64':
                try:
                    base64.b64decode(''.join(payload.split()), validate=True)
                except (ValueError, binascii.Error) as e:
                    problems.append('%s: bad base64: %s' % (ctype, e))
    problems += encoded_word_problems(msg)
    return problems


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    raw, msg = load(argv[1])
    cmd, args = argv[2], argv[3:]

    def need(n):
        if len(args) != n:
            sys.stderr.write('msgcheck: %s takes %d argument(s)\n' % (cmd, n))
            sys.exit(2)

    if cmd == 'header':
        need(1)
        values = msg.get_all(args[0])
        if not values:
            fail('no %s header' % args[0])
        out(''.join(str(v) + '\n' for v in values))
    elif cmd == 'raw-header':
        need(1)
        found = [f for f in header_fields(raw) if f[0].lower() == args[0].lower()]
        if not found:
            fail('no %s header' % args[0])
        for _, lines in found:
            sys.stdout.buffer.write(b''.join(l + b'\n' for l in lines))
    elif cmd == 'count':
        need(1)
        out('%d\n' % len(msg.get_all(args[0], [])))
    elif cmd == 'header-names':
        need(0)
        out(''.join(name + '\n' for name in msg.keys()))
    elif cmd == 'addrs':
        need(1)
        raw = raw_value(msg, args[0])
        if raw is None:
            fail('no %s header' % args[0])
        raw = EW_GAP_RE.sub(r'\1', raw.replace('\r', '').replace('\n', ''))
        header = email.policy.default.header_factory(args[0], raw)
        for group in header.groups:
            if group.display_name is not None:
                out('group:\t%s\n' % group.display_name)
            for a in group.addresses:
                out('%s\t%s\n' % (a.display_name, a.addr_spec))
    elif cmd == 'date-epoch':
        need(0)
        if msg['Date'] is None:
            fail('no Date header')
        out('%d\n' % email.utils.parsedate_to_datetime(str(msg['Date'])).timestamp())
    elif cmd == 'structure':
        need(0)
        lines = []
        tree(msg, 0, lines)
        out(''.join(l + '\n' for l in lines))
    elif cmd in ('body', 'html'):
        need(0)
        body = msg.get_body(preferencelist=('plain',) if cmd == 'body' else ('html',))
        if body is None:
            fail('no text/%s body' % ('plain' if cmd == 'body' else 'html'))
        out(body.get_content().replace('\r\n', '\n'))
    elif cmd == 'text':
        need(1)
        sys.stdout.buffer.write(text_of(find(msg, args[0])))
    elif cmd == 'name-param':
        need(1)
        out(name_param(find(msg, args[0])) + '\n')
    elif cmd == 'filenames':
        need(0)
        out(''.join(p.get_filename() + '\n' for p in msg.walk() if p.get_filename() is not None))
    elif cmd == 'part':
        need(1)
        sys.stdout.buffer.write(decoded(find(msg, args[0])))
    elif cmd == 'part-sha256':
        need(1)
        out(hashlib.sha256(decoded(find(msg, args[0]))).hexdigest() + '\n')
    elif cmd == 'part-header':
        need(2)
        value = find(msg, args[0]).get(args[1])
        if value is None:
            fail('part %s has no %s header' % (args[0], args[1]))
        out(str(value) + '\n')
    elif cmd == 'ctype':
        need(1)
        out(find(msg, args[0]).get_content_type() + '\n')
    elif cmd == 'cte':
        need(1)
        value = find(msg, args[0]).get('Content-Transfer-Encoding')
        out((str(value).strip().lower() if value is not None else '7bit') + '\n')
    elif cmd == 'charset':
        need(1)
        out('%s\n' % find(msg, args[0]).get_content_charset())
    elif cmd == 'inner-header':
        need(2)
        part = find(msg, args[0])
        if part.get_content_type() != 'message/rfc822':
            fail('part %s is %s, not message/rfc822' % (args[0], part.get_content_type()))
        value = part.get_payload(0).get(args[1])
        if value is None:
            fail('attached message has no %s header' % args[1])
        out(str(value) + '\n')
    elif cmd == 'maxline':
        need(0)
        out('%d\n' % max(len(l) for l in raw.split(b'\n')))
    elif cmd == 'header-maxline':
        if len(args) > 1:
            need(1)
        fields = header_fields(raw)
        if args:
            fields = [f for f in fields if f[0].lower() == args[0].lower()]
            if not fields:
                fail('no %s header' % args[0])
        out('%d\n' % max(len(l) for _, lines in fields for l in lines))
    elif cmd == 'check-encoded-words':
        need(0)
        problems = encoded_word_problems(msg)
        if problems:
            fail('; '.join(problems))
    elif cmd == 'check':
        need(0)
        problems = check(raw, msg)
        if problems:
            fail('; '.join(problems[:10]))
    else:
        sys.stderr.write('msgcheck: unknown command %r\n' % cmd)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
