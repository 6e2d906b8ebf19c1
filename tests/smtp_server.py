"""An SMTP server on the loopback for tests/alerts_email.rs, made with aiosmtpd.

Listens on 127.0.0.1, port 0 (the system picks a free one), prints the port on a line of its
own, and serves until its standard input closes. Each mail received is read back with Python's
own email parser (an independent reader of what we sent) and written to OUT/mail-N.json with
its envelope, whether the connection was encrypted, and the login used.

    python3 smtp_server.py MODE CERT KEY USER PASSWORD OUT
    MODE: starttls (STARTTLS required before AUTH), tls (TLS from the first byte),
          plain (no encryption, no login)
"""
import asyncio
import email
import email.policy
import json
import logging
import os
import ssl
import sys

import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# aiosmtpd warns that a login without STARTTLS is unsafe: the implicit-TLS server is encrypted
# from the first byte, which aiosmtpd does not know of.
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)

mode, cert, key, user, password, out = sys.argv[1:7]


class Handler:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        auth = getattr(session, "auth_data", None)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "content_type": message.get_content_type(),
            "charset": message.get_content_charset(),
            "body": message.get_content(),
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "login": auth.login.decode() if isinstance(auth, LoginPassword) else None,
        }
        count = len([n for n in os.listdir(out) if n.endswith(".json")])
        path = os.path.join(out, f"mail-{count}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.replace(path + ".tmp", path)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == user
        and auth_data.password.decode() == password
    )
    # handled=False: aiosmtpd then answers a refusal itself (535), as a mail server does.
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


async def main():
    context = None
    if mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
    handler = Handler()

    def factory():
        if mode == "starttls":
            return SMTP(handler, hostname="mail.test", tls_context=context,
                        require_starttls=True, auth_required=True, authenticator=authenticator)
        if mode == "tls":
            # Encrypted from the first byte: aiosmtpd only knows STARTTLS as encryption.
            return SMTP(handler, hostname="mail.test", auth_required=True,
                        auth_require_tls=False, authenticator=authenticator)
        return SMTP(handler, hostname="mail.test")

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        factory, "127.0.0.1", 0, ssl=context if mode == "tls" else None
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
