#!/usr/bin/env python3
"""An implementation of the Merkle tree of RFC 9162 (section 2.1), written
apart from the program with hashlib, straight from the RFC's recursive
definitions (MTH, PATH, PROOF/SUBPROOF) and its two verification
algorithms (2.1.3.2, 2.1.4.2). It writes the requests of
'touchstone test-merkle' and the answers that the program must give.

usage: t0990-merkle-reference.py REQUESTS EXPECTED

The leaves are synthetic random bytes (seeded, 0 to 48 bytes each, the
first one empty). The requests cover every tree size from 1 to 64 with
every leaf index and every pair of sizes m <= n, and random larger sizes
(1,000, 4,097 and two more); the checks that must fail are a tampered
leaf, a wrong index, a truncated or lengthened proof, a proof
from another tree, a flipped byte, and a rewritten history (the first root
from another tree). Before writing, the script checks its own proofs with
its own verifier: correct ones pass, every tampered one fails.
"""
import hashlib
import random
import sys


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n):
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class Tree:
    """The tree over a list of leaves (their bytes)."""

    def __init__(self, leaves):
        self.leaves = leaves
        self.memo = {}

    def mth(self, lo, hi):
        """MTH(D[lo:hi])."""
        if hi - lo == 0:
            return hashlib.sha256(b"").digest()
        if hi - lo == 1:
            return leaf_hash(self.leaves[lo])
        if (lo, hi) not in self.memo:
            k = split(hi - lo)
            self.memo[(lo, hi)] = node_hash(self.mth(lo, lo + k),
                                            self.mth(lo + k, hi))
        return self.memo[(lo, hi)]

    def path(self, m, lo, hi):
        """PATH(m, D[lo:hi]), section 2.1.3.1."""
        n = hi - lo
        if n == 1:
            return []
        k = split(n)
        if m < k:
            return self.path(m, lo, lo + k) + [self.mth(lo + k, hi)]
        return self.path(m - k, lo + k, hi) + [self.mth(lo, lo + k)]

    def subproof(self, m, lo, hi, whole):
        """SUBPROOF(m, D[lo:hi], b), section 2.1.4.1."""
        n = hi - lo
        if m == n:
            return [] if whole else [self.mth(lo, hi)]
        k = split(n)
        if m <= k:
            return self.subproof(m, lo, lo + k, whole) + [self.mth(lo + k, hi)]
        return (self.subproof(m - k, lo + k, hi, False) +
                [self.mth(lo, lo + k)])

    def inclusion(self, m, n):
        return self.path(m, 0, n)

    def consistency(self, m, n):
        return self.subproof(m, 0, n, True)


def inclusion_length(m, n):
    if n == 1:
        return 0
    k = split(n)
    return 1 + (inclusion_length(m, k) if m < k
                else inclusion_length(m - k, n - k))


def consistency_length(m, n, whole=True):
    if m == n:
        return 0 if whole else 1
    k = split(n)
    if m <= k:
        return 1 + consistency_length(m, k, whole)
    return 1 + consistency_length(m - k, n - k, False)


def path_step(fn, sn):
    """One level of the path walk of RFC 9162 2.1.3.2 and 2.1.4.2:
    whether the path's next hash goes on the left, and fn and sn after."""
    left = bool(fn & 1 or fn == sn)
    if left:
        while not fn & 1 and fn != 0:
            fn >>= 1
            sn >>= 1
    return left, fn >> 1, sn >> 1


# The verifiers answer None when the proof holds, else the field that the
# program's error names (src/outcomes/merkle.h states the contract).
def verify_inclusion(h, m, n, root, path):
    if m >= n:
        return "leaf_index"
    if len(path) != inclusion_length(m, n):
        return "audit_path"
    fn, sn, r = m, n - 1, h
    for p in path:
        if sn == 0:
            return "audit_path"
        left, fn, sn = path_step(fn, sn)
        r = node_hash(p, r) if left else node_hash(r, p)
    if sn != 0:
        return "audit_path"
    return None if r == root else "root_hash"


def verify_consistency(m, n, first_hash, second_hash, path):
    if m == 0 or m > n:
        return "first"
    if len(path) != consistency_length(m, n):
        return "consistency_path"
    if m == n:
        return None if first_hash == second_hash else "second_hash"
    items = list(path)
    if m & (m - 1) == 0:
        items.insert(0, first_hash)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = items[0]
    for c in items[1:]:
        if sn == 0:
            return "consistency_path"
        left, fn, sn = path_step(fn, sn)
        if left:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
        else:
            sr = node_hash(sr, c)
    if sn != 0:
        return "consistency_path"
    if fr != first_hash:
        return "first_hash"
    if sr != second_hash:
        return "second_hash"
    return None


def hexes(hashes):
    return "".join(" " + h.hex() for h in hashes)


def flip(h):
    return bytes([h[0] ^ 0x01]) + h[1:]


