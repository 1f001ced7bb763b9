#!/usr/bin/env python3
"""A real SMTP server on loopback for the tests (aiosmtpd): every message
it accepts is written, whole, as one file in a folder.

usage: smtp-server.py --dir DIR --port-file FILE [--delay SECONDS]
                      [--auth USER:PASSWORD] [--tls CERT:KEY]

--delay waits that long after writing a message before answering 250, so
that a sender killed meanwhile has had its message delivered without
hearing so. --auth requires AUTH (PLAIN or LOGIN) with that login.
--tls offers STARTTLS with that certificate and key (PEM) and requires
it before anything else (require_starttls), AUTH included; each AUTH is
then written to auth.log in --dir's parent as "USER tls=yes|no ok=yes|no".
The port it listens on is written to --port-file once it accepts.
"""
import argparse
import asyncio
import os
import signal
import socket
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Folder:
    def __init__(self, folder, delay):
        self.folder = folder
        self.delay = delay
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        name = "%06d-%d.eml" % (n, os.getpid())
        tmp = os.path.join(self.folder, "." + name)
        with open(tmp, "wb") as f:
            f.write(("X-Envelope-From: %s\r\n" % envelope.mail_from).encode())
            f.write(("X-Envelope-To: %s\r\n" % ",".join(envelope.rcpt_tos)).encode())
            f.write(envelope.original_content)
        os.rename(tmp, os.path.join(self.folder, name))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK: queued"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--auth")
    ap.add_argument("--tls")
    a = ap.parse_args()
    kwargs = {}
    auth_log = os.path.join(os.path.dirname(os.path.abspath(a.dir)),
                            "auth.log")
    if a.auth:
        user, password = a.auth.split(":", 1)

        def check(server, session, envelope, mechanism, data):
            ok = (isinstance(data, LoginPassword) and
                  data.login.decode() == user and
                  data.password.decode() == password)
            if a.tls:
                login = (data.login.decode(errors="replace")
                         if isinstance(data, LoginPassword) else "?")
                with open(auth_log, "a") as f:
                    f.write("%s tls=%s ok=%s\n" % (
                        login, "yes" if session.ssl is not None else "no",
                        "yes" if ok else "no"))
            # handled=False: aiosmtpd answers 535 to a refused login (by
            # default it would leave the client waiting for an answer).
            return AuthResult(success=ok, handled=False)

        kwargs = dict(authenticator=check, auth_required=True,
                      auth_require_tls=bool(a.tls))
    if a.tls:
        cert, key = a.tls.split(":", 1)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        kwargs.update(tls_context=ctx, require_starttls=True)
    port = free_port()
    c = Controller(Folder(a.dir, a.delay), hostname="127.0.0.1", port=port,
                   **kwargs)
    c.start()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, a.port_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.2):
        pass
    c.stop()


if __name__ == "__main__":
    main()
