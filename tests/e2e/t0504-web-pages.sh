#!/usr/bin/env bash
# The HTML foundation: the login form with its pre-session CSRF token, the
# home page per role, logout, expired sessions, error pages, assets.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

staff_clinic "Synthetic Web Clinic"
form='Content-Type: application/x-www-form-urlencoded'

# Not logged in: the home page sends to the login page.
http GET /
expect_status 303
assert_eq "$(header Location)" /login

# The login page sets a pre-session token and puts it in the form.
http GET /login
expect_status 200
assert_eq "$(header Content-Type)" "text/html; charset=utf-8"
assert_contains "$(header Content-Security-Policy)" "script-src 'self'"
cookie=$(header Set-Cookie)
assert_contains "$cookie" '^ts_login=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict$'
token=$(sed -E 's/^ts_login=([0-9a-f]+);.*/\1/' <<<"$cookie")
assert_contains "$OUT" "<input type=\"hidden\" name=\"csrf\" value=\"$token\">"
assert_contains "$OUT" '<link rel="stylesheet" href="/assets/style.css">'
grep -qi '<script\|style=' <<<"$OUT" && fail "inline script or style in the page"

# Without the token (a cross-site form), the login is refused.
http POST /login "email=admin%40clinic.example&password=correct+horse+battery" "$form"
expect_status 403
assert_contains "$(header Content-Type)" '^text/html'
COOKIE="ts_login=$token"
http POST /login "email=admin%40clinic.example&password=correct+horse+battery&csrf=${token%?}x" "$form"
expect_status 403
# A JSON body to a form route is refused.
http POST /login '{"email":"admin@clinic.example"}'
expect_status 415

# A wrong password shows the form again with the message, escaped email.
http POST /login "email=a%3Cb%3E%40clinic.example&password=nope+nope+nope&csrf=$token" "$form"
expect_status 401
assert_contains "$OUT" 'Unknown email or wrong password.'
assert_contains "$OUT" 'value="a&lt;b&gt;@clinic.example"'
grep -q '<b>' <<<"$OUT" && fail "unescaped input in the page"

# The right password: a session cookie, the login token cleared, to /.
http POST /login "email=admin%40clinic.example&password=correct+horse+battery&csrf=$token" "$form"
expect_status 303
assert_eq "$(header Location)" /
assert_contains "$HEADERS" 'Set-Cookie: ts_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict'
assert_contains "$HEADERS" 'Set-Cookie: ts_login=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0'
session=$(grep -i '^Set-Cookie: ts_session=' <<<"$HEADERS" | sed -E 's/^Set-Cookie: (ts_session=[0-9a-f]+);.*/\1/')
COOKIE=$session

# The home page says who is logged in and what the role can do, and has a
# logout form carrying the session's CSRF token.
http GET /
expect_status 200
assert_contains "$OUT" '<h1>Welcome, admin@clinic.example</h1>'
assert_contains "$OUT" 'Manage practitioners and their training records'
assert_contains "$OUT" '<form class="logout" method="post" action="/logout">'
csrf=$(sed -nE 's/.*name="csrf" value="([0-9a-f]{64})".*/\1/p' <<<"$OUT" | head -1)
assert_eq "$(sql "SELECT csrf_token FROM web_session")" "$csrf" "CSRF token in the page"
# Logged in, the login page sends home.
http GET /login
expect_status 303
assert_eq "$(header Location)" /

# Logout: refused without the token, done with it.
http POST /logout "" "$form"
expect_status 403
http POST /logout "csrf=0000" "$form"
expect_status 403
http POST /logout "csrf=$csrf" "$form"
expect_status 303
assert_eq "$(header Location)" /login
http GET /
expect_status 303

# The researcher's home page lists aggregates only.
logout_local
login researcher@clinic.example "$PASSWORD"
CSRF=""
http GET /
expect_status 200
assert_contains "$OUT" 'de-identified aggregates'
grep -q 'Record intake' <<<"$OUT" && fail "the researcher is offered patient records"

# An expired session: sent to the login page, which says so.
TOUCHSTONE_NOW=2026-06-30T14:00:00Z http GET /
expect_status 303
assert_eq "$(header Location)" '/login?expired=1'
logout_local
http GET '/login?expired=1'
assert_contains "$OUT" 'Your session has expired'

# Error pages are HTML outside the API.
http GET /no/such/page
expect_status 404
assert_contains "$OUT" '<h1>404 Not Found</h1>'
assert_contains "$OUT" '<a href="/">Back to the start page</a>'
http DELETE /login
expect_status 405
assert_eq "$(header Allow)" "GET, HEAD, POST"

# Assets: embedded, cacheable, typed; unknown ones 404.
http GET /assets/style.css
expect_status 200
assert_eq "$(header Content-Type)" "text/css; charset=utf-8"
assert_eq "$(header Cache-Control)" "public, max-age=3600"
assert_eq "$(printf '%s\n' "$OUT" | head -1)" "$(head -1 "$here/../../src/web/assets/style.css")"
http GET /assets/nothing.css
expect_status 404
http GET /assets/..%2Fweb.c
expect_status 404
