#!/usr/bin/env bash
# The register of issued certificates: every certificate signed is kept as
# issued (byte for byte) and listed; an admin revokes one, once, with a
# reason; the register refuses changes and deletions in SQL itself; the
# public verification (API and page) says a revoked certificate is
# revoked, and why; therapists see their own, researchers none.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

demo_clinic "Synthetic Register Clinic"

# Nothing issued yet.
expect_ok ts --json certificate list
assert_eq "$(json 'this.certificates.length')" 0

# Issued by the command line: kept exactly as written to the file.
expect_ok ts certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/a.json"
expect_ok ts --json certificate list
assert_eq "$(json 'this.certificates.length')" 1
ID=$(json 'this.certificates[0].id')
assert_eq "$(json 'this.certificates[0].status + " " + this.certificates[0].designation + " " + this.certificates[0].practitioner.id')" "valid reproducible 1"
assert_eq "$(json 'this.certificates[0].revoked_at')" null
ts certificate show "$ID" > "$TMP/shown.json" || fail "certificate show failed"
cmp "$TMP/a.json" "$TMP/shown.json" || fail "the register does not hold the document as issued"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'read' AND record_type = 'certificate'")" "3" "three reads audited"

# The register refuses, in SQL, to change or delete what was issued.
if sqlite3 "$TOUCHSTONE_DB" "UPDATE certificate SET designation = 'advanced' WHERE id = '$ID'" 2>"$TMP/sqlerr"; then
  fail "an issued certificate was changed"
fi
assert_contains "$(cat "$TMP/sqlerr")" "kept as issued"
if sqlite3 "$TOUCHSTONE_DB" "DELETE FROM certificate" 2>"$TMP/sqlerr"; then
  fail "an issued certificate was deleted"
fi
assert_contains "$(cat "$TMP/sqlerr")" "never deleted"

# Bad revocations change nothing.
expect_refused 2 "certificate revoke: reason: " ts certificate revoke "$ID"
expect_refused 2 "certificate revoke: reason: " ts certificate revoke "$ID" --reason "   "
expect_refused 2 "certificate revoke: id: no certificate 'f00d'" ts certificate revoke f00d --reason "issued in error"
expect_refused 2 "certificate revoke: id: a certificate id is 1 to 64" ts certificate revoke "Bad_Id" --reason "issued in error"
expect_refused 2 "certificate show: id: no certificate 'f00d'" ts certificate show f00d
expect_refused 2 "certificate list: practitioner: " ts certificate list --practitioner 0x1

# Revoked once, with its reason and time; a second time is refused.
export TOUCHSTONE_NOW=2026-07-01T09:30:00Z
expect_ok ts --json certificate revoke "$ID" --reason "data entry error in two episodes"
assert_eq "$(json 'this.status + " " + this.revoked_at')" "revoked 2026-07-01T09:30:00Z"
assert_eq "$(json 'this.reason')" "data entry error in two episodes"
expect_refused 3 "certificate revoke: id: certificate '$ID' was revoked already, at 2026-07-01T09:30:00Z" \
  ts certificate revoke "$ID" --reason "again"
assert_eq "$(sql "SELECT outcome FROM audit WHERE action = 'update' AND record_type = 'certificate'")" "ok: revoked $ID"
ts certificate show "$ID" > "$TMP/shown.json" 2>"$TMP/stderr" || fail "show failed"
cmp "$TMP/a.json" "$TMP/shown.json" || fail "revocation changed the document"
assert_contains "$(cat "$TMP/stderr")" "was revoked at 2026-07-01T09:30:00Z: data entry error"
# The signature still holds offline: revocation lives in the register.
expect_ok ts verify "$TMP/a.json"

