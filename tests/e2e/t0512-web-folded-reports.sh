#!/usr/bin/env bash
# Baseline scores and reads of the same report at once, in rounds: every
# score is its open episode's new baseline (earlier than every
# observation before it), so each raises its group's generation and the
# kept document is computed again (an open episode's baseline leaves the
# document's content as it was). Every answer is 200 or 201; every read,
# those sent while the scores were in flight and those sent right after a
# score was answered, is the command line's document for the database as
# it is after the round; the group's generation rose by each round; every
# read is audited, and the audit chain verifies.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

demo_clinic "Synthetic Folded Report Clinic"
P=$(sql "SELECT practitioner_id FROM user WHERE email = 'therapist@demo.example'")
serve_start
declare -A jar csrf
login_demo_roles
report="${URL}api/v1/practitioners/$P/report"
ep=$(sql "SELECT e.id FROM episode e JOIN session s ON s.episode_id = e.id WHERE e.practitioner_id = $P AND e.ended_on IS NULL ORDER BY s.id DESC LIMIT 1")
[ -n "$ep" ] || fail "no open episode of practitioner $P"
first=$(sql "SELECT min(observed_at) FROM observation WHERE episode_id = $ep")
# The values of a round: 0-3 or 6-9, in turn, starting with the four the
# episode's baseline is not among: each score changes the baseline.
b0=$(sql "SELECT CAST(baseline AS INTEGER) FROM episode_summary WHERE episode_id = $ep AND instrument = 'nprs'")
[ -n "$b0" ] || fail "episode $ep has no NPRS baseline"
start=$((b0 <= 3 ? 1 : 0))
reads_before=$(sql "SELECT count(*) FROM audit WHERE action = 'read' AND record_type = 'practitioner_outcome' AND record_id = $P AND outcome = 'ok'")
reads=0
group=$(sql "SELECT g.id FROM outcome_group g JOIN episode e ON e.protocol_id = g.protocol_id WHERE e.id = $ep AND g.instrument = 'nprs'")
gen_before=$(sql "SELECT generation FROM outcome_group WHERE id = $group")
read_report() { # read_report FILE: the served report into FILE, its code appended to $TMP/codes
  curl -sS -o "$1" -w '%{http_code}\n' -b "${jar[therapist]}" "$report" >>"$TMP/codes"
}
scorer() { # scorer ROUND J: a baseline score, then a read right after its answer
  local at value
  at=$(sql "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', '$first', '-$(($1 * 4 + $2 + 1)) minutes')")
  value=$((($1 + start) % 2 == 0 ? $2 : $2 + 6))
  curl -sS -o /dev/null -w '%{http_code}\n' -b "${jar[therapist]}" \
    -H "X-CSRF-Token: ${csrf[therapist]}" -H 'Content-Type: application/json' \
    -d "{\"instrument\":\"nprs\",\"timepoint\":\"baseline\",\"at\":\"$at\",\"value\":$value}" \
    "${URL}api/v1/episodes/$ep/observations" >>"$TMP/codes"
  read_report "$TMP/after-$1-$2.json"
}
reader() { # reader ROUND K: three reads one after the other
  local i
  for i in 1 2 3; do read_report "$TMP/read-$1-$2-$i.json"; done
}
canonical() { node -e 'const fs = require("fs");
  console.log(JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1], "utf8"))))' "$1"; }

curl -sS -o "$TMP/before.json" -b "${jar[therapist]}" "$report"
reads=$((reads + 1))
report_is_current "$TMP/before.json" "before the rounds"
for round in 1 2 3 4 5 6; do
  : >"$TMP/codes"
  pids=()
  for j in 0 1 2 3; do scorer "$round" "$j" & pids+=($!); done
  for k in 0 1 2 3 4 5 6 7; do reader "$round" "$k" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p"; done
  reads=$((reads + 4 + 8 * 3))
  assert_eq "$(grep -c '^201$' "$TMP/codes")" 4 "round $round: scores answered 201"
  assert_eq "$(grep -c '^200$' "$TMP/codes")" 28 "round $round: reads answered 200"
  curl -sS -o "$TMP/now.json" -b "${jar[therapist]}" "$report"
  reads=$((reads + 1))
  report_is_current "$TMP/now.json" "after round $round"
  now=$(canonical "$TMP/now.json")
  for f in "$TMP"/after-"$round"-*.json "$TMP"/read-"$round"-*.json; do
    [ "$(canonical "$f")" = "$now" ] || fail "round $round: $(basename "$f") is not the report computed from scratch"
  done
  gen=$(sql "SELECT generation FROM outcome_group WHERE id = $group")
  [ "$gen" -gt "$gen_before" ] || fail "round $round: the group's generation did not rise"
  gen_before=$gen
done
assert_eq "$(sql "SELECT baseline FROM episode_summary WHERE episode_id = $ep AND instrument = 'nprs'")" \
  "$(((6 + start) % 2 == 0 ? 3 : 9)).0" "the last round's earliest baseline"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'read' AND record_type = 'practitioner_outcome' AND record_id = $P AND outcome = 'ok'")" \
  $((reads_before + reads + 7)) "every served read audited (and the command line's 7)"

serve_stop
expect_ok ts audit verify
assert_contains "$OUT" "the chain is whole"
echo "ok"
