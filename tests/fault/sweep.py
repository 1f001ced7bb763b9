#!/usr/bin/env python3
"""I/O and memory fault injection over whole workflows of the command line.

usage: sweep.py [--stride K] [--offset J] [--max-n M]
                [--kinds read,write,...] [--persistent] [--only TEXT]
                SCENARIO...

SCENARIO is course (a whole course of care, each command in turn), import
(a bulk import of a small CSV), outbox (`outbox send` to a real SMTP
server) or push (`push` to a loopback registry, tests/e2e/t0959). For each command of a scenario, the command is first run once in
counting mode (TOUCHSTONE_FAULT=count) from the database as the scenario
left it; then, for every kind and every N from 1 to the count of that kind
(every Kth N with --stride K, and the last one; with --offset J, the Ns
J+1, J+1+K, ... only, so that the runs with J = 0 to K-1 between them
sweep every N once, in shards that can run apart; at most M with --max-n;
only the commands holding TEXT with --only), it
is run again from a copy of the same database with TOUCHSTONE_FAULT=KIND:N
(KIND:N+ with --persistent: that operation and all after it fail).

Every run must:
  - end by itself (no signal, no timeout) with no sanitizer report;
  - exit 0, leaving the database as the fault-free run left it, or exit
    non-zero with a message on stderr, leaving the database as it was
    before the command (the outbox: see below);
  - leave a database that `touchstone check` and `touchstone audit verify`
    accept (run without faults).
The outbox sends each message in transactions of its own, so a failed
`outbox send` may have sent some: there, after every run, at most one
message is 'sending', and a fault-free `outbox send` then delivers every
message, each recipient getting it once, or twice for the one message a
fault cut between delivery and its record.
The push sends each batch in a transaction of its own too, so a failed
`push` may have had some batches accepted: there, after every run, a
fault-free `push` must end it, the registry must then hold exactly what
the fault-free push gave it, every batch accepted once and in order, and
one more `push` must find nothing to push.

The binary is $TOUCHSTONE (default build/test/touchstone, the test build,
the only one that reads TOUCHSTONE_FAULT). Prints one line per command and
kind, and "fault: N runs, N failures" at the end; exits 1 on any failure.
"""
import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BIN = os.environ.get("TOUCHSTONE") or os.path.join(
    ROOT, "build", "test", "touchstone")
KINDS = ["read", "write", "full", "sync", "malloc"]
NOW = "2026-06-30T12:00:00Z"
SANITIZER_MARKS = ("Sanitizer", "runtime error:", "LeakSanitizer")


class Failure(Exception):
    pass


