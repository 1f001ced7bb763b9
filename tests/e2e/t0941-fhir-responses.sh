#!/usr/bin/env bash
# QuestionnaireResponse in and out, and an ordinary EHR referral bundle:
# - a response Touchstone did not write (hand-written here) comes in by
#   `touchstone import fhir` and by POST /fhir/r4/QuestionnaireResponse, is
#   scored by the instrument's rule (computed here independently), recorded
#   with source 'import' and audited; the same response again is matched;
#   a bad answer, another patient or a modifier changes nothing;
# - the export carries it back out, and every document is valid by the two
#   independent validators;
# - a referral from an EHR with elements Touchstone does not keep
#   (ServiceRequest.category, HumanName.prefix, ...) is imported with a
#   warning for each; a modifier (doNotPerform) is refused.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/web-lib.sh"
. "$HERE/docs-course.inc"
fhir_validator
validate() { node "$VALIDATE" "$@" >/dev/null || fail "invalid FHIR: $(node "$VALIDATE" "$@" | head -5)"; }

# This clinic's identifier systems, from its own export.
expect_ok ts export fhir --patient "$patient" --out export1.json
validate export1.json
OUT=$(cat export1.json)
psys=$(json 'this.entry.find(e => e.resource.resourceType === "Patient").resource.identifier[0].system')
esys=$(json 'this.entry.find(e => e.resource.resourceType === "EpisodeOfCare").resource.identifier[0].system')
assert_contains "$esys" "^https://touchstone.example/fhir/sid/episode/[0-9a-f]{16}$"
# Exported responses name the episode and the timepoint.
assert_eq "$(json 'this.entry.filter(e => e.resource.resourceType === "QuestionnaireResponse").map(e => e.resource.extension.map(x => x.valueIdentifier ? x.valueIdentifier.value : x.valueCode).join(":")).join(" ")')" \
  "$episode:baseline $episode:post $episode:followup"

# A follow-up NPRS from a patient app (hand-written, not by Touchstone).
cat > nprs.json <<JSON
{"resourceType": "QuestionnaireResponse",
 "meta": {"source": "https://app.invalid/synthetic"},
 "extension": [
   {"url": "https://touchstone.example/fhir/StructureDefinition/episode",
    "valueIdentifier": {"system": "$esys", "value": "$episode"}},
   {"url": "https://touchstone.example/fhir/StructureDefinition/timepoint",
    "valueCode": "followup"}],
 "questionnaire": "https://touchstone.example/fhir/Questionnaire/nprs",
 "status": "completed",
 "subject": {"identifier": {"system": "$psys", "value": "$patient"}},
 "authored": "2026-04-20T08:30:00Z",
 "item": [{"linkId": "1", "text": "average pain", "answer": [{"valueInteger": 3}]}]}
JSON
validate nprs.json
before=$(sql "SELECT count(*) FROM observation")
audits=$(sql "SELECT count(*) FROM audit WHERE action = 'create' AND record_type = 'observation'")
expect_ok ts import fhir nprs.json
assert_contains "$OUT" "1 response\(s\) scored, 0 matched"
assert_eq "$(sql "SELECT count(*) FROM observation")" "$((before + 1))"
assert_eq "$(sql "SELECT instrument || ' ' || timepoint || ' ' || total || ' ' || source || ' ' || observed_at FROM observation ORDER BY id DESC LIMIT 1")" \
  "nprs followup 3.0 import 2026-04-20T08:30:00Z"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'create' AND record_type = 'observation'")" "$((audits + 1))"
# The same response again is matched, not added.
expect_ok ts import fhir nprs.json
assert_contains "$OUT" "0 response\(s\) scored, 1 matched"
assert_eq "$(sql "SELECT count(*) FROM observation")" "$((before + 1))"

