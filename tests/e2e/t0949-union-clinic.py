#!/usr/bin/env python3
"""Writes the summaries of registry batches into one clinic database, the
independent side of the national report's tests (t0920, t0970): the
report the clinic computes over this database must equal the registry's.

usage: t0949-union-clinic.py DB REFS_TSV [--episode-per-row] BATCH_FILE...
       t0949-union-clinic.py DB REFS_TSV --truth TRUTH_FILE

REFS_TSV: clinic id, practitioner ref, registry practitioner id, label (one
line each, tab-separated, from the registry's practitioner tables); each
practitioner is written under its registry id and label. A BATCH_FILE
holds one JSON document a line: a batch, or a body {"batch": ...} as the
clinic's outbox keeps it. The rows of one episode (clinic, episode ref)
share one episode, or with --episode-per-row each row has its own.
With --truth, the rows are those of TRUTH_FILE (t0922: {"rows": {KEY: row
with its "clinic"}, "suspended": [clinic id...]}) but the suspended
clinics'; the scope they make is printed: {"clinics", "practitioners",
"summaries"}.
"""
import json
import sqlite3
import sys


def batch_rows(paths):
    """(clinic, row) of every row of the batches in the files."""
    for path in paths:
        for line in open(path):
            if not line.strip():
                continue
            doc = json.loads(line)
            b = doc.get("batch", doc)
            assert not b["retract"], "a first push retracts nothing"
            for r in b["rows"]:
                yield b["clinic"], r


def truth_rows(path):
    """(clinic, row) of every row of a truth file but the suspended's."""
    t = json.load(open(path))
    for r in t["rows"].values():
        if r["clinic"] not in t["suspended"]:
            yield r["clinic"], r


args = sys.argv[1:]
per_row = "--episode-per-row" in args
truth = "--truth" in args
args = [a for a in args if a not in ("--episode-per-row", "--truth")]
db = sqlite3.connect(args[0])
refs = {}
for line in open(args[1]):
    clinic, ref, pid, label = line.rstrip("\n").split("\t")
    refs[(int(clinic), ref)] = (int(pid), label)
for pid, label in set(refs.values()):
    db.execute("INSERT INTO practitioner (id, name, license, credentials, created_at) VALUES (?, ?, ?, 'LMT', '2024-01-01T00:00:00Z')",
               (pid, "Synthetic %d" % pid, "L-%d" % pid))
    db.execute("INSERT INTO practitioner_label (practitioner_id, label) VALUES (?, ?)", (pid, label))
db.execute("INSERT INTO patient (id, name, birth_date, sex, created_at) VALUES (1, 'Synthetic Patient', '1970-01-01', 'female', '2024-01-01T00:00:00Z')")
episodes, clinics, practitioners, summaries = {}, set(), set(), 0
for clinic, r in truth_rows(args[2]) if truth else batch_rows(args[2:]):
    key = len(episodes) if per_row else (clinic, r["episode"])
    if key not in episodes:
        episodes[key] = len(episodes) + 1
    episode = episodes[key]
    pid = refs[(clinic, r["practitioner"])][0]
    clinics.add(clinic)
    practitioners.add(pid)
    summaries += 1
    db.execute("INSERT OR IGNORE INTO episode (id, patient_id, practitioner_id, protocol_id, icd10, started_on, created_at) VALUES (?, 1, ?, ?, 'M54.50', ?, '2024-01-01T00:00:00Z')",
               (episode, pid, r["protocol"], "%d-01-01" % r["start_year"]))
    db.execute("""INSERT INTO episode_summary (protocol_id, instrument, practitioner_id, episode_id, role, started_on,
        sessions, baseline, discharge, followup, followup_days, improvement, responder, sessions_to_response,
        response_event, sustained, has_followup, complete, incomplete_reason, age_years, sex, chronicity_weeks,
        comorbidities) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
        (r["protocol"], r["instrument"], pid, episode, r["role"], "%d-01-01" % r["start_year"], r["sessions"],
         r["baseline"], r["discharge"], r["followup"], r["followup_days"], r["improvement"], r["responder"],
         r["sessions_to_response"], r["response_event"], r["sustained"], r["has_followup"], r["complete"],
         r["incomplete_reason"], r["age"], r["sex"], r["chronicity_weeks"], r["comorbidities"]))
db.commit()
if truth:
    print(json.dumps({"clinics": len(clinics), "practitioners": len(practitioners),
                      "summaries": summaries}, separators=(",", ":")))
