#!/usr/bin/env bash
# Certificates over a real server: an admin (any practitioner) or a
# therapist (their own cells) issues one; it comes back byte for byte as
# signed and verifies, by the API without a login and by `touchstone
# verify`; one changed byte, another signer or a pretty-printed copy is
# invalid with a reason; an unqualified cell is 422 "refused" naming the
# criterion; CSRF and strict bodies; the clinic's public key is public.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

demo_clinic "Synthetic Certificate Clinic"
expect_ok ts key export-public
PUB=$OUT
serve_start

declare -A jar csrf
login_demo_roles
jar[anonymous]=/dev/null; csrf[anonymous]=""

# post ROLE PATH BODY-FILE [CURL-ARGS...]: POST as ROLE with its CSRF
# token; sets STATUS, OUT (the body, also in $TMP/body) and HEADERS.
post() {
  local who=$1 path=$2 file=$3; shift 3
  local args=()
  [[ "$*" == *Content-Type:* ]] || args+=(-H 'Content-Type: application/json')
  [ -n "${csrf[$who]}" ] && args+=(-H "X-CSRF-Token: ${csrf[$who]}")
  STATUS=$(curl -sS -D "$TMP/headers" -o "$TMP/body" -w '%{http_code}' \
    -b "${jar[$who]}" "${args[@]}" "$@" --data-binary @"$file" "${URL}${path#/}")
  OUT=$(cat "$TMP/body"); HEADERS=$(tr -d '\r' < "$TMP/headers")
}
body() { printf '%s' "$1" > "$TMP/req.json"; echo "$TMP/req.json"; }
# verify FILE: the public verification, without a login.
verify() { post anonymous /api/v1/certificates/verify "$1"; assert_eq "$STATUS" 200 "verify"; }

# The clinic's public key, for outside verifiers, without a login.
STATUS=$(curl -sS -o "$TMP/body" -w '%{http_code}' "${URL}api/v1/clinic/public-key"); OUT=$(cat "$TMP/body")
assert_eq "$STATUS" 200
assert_eq "$(json 'this.public_key')" "$PUB"
assert_eq "$(json 'this.alg')" Ed25519
assert_eq "$(json 'this.clinic.name')" "Synthetic Certificate Clinic"

# An admin issues practitioner 1's certificate for low-back-pain x nprs.
post admin /api/v1/certificates "$(body '{"practitioner_id":1,"protocol":"low-back-pain","instrument":"nprs"}')"
assert_eq "$STATUS" 201 "issue: $OUT"
assert_contains "$HEADERS" '^Content-Type: application/json'
assert_contains "$HEADERS" '^Content-Disposition: attachment; filename="certificate-[0-9a-f]{32}\.json"'
cp "$TMP/body" "$TMP/cert.json"
assert_eq "$(wc -l < "$TMP/cert.json")" 1 "one line"
assert_eq "$(json 'this.certificate.designation')" reproducible
assert_eq "$(json 'this.certificate.practitioner.id')" 1
assert_eq "$(json 'this.signature.public_key')" "$PUB"
# `touchstone verify` accepts the file as downloaded, against the clinic's key.
expect_ok ts verify "$TMP/cert.json" --public-key "$PUB"
assert_contains "$OUT" "^designation +reproducible"
# So does the API, without a login, and says the signer is this clinic.
verify "$TMP/cert.json"
assert_eq "$(json 'this.valid')" true
assert_eq "$(json 'this.signer_is_this_clinic')" true
assert_eq "$(json 'this.signer_public_key')" "$PUB"
assert_eq "$(json 'this.clinic_public_key')" "$PUB"
assert_eq "$(json 'this.claims.protocol + " " + this.claims.instrument + " " + this.claims.metrics.n_episodes')" "low-back-pain nprs 30"
cert_id=$(json 'this.claims.id')
# Logged in, with the cookie and without a CSRF token, verifying works
# too: it changes nothing.
STATUS=$(curl -sS -o "$TMP/body" -w '%{http_code}' -b "${jar[admin]}" -H 'Content-Type: application/json' \
  --data-binary @"$TMP/cert.json" "${URL}api/v1/certificates/verify")
assert_eq "$STATUS" 200; OUT=$(cat "$TMP/body"); assert_eq "$(json 'this.valid')" true

# One changed byte in the signed part: invalid, with the reason.
sed 's/"instrument":"nprs"/"instrument":"nprt"/' "$TMP/cert.json" > "$TMP/tampered.json"
cmp -s "$TMP/cert.json" "$TMP/tampered.json" && fail "nothing was changed"
assert_eq "$(cmp -l "$TMP/cert.json" "$TMP/tampered.json" | wc -l)" 1 "one byte"
verify "$TMP/tampered.json"
assert_eq "$(json 'this.valid')" false
assert_eq "$(json 'this.field')" signature
assert_contains "$(json 'this.reason')" "^signature: does not match the certificate"
assert_eq "$(json 'this.claims')" undefined
# A number changed by one digit, and one changed byte of the signature.
sed -E 's/"n_episodes":30/"n_episodes":31/' "$TMP/cert.json" > "$TMP/tampered.json"
verify "$TMP/tampered.json"; assert_eq "$(json 'this.valid + " " + this.field')" "false signature"
node -e '
  const fs = require("fs"); const t = fs.readFileSync(process.argv[1], "utf8");
  const i = t.indexOf("\"value\":\"") + 9;
  fs.writeFileSync(process.argv[2], t.slice(0, i) + (t[i] === "A" ? "B" : "A") + t.slice(i + 1));' \
  "$TMP/cert.json" "$TMP/tampered.json"
