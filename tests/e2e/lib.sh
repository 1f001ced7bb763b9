# Shared helpers for the end-to-end tests. Each test sources this file, runs
# the real binary ($TOUCHSTONE) on a database in a fresh temporary folder,
# and exits non-zero at the first failed expectation.
set -euo pipefail
: "${TOUCHSTONE:?set TOUCHSTONE to the binary under test}"
export TZ=UTC
# A fixed "now" so that dates in tests stay in the past and stable.
export TOUCHSTONE_NOW=${TOUCHSTONE_NOW:-2026-06-30T12:00:00Z}
# The folder of these helpers (before the test moves into its own folder).
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export TOUCHSTONE_DB="$TMP/clinic.db"
cd "$TMP"

ts() { "$TOUCHSTONE" "$@"; }

fail() { echo "FAIL: $*" >&2; exit 1; }

# A digest of every row of the database, to prove a command changed nothing.
# The audit log is left out: refusals are recorded there on purpose (tests
# of the audit log check it directly).
db_digest() {
  sqlite3 "${1:-$TOUCHSTONE_DB}" .dump | grep -v '^INSERT INTO audit ' |
    sha256sum | cut -d' ' -f1
}

# expect_ok CMD...: runs CMD, which must exit 0; its stdout is in $OUT.
expect_ok() {
  local rc=0
  OUT=$("$@" 2>"$TMP/stderr") || rc=$?
  ERR=$(cat "$TMP/stderr")
  [ $rc -eq 0 ] || fail "expected success from '$*', got exit $rc: $ERR"
}

# expect_refused STATUS PATTERN CMD...: CMD must exit STATUS, print an error
# matching PATTERN (grep -E) on stderr, and leave the database unchanged.
expect_refused() {
  local status=$1 pattern=$2; shift 2
  local before="" after rc=0
  [ -f "$TOUCHSTONE_DB" ] && before=$(db_digest)
  OUT=$("$@" 2>"$TMP/stderr") || rc=$?
  ERR=$(cat "$TMP/stderr")
  [ $rc -eq "$status" ] || fail "expected exit $status from '$*', got $rc: $ERR"
  grep -qE -- "$pattern" <<<"$ERR" || fail "stderr of '$*' lacks /$pattern/: $ERR"
  if [ -n "$before" ]; then
    after=$(db_digest)
    [ "$before" = "$after" ] || fail "'$*' changed the database"
  fi
}

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() {
  [ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

# assert_contains TEXT PATTERN: grep -E on TEXT.
assert_contains() {
  grep -qE -- "$2" <<<"$1" || fail "expected /$2/ in: $1"
}

# json FIELD-EXPRESSION: reads $OUT as JSON and prints a value (node).
json() {
  node -e 'const d=JSON.parse(require("fs").readFileSync(0,"utf8"));
           const v=(function(){return eval(process.argv[1]);}).call(d);
           console.log(typeof v==="object"?JSON.stringify(v):String(v));' "$1" <<<"$OUT"
}

# sql QUERY: one value from the database.
sql() { sqlite3 "$TOUCHSTONE_DB" "$1"; }

# record_clinic: a new "Synthetic Test Clinic", and in the current folder
# clear.json: the low-back-pain red-flag screen, every answer "no".
record_clinic() {
  expect_ok ts init --clinic "Synthetic Test Clinic"
  cat > clear.json <<'JSON'
{"saddle-numbness": "no", "progressive-weakness": "no", "fever": "no",
 "weight-loss": "no", "cancer-history": "no", "night-pain": "no"}
JSON
}

# fhir_validator: sets VALIDATE, the FHIR validators' script
# (tests/fhir/validate.js); fails when they are not installed.
fhir_validator() {
  VALIDATE="$E2E_DIR/../fhir/validate.js"
  [ -d "$E2E_DIR/../fhir/node_modules/fhir" ] ||
    fail "the FHIR validators are not installed (run scripts/setup)"
}

# import_refused KIND NAME TEXT PATTERN: `import --kind KIND` of the file
# $TMP/NAME holding TEXT (a printf format) exits 2 with PATTERN on stderr
# and changes nothing (expect_refused).
import_refused() {
  # shellcheck disable=SC2059
  printf "$3" >"$TMP/$2"
  expect_refused 2 "$4" ts import --kind "$1" "$TMP/$2"
}

# lbp_screen FILE: the low-back-pain red-flag screen, every answer "no",
# as a --screen file.
lbp_screen() {
  cat > "$1" <<'JSON'
{"saddle-numbness": "no", "progressive-weakness": "no", "weight-loss": "no",
 "cancer-history": "no", "night-pain": "no", "fever": "no"}
JSON
}

# train_lbp PRACTITIONER BASELINE_DATE LBP_HOURS LBP_DATE: PRACTITIONER
# trained in the full-body baseline (150 hours, completed BASELINE_DATE),
# then in low-back-pain (LBP_HOURS, completed LBP_DATE).
train_lbp() {
  expect_ok ts training add --practitioner "$1" --protocol stress-management-full-body --hours 150 --completed "$2"
  expect_ok ts training add --practitioner "$1" --protocol low-back-pain --hours "$3" --completed "$4"
}

# ada_and_pat: practitioner 1, "Ada Synthetic" (MA-1), trained for
# low-back-pain (baseline 2020-01-01, 32 hours 2021-01-01), and patient 1,
# "Pat Synthetic" (born 1975-04-12, female).
ada_and_pat() {
  expect_ok ts practitioner add --name "Ada Synthetic" --license MA-1 --credentials LMT
  train_lbp 1 2020-01-01 32 2021-01-01
  expect_ok ts patient add --name "Pat Synthetic" --dob 1975-04-12 --sex female
}
