#!/usr/bin/env bash
# FHIR R4 import: a referral from an EHR (transaction Bundle), the round
# trip export -> import into a fresh database, matching by identifier, and
# refusals that name the element and write nothing.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
fhir_validator

expect_ok ts init --clinic "Synthetic Referral Clinic"
# A referral as an EHR sends it: a transaction, the requester contained,
# the reason a Condition of the bundle, the name in parts.
cat > ehr.json <<'JSON'
{
  "resourceType": "Bundle",
  "type": "transaction",
  "entry": [
    {
      "fullUrl": "urn:uuid:6f1c2a52-0d8e-4c33-9d4e-0a1b2c3d4e5f",
      "resource": {
        "resourceType": "Patient",
        "identifier": [{"use": "usual",
          "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
          "system": "urn:oid:2.16.840.1.113883.19.5", "value": "MRN-000731"}],
        "name": [{"use": "official", "family": "Synthetic", "given": ["Robin", "Q"]}],
        "gender": "male",
        "birthDate": "1968-09-30",
        "telecom": [{"system": "phone", "value": "555-0123", "use": "home"},
                    {"system": "email", "value": "robin@mail.invalid"}],
        "address": [{"use": "home", "postalCode": "10001"}]
      },
      "request": {"method": "POST", "url": "Patient"}
    },
    {
      "fullUrl": "urn:uuid:0b3f4e5d-1111-4222-8333-944455556666",
      "resource": {
        "resourceType": "Condition",
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G44.229",
                             "display": "Chronic tension-type headache, not intractable"}]},
        "subject": {"reference": "urn:uuid:6f1c2a52-0d8e-4c33-9d4e-0a1b2c3d4e5f"}
      },
      "request": {"method": "POST", "url": "Condition"}
    },
    {
      "fullUrl": "urn:uuid:7a8b9c0d-2222-4333-8444-a55566667777",
      "resource": {
        "resourceType": "ServiceRequest",
        "contained": [{"resourceType": "Practitioner", "id": "doc",
          "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1245319599"}],
          "name": [{"text": "Dr Iris Placeholder"}],
          "qualification": [{"code": {"text": "Neurology"}}]}],
        "status": "active",
        "intent": "order",
        "code": {"text": "massage therapy"},
        "subject": {"reference": "urn:uuid:6f1c2a52-0d8e-4c33-9d4e-0a1b2c3d4e5f"},
        "authoredOn": "2026-03-02T14:30:00-05:00",
        "requester": {"reference": "#doc"},
        "reasonCode": [{"coding": [{"system": "http://snomed.info/sct", "code": "398057008"}],
                        "text": "tension headaches"}],
        "reasonReference": [{"reference": "urn:uuid:0b3f4e5d-1111-4222-8333-944455556666"}],
        "note": [{"text": "tension-type headache, 3 months; please treat and report"}]
      },
      "request": {"method": "POST", "url": "ServiceRequest"}
    }
  ]
}
JSON
expect_ok node "$VALIDATE" ehr.json
audit_before=$(sql "SELECT count(*) FROM audit")
expect_ok ts --json import fhir ehr.json
assert_eq "$(json 'this.type')" "transaction-response"
assert_eq "$(json 'this.entry.map(e => e.response.status + " " + (e.response.location || "")).join(",")')" \
  "201 Created Patient/1,200 OK ,201 Created ServiceRequest/1"
expect_ok ts --json patient show 1
assert_eq "$(json '[this.name, this.sex, this.dob, this.zip, this.phone, this.email, this.consent_treatment].join("|")')" \
  "Robin Q Synthetic|male|1968-09-30|10001|555-0123|robin@mail.invalid|false"
assert_eq "$(json '[this.referrals[0].physician, this.referrals[0].specialty, this.referrals[0].npi, this.referrals[0].icd10.join(), this.referrals[0].date, this.referrals[0].reason].join("|")')" \
  "Dr Iris Placeholder|Neurology|1245319599|G44.229|2026-03-02|tension-type headache, 3 months; please treat and report"
assert_eq "$(sql "SELECT system || '|' || value FROM patient_identifier")" "urn:oid:2.16.840.1.113883.19.5|MRN-000731"
[ "$(sql "SELECT count(*) FROM audit")" -gt "$audit_before" ] || fail "the import was not audited"
assert_contains "$(sql "SELECT group_concat(record_type) FROM audit WHERE action = 'create'")" "patient,patient_identifier,referral"

# The same bundle again: the patient is matched by the MRN, the referral
# by its content; nothing is added.
before=$(db_digest)
expect_ok ts import fhir ehr.json
assert_contains "$OUT" "0 patient\(s\) added, 1 matched.*0 referral\(s\) added, 1 matched"
assert_eq "$(sql 'SELECT count(*) FROM patient') $(sql 'SELECT count(*) FROM referral')" "1 1"
# A second referral for the same MRN lands on the same patient.
node -e 'const fs = require("fs"); const b = JSON.parse(fs.readFileSync("ehr.json"));
  b.entry[2].resource.authoredOn = "2026-04-01"; fs.writeFileSync("ehr2.json", JSON.stringify(b));'
