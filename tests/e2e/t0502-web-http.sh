#!/usr/bin/env bash
# The HTTP layer through test-http: malformed requests, routing (404, 405),
# bodies (415, 400, 413), strict JSON and query parameters. Every refusal
# changes nothing.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

expect_ok ts init --clinic "Synthetic Web Clinic"
add_user admin@clinic.example admin
login admin@clinic.example "$PASSWORD"
before=$(db_digest)

raw() { printf "$1" > "$TMP/raw"; http_raw "$TMP/raw"; }

# Malformed requests.
raw 'GARBAGE\r\n\r\n'
expect_status 400
assert_eq "$(json 'this.error.code')" bad_request
raw 'GET /api/v1/session HTTP/2.0\r\n\r\n'
expect_status 400
raw 'GET api/v1/session HTTP/1.1\r\n\r\n'
expect_status 400
raw 'GET /api/v1/%%zz HTTP/1.1\r\n\r\n'
expect_status 400
raw 'GET /api/v1/%%00 HTTP/1.1\r\n\r\n'
expect_status 400
raw 'GET /api/v1/session HTTP/1.1\r\nno colon here\r\n\r\n'
expect_status 400
raw 'GET /api/v1/session HTTP/1.1\r\nHost: x\r\n'
expect_status 400
raw 'POST /api/v1/patients HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
expect_status 501
raw 'POST /api/v1/patients HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{}'
expect_status 411
raw 'POST /api/v1/patients HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n{}   '
expect_status 400
raw 'POST /api/v1/patients HTTP/1.1\r\nContent-Length: 10\r\n\r\n{}'
expect_status 400
raw 'POST /api/v1/patients HTTP/1.1\r\nContent-Length: -1\r\n\r\n'
expect_status 400
assert_contains "$(header Content-Security-Policy)" "default-src 'self'"

# Routing: unknown paths 404 (JSON under /api/, HTML elsewhere), wrong
# methods 405 with Allow, ids must be positive whole numbers.
http GET /api/v1/nothing
expect_status 404
assert_eq "$(json 'this.error.code')" not_found
assert_eq "$(json 'this.error.field')" null
http GET /nothing-here
expect_status 404
assert_contains "$(header Content-Type)" '^text/html'
assert_contains "$OUT" '<h1>404 Not Found</h1>'
for path in /api/v1/patients/0 /api/v1/patients/abc /api/v1/patients/01 /api/v1/patients/-1 \
            /api/v1/patients/1/ /api/v1/patients/1234567890123456; do
  http GET "$path"
  expect_status 404
done
http PUT /api/v1/patients '{}'
expect_status 405
assert_eq "$(header Allow)" "GET, HEAD, POST"
assert_eq "$(json 'this.error.code')" method_not_allowed
http DELETE /api/v1/episodes/1/close
expect_status 405
assert_eq "$(header Allow)" "POST"
http HEAD /api/v1/session
expect_status 200
[ -z "$OUT" ] || fail "HEAD returned a body"

# Bodies: JSON only, well formed, an object, no duplicate keys, under 1 MiB.
http POST /api/v1/patients 'name=x' 'Content-Type: application/x-www-form-urlencoded'
expect_status 415
assert_eq "$(json 'this.error.code')" unsupported_media_type
http POST /api/v1/patients '{"name":"x"}' 'Content-Type: text/plain'
expect_status 415
http POST /api/v1/patients '{"name": "Synthetic Patient",'
expect_status 400
assert_eq "$(json 'this.error.code')" malformed_json
assert_contains "$(json 'this.error.message')" 'line 1, column'
http POST /api/v1/patients '{"name":"A","name":"B","dob":"1980-01-01","sex":"female"}'
expect_status 400
assert_contains "$(json 'this.error.message')" 'duplicate'
http POST /api/v1/patients '["not", "an", "object"]'
expect_status 400
http POST /api/v1/patients '{"name":"Synthetic Patient","dob":"1980-01-01","sex":"female","ssn":"000"}'
expect_error 422 ssn "unknown field"
http POST /api/v1/patients '{"name":42,"dob":"1980-01-01","sex":"female"}'
expect_error 422 name "must be a string"
http POST /api/v1/patients '{"name":"Synthetic Patient","dob":"1980-01-01","sex":"female","consent_research":"yes"}'
expect_error 422 consent_research
http POST /api/v1/patients '{"name":"Synthetic Patient","sex":"female"}'
expect_error 422 dob missing
http POST /api/v1/patients '{"name":"Synthetic Patient","dob":"1980-02-30","sex":"female"}'
expect_error 422 dob
http POST /api/v1/patients '{"name":"Synthetic\u0000Patient","dob":"1980-01-01","sex":"female"}'
expect_status 400
http DELETE /api/v1/session '{}'
expect_status 415

# 413 past 1 MiB, whether the body is there or only announced.
head -c 1048577 /dev/zero | tr '\0' ' ' > "$TMP/big"
{ printf 'POST /api/v1/patients HTTP/1.1\r\nCookie: %s\r\nX-CSRF-Token: %s\r\nContent-Type: application/json\r\nContent-Length: 1048577\r\n\r\n' "$COOKIE" "$CSRF"
  cat "$TMP/big"; } > "$TMP/raw"
http_raw "$TMP/raw"
expect_status 413
assert_eq "$(json 'this.error.code')" payload_too_large
raw 'POST /api/v1/patients HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n'
expect_status 413
# Exactly 1 MiB of white space around an object is accepted as a body
# (and refused for its missing fields, not its size).
{ printf '{}'; head -c 1048574 /dev/zero | tr '\0' ' '; } > "$TMP/max"
{ printf 'POST /api/v1/patients HTTP/1.1\r\nCookie: %s\r\nX-CSRF-Token: %s\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n' "$COOKIE" "$CSRF" "$(wc -c < "$TMP/max")"
  cat "$TMP/max"; } > "$TMP/raw"
http_raw "$TMP/raw"
expect_status 422

# Query parameters: known ones only, well formed, once.
http GET '/api/v1/patients?color=blue'
expect_error 422 color
http GET '/api/v1/patients?page=0'
expect_error 422 page
http GET '/api/v1/patients?per_page=201'
expect_error 422 per_page
http GET '/api/v1/patients?page=1&page=2'
expect_status 422
http GET '/api/v1/patients?search=%zz'
expect_status 400
http GET '/api/v1/patients?search=Synthetic+Patient&page=1&per_page=10'
expect_status 200
assert_eq "$(json 'this.total')" 0
assert_eq "$(json 'this.per_page')" 10

# CSRF: a cookie alone cannot write.
saved=$CSRF; CSRF=""
http POST /api/v1/patients '{"name":"Synthetic Patient","dob":"1980-01-01","sex":"female"}'
expect_status 403
assert_eq "$(json 'this.error.code')" csrf
CSRF=$saved

assert_eq "$(db_digest)" "$before" "database after refused requests"