verify "$TMP/tampered.json"; assert_eq "$(json 'this.valid + " " + this.field')" "false signature"
# The same values with one blank added are not what was signed.
sed 's/"designation":"reproducible"/"designation": "reproducible"/' "$TMP/cert.json" > "$TMP/pretty.json"
cmp -s "$TMP/cert.json" "$TMP/pretty.json" && fail "no blank was added"
verify "$TMP/pretty.json"; assert_eq "$(json 'this.valid + " " + this.field')" "false certificate"
assert_contains "$(json 'this.reason')" "not written exactly as signed"
# Signed soundly by another key (Node's Ed25519 over the canonical claims):
# invalid here, and the answer says the signer is not this clinic.
node -e '
  const crypto = require("crypto"), fs = require("fs");
  const canon = v => Array.isArray(v) ? "[" + v.map(canon).join(",") + "]"
    : v !== null && typeof v === "object"
      ? "{" + Object.keys(v).sort().map(k => JSON.stringify(k) + ":" + canon(v[k])).join(",") + "}"
      : JSON.stringify(v);
  /* The signed bytes of the claims, as issued (canonical already). */
  const text = fs.readFileSync(process.argv[1], "utf8");
  const body = text.slice(text.indexOf(":") + 1, text.indexOf(",\"signature\":"));
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
  const pk = publicKey.export({format: "der", type: "spki"}).subarray(12).toString("base64");
  const sig = crypto.sign(null, Buffer.from(body, "utf8"), privateKey).toString("base64");
  fs.writeFileSync(process.argv[2], "{\"certificate\":" + body + ",\"signature\":" +
    canon({alg: "Ed25519", public_key: pk, value: sig}) + "}\n");
  fs.writeFileSync(process.argv[3], pk);' "$TMP/cert.json" "$TMP/other.json" "$TMP/other.pk"
expect_ok ts verify "$TMP/other.json"   # sound by itself
verify "$TMP/other.json"
assert_eq "$(json 'this.valid + " " + this.field')" "false public_key"
assert_eq "$(json 'this.signer_is_this_clinic')" false
assert_eq "$(json 'this.signer_public_key')" "$(cat "$TMP/other.pk")"
assert_eq "$(json 'this.clinic_public_key')" "$PUB"

# A body that is not JSON is 400; not application/json 415; no body 400.
post anonymous /api/v1/certificates/verify "$(body '{"certificate":')"
assert_eq "$STATUS" 400; assert_eq "$(json 'this.error.code')" malformed_json
post anonymous /api/v1/certificates/verify "$(body '[1,2]')"
assert_eq "$STATUS" 400
post anonymous /api/v1/certificates/verify "$(body '{"a":1,"a":2}')"
assert_eq "$STATUS" 400
post anonymous /api/v1/certificates/verify "$TMP/cert.json" -H 'Content-Type: text/plain'
assert_eq "$STATUS" 415
post anonymous /api/v1/certificates/verify /dev/null
assert_eq "$STATUS" 400
# A JSON object that is no certificate is answered, not refused.
post anonymous /api/v1/certificates/verify "$(body '{"hello":"world"}')"
assert_eq "$STATUS" 200; assert_eq "$(json 'this.valid + " " + this.field')" "false certificate"

# A therapist certifies their own cells: both low-back-pain cells
# qualify, so the instrument must be named.
post therapist /api/v1/certificates "$(body '{"practitioner_id":1,"protocol":"low-back-pain"}')"
assert_eq "$STATUS" 422; assert_eq "$(json 'this.error.field')" instrument
assert_contains "$(json 'this.error.message')" "several cells of low-back-pain qualify \(nprs, odi\)"
post therapist /api/v1/certificates "$(body '{"practitioner_id":1,"protocol":"low-back-pain","instrument":"odi","designation":"reproducible"}')"
assert_eq "$STATUS" 201 "therapist issue: $OUT"
cp "$TMP/body" "$TMP/cert-odi.json"
verify "$TMP/cert-odi.json"
assert_eq "$(json 'this.valid + " " + this.claims.instrument')" "true odi"
[ "$(json 'this.claims.id')" != "$cert_id" ] || fail "two certificates share an id"

