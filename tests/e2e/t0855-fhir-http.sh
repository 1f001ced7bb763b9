#!/usr/bin/env bash
# The FHIR R4 endpoints: the capability statement, Patient read,
# Patient/$everything, the Observation search and the transaction, with the
# JSON API's logins, roles, CSRF and audit; application/fhir+json replies
# and OperationOutcome errors; every document valid by the independent
# validators.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/web-lib.sh"
. "$HERE/docs-course.inc"
fhir_validator
expect_ok ts practitioner add --name "Bea Synthetic" --license MA-LMT-5151 --credentials LMT
other=$OUT
add_user admin@clinic.example admin
add_user ada@clinic.example therapist 1
add_user bea@clinic.example therapist "$other"
add_user researcher@clinic.example researcher

valid() { printf '%s\n' "$OUT" > "$TMP/doc.json"; node "$VALIDATE" "$@" "$TMP/doc.json" >/dev/null ||
  fail "invalid FHIR: $(node "$VALIDATE" "$@" "$TMP/doc.json" | head -5)"; }
fhir_json() { [ "$(header Content-Type)" = "application/fhir+json; charset=utf-8" ] ||
  fail "content type: $(header Content-Type)"; }
outcome() { # STATUS: an OperationOutcome error with that status
  expect_status "$1"; fhir_json
  assert_eq "$(json 'this.resourceType + " " + this.issue[0].severity')" "OperationOutcome error"
  valid
}

# The capability statement needs no login.
http GET /fhir/r4/metadata
expect_status 200; fhir_json; valid
assert_eq "$(json '[this.resourceType, this.fhirVersion, this.kind, this.format.join()].join(" ")')" \
  "CapabilityStatement 4.0.1 instance application/fhir+json"
assert_eq "$(json 'this.rest[0].resource.map(r => r.type).join()')" "Patient,Observation"
assert_eq "$(json 'this.implementation.url')" "http://test/fhir/r4"

# Without a login: 401 as an OperationOutcome.
http GET /fhir/r4/Patient/1
outcome 401
http GET /fhir/r4/Nothing
outcome 404

# The treating therapist reads the patient, the colleague cannot.
login ada@clinic.example "$PASSWORD"
reads=$(sql "SELECT count(*) FROM audit WHERE actor = 'ada@clinic.example' AND action = 'read' AND record_type = 'patient'")
http GET /fhir/r4/Patient/1
expect_status 200; fhir_json; valid
assert_eq "$(json '[this.resourceType, this.id, this.name[0].text, this.birthDate].join("|")')" "Patient|1|Pat Synthetic|1975-04-12"
[ "$(sql "SELECT count(*) FROM audit WHERE actor = 'ada@clinic.example' AND action = 'read' AND record_type = 'patient'")" -gt "$reads" ] ||
  fail "the read was not audited"
http GET '/fhir/r4/Patient/1/$everything'
expect_status 200; fhir_json; valid
assert_eq "$(json '[this.type, this.total, this.entry.length].join(" ")')" "searchset 31 31"
assert_eq "$(json 'this.entry[0].search.mode + " " + this.entry[0].fullUrl')" "match http://test/fhir/r4/Patient/1"
assert_eq "$(json 'this.entry.every(e => e.fullUrl === "http://test/fhir/r4/" + e.resource.resourceType + "/" + e.resource.id)')" "true"
assert_eq "$(json 'this.entry.find(e => e.resource.resourceType === "Encounter").resource.subject.reference')" "Patient/1"
http GET '/fhir/r4/Observation?patient=1&code=72514-3'
expect_status 200; fhir_json; valid --server-refs
# Patient/1 and the encounters are the server's, not in the search result.
printf '%s\n' "$OUT" > "$TMP/search.json"
! node "$VALIDATE" "$TMP/search.json" >/dev/null || fail "the search result holds its encounters"
assert_eq "$(json 'this.type + " " + this.total')" "searchset 10"
assert_eq "$(json 'this.entry.every(e => e.resource.code.coding[0].code === "72514-3" && e.search.mode === "match")')" "true"
http GET '/fhir/r4/Observation?patient=Patient/1&code=http://loinc.org|97909-6'
expect_status 200; valid --server-refs
# ODI: 3 observations, each with its QuestionnaireResponse included.
assert_eq "$(json 'this.total + " " + this.entry.map(e => e.search.mode).join()')" "3 include,match,include,match,include,match"
http GET '/fhir/r4/Observation?patient=1&code=bp'
assert_eq "$(json 'this.total + " " + this.entry[0].resource.component.length')" "1 2"
http GET '/fhir/r4/Observation?patient=1'
assert_eq "$(json 'this.total')" "14"
http GET '/fhir/r4/Observation?code=nprs'
outcome 400
http GET '/fhir/r4/Observation?patient=abc'
outcome 400
http GET '/fhir/r4/Observation?patient=1&code=|nprs'
outcome 400
http GET '/fhir/r4/Observation?patient=1&subject=1'
outcome 422

