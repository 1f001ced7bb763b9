# Helpers for the web tests (t05xx), sourced after lib.sh. Requests go
# through `touchstone test-http` (one raw request on stdin, the raw
# response on stdout) or, with serve_start, to a real server by curl.
#
# http METHOD PATH [BODY] [HEADER...]: sends one request as the current
# login ($COOKIE, $CSRF_HEADER) and sets STATUS, HEADERS and OUT (the body).
# A BODY is sent as application/json unless a Content-Type header is given.
COOKIE=""
CSRF=""
CLIENT=127.0.0.1

http() {
  local method=$1 path=$2 body=${3-} ; shift 2; [ $# -gt 0 ] && shift
  local req="$TMP/request" type_given=0 h
  for h in "$@"; do case "${h,,}" in content-type:*) type_given=1 ;; esac; done
  {
    printf '%s %s HTTP/1.1\r\nHost: test\r\n' "$method" "$path"
    [ -n "$COOKIE" ] && printf 'Cookie: %s\r\n' "$COOKIE"
    [ -n "$CSRF" ] && printf 'X-CSRF-Token: %s\r\n' "$CSRF"
    for h in "$@"; do printf '%s\r\n' "$h"; done
    if [ -n "$body" ]; then
      [ $type_given = 1 ] || printf 'Content-Type: application/json\r\n'
      printf 'Content-Length: %s\r\n' "$(printf '%s' "$body" | wc -c)"
    fi
    printf '\r\n'
    printf '%s' "$body"
  } > "$req"
  http_raw "$req"
}

# http_raw FILE: sends a raw request file as it is.
http_raw() {
  "$TOUCHSTONE" test-http --client "$CLIENT" < "$1" > "$TMP/response" ||
    fail "test-http failed on $(head -1 "$1")"
  STATUS=$(head -1 "$TMP/response" | cut -d' ' -f2)
  HEADERS=$(sed -n '1,/^\r$/p' "$TMP/response" | tr -d '\r')
  OUT=$(sed '1,/^\r$/d' "$TMP/response")
}

# expect_status CODE: the last response had this status.
expect_status() {
  [ "$STATUS" = "$1" ] || fail "expected HTTP $1, got $STATUS: $OUT"
}

