#!/usr/bin/python3
"""smtpd.py: a real SMTP server for posta's delivery tests, on Debian's aiosmtpd.

It listens on 127.0.0.1 only. Every accepted message is written to the
maildir as NNN.eml (the DATA bytes as received, CRLF line ends, dot-stuffing
undone) and NNN.json (the envelope and the session: mail_from, rcpt_tos,
mail_options, rcpt_options, tls, auth_user, peer certificate).

Usage: smtpd.py --maildir DIR [options]

  --port N              0 (default): pick a free port
  --port-file FILE      write the port there once listening (atomically)
  --tls-cert F --tls-key F   offer STARTTLS with this certificate
  --implicit-tls        TLS from the first byte (smtps) instead of STARTTLS
  --require-starttls    refuse everything but EHLO/STARTTLS/QUIT before TLS
  --client-ca F         ask for a client certificate signed by F (optional)
  --require-client-cert with --client-ca: the handshake fails without one
  --auth USER:PASSWORD  offer AUTH PLAIN LOGIN (only under TLS unless
                        --auth-plaintext) and require it before MAIL;
                        repeatable
  --auth-plaintext      offer AUTH without TLS too (for --tls=none tests)
  --size N              SIZE limit (default 10485760; 0: no SIZE)
  --smtputf8            announce SMTPUTF8
  --hostname NAME       name in the greeting and EHLO reply
  --log FILE            log here (default stderr)
  --max-seconds N       exit after N seconds whatever happens (default 120)

SIGTERM and SIGINT stop it cleanly.
"""

import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

log = logging.getLogger('smtpd')


class Handler:
    def __init__(self, maildir):
        self.maildir = maildir
        os.makedirs(maildir, exist_ok=True)
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        n = '%03d' % self.count
        sslobj = server.transport.get_extra_info('ssl_object') if server.transport else None
        info = {
            'mail_from': envelope.mail_from,
            'rcpt_tos': envelope.rcpt_tos,
            'mail_options': envelope.mail_options,
            'rcpt_options': envelope.rcpt_options,
            'helo': session.host_name,
            'tls': None,
            'auth_user': None,
            'peer_cert_subject': None,
        }
        if sslobj is not None:
            info['tls'] = {'version': sslobj.version(), 'cipher': sslobj.cipher()[0]}
            cert = sslobj.getpeercert()
            if cert:
                info['peer_cert_subject'] = dict(x[0] for x in cert.get('subject', ()))
        if session.authenticated:
            user = session.auth_data
            info['auth_user'] = user.decode('utf-8', 'replace') if isinstance(user, bytes) else user
        path = os.path.join(self.maildir, n)
        with open(path + '.eml.tmp', 'wb') as f:
            f.write(envelope.original_content)
        with open(path + '.json.tmp', 'w', encoding='utf-8') as f:
            json.dump(info, f, ensure_ascii=False, indent=1)
        # The .json appears last: a test that sees it sees the whole message.
        os.rename(path + '.eml.tmp', path + '.eml')
        os.rename(path + '.json.tmp', path + '.json')
        log.info('message %s from %r to %r', n, envelope.mail_from, envelope.rcpt_tos)
        return '250 2.0.0 Ok: queued as %s' % n


def make_authenticator(users):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and users.get(auth_data.login) == auth_data.password)
        log.info('AUTH %s as %r: %s', mechanism,
                 getattr(auth_data, 'login', None), 'ok' if ok else 'refused')
        return AuthResult(success=ok, handled=False,
                          auth_data=auth_data.login if ok else None)
    return authenticator


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--port-file')
    ap.add_argument('--tls-cert')
    ap.add_argument('--tls-key')
    ap.add_argument('--implicit-tls', action='store_true')
    ap.add_argument('--require-starttls', action='store_true')
    ap.add_argument('--client-ca')
    ap.add_argument('--require-client-cert', action='store_true')
    ap.add_argument('--auth', action='append', default=[])
    ap.add_argument('--auth-plaintext', action='store_true')
    ap.add_argument('--size', type=int, default=10485760)
    ap.add_argument('--smtputf8', action='store_true')
    ap.add_argument('--hostname', default='smtpd.test')
    ap.add_argument('--maildir', required=True)
    ap.add_argument('--log')
    ap.add_argument('--max-seconds', type=float, default=120)
    a = ap.parse_args()

    logging.basicConfig(
        filename=a.log, level=logging.DEBUG,
        format='%(asctime)s %(name)s %(levelname)s %(message)s')
    # aiosmtpd logs every line at DEBUG under 'mail.log'.
    logging.getLogger('mail.log').setLevel(logging.DEBUG)

    ctx = None
    if a.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        if a.client_ca:
            ctx.load_verify_locations(a.client_ca)
            ctx.verify_mode = ssl.CERT_REQUIRED if a.require_client_cert else ssl.CERT_OPTIONAL
    elif a.implicit_tls or a.require_starttls or a.client_ca:
        ap.error('TLS options need --tls-cert and --tls-key')

    users = {}
    for spec in a.auth:
        user, sep, password = spec.partition(':')
        if not sep:
            ap.error('--auth wants USER:PASSWORD')
        users[user.encode()] = password.encode()

    handler = Handler(a.maildir)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        kw = dict(
            hostname=a.hostname,
            data_size_limit=a.size or None,
            enable_SMTPUTF8=a.smtputf8,
            decode_data=False,
            timeout=30,
            loop=loop,
        )
        if ctx is not None and not a.implicit_tls:
            kw['tls_context'] = ctx
            kw['require_starttls'] = a.require_starttls
        if users:
            kw['authenticator'] = make_authenticator(users)
            kw['auth_required'] = True
            kw['auth_require_tls'] = not (a.implicit_tls or a.auth_plaintext)
        return SMTP(handler, **kw)

    server = loop.run_until_complete(loop.create_server(
        factory, host='127.0.0.1', port=a.port,
        ssl=ctx if a.implicit_tls else None))
    port = server.sockets[0].getsockname()[1]
    log.info('listening on 127.0.0.1:%d (%s)', port,
             'implicit TLS' if a.implicit_tls else 'STARTTLS' if ctx else 'plain')
    if a.port_file:
        with open(a.port_file + '.tmp', 'w') as f:
            f.write('%d\n' % port)
        os.rename(a.port_file + '.tmp', a.port_file)
    else:
        print(port, flush=True)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    loop.call_later(a.max_seconds, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
        log.info('stopped')
    return 0


if __name__ == '__main__':
    sys.exit(main())
