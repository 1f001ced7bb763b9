#!/usr/bin/env python3
"""Compares the registry's national report with a clinic's registry report
over the same summaries: the same thresholds, and the same models, cells
and incomplete counts (matched by protocol, instrument and label; the
practitioner member left out), numbers to 1e-9 relative.

usage: t0949-reports-agree.py NATIONAL.json UNION.json MIN_CELLS [--adjusted]
--adjusted also requires a fitted risk model in some group."""
import json
import sys

nat, uni = (json.load(open(p)) for p in sys.argv[1:3])
min_cells = int(sys.argv[3])


def same(a, b, where):
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str):
        assert a == b, "%s: %r != %r" % (where, a, b)
    elif isinstance(a, (int, float)):
        assert isinstance(b, (int, float)), "%s: %r != %r" % (where, a, b)
        assert abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)), "%s: %r != %r" % (where, a, b)
    elif isinstance(a, list):
        assert len(a) == len(b), "%s: lengths %d != %d" % (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, "%s[%d]" % (where, i))
    else:
        assert set(a) == set(b), "%s: members %s != %s" % (where, sorted(a), sorted(b))
        for k in a:
            same(a[k], b[k], where + "." + k)


same(nat["thresholds"], uni["thresholds"], "thresholds")
key = lambda o: (o["protocol"], o["instrument"], o.get("label", ""))
for part in ("models", "cells", "incomplete"):
    a, b = sorted(nat[part], key=key), sorted(uni[part], key=key)
    assert len(a) > 0, part
    for o in a + b:
        o.pop("practitioner", None)
    same(a, b, part)
assert len(nat["cells"]) >= min_cells, len(nat["cells"])
if "--adjusted" in sys.argv[4:]:
    assert any(m["adjusted"] for m in nat["models"]), "no risk model fitted"
print("compared %d models, %d cells" % (len(nat["models"]), len(nat["cells"])))
