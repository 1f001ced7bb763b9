#!/usr/bin/env bash
# The audit entries of reads on a running server go through one writer,
# many requests' entries a transaction: each answer comes only after its
# entry is in the database, concurrent reads, refusals and writes each
# leave exactly one entry, the chain verifies, and a read that has to
# write (the first report, which stores its fitted models) is answered
# once and audited once. The rendered report the server keeps is always
# the current one: after changes made over the API and by another
# process, it equals the command line's.
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

# answer_code WHAT USER CURL_ARGS...: a request as USER, in the
# background: "WHAT CODE" (the HTTP status) appended to $TMP/codes, its
# pid to pids. posted_code WHAT USER PATH JSON: the same for JSON posted to
# the API at PATH with USER's CSRF token.
answer_code() {
  local what=$1 who=$2
  shift 2
  curl -sS -o /dev/null -w "$what %{http_code}\n" -b "${jar[$who]}" "$@" >>"$TMP/codes" &
  pids+=($!)
}
posted_code() {
  answer_code "$1" "$2" -H "X-CSRF-Token: ${csrf[$2]}" -H 'Content-Type: application/json' \
    -d "$4" "${URL}api/v1/$3"
}

# 40 reads, 10 refused reads (another therapist's report) and 10 writes at
# once.
sessions_before=$(sql "SELECT count(*) FROM web_session")
: >"$TMP/codes"
pids=()
for i in $(seq 40); do
  answer_code read therapist "$report"
  if [ $((i % 4)) = 0 ]; then
    answer_code denied therapist-b "$report"
    posted_code write admin practitioners \
      "{\"name\":\"Synthetic Practitioner $i\",\"license\":\"LMT-GC$i\",\"credentials\":\"LMT\"}"
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
# The server keeps the rendered report; it is served again only while
# what it is computed from is unchanged. Each answer equals the command
# line's document for the database as it is at that moment (the CLI's
# read is audited too: the counts above are done).
same_as_cli() {
  curl -sS -o "$TMP/served.json" -b "${jar[therapist]}" "$report"
  report_is_current "$TMP/served.json" "$1"
}
same_as_cli "warm"
# A threshold changed through the API, then one changed by another
# process behind the server's back.
http_put() {
  curl -sS -o /dev/null -w '%{http_code}' -X PUT -b "${jar[admin]}" -H "X-CSRF-Token: ${csrf[admin]}" \
    -H 'Content-Type: application/json' -d "$2" "${URL}api/v1/thresholds/$1"
}
before=$(node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).thresholds))' "$TMP/served.json")
assert_eq "$(http_put min_episodes '{"value":3}')" 200 "threshold changed"
same_as_cli "after a threshold changed over the API"
after=$(node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).thresholds))' "$TMP/served.json")
[ "$before" != "$after" ] || fail "the threshold change is not in the served report"
sql "UPDATE designation_threshold SET value = 2, updated_at = '2026-06-30T12:00:01Z' WHERE name = 'min_episodes'" >/dev/null
same_as_cli "after a threshold changed by another process"
# The practitioner renamed by another process.
sql "UPDATE practitioner SET name = 'Synthetic Renamed Therapist' WHERE id = $P" >/dev/null
same_as_cli "after a rename"
assert_contains "$(cat "$TMP/served.json")" "Synthetic Renamed Therapist"
# A complete episode's summary removed by another process (its group's
# generation rises): the cells change.
cells_before=$(node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).cells))' "$TMP/served.json")
sql "DELETE FROM episode_summary WHERE practitioner_id = $P AND complete = 1 AND episode_id = (SELECT min(episode_id) FROM episode_summary WHERE practitioner_id = $P AND complete = 1)" >/dev/null
same_as_cli "after a summary removed"
cells_after=$(node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).cells))' "$TMP/served.json")
[ "$cells_before" != "$cells_after" ] || fail "the removed summary is not in the served report"
# Scores written while the report is read, all at once: each write makes
# the kept report stale, and the reads that miss share the computing of
# the newest document. Every request is answered, each read is audited
# once, and the report served afterwards is the current one.
read -r ep sess at < <(sql "SELECT e.id, s.id, s.started_at FROM episode e JOIN session s ON s.episode_id = e.id WHERE e.practitioner_id = $P AND e.ended_on IS NULL ORDER BY s.id DESC LIMIT 1" | tr '|' ' ')
[ -n "$sess" ] || fail "no session of an open episode of practitioner $P"
scores_before=$(sql "SELECT count(*) FROM observation WHERE episode_id = $ep")
reads_before=$(reads read practitioner_outcome "$P" ok)
: >"$TMP/codes"
pids=()
for i in $(seq 40); do
  answer_code read therapist "$report"
  if [ $((i % 4)) = 0 ]; then
    posted_code score therapist "episodes/$ep/observations" \
      "{\"instrument\":\"nprs\",\"timepoint\":\"post\",\"session_id\":$sess,\"at\":\"$at\",\"value\":$((i % 11))}"
  fi
done
for p in "${pids[@]}"; do wait "$p"; done
assert_eq "$(grep -c '^read 200$' "$TMP/codes")" 40 "reads answered during the scores"
assert_eq "$(grep -c '^score 201$' "$TMP/codes")" 10 "scores answered"
assert_eq "$(sql "SELECT count(*) FROM observation WHERE episode_id = $ep")" $((scores_before + 10)) "scores stored"
assert_eq "$(reads read practitioner_outcome "$P" ok)" $((reads_before + 40)) "read entries during the scores"
same_as_cli "after scores written during reads"
serve_stop
expect_ok ts audit verify
assert_contains "$OUT" "the chain is whole"
[ "$(sql "SELECT count(*) FROM web_session")" -ge "$sessions_before" ] || fail "sessions lost"
echo "ok"
