#!/usr/bin/env bash
# The clinic's side of the registry against a small receiver on loopback
# (t0959-registry-receiver.py, written apart from the program: it checks
# signatures with openssl and keeps the exact bytes received):
# enrolment pins the registry's key; a pending clinic is refused; a push
# sends every summary once, signed; a canary patient's identifiers appear
# in no byte sent; consent decides whether the NPI crosses; a second push
# sends nothing; a changed score sends that row only; a removed summary
# sends a retraction; a batch the registry committed before the clinic
# heard (409 with its digest) is acknowledged, and another digest is
# refused clearly.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

mkdir rcv
python3 "$HERE/t0959-registry-receiver.py" rcv 2> rcv.err &
RCV_PID=$!
trap 'kill $RCV_PID 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 1 100); do [ -f rcv/port ] && break; sleep 0.1; done
[ -f rcv/port ] || fail "the receiver did not start: $(cat rcv.err)"
REG="http://127.0.0.1:$(cat rcv/port)"
control() { curl -sf -X POST -d "$2" "$REG/test/$1" > /dev/null; }
# The bodies of the pushes received, in order.
pushes() { grep -l '^{"batch":' rcv/received/*.body 2>/dev/null || true; }
last_push() { pushes | tail -1; }
# pyjson FILE EXPR: a value of the JSON document in FILE (d), by python.
# expect_fail STATUS PATTERN CMD...: as expect_refused, for a push that
# keeps its batch (written before it is sent) when the registry refuses.
expect_fail() {
  local status=$1 pattern=$2 rc=0; shift 2
  OUT=$("$@" 2>"$TMP/stderr") || rc=$?
  ERR=$(cat "$TMP/stderr")
  [ $rc -eq "$status" ] || fail "expected exit $status from '$*', got $rc: $ERR"
  grep -qE -- "$pattern" <<<"$ERR" || fail "stderr of '$*' lacks /$pattern/: $ERR"
}
pyjson() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

expect_ok ts init --clinic "Canaryclinic Synthetic"
lbp_screen screen.json
expect_ok ts practitioner add --name "Canaryprac Quillon" --license LIC-CANARY-7731 \
  --credentials LMT --npi 1234567893 --email canary.prac@mail.invalid
expect_ok ts practitioner add --name "Canarytwo Practen" --license LIC-CANARY-8842 \
  --credentials LMT
for p in 1 2; do
  expect_ok ts training add --practitioner $p --protocol stress-management-full-body \
    --hours 150 --completed 2020-01-01
  expect_ok ts training add --practitioner $p --protocol low-back-pain --hours 32 --completed 2021-01-01
done
# The canary: 92 years old, every identifier filled in.
expect_ok ts patient add --name "Canarypat Wrenfield" --dob 1934-03-17 --sex female \
  --zip 94110 --phone 555-0147 --email canary.pat@mail.invalid --consent-treatment
expect_ok ts patient add --name "Canarytwo Larkspur" --dob 1980-07-09 --sex male \
  --zip 10001 --phone 555-0148 --email canary.two@mail.invalid
for p in 1 2; do
  expect_ok ts episode open --patient $p --practitioner $p --protocol low-back-pain \
    --icd10 M54.50 --start 2026-01-05 --screen screen.json --chronicity-weeks 12 --comorbidities 2
  ep=$OUT
  expect_ok ts observe --episode "$ep" --instrument nprs --timepoint baseline --at 2026-01-05T09:00Z --value 7
  expect_ok ts observe --episode "$ep" --instrument odi --timepoint baseline --at 2026-01-05T09:05Z \
    --items 4,3,3,2,3,2,2,3,1,2
  expect_ok ts session add --episode "$ep" --start 2026-01-12T10:00Z --minutes 60 \
    --phase introductory:10 --phase kneading:40 --phase circulatory:10 --note "CanaryNoteText"
  expect_ok ts observe --episode "$ep" --session "$OUT" --instrument nprs --timepoint post \
    --at 2026-01-12T11:02Z --value 3
  expect_ok ts observe --episode "$ep" --instrument pvr --timepoint baseline --at 2026-01-05T09:10Z --value 0.81
  expect_ok ts episode close "$ep" --end 2026-01-19
done
summaries=$(sql "SELECT count(*) FROM episode_summary")
[ "$summaries" -ge 6 ] || fail "expected at least 6 summaries, got $summaries"

# Before enrolment, and with a bad URL.
expect_refused 2 "not enrolled with a registry" ts push
expect_refused 2 "url: 'ftp://x' is not an http" ts registry enroll --url ftp://x
expect_refused 1 "url: cannot connect to http://127.0.0.1:1/registry/v1/enroll" \
  ts registry enroll --url http://127.0.0.1:1

# Enrolment: pending, and the registry's key pinned (from its PEM file).
expect_ok ts registry enroll --url "$REG/" --json
assert_eq "$(json 'this.clinic')" 1 "clinic"
assert_eq "$(json 'this.status')" pending "status"
want_key=$(openssl pkey -in rcv/registry.pem -pubout -outform DER | tail -c 32 | base64)
assert_eq "$(sql "SELECT registry_public_key FROM registry_link")" "$want_key" "pinned key"
assert_eq "$(sql "SELECT url FROM registry_link")" "$REG" "url"
# Enrolling again is idempotent (the receiver answers 200 without its key).
expect_ok ts registry enroll --url "$REG"
assert_contains "$OUT" "as clinic 1: pending"

# Pending: refused, and the batch waits in registry_outbound.
expect_fail 2 "clinic: the registry refused \(403\): clinic 1 is pending" ts push
assert_eq "$(sql "SELECT count(*) FROM registry_outbound WHERE acked_at IS NULL")" 1 "batch waiting"
waiting=$(sql "SELECT body FROM registry_outbound WHERE seq = 1")
control approve '{"clinic": 1}'
expect_ok ts push --json
assert_eq "$(json 'this.rows')" "$summaries" "rows pushed"
assert_eq "$(json 'this.resent')" 1 "the waiting batch resent"
# Resent byte for byte.
cmp -s <(printf '%s' "$waiting") "$(last_push)" || fail "the resent batch differs from the stored one"
assert_eq "$(cat rcv/accepted.log | wc -l)" 1 "batches accepted"
assert_eq "$(sql "SELECT count(*) FROM registry_pushed")" "$summaries" "rows acknowledged"
# The digest the receiver computed over the batch bytes is the one kept.
assert_eq "$(sql "SELECT digest FROM registry_outbound WHERE seq = 1")" \
  "$(cut -d' ' -f2 rcv/accepted.log)" "batch digest"

# Signature: the receiver verified it with openssl before accepting; check
# again here with the clinic's key from the database.
body=$(last_push)
python3 - "$body" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
head, tail = b'{"batch":', b',"signature":"'
open("batch.bin", "wb").write(b[len(head):b.rindex(tail)])
import base64, json
open("sig.bin", "wb").write(base64.b64decode(json.loads(b)["signature"]))
PY
{ printf '302a300506032b6570032100' | xxd -r -p
  sql "SELECT public_key FROM clinic_key" | base64 -d; } > clinic.der
openssl pkeyutl -verify -pubin -inkey clinic.der -keyform DER -rawin -in batch.bin \
  -sigfile sig.bin > /dev/null || fail "the batch signature does not verify with openssl"

# What crosses: every member of the spec, ages pooled, no identifier.
rows=$(pyjson "$body" 'len(d["batch"]["rows"])')
assert_eq "$rows" "$summaries" "rows in the batch"
members=$(pyjson "$body" '",".join(sorted(d["batch"]["rows"][0]))')
assert_eq "$members" "age,baseline,chronicity_weeks,comorbidities,complete,discharge,episode,followup,followup_days,has_followup,icd10_category,improvement,incomplete_reason,instrument,practitioner,protocol,responder,response_event,role,sessions,sessions_to_response,sex,start_year,sustained" "row members"
assert_eq "$(pyjson "$body" 'sorted(set(r["age"] for r in d["batch"]["rows"]))')" "[45, 90]" "ages (92 pooled as 90)"
assert_eq "$(pyjson "$body" 'sorted(set(r["icd10_category"] for r in d["batch"]["rows"]))')" "['M54']" "icd10 category"
assert_eq "$(pyjson "$body" 'sorted(set(r["start_year"] for r in d["batch"]["rows"]))')" "[2026]" "start year"
pyjson "$body" 'all(len(r["episode"]) == 18 and r["episode"].startswith("e-") for r in d["batch"]["rows"])' | grep -qx True \
  || fail "episode pseudonyms are not e- and 16 hex digits"
for canary in Canarypat Wrenfield Canarytwo Larkspur 1934-03-17 1980-07-09 \
  555-0147 5550147 canary.pat@mail.invalid canary.two@mail.invalid 94110 10001 \
  Canaryprac Quillon CanaryNoteText LIC-CANARY-7731 LIC-CANARY-8842 1234567893 2026-01-05 2026-01-19; do
  if grep -lF -- "$canary" rcv/received/*.body > /dev/null; then
    fail "'$canary' crossed the wire"
  fi
done
# Without consent neither NPI nor licence.
assert_eq "$(pyjson "$body" '[(p["npi"], p["license"]) for p in d["batch"]["practitioners"]]')" \
  "[(None, None), (None, None)]" "practitioners without consent"

# A second push sends nothing.
n=$(pushes | wc -l)
expect_ok ts push
assert_eq "$OUT" "nothing to push"
assert_eq "$(pushes | wc -l)" "$n" "no request for nothing"

# Consent: practitioner 1's rows go again, with the NPI; 2 with its licence.
expect_refused 2 "registry: 'maybe' is not one of yes, no" ts practitioner consent 1 --registry maybe
expect_refused 2 "no practitioner 9" ts practitioner consent 9 --registry yes
expect_ok ts practitioner consent 1 --registry yes
assert_eq "$(sql "SELECT registry_consent FROM practitioner WHERE id = 1")" 1 "consent stored"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'update' AND record_type = 'practitioner' AND record_id = 1")" 1 "consent audited"
expect_ok ts push --json
p1=$(sql "SELECT count(*) FROM episode_summary WHERE practitioner_id = 1")
assert_eq "$(json 'this.rows')" "$p1" "rows of practitioner 1"
body=$(last_push)
assert_eq "$(pyjson "$body" '[(p["npi"], p["license"]) for p in d["batch"]["practitioners"]]')" \
  "[('1234567893', None)]" "practitioner 1 with consent"
expect_ok ts practitioner consent 2 --registry yes
expect_ok ts push
assert_eq "$(pyjson "$(last_push)" '[(p["npi"], p["license"]) for p in d["batch"]["practitioners"]]')" \
  "[(None, 'LIC-CANARY-8842')]" "practitioner 2: licence without an NPI"
expect_ok ts practitioner consent 1 --registry no
expect_ok ts push
assert_eq "$(pyjson "$(last_push)" '[(p["npi"], p["license"]) for p in d["batch"]["practitioners"]]')" \
  "[(None, None)]" "consent withdrawn"

# A changed score: a follow-up for episode 2 changes its NPRS row only.
expect_ok ts observe --episode 2 --instrument nprs --timepoint followup --at 2026-03-02T10:00Z --value 4
expect_ok ts push --json
assert_eq "$(json 'this.rows')" 1 "changed rows"
ep2=$(sql "SELECT pseudonym FROM registry_pseudonym WHERE kind = 'episode' AND local_id = 2")
assert_eq "$(pyjson "$(last_push)" '[(r["episode"], r["instrument"], r["followup"], r["followup_days"]) for r in d["batch"]["rows"]]')" \
  "[('$ep2', 'nprs', 4.0, 42)]" "the changed row"
assert_eq "$(pyjson rcv/state.json 'd["rows"]["'"$ep2"' nprs"]["followup"]')" 4.0 "the registry's copy"

# A removed summary (corrected away at the clinic) is retracted.
sql "DELETE FROM episode_summary WHERE episode_id = 1 AND instrument = 'pvr'"
expect_ok ts push --json
assert_eq "$(json 'this.rows')" 0 "rows"
assert_eq "$(json 'this.retracted')" 1 "retracted"
ep1=$(sql "SELECT pseudonym FROM registry_pseudonym WHERE kind = 'episode' AND local_id = 1")
assert_eq "$(pyjson "$(last_push)" 'd["batch"]["retract"]')" \
  "[{'episode': '$ep1', 'instrument': 'pvr'}]" "the retraction"
assert_eq "$(pyjson rcv/state.json 'len(d["rows"])')" "$((summaries - 1))" "rows the registry holds"
assert_eq "$(sql "SELECT count(*) FROM registry_pushed")" "$((summaries - 1))" "rows acknowledged"
expect_ok ts push
assert_eq "$OUT" "nothing to push"

# The registry committed the last batch but the clinic never heard: the
# resend is answered 409 with that batch's digest, which acknowledges it.
last=$(sql "SELECT max(seq) FROM registry_outbound")
sql "UPDATE registry_outbound SET acked_at = NULL WHERE seq = $last"
accepted=$(wc -l < rcv/accepted.log)
expect_ok ts push --json
assert_eq "$(json 'this.resent')" 1 "resent"
assert_eq "$(wc -l < rcv/accepted.log)" "$accepted" "nothing accepted twice"
assert_eq "$(sql "SELECT count(*) FROM registry_outbound WHERE acked_at IS NULL")" 0 "acknowledged"
expect_ok ts push
assert_eq "$OUT" "nothing to push"
# A 409 naming another digest is refused clearly and acknowledges nothing.
sql "UPDATE registry_outbound SET acked_at = NULL, digest = '$(printf '0%.0s' $(seq 64))' WHERE seq = $last"
expect_refused 2 "seq: the registry refuses batch $last: its last batch from this clinic is $last" ts push
assert_eq "$(sql "SELECT count(*) FROM registry_outbound WHERE acked_at IS NULL")" 1 "still waiting"
# Every accepted batch is one sequence number, once, in order.
assert_eq "$(cut -d' ' -f1 rcv/accepted.log | tr '\n' ' ')" "$(seq -s ' ' 1 "$last") " "sequence"

# Suspended: refused with the registry's reason.
sql "UPDATE registry_outbound SET acked_at = '2026-06-30T12:00:00Z' WHERE seq = $last"
expect_ok ts observe --episode 1 --instrument nprs --timepoint followup --at 2026-03-02T10:00Z --value 5
control suspend '{"clinic": 1}'
expect_fail 2 "clinic 1 is suspended" ts push
echo "ok - registry push"
