#!/usr/bin/env bash
# FHIR R4 export of a whole course of care: every resource passes two
# independent validators (the official R4 JSON schema and the fhir
# package's structure definitions), every reference resolves inside the
# Bundle, and the codes are the documented ones.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/docs-course.inc"
fhir_validator

reads_before=$(sql "SELECT count(*) FROM audit WHERE action = 'read'")
expect_ok ts export fhir --patient "$patient" --out bundle.json
[ -z "$OUT" ] || fail "--out also printed to stdout"
reads_after=$(sql "SELECT count(*) FROM audit WHERE action = 'read'")
[ "$reads_after" -gt "$reads_before" ] || fail "the export left no audit entry"
expect_ok node "$VALIDATE" bundle.json
assert_contains "$OUT" "^ok bundle.json \(32 resources\)"

# The same document on stdout.
expect_ok ts export fhir --patient "$patient"
printf '%s\n' "$OUT" > stdout.json
expect_ok node "$VALIDATE" stdout.json

OUT=$(cat bundle.json)
assert_eq "$(json 'this.resourceType + " " + this.type')" "Bundle collection"
count() { json "this.entry.filter(e => e.resource.resourceType === '$1').length"; }
assert_eq "$(count Patient)" "1"
assert_eq "$(count Practitioner)" "2"
assert_eq "$(count Condition)" "1"
assert_eq "$(count ServiceRequest)" "1"
assert_eq "$(count EpisodeOfCare)" "1"
assert_eq "$(count Encounter)" "4"
assert_eq "$(count Procedure)" "4"
assert_eq "$(count Observation)" "14"
assert_eq "$(count QuestionnaireResponse)" "3"
# fullUrls are unique urn:uuid; resources carry no local ids.
assert_eq "$(json 'new Set(this.entry.map(e => e.fullUrl)).size')" "31"
assert_eq "$(json 'this.entry.every(e => /^urn:uuid:[0-9a-f-]{36}$/.test(e.fullUrl))')" "true"
assert_eq "$(json 'this.entry.some(e => e.resource.id)')" "false"

# A helper: the resource a reference names.
R='const byUrl = u => this.entry.find(e => e.fullUrl === u).resource;
   const all = t => this.entry.map(e => e.resource).filter(r => r.resourceType === t);'
j() { json "$R $1"; }

assert_eq "$(j 'const p = all("Patient")[0]; [p.name[0].text, p.gender, p.birthDate, p.address[0].postalCode, p.telecom.map(t => t.system + ":" + t.value).join()].join("|")')" \
  "Pat Synthetic|female|1975-04-12|94110|phone:555-0100,email:pat@mail.invalid"
assert_contains "$(j 'all("Patient")[0].identifier[0].system')" "^https://touchstone.example/fhir/sid/patient/[0-9a-f]{16}$"
# The therapist: NPI, licence and qualifications from the training records.
assert_eq "$(j 'const t = all("Practitioner").find(p => p.identifier && p.identifier.some(i => i.value === "MA-LMT-4242")); t.identifier.map(i => i.system + "|" + i.value).join()')" \
  "http://hl7.org/fhir/sid/us-npi|1234567893,https://touchstone.example/fhir/sid/massage-therapist-license|MA-LMT-4242"
assert_eq "$(j 'const t = all("Practitioner").find(p => p.name[0].text === "Ada Synthetic"); t.qualification.map(q => (q.code.coding ? q.code.coding[0].code + "@" + q.period.start + "/" + q.extension[0].valueDecimal + "h" : q.code.text)).join()')" \
  "LMT,stress-management-full-body@2020-01-01/150h,low-back-pain@2021-01-01/32h"
# Condition: ICD-10-CM.
assert_eq "$(j 'const c = all("Condition")[0].code.coding[0]; c.system + "|" + c.code')" \
  "http://hl7.org/fhir/sid/icd-10-cm|M54.50"
# The referral: an order, completed (its episode is discharged), by the physician.
assert_eq "$(j 'const s = all("ServiceRequest")[0]; [s.intent, s.status, s.authoredOn, s.reasonCode.map(c => c.coding[0].system + "|" + c.coding[0].code).join(), s.note[0].text].join(" ")')" \
  "order completed 2026-01-02 http://hl7.org/fhir/sid/icd-10-cm|M54.50,http://hl7.org/fhir/sid/icd-10-cm|M54.59 chronic low back pain"
assert_eq "$(j 'const d = byUrl(all("ServiceRequest")[0].requester.reference); [d.resourceType, d.name[0].text, d.identifier[0].value, d.qualification[0].code.text].join("|")')" \
  "Practitioner|Dr Orla Fictive|1245319599|Family medicine"
assert_eq "$(j 'byUrl(all("ServiceRequest")[0].subject.reference).resourceType')" "Patient"
# The episode.
assert_eq "$(j 'const e = all("EpisodeOfCare")[0]; [e.status, e.period.start, e.period.end, e.type[0].coding[0].system, e.type[0].coding[0].code, byUrl(e.careManager.reference).name[0].text, byUrl(e.diagnosis[0].condition.reference).code.coding[0].code, byUrl(e.referralRequest[0].reference).resourceType].join("|")')" \
  "finished|2026-01-05|2026-01-26|https://touchstone.example/fhir/CodeSystem/protocol|low-back-pain|Ada Synthetic|M54.50|ServiceRequest"