expect_ok ts import fhir ehr2.json
assert_eq "$(sql 'SELECT count(*) FROM patient') $(sql 'SELECT group_concat(patient_id) FROM referral')" "1 1,1"

# Refusals: exit 2, an OperationOutcome naming the element on stdout, the
# usual error on stderr, and the database unchanged.
refuse() { # NAME PATH ISSUE-CODE NODE-MUTATION
  node -e "const fs = require('fs'); const b = JSON.parse(fs.readFileSync('ehr.json'));
    const e = b.entry; $4; fs.writeFileSync('$1.json', JSON.stringify(b));"
  expect_refused 2 "import fhir: " ts import fhir "$1.json"
  assert_eq "$(json 'this.resourceType + " " + this.issue[0].severity')" "OperationOutcome error"
  assert_eq "$(json 'this.issue[0].expression[0]')" "$2" "$1: expression"
  assert_eq "$(json 'this.issue[0].code')" "$3" "$1: issue code"
  grep -qF -- "$2" <<<"$ERR$OUT" || fail "$1: the error does not name $2"
  # The OperationOutcome is itself valid FHIR.
  printf '%s\n' "$OUT" > "$1.outcome.json"
  node "$VALIDATE" "$1.outcome.json" >/dev/null || fail "$1: invalid OperationOutcome"
}
# A new MRN so that the patient would be added if the rest passed.
NEWPAT='e[0].resource.identifier[0].value = "MRN-999"'
refuse future-birth "Bundle.entry[0].resource.birthDate" invalid "$NEWPAT; e[0].resource.birthDate = '2099-01-01'"
refuse partial-birth "Bundle.entry[0].resource.birthDate" invalid "$NEWPAT; e[0].resource.birthDate = '1968-09'"
refuse bad-gender "Bundle.entry[0].resource.gender" code-invalid "$NEWPAT; e[0].resource.gender = 'f'"
# Modifier elements Touchstone does not understand are refused (elements
# that are not modifiers are ignored with a warning: t0941).
refuse deceased "Bundle.entry[0].resource.deceasedBoolean" not-supported "$NEWPAT; e[0].resource.deceasedBoolean = true"
refuse do-not-perform "Bundle.entry[2].resource.doNotPerform" not-supported "$NEWPAT; e[2].resource.doNotPerform = true"
refuse bad-zip "Bundle.entry[0].resource.address[0].postalCode" invalid "$NEWPAT; e[0].resource.address[0].postalCode = 'SW1A 1AA'"
refuse fax "Bundle.entry[0].resource.telecom[0].system" not-supported "$NEWPAT; e[0].resource.telecom[0].system = 'fax'"
refuse no-name "Bundle.entry[0].resource.name" required "$NEWPAT; delete e[0].resource.name"
refuse modifier "Bundle.entry[0].resource.modifierExtension" not-supported "$NEWPAT; e[0].resource.modifierExtension = [{url: 'http://x.invalid', valueBoolean: true}]"
refuse encounter "Bundle.entry[1].resource.resourceType" not-supported "$NEWPAT; e[1].resource = {resourceType: 'Encounter', status: 'finished', class: {code: 'AMB'}}"
# The referral fails after its patient passed: the patient is not kept.
refuse bad-icd "Bundle.entry[1].resource.code.coding[0].code" invalid "$NEWPAT; e[1].resource.code.coding[0].code = 'not-a-code'"
refuse no-icd "Bundle.entry[1].resource.reasonCode" required "$NEWPAT; delete e[2].resource.reasonReference; e.splice(1, 1)"
refuse bad-npi "Bundle.entry[2].resource.contained[0].identifier[0].value" invalid "$NEWPAT; e[2].resource.contained[0].identifier[0].value = '1234567890'"
refuse future-referral "Bundle.entry[2].resource.authoredOn" invalid "$NEWPAT; e[2].resource.authoredOn = '2099-05-01'"
refuse revoked "Bundle.entry[2].resource.status" not-supported "$NEWPAT; e[2].resource.status = 'revoked'"
refuse proposal "Bundle.entry[2].resource.intent" not-supported "$NEWPAT; e[2].resource.intent = 'proposal'"
refuse dangling-subject "Bundle.entry[2].resource.subject.reference" not-found "$NEWPAT; e[2].resource.subject.reference = 'urn:uuid:00000000-0000-4000-8000-000000000000'"
refuse missing-patient "Bundle.entry[2].resource.subject.reference" not-found "$NEWPAT; e[2].resource.subject.reference = 'Patient/42'"
refuse no-requester "Bundle.entry[2].resource.requester" required "$NEWPAT; delete e[2].resource.requester"
refuse stray-condition "Bundle.entry[1].resource" not-supported "$NEWPAT; delete e[2].resource.reasonReference; e[2].resource.reasonCode[0].coding[0] = {system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'G44.209'}"
refuse put "Bundle.entry[0].request.method" not-supported "$NEWPAT; e[0].request.method = 'PUT'"
refuse no-request "Bundle.entry[0].request" required "$NEWPAT; delete e[0].request"
refuse searchset "Bundle.type" not-supported "b.type = 'searchset'"
refuse not-bundle "Bundle.resourceType" not-supported "b.resourceType = 'Patient'"
refuse duplicate-url "Bundle.entry[1].fullUrl" invalid "$NEWPAT; e[1].fullUrl = e[0].fullUrl"
# Nothing of the refused bundles was kept.
assert_eq "$(sql "SELECT count(*) FROM patient_identifier WHERE value = 'MRN-999'")" "0"
assert_eq "$(sql 'SELECT count(*) FROM patient') $(sql 'SELECT count(*) FROM referral')" "1 2"
# Malformed JSON and a missing file.
printf '{"resourceType": "Bundle", "type": ' > broken.json
expect_refused 2 "import fhir: file: 'broken.json' line 1" ts import fhir broken.json
assert_eq "$(json 'this.issue[0].code')" "structure"
expect_refused 2 "import fhir: file: unable to open" ts import fhir nothing.json
# From stdin.
expect_ok ts import fhir - < ehr.json
assert_contains "$OUT" "1 matched"

