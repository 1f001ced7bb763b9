#!/usr/bin/env bash
# A running server answers reads from kept logins and kept rendered
# reports, without a query for them; before each answer goes, they are
# checked against every commit made until its audit entry was durable, by
# any connection or process. So a score recorded by another process (the
# command line) is in the very next report served, and a login ended
# behind the server's back (an account disabled by the command line, a
# session removed by hand) or over the API is refused at once, on a read
# that is audited and on one that is not.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

demo_clinic "Synthetic Kept Reads Clinic"
P=$(sql "SELECT practitioner_id FROM user WHERE email = 'therapist@demo.example'")
serve_start
declare -A jar csrf
login_demo_roles
report="${URL}api/v1/practitioners/$P/report"
get() { # get WHO URL: the status of a GET as WHO, its body in $TMP/body.json
  curl -sS -o "$TMP/body.json" -w '%{http_code}' -b "${jar[$1]}" "$2"
}
doc() { # the last report fetched, as one line
  node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))))' "$TMP/body.json"
}
same_as_cli() { report_is_current "$TMP/body.json" "$1"; }

# Kept: the same report twice, the second from the kept document.
assert_eq "$(get therapist "$report")" 200 "first report"
assert_eq "$(get therapist "$report")" 200 "second report"
same_as_cli "kept"
before=$(doc)

# A follow-up score recorded by the command line (another process) for a
# complete episode of the practitioner's: the very next read serves the
# changed report.
ep=$(sql "SELECT e.id FROM episode e
  JOIN episode_summary es ON es.episode_id = e.id AND es.complete = 1
  WHERE e.practitioner_id = $P AND e.ended_on < '2026-06-01'
    AND NOT EXISTS (SELECT 1 FROM observation o WHERE o.episode_id = e.id AND o.timepoint = 'followup')
  ORDER BY e.id LIMIT 1")
[ -n "$ep" ] || fail "no complete episode of practitioner $P without a follow-up"
expect_ok ts observe --episode "$ep" --instrument nprs --timepoint followup --at 2026-06-20T10:00:00Z --value 1
assert_eq "$(get therapist "$report")" 200 "report after a score by the command line"
same_as_cli "after a score by the command line"
[ "$(doc)" != "$before" ] || fail "the score recorded by the command line is not in the served report"

# A login disabled by the command line: its next audited read (a report)
# is refused, though its session was kept a moment before.
assert_eq "$(get admin "$report")" 200 "the admin's report"
assert_eq "$(get admin "$report")" 200 "the admin's report again"
expect_ok ts user disable admin@demo.example
assert_eq "$(get admin "$report")" 401 "the disabled admin's report"
assert_eq "$(get admin "${URL}api/v1/session")" 401 "the disabled admin's session"

# A session removed by hand (the sqlite3 shell): its next read that
# audits nothing (its own session) is refused too.
assert_eq "$(get therapist-b "${URL}api/v1/session")" 200 "therapist-b's session"
assert_eq "$(get therapist-b "${URL}api/v1/session")" 200 "therapist-b's session again"
sql "DELETE FROM web_session WHERE user_id = (SELECT id FROM user WHERE email = 'therapist-b@demo.example')" >/dev/null
assert_eq "$(get therapist-b "${URL}api/v1/session")" 401 "therapist-b's removed session"

# A logout over the API ends the kept login at once.
assert_eq "$(get therapist "$report")" 200 "the therapist's report before logging out"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE -b "${jar[therapist]}" \
  -H "X-CSRF-Token: ${csrf[therapist]}" "${URL}api/v1/session")
[ "$code" = 204 ] || [ "$code" = 200 ] || fail "logout answered $code"
assert_eq "$(get therapist "$report")" 401 "the therapist's report after logging out"
serve_stop
expect_ok ts audit verify
assert_contains "$OUT" "the chain is whole"
echo "ok"