# expect_error CODE FIELD [MESSAGE]: the last response had this status and
# a JSON error naming FIELD (and saying MESSAGE).
expect_error() {
  expect_status "$1"
  assert_eq "$(json 'this.error.field')" "$2" "error field"
  [ $# -lt 3 ] || assert_eq "$(json 'this.error.message')" "$3" "error message"
}

# header NAME: a header of the last response (first one, name case ignored).
header() {
  grep -i "^$1:" <<<"$HEADERS" | head -1 | sed -E 's/^[^:]*: ?//'
}

# login EMAIL PASSWORD: logs in through the API; sets COOKIE and CSRF.
login() {
  COOKIE=""; CSRF=""
  http POST /api/v1/session "{\"email\":\"$1\",\"password\":\"$2\"}"
  expect_status 201
  COOKIE=$(header Set-Cookie | sed -E 's/;.*//')
  CSRF=$(json 'this.csrf_token')
}

logout_local() { COOKIE=""; CSRF=""; }

# add_user EMAIL ROLE [PRACTITIONER]: a login with the password "$PASSWORD".
PASSWORD="correct horse battery"
add_user() {
  printf '%s\n' "$PASSWORD" > "$TMP/pw"
  local extra=()
  [ -n "${3-}" ] && extra=(--practitioner "$3")
  expect_ok ts user add --email "$1" --role "$2" --password-file "$TMP/pw" "${extra[@]}"
}

# login_as NAME EMAIL PASSWORD: logs in through the API with a cookie jar
# of its own, kept in jar[NAME], and its CSRF token in csrf[NAME] (the
# caller declares: declare -A jar csrf).
login_as() {
  jar[$1]="$TMP/jar.$1"
  local code
  code=$(curl -sS -o "$TMP/body" -w '%{http_code}' -c "${jar[$1]}" \
    -H 'Content-Type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"$3\"}" "${URL}api/v1/session")
  assert_eq "$code" 201 "login of $1"
  OUT=$(cat "$TMP/body"); csrf[$1]=$(json 'this.csrf_token')
}

# demo_clinic NAME: a new clinic NAME with the demo's records (seed 42)
# and one more therapist login, therapist-b@demo.example ("$PASSWORD"),
# for practitioner 2.
demo_clinic() {
  expect_ok ts init --clinic "$1"
  expect_ok ts demo --seed 42
  add_user therapist-b@demo.example therapist 2
}

# staff_clinic NAME: a new clinic NAME with two logins ("$PASSWORD"):
# admin@clinic.example (admin) and researcher@clinic.example (researcher).
staff_clinic() {
  expect_ok ts init --clinic "$1"
  add_user admin@clinic.example admin
  add_user researcher@clinic.example researcher
}

# two_therapists_clinic NAME: a new clinic NAME with therapists P1 and P2,
# each trained in low-back-pain, patients PA and PB referred (RA, RB) for
# low back pain, and "$TMP/screen.json", a screen without red flags.
two_therapists_clinic() {
  expect_ok ts init --clinic "$1"
  expect_ok ts practitioner add --name "Synthetic Therapist A" --license LMT-A1 --credentials LMT; P1=$OUT
  expect_ok ts practitioner add --name "Synthetic Therapist B" --license LMT-B2 --credentials LMT; P2=$OUT
  local p
  for p in $P1 $P2; do
    train_lbp "$p" 2020-01-10 24 2021-03-01
  done
  expect_ok ts patient add --name "Synthetic Patient Alpha" --dob 1970-02-03 --sex female; PA=$OUT
  expect_ok ts patient add --name "Synthetic Patient Beta" --dob 1982-07-08 --sex male; PB=$OUT
  expect_ok ts referral add --patient "$PA" --physician "Synthetic Physician" --specialty "Family medicine" --reason "Low back pain" --icd10 M54.50 --date 2026-05-20; RA=$OUT
  expect_ok ts referral add --patient "$PB" --physician "Synthetic Physician" --specialty "Family medicine" --reason "Low back pain" --icd10 M54.50 --date 2026-05-21; RB=$OUT
  screen_file low-back-pain "$TMP/screen.json"
}

# login_demo_roles: admin, therapist, therapist-b and researcher of
# demo_clinic logged in on the running server by login_as (the caller
# declares: declare -A jar csrf).
login_demo_roles() {
  login_as admin admin@demo.example touchstone-demo
  login_as therapist therapist@demo.example touchstone-demo
  login_as therapist-b therapist-b@demo.example "$PASSWORD"
  login_as researcher researcher@demo.example touchstone-demo
}

# serve_start: starts `touchstone serve` on a free loopback port in the
# background; sets URL and SERVER_PID. serve_stop sends SIGTERM and
# checks a clean exit.
serve_start() {
  rm -f "$TMP/serve.out"   # not the last server's address (see registry_start)
  "$TOUCHSTONE" serve --listen 127.0.0.1:0 "$@" > "$TMP/serve.out" 2> "$TMP/serve.err" &
  SERVER_PID=$!
  local i
  for i in $(seq 1 100); do
    URL=$(sed -n 's/^listening on //p' "$TMP/serve.out" 2>/dev/null || true)
    [ -n "$URL" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || fail "serve exited: $(cat "$TMP/serve.err")"
    sleep 0.1
  done
  fail "serve did not start: $(cat "$TMP/serve.err")"
}

serve_stop() {
  kill -TERM "$SERVER_PID"
  local rc=0
  wait "$SERVER_PID" || rc=$?
  [ $rc -eq 0 ] || fail "serve exited $rc after SIGTERM: $(tail -5 "$TMP/serve.err")"
  grep -q 'serve: stopped' "$TMP/serve.err" || fail "serve did not stop cleanly"
}

# no_flags PROTOCOL [ANSWER]: the protocol's red-flag screen as a JSON
# object with every question answered ANSWER (default false), from the
# catalog. screen_file PROTOCOL FILE: the same as a --screen file ("no").
no_flags() {
  local answer=${2:-false}
  OUT=$("$TOUCHSTONE" catalog show "$1" --json) || fail "no protocol $1"
  json "JSON.stringify(Object.fromEntries(this.red_flags.map(f => [f.id, $answer])))"
}
screen_file() { no_flags "$1" '"no"' > "$2"; }

# answer_clinic NAME: a new clinic NAME with practitioner 1, "Ada
# Canarytherapist" (MA-1), trained for low-back-pain (train_lbp), and in
# $TMP/clear.json the low-back-pain screen with every answer "no".
answer_clinic() {
  expect_ok ts init --clinic "$1"
  expect_ok ts practitioner add --name "Ada Canarytherapist" --license MA-1 --credentials LMT
  train_lbp 1 2020-01-01 32 2021-01-01
  screen_file low-back-pain "$TMP/clear.json"
}

# report_is_current FILE WHAT: FILE, a practitioner report served by the
# running server (practitioner $P), equals the command line's document
# for the database as it is now (the command line's read is audited too);
# fails naming WHAT otherwise.
report_is_current() {
  "$TOUCHSTONE" --json report practitioner "$P" >"$TMP/cli.json"
  node -e 'const fs = require("fs");
    const [a, b] = [1, 2].map(i => JSON.stringify(JSON.parse(fs.readFileSync(process.argv[i], "utf8"))));
    if (a !== b) { console.log("served and computed differ"); process.exit(1); }' \
    "$1" "$TMP/cli.json" || fail "$2: the served report is not the current one"
}
