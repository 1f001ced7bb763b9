#!/usr/bin/env python3
"""A tiny registry receiver for the clinic-side tests (t095x): a real HTTP
server on a free loopback port that answers POST /registry/v1/enroll,
POST /registry/v1/push and GET /registry/v1/national as docs/registry.md
says, and records the exact bytes it receives. It is written apart from
the program: signatures are checked and made with the openssl command,
digests with hashlib.

usage: t0959-registry-receiver.py DIR
Writes DIR/port once listening. In DIR it keeps:
  received/NNNN.body  every request body, as received, in order
  accepted.log        one line per accepted batch: seq digest rows retracted
  state.json          the rows the registry holds, by "episode instrument"
Test controls (not part of the protocol):
  POST /test/approve {"clinic": N}, POST /test/suspend {"clinic": N}
  POST /test/national  the document to serve (JSON), signed on each GET
  POST /test/reset {"clinic": N}  forgets every row, practitioner and
      accepted batch, and the clinic's sequence (it stays enrolled and
      approved), as a registry that never received a push
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

DIR = sys.argv[1]
os.makedirs(os.path.join(DIR, "received"), exist_ok=True)
KEY = os.path.join(DIR, "registry.pem")
subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", KEY],
               check=True, capture_output=True)
der = subprocess.run(["openssl", "pkey", "-in", KEY, "-pubout", "-outform",
                      "DER"], check=True, capture_output=True).stdout
REGISTRY_PUBLIC = base64.b64encode(der[-32:]).decode()
DER_PREFIX = bytes.fromhex("302a300506032b6570032100")

clinics = {}   # id -> {"key", "name", "status", "last_seq", "last_digest"}
state = {}     # "episode instrument" -> row
practitioners = {}
national = {"models": [], "cells": []}
counter = [0]


def openssl_verify(message, signature, public_raw):
    pub = os.path.join(DIR, "clinic.der")
    with open(pub, "wb") as f:
        f.write(DER_PREFIX + public_raw)
    msg = os.path.join(DIR, "msg.bin")
    with open(msg, "wb") as f:
        f.write(message)
    sig = os.path.join(DIR, "sig.bin")
    with open(sig, "wb") as f:
        f.write(signature)
    r = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey",
                        pub, "-keyform", "DER", "-rawin", "-in", msg,
                        "-sigfile", sig], capture_output=True)
    return r.returncode == 0


def openssl_sign(message):
    msg = os.path.join(DIR, "national.bin")
    with open(msg, "wb") as f:
        f.write(message)
    return subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", KEY,
                           "-rawin", "-in", msg], check=True,
                          capture_output=True).stdout


def canonical(value):
    # Enough for documents of integers and strings (the tests' national
    # documents): sorted keys, no blanks, UTF-8.
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, code, field, message, **more):
        doc = {"error": {"code": code, "field": field, "message": message}}
        doc.update(more)
        self.answer(status, doc)

    def do_GET(self):
        if self.path != "/registry/v1/national":
            return self.error(404, "not_found", "path", "no such path")
        sig = openssl_sign(canonical(national))
        self.answer(200, {"document": national,
                          "signature": base64.b64encode(sig).decode()})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if len(body) != n:
            return  # the sender died part way: nothing happened
        counter[0] += 1
        with open(os.path.join(DIR, "received", "%04d.body" % counter[0]),
                  "wb") as f:
            f.write(body)
        try:
            doc = json.loads(body)
        except ValueError:
            return self.error(400, "input", "", "not JSON")
        if self.path == "/registry/v1/enroll":
            return self.enroll(doc)
        if self.path == "/registry/v1/push":
            return self.push(body, doc)
        if self.path in ("/test/approve", "/test/suspend"):
            clinics[doc["clinic"]]["status"] = (
                "approved" if self.path == "/test/approve" else "suspended")
            return self.answer(200, {"ok": True})
        if self.path == "/test/reset":
            c = clinics[doc["clinic"]]
            c["last_seq"], c["last_digest"] = 0, None
            state.clear()
            practitioners.clear()
            for name in ("state.json", "accepted.log"):
                if os.path.exists(os.path.join(DIR, name)):
                    os.unlink(os.path.join(DIR, name))
            return self.answer(200, {"ok": True})
        if self.path == "/test/national":
            national.clear()
            national.update(doc)
            return self.answer(200, {"ok": True})
        return self.error(404, "not_found", "path", "no such path")

    def enroll(self, doc):
        if set(doc) != {"name", "public_key"}:
            return self.error(400, "input", "", "members are name, public_key")
        for cid, c in clinics.items():
            if c["key"] == doc["public_key"]:
                return self.answer(200, {"clinic": cid, "status": c["status"]})
        cid = len(clinics) + 1
        clinics[cid] = {"key": doc["public_key"], "name": doc["name"],
                        "status": "pending", "last_seq": 0,
                        "last_digest": None}
        self.answer(201, {"clinic": cid, "status": "pending",
                          "registry_public_key": REGISTRY_PUBLIC})

    def push(self, body, doc):
        head, tail = b'{"batch":', b',"signature":'
        if not body.startswith(head) or tail not in body:
            return self.error(400, "input", "batch", "not canonical")
        batch_bytes = body[len(head):body.rindex(tail)]
        batch = doc["batch"]
        c = clinics.get(batch.get("clinic"))
        if c is None:
            return self.error(403, "forbidden", "clinic",
                              "no clinic %s" % batch.get("clinic"))
        if c["status"] != "approved":
            return self.error(403, "forbidden", "clinic",
                              "clinic %s is %s" % (batch["clinic"],
                                                   c["status"]))
        sig = base64.b64decode(doc["signature"])
        if not openssl_verify(batch_bytes, sig, base64.b64decode(c["key"])):
            return self.error(401, "auth", "signature", "does not verify")
        if batch["seq"] != c["last_seq"] + 1:
            return self.error(409, "conflict", "seq",
                              "replayed or out of order",
                              last_seq=c["last_seq"],
                              last_digest=c["last_digest"])
        digest = hashlib.sha256(batch_bytes).hexdigest()
        for p in batch["practitioners"]:
            practitioners[p["ref"]] = p
        for row in batch["rows"]:
            state[row["episode"] + " " + row["instrument"]] = row
        for r in batch["retract"]:
            state.pop(r["episode"] + " " + r["instrument"], None)
        c["last_seq"], c["last_digest"] = batch["seq"], digest
        with open(os.path.join(DIR, "state.json"), "w") as f:
            json.dump({"rows": state, "practitioners": practitioners}, f,
                      sort_keys=True)
        with open(os.path.join(DIR, "accepted.log"), "a") as f:
            f.write("%d %s %d %d\n" % (batch["seq"], digest,
                                       len(batch["rows"]),
                                       len(batch["retract"])))
        self.answer(200, {"clinic": batch["clinic"], "seq": batch["seq"],
                          "rows": len(batch["rows"]),
                          "retracted": len(batch["retract"])})


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
