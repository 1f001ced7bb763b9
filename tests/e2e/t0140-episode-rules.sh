#!/usr/bin/env bash
# The clinical rules of episodes, sessions and observations: each refusal
# names the field, exits 2 (bad input) or 3 (scope of practice, red flag),
# and changes nothing but the record of the refusal.
. "$(dirname "$0")/lib.sh"

record_clinic
expect_ok ts practitioner add --name "Ada Synthetic" --license MA-1 --credentials LMT
expect_ok ts practitioner add --name "Bo Synthetic" --license MA-2 --credentials LMT
expect_ok ts practitioner add --name "Cy Synthetic" --license MA-3 --credentials LMT
train_lbp 1 2020-01-01 32 2021-01-01
expect_ok ts training add --practitioner 2 --protocol stress-management-full-body --hours 80 --completed 2020-01-01
expect_ok ts patient add --name "Pat Synthetic" --dob 1975-04-12 --sex female
expect_ok ts patient add --name "Other Synthetic" --dob 1960-01-01 --sex male
expect_ok ts referral add --patient 2 --physician "Dr Fictive" --specialty Neurology --reason pain --icd10 M54.50 --date 2026-01-02

open_ep() { ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-01-05 "$@"; }
expect_refused 2 "episode open: red-flag: not answered: saddle-numbness, progressive-weakness, fever, weight-loss, cancer-history, night-pain" open_ep
expect_refused 2 "episode open: red-flag: not answered: night-pain" open_ep --red-flag saddle-numbness=no --red-flag progressive-weakness=no --red-flag fever=no --red-flag weight-loss=no --red-flag cancer-history=no
expect_refused 2 "episode open: red-flag: 'thunderclap' is not a red flag of low-back-pain \(its flags: saddle-numbness," open_ep --screen clear.json --red-flag thunderclap=no
expect_refused 2 "episode open: protocol: 'low-back' is not a protocol of the catalog" ts episode open --patient 1 --practitioner 1 --protocol low-back --icd10 M54.50 --start 2026-01-05 --screen clear.json
expect_refused 2 "episode open: icd10: 'M5450' is not an ICD-10-CM code" ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M5450 --start 2026-01-05
expect_refused 2 "episode open: icd10: .*not an ICD-10-CM code" ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 m54.50 --start 2026-01-05
expect_refused 2 "episode open: protocol: .*not an id" ts episode open --patient 1 --practitioner 1 --protocol "Low Back" --icd10 M54.50 --start 2026-01-05
expect_refused 2 "episode open: start: '2026-07-01' is in the future" ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-07-01
expect_refused 2 "episode open: start: .*before the patient's birth" ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 1970-01-01
expect_refused 2 "episode open: patient: no patient 9" ts episode open --patient 9 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-01-05
expect_refused 2 "episode open: practitioner: no practitioner 9" ts episode open --patient 1 --practitioner 9 --protocol low-back-pain --icd10 M54.50 --start 2026-01-05
expect_refused 2 "episode open: referral: no referral 1$" open_ep --referral 1
expect_refused 2 "episode open: referral: no referral 5" open_ep --referral 5
expect_refused 2 "episode open: chronicity-weeks: -1 is out of range" open_ep --chronicity-weeks -1
expect_refused 2 "episode open: chronicity-weeks: 5201 is out of range" open_ep --chronicity-weeks 5201
expect_refused 2 "episode open: comorbidities: .*not a whole number" open_ep --comorbidities 1.5
expect_refused 2 "episode open: comorbidities: .*not a whole number" open_ep --comorbidities 99999999999999999999
expect_refused 2 "episode open: red-flag: 'fever' is not ID=yes or ID=no" open_ep --red-flag fever
expect_refused 2 "episode open: red-flag: 'fever=maybe' is not ID=yes or ID=no" open_ep --red-flag fever=maybe
expect_refused 2 "episode open: red-flag: 'fever' is answered more than once" open_ep --red-flag fever=no --red-flag fever=no
echo '{"fever": "no", "night-pain": true}' > screen.json
flags=()
expect_refused 2 "episode open: screen: 'night-pain': the answer must be" open_ep --screen screen.json
echo '{"fever": "no",' > broken.json
expect_refused 2 "episode open: screen: .*broken.json" open_ep --screen broken.json
expect_refused 2 "episode open: screen: .*" open_ep --screen "$TMP/none.json"

# Scope of practice: exit 3, with the trained colleague named.
before=$(sql 'SELECT count(*) FROM episode')
rc=0; OUT=$(ts episode open --patient 1 --practitioner 2 --protocol low-back-pain --icd10 M54.50 --start 2026-01-05 --screen clear.json 2>"$TMP/err") || rc=$?
assert_eq "$rc" "3" "scope exit status"
assert_contains "$(cat "$TMP/err")" "episode open: practitioner: practitioner 2 is not trained in low-back-pain \(has 80 of the 120 hours"
assert_contains "$OUT" "Trained colleagues to refer to:"
assert_contains "$OUT" "1 +Ada Synthetic"
assert_eq "$(sql 'SELECT count(*) FROM episode')" "$before"
assert_eq "$(sql "SELECT reason || ':' || practitioner_id FROM episode_refusal")" "scope:2"
for f in thunderclap neuro-deficit fever-stiff-neck new-headache-over-50 headache-after-head-injury worsening-headache; do
  flags+=(--red-flag "$f=no")