# Encounters: ambulatory, an hour each, in the episode.
assert_eq "$(j 'all("Encounter").map(e => e.class.system + "|" + e.class.code + "|" + e.period.start + "|" + e.period.end + "|" + byUrl(e.episodeOfCare[0].reference).resourceType).join(" ")')" \
  "$(for d in 05 12 19 26; do printf 'http://terminology.hl7.org/CodeSystem/v3-ActCode|AMB|2026-01-%sT10:00:00Z|2026-01-%sT11:00:00Z|EpisodeOfCare ' $d $d; done | sed 's/ $//')"
# Procedures: CPT 97124 (kneading, friction, introductory, circulatory:
# 52 of the 60 minutes bill as massage) and the protocol code.
assert_eq "$(j 'all("Procedure").map(p => p.code.coding.map(c => c.system + "|" + c.code).join(",") + "|" + p.status + "|" + byUrl(p.encounter.reference).resourceType).join(" ")' | tr ' ' '\n' | sort -u)" \
  "http://www.ama-assn.org/go/cpt|97124,https://touchstone.example/fhir/CodeSystem/protocol|low-back-pain|completed|Encounter"
# Observations: LOINC where one exists, the project's code system always.
assert_eq "$(j 'all("Observation").filter(o => o.code.coding[0].system === "http://loinc.org").map(o => o.code.coding[0].code).sort().join()')" \
  "72514-3,72514-3,72514-3,72514-3,72514-3,72514-3,72514-3,72514-3,72514-3,72514-3,85354-9,97909-6,97909-6,97909-6"
assert_eq "$(j 'all("Observation").every(o => o.code.coding.some(c => c.system === "https://touchstone.example/fhir/CodeSystem/instrument"))')" "true"
# Blood pressure: a vital-signs panel with systolic and diastolic components.
assert_eq "$(j 'const o = all("Observation").find(o => o.code.coding[0].code === "85354-9"); [o.category[0].coding[0].code, o.component.map(c => c.code.coding[0].code + "=" + c.valueQuantity.value + c.valueQuantity.code).join(","), "valueQuantity" in o].join("|")')" \
  "vital-signs|8480-6=142mm[Hg],8462-4=91mm[Hg]|false"
# NPRS values by timepoint and encounter.
assert_eq "$(j 'all("Observation").filter(o => o.code.coding[0].code === "72514-3").map(o => o.extension[0].valueCode + "=" + o.valueQuantity.value + (o.encounter ? "@E" : "")).join()')" \
  "baseline=7,pre=7@E,post=6@E,pre=6@E,post=5@E,pre=5@E,post=4@E,pre=4@E,post=3@E,followup=2"
# ODI: totals by the scoring rule, derivedFrom the item answers.
assert_eq "$(j 'all("Observation").filter(o => o.code.coding[0].code === "97909-6").map(o => o.valueQuantity.value.toFixed(2) + "<-" + byUrl(o.derivedFrom[0].reference).item.map(i => i.linkId + ":" + i.answer[0].valueInteger).join(";")).join(" ")')" \
  "50.00<-1:4;2:3;3:3;4:2;5:3;6:2;7:2;8:3;9:1;10:2 13.33<-1:1;2:1;3:1;4:0;5:1;6:0;7:1;8:1;9:0 8.00<-1:1;2:1;3:0;4:0;5:1;6:0;7:1;8:0;9:0;10:0"
# QuestionnaireResponses hold linkIds and answers only: no wording.
assert_eq "$(j 'all("QuestionnaireResponse").every(q => q.item.every(i => Object.keys(i).sort().join() === "answer,linkId"))')" "true"
# Free-text notes of sessions never leave in FHIR.
! grep -q "pain 7/10" bundle.json || fail "a session note was exported"

# The validators do catch a broken resource: a negative control.
node -e 'const fs = require("fs"); const b = JSON.parse(fs.readFileSync("bundle.json"));
  const o = b.entry.find(e => e.resource.resourceType === "Observation").resource;
  o.status = "done"; o.valueQuantity.value = "seven";
  fs.writeFileSync("broken.json", JSON.stringify(b));'
rc=0; node "$VALIDATE" broken.json > broken.out || rc=$?
[ $rc -eq 1 ] || fail "the validator passed a broken bundle"
assert_contains "$(cat broken.out)" "Observation.status"
node -e 'const fs = require("fs"); const b = JSON.parse(fs.readFileSync("bundle.json"));
  b.entry[3].resource.subject = {reference: "urn:uuid:00000000-0000-4000-8000-000000000000"};
  fs.writeFileSync("dangling.json", JSON.stringify(b));'
rc=0; node "$VALIDATE" dangling.json > dangling.out || rc=$?
[ $rc -eq 1 ] || fail "the validator passed a dangling reference"
assert_contains "$(cat dangling.out)" "does not resolve"

# Refusals: no such patient, a bad id, an unwritable file.
expect_refused 2 "export fhir: patient: no patient 99" ts export fhir --patient 99
expect_refused 2 "patient: 'x' is not a record id" ts export fhir --patient x
expect_refused 1 "out: unable to write" ts export fhir --patient 1 --out /nonexistent/dir/b.json
expect_refused 2 "missing" ts export fhir

# The demo clinic exports and validates too (every patient of it).
export TOUCHSTONE_DB="$TMP/demo.db"
expect_ok ts demo
for p in $(sqlite3 "$TOUCHSTONE_DB" "SELECT id FROM patient ORDER BY id LIMIT 12"); do
  expect_ok ts export fhir --patient "$p" --out "demo-$p.json"
done
expect_ok node "$VALIDATE" demo-*.json
[ "$(grep -c '^ok ' <<<"$OUT")" -eq 12 ] || fail "demo bundles: $OUT"
