#!/usr/bin/env bash
# Failed logins are throttled per account (5 in 15 minutes) and per client
# address (10 in 15 minutes), alike for existing and unknown accounts.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

expect_ok ts init --clinic "Synthetic Web Clinic"
add_user therapist@clinic.example admin
bad='{"email":"therapist@clinic.example","password":"not the password"}'
good="{\"email\":\"therapist@clinic.example\",\"password\":\"$PASSWORD\"}"

for i in 1 2 3 4 5; do
  http POST /api/v1/session "$bad"
  expect_status 401
done
# The sixth attempt is refused before the password is looked at, even the
# right one, from any address.
CLIENT=192.0.2.7
http POST /api/v1/session "$good"
expect_status 429
assert_eq "$(json 'this.error.code')" too_many_requests
assert_eq "$(header Retry-After)" 900
[ -z "$(header Set-Cookie)" ] || fail "a throttled login set a cookie"
assert_eq "$(sql "SELECT outcome FROM audit ORDER BY id DESC LIMIT 1")" throttled
# An unknown account is throttled the same way.
for i in 1 2 3 4 5; do
  http POST /api/v1/session '{"email":"ghost@clinic.example","password":"not the password"}'
  expect_status 401
done
http POST /api/v1/session '{"email":"ghost@clinic.example","password":"not the password"}'
expect_status 429

# Fifteen minutes after the first failure the account may try again.
TOUCHSTONE_NOW=2026-06-30T12:14:59Z http POST /api/v1/session "$good"
expect_status 429
assert_eq "$(header Retry-After)" 1
TOUCHSTONE_NOW=2026-06-30T12:15:00Z http POST /api/v1/session "$good"
expect_status 201
# A success clears the account's failures.
assert_eq "$(sql "SELECT count(*) FROM login_failure WHERE email = 'therapist@clinic.example'")" 0

# Per client: ten failures on different accounts from one address.
export TOUCHSTONE_NOW=2026-06-30T13:00:00Z
CLIENT=198.51.100.9
for i in $(seq 1 10); do
  http POST /api/v1/session "{\"email\":\"user$i@clinic.example\",\"password\":\"not the password\"}"
  expect_status 401
done
http POST /api/v1/session "$good"
expect_status 429
# Another address is not affected.
CLIENT=198.51.100.10
http POST /api/v1/session "$good"
expect_status 201

# The counters are kept in the database, so every server thread (and
# test-http process) sees them; they hold no password.
[ "$(sql "SELECT count(*) FROM login_failure WHERE client = '198.51.100.9'")" = 10 ] ||
  fail "failures per client not counted"
sql "SELECT * FROM login_failure" | grep -q "not the password" && fail "a password was stored"
expect_ok ts audit verify