done
rc=0; ts episode open --patient 1 --practitioner 3 --protocol migraine --icd10 G43.909 --start 2026-01-05 "${flags[@]}" >"$TMP/out" 2>&1 || rc=$?
assert_eq "$rc" "3"
assert_contains "$(cat "$TMP/out")" "No practitioner of the clinic is trained in it"

# A red flag: exit 3 and a referral note naming it.
sed 's/"weight-loss": "no"/"weight-loss": "yes"/' clear.json > screen.json
rc=0; OUT=$(open_ep --screen screen.json 2>"$TMP/err") || rc=$?
assert_eq "$rc" "3" "red flag exit status"
assert_contains "$(cat "$TMP/err")" "red-flag: 'weight-loss' answered yes"
assert_contains "$OUT" "answered yes to red flag 'weight-loss': \"Has the patient lost weight"
assert_contains "$OUT" "physician"
rc=0; OUT=$(ts --json episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-01-05 --red-flag fever=yes 2>/dev/null) || rc=$?
assert_eq "$rc" "3"
assert_eq "$(json 'this.refused')" "refused"
assert_eq "$(sql 'SELECT count(*) FROM episode')" "$before"
assert_eq "$(sql "SELECT count(*) FROM episode_refusal WHERE reason = 'red-flag'")" "2"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE outcome = 'refused'")" "4"

expect_ok open_ep --screen clear.json
assert_eq "$OUT" "1"

# Sessions.
add_s() { ts session add --episode 1 "$@"; }
expect_refused 2 "session add: minutes: 0 is out of range \(1 to 600\)" add_s --start 2026-01-05T10:00Z --minutes 0
expect_refused 2 "session add: minutes: 601 is out of range" add_s --start 2026-01-05T10:00Z --minutes 601
expect_refused 2 "session add: minutes: .*not a whole number" add_s --start 2026-01-05T10:00Z --minutes 60.5
expect_refused 2 "session add: minutes: missing" add_s --start 2026-01-05T10:00Z
expect_refused 2 "session add: start: .*before the episode's start" add_s --start 2026-01-04T10:00Z --minutes 60
expect_refused 2 "session add: start: .*is in the future" add_s --start 2026-06-30T12:01:00Z --minutes 60
expect_refused 2 "session add: start: .*not a real time" add_s --start 2026-01-05T25:00Z --minutes 60
expect_refused 2 "session add: start: .*not a date and time" add_s --start yesterday --minutes 60
expect_refused 2 "session add: phase: the phases add up to 70 minutes, more than the session's 60" \
  add_s --start 2026-01-05T10:00Z --minutes 60 --phase introductory:10 --phase kneading:60
expect_refused 2 "session add: phase: 'kneading' is not NAME:MINUTES" add_s --start 2026-01-05T10:00Z --minutes 60 --phase kneading
expect_refused 2 "session add: phase: kneading: -5 minutes is out of range" add_s --start 2026-01-05T10:00Z --minutes 60 --phase kneading:-5
expect_refused 2 "session add: phase: 'Kneading' is not an id" add_s --start 2026-01-05T10:00Z --minutes 60 --phase Kneading:5
expect_refused 2 "session add: note: contains a control character" add_s --start 2026-01-05T10:00Z --minutes 60 --note $'a\x07b'
expect_refused 2 "session add: episode: no episode 7" ts session add --episode 7 --start 2026-01-05T10:00Z --minutes 60
expect_ok add_s --start 2026-01-05T10:00Z --minutes 60 --phase kneading:10 --phase introductory:10 --phase stretching:20 --note $'line one\nline two'
assert_eq "$OUT" "1"
expect_ok ts episode show 1
assert_contains "$OUT" "finding +introductory-not-first"
assert_contains "$OUT" "finding +kneading-under-half: kneading took 10 of 60 minutes"
assert_contains "$OUT" "finding +phase-missing: phase 'friction' of low-back-pain"
assert_contains "$OUT" "finding +minutes-mismatch"
assert_contains "$OUT" "note +line one"
expect_ok add_s --start 2026-01-12T10:00+02:00 --minutes 45
assert_eq "$(sql 'SELECT started_at FROM session WHERE id = 2')" "2026-01-12T08:00:00Z"

