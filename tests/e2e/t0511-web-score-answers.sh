#!/usr/bin/env bash
# A score posted to the running server: its answer (the stored
# observation, read back) comes only after the score and both of its
# audit entries (the creation and the answer's read) are in the database;
# a score that changes no outcome summary (a `post` of an open episode)
# leaves every group's generation, and the served report, as they were,
# while an earlier baseline changes its group; two scores at once, one of
# them invalid: the valid one is stored and answered 201, the other gets
# its 422 and leaves nothing; the audit chain verifies.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

demo_clinic "Synthetic Score Answer Clinic"
P=$(sql "SELECT practitioner_id FROM user WHERE email = 'therapist@demo.example'")
serve_start
declare -A jar csrf
login_demo_roles
report="${URL}api/v1/practitioners/$P/report"
read -r ep sess at < <(sql "SELECT e.id, s.id, s.started_at FROM episode e JOIN session s ON s.episode_id = e.id WHERE e.practitioner_id = $P AND e.ended_on IS NULL ORDER BY s.id DESC LIMIT 1" | tr '|' ' ')
[ -n "$sess" ] || fail "no session of an open episode of practitioner $P"
protocol=$(sql "SELECT protocol_id FROM episode WHERE id = $ep")
score() { # score JSON: posts a score of episode $ep; the answer in $TMP/score.json
  curl -sS -o "$TMP/score.json" -w '%{http_code}' -b "${jar[therapist]}" \
    -H "X-CSRF-Token: ${csrf[therapist]}" -H 'Content-Type: application/json' \
    -d "$1" "${URL}api/v1/episodes/$ep/observations"
}
generations() { sql "SELECT group_concat(id || ':' || generation, ',') FROM (SELECT id, generation FROM outcome_group ORDER BY id)"; }
same_as_cli() {
  curl -sS -o "$TMP/served.json" -b "${jar[therapist]}" "$report"
  report_is_current "$TMP/served.json" "$1"
}
same_as_cli "before the scores"
cp "$TMP/served.json" "$TMP/before.json"

# A post score: both entries are there as soon as it is answered.
before=$(generations)
code=$(score "{\"instrument\":\"nprs\",\"timepoint\":\"post\",\"session_id\":$sess,\"at\":\"$at\",\"value\":3}")
assert_eq "$code" 201 "the post score"
id=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).id)' "$TMP/score.json")
assert_eq "$(sql "SELECT count(*) FROM observation WHERE id = $id AND episode_id = $ep AND total = 3")" 1 "the score stored"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'create' AND record_type = 'observation' AND record_id = $id AND outcome = 'ok'")" 1 "the creation's entry"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'read' AND record_type = 'observation' AND record_id = $id AND outcome = 'ok'")" 1 "the answer's read entry"
# No summary row changed: no generation moved, the report is the same.
assert_eq "$(generations)" "$before" "generations after a post score"
same_as_cli "after a post score"
cmp -s "$TMP/served.json" "$TMP/before.json" || fail "a post score changed the served report"

# A baseline before every other observation of the episode is its
# baseline: its group's generation rises and the report is computed again.
first=$(sql "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', min(observed_at), '-1 minute') FROM observation WHERE episode_id = $ep")
nprs_group=$(sql "SELECT id FROM outcome_group WHERE protocol_id = '$protocol' AND instrument = 'nprs'")
gen=$(sql "SELECT generation FROM outcome_group WHERE id = $nprs_group")
code=$(score "{\"instrument\":\"nprs\",\"timepoint\":\"baseline\",\"at\":\"$first\",\"value\":9}")
assert_eq "$code" 201 "the baseline score"
[ "$(sql "SELECT generation FROM outcome_group WHERE id = $nprs_group")" -gt "$gen" ] || fail "the baseline did not change its group"
assert_eq "$(sql "SELECT baseline FROM episode_summary WHERE episode_id = $ep AND instrument = 'nprs'")" 9.0 "the new baseline"
same_as_cli "after a baseline"

# Two scores at once, one invalid (a value out of NPRS's 0-10).
count_before=$(sql "SELECT count(*) FROM observation WHERE episode_id = $ep")
created_before=$(sql "SELECT count(*) FROM audit WHERE action = 'create' AND record_type = 'observation'")
: >"$TMP/codes"
curl -sS -o "$TMP/good.json" -w 'good %{http_code}\n' -b "${jar[therapist]}" \
  -H "X-CSRF-Token: ${csrf[therapist]}" -H 'Content-Type: application/json' \
  -d "{\"instrument\":\"nprs\",\"timepoint\":\"post\",\"session_id\":$sess,\"at\":\"$at\",\"value\":4}" \
  "${URL}api/v1/episodes/$ep/observations" >>"$TMP/codes" &
p1=$!
curl -sS -o "$TMP/bad.json" -w 'bad %{http_code}\n' -b "${jar[therapist]}" \
  -H "X-CSRF-Token: ${csrf[therapist]}" -H 'Content-Type: application/json' \
  -d "{\"instrument\":\"nprs\",\"timepoint\":\"post\",\"session_id\":$sess,\"at\":\"$at\",\"value\":11}" \
  "${URL}api/v1/episodes/$ep/observations" >>"$TMP/codes" &
p2=$!
wait $p1; wait $p2
assert_eq "$(grep -c '^good 201$' "$TMP/codes")" 1 "the valid score answered"
assert_eq "$(grep -c '^bad 422$' "$TMP/codes")" 1 "the invalid score refused"
assert_contains "$(cat "$TMP/bad.json")" '"field":"value"'
assert_eq "$(sql "SELECT count(*) FROM observation WHERE episode_id = $ep")" $((count_before + 1)) "observations after the pair"
good=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).id)' "$TMP/good.json")
assert_eq "$(sql "SELECT count(*) FROM observation WHERE id = $good AND episode_id = $ep AND total = 4")" 1 "the valid score stored"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'create' AND record_type = 'observation'")" $((created_before + 1)) "creations audited"
same_as_cli "after the pair"

serve_stop
expect_ok ts audit verify
assert_contains "$OUT" "the chain is whole"
echo "ok"
