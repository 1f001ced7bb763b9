#!/usr/bin/env bash
# The audit entries of reads on a running server go through one writer,
# many requests' entries a transaction: each answer comes only after its
# entry is in the database, concurrent reads, refusals and writes each
# leave exactly one entry, the chain verifies, and a read that has to
# write (the first report, which stores its fitted models) is answered
# once and audited once.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

demo_clinic "Synthetic Group Commit Clinic"
P=$(sql "SELECT practitioner_id FROM user WHERE email = 'therapist@demo.example'")
[ -n "$P" ] && [ "$P" != 2 ] || fail "the demo therapist is not practitioner 1 ($P)"
serve_start
declare -A jar csrf
login_demo_roles
report="${URL}api/v1/practitioners/$P/report"
reads() { # reads ACTION TYPE ID OUTCOME: audit entries of that read
  sql "SELECT count(*) FROM audit WHERE action = '$1' AND record_type = '$2' AND record_id = $3 AND outcome = '$4'"
}

# The first report fits the risk models and stores them: a write inside a
# read. It is answered 200 and leaves one entry, not two.
sql "DELETE FROM outcome_model" >/dev/null
code=$(curl -sS -o "$TMP/first.json" -w '%{http_code}' -b "${jar[therapist]}" "$report")
assert_eq "$code" 200 "the first report"
[ "$(sql 'SELECT count(*) FROM outcome_model')" -gt 0 ] || fail "the first report stored no model"
assert_eq "$(reads read practitioner_outcome "$P" ok)" 1 "entries after the first report"

# Each answer is sent after its entry is written: counted right after
# each one, with the server still running.
for i in 1 2 3 4 5; do
  code=$(curl -sS -o /dev/null -w '%{http_code}' -b "${jar[therapist]}" "$report")
  assert_eq "$code" 200
  assert_eq "$(reads read practitioner_outcome "$P" ok)" $((1 + i)) "entries after report $((1 + i))"
done

# 40 reads, 10 refused reads (another therapist's report) and 10 writes at
# once.
sessions_before=$(sql "SELECT count(*) FROM web_session")
: >"$TMP/codes"
pids=()
for i in $(seq 40); do
  curl -sS -o /dev/null -w 'read %{http_code}\n' -b "${jar[therapist]}" "$report" >>"$TMP/codes" & pids+=($!)
  if [ $((i % 4)) = 0 ]; then
    curl -sS -o /dev/null -w 'denied %{http_code}\n' -b "${jar[therapist-b]}" "$report" >>"$TMP/codes" & pids+=($!)
    curl -sS -o /dev/null -w 'write %{http_code}\n' -b "${jar[admin]}" \
      -H "X-CSRF-Token: ${csrf[admin]}" -H 'Content-Type: application/json' \
      -d "{\"name\":\"Synthetic Practitioner $i\",\"license\":\"LMT-GC$i\",\"credentials\":\"LMT\"}" \
      "${URL}api/v1/practitioners" >>"$TMP/codes" & pids+=($!)
  fi
done
for p in "${pids[@]}"; do wait "$p"; done
assert_eq "$(grep -c '^read 200$' "$TMP/codes")" 40 "reads answered"
assert_eq "$(grep -c '^denied 404$' "$TMP/codes")" 10 "refusals answered"
assert_eq "$(grep -c '^write 201$' "$TMP/codes")" 10 "writes answered"
assert_eq "$(reads read practitioner_outcome "$P" ok)" 46 "read entries"
assert_eq "$(reads read practitioner_outcome "$P" denied)" 10 "refusal entries"
assert_eq "$(sql "SELECT count(*) FROM practitioner WHERE license LIKE 'LMT-GC%'")" 10
assert_eq "$(sql "SELECT count(*) FROM audit WHERE record_type = 'practitioner' AND action = 'create' AND actor = 'admin@demo.example'")" 10 "creations audited"
# Ids follow each other with no gap, and every entry links to the one
# before it.
assert_eq "$(sql 'SELECT max(id) - min(id) + 1 - count(*) FROM audit')" 0 "gaps in the ids"
assert_eq "$(sql 'SELECT count(*) FROM audit a JOIN audit b ON b.id = a.id - 1 WHERE a.prev_hash <> b.hash')" 0 "broken links"
serve_stop
expect_ok ts audit verify
assert_contains "$OUT" "the chain is whole"
[ "$(sql "SELECT count(*) FROM web_session")" -ge "$sessions_before" ] || fail "sessions lost"
echo "ok"
