#!/usr/bin/env python3
"""A real SMTP server on loopback for the tests (aiosmtpd): every message
it accepts is written, whole, as one file in a folder.

usage: smtp-server.py --dir DIR --port-file FILE [--delay SECONDS]
                      [--auth USER:PASSWORD]

--delay waits that long after writing a message before answering 250, so
that a sender killed meanwhile has had its message delivered without
hearing so. --auth requires AUTH (PLAIN or LOGIN) with that login.
The port it listens on is written to --port-file once it accepts.
"""
import argparse
import asyncio
import os
import signal
import socket
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
    a = ap.parse_args()
    kwargs = {}
    if a.auth:
        user, password = a.auth.split(":", 1)

        def check(server, session, envelope, mechanism, data):
            ok = (isinstance(data, LoginPassword) and
                  data.login.decode() == user and
                  data.password.decode() == password)
            return AuthResult(success=ok)

        kwargs = dict(authenticator=check, auth_required=True,
                      auth_require_tls=False)
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
