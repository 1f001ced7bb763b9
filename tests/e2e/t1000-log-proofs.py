#!/usr/bin/env python3
"""Checks the proofs a registry's transparency log serves against RFC 9162
written apart from the program: the Tree of t0990-merkle-reference.py
(hashlib, the RFC's recursive MTH, PATH and SUBPROOF), over the leaves the
log serves at /log/v1/entries.

usage: t1000-log-proofs.py URL SEED

Every tree size from 1 to 64 (or the log's size, if smaller): the signed
tree head's root hash, every audit path and every consistency proof; then
random pairs over the whole log; then the requests that must be refused.
Prints "checked N" on success, exits 1 naming the first difference.
"""
import base64
import json
import os
import random
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ref = {}
source = open(os.path.join(HERE, "t0990-merkle-reference.py")).read()
exec(compile(source.rsplit("\nmain()", 1)[0], "t0990-merkle-reference.py",
             "exec"), ref)
Tree = ref["Tree"]

URL, SEED = sys.argv[1].rstrip("/"), int(sys.argv[2])


def get(path, status=200):
    try:
        with urllib.request.urlopen(URL + path, timeout=30) as r:
            got, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        got, body = e.code, e.read()
    if got != status:
        sys.exit("GET %s: expected %d, got %d: %s" % (path, status, got, body))
    return json.loads(body)


def b64(hashes):
    return [base64.b64encode(h).decode() for h in hashes]


size = get("/log/v1/sth")["tree_size"]
leaves = []
while len(leaves) < size:
    page = get("/log/v1/entries?start=%d&end=%d" % (len(leaves), size))
    for e in page["entries"]:
        assert e["leaf_index"] == len(leaves), e["leaf_index"]
        leaves.append(base64.b64decode(e["leaf"]))
tree = Tree(leaves)
checked = 0
for n in range(1, size + 1):
    sth = get("/log/v1/sth?tree_size=%d" % n)
    if sth["root_hash"] != b64([tree.mth(0, n)])[0]:
        sys.exit("root hash of size %d differs" % n)
    checked += 1


def inclusion(m, n):
    got = get("/log/v1/proof-by-index?leaf_index=%d&tree_size=%d" % (m, n))
    if got["audit_path"] != b64(tree.inclusion(m, n)):
        sys.exit("audit path of leaf %d in size %d differs" % (m, n))


def consistency(m, n):
    got = get("/log/v1/consistency?first=%d&second=%d" % (m, n))
    if got["consistency_path"] != b64(tree.consistency(m, n)):
        sys.exit("consistency proof %d -> %d differs" % (m, n))


for n in range(1, min(size, 64) + 1):
    for m in range(n):
        inclusion(m, n)
        consistency(m + 1, n)
        checked += 2
rnd = random.Random(SEED)
for _ in range(200):
    n = rnd.randint(1, size)
    inclusion(rnd.randrange(n), n)
    consistency(rnd.randint(1, n), n)
    checked += 2
# Questions without an answer: a 400 naming the parameter.
for path, field in (
        ("/log/v1/proof-by-index?leaf_index=%d&tree_size=%d" % (size, size),
         "leaf_index"),
        ("/log/v1/proof-by-index?leaf_index=0&tree_size=%d" % (size + 1),
         "tree_size"),
        ("/log/v1/consistency?first=0&second=%d" % size, "first"),
        ("/log/v1/consistency?first=2&second=1", "first"),
        ("/log/v1/consistency?first=1&second=%d" % (size + 1), "second"),
        ("/log/v1/entries?start=3&end=3", "end"),
        ("/log/v1/proof-by-index?leaf_index=-1&tree_size=2", "leaf_index"),
        ("/log/v1/sth?size=2", "size")):
    err = get(path, 400)["error"]
    if err["field"] != field:
        sys.exit("%s: field %r, expected %r" % (path, err["field"], field))
    checked += 1
get("/log/v1/sth?tree_size=%d" % (size + 1), 404)
print("checked %d" % checked)
