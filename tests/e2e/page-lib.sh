# Helpers for the tests of the HTML pages (t06xx), sourced after lib.sh and
# web-lib.sh. Pages are driven as a browser without JavaScript would: the
# login form, then forms that carry the session's CSRF token in a hidden
# field (no X-CSRF-Token header).
FORM='Content-Type: application/x-www-form-urlencoded'
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)

# page_login EMAIL [PASSWORD]: logs in through /login; sets COOKIE and
# FORM_CSRF (the token of the page's forms), leaves CSRF empty.
page_login() {
  COOKIE=""; CSRF=""
  http GET /login
  expect_status 200
  local token; token=$(header Set-Cookie | sed -E 's/^ts_login=([0-9a-f]+);.*/\1/')
  COOKIE="ts_login=$token"
  http POST /login "email=$(enc "$1")&password=$(enc "${2:-$PASSWORD}")&csrf=$token" "$FORM"
  expect_status 303
  COOKIE=$(grep -i '^Set-Cookie: ts_session=' <<<"$HEADERS" | sed -E 's/^Set-Cookie: (ts_session=[0-9a-f]+);.*/\1/')
  http GET /
  expect_status 200
  FORM_CSRF=$(sed -nE 's/.*name="csrf" value="([0-9a-f]{64})".*/\1/p' <<<"$OUT" | head -1)
  [ -n "$FORM_CSRF" ] || fail "no CSRF token in the home page"
}

# enc TEXT: TEXT percent-encoded for a form or query.
enc() {
  node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' -- "$1"
}

# post PATH BODY: submits a form with the session's token.
post() {
  http POST "$1" "csrf=$FORM_CSRF${2:+&$2}" "$FORM"
}

# valid_html [WHAT]: the last response's body passes tests/tools/htmlcheck.js.
valid_html() {
  printf '%s\n' "$OUT" > "$TMP/page.html"
  local problems
  problems=$(node "$TOOLS/htmlcheck.js" "$TMP/page.html") ||
    fail "invalid HTML in ${1:-the page}: $problems"
}

# page PATH [STATUS]: GET PATH, expect STATUS (200), check the HTML.
page() {
  http GET "$1"
  expect_status "${2:-200}"
  assert_contains "$(header Content-Type)" '^text/html; charset=utf-8$'
  valid_html "$1"
}

# expect_location PATTERN: the last response redirected (303) to a
# location matching PATTERN.
expect_location() {
  expect_status 303
  assert_contains "$(header Location)" "$1"
}

# page_clinic: a new "Synthetic Page Clinic" with one practitioner,
# "Synthetic Therapist A" (LMT-A1), whose id is in PA.
page_clinic() {
  expect_ok ts init --clinic "Synthetic Page Clinic"
  expect_ok ts practitioner add --name "Synthetic Therapist A" --license LMT-A1 --credentials LMT; PA=$OUT
}

# patient_alpha: adds "Synthetic Patient Alpha" (born 1970-02-03,
# female); its id in PT.
patient_alpha() {
  expect_ok ts patient add --name "Synthetic Patient Alpha" --dob 1970-02-03 --sex female; PT=$OUT
}

# lbp_episode START: opens a low-back-pain episode (M54.50) of PT with PA
# from START, every red flag of the catalog's protocol answered "no" by
# --red-flag options; its id in E.
lbp_episode() {
  local screen
  screen=$(node -e 'const c=require(process.argv[1]);const p=c.protocols.find(p=>p.id==="low-back-pain");
  console.log(p.red_flags.map(f=>"--red-flag "+f.id+"=no").join(" "))' "$TOOLS/../../catalog/protocols/lower-back.json")
  # shellcheck disable=SC2086
  expect_ok ts episode open --patient "$PT" --practitioner "$PA" --protocol low-back-pain --icd10 M54.50 --start "$1" $screen; E=$OUT
}

# page_lbp_episode START: page_clinic, PA trained for low-back-pain
# (baseline 2020-01-10, 24 hours 2021-03-01), patient_alpha and
# lbp_episode START: sets PA, PT and E.
page_lbp_episode() {
  page_clinic
  train_lbp "$PA" 2020-01-10 24 2021-03-01
  patient_alpha
  lbp_episode "$1"
}

# demo_certified FILE: the demo clinic, and a certificate of its
# practitioner 1 (low-back-pain, NPRS) issued into FILE; its id in CERT_ID.
demo_certified() {
  expect_ok ts demo
  expect_ok ts certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$1"
  CERT_ID=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).certificate.id)' "$1")
}
