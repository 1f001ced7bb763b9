#!/usr/bin/env python3
"""Comparisons for the upgrade test (t0795-upgrade.sh), made with Python's
own sqlite3, json and csv modules rather than by Touchstone.

  compare.py snapshot DB OUT.json    every table's columns and rows
  compare.py rows OUT.json DB        the rows of the snapshot are all still
                                     in DB, column for column (new columns
                                     may be added; nothing may change)
  compare.py schema FRESH.db DB      DB's tables, columns, indexes and
                                     triggers are those of a fresh database
  compare.py output OLD NEW [GONE=COL ...]
                                     a command's output: JSON, every old
                                     member with the same value; CSV, every
                                     old column with the same values (a
                                     column GONE from today's layout must,
                                     where it was not blank, equal today's
                                     COL); text, the same bytes
Exits 1 naming the first difference.
"""
import csv
import io
import json
import sqlite3
import sys


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def tables(db):
    return [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        " AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def columns(db, t):
    return [r[1] for r in db.execute("SELECT * FROM pragma_table_info(?)", (t,))]


def select(db, t, cols):
    """The rows of t, these columns only, in a stable order (some tables
    have no rowid)."""
    q = "SELECT %s FROM \"%s\"" % (", ".join('"%s"' % c for c in cols), t)
    rows = ([v.hex() if isinstance(v, bytes) else v for v in r]
            for r in db.execute(q))
    return sorted(rows, key=lambda r: json.dumps(r))


def snapshot(path, out):
    db = sqlite3.connect(path)
    snap = {}
    for t in tables(db):
        cols = columns(db, t)
        snap[t] = {"columns": cols, "rows": select(db, t, cols)}
    json.dump(snap, open(out, "w"))


def rows(snap_path, path):
    snap = json.load(open(snap_path))
    db = sqlite3.connect(path)
    have = set(tables(db))
    for t, old in snap.items():
        if t not in have:
            fail("table %s is gone after the upgrade" % t)
        now_cols = columns(db, t)
        for c in old["columns"]:
            if c not in now_cols:
                fail("column %s.%s is gone after the upgrade" % (t, c))
        now = select(db, t, old["columns"])
        if len(now) != len(old["rows"]):
            fail("table %s had %d rows, has %d after the upgrade"
                 % (t, len(old["rows"]), len(now)))
        for i, (a, b) in enumerate(zip(old["rows"], now)):
            if a != b:
                diff = [(c, x, y) for c, x, y in zip(old["columns"], a, b)
                        if x != y]
                fail("table %s row %d changed: %s" % (t, i + 1, diff[:3]))
    print("rows: %d tables, %d rows, all still there and the same"
          % (len(snap), sum(len(v["rows"]) for v in snap.values())))


def schema_of(path):
    db = sqlite3.connect(path)
    s = {}
    for t in tables(db):
        s["table " + t] = [tuple(r[1:]) for r in db.execute(
            "SELECT * FROM pragma_table_info(?)", (t,))]
        s["foreign keys " + t] = sorted(tuple(r[2:]) for r in db.execute(
            "SELECT * FROM pragma_foreign_key_list(?)", (t,)))
    for kind, name, tbl in db.execute(
            "SELECT type, name, tbl_name FROM sqlite_master"
            " WHERE type IN ('index', 'trigger', 'view')"
            " AND name NOT LIKE 'sqlite_%'"):
        if kind == "index":
            s["index " + name] = (tbl, [r[2] for r in db.execute(
                "SELECT * FROM pragma_index_info(?)", (name,))])
        else:
            s[kind + " " + name] = tbl
    return s


def schema(fresh, path):
    a, b = schema_of(fresh), schema_of(path)
    # Tables first, so that a missing table is named as such.
    for k in sorted(set(a) | set(b), key=lambda k: (not k.startswith("table"), k)):
        if k not in b:
            fail("%s of a new database is missing after the upgrade" % k)
        if k not in a:
            fail("%s is left after the upgrade; a new database has none" % k)
        if a[k] != b[k]:
            fail("%s differs from a new database's: %s != %s" % (k, b[k], a[k]))
    print("schema: %d tables, indexes and triggers as a new database's"
          % len(a))


def subset(old, new, where):
    """Every member of old is in new with the same value (recursively)."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            fail("%s: was an object, now %r" % (where, new))
        for k, v in old.items():
            if k not in new:
                fail("%s.%s is gone" % (where, k))
            subset(v, new[k], "%s.%s" % (where, k))
    elif isinstance(old, list):
        if not isinstance(new, list) or len(new) != len(old):
            fail("%s: a list of %d, now %s" % (where, len(old),
                 len(new) if isinstance(new, list) else repr(new)))
        for i, (x, y) in enumerate(zip(old, new)):
            subset(x, y, "%s[%d]" % (where, i))
    elif old != new or type(old) != type(new):
        fail("%s: was %r, now %r" % (where, old, new))


def output(old_path, new_path, *gone):
    old = open(old_path, encoding="utf-8").read()
    new = open(new_path, encoding="utf-8").read()
    try:
        o = json.loads(old)
    except ValueError:
        o = None
    if o is not None:
        subset(o, json.loads(new), "$")
        return
    first = old.split("\n", 1)[0]
    if "," in first and first.startswith("id,"):
        a = list(csv.DictReader(io.StringIO(old)))
        b = list(csv.DictReader(io.StringIO(new)))
        if len(a) != len(b):
            fail("%d CSV rows, now %d" % (len(a), len(b)))
        replaced = dict(g.split("=", 1) for g in gone)
        for i, (x, y) in enumerate(zip(a, b)):
            for k, v in x.items():
                if k in replaced and k not in y:
                    if v != "" and v != y[replaced[k]]:
                        fail("CSV row %d column %s (gone): was %r, %s is %r"
                             % (i + 1, k, v, replaced[k], y[replaced[k]]))
                    continue
                if k not in y:
                    fail("CSV column %s is gone" % k)
                if y[k] != v:
                    fail("CSV row %d column %s: was %r, now %r"
                         % (i + 1, k, v, y[k]))
        return
    if old != new:
        fail("the output differs: was %r, now %r" % (old[:200], new[:200]))


if __name__ == "__main__":
    cmd = sys.argv[1]
    {"snapshot": snapshot, "rows": rows, "schema": schema,
     "output": output}[cmd](*sys.argv[2:])
