# Helpers for the registry server's tests (t09xx), sourced after lib.sh:
# a PostgreSQL of the test's own (scripts/pg-temp, stopped by the trap),
# the registry server on a free loopback port, synthetic clinics with
# their real key pairs, and batches built and signed in the test.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
chmod 755 "$TMP"   # the server runs as postgres when the test is root
PGDIR="$TMP/pg"
REG_PID=""
registry_cleanup() {
  [ -n "$REG_PID" ] && kill -9 "$REG_PID" 2>/dev/null || true
  "$ROOT/scripts/pg-temp" stop "$PGDIR" >/dev/null 2>&1 || true
  [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap registry_cleanup EXIT
export TOUCHSTONE_PG
TOUCHSTONE_PG=$("$ROOT/scripts/pg-temp" start "$PGDIR" --fast)

# psql_value SQL: one value from the registry.
psql_value() { psql "$TOUCHSTONE_PG" -XAtq -c "$1"; }

# registry_digest: a digest of the registry's data (pg_dump, data only).
registry_digest() {
  pg_dump --data-only --no-owner "$TOUCHSTONE_PG" | grep -v '^--\|^\\restrict\|^\\unrestrict' | sha256sum | cut -d' ' -f1
}

# outcome_rows: every summary the registry holds, one line each, sorted;
# the practitioner by what identifies them (their match key, or the
# clinic's pseudonym, which the row holds) rather than by the registry's
# number, which an ingest killed mid-way may have used up (a rolled-back
# identity value is not given back).
outcome_rows() {
  psql "$TOUCHSTONE_PG" -XAtq -c "COPY (SELECT (to_jsonb(o) - 'practitioner_id')::text || ' ' || coalesce(p.match_key, '-') FROM registry_outcome o JOIN registry_practitioner p ON p.id = o.practitioner_id) TO STDOUT" | sort
}

# registry_start: `touchstone registry serve` in the background on a free
# port; sets REG_URL and REG_PID.
registry_start() {
  # The last server's address must be gone before this one starts: the
  # shell truncates the file in the child, which a loaded machine may run
  # after the loop below has read the old "listening on" line.
  rm -f "$TMP/reg.out"
  "$TOUCHSTONE" registry serve --key "$TMP/registry.key" --listen 127.0.0.1:0 "$@" \
    > "$TMP/reg.out" 2> "$TMP/reg.err" &
  REG_PID=$!
  local i
  for i in $(seq 1 100); do
    REG_URL=$(sed -n 's/^listening on //p' "$TMP/reg.out" 2>/dev/null || true)
    [ -n "$REG_URL" ] && REG_URL=${REG_URL%/} && return 0
    kill -0 "$REG_PID" 2>/dev/null || fail "registry serve exited: $(cat "$TMP/reg.err")"
    sleep 0.1
  done
  fail "registry serve did not start"
}

# registry_on_pg [SERVE-ARGS...]: a new registry in the test's PostgreSQL
# (its key in $TMP/registry.key), served by registry_start with SERVE-ARGS;
# its public key in REG_KEY.
registry_on_pg() {
  expect_ok ts registry init --pg "$TOUCHSTONE_PG" --key "$TMP/registry.key"
  registry_start --pg "$TOUCHSTONE_PG" "$@"
  REG_KEY=$(psql_value "SELECT public_key FROM registry_meta")
}

# enroll_approved RUN...: the clinic of RUN (a command that runs touchstone
# on that clinic's database) enrols with the registry at REG_URL, which
# approves it; the registry's id of the clinic in CLINIC_ID.
enroll_approved() {
  expect_ok "$@" registry enroll --url "$REG_URL" --json
  CLINIC_ID=$(json 'this.clinic')
  expect_ok ts registry clinic approve "$CLINIC_ID" --pg "$TOUCHSTONE_PG"
}

# registry_with_demo_clinic: registry_on_pg, and the clinic C ($TMP/C.db,
# run with `at`) with the demo's data, enrolled, approved (CLINIC_ID) and
# pushed.
at() { "$TOUCHSTONE" --db "$TMP/C.db" "$@"; }
registry_with_demo_clinic() {
  registry_on_pg
  expect_ok at demo
  enroll_approved at
  expect_ok at push
}

registry_stop() {
  kill "$REG_PID"; wait "$REG_PID" || fail "registry serve did not stop cleanly"
  REG_PID=""
}

# post PATH FILE: POSTs a JSON file; STATUS and OUT.
post() {
  local rc=0
  STATUS=$(curl -s -o "$TMP/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$2" "$REG_URL$1") || rc=$?
  OUT=$(cat "$TMP/resp" 2>/dev/null || true)
  [ $rc -eq 0 ] || STATUS=000
}
expect_http() { [ "$STATUS" = "$1" ] || fail "expected HTTP $1, got $STATUS: $OUT"; }

# make_clinic NAME: a clinic database NAME.db with its key pair (NAME.db.key).
make_clinic() {
  "$TOUCHSTONE" --db "$TMP/$1.db" init --clinic "Synthetic Clinic $1" >/dev/null
}
clinic_public_key() { "$TOUCHSTONE" --db "$TMP/$1.db" key export-public; }

# enroll NAME: enrolls clinic NAME through the API; STATUS, OUT and
# ENROLLED (its registry id).
enroll() {
  printf '{"name": "Synthetic Clinic %s", "public_key": "%s"}' "$1" "$(clinic_public_key "$1")" > "$TMP/enroll.json"
  post /registry/v1/enroll "$TMP/enroll.json"
  ENROLLED=$(jq -r .clinic <<<"$OUT")
}

# gen_batch CLINIC_ID SEQ SEED EPISODES [PRACTITIONERS] > batch.json: a
# synthetic batch of EPISODES episodes x 2 instruments over two protocols;
# every number is exactly representable (multiples of 0.25), so that any
# canonical writer gives the same bytes. Practitioner p-..0 has an NPI (a
# consenting practitioner, shared by every seed), the others none.
gen_batch() {
  PYTHONPATH="$ROOT/tests/e2e${PYTHONPATH:+:$PYTHONPATH}" python3 - "$@" <<'PY'
import json, random, sys
from registry_rows import summary_row
clinic, seq, seed, episodes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
npract = int(sys.argv[5]) if len(sys.argv) > 5 else 4
rnd = random.Random(seed)
refs = ["p-%016x" % (seed * 1000 + i) for i in range(npract)]
practitioners = [{"ref": r, "npi": "1234567893" if i == 0 else None, "license": None}
                 for i, r in enumerate(refs)]
rows = []
for k in range(episodes):
    ep = "e-%016x" % (seed * 1000000 + k)
    prac = refs[k % npract]
    protocol = ["low-back-pain", "neck-pain"][k % 2]
    age = rnd.randint(18, 90)
    sex = rnd.choice(["female", "male", "female", "other"])
    chron = rnd.choice([None, rnd.randint(0, 200)]) if k % 7 == 0 else rnd.randint(0, 200)
    comorb = rnd.randint(0, 5)
    for inst, mcid in (("nprs", 2.0), ("psfs", None)):
        complete = 0 if k % 9 == 0 else 1
        reason = None if complete else rnd.choice(["open", "no_baseline", "no_discharge"])
        base = rnd.randint(8, 40) / 4.0
        disc = rnd.randint(0, 40) / 4.0 if complete else None
        rows.append(summary_row(rnd, k, ep, prac, protocol, inst, mcid, 2024, base, disc,
                                complete, reason, age, sex, chron, comorb))
print(json.dumps({"format": 1, "clinic": clinic, "seq": seq,
                  "practitioners": practitioners, "rows": rows, "retract": []}))
PY
}

# canary_episode ZIP: in clinic A (`at A`), the canary patient (92 years
# old, every identifier filled in, ZIP code ZIP; its id in canary) with an
# open low-back-pain episode (ep) and a baseline NPRS of 7.
canary_episode() {
  lbp_screen screen.json
  expect_ok at A patient add --name "Quorvalyn Thistlewaite" --dob 1934-03-17 --sex female \
    --zip "$1" --phone 555-0199 --email quorvalyn.canary@mail.invalid --consent-treatment
  canary=$OUT
  expect_ok at A episode open --patient "$canary" --practitioner 1 --protocol low-back-pain \
    --icd10 M54.50 --start 2026-01-05 --screen screen.json --chronicity-weeks 12 --comorbidities 2
  ep=$OUT
  expect_ok at A observe --episode "$ep" --instrument nprs --timepoint baseline --at 2026-01-05T09:00Z --value 7
}

# union_clinic DB [--episode-per-row] BATCH_FILE...: a new clinic database
# DB holding the summaries of the batches, each practitioner under the
# registry's id and label (t0949-union-clinic.py).
union_clinic() {
  local db=$1; shift
  psql "$TOUCHSTONE_PG" -XAtq -F $'\t' -c "SELECT r.clinic_id, r.ref, p.id, p.label FROM registry_practitioner_ref r JOIN registry_practitioner p ON p.id = r.practitioner_id" > "$TMP/refs.tsv"
  expect_ok ts --db "$db" init --clinic "Synthetic Union Clinic"
  python3 "$ROOT/tests/e2e/t0949-union-clinic.py" "$db" "$TMP/refs.tsv" "$@"
}

# sign_body NAME BATCH_FILE OUT_FILE: {"batch": ..., "signature": ...}
# signed with clinic NAME's secret key.
sign_body() {
  local sig
  sig=$("$TOUCHSTONE" registry test-sign --key "$TMP/$1.db.key" < "$2") || fail "test-sign failed"
  python3 -c 'import json,sys; print(json.dumps({"batch": json.load(open(sys.argv[1])), "signature": sys.argv[2]}))' "$2" "$sig" > "$3"
}

# canonical_digest BATCH_FILE: SHA-256 of the batch's canonical JSON,
# written by Python (sorted keys, no spaces, UTF-8).
canonical_digest() {
  python3 -c 'import json,sys,hashlib; b=json.load(open(sys.argv[1])); print(hashlib.sha256(json.dumps(b,sort_keys=True,separators=(",",":"),ensure_ascii=False).encode()).hexdigest())' "$1"
}

# edit_batch FILE PYTHON-EXPRESSION-STATEMENTS: changes batch b in place.
edit_batch() {
  python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); exec(sys.argv[2]); json.dump(b,open(sys.argv[1],"w"))' "$1" "$2"
}