login bea@clinic.example "$PASSWORD"
for path in /fhir/r4/Patient/1 '/fhir/r4/Patient/1/$everything' '/fhir/r4/Observation?patient=1'; do
  http GET "$path"
  outcome 404
  assert_eq "$(json 'this.issue[0].code')" "not-found"
done
login researcher@clinic.example "$PASSWORD"
http GET /fhir/r4/Patient/1
outcome 404
http GET /fhir/r4/Patient/999
outcome 404

# The transaction: an EHR referral for a new patient.
cat > "$TMP/tx.json" <<'JSON'
{"resourceType": "Bundle", "type": "transaction", "entry": [
 {"fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111",
  "resource": {"resourceType": "Patient",
    "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": "MRN-4410"}],
    "name": [{"family": "Synthetic", "given": ["Lee"]}], "gender": "other", "birthDate": "1990-02-14"},
  "request": {"method": "POST", "url": "Patient"}},
 {"fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222",
  "resource": {"resourceType": "Practitioner", "name": [{"text": "Dr Noor Placeholder"}],
    "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1245319599"}]},
  "request": {"method": "POST", "url": "Practitioner"}},
 {"resource": {"resourceType": "ServiceRequest", "status": "active", "intent": "order",
    "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"},
    "requester": {"reference": "urn:uuid:22222222-2222-4222-8222-222222222222"},
    "authoredOn": "2026-06-01",
    "reasonCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.2"}], "text": "neck pain"}]},
  "request": {"method": "POST", "url": "ServiceRequest"}}]}
JSON
tx=$(cat "$TMP/tx.json")
login ada@clinic.example "$PASSWORD"
saved=$CSRF; CSRF=""
http POST /fhir/r4 "$tx" "Content-Type: application/fhir+json"
outcome 403
CSRF=$saved
http POST /fhir/r4 "$tx" "Content-Type: text/plain"
outcome 415
before=$(db_digest)
bad=$(node -e 'const b = JSON.parse(process.argv[1]); b.entry[0].resource.birthDate = "2099-01-01"; console.log(JSON.stringify(b))' "$tx")
http POST /fhir/r4 "$bad" "Content-Type: application/fhir+json"
outcome 400
assert_eq "$(json 'this.issue[0].expression[0] + " " + this.issue[0].code')" "Bundle.entry[0].resource.birthDate invalid"
[ "$(db_digest)" = "$before" ] || fail "a refused transaction changed the database"
http POST /fhir/r4 "$tx" "Content-Type: application/fhir+json"
expect_status 200; fhir_json; valid
assert_eq "$(json 'this.type + " " + this.entry.map(e => e.response.status + " " + (e.response.location || "-")).join(",")')" \
  "transaction-response 201 Created Patient/2,200 OK -,201 Created ServiceRequest/2"
# The therapist registered the patient: theirs to read.
http GET /fhir/r4/Patient/2
expect_status 200
assert_eq "$(json 'this.identifier.map(i => i.value).join()')" "2,MRN-4410"
assert_eq "$(sql "SELECT actor FROM audit WHERE record_type = 'patient_identifier' AND action = 'create'")" "ada@clinic.example"
# A researcher may not write patient data.
login researcher@clinic.example "$PASSWORD"
tx2=$(sed 's/MRN-4410/MRN-4411/' <<<"$tx")
http POST /fhir/r4 "$tx2" "Content-Type: application/fhir+json"
outcome 403
# The same MRN, held by a patient the caller may not see: refused whole.
http POST /fhir/r4 "$tx" "Content-Type: application/fhir+json"
outcome 409

# A real server, by curl.
serve_start
code=$(curl -s -o "$TMP/meta.json" -w '%{http_code} %{content_type}' "${URL}fhir/r4/metadata")
assert_eq "$code" "200 application/fhir+json; charset=utf-8"
node "$VALIDATE" "$TMP/meta.json" >/dev/null || fail "metadata over a socket"
serve_stop
