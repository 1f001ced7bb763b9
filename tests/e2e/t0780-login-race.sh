#!/usr/bin/env bash
# Login throttling holds under a race: 64 wrong passwords for one account,
# sent at once to a server with 64 threads, get at most 5 real password
# checks (the documented limit). Each real check leaves a "denied" entry in
# the audit log; the others are refused as "throttled" before the password
# is looked at.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

expect_ok ts init --clinic "Synthetic Race Clinic"
add_user race@clinic.example admin
serve_start --threads 64
trap 'kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$TMP"' EXIT

bad='{"email":"race@clinic.example","password":"not the password"}'
printf '%s\n' "$bad" > "$TMP/bad.json"
# 64 requests at once, each on a connection of its own.
seq 1 64 | xargs -P 64 -I{} curl -sS -o /dev/null -w '%{http_code}\n' \
  --max-time 60 -H 'Content-Type: application/json' \
  --data-binary @"$TMP/bad.json" "${URL}api/v1/session" > "$TMP/codes"
serve_stop

assert_eq "$(wc -l < "$TMP/codes" | tr -d ' ')" 64 "answers"
n401=$(grep -c '^401$' "$TMP/codes" || true)
n429=$(grep -c '^429$' "$TMP/codes" || true)
assert_eq "$((n401 + n429))" 64 "answers that are 401 or 429 ($(sort "$TMP/codes" | uniq -c | tr '\n' ' '))"
denied=$(sql "SELECT count(*) FROM audit WHERE action = 'login' AND outcome = 'denied'")
throttled=$(sql "SELECT count(*) FROM audit WHERE action = 'login' AND outcome = 'throttled'")
[ "$denied" -le 5 ] || fail "$denied real password checks, the limit is 5"
[ "$denied" -ge 1 ] || fail "no password was checked at all"
assert_eq "$denied" "$n401" "denied entries against 401 answers"
assert_eq "$((denied + throttled))" 64 "login entries in the audit log"
# The failures counted for the account are the real checks only.
assert_eq "$(sql "SELECT count(*) FROM login_failure WHERE email = 'race@clinic.example'")" "$denied" "failures counted"

# The right password is refused too while the account is throttled, and a
# success after the window clears the count.
good="{\"email\":\"race@clinic.example\",\"password\":\"$PASSWORD\"}"
if [ "$denied" -eq 5 ]; then
  http POST /api/v1/session "$good"
  expect_status 429
fi
TOUCHSTONE_NOW=2026-06-30T12:15:00Z http POST /api/v1/session "$good"
expect_status 201
assert_eq "$(sql "SELECT count(*) FROM login_failure WHERE email = 'race@clinic.example'")" 0
expect_ok ts audit verify
echo "ok: 64 parallel wrong passwords, $denied real checks, $throttled throttled"
