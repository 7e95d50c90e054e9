#!/usr/bin/python3
r"""faultsrv.py: a scripted, misbehaving SMTP server for posta's fault tests.

Plain sockets and the ssl module; one connection at a time; 127.0.0.1 only;
every wait is bounded. It implements the server side of AUTH PLAIN, LOGIN,
CRAM-MD5 (RFC 2195), SCRAM-SHA-256 (RFC 5802/7677) and XOAUTH2 with hashlib
and hmac, independently of posta.

Usage: faultsrv.py --record DIR [--port-file FILE] [--tls-cert F --tls-key F]
                   [--max-seconds N] SCENARIO

SCENARIO is a JSON object (or @FILE holding one). Every key is optional:

  greeting      "220 ..." (default "220 fault.test ESMTP faultsrv"); null:
                never greet (the connection is held until the client leaves)
  ehlo          capability lines after the first "250-fault.test"
                (default ["PIPELINING", "SIZE 10485760", "8BITMIME",
                "ENHANCEDSTATUSCODES"], and "STARTTLS" with --tls-cert)
  ehlo_add      capabilities added to those (e.g. ["AUTH PLAIN LOGIN"])
  ehlo_remove   capabilities taken out (before ehlo_add), by keyword
  ehlo_reply    the whole reply to EHLO instead
  ehlo_tls      capabilities after STARTTLS (default: the above minus STARTTLS)
  starttls      reply to STARTTLS (default "220 2.0.0 Ready to start TLS");
                a reply not starting with 220 refuses it
  tls_stall     true: after the 220 to STARTTLS, never answer the handshake
  inject        bytes sent in the same write right after the 220 to
                STARTTLS, before the handshake (response injection)
  implicit_tls  true: TLS from the first byte (smtps)
  auth          {"user": U, "password": P, "fail": "535 ...",
                 "refuse": true (refuse even right credentials),
                 "reply": "454 ..." (answer AUTH with this at once),
                 "endless": true (334 challenges without end),
                 "bad_challenge": true (a 334 that is not base64),
                 "scram_bad_signature": true, "iterations": 4096}
  mail, data, final, rset, quit, noop, helo, vrfy, expn
                replies to MAIL, DATA (the 354), the end of data, RSET, ...;
                final may be a list, one reply per message in order
  rcpt          reply to every RCPT, or {"addr": reply, ...} by address
                (others get the default), or a list by position
  rcpt_limit    recipients per message: every RCPT after that many in one
                transaction gets "452 4.5.3 Error: too many recipients"
                (Postfix's words), or limit_reply
  drop          close the connection instead of replying at one point:
                "accept" (before the greeting), "ehlo", "mail",
                "mid-data" (after the first bytes of the message),
                "after-dot" (the whole message came, no reply)
  data_exec     a command (argv list) run when DATA arrives, before the 354:
                the moment to change a file the client is about to send
  data_stall_ms once the first bytes of a message arrive, stop reading for
                this long (the client's writes block meanwhile)
  delay_ms      wait this long before each reply, reading what arrives
  trickle_ms    send replies one byte at a time, this far apart
  hold_seconds  longest a connection may last (default 15)
  connections   connections to serve before exiting (default 1)

A reply is a string ("\n" separates lines; CRLF is added to each line) or
{"raw": "..."}: exactly those characters (UTF-8), nothing added.

Records, in DIR:
  raw          every byte received, in order (decrypted once TLS is up)
  wire         every byte received as it crossed the wire (TLS records as
               such), including what came after a failed handshake
  cmds         every command line and SASL response line, one per line
  data.N       the Nth message exactly as received: dot-stuffed, CRLF, with
               the final ".\r\n"
  events.jsonl one JSON object per event
  summary.json at the end: {"commands": [{"line", "index", "tls",
               "replies_before", "pipelined"}...], "auth": [...],
               "tls": bool, "sni": the TLS server name asked for (or null),
               "envelopes": the accepted recipients of each message the
               server took (a 2xx after the dot),
               "starttls_plaintext": bytes after STARTTLS
               (client side injection), "messages": N, "closed": why}
  done         created last; tests wait for it before they look

"pipelined" is true when a line arrived before the server had replied to
every earlier line (the client did not wait), "replies_before" is how many
replies the server had sent when the line's last byte arrived.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import socket
import ssl
import subprocess
import sys
import time

DEFAULT_EHLO = ['PIPELINING', 'SIZE 10485760', '8BITMIME', 'ENHANCEDSTATUSCODES']


class Drop(Exception):
    pass


class Closed(Exception):
    pass


def b64e(b):
    return base64.b64encode(b).decode('ascii')


def b64d(s):
    if isinstance(s, bytes):
        s = s.decode('ascii', 'replace')
    s = s.strip()
    if s == '=':
        return b''
    return base64.b64decode(s, validate=True)


def lines_of(reply):
    """A reply as wire bytes."""
    if isinstance(reply, dict):
        return reply['raw'].encode('utf-8')
    if isinstance(reply, list):
        reply = '\n'.join(reply)
    return b''.join(l.encode('utf-8') + b'\r\n' for l in reply.split('\n'))


class Session:
    def __init__(self, sock, sc, rec, ctx):
        self.sock = sock
        self.sc = sc
        self.rec = rec
        self.ctx = ctx
        self.buf = bytearray()
        self.offset = 0          # stream offset of buf[0]
        self.marks = []          # (stream end offset, replies sent) per recv
        self.replies = 0         # replies sent to client lines
        self.lines = 0           # client lines (commands, SASL lines, end of data)
        self.tls = False
        self.deadline = time.monotonic() + float(sc.get('hold_seconds', 15))
        self.summary = rec.summary
        self.rcpt_n = 0
        self.accepted = []

    # ---------------------------------------------------------------- I/O

    def left(self):
        t = self.deadline - time.monotonic()
        if t <= 0:
            raise Closed('hold_seconds reached')
        return t

    def fill(self, timeout):
        """Read what arrives within timeout; False on EOF, None on timeout."""
        self.sock.settimeout(max(0.001, min(timeout, self.left())))
        try:
            chunk = self.sock.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            return None
        except (ConnectionError, ssl.SSLError, OSError) as e:
            self.rec.event(ev='recv-error', error=str(e))
            return False
        if not chunk:
            return False
        self.buf += chunk
        self.marks.append((self.offset + len(self.buf), self.replies))
        self.rec.raw(chunk)
        if not self.tls:
            self.rec.wire(chunk)
        return True

    def arrived_with(self, end):
        """Replies sent when the byte before stream offset end arrived."""
        for mark_end, replies in self.marks:
            if mark_end >= end:
                return replies
        return self.replies

    def take(self, n):
        data = bytes(self.buf[:n])
        del self.buf[:n]
        self.offset += n
        return data

    def readline(self):
        """One CRLF-terminated line (without CRLF) and its arrival info."""
        while True:
            i = self.buf.find(b'\r\n')
            if i >= 0:
                end = self.offset + i + 2
                line = self.take(i + 2)[:-2]
                return line, self.arrived_with(end)
            if len(self.buf) > 100000:
                raise Closed('line too long')
            got = self.fill(self.left())
            if got is False:
                raise Closed('client closed')

    def send(self, reply):
        data = lines_of(reply)
        delay = float(self.sc.get('delay_ms', 0)) / 1000
        if delay:
            # Wait, but keep reading: what arrives now arrived before the reply.
            until = time.monotonic() + delay
            while True:
                t = until - time.monotonic()
                if t <= 0:
                    break
                if self.fill(t) is False:
                    break
        trickle = float(self.sc.get('trickle_ms', 0)) / 1000
        try:
            if trickle:
                for i in range(len(data)):
                    self.sock.sendall(data[i:i + 1])
                    time.sleep(trickle)
            else:
                self.sock.sendall(data)
        except (ConnectionError, ssl.SSLError, OSError) as e:
            raise Closed('send failed: %s' % e)
        self.rec.event(ev='reply', data=data.decode('utf-8', 'replace'))

    def answer(self, reply):
        self.send(reply)
        self.replies += 1

    def client_line(self, kind='command'):
        line, replies_before = self.readline()
        index = self.lines
        self.lines += 1
        text = line.decode('utf-8', 'surrogateescape')
        entry = {'line': line.decode('utf-8', 'replace'), 'kind': kind, 'index': index,
                 'tls': self.tls, 'replies_before': replies_before,
                 'pipelined': replies_before < index}
        self.summary['commands'].append(entry)
        self.rec.cmd(line)
        self.rec.event(ev='line', **entry)
        return text

    def reply_for(self, key, default):
        return self.sc.get(key, default)

    def maybe_drop(self, point):
        if self.sc.get('drop') == point:
            raise Drop(point)

    # ---------------------------------------------------------------- SMTP

    def run(self):
        if self.sc.get('implicit_tls'):
            self.start_tls()
        self.maybe_drop('accept')
        greeting = self.sc.get('greeting', '220 fault.test ESMTP faultsrv')
        if greeting is None:
            # Never greet: hold until the client gives up (or hold_seconds).
            while True:
                if self.fill(self.left()) is False:
                    raise Closed('client closed before the greeting')
        self.send(greeting)
        while True:
            text = self.client_line()
            verb = text.split(' ', 1)[0].upper()
            arg = text[len(verb) + 1:] if ' ' in text else ''
            handler = getattr(self, 'do_' + verb, None)
            if handler is None:
                self.answer('500 5.5.1 Command unrecognized')
                continue
            if handler(arg) == 'quit':
                return

    def do_EHLO(self, arg):
        self.maybe_drop('ehlo')
        if 'ehlo_reply' in self.sc:
            self.answer(self.sc['ehlo_reply'])
            return
        lines = ['fault.test greets %s' % arg] + self.caps()
        self.answer('\n'.join(('250-' if i < len(lines) - 1 else '250 ') + l
                              for i, l in enumerate(lines)))

    def caps(self):
        """The capabilities announced now (before or after TLS)."""
        if 'ehlo' in self.sc:
            caps = list(self.sc['ehlo'])
        else:
            caps = DEFAULT_EHLO + (['STARTTLS'] if self.ctx is not None else [])
        drop = [r.upper() for r in self.sc.get('ehlo_remove', [])]
        caps = [c for c in caps if c.upper().split(' ')[0] not in drop]
        caps += self.sc.get('ehlo_add', [])
        if self.tls:
            caps = self.sc.get('ehlo_tls', [c for c in caps if c.upper() != 'STARTTLS'])
        return caps

    def do_HELO(self, arg):
        self.answer(self.reply_for('helo', '250 fault.test'))

    def do_NOOP(self, arg):
        self.answer(self.reply_for('noop', '250 2.0.0 Ok'))

    def do_RSET(self, arg):
        self.rcpt_n = 0
        self.accepted = []
        self.answer(self.reply_for('rset', '250 2.0.0 Ok'))

    def do_VRFY(self, arg):
        self.answer(self.reply_for('vrfy', '252 2.0.0 Cannot VRFY user'))

    def do_EXPN(self, arg):
        self.answer(self.reply_for('expn', '502 5.5.1 EXPN not available'))

    def do_QUIT(self, arg):
        self.answer(self.reply_for('quit', '221 2.0.0 Bye'))
        return 'quit'

    def do_MAIL(self, arg):
        self.maybe_drop('mail')
        self.rcpt_n = 0
        self.accepted = []
        self.answer(self.reply_for('mail', '250 2.1.0 Ok'))

    def do_RCPT(self, arg):
        rule = self.sc.get('rcpt', '250 2.1.5 Ok')
        reply = '250 2.1.5 Ok'
        addr = arg.split(':', 1)[-1].strip()
        if addr.startswith('<'):
            addr = addr[1:addr.find('>')] if '>' in addr else addr[1:]
        else:
            addr = addr.split(' ')[0]
        if isinstance(rule, dict) and 'raw' not in rule:
            for k, v in rule.items():
                if k.lower() == addr.lower():
                    reply = v
        elif isinstance(rule, list):
            if self.rcpt_n < len(rule):
                reply = rule[self.rcpt_n]
        else:
            reply = rule
        limit = self.sc.get('rcpt_limit')
        if limit is not None and self.rcpt_n >= int(limit):
            reply = self.sc.get('limit_reply', '452 4.5.3 Error: too many recipients')
        self.rcpt_n += 1
        if lines_of(reply).startswith(b'2'):
            self.accepted.append(addr)
        self.answer(reply)

    def do_DATA(self, arg):
        hook = self.sc.get('data_exec')
        if hook:
            done = subprocess.run(hook, timeout=10, check=False)
            self.rec.event(ev='data-exec', argv=hook, status=done.returncode)
        reply = self.reply_for('data', '354 End data with <CR><LF>.<CR><LF>')
        self.answer(reply)
        if not lines_of(reply).startswith(b'354'):
            return
        # Read the message up to CRLF.CRLF exactly as it crosses the wire.
        start = 0
        stalled = False
        while True:
            i = self.buf.find(b'\r\n.\r\n', max(0, start - 4))
            if self.buf.startswith(b'.\r\n'):
                i = -2      # an empty message: the dot is the first line
            if i != -1:
                break
            if self.sc.get('drop') == 'mid-data' and len(self.buf) > 0:
                self.rec.data(bytes(self.buf), partial=True)
                raise Drop('mid-data')
            if self.sc.get('data_stall_ms') and len(self.buf) > 0 and not stalled:
                stalled = True
                self.rec.event(ev='data-stall', received=len(self.buf))
                time.sleep(min(float(self.sc['data_stall_ms']) / 1000, self.left()))
            start = len(self.buf)
            if self.fill(self.left()) is False:
                self.rec.data(bytes(self.buf), partial=True)
                raise Closed('client closed during DATA')
        data = self.take(i + 5)
        end = self.offset
        self.rec.data(data)
        self.summary['messages'] += 1
        replies_before = self.arrived_with(end)
        index = self.lines
        self.lines += 1
        entry = {'line': '.', 'kind': 'end-of-data', 'index': index, 'tls': self.tls,
                 'replies_before': replies_before, 'pipelined': replies_before < index}
        self.summary['commands'].append(entry)
        self.rec.event(ev='line', **entry)
        self.maybe_drop('after-dot')
        final = self.reply_for('final', '250 2.0.0 Ok: queued as FAULT1')
        if isinstance(final, list):
            k = self.summary['messages'] - 1
            final = final[k] if k < len(final) else '250 2.0.0 Ok: queued as FAULT1'
        if lines_of(final).startswith(b'2'):
            self.summary['envelopes'].append(list(self.accepted))
        self.answer(final)

    def do_STARTTLS(self, arg):
        reply = self.reply_for('starttls', '220 2.0.0 Ready to start TLS')
        data = lines_of(reply)
        if not data.startswith(b'220'):
            self.answer(reply)
            return
        inject = self.sc.get('inject')
        if inject:
            data += inject.encode('utf-8')
        # One write: the injected bytes travel with the 220.
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise Closed('send failed: %s' % e)
        self.replies += 1
        self.rec.event(ev='reply', data=data.decode('utf-8', 'replace'))
        if self.sc.get('tls_stall'):
            # Say go ahead, then never take part in the handshake.
            while self.fill(self.left()) is not False:
                pass
            raise Closed('client closed during the stalled handshake')
        if self.buf:
            # Client side: commands sent in plaintext after STARTTLS.
            self.summary['starttls_plaintext'] = self.buf.decode('utf-8', 'replace')
            self.take(len(self.buf))
        self.start_tls()

    def start_tls(self):
        if self.ctx is None:
            raise Closed('TLS asked for but no --tls-cert')
        tls = TLSSock(self.sock, self.ctx, self.rec)
        tls.settimeout(min(5, self.left()))
        try:
            tls.handshake()
        except (ssl.SSLError, OSError) as e:
            self.summary['tls_error'] = str(e)
            # Keep listening a moment: what a client sends after a failed
            # handshake (plaintext?) goes to the wire record.
            until = time.monotonic() + 1
            while time.monotonic() < until:
                try:
                    self.sock.settimeout(max(0.01, until - time.monotonic()))
                    data = self.sock.recv(65536)
                except (socket.timeout, OSError):
                    break
                if not data:
                    break
                self.rec.wire(data)
            raise Closed('TLS handshake failed: %s' % e)
        self.sock = tls
        self.tls = True
        self.summary['tls'] = True
        self.summary['tls_version'] = self.sock.version()
        self.rec.event(ev='tls', version=self.sock.version())

    # ---------------------------------------------------------------- AUTH

    def sasl_line(self):
        text = self.client_line(kind='sasl')
        if text == '*':
            self.answer('501 5.7.0 Authentication aborted')
            raise AuthAborted()
        return text

    def challenge(self, data):
        self.answer('334 ' + b64e(data))
        return self.sasl_line()

    def auth_result(self, mech, user, ok, **more):
        a = self.sc.get('auth', {})
        if a.get('refuse'):
            ok = False
        self.summary['auth'].append(dict(mech=mech, user=user, ok=ok, **more))
        self.rec.event(ev='auth', mech=mech, user=user, ok=ok, **more)
        if ok:
            self.answer('235 2.7.0 Authentication successful')
        else:
            self.answer(a.get('fail', '535 5.7.8 Authentication credentials invalid'))

    def do_AUTH(self, arg):
        parts = arg.split(' ')
        mech = parts[0].upper()
        initial = parts[1] if len(parts) > 1 else None
        a = self.sc.get('auth', {})
        user = a.get('user', 'user').encode()
        password = a.get('password', 'password').encode()
        offered = set()
        for cap in self.caps():
            if cap.upper().startswith('AUTH '):
                offered.update(cap.upper().split()[1:])
        if mech not in offered:
            self.answer('504 5.5.4 Unrecognized authentication type')
            return
        if a.get('reply'):
            # A fixed answer to the AUTH command itself (e.g. a 454).
            self.summary['auth'].append(dict(mech=mech, ok=False, reply=a['reply']))
            self.answer(a['reply'])
            return
        if a.get('endless') or a.get('bad_challenge'):
            # Never conclude: challenge after challenge (or a challenge that
            # is not base64), until the client gives up or hold_seconds.
            self.summary['auth'].append(dict(mech=mech, ok=False, endless=True))
            n = 0
            while True:
                n += 1
                self.summary['auth'][-1]['challenges'] = n
                if a.get('bad_challenge'):
                    self.answer('334 %%%not base64%%%')
                else:
                    self.answer('334 ' + b64e(b'challenge %d' % n))
                try:
                    self.sasl_line()
                except AuthAborted:
                    self.summary['auth'][-1]['aborted'] = True
                    return
        try:
            getattr(self, 'auth_' + mech.replace('-', '_'))(initial, user, password)
        except AuthAborted:
            self.summary['auth'].append(dict(mech=mech, ok=False, aborted=True))
            self.rec.event(ev='auth', mech=mech, ok=False, aborted=True)
        except (ValueError, UnicodeError, base64.binascii.Error) as e:
            self.summary['auth'].append(dict(mech=mech, ok=False, error=str(e)))
            self.answer('501 5.5.2 Cannot decode response: %s' % e)

    def auth_PLAIN(self, initial, user, password):
        resp = initial if initial is not None else self.challenge(b'')
        authzid, u, p = b64d(resp).split(b'\0')
        self.auth_result('PLAIN', u.decode('utf-8', 'replace'), u == user and p == password,
                         authzid=authzid.decode('utf-8', 'replace'))

    def auth_LOGIN(self, initial, user, password):
        u = b64d(initial) if initial is not None else b64d(self.challenge(b'Username:'))
        p = b64d(self.challenge(b'Password:'))
        self.auth_result('LOGIN', u.decode('utf-8', 'replace'), u == user and p == password)

    def auth_CRAM_MD5(self, initial, user, password):
        if initial is not None:
            raise ValueError('CRAM-MD5 takes no initial response')
        chal = ('<%d.%d@fault.test>' % (os.getpid(), time.time_ns())).encode()
        resp = b64d(self.challenge(chal))
        u, _, digest = resp.rpartition(b' ')
        want = hmac.new(password, chal, hashlib.md5).hexdigest().encode()
        self.auth_result('CRAM-MD5', u.decode('utf-8', 'replace'),
                         u == user and hmac.compare_digest(digest, want))

    def auth_SCRAM_SHA_256(self, initial, user, password):
        a = self.sc.get('auth', {})
        first = b64d(initial) if initial is not None else b64d(self.challenge(b''))
        # gs2-header: "n,," / "y,," / "n,a=authzid," then client-first-bare.
        gs2_flag, authz, bare = first.split(b',', 2)
        if gs2_flag not in (b'n', b'y'):
            raise ValueError('unexpected gs2 flag %r' % gs2_flag)
        gs2 = gs2_flag + b',' + authz + b','
        attrs = dict(x.split(b'=', 1) for x in bare.split(b','))
        u = attrs[b'n'].replace(b'=2C', b',').replace(b'=3D', b'=')
        cnonce = attrs[b'r']
        snonce = b64e(os.urandom(18)).encode()
        salt = os.urandom(16)
        iters = int(a.get('iterations', 4096))
        server_first = b'r=' + cnonce + snonce + b',s=' + b64e(salt).encode() + \
            b',i=' + str(iters).encode()
        final = b64d(self.challenge(server_first))
        without_proof, _, proof = final.rpartition(b',p=')
        fattrs = dict(x.split(b'=', 1) for x in without_proof.split(b','))
        salted = hashlib.pbkdf2_hmac('sha256', password, salt, iters)
        client_key = hmac.new(salted, b'Client Key', hashlib.sha256).digest()
        stored_key = hashlib.sha256(client_key).digest()
        auth_message = bare + b',' + server_first + b',' + without_proof
        client_sig = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
        proof = b64d(proof)
        recovered = bytes(x ^ y for x, y in zip(proof, client_sig))
        ok = (u == user and fattrs.get(b'c') == b64e(gs2).encode()
              and fattrs.get(b'r') == cnonce + snonce and len(proof) == 32
              and hmac.compare_digest(hashlib.sha256(recovered).digest(), stored_key))
        if not ok:
            self.auth_result('SCRAM-SHA-256', u.decode('utf-8', 'replace'), False,
                             channel_binding=fattrs.get(b'c', b'').decode())
            return
        server_key = hmac.new(salted, b'Server Key', hashlib.sha256).digest()
        server_sig = hmac.new(server_key, auth_message, hashlib.sha256).digest()
        if a.get('scram_bad_signature'):
            server_sig = bytes(b ^ 0x55 for b in server_sig)
        last = self.challenge(b'v=' + b64e(server_sig).encode())
        # The client answers the server-final message with an empty line.
        self.auth_result('SCRAM-SHA-256', u.decode('utf-8', 'replace'), last == '',
                         client_last=last)

    def auth_XOAUTH2(self, initial, user, password):
        resp = b64d(initial) if initial is not None else b64d(self.challenge(b''))
        fields = dict(f.split(b'=', 1) for f in resp.split(b'\x01') if b'=' in f)
        u = fields.get(b'user', b'')
        ok = u == user and fields.get(b'auth') == b'Bearer ' + password
        if not ok:
            err = json.dumps({'status': '401', 'schemes': 'bearer',
                              'scope': 'https://mail.example/'}).encode()
            self.challenge(err)
        self.auth_result('XOAUTH2', u.decode('utf-8', 'replace'), ok)


class AuthAborted(Exception):
    pass


class TLSSock:
    """Server-side TLS over a socket through memory BIOs, so that every byte
    that crosses the wire (ciphertext included) is recorded. Offers the
    socket methods Session uses: settimeout, recv, sendall, version, close."""

    def __init__(self, sock, ctx, rec):
        self.raw = sock
        self.rec = rec
        self.inc = ssl.MemoryBIO()
        self.out = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_side=True)

    def settimeout(self, t):
        self.raw.settimeout(t)

    def _flush(self):
        data = self.out.read()
        if data:
            self.raw.sendall(data)

    def _pump(self):
        data = self.raw.recv(65536)      # socket.timeout propagates
        if not data:
            self.inc.write_eof()
            return False
        self.rec.wire(data)
        self.inc.write(data)
        return True

    def handshake(self):
        while True:
            try:
                self.obj.do_handshake()
                self._flush()
                return
            except ssl.SSLWantReadError:
                self._flush()
                if not self._pump():
                    raise ConnectionError('EOF during the TLS handshake')
            except ssl.SSLError:
                self._flush()        # the alert, if any
                raise

    def recv(self, n):
        while True:
            try:
                data = self.obj.read(n)
                self._flush()
                return data
            except ssl.SSLWantReadError:
                self._flush()
                if not self._pump():
                    return b''
            except ssl.SSLZeroReturnError:
                return b''

    def sendall(self, data):
        self.obj.write(data)
        self._flush()

    def version(self):
        return self.obj.version()

    def close(self):
        self.raw.close()


class Recorder:
    def __init__(self, dirname):
        self.dir = dirname
        os.makedirs(dirname, exist_ok=True)
        self.rawf = open(os.path.join(dirname, 'raw'), 'ab')
        self.wiref = open(os.path.join(dirname, 'wire'), 'ab')
        self.cmdf = open(os.path.join(dirname, 'cmds'), 'ab')
        self.evf = open(os.path.join(dirname, 'events.jsonl'), 'a', encoding='utf-8')
        self.ndata = 0
        self.summary = {'commands': [], 'auth': [], 'tls': False, 'messages': 0, 'sni': None,
                        'envelopes': [],
                        'starttls_plaintext': None, 'closed': None, 'connections': 0}
        self.t0 = time.monotonic()

    def raw(self, b):
        self.rawf.write(b)
        self.rawf.flush()

    def wire(self, b):
        self.wiref.write(b)
        self.wiref.flush()

    def cmd(self, line):
        self.cmdf.write(line + b'\n')
        self.cmdf.flush()

    def data(self, b, partial=False):
        self.ndata += 1
        name = 'data.%d%s' % (self.ndata, '.partial' if partial else '')
        with open(os.path.join(self.dir, name), 'wb') as f:
            f.write(b)
        self.event(ev='data', file=name, bytes=len(b), partial=partial)

    def event(self, **kw):
        kw['t'] = round(time.monotonic() - self.t0, 4)
        self.evf.write(json.dumps(kw) + '\n')
        self.evf.flush()

    def finish(self):
        with open(os.path.join(self.dir, 'summary.json'), 'w', encoding='utf-8') as f:
            json.dump(self.summary, f, indent=1)
        for f in (self.rawf, self.wiref, self.cmdf, self.evf):
            f.close()
        open(os.path.join(self.dir, 'done'), 'w').close()


def main():
    ap = argparse.ArgumentParser(description='scripted SMTP fault server')
    ap.add_argument('--record', required=True)
    ap.add_argument('--port-file')
    ap.add_argument('--tls-cert')
    ap.add_argument('--tls-key')
    ap.add_argument('--max-seconds', type=float, default=30)
    ap.add_argument('scenario')
    a = ap.parse_args()

    text = a.scenario
    if text.startswith('@'):
        with open(text[1:], encoding='utf-8') as f:
            text = f.read()
    sc = json.loads(text) if text.strip() else {}

    ctx = None
    if a.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)

    rec = Recorder(a.record)
    if ctx is not None:
        def sni(sslobj, name, context):
            # The server name the client asked for (None: no SNI extension).
            rec.summary['sni'] = name
            rec.event(ev='sni', name=name)
        ctx.sni_callback = sni
    rec.event(ev='scenario', scenario=sc)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('127.0.0.1', 0))
    ls.listen(8)
    port = ls.getsockname()[1]
    if a.port_file:
        with open(a.port_file + '.tmp', 'w') as f:
            f.write('%d\n' % port)
        os.rename(a.port_file + '.tmp', a.port_file)
    else:
        print(port, flush=True)

    deadline = time.monotonic() + a.max_seconds
    try:
        for _ in range(int(sc.get('connections', 1))):
            left = deadline - time.monotonic()
            if left <= 0:
                rec.summary['closed'] = 'max-seconds reached'
                break
            ls.settimeout(left)
            try:
                sock, peer = ls.accept()
            except socket.timeout:
                rec.summary['closed'] = 'no connection within max-seconds'
                break
            rec.summary['connections'] += 1
            rec.event(ev='accept', peer=list(peer))
            s = Session(sock, sc, rec, ctx)
            why = 'quit'
            try:
                s.run()
            except Drop as e:
                why = 'dropped at %s' % e
            except Closed as e:
                why = str(e)
            finally:
                try:
                    s.sock.close()
                except OSError:
                    pass
            rec.summary['closed'] = why
            rec.event(ev='close', why=why)
    finally:
        ls.close()
        rec.finish()
    return 0


if __name__ == '__main__':
    sys.exit(main())