# Refusals change nothing.
mutate() { node -e "const fs = require('fs'); const q = JSON.parse(fs.readFileSync('nprs.json'));
  q.authored = '2026-04-21T08:30:00Z'; $2; fs.writeFileSync('$1.json', JSON.stringify(q));"; }
mutate out-of-range "q.item[0].answer[0].valueInteger = 11"
expect_refused 2 "import fhir: " ts import fhir out-of-range.json
assert_eq "$(json 'this.issue[0].expression[0]')" "QuestionnaireResponse.item"
mutate other-patient "q.subject.identifier.value = '999'"
expect_refused 2 "subject" ts import fhir other-patient.json
mutate unknown-questionnaire "q.questionnaire = 'http://loinc.org/q/72514-3'"
expect_refused 2 "questionnaire" ts import fhir unknown-questionnaire.json
mutate in-progress "q.status = 'in-progress'"
expect_refused 2 "only a completed response" ts import fhir in-progress.json
mutate modifier "q.modifierExtension = [{url: 'http://x.invalid', valueBoolean: true}]"
expect_refused 2 "modifier" ts import fhir modifier.json
mutate no-episode "q.extension.shift()"
expect_refused 2 "names its episode" ts import fhir no-episode.json

# ODI through the server, by a hand-written response with two sections
# unanswered: the total is the sum over 5 x the sections answered x 100.
add_user ada@clinic.example therapist 1
login ada@clinic.example "$PASSWORD"
answers="2 1 3 0 1 2 1 0"
odi=$(node -e 'const a = process.argv[1].split(" ").map(Number);
  const items = a.map((v, i) => ({linkId: String(i + 1), answer: [{valueInteger: v}]}));
  items.push({linkId: "9"}, {linkId: "10"});
  console.log(JSON.stringify({resourceType: "QuestionnaireResponse",
    extension: [{url: "https://touchstone.example/fhir/StructureDefinition/episode",
                 valueReference: {reference: "EpisodeOfCare/" + process.argv[2]}},
                {url: "https://touchstone.example/fhir/StructureDefinition/timepoint", valueCode: "followup"}],
    questionnaire: "https://touchstone.example/fhir/Questionnaire/odi|2.1a", status: "completed",
    subject: {reference: "Patient/" + process.argv[3]}, authored: "2026-05-01T09:00:00Z", item: items}))' \
  "$answers" "$episode" "$patient")
printf '%s\n' "$odi" > odi.json
validate odi.json
http POST /fhir/r4/QuestionnaireResponse "$odi"
expect_status 201
printf '%s\n' "$OUT" > outcome.json; validate outcome.json
id=$(sql "SELECT max(id) FROM observation")
assert_eq "$(header Location)" "QuestionnaireResponse/$id"
want=$(awk -v a="$answers" 'BEGIN { n = split(a, x, " "); s = 0; for (i = 1; i <= n; i++) s += x[i]; printf "%.4f", s / (5 * n) * 100 }')
assert_eq "$(sql "SELECT printf('%.4f', total) || ' ' || source FROM observation WHERE id = $id")" "$want import"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE actor = 'ada@clinic.example' AND action = 'create' AND record_type = 'observation'")" "1"
# Out of range over HTTP: 400, an OperationOutcome, nothing recorded.
bad=$(node -e 'const q = JSON.parse(process.argv[1]); q.item[0].answer[0].valueInteger = 6;
  q.authored = "2026-05-02T09:00:00Z"; console.log(JSON.stringify(q))' "$odi")
count=$(sql "SELECT count(*) FROM observation")
http POST /fhir/r4/QuestionnaireResponse "$bad"
expect_status 400
assert_eq "$(json 'this.resourceType + " " + this.issue[0].severity')" "OperationOutcome error"
assert_eq "$(sql "SELECT count(*) FROM observation")" "$count"
# A colleague's therapist cannot record into this episode.
expect_ok ts practitioner add --name "Bea Synthetic" --license MA-LMT-5151 --credentials LMT
add_user bea@clinic.example therapist "$OUT"
login bea@clinic.example "$PASSWORD"
other=$(node -e 'const q = JSON.parse(process.argv[1]); q.authored = "2026-05-03T09:00:00Z"; console.log(JSON.stringify(q))' "$odi")
http POST /fhir/r4/QuestionnaireResponse "$other"
expect_status 404
assert_eq "$(sql "SELECT count(*) FROM observation")" "$count"

# The export carries the imported responses back out, valid.
expect_ok ts export fhir --patient "$patient" --out export2.json
validate export2.json
OUT=$(cat export2.json)
assert_eq "$(json 'this.entry.filter(e => e.resource.resourceType === "QuestionnaireResponse" && e.resource.authored === "2026-05-01T09:00:00Z").map(e => e.resource.item.map(i => i.linkId + ":" + i.answer[0].valueInteger).join(",")).join()')" \
  "1:2,2:1,3:3,4:0,5:1,6:2,7:1,8:0"

# An ordinary EHR referral: elements Touchstone does not keep are ignored,
# each with a warning.
cat > referral.json <<'JSON'
{"resourceType": "Bundle", "type": "transaction", "entry": [
 {"fullUrl": "urn:uuid:7d3c1f0a-1111-4a5b-9c3d-000000000001",
  "resource": {"resourceType": "Patient",
   "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.9999", "value": "EHR-SYN-77"}],
   "name": [{"use": "official", "prefix": ["Ms"], "given": ["Quinn"], "family": "Synthetic"}],
   "gender": "female", "birthDate": "1980-02-29",
   "maritalStatus": {"text": "unknown"},
   "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}}]},
  "request": {"method": "POST", "url": "Patient"}},
 {"fullUrl": "urn:uuid:7d3c1f0a-1111-4a5b-9c3d-000000000002",
  "resource": {"resourceType": "Practitioner",
   "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1245319599"}],
   "name": [{"prefix": ["Dr"], "given": ["Orla"], "family": "Fictive"}],
   "gender": "female"},
  "request": {"method": "POST", "url": "Practitioner"}},
 {"fullUrl": "urn:uuid:7d3c1f0a-1111-4a5b-9c3d-000000000003",
  "resource": {"resourceType": "ServiceRequest", "status": "active", "intent": "order",
   "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "386053000",
                             "display": "Evaluation procedure"}]}],
   "priority": "routine",
   "code": {"text": "medical massage"},
   "subject": {"reference": "urn:uuid:7d3c1f0a-1111-4a5b-9c3d-000000000001"},
   "requester": {"reference": "urn:uuid:7d3c1f0a-1111-4a5b-9c3d-000000000002"},
   "authoredOn": "2026-03-02",
   "reasonCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.2"}]}],
   "note": [{"text": "neck pain, synthetic referral"}]},
  "request": {"method": "POST", "url": "ServiceRequest"}}]}