def env_for(db, fault=None):
    env = dict(os.environ)
    env.update(TZ="UTC", TOUCHSTONE_NOW=NOW, TOUCHSTONE_DB=db,
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    env.pop("TOUCHSTONE_FAULT", None)
    if fault:
        env["TOUCHSTONE_FAULT"] = fault
    return env


def run(work, db, args, fault=None, timeout=120):
    """Runs the binary on db in folder work; (status, stdout, stderr)."""
    try:
        p = subprocess.run([BIN] + args, cwd=work, env=env_for(db, fault),
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure("%s timed out under %s" % (" ".join(args), fault))
    return p.returncode, p.stdout, p.stderr


def files_of(db):
    return [db + s for s in ("", "-wal", "-shm", "-journal", ".key")]


def copy_db(src, dest):
    for s, d in zip(files_of(src), files_of(dest)):
        if os.path.exists(d):
            os.unlink(d)
        if os.path.exists(s):
            shutil.copy(s, d)  # with its mode: the key is 600


def dump(db):
    """Every row of every table, as SQL text; None when there is no file.
    The clinic's public key, drawn at random by `init`, reads as KEY."""
    if not os.path.exists(db):
        return None
    con = sqlite3.connect(db)
    try:
        return re.sub(r"""(INSERT INTO "clinic_key" VALUES\(1,)'[^']*'""",
                      r"\1'KEY'", "\n".join(con.iterdump()))
    finally:
        con.close()


READ_ACTIONS = ("read", "list", "export", "view")


def without_read_audit(before, got):
    """got without the audit rows, new since before, that record a read:
    a command that reads the record audits the read in a transaction of
    its own before it writes the answer out, and that entry stands when
    the answer then fails (the data may have been shown)."""
    if got is None or before is None:
        return got
    old = set(before.splitlines())
    kept = []
    for line in got.splitlines():
        if line not in old and line.startswith('INSERT INTO "audit" '):
            fields = line.split(",")
            if len(fields) > 4 and fields[4].strip("'") in READ_ACTIONS:
                continue
        kept.append(line)
    return "\n".join(kept)


def differs(a, b):
    """The first lines where two dumps differ, for the message."""
    if a is None or b is None:
        return "one of the two has no database file"
    la, lb = a.splitlines(), b.splitlines()
    only_a = [x for x in la if x not in set(lb)][:3]
    only_b = [x for x in lb if x not in set(la)][:3]
    return "before/expected: %s; after: %s" % (only_a, only_b)


def sane(label, rc, err):
    if rc < 0:
        raise Failure("%s: killed by signal %d: %s" % (label, -rc,
                                                      err[-800:]))
    for mark in SANITIZER_MARKS:
        if mark in err:
            raise Failure("%s: sanitizer report: %s" % (label, err[-1500:]))


def message_of(err):
    return "\n".join(l for l in err.splitlines()
                     if not l.startswith("touchstone-fault:")).strip()


def checks_pass(work, db, label):
    if not os.path.exists(db):
        return
    for args in (["check"], ["audit", "verify"]):
        rc, out, err = run(work, db, args)
        sane(label + " then " + " ".join(args), rc, err)
        if rc != 0:
            raise Failure("%s: then '%s' fails (%d): %s %s" % (
                label, " ".join(args), rc, out[-400:], err[-400:]))


def counts_of(err):
    for line in err.splitlines():
        if line.startswith("touchstone-fault: counts "):
            return {k: int(v) for k, v in
                    (w.split("=") for w in line.split()[2:])}
    raise Failure("no counts printed (is this the test build?): " + err)


def chosen(count, stride, max_n, offset=0):
    ns = list(range(offset + 1, count + 1, stride))
    if count and not offset and ns[-1] != count:
        ns.append(count)
    if max_n:
        ns = [n for n in ns if n <= max_n]
    return ns


class Sweep:
    def __init__(self, opts, work):
        self.opts = opts
        self.work = work
        self.runs = 0
        self.failures = []
        self.db = os.path.join(work, "clinic.db")
        self.before = os.path.join(work, "before.db")
        self.trial = os.path.join(work, "trial.db")
        self.left_by_init = 0

    def step(self, args, check=None, compare=True, scratch=()):
        """Sweeps the faults over one command from the current database,
        then runs it for real (so the next command starts from its end).
        check(trial_db, label, rc) adds checks of its own (the outbox,
        the backup); the files named in scratch (in the work folder) are
        removed before each run."""
        def clean():
            for f in scratch:
                for path in files_of(os.path.join(self.work, f)):
                    if os.path.exists(path):
                        os.unlink(path)
        if self.opts.only and self.opts.only not in " ".join(args):
            copy_db(self.db, self.before)
            clean()
            out = self.setup(args)
            clean()
            return out
        name = " ".join(args)[:60]
        copy_db(self.db, self.before)
        before_dump = dump(self.before)
        copy_db(self.before, self.trial)
        clean()
        rc, out, err = run(self.work, self.trial, args, fault="count")
        sane(name + " (counting)", rc, err)
        if rc != 0:
            raise Failure("%s fails without a fault (%d): %s" % (name, rc,
                                                                err))
        counts = counts_of(err)
        after_dump = dump(self.trial)
        if check:
            check(self.trial, name + " (counting)", rc)
        for kind in self.opts.kinds:
            total = counts["write" if kind == "full" else kind]
            ns = chosen(total, self.opts.stride, self.opts.max_n,
                        self.opts.offset)
            failed_runs = 0
            t0 = time.time()
            for n in ns:
                spec = "%s:%d%s" % (kind, n, "+" if self.opts.persistent
                                    else "")
                label = "%s under %s" % (name, spec)
                copy_db(self.before, self.trial)
                clean()
                self.runs += 1
                try:
                    rc, out, err = run(self.work, self.trial, args,
                                       fault=spec)
                    sane(label, rc, err)
                    got = dump(self.trial)
                    if rc != 0:
                        failed_runs += 1
                        if not message_of(err):
                            raise Failure("%s: exit %d with no message"
                                          % (label, rc))
                        if compare and without_read_audit(
                                before_dump, got) != before_dump:
                            raise Failure(
                                "%s: failed (%s) but changed the database: "
                                "%s" % (label, message_of(err)[:200],
                                        differs(before_dump, got)))
                    elif compare and got != after_dump:
                        raise Failure("%s: succeeded with a database unlike "
                                      "the fault-free run's: %s" % (
                                          label,
                                          differs(after_dump, got)))
                    checks_pass(self.work, self.trial, label)
                    if check:
                        check(self.trial, label, rc)
                except Failure as f:
                    self.failures.append(str(f))
                    print("FAIL: " + str(f), flush=True)
            print("fault: %-40s %-6s %4d ops, %4d runs, %4d failed cleanly"
                  " (%.0fs)" % (name, kind, total, len(ns), failed_runs,
                                time.time() - t0), flush=True)
        # Onwards from the fault-free result.
        copy_db(self.before, self.db)
        clean()
        rc, out, err = run(self.work, self.db, args)
        clean()
        if rc != 0:
            raise Failure("%s fails without a fault: %s" % (name, err))
        return out.strip()

    def setup(self, args):
        """A command run once, without faults, to build the scenario."""
        rc, out, err = run(self.work, self.db, args)
        if rc != 0:
            raise Failure("setup '%s' failed: %s" % (" ".join(args), err))
        return out.strip()


SCREEN = ('{"saddle-numbness": "no", "progressive-weakness": "no", '
          '"fever": "no", "weight-loss": "no", "cancer-history": "no", '
          '"night-pain": "no"}\n')


def course(sw, sweep_all=True):
    """A whole course of care, every command swept (sweep_all) or only
    built (the import and outbox scenarios start from it)."""
    do = sw.step if sweep_all else sw.setup
    with open(os.path.join(sw.work, "clear.json"), "w") as f:
        f.write(SCREEN)
    init = ["init", "--clinic", "Synthetic Fault Clinic"]
    if not sweep_all:
        sw.setup(init)
    else:
        expected = {}

        def init_check(db, label, rc):
            # A failed init leaves no file, but one that dies (out of memory
            # in SQLite is fatal) after creating the file leaves it, and
            # the clinic key: then a new init refuses, naming what to move.
            got = dump(db)
            if "after" not in expected:
                expected["after"] = got
                return
            if rc == 0:
                if got != expected["after"]:
                    raise Failure("%s: succeeded with a database unlike the "
                                  "fault-free run's" % label)
                return
            if got is None and not os.path.exists(db + ".key"):
                return
            rc2, out, err = run(sw.work, db, init)
            sane(label + " then init", rc2, err)
            if rc2 == 0 or "already exists" not in err:
                raise Failure("%s: left files, and init then says (%d): %s"
                              % (label, rc2, err))
            sw.left_by_init += 1

        sw.step(init, check=init_check, compare=False)
    do(["practitioner", "add", "--name", "Ada Synthetic", "--license",
        "MA-1", "--credentials", "LMT"])
    do(["training", "add", "--practitioner", "1", "--protocol",
        "stress-management-full-body", "--hours", "150", "--completed",
        "2020-01-01"])
    do(["training", "add", "--practitioner", "1", "--protocol",
        "low-back-pain", "--hours", "32", "--completed", "2021-01-01"])
    patient = do(["patient", "add", "--name", "Pat Synthetic", "--dob",
                  "1975-04-12", "--sex", "female", "--consent-treatment",
                  "--email", "pat@example.org"])
    referral = do(["referral", "add", "--patient", patient, "--physician",
                   "Dr Orla Fictive", "--specialty", "Family medicine",
                   "--npi", "1245319599", "--reason", "chronic low back pain",
                   "--icd10", "M54.50", "--date", "2026-01-02"])
    episode = do(["episode", "open", "--patient", patient, "--practitioner",
                  "1", "--protocol", "low-back-pain", "--icd10", "M54.50",
                  "--start", "2026-01-05", "--referral", referral,
                  "--chronicity-weeks", "14", "--comorbidities", "1",
                  "--screen", "clear.json"])
    do(["observe", "--episode", episode, "--instrument", "nprs",
        "--timepoint", "baseline", "--at", "2026-01-05T09:00Z",
        "--value", "7"])
    do(["observe", "--episode", episode, "--instrument", "odi",
        "--timepoint", "baseline", "--at", "2026-01-05T09:05Z",
        "--items", "4,3,3,2,3,2,2,3,1,2"])
    session = None
    for week in range(2):
        day = "2026-01-%02d" % (5 + 7 * week)
        session = do(["session", "add", "--episode", episode, "--start",
                      day + "T10:00Z", "--minutes", "60",
                      "--phase", "introductory:10", "--phase",
                      "kneading:35", "--phase", "friction:5", "--phase",
                      "trigger-point:5", "--phase", "stretching:3",
                      "--phase", "circulatory:2",
                      "--subjective", "pain %d/10" % (7 - week),
                      "--plan", "continue"])
        do(["observe", "--episode", episode, "--session", session,
            "--instrument", "nprs", "--timepoint", "post", "--at",
            day + "T11:02Z", "--value", str(6 - week)])
    do(["observe", "--episode", episode, "--session", session,
        "--instrument", "odi", "--timepoint", "post", "--at", "2026-01-12T11:05Z",
        "--items", "1,1,1,0,1,0,1,1,0,1"])
    do(["episode", "close", episode, "--end", "2026-01-12"])
    if sweep_all:
        do(["observe", "--episode", episode, "--instrument", "nprs",
            "--timepoint", "followup", "--at", "2026-02-09T10:00Z",
            "--value", "2"])
        do(["report", "episode", episode])
        do(["--json", "episode", "show", episode])
        do(["export", "--kind", "observations"])
        do(["bill", "--episode", episode])
        copy = os.path.join(sw.work, "copy.db")

        def backup_check(db, label, rc):
            # Absent after a failure; a whole, sound copy after a success.
            if rc != 0:
                if os.path.exists(copy):
                    raise Failure("%s: failed but left '%s'" % (label, copy))
                return
            if dump(copy) != dump(db):
                raise Failure("%s: the copy differs from the database"
                              % label)
            checks_pass(sw.work, copy, label + " (the copy)")

        sw.step(["backup", "copy.db"], check=backup_check,
                scratch=["copy.db"])
    return episode


def scenario_import(sw):
    course(sw, sweep_all=False)
    path = os.path.join(sw.work, "patients.csv")
    # The import's own format, from an export of a scratch clinic.
    scratch = os.path.join(sw.work, "scratch.db")
    sw.setup(["--db", scratch, "init"])
    for i in range(1, 7):
        sw.setup(["--db", scratch, "patient", "add", "--name",
                  "Imported%d Synthetic" % i, "--dob", "1980-01-%02d" % i,
                  "--sex", "male" if i % 2 else "female"])
    sw.setup(["--db", scratch, "export", "--kind", "patients", "--out",
              path])
    # Ids past the clinic's own: the clinic has patient 1.
    with open(path) as f:
        lines = f.read().splitlines()
    head, rows = lines[0], lines[1:]
    rows = [str(100 + int(r.split(",", 1)[0])) + "," + r.split(",", 1)[1]
            for r in rows]
    with open(path, "w") as f:
        f.write("\n".join([head] + rows) + "\n")
    sw.step(["import", "--kind", "patients", path])


def smtp_python():
    """A python3 with aiosmtpd (Debian's python3-aiosmtpd), as smtp-lib.sh
    looks for it."""
    for p in (os.environ.get("SMTP_PYTHON"), "/usr/bin/python3",
              sys.executable):
        if p and subprocess.run([p, "-c", "import aiosmtpd"],
                                capture_output=True).returncode == 0:
            return p
    raise Failure("no python3 with aiosmtpd (Debian python3-aiosmtpd)")


def scenario_outbox(sw):
    course(sw, sweep_all=False)
    maildir = os.path.join(sw.work, "mail")
    os.mkdir(maildir)
    portfile = os.path.join(sw.work, "smtp.port")
    server = subprocess.Popen(
        [smtp_python(), os.path.join(ROOT, "tests", "e2e",
                                      "smtp-server.py"),
         "--dir", maildir, "--port-file", portfile],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if os.path.exists(portfile) and open(portfile).read().strip():
                break
            time.sleep(0.1)
        port = open(portfile).read().strip()
        sw.setup(["mail", "configure", "--smtp", "smtp://127.0.0.1:" + port,
                  "--from", "clinic@example.org", "--base-url",
                  "https://clinic.example.org"])
        recipients = ["pat@example.org"]
        for i in range(2, 4):
            email = "pat%d@example.org" % i
            pid = sw.setup(["patient", "add", "--name",
                            "Pat%d Synthetic" % i, "--dob", "1970-02-03",
                            "--sex", "male", "--email", email])
            eid = sw.setup(["episode", "open", "--patient", pid,
                            "--practitioner", "1", "--protocol",
                            "low-back-pain", "--icd10", "M54.50", "--start",
                            "2026-05-01", "--screen", "clear.json"])
            sw.setup(["episode", "close", eid, "--end", "2026-06-20"])
            sw.setup(["invite", "--episode", eid, "--timepoint",
                      "followup"])
            recipients.append(email)
        sw.setup(["invite", "--episode", "1", "--timepoint", "followup"])

        def delivered():
            seen = {}
            for name in os.listdir(maildir):
                with open(os.path.join(maildir, name), errors="replace") as f:
                    for line in f:
                        if line.startswith("X-Envelope-To:"):
                            to = line.split(":", 1)[1].strip()
                            seen[to] = seen.get(to, 0) + 1
            return seen

        def check(db, label, rc):
            con = sqlite3.connect(db)
            sending = con.execute("SELECT count(*) FROM outbox WHERE "
                                  "status = 'sending'").fetchone()[0]
            con.close()
            if sending > 1:
                raise Failure("%s: %d messages left 'sending'" % (label,
                                                                 sending))
            rc2, out, err = run(sw.work, db, ["outbox", "send"])
            sane(label + " then outbox send", rc2, err)
            con = sqlite3.connect(db)
            left = con.execute("SELECT count(*) FROM outbox WHERE "
                               "status <> 'sent'").fetchone()[0]
            con.close()
            if rc2 != 0 or left:
                raise Failure("%s: then a fault-free send leaves %d unsent "
                              "(%d): %s" % (label, left, rc2, err))
            seen = delivered()
            for name in os.listdir(maildir):
                os.unlink(os.path.join(maildir, name))
            missing = [r for r in recipients if r not in seen]
            extra = sum(v - 1 for v in seen.values())
            if missing or extra > 1 or set(seen) - set(recipients):
                raise Failure("%s: deliveries %s (expected each of %s once,"
                              " one at most twice)" % (label, seen,
                                                       recipients))

        sw.step(["outbox", "send"], check=check, compare=False)
    finally:
        server.terminate()
        server.wait()


def scenario_push(sw):
    course(sw, sweep_all=False)
    # A second episode, so that the push has rows of two patients and two
    # protocols' worth of batches.
    pid = sw.setup(["patient", "add", "--name", "Pat2 Synthetic", "--dob",
                    "1962-08-09", "--sex", "male"])
    eid = sw.setup(["episode", "open", "--patient", pid, "--practitioner",
                    "1", "--protocol", "low-back-pain", "--icd10", "M54.50",
                    "--start", "2026-03-02", "--chronicity-weeks", "30",
                    "--comorbidities", "0", "--screen", "clear.json"])
    sw.setup(["observe", "--episode", eid, "--instrument", "nprs",
              "--timepoint", "baseline", "--at", "2026-03-02T09:00Z",
              "--value", "6"])
    sid = sw.setup(["session", "add", "--episode", eid, "--start",
                    "2026-03-02T10:00Z", "--minutes", "45", "--phase",
                    "introductory:10", "--phase", "kneading:35"])
    sw.setup(["observe", "--episode", eid, "--session", sid, "--instrument",
              "nprs", "--timepoint", "post", "--at", "2026-03-02T10:50Z",
              "--value", "3"])
    sw.setup(["episode", "close", eid, "--end", "2026-03-02"])
    sw.setup(["practitioner", "consent", "1", "--registry", "yes"])
    rdir = os.path.join(sw.work, "registry")
    receiver = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tests", "e2e",
                                      "t0959-registry-receiver.py"), rdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        portfile = os.path.join(rdir, "port")
        for _ in range(100):
            if os.path.exists(portfile):
                break
            time.sleep(0.1)
        url = "http://127.0.0.1:" + open(portfile).read().strip()
        clinic = json.loads(sw.setup(["--json", "registry", "enroll",
                                      "--url", url]))["clinic"]

        def control(path):
            req = urllib.request.Request(
                url + path, data=json.dumps({"clinic": clinic}).encode(),
                method="POST")
            with urllib.request.urlopen(req, timeout=30) as r:
                r.read()

        control("/test/approve")

        def held():
            """The rows the registry holds, one canonical line each,
            sorted, without the episodes' and practitioners' registry
            references (each database draws its own at its first push)."""
            path = os.path.join(rdir, "state.json")
            if not os.path.exists(path):
                return None
            with open(path) as f:
                doc = json.load(f)
            rows = []
            for row in doc["rows"].values():
                p = doc["practitioners"][row.pop("practitioner")]
                row.pop("episode")
                row["npi"], row["license"] = p.get("npi"), p.get("license")
                rows.append(json.dumps(row, sort_keys=True))
            return sorted(rows)

        def accepted():
            path = os.path.join(rdir, "accepted.log")
            if not os.path.exists(path):
                return []
            with open(path) as f:
                return [line.split() for line in f]

        clean = {}

        def check(db, label, rc):
            try:
                checked(db, label)
            finally:
                control("/test/reset")

        def checked(db, label):
            rc2, out, err = run(sw.work, db, ["push", "--batch-rows", "1"])
            sane(label + " then push", rc2, err)
            if rc2 != 0:
                raise Failure("%s: then a fault-free push fails (%d): %s"
                              % (label, rc2, err[-400:]))
            rc3, out, err = run(sw.work, db, ["push"])
            if rc3 != 0 or out.strip() != "nothing to push":
                raise Failure("%s: a last push says (%d): %s %s"
                              % (label, rc3, out[-200:], err[-200:]))
            log = accepted()
            seqs = [int(f[0]) for f in log]
            if seqs != list(range(1, len(seqs) + 1)):
                raise Failure("%s: batches accepted %s, not once each in "
                              "order" % (label, seqs))
            got = held()
            if "rows" not in clean:
                clean["rows"], clean["batches"] = got, len(seqs)
            elif got != clean["rows"]:
                raise Failure("%s: the registry holds other rows than after "
                              "a fault-free push: %s" % (label, differs(
                                  "\n".join(clean["rows"]),
                                  "\n".join(got or []))))

        sw.step(["push", "--batch-rows", "1"], check=check, compare=False)
    finally:
        receiver.terminate()
        receiver.wait()


SCENARIOS = {"course": lambda sw: course(sw), "import": scenario_import,
             "outbox": scenario_outbox, "push": scenario_push}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stride", type=int, default=1)
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--max-n", type=int, default=0)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--persistent", action="store_true")
    ap.add_argument("--only", help="sweep only the commands whose words "
                    "hold this text (the others just run)")
    ap.add_argument("scenarios", nargs="+", choices=sorted(SCENARIOS))
    opts = ap.parse_args()
    opts.kinds = opts.kinds.split(",")
    if opts.stride < 1:
        ap.error("--stride must be at least 1")
    if not 0 <= opts.offset < opts.stride:
        ap.error("--offset must be from 0 to the stride less one")
    for k in opts.kinds:
        if k not in KINDS:
            ap.error("unknown kind '%s'" % k)
    runs = 0
    failures = []
    for name in opts.scenarios:
        work = tempfile.mkdtemp(prefix="touchstone-fault-")
        sw = Sweep(opts, work)
        try:
            SCENARIOS[name](sw)
        except Failure as f:
            sw.failures.append(str(f))
            print("FAIL: %s: %s" % (name, f), flush=True)
        runs += sw.runs
        if sw.left_by_init:
            print("fault: init died %d times leaving its files (a new init "
                  "refuses clearly)" % sw.left_by_init)
        failures += sw.failures
        shutil.rmtree(work, ignore_errors=True)
    print("fault: %d runs, %d failures" % (runs, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