# Round trip: a full course of care exported, its patient, practitioners and
# referral imported into a fresh database, exported again: the same facts.
export TOUCHSTONE_DB="$TMP/course.db"
. "$HERE/docs-course.inc"
expect_ok ts export fhir --patient "$patient" --out course.json
node -e 'const fs = require("fs"); const b = JSON.parse(fs.readFileSync("course.json"));
  b.entry = b.entry.filter(e => ["Patient", "Practitioner", "ServiceRequest"].includes(e.resource.resourceType));
  fs.writeFileSync("course-referral.json", JSON.stringify(b));'
export TOUCHSTONE_DB="$TMP/fresh.db"
expect_ok ts init --clinic "Another Synthetic Clinic"
expect_ok ts import fhir course-referral.json
assert_contains "$OUT" "1 patient\(s\) added.*1 practitioner\(s\) added, 0 matched, 2 training record\(s\); 1 referral\(s\) added"
expect_ok ts export fhir --patient 1 --out fresh.json
expect_ok node "$VALIDATE" fresh.json
# The facts of Patient, the physician and ServiceRequest are the same; the
# first clinic's patient id became an identifier of the second.
facts='const b = JSON.parse(require("fs").readFileSync(process.argv[1]));
  const r = t => b.entry.map(e => e.resource).filter(x => x.resourceType === t);
  const p = r("Patient")[0], s = r("ServiceRequest")[0];
  const d = b.entry.find(e => e.fullUrl === s.requester.reference).resource;
  console.log(JSON.stringify([p.name, p.gender, p.birthDate, p.telecom, p.address,
    s.intent, s.authoredOn, s.reasonCode, s.note, d.name, d.identifier, d.qualification]));'
assert_eq "$(node -e "$facts" fresh.json)" "$(node -e "$facts" course.json)" "round trip"
OUT=$(cat fresh.json)
assert_eq "$(json 'this.entry[0].resource.identifier.length')" "2"
assert_eq "$(json 'this.entry[0].resource.identifier[1].system')" \
  "$(OUT=$(cat course.json) json 'this.entry[0].resource.identifier[0].system')"
expect_ok ts --json practitioner show 1
assert_eq "$(json '[this.name, this.license, this.credentials, this.npi, this.email, this.training.map(t => t.protocol + ":" + t.hours + ":" + t.completed + ":" + (t.provider || "")).join()].join("|")')" \
  "Ada Synthetic|MA-LMT-4242|LMT|1234567893|ada@clinic.invalid|stress-management-full-body:150:2020-01-01:Synthetic School,low-back-pain:32:2021-01-01:"
# Imported again: matched by the first clinic's id (now an identifier here).
expect_ok ts import fhir course-referral.json
assert_contains "$OUT" "0 patient\(s\) added, 1 matched; 0 practitioner\(s\) added, 1 matched, 0 training"
# And into the clinic that issued it: matched to its own patient by id.
export TOUCHSTONE_DB="$TMP/course.db"
expect_ok ts import fhir course-referral.json
assert_contains "$OUT" "0 patient\(s\) added, 1 matched.*0 referral\(s\) added, 1 matched"