def main():
    requests_path, expected_path = sys.argv[1], sys.argv[2]
    rng = random.Random(9162)
    big = [1000, 4097, rng.randint(65, 4200), rng.randint(65, 4200)]
    count = max(big)
    leaves = [b""] + [rng.randbytes(rng.randint(0, 48))
                      for _ in range(count - 1)]
    other = Tree([bytes([0x5A]) + d for d in leaves])
    tree = Tree(leaves)
    req, exp = [], []

    for d in leaves:
        req.append("leaf " + (d.hex() if d else "-"))

    def ask(line, answer):
        req.append(line)
        exp.append(answer)

    def check(kind, m, n, a, b, path, verdict, must_hold):
        # The reference's verdict (None: it holds) must be the one wanted;
        # the program is asked "verify-KIND m n A B PATH..." and must give
        # the same verdict.
        assert (verdict is None) == must_hold, (m, n, verdict)
        ask("verify-%s %d %d %s %s%s" % (kind, m, n, a.hex(), b.hex(),
                                          hexes(path)),
            "verify-%s %d %d %s" %
            (kind, m, n, "ok" if verdict is None else "fail " + verdict))

    def check_inclusion(h, m, n, root, path, must_hold):
        check("inclusion", m, n, h, root, path,
              verify_inclusion(h, m, n, root, path), must_hold)

    def check_consistency(m, n, h1, h2, path, must_hold):
        check("consistency", m, n, h1, h2, path,
              verify_consistency(m, n, h1, h2, path), must_hold)

    def inclusion_cases(m, n, tampered):
        path = tree.inclusion(m, n)
        root = tree.mth(0, n)
        h = leaf_hash(leaves[m])
        ask("inclusion %d %d" % (m, n), "inclusion %d %d%s" % (m, n,
                                                               hexes(path)))
        check_inclusion(h, m, n, root, path, True)
        if not tampered:
            return
        check_inclusion(leaf_hash(leaves[m] + b"x"), m, n, root, path, False)
        if n > 1:
            check_inclusion(h, (m + 1) % n, n, root, path, False)
            check_inclusion(h, m, n, root, path[:-1], False)
        check_inclusion(h, m, n, root, path + [root], False)
        if n > 1:
            check_inclusion(h, m, n, root, other.inclusion(m, n), False)
        check_inclusion(h, m, n, other.mth(0, n), path, False)
        if path:
            i = rng.randrange(len(path))
            check_inclusion(h, m, n, root,
                            path[:i] + [flip(path[i])] + path[i + 1:], False)

    def consistency_cases(m, n, tampered):
        path = tree.consistency(m, n)
        h1, h2 = tree.mth(0, m), tree.mth(0, n)
        ask("consistency %d %d" % (m, n), "consistency %d %d%s" %
            (m, n, hexes(path)))
        check_consistency(m, n, h1, h2, path, True)
        if not tampered:
            return
        # A log that rewrote its history: the old head is another tree's.
        check_consistency(m, n, other.mth(0, m), h2, path, False)
        check_consistency(m, n, h1, other.mth(0, n), path, False)
        check_consistency(m, n, other.mth(0, m), other.mth(0, n), path,
                          m == n)
        if path:
            check_consistency(m, n, h1, h2, path[:-1], False)
            i = rng.randrange(len(path))
            check_consistency(m, n, h1, h2,
                              path[:i] + [flip(path[i])] + path[i + 1:],
                              False)
        check_consistency(m, n, h1, h2, path + [h1], False)
        if m < n:
            check_consistency(m, n, h1, h2, other.consistency(m, n), False)
            check_consistency(m + 1, n, h1, h2, path, False)

    ask("root 0", "root 0 " + hashlib.sha256(b"").hexdigest())
    for n in range(1, 65):
        ask("root %d" % n, "root %d %s" % (n, tree.mth(0, n).hex()))
        for m in range(n):
            inclusion_cases(m, n, True)
        for m in range(1, n + 1):
            consistency_cases(m, n, True)
        ask("inclusion %d %d" % (n, n), "inclusion %d %d error leaf_index" %
            (n, n))
        ask("consistency 0 %d" % n, "consistency 0 %d error first" % n)
        ask("consistency %d %d" % (n + 1, n),
            "consistency %d %d error first" % (n + 1, n))
        check_consistency(0, n, tree.mth(0, 0), tree.mth(0, n), [], False)
        check_inclusion(leaf_hash(leaves[0]), n, n, tree.mth(0, n), [],
                        False)
    for n in big:
        ask("root %d" % n, "root %d %s" % (n, tree.mth(0, n).hex()))
        for m in [0, n - 1, n // 2] + [rng.randrange(n) for _ in range(20)]:
            inclusion_cases(m, n, m % 4 == 0)
        for m in [1, n, n - 1] + [rng.randint(1, n) for _ in range(20)]:
            consistency_cases(m, n, m % 4 == 0)
    for m in big:
        for n in big:
            if m <= n:
                consistency_cases(m, n, True)

    with open(requests_path, "w") as f:
        f.write("\n".join(req) + "\n")
    with open(expected_path, "w") as f:
        f.write("\n".join(exp) + "\n")


main()
