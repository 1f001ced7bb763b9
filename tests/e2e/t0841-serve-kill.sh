#!/usr/bin/env bash
# kill -9 of `touchstone serve` while four clients POST sessions (with
# their phases) and scores through the JSON API as fast as they can,
# $TOUCHSTONE_KILLS times (8; 50 in make test-long), the server started
# again each time on the same file. Each client logs every id the server
# acknowledged (201) before the kill. After every kill: `check` and
# `audit verify` pass, every acknowledged session and observation is
# there, every session has all its phases and its audit entry, and every
# score belongs to a session that is there (no half-written request).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

KILLS=${TOUCHSTONE_KILLS:-8}
CLIENTS=4
SERVER_PID=""
CLIENT_PIDS=()
stop_all() {
  local p
  for p in "${CLIENT_PIDS[@]}" $SERVER_PID; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop_all; rm -rf "$TMP"' EXIT

record_clinic
ada_and_pat
expect_ok ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-01-05 --screen clear.json
episode=$OUT
printf '%s\n' "$PASSWORD" > "$TMP/pw"
expect_ok ts user add --email admin@clinic.example --role admin --password-file "$TMP/pw"
PHASES='[{"name":"introductory","minutes":3},{"name":"kneading","minutes":5},{"name":"stretching","minutes":2}]'

# api_post WHAT PATH JSON: POSTs JSON to the API at PATH as the logged-in
# user; the answer's body in body. Fails (noting an answer other than 201
# under WHAT in $TMP/unexpected) when the server does not create it.
api_post() {
  body=$(curl -sS -m 10 -b "$TMP/jar" -H 'Content-Type: application/json' \
    -H "X-CSRF-Token: $CSRF_TOKEN" -w '\n%{http_code}' \
    -d "$3" "${URL}api/v1/$2" 2>/dev/null) || return 1
  code=${body##*$'\n'}; body=${body%$'\n'*}
  [ "$code" = 201 ] || { echo "$1 answer $code: $body" >> "$TMP/unexpected"; return 1; }
}

# client ROUND N: posts a session, then a "pre" score naming it, again and
# again until the server is gone (at most 100 times); logs "session ID"
# and "observation ID" for each 201 in $TMP/acked.ROUND.N. Start times
# never repeat: slots of ten minutes from 2026-01-05, unique per round,
# client and try (up to 50 rounds stay before the fixed "now").
client() {
  local round=$1 n=$2 i=0 slot at code body sid
  local log="$TMP/acked.$round.$n"
  : > "$log"
  while [ $i -lt 100 ]; do
    slot=$(( (round * CLIENTS + n) * 100 + i ))
    at=$(date -u -d "2026-01-05T00:00:00Z + $((slot * 10)) minutes" +%Y-%m-%dT%H:%M:%SZ)
    api_post session "episodes/$episode/sessions" \
      "{\"start\":\"$at\",\"minutes\":10,\"phases\":$PHASES,\"subjective\":\"synthetic $round.$n.$i\"}" || return 0
    sid=$(jq -r .id <<<"$body")
    echo "session $sid" >> "$log"
    api_post score "episodes/$episode/observations" \
      "{\"instrument\":\"nprs\",\"timepoint\":\"pre\",\"session_id\":$sid,\"at\":\"$at\",\"value\":$(( i % 11 ))}" || return 0
    echo "observation $(jq -r .id <<<"$body")" >> "$log"
    i=$((i + 1))
  done
}

acked_total=0
for round in $(seq 1 "$KILLS"); do
  rm -f "$TMP/serve.out" # never the last server's address
  serve_start
  code=$(curl -sS -o "$TMP/login" -w '%{http_code}' -c "$TMP/jar" -H 'Content-Type: application/json' \
    -d "{\"email\":\"admin@clinic.example\",\"password\":\"$PASSWORD\"}" "${URL}api/v1/session") || true
  assert_eq "$code" 201 "login (round $round)"
  CSRF_TOKEN=$(jq -r .csrf_token "$TMP/login")
  CLIENT_PIDS=()
  for n in $(seq 1 $CLIENTS); do client "$round" "$n" & CLIENT_PIDS+=($!); done
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", 0.3 + r / 32767 * 1.5 }')"
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  for p in "${CLIENT_PIDS[@]}"; do wait "$p" || true; done
  CLIENT_PIDS=()
  [ ! -s "$TMP/unexpected" ] || fail "round $round: $(head -3 "$TMP/unexpected")"
  expect_ok ts check
  expect_ok ts audit verify
  # Every acknowledged id is there.
  cat "$TMP"/acked.$round.* > "$TMP/acked"
  while read -r what id; do
    case $what in
      session) [ "$(sql "SELECT count(*) FROM session WHERE id = $id")" = 1 ] || fail "round $round: acknowledged session $id lost" ;;
      observation) [ "$(sql "SELECT count(*) FROM observation WHERE id = $id")" = 1 ] || fail "round $round: acknowledged observation $id lost" ;;
    esac
  done < "$TMP/acked"
  acked_total=$((acked_total + $(wc -l < "$TMP/acked")))
  # Nothing half-written: every session has its three phases and its audit
  # entry, every score its session.
  assert_eq "$(sql "SELECT count(*) FROM session s WHERE (SELECT count(*) FROM session_phase p WHERE p.session_id = s.id) <> 3")" 0 "sessions without all their phases (round $round)"
  assert_eq "$(sql "SELECT count(*) FROM session s WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE a.record_type = 'session' AND a.record_id = s.id AND a.action = 'create')")" 0 "sessions without their audit entry (round $round)"
  assert_eq "$(sql "SELECT count(*) FROM observation o WHERE o.session_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM session s WHERE s.id = o.session_id)")" 0 "scores without their session (round $round)"
done
[ "$acked_total" -ge "$KILLS" ] || fail "only $acked_total writes acknowledged in $KILLS rounds"
echo "ok ($KILLS kills, $acked_total acknowledged writes all kept, $(sql "SELECT count(*) FROM session") sessions)"