# Refusals change nothing but the audit log.
before=$(db_digest)
# An unqualified cell: 422 refused, naming the unmet criterion.
post therapist-b /api/v1/certificates "$(body '{"practitioner_id":2,"protocol":"low-back-pain","instrument":"nprs"}')"
assert_eq "$STATUS" 422
assert_eq "$(json 'this.error.code')" refused
assert_eq "$(json 'this.error.field')" min_episodes
assert_contains "$(json 'this.error.message')" "practitioner 2 is not reproducible in low-back-pain x nprs: complete episodes: 10, below the required 20"
post admin /api/v1/certificates "$(body '{"practitioner_id":1,"protocol":"low-back-pain","instrument":"nprs","designation":"advanced"}')"
assert_eq "$STATUS" 422; assert_eq "$(json 'this.error.code')" refused
assert_contains "$(json 'this.error.message')" "practitioner 1 is not advanced in low-back-pain x nprs"
post admin /api/v1/certificates "$(body '{"practitioner_id":1,"protocol":"stress-management-full-body","instrument":"pss10"}')"
assert_eq "$STATUS" 422; assert_eq "$(json 'this.error.code + " " + this.error.field')" "refused mcid"
# Another practitioner's cell: 403 for a therapist and a researcher; 401
# without a login.
post therapist-b /api/v1/certificates "$(body '{"practitioner_id":1,"protocol":"low-back-pain","instrument":"nprs"}')"
assert_eq "$STATUS" 403; assert_eq "$(json 'this.error.code')" forbidden
post researcher /api/v1/certificates "$(body '{"practitioner_id":1,"protocol":"low-back-pain","instrument":"nprs"}')"
assert_eq "$STATUS" 403
post anonymous /api/v1/certificates "$(body '{"practitioner_id":1,"protocol":"low-back-pain","instrument":"nprs"}')"
assert_eq "$STATUS" 401
# With the cookie but without (or with a wrong) CSRF token: 403 csrf.
saved=${csrf[admin]}
csrf[admin]=""
post admin /api/v1/certificates "$(body '{"practitioner_id":1,"protocol":"low-back-pain","instrument":"nprs"}')"
assert_eq "$STATUS" 403; assert_eq "$(json 'this.error.code')" csrf
csrf[admin]=${saved/?/0}
[ "${csrf[admin]}" != "$saved" ] || csrf[admin]=${saved/?/1}
post admin /api/v1/certificates "$(body '{"practitioner_id":1,"protocol":"low-back-pain","instrument":"nprs"}')"
assert_eq "$STATUS" 403; assert_eq "$(json 'this.error.code')" csrf
csrf[admin]=$saved
# Bad bodies: 400 for what is not JSON, 422 naming the field.
bad() { # STATUS FIELD BODY
  post admin /api/v1/certificates "$(body "$3")"
  assert_eq "$STATUS" "$1" "$3"
  assert_eq "$(json 'this.error.field')" "$2" "field of $3"
}
bad 400 null '{"practitioner_id":1,'
bad 400 null '{"practitioner_id":1,"practitioner_id":2,"protocol":"low-back-pain"}'
bad 422 protocol '{"practitioner_id":1}'
bad 422 practitioner_id '{"protocol":"low-back-pain"}'
bad 422 practitioner_id '{"practitioner_id":"1","protocol":"low-back-pain"}'
bad 422 practitioner_id '{"practitioner_id":0,"protocol":"low-back-pain"}'
bad 422 practitioner_id '{"practitioner_id":1.5,"protocol":"low-back-pain"}'
bad 422 protocol '{"practitioner_id":1,"protocol":7}'
bad 422 protocol '{"practitioner_id":1,"protocol":"Low Back"}'
bad 422 protocol '{"practitioner_id":1,"protocol":"no-such-protocol"}'
bad 422 instrument '{"practitioner_id":1,"protocol":"low-back-pain","instrument":"no-such"}'
bad 422 designation '{"practitioner_id":1,"protocol":"low-back-pain","designation":"expert"}'
bad 422 out '{"practitioner_id":1,"protocol":"low-back-pain","out":"x.json"}'
bad 404 practitioner_id '{"practitioner_id":99999,"protocol":"low-back-pain"}'
post admin /api/v1/certificates "$(body '{"practitioner_id":1,"protocol":"low-back-pain","instrument":"nprs"}')" -H 'Content-Type: text/plain'
assert_eq "$STATUS" 415
assert_eq "$(db_digest)" "$before" "refused certificates changed the database"

# Issues and refusals are in the audit log under the caller.
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'create' AND record_type = 'certificate' AND outcome = 'ok' AND actor = 'admin@demo.example'")" 1
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'create' AND record_type = 'certificate' AND outcome = 'ok' AND actor = 'therapist@demo.example' AND record_id = 1")" 1
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'create' AND record_type = 'certificate' AND outcome = 'denied' AND actor = 'therapist-b@demo.example' AND record_id = 1")" 1
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'create' AND record_type = 'certificate' AND outcome = 'denied' AND actor = 'researcher@demo.example'")" 1
expect_ok ts audit verify

serve_stop
