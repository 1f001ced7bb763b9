#!/usr/bin/env bash
# Coverage you can see: over the demo clinic with invitations added by SQL
# (emailed and printed, answered after a known delay, left unanswered,
# revoked before and after being answered, on episodes with and without a
# follow-up), every number of `touchstone report coverage`, of the
# practitioner's report ("coverage") and of the outcomes page equals an
# independent computation in Python over the same tables.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

expect_ok ts demo

# Complete episodes with no follow-up (of any complete instrument), in id
# order: the odd ones in this list get a follow-up invitation.
without=$(sql "SELECT episode_id FROM episode_summary GROUP BY episode_id
  HAVING max(complete) = 1 AND max(complete = 1 AND has_followup = 1) = 0
  ORDER BY episode_id" | paste -sd' ')
read -ra W <<<"$without"
[ ${#W[@]} -ge 6 ] || fail "the demo has too few episodes without a follow-up: $without"
followed=$(sql "SELECT episode_id FROM episode_summary WHERE complete = 1
  AND has_followup = 1 GROUP BY episode_id ORDER BY episode_id LIMIT 4" | paste -sd' ')
read -ra F <<<"$followed"

N=0
# inv EPISODE TIMEPOINT CHANNEL CREATED USED|- REVOKED|-
inv() {
  N=$((N + 1))
  local used=NULL revoked=NULL
  [ "$5" = - ] || used="'$5'"
  [ "$6" = - ] || revoked="'$6'"
  sqlite3 "$TOUCHSTONE_DB" "INSERT INTO invitation (episode_id, timepoint,
    instruments, nonce, token_hash, channel, created_at, opens_at,
    expires_at, used_at, revoked_at) VALUES ($1, '$2', '[\"NPRS\"]',
    'nonce-$N', 'hash-$N', '$3', '$4', '$4', '2026-12-31T00:00:00Z',
    $used, $revoked)" || fail "insert of invitation $N"
}
# Follow-up invitations of episodes without a follow-up.
inv "${W[1]}" followup email 2026-05-01T09:00:00Z 2026-05-03T21:00:00Z -  # 2.5 days
inv "${W[1]}" followup email 2026-04-20T09:00:00Z - 2026-04-25T10:00:00Z # revoked unanswered
inv "${W[3]}" followup print 2026-05-02T08:00:00Z 2026-05-09T08:00:00Z -  # 7 days
inv "${W[5]}" followup email 2026-05-04T10:00:00Z - -                     # pending
inv "${W[5]}" followup email 2026-05-10T10:00:00Z 2026-05-11T16:00:00Z 2026-05-20T00:00:00Z # 1.25 days, revoked later
# Episodes with a follow-up, and baselines.
inv "${F[0]}" followup email 2026-03-01T00:00:00Z 2026-03-10T12:00:00Z -  # 9.5 days
inv "${F[1]}" baseline print 2026-01-05T12:00:00Z 2026-01-06T00:00:00Z -  # 0.5 days
inv "${F[2]}" baseline print 2026-01-07T12:00:00Z - 2026-01-08T00:00:00Z  # revoked unanswered
inv "${F[3]}" baseline print 2026-01-09T12:00:00Z - -                     # pending
inv "${F[3]}" pre email 2026-02-01T00:00:00Z 2026-02-05T00:00:00Z -       # 4 days

# The expected report, computed apart from the program.
python3 - "$TOUCHSTONE_DB" > expected.json <<'PY'
import json, sqlite3, statistics, sys
from datetime import datetime
db = sqlite3.connect(sys.argv[1])
def instant(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
rows = db.execute("SELECT practitioner_id, protocol_id, episode_id, complete,"
                  " has_followup FROM episode_summary").fetchall()
episodes = {}
for prac, proto, ep, complete, has in rows:
    e = episodes.setdefault((prac, proto, ep), [False, False])
    if complete:
        e[0] = True
        if has:
            e[1] = True
invited = {ep for (ep,) in db.execute(
    "SELECT episode_id FROM invitation WHERE timepoint = 'followup'")}
owner = dict(db.execute("SELECT id, practitioner_id FROM episode"))
names = dict(db.execute("SELECT id, name FROM practitioner"))
invs = db.execute("SELECT episode_id, channel, created_at, used_at,"
                  " revoked_at FROM invitation").fetchall()
def median(xs):
    return statistics.median(xs) if xs else None
def rate(a, b):
    return a / b if b else None
out = []
for prac in sorted({owner[e] for e in owner}):
    protos = {}
    for (p, proto, ep), (complete, has) in episodes.items():
        if p != prac or not complete:
            continue
        r = protos.setdefault(proto, dict(protocol=proto, complete=0,
            with_followup=0, without_followup=0, invited=0, not_invited=0))
        r["complete"] += 1
        if has:
            r["with_followup"] += 1
        else:
            r["without_followup"] += 1
            r["invited" if ep in invited else "not_invited"] += 1
    followup = []
    for proto in sorted(protos):
        r = protos[proto]
        r["coverage"] = rate(r["with_followup"], r["complete"])
        followup.append(r)
    days = {"email": [], "print": []}
    sent = {"email": 0, "print": 0}
    for ep, channel, created, used, revoked in invs:
        if owner[ep] != prac:
            continue
        if revoked and (not used or used > revoked):
            continue
        sent[channel] += 1
        if used:
            days[channel].append(
                (instant(used) - instant(created)).total_seconds() / 86400)
    channels = [dict(channel=c, sent=sent[c], answered=len(days[c]),
                     response_rate=rate(len(days[c]), sent[c]),
                     median_days_to_answer=median(days[c]))
                for c in ("email", "print")]
    alldays = days["email"] + days["print"]
    out.append(dict(practitioner=dict(id=prac, name=names[prac]),
                    followup=followup, channels=channels,
                    sent=sent["email"] + sent["print"],
                    answered=len(alldays),
                    response_rate=rate(len(alldays), sum(sent.values())),
                    median_days_to_answer=median(alldays)))
json.dump(dict(practitioners=out), sys.stdout, indent=1, sort_keys=True)
PY

# same EXPECTED ACTUAL WHAT: equal JSON, numbers to 1e-9.
same() {
  python3 - "$1" "$2" <<'PY' || fail "$3 differs from the independent computation"
import json, sys
def eq(a, b, path):
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            sys.exit(f"{path}: members {sorted(a)} != {sorted(b)}")
        return all(eq(a[k], b[k], f"{path}.{k}") for k in a)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            sys.exit(f"{path}: {len(a)} items != {len(b)}")
        return all(eq(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b)))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        if abs(a - b) > 1e-9:
            sys.exit(f"{path}: expected {a}, got {b}")
        return True
    if a != b:
        sys.exit(f"{path}: expected {a!r}, got {b!r}")
    return True
eq(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), "$")
PY
}

# The numbers are not trivial: the test covers each case.
OUT=$(cat expected.json)
P=$(sql "SELECT practitioner_id FROM episode WHERE id = ${W[1]}")
[ "$(json "this.practitioners.reduce((n, p) => n + p.sent, 0)")" = 8 ] ||
  fail "expected 8 invitations counted as sent: $OUT"
[ "$(json "this.practitioners.reduce((n, p) => n + p.answered, 0)")" = 6 ] ||
  fail "expected 6 answered invitations"
[ "$(json "this.practitioners.reduce((n, p) => n + p.followup.reduce((m, r) => m + r.invited, 0), 0)")" = 3 ] ||
  fail "expected 3 invited episodes without a follow-up"

# The command line: every practitioner, then one.
expect_ok ts report coverage --json
printf '%s\n' "$OUT" > actual.json
same expected.json actual.json "report coverage"
expect_ok ts report coverage --practitioner "$P" --json
printf '%s\n' "$OUT" > one.json
python3 -c "import json,sys; d=json.load(open('expected.json')); d['practitioners']=[p for p in d['practitioners'] if p['practitioner']['id']==$P]; json.dump(d, open('one-expected.json','w'))"
same one-expected.json one.json "report coverage --practitioner $P"
expect_ok ts report coverage --practitioner "$P"
assert_contains "$OUT" "^Coverage of practitioner $P, "
assert_contains "$OUT" "^email +[0-9]+ +[0-9]+ "
expect_refused 2 "practitioner" ts report coverage --practitioner abc
expect_refused 2 "report coverage: practitioner: no practitioner 999" ts report coverage --practitioner 999
# The audit log has the read.
assert_eq "$(sql "SELECT count(*) FROM audit WHERE record_type = 'practitioner_coverage' AND action = 'read' AND outcome = 'ok'")" 3 "audited reads"

# The practitioner's report carries the same member.
for p in $(sql "SELECT DISTINCT practitioner_id FROM episode ORDER BY 1"); do
  expect_ok ts report practitioner "$p" --json
  json 'this.coverage' > rep.json
  python3 -c "import json; d=json.load(open('expected.json')); [e]=[x for x in d['practitioners'] if x['practitioner']['id']==$p]; del e['practitioner']; json.dump(e, open('rep-expected.json','w'))"
  same rep-expected.json rep.json "report practitioner $p: coverage"
done

# The outcomes page shows them: a row per protocol, a line per channel.
page_login admin@demo.example touchstone-demo
page "/outcomes?practitioner=$P"
printf '%s\n' "$OUT" > page.html
python3 - page.html expected.json "$P" <<'PY' || fail "the outcomes page's coverage"
import json, re, sys
html = open(sys.argv[1]).read()
[exp] = [p for p in json.load(open(sys.argv[2]))["practitioners"]
         if p["practitioner"]["id"] == int(sys.argv[3])]
m = re.search(r'<section id="coverage".*?</section>', html, re.S)
if not m:
    sys.exit("no coverage section")
sec = m.group(0)
def value(chunk, name):
    v = re.search(r'data-name="%s">(?:<data value="([^"]*)">|&ndash;)' % name, chunk)
    if not v:
        sys.exit(f"no {name} in {chunk[:200]}")
    return None if v.group(1) is None else float(v.group(1))
def check(got, want, what):
    if (got is None) != (want is None) or (want is not None and abs(got - want) > 1e-8):
        sys.exit(f"{what}: page {got}, expected {want}")
rows = re.findall(r'<tr data-protocol="([^"]+)">(.*?)</tr>', sec, re.S)
if [r[0] for r in rows] != [r["protocol"] for r in exp["followup"]]:
    sys.exit(f"rows {[r[0] for r in rows]}")
for (proto, chunk), r in zip(rows, exp["followup"]):
    for k in ("complete", "with_followup", "coverage", "invited", "not_invited"):
        check(value(chunk, k), r[k], f"{proto} {k}")
for c in exp["channels"]:
    m = re.search(r'<li data-channel="%s">(.*?)</li>' % c["channel"], sec, re.S)
    if not m:
        sys.exit(f"no line for {c['channel']}")
    for k in ("sent", "answered", "response_rate", "median_days_to_answer"):
        check(value(m.group(1), k), c[k], f"{c['channel']} {k}")
m = re.search(r'<li data-channel="all">(.*?)</li>', sec, re.S)
check(value(m.group(1), "median_days_to_answer"), exp["median_days_to_answer"], "all median")
PY
assert_contains "$OUT" 'Printed codes: '

# A therapist sees their own coverage on their page; a researcher gets
# the registry, without it.
page_login therapist@demo.example touchstone-demo
page /outcomes
assert_contains "$OUT" '<section id="coverage"'
page_login researcher@demo.example touchstone-demo
page /outcomes
grep -q 'id="coverage"' <<<"$OUT" && fail "a researcher sees a practitioner's coverage"
echo "ok t0945-coverage"
