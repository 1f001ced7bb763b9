#!/usr/bin/env bash
# A real server on a loopback port: login by curl, cookies, parallel
# requests, the access log (no query, no cookie, no body), 413 on the
# socket, and a clean stop on SIGTERM and on SIGINT.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

expect_ok ts init --clinic "Synthetic Web Clinic"
add_user admin@clinic.example admin

# Refused before it starts: a bad address, a missing database.
expect_refused 2 "serve: listen: 'nonsense' is not HOST:PORT" ts serve --listen nonsense
expect_refused 2 "serve: threads:" ts serve --threads 0
expect_refused 1 "no database at" ts --db "$TMP/none.db" serve --listen 127.0.0.1:0
expect_ok ts serve --help
assert_contains "$OUT" "usage: touchstone serve"

serve_start --threads 3
assert_contains "$URL" '^http://127\.0\.0\.1:[0-9]+/$'
jar="$TMP/jar"
c() { curl -sS -o "$TMP/body" -w '%{http_code}' -b "$jar" -c "$jar" "$@"; }

code=$(c -H 'Content-Type: application/json' \
  -d "{\"email\":\"admin@clinic.example\",\"password\":\"$PASSWORD\"}" "${URL}api/v1/session")
assert_eq "$code" 201
OUT=$(cat "$TMP/body"); csrf=$(json 'this.csrf_token')
grep -q 'ts_session' "$jar" || fail "no session cookie in the jar"
assert_eq "$(c "${URL}api/v1/session")" 200
assert_eq "$(c "${URL}api/v1/patients?search=secret-name")" 200
code=$(c -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
  -d '{"name":"Synthetic Served Patient","dob":"1975-05-05","sex":"male"}' "${URL}api/v1/patients")
assert_eq "$code" 201
OUT=$(cat "$TMP/body"); id=$(json 'this.id')
assert_eq "$(c "${URL}api/v1/patients/$id")" 200
OUT=$(cat "$TMP/body"); assert_eq "$(json 'this.name')" "Synthetic Served Patient"
assert_eq "$(c "${URL}api/v1/patients/999")" 404
assert_eq "$(c -X PUT "${URL}api/v1/patients")" 405
# Headers on the socket.
curl -sS -D "$TMP/headers" -o /dev/null -b "$jar" "${URL}api/v1/session"
grep -qi "^Content-Security-Policy: default-src 'self'" "$TMP/headers" || fail "no CSP on the socket"
grep -qi '^Cache-Control: no-store' "$TMP/headers" || fail "no Cache-Control on the socket"
# The HTML login page and an asset.
assert_eq "$(curl -sS -o "$TMP/page" -w '%{http_code}' "${URL}login")" 200
grep -q '<form class="login" method="post" action="/login">' "$TMP/page" || fail "no login form"
assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "${URL}assets/style.css")" 200

# 413 past 1 MiB on the socket, announced or streamed (chunked).
head -c 1100000 /dev/zero | tr '\0' 'x' > "$TMP/big"
assert_eq "$(c -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" --data-binary @"$TMP/big" "${URL}api/v1/patients")" 413
assert_eq "$(c -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big" "${URL}api/v1/patients")" 413

# Parallel requests on several workers.
for i in $(seq 1 12); do
  curl -sS -o /dev/null -w '%{http_code}\n' -b "$jar" "${URL}api/v1/patients/$id" > "$TMP/par.$i" &
done
wait $(jobs -p | grep -v "^$SERVER_PID$") 2>/dev/null || true
for i in $(seq 1 12); do assert_eq "$(cat "$TMP/par.$i")" 200 "parallel request $i"; done

serve_stop
# The access log: one line per request, path without the query, never a
# cookie, a token or a body.
log=$(cat "$TMP/serve.err")
assert_contains "$log" '^[0-9T:-]+Z 127\.0\.0\.1 "POST /api/v1/session" 201 '
assert_contains "$log" '"GET /api/v1/patients" 200 '
grep -q 'secret-name' <<<"$log" && fail "the query string was logged"
grep -q "$csrf" <<<"$log" && fail "a token was logged"
grep -q 'Synthetic Served Patient' <<<"$log" && fail "a body was logged"
grep -q 'ts_session' <<<"$log" && fail "a cookie was logged"
# The database is whole after the stop.
expect_ok ts check
expect_ok ts audit verify

# SIGINT stops it as cleanly, while a slow client is connected.
serve_start
exec 3<>/dev/tcp/127.0.0.1/"$(sed -E 's/.*:([0-9]+)\/$/\1/' <<<"$URL")"
printf 'GET /api/v1/session HTTP/1.1\r\nHost: x\r\n' >&3
kill -INT "$SERVER_PID"
rc=0; wait "$SERVER_PID" || rc=$?
exec 3>&-
assert_eq "$rc" 0 "exit status after SIGINT"
grep -q 'SIGINT received, stopping' "$TMP/serve.err" || fail "no stop message"
grep -q 'serve: stopped' "$TMP/serve.err" || fail "did not stop cleanly"

# SIGTERM while a request is in flight (its head sent, its body not yet):
# the server stops accepting, answers it, then exits.
serve_start
port=$(sed -E 's/.*:([0-9]+)\/$/\1/' <<<"$URL")
sockets() { ls -l /proc/"$SERVER_PID"/fd 2>/dev/null | grep -c 'socket:'; }
before=$(sockets)
exec 3<>/dev/tcp/127.0.0.1/"$port"
printf 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n' >&3
# Wait until the server holds the connection (however loaded the machine),
# then give it a moment to read the head.
for _ in $(seq 200); do [ "$(sockets)" -gt "$before" ] && break; sleep 0.05; done
[ "$(sockets)" -gt "$before" ] || fail "the server never accepted the connection"
sleep 0.5
kill -TERM "$SERVER_PID"
sleep 0.5
kill -0 "$SERVER_PID" 2>/dev/null || fail "the server quit with a request in flight"
# New connections are refused meanwhile.
curl -sS -m 2 -o /dev/null "${URL}api/v1/session" 2>/dev/null && fail "accepted a new connection while stopping"
printf '{}' >&3
reply=$(cat <&3)
exec 3>&-
assert_contains "$reply" '^HTTP/1.1 422'
rc=0; wait "$SERVER_PID" || rc=$?
assert_eq "$rc" 0 "exit status after SIGTERM with a request in flight"
grep -q 'serve: stopped' "$TMP/serve.err" || fail "did not stop cleanly"

# Behind a TLS proxy: --secure-cookies marks the session cookie Secure.
serve_start --secure-cookies
curl -sS -D "$TMP/headers" -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"email\":\"admin@clinic.example\",\"password\":\"$PASSWORD\"}" "${URL}api/v1/session"
grep -qi '^Set-Cookie: ts_session=[0-9a-f]*; Path=/; HttpOnly; SameSite=Strict; Secure' "$TMP/headers" ||
  fail "no Secure cookie with --secure-cookies: $(cat "$TMP/headers")"
serve_stop
