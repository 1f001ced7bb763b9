#!/usr/bin/env bash
# Logging in and out of the API: cookies, the session's CSRF token, idle
# and absolute expiry, identical refusals, throttling, disabled accounts.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

staff_clinic "Synthetic Web Clinic"

# Not logged in: 401 with a JSON error and every security header.
http GET /api/v1/session
expect_status 401
assert_eq "$(json 'this.error.code')" unauthorized
assert_eq "$(header Content-Type)" "application/json; charset=utf-8"
assert_eq "$(header Content-Security-Policy)" "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
assert_eq "$(header X-Content-Type-Options)" nosniff
assert_eq "$(header Referrer-Policy)" no-referrer
assert_eq "$(header X-Frame-Options)" DENY
assert_eq "$(header Cache-Control)" no-store

# Log in: a 64-hex-digit token in an HttpOnly, SameSite=Strict cookie
# (no Secure over plain HTTP), and only its SHA-256 in the database.
http POST /api/v1/session '{"email":"ADMIN@clinic.example","password":"correct horse battery"}'
expect_status 201
cookie=$(header Set-Cookie)
assert_contains "$cookie" '^ts_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict$'
token=$(sed -E 's/^ts_session=([0-9a-f]+);.*/\1/' <<<"$cookie")
assert_eq "$(json 'this.user.email')" admin@clinic.example
assert_eq "$(json 'this.user.role')" admin
assert_eq "$(json 'this.expires_at')" 2026-06-30T12:30:00Z
csrf=$(json 'this.csrf_token')
assert_contains "$csrf" '^[0-9a-f]{64}$'
stored=$(sql "SELECT token_hash FROM web_session")
assert_eq "$stored" "$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)" "stored hash"
[ "$(sql "SELECT count(*) FROM web_session WHERE token_hash = '$token'")" = 0 ] ||
  fail "the raw token is stored"
assert_eq "$(sql "SELECT action || ' ' || outcome FROM audit ORDER BY id DESC LIMIT 1")" "login ok"

# Over TLS the cookie is also Secure.
printf '%s\n' '{"email":"admin@clinic.example","password":"correct horse battery"}' > "$TMP/body"
printf 'POST /api/v1/session HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n' \
  "$(wc -c < "$TMP/body")" > "$TMP/tls-req"
cat "$TMP/body" >> "$TMP/tls-req"
"$TOUCHSTONE" test-http --tls < "$TMP/tls-req" > "$TMP/tls-resp"
assert_contains "$(grep -i '^Set-Cookie' "$TMP/tls-resp")" 'SameSite=Strict; Secure'

# The cookie identifies the session; GET tells who and returns the token.
COOKIE="ts_session=$token"
http GET /api/v1/session
expect_status 200
assert_eq "$(json 'this.user.email')" admin@clinic.example
assert_eq "$(json 'this.csrf_token')" "$csrf"

# A tampered or unknown token is not a session.
COOKIE="ts_session=${token%?}0"; [ "${token: -1}" = 0 ] && COOKIE="ts_session=${token%?}1"
http GET /api/v1/session
expect_status 401
COOKIE="ts_session=not-hex"
http GET /api/v1/session
expect_status 401

# Logout needs the CSRF token, then ends the session for good.
COOKIE="ts_session=$token"
http DELETE /api/v1/session
expect_status 403
assert_eq "$(json 'this.error.code')" csrf
CSRF=wrong-token
http DELETE /api/v1/session
expect_status 403
CSRF=$csrf
http DELETE /api/v1/session
expect_status 204
assert_contains "$(header Set-Cookie)" '^ts_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0'
http GET /api/v1/session
expect_status 401
CSRF=""

# Expiry: 30 minutes idle, 12 hours in all (TOUCHSTONE_NOW moves the clock).
login admin@clinic.example "$PASSWORD"
TOUCHSTONE_NOW=2026-06-30T12:29:59Z http GET /api/v1/session
expect_status 200
TOUCHSTONE_NOW=2026-06-30T12:59:58Z http GET /api/v1/session
expect_status 200
assert_eq "$(json 'this.expires_at')" 2026-06-30T13:29:58Z
TOUCHSTONE_NOW=2026-06-30T13:29:58Z http GET /api/v1/session
expect_status 401
assert_eq "$(json 'this.error.message')" "session expired; log in again"
assert_contains "$(header Set-Cookie)" 'Max-Age=0'
gone=$(printf '%s' "${COOKIE#ts_session=}" | sha256sum | cut -d' ' -f1)
[ "$(sql "SELECT count(*) FROM web_session WHERE token_hash = '$gone'")" = 0 ] ||
  fail "an expired session was kept"
# Absolute expiry, with the idle limit stretched by the environment.
export TOUCHSTONE_SESSION_IDLE_SECONDS=36000
login admin@clinic.example "$PASSWORD"
for t in 2026-06-30T20:00:00Z 2026-06-30T23:59:59Z 2026-07-01T00:00:00Z; do
  TOUCHSTONE_NOW=$t http GET /api/v1/session
  case $t in
    2026-07-01T00:00:00Z) expect_status 401 ;;
    *) expect_status 200 ;;
  esac
done
unset TOUCHSTONE_SESSION_IDLE_SECONDS
# A short idle limit from the environment.
export TOUCHSTONE_SESSION_IDLE_SECONDS=60
login admin@clinic.example "$PASSWORD"
assert_eq "$(json 'this.expires_at')" 2026-06-30T12:01:00Z
TOUCHSTONE_NOW=2026-06-30T12:01:00Z http GET /api/v1/session
expect_status 401
unset TOUCHSTONE_SESSION_IDLE_SECONDS

# Refusals are identical whether or not the account exists.
logout_local
http POST /api/v1/session '{"email":"admin@clinic.example","password":"wrong password here"}'
expect_status 401
wrong_pw=$OUT
http POST /api/v1/session '{"email":"nobody@clinic.example","password":"wrong password here"}'
expect_status 401
assert_eq "$OUT" "$wrong_pw" "refusal for an unknown account"
assert_eq "$(json 'this.error.message')" "unknown email or wrong password"
[ -z "$(header Set-Cookie)" ] || fail "a refused login set a cookie"

# Malformed login bodies name the field.
http POST /api/v1/session '{"email":"admin@clinic.example"}'
expect_error 422 password
http POST /api/v1/session '{"email":"admin@clinic.example","password":12}'
expect_error 422 password
http POST /api/v1/session '{"email":"admin@clinic.example","password":"x","remember":true}'
expect_error 422 remember "unknown field"

# A disabled account cannot log in, and its sessions end.
login researcher@clinic.example "$PASSWORD"
expect_ok ts user disable researcher@clinic.example
http GET /api/v1/session
expect_status 401
logout_local
http POST /api/v1/session "{\"email\":\"researcher@clinic.example\",\"password\":\"$PASSWORD\"}"
expect_status 401
assert_eq "$OUT" "$wrong_pw" "refusal for a disabled account"

# A new password ends the sessions too.
login admin@clinic.example "$PASSWORD"
printf 'another long password\n' > "$TMP/pw2"
expect_ok ts user passwd admin@clinic.example --password-file "$TMP/pw2"
http GET /api/v1/session
expect_status 401
login admin@clinic.example "another long password"