# Over the server.
serve_start
declare -A jar csrf
login_demo_roles
get() { STATUS=$(curl -sS -o "$TMP/body" -w '%{http_code}' -b "${jar[$1]}" "${URL}${2#/}"); OUT=$(cat "$TMP/body"); }
post() {
  local who=$1 path=$2; shift 2
  local args=(-H 'Content-Type: application/json')
  [ -n "${csrf[$who]:-}" ] && args+=(-H "X-CSRF-Token: ${csrf[$who]}")
  STATUS=$(curl -sS -o "$TMP/body" -w '%{http_code}' -b "${jar[$who]:-/dev/null}" "${args[@]}" "$@" "${URL}${path#/}")
  OUT=$(cat "$TMP/body")
}

# The public check says what the register says.
post anonymous /api/v1/certificates/verify --data-binary @"$TMP/a.json"
assert_eq "$STATUS" 200
assert_eq "$(json 'this.valid + " " + this.register.status')" "true revoked"
assert_eq "$(json 'this.register.reason + " at " + this.register.revoked_at')" "data entry error in two episodes at 2026-07-01T09:30:00Z"
STATUS=$(curl -sS -o "$TMP/page.html" -w '%{http_code}' -F "file=@$TMP/a.json" "${URL}verify")
assert_eq "$STATUS" 200
grep -q 'id="revoked"' "$TMP/page.html" || fail "the verify page does not say the certificate is revoked"
grep -q 'data entry error in two episodes' "$TMP/page.html" || fail "the verify page lacks the reason"

# A new certificate through the API is in the register and valid.
post admin /api/v1/certificates -d '{"practitioner_id":1,"protocol":"low-back-pain","instrument":"odi"}'
assert_eq "$STATUS" 201 "issue: $OUT"
cp "$TMP/body" "$TMP/b.json"
ID2=$(json 'this.certificate.id')
post anonymous /api/v1/certificates/verify --data-binary @"$TMP/b.json"
assert_eq "$(json 'this.register.status + " " + this.register.revoked_at')" "valid null"
STATUS=$(curl -sS -o "$TMP/page.html" -w '%{http_code}' -F "file=@$TMP/b.json" "${URL}verify")
grep -q 'id="registered"' "$TMP/page.html" || fail "the verify page does not say the certificate is registered"

# Listing: an admin all, a therapist their own, another therapist none of
# practitioner 1's, a researcher nothing.
get admin /api/v1/certificates; assert_eq "$STATUS" 200
assert_eq "$(json 'this.certificates.map(c=>c.status).join()')" "valid,revoked"
get admin "/api/v1/certificates?practitioner=2"; assert_eq "$(json 'this.certificates.length')" 0
get therapist /api/v1/certificates; assert_eq "$(json 'this.certificates.length')" 2
get therapist-b /api/v1/certificates; assert_eq "$(json 'this.certificates.length')" 0
get therapist-b "/api/v1/certificates?practitioner=1"; assert_eq "$STATUS" 403
get researcher /api/v1/certificates; assert_eq "$STATUS" 403
get therapist "/api/v1/certificates/$ID2"; assert_eq "$STATUS" 200
node -e 'const fs = require("fs"); const d = JSON.parse(fs.readFileSync(0, "utf8"));
  process.exit(d.document === fs.readFileSync(process.argv[1], "utf8") ? 0 : 1)' "$TMP/b.json" <<<"$OUT" ||
  fail "the API does not give the document as issued"
get therapist-b "/api/v1/certificates/$ID2"; assert_eq "$STATUS" 404

# Revoking: admins only, with a reason, once.
post therapist "/api/v1/certificates/$ID2/revoke" -d '{"reason":"mine"}'; assert_eq "$STATUS" 403
post admin "/api/v1/certificates/$ID2/revoke" -d '{}'; assert_eq "$STATUS" 422
assert_eq "$(json 'this.error.field')" reason
post admin "/api/v1/certificates/$ID2/revoke" -d '{"reason":"superseded"}'; assert_eq "$STATUS" 200
assert_eq "$(json 'this.status')" revoked
post admin "/api/v1/certificates/$ID2/revoke" -d '{"reason":"superseded"}'; assert_eq "$STATUS" 409
post admin "/api/v1/certificates/nosuch/revoke" -d '{"reason":"x"}'; assert_eq "$STATUS" 404
serve_stop
