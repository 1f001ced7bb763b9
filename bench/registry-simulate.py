#!/usr/bin/env python3
"""bench/registry-simulate.py: the pushes of many synthetic clinics, fast.

usage: registry-simulate.py OUT_DIR CLINICS EPISODES_PER_CLINIC [--from F]
       registry-simulate.py --sign OUT_DIR

Writes, for clinic i = F..CLINICS (F 1 unless given; a clinic already
written is kept, so two processes can share the work):
  OUT_DIR/keys/c<i>.pk        the clinic's Ed25519 public key (base64)
  OUT_DIR/enroll/c<i>.json    its enrolment body {"name", "public_key"}
  OUT_DIR/b<i>/<seq>.batch    its batches, seq 1, 2, ..., as JSON without the
                              registry's clinic id (filled in by sign below)
and, once the registry has given each clinic its id (OUT_DIR/ids, "i id"
per line), `registry-simulate.py --sign OUT_DIR` writes each batch's push
body OUT_DIR/b<i>/<seq>.json: {"batch": ..., "signature": ...}, signed
with the clinic's own secret key over the batch's canonical JSON (sorted
keys, no spaces, UTF-8: what the registry verifies). The format is the one
`touchstone push` sends (docs/registry.md): EPISODES_PER_CLINIC episodes x
2 instruments (nprs with an MCID, psfs) over two protocols, 1,000 rows a
batch (push's default). Every number is a multiple of 0.25,
so any canonical writer gives the same bytes. Practitioners: 10 a clinic,
the first with a licence shared by every 50th clinic (one practitioner at
several clinics, matched by licence), the others pseudonyms of the clinic.

Clearly synthetic: no names, references are hex pseudonyms.
"""
import base64
import json
import os
import random
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from registry_rows import summary_row  # noqa: E402

PRACTITIONERS = 10


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def rows_of(clinic, episodes, rnd):
    refs = ["p-%016x" % (clinic * 1000 + i) for i in range(PRACTITIONERS)]
    for k in range(episodes):
        ep = "e-%016x" % (clinic * 100000000 + k)
        prac = refs[k % PRACTITIONERS]
        protocol = ("low-back-pain", "neck-pain")[k % 2]
        age = rnd.randint(18, 90)
        sex = rnd.choice(("female", "male", "female", "other"))
        chron = None if k % 7 == 0 else rnd.randint(0, 200)
        comorb = rnd.randint(0, 5)
        complete = 0 if k % 9 == 0 else 1
        reason = None if complete else rnd.choice(("open", "no_baseline", "no_discharge"))
        skill = (clinic * 7 + k % PRACTITIONERS) % 5 - 2      # practitioners differ
        for inst, mcid in (("nprs", 2.0), ("psfs", None)):
            base = rnd.randint(16, 40) / 4.0
            disc = max(0, min(40, rnd.randint(0, 40) - skill * 2)) / 4.0 if complete else None
            yield summary_row(rnd, k, ep, prac, protocol, inst, mcid, 2025, base, disc,
                              complete, reason, age, sex, chron, comorb)


def generate(out, first, clinics, episodes, batch_rows=int(os.environ.get("BATCH_ROWS", "10000"))):
    os.makedirs(out + "/keys", exist_ok=True)
    os.makedirs(out + "/enroll", exist_ok=True)
    for c in range(first, clinics + 1):
        d = "%s/b%d" % (out, c)
        if os.path.exists(d + "/done"):
            continue
        os.makedirs(d, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        sk = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                               serialization.NoEncryption())
        pk = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        with open("%s/keys/c%d.sk" % (out, c), "wb") as f:
            f.write(sk)
        with open("%s/keys/c%d.pk" % (out, c), "w") as f:
            f.write(base64.b64encode(pk).decode())
        with open("%s/enroll/c%d.json" % (out, c), "w") as f:
            json.dump({"name": "Synthetic Clinic %d" % c, "public_key": base64.b64encode(pk).decode()}, f)
        practitioners = [{"ref": "p-%016x" % (c * 1000 + i),
                          "npi": None,
                          "license": "SYN-LIC-%04d" % (c % 50) if i == 0 else None}
                         for i in range(PRACTITIONERS)]
        rnd = random.Random(c)
        seq, rows = 0, []

        def flush():
            nonlocal seq, rows
            seq += 1
            with open("%s/%06d.batch" % (d, seq), "w") as f:
                json.dump({"format": 1, "seq": seq, "practitioners": practitioners,
                           "rows": rows, "retract": []}, f)
            rows = []
        for r in rows_of(c, episodes, rnd):
            rows.append(r)
            if len(rows) == batch_rows:
                flush()
        if rows:
            flush()
        open(d + "/done", "w").close()


def sign(out):
    ids = dict(line.split() for line in open(out + "/ids"))
    for c, rid in ids.items():
        d = "%s/b%s" % (out, c)
        key = Ed25519PrivateKey.from_private_bytes(open("%s/keys/c%s.sk" % (out, c), "rb").read())
        for name in sorted(os.listdir(d)):
            if not name.endswith(".batch"):
                continue
            b = json.load(open(os.path.join(d, name)))
            b["clinic"] = int(rid)
            sig = base64.b64encode(key.sign(canonical(b))).decode()
            with open(os.path.join(d, name[:-6] + ".json"), "w") as f:
                f.write(canonical({"batch": b, "signature": sig}).decode())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--sign":
        sign(sys.argv[2])
    elif len(sys.argv) == 4:
        generate(sys.argv[1], 1, int(sys.argv[2]), int(sys.argv[3]))
    elif len(sys.argv) == 6 and sys.argv[4] == "--from":
        generate(sys.argv[1], int(sys.argv[5]), int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(__doc__)