JSON
validate referral.json
referrals=$(sql "SELECT count(*) FROM referral")
expect_ok ts import fhir referral.json
assert_contains "$OUT" "1 referral\(s\) added"
assert_contains "$OUT" "7 element\(s\) ignored"
for path in "Bundle.entry[0].resource.name[0].prefix" "Bundle.entry[0].resource.maritalStatus" \
            "Bundle.entry[0].resource.communication" "Bundle.entry[1].resource.name[0].prefix" \
            "Bundle.entry[1].resource.gender" "Bundle.entry[2].resource.category" \
            "Bundle.entry[2].resource.priority"; do
  grep -qF "warning: $path: " <<<"$ERR" || fail "no warning for $path: $ERR"
done
assert_eq "$(sql "SELECT count(*) FROM referral")" "$((referrals + 1))"
assert_eq "$(sql "SELECT physician_name || '|' || icd10 FROM referral ORDER BY id DESC LIMIT 1")" "Orla Fictive|M54.2"
# --json: the warnings as OperationOutcomes in the response, valid FHIR.
node -e "const fs = require('fs'); const b = JSON.parse(fs.readFileSync('referral.json'));
  b.entry[0].resource.identifier[0].value = 'EHR-SYN-78'; b.entry[2].resource.authoredOn = '2026-03-03';
  fs.writeFileSync('referral2.json', JSON.stringify(b));"
expect_ok ts --json import fhir referral2.json
printf '%s\n' "$OUT" > response.json; validate response.json
assert_eq "$(json 'this.entry.map(e => e.response.outcome ? e.response.outcome.issue.length : 0).join()')" "3,2,2"
assert_eq "$(json 'this.entry[2].response.outcome.issue.map(i => i.severity).join()')" "warning,warning"
# A modifier Touchstone does not understand is refused: nothing changes.
node -e "const fs = require('fs'); const b = JSON.parse(fs.readFileSync('referral.json'));
  b.entry[0].resource.identifier[0].value = 'EHR-SYN-79'; b.entry[2].resource.doNotPerform = true;
  fs.writeFileSync('dnp.json', JSON.stringify(b));"
expect_refused 2 "doNotPerform" ts import fhir dnp.json
assert_eq "$(json 'this.issue[0].expression[0]')" "Bundle.entry[2].resource.doNotPerform"
echo "ok"
