#!/usr/bin/env bash
# The de-identified registry export: a database seeded with a canary value
# for every kind of identifier (names, birth date, a ZIP of a restricted
# ZIP3, phone, email, licence, NPIs, notes, the referring physician, the
# referral's reason, dates, record ids); none may appear in the export.
# Only patients who consented to research are in it; ages over 89 pool as
# 90+; two exports share no pseudonym.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

expect_ok ts init --clinic "Canaryclinic Synthetic"
lbp_screen screen.json
expect_ok ts practitioner add --name "Canaryprac Quillon" --license LIC-CANARY-7731 \
  --credentials LMT --npi 1234567893 --email canary.prac@mail.invalid
expect_ok ts training add --practitioner 1 --protocol stress-management-full-body \
  --hours 150 --completed 2020-01-01 --provider "Canaryschool Institute"
expect_ok ts training add --practitioner 1 --protocol low-back-pain --hours 32 --completed 2021-01-01
# A: 92 years old on the export day, ZIP3 036 (restricted), every field.
expect_ok ts patient add --name "Canarypat Wrenfield" --dob 1934-03-17 --sex female \
  --zip 03601 --phone 555-0147 --email canary.pat@mail.invalid --consent-treatment --consent-research
# B: 45, ZIP3 941.
expect_ok ts patient add --name "Canarytwo Larkspur" --dob 1980-07-09 --sex male \
  --zip 94110-1234 --phone "(555) 0148" --email canary.two@mail.invalid --consent-research
# C: no research consent: never in the export.
expect_ok ts patient add --name "Noconsent Finchley" --dob 1970-01-01 --sex female \
  --zip 10001 --consent-treatment
expect_ok ts referral add --patient 1 --physician "Dr Canaryphys Heronby" \
  --specialty "Canaryspecialty Medicine" --npi 1245319599 --reason "CanaryReasonText back" \
  --icd10 M54.50 --date 2026-01-02
for p in 1 2 3; do
  ref=""; [ "$p" = 1 ] && ref="--referral 1"
  # shellcheck disable=SC2086
  expect_ok ts episode open --patient $p --practitioner 1 --protocol low-back-pain \
    --icd10 M54.50 --start 2026-01-05 --screen screen.json $ref --chronicity-weeks 12 --comorbidities 2
  ep=$OUT
  expect_ok ts observe --episode "$ep" --instrument nprs --timepoint baseline --at 2026-01-05T09:00Z --value 7
  expect_ok ts observe --episode "$ep" --instrument odi --timepoint baseline --at 2026-01-05T09:05Z \
    --items 4,3,3,2,3,2,2,3,1,2
  for week in 0 1 2; do
    day=$(printf '2026-01-%02d' $((5 + 7 * week)))
    expect_ok ts session add --episode "$ep" --start "${day}T10:00Z" --minutes 60 \
      --phase introductory:10 --phase kneading:40 --phase circulatory:10 \
      --note "CanaryNoteText $p" --subjective "CanarySubjective" --objective "CanaryObjective" \
      --assessment "CanaryAssessment" --plan "CanaryPlan"
    s=$OUT
    expect_ok ts observe --episode "$ep" --session "$s" --instrument nprs --timepoint post \
      --at "${day}T11:02Z" --value $((5 - week))
  done
  expect_ok ts episode close "$ep" --end 2026-01-19
  expect_ok ts observe --episode "$ep" --instrument nprs --timepoint followup --at 2026-02-23T10:00Z --value 3
done
# C's own value, to prove C is left out: the seed's PVR 1.63.
expect_ok ts observe --episode 3 --instrument pvr --timepoint followup --at 2026-02-23T10:05Z --value 1.63

audit_before=$(sql "SELECT count(*) FROM audit WHERE action = 'export'")
expect_ok ts export registry --deidentified --out one.csv
assert_contains "$ERR" "exported 2 patient\(s\) who consented to research \(1 left out\), 2 episode\(s\)"
expect_ok ts export registry --deidentified --out two.csv
expect_ok ts export registry --deidentified --format ndjson --out one.ndjson
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'export' AND record_type = 'registry'")" \
  "$((audit_before + 3))"

# No identifier of any kind, in either format.
for f in one.csv two.csv one.ndjson; do
  for canary in Canarypat Wrenfield Canarytwo Larkspur Noconsent Finchley Canaryprac Quillon \
      Canaryphys Heronby Canaryspecialty CanaryReasonText CanaryNoteText CanarySubjective \
      CanaryObjective CanaryAssessment CanaryPlan Canaryschool Canaryclinic \
      1934 03-17 1934-03-17 1980-07-09 1970-01-01 03601 94110 10001 \
      555-0147 5550147 "(555) 0148" 5550148 canary.pat canary.two canary.prac mail.invalid \
      LIC-CANARY-7731 CANARY 1234567893 1245319599 \
      2026-01 2026-02 2025-12 T10:00 T09:00 11:02 \
      "1\.63"; do
    ! grep -qiF -- "$canary" "$f" || fail "'$canary' is in $f: $(grep -iF -- "$canary" "$f" | head -1)"
  done