# Observations.
obs() { ts observe --episode 1 "$@"; }
expect_refused 2 "observe: timepoint: 'during' is not one of" obs --instrument nprs --timepoint during --at 2026-01-05T09:00Z --value 5
expect_refused 2 "observe: session: a pre measure names its session" obs --instrument nprs --timepoint pre --at 2026-01-05T09:00Z --value 5
expect_refused 2 "observe: session: no session 9" obs --session 9 --instrument nprs --timepoint pre --at 2026-01-05T09:00Z --value 5
expect_refused 2 "observe: items: give either --items or --value" obs --instrument nprs --timepoint baseline --at 2026-01-05T09:00Z --value 5 --items 1,2
expect_refused 2 "observe: value: missing" obs --instrument nprs --timepoint baseline --at 2026-01-05T09:00Z
expect_refused 2 "observe: items: item 2: 'x' is not a number" obs --instrument odi --timepoint baseline --at 2026-01-05T09:00Z --items 1,x,3
expect_refused 2 "observe: items: item 1: 'inf' is not a number" obs --instrument odi --timepoint baseline --at 2026-01-05T09:00Z --items inf
expect_refused 2 "observe: items: no item of odi is answered" obs --instrument odi --timepoint baseline --at 2026-01-05T09:00Z --items ,,,,,,,,,
expect_refused 2 "observe: items: odi needs 10 items, got 3" obs --instrument odi --timepoint baseline --at 2026-01-05T09:00Z --items 1,2,3
expect_refused 2 "observe: items: item 4: 6 is outside 0-5 for odi" obs --instrument odi --timepoint baseline --at 2026-01-05T09:00Z --items 1,2,3,6,0,0,0,0,0,0
expect_refused 2 "observe: items: item 2: 1.5 is not a whole number" obs --instrument odi --timepoint baseline --at 2026-01-05T09:00Z --items 1,1.5,3,4,0,0,0,0,0,0
expect_refused 2 "observe: items: item 1: 7 is not an answer of hit6" obs --instrument hit6 --timepoint baseline --at 2026-01-05T09:00Z --items 7,8,10,11,13,6
expect_refused 2 "observe: value: odi takes item responses" obs --instrument odi --timepoint baseline --at 2026-01-05T09:00Z --value 40
expect_refused 2 "observe: value: 11 is outside 0-10 for nprs" obs --instrument nprs --timepoint baseline --at 2026-01-05T09:00Z --value 11
expect_refused 2 "observe: instrument: 'vas' is not an instrument of the catalog" obs --instrument vas --timepoint baseline --at 2026-01-05T09:00Z --value 5
expect_refused 2 "observe: items: more than 64 items" obs --instrument odi --timepoint baseline --at 2026-01-05T09:00Z --items "$(seq -s, 1 65)"
expect_refused 2 "observe: value: 'nan' is not a number" obs --instrument nprs --timepoint baseline --at 2026-01-05T09:00Z --value nan
expect_refused 2 "observe: at: .*before the episode's start" obs --instrument nprs --timepoint baseline --at 2026-01-04T09:00Z --value 5
expect_refused 2 "observe: at: .*is in the future" obs --instrument nprs --timepoint baseline --at 2027-01-01T09:00Z --value 5
expect_refused 2 "observe: at: .*before the session began" obs --session 1 --instrument nprs --timepoint post --at 2026-01-05T09:00Z --value 5
expect_refused 2 "observe: timepoint: episode 1 is still open; a follow-up comes after discharge" obs --instrument nprs --timepoint followup --at 2026-01-05T09:00Z --value 5
expect_refused 2 "observe: instrument: .*not an id" obs --instrument "N PRS" --timepoint baseline --at 2026-01-05T09:00Z --value 5
expect_ok obs --instrument nprs --timepoint baseline --at 2026-01-05T09:00Z --value 6

# Discharge.
expect_refused 2 "episode close: end: '2026-01-10' is before the episode's last session or measure \(2026-01-12\)" ts episode close 1 --end 2026-01-10
expect_refused 2 "episode close: end: '2026-01-01' is before the episode's start" ts episode close 1 --end 2026-01-01
expect_refused 2 "episode close: end: .*in the future" ts episode close 1 --end 2026-07-01
expect_refused 2 "episode close: id: no episode 5" ts episode close 5 --end 2026-02-01
expect_ok ts episode close 1 --end 2026-02-01
expect_refused 2 "episode close: id: episode 1 was already closed on 2026-02-01" ts episode close 1 --end 2026-02-02
expect_refused 2 "session add: episode: episode 1 was closed on 2026-02-01" add_s --start 2026-02-02T10:00Z --minutes 60
expect_refused 2 "observe: timepoint: episode 1 was closed" obs --instrument nprs --timepoint baseline --at 2026-02-02T09:00Z --value 5
expect_refused 2 "observe: session: a follow-up comes after discharge, not at a session" obs --session 1 --instrument nprs --timepoint followup --at 2026-03-01T09:00Z --value 5
expect_refused 2 "observe: at: .*before the episode's end" obs --instrument nprs --timepoint followup --at 2026-01-31T09:00Z --value 5
expect_ok obs --instrument nprs --timepoint followup --at 2026-03-01T09:00Z --value 2