done

# The columns: pseudonyms only, no id or date column; years, offsets,
# ZIP3 and pooled ages.
head -1 one.csv | grep -q '^kind,patient,practitioner,episode,protocol,icd10,start_year,duration_days,sessions,sex,age_at_start,birth_year,zip3,' ||
  fail "header: $(head -1 one.csv)"
! head -1 one.csv | grep -qiE '(^|,)[a-z_]*(id|name|date|zip|phone|email|npi|license|note)(,|$)' ||
  fail "an identifying column: $(head -1 one.csv)"
node -e '
  const fs = require("fs");
  const rows = fs.readFileSync("one.ndjson", "utf8").trim().split("\n").map(JSON.parse);
  const bad = (m) => { console.error(m); process.exit(1); };
  const pseud = /^p[0-9a-f]{16}$/;
  for (const r of rows)
    for (const k of ["patient", "practitioner", "episode"])
      if (!pseud.test(r[k])) bad("not a pseudonym: " + k + "=" + r[k]);
  const patients = new Set(rows.map(r => r.patient));
  if (patients.size !== 2) bad("patients: " + patients.size);
  const ep = rows.filter(r => r.kind === "episode");
  const old = ep.filter(r => r.age_at_start === "90+");
  const young = ep.filter(r => r.age_at_start === "45");
  if (!old.length || !young.length) bad("ages: " + [...new Set(ep.map(r => r.age_at_start))]);
  if (!old.every(r => r.birth_year === null && r.zip3 === "000")) bad("the 92-year-old: " + JSON.stringify(old[0]));
  if (!young.every(r => r.birth_year === 1980 && r.zip3 === "941")) bad("the 45-year-old: " + JSON.stringify(young[0]));
  if (!ep.every(r => r.start_year === 2026 && r.duration_days === 14 && r.sessions === 3)) bad("episode dates");
  const nprs = ep.filter(r => r.instrument === "nprs");
  if (!nprs.every(r => r.baseline === 7 && r.discharge === 3 && r.improvement === 4 &&
                       r.responder === true && r.followup === 3 && r.followup_days === 35))
    bad("nprs summary: " + JSON.stringify(nprs[0]));
  const obs = rows.filter(r => r.kind === "observation");
  if (obs.length !== 2 * 6) bad("observations: " + obs.length);
  const days = obs.filter(r => r.instrument === "nprs").map(r => r.timepoint + "@" + r.day + "#" + (r.session_number || "-"));
  if (days.slice(0, 5).join() !== "baseline@0#-,post@0#1,post@7#2,post@14#3,followup@49#-")
    bad("offsets: " + days.join());
  if (!obs.some(r => r.instrument === "odi" && JSON.stringify(r.items) === "[4,3,3,2,3,2,2,3,1,2]")) bad("items");
  if (rows.some(r => r.instrument === "pvr")) bad("the patient without consent is in it");
  // Nothing of the record: no text but codes, pseudonyms and labels.
  const allowed = new Set(["kind","patient","practitioner","episode","protocol","icd10","sex",
    "age_at_start","zip3","instrument","role","incomplete_reason","timepoint"]);
  for (const r of rows) for (const [k, v] of Object.entries(r))
    if (typeof v === "string" && !allowed.has(k)) bad("text in " + k + ": " + v);
' || fail "the export's content"
# CSV and NDJSON hold the same rows (pseudonyms aside).
[ "$(($(wc -l < one.csv) - 1))" -eq "$(wc -l < one.ndjson)" ] || fail "csv and ndjson rows differ"

# Two exports: fresh pseudonyms, none shared.
pseudonyms() { tail -n +2 "$1" | cut -d, -f2-4 | tr ',' '\n' | sort -u; }
[ "$(pseudonyms one.csv | wc -l)" -eq 5 ] || fail "expected 2 patients, 1 practitioner, 2 episodes"
[ -z "$(comm -12 <(pseudonyms one.csv) <(pseudonyms two.csv))" ] || fail "two exports share a pseudonym"

# Refusals.
expect_refused 2 "deidentified: the registry is exported de-identified only" ts export registry --out x.csv
expect_refused 2 "format: 'xml' is not one of csv, ndjson" ts export registry --deidentified --format xml
[ ! -e x.csv ] || fail "a refused export wrote a file"
