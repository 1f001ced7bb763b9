#!/usr/bin/env bash
# A scripted day of work through the API, then the audit log: every read
# and write is there under the caller's name, the chain verifies, and an
# edit made around the triggers is found and named.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

expect_ok ts init --clinic "Synthetic Web Clinic"
expect_ok ts practitioner add --name "Synthetic Therapist A" --license LMT-A1 --credentials LMT; P1=$OUT
expect_ok ts training add --practitioner "$P1" --protocol stress-management-full-body --hours 150 --completed 2020-01-10
add_user admin@clinic.example admin
add_user therapist@clinic.example therapist "$P1"

# Morning: the admin records the therapist's low-back-pain training.
login admin@clinic.example "$PASSWORD"
http POST /api/v1/practitioners/$P1/training '{"protocol":"low-back-pain","hours":24,"completed":"2026-01-15","provider":"Synthetic Institute"}'
expect_status 201
assert_eq "$(json 'this.hours')" 24
http DELETE /api/v1/session
expect_status 204

# The therapist registers a patient with a referral and opens an episode
# after a clean red-flag screen.
login therapist@clinic.example "$PASSWORD"
http POST /api/v1/patients '{"name":"Synthetic Patient Delta","dob":"1968-09-09","sex":"female","zip":"02139","consent_treatment":true}'
expect_status 201
PD=$(json 'this.id')
assert_eq "$(header Location)" "/api/v1/patients/$PD"
http POST /api/v1/patients/$PD/referrals '{"physician":"Synthetic Physician","specialty":"Family medicine","reason":"Chronic low back pain","icd10":"M54.50,M51.26","date":"2026-06-01"}'
expect_status 201
RD=$(json 'this.id')
# The screen's questions come from the catalog; every answer is "no".
http GET /api/v1/catalog/protocols/low-back-pain
expect_status 200
flags=$(json 'JSON.stringify(Object.fromEntries(this.red_flags.map(f => [f.id, false])))')
first_flag=$(json 'this.red_flags[0].id')
[ "$flags" != "{}" ] || fail "low-back-pain has no red-flag questions"
ep="{\"patient_id\":$PD,\"practitioner_id\":$P1,\"protocol\":\"low-back-pain\",\"icd10\":\"M54.50\",\"start\":\"2026-06-03\",\"referral_id\":$RD,\"chronicity_weeks\":20,\"comorbidities\":1,\"red_flags\":$flags}"
http POST /api/v1/episodes "$ep"
expect_status 201
ED=$(json 'this.id')
assert_eq "$(json 'this.open')" true
assert_eq "$(json 'this.chronicity_weeks')" 20

# Outside the therapist's training: refused with a note naming what is
# missing; a red flag answered yes: refused with a referral note. Neither
# opens an episode.
before=$(sql 'SELECT count(*) FROM episode')
http POST /api/v1/episodes "{\"patient_id\":$PD,\"practitioner_id\":$P1,\"protocol\":\"tension-headache\",\"icd10\":\"G44.209\",\"start\":\"2026-06-03\",\"red_flags\":$(no_flags tension-headache)}"
expect_status 422
assert_eq "$(json 'this.error.code')" out_of_scope
assert_eq "$(json 'this.error.field')" practitioner_id
assert_contains "$(json 'this.error.note')" 'Outside scope of practice'
http POST /api/v1/episodes "{\"patient_id\":$PD,\"practitioner_id\":$P1,\"protocol\":\"low-back-pain\",\"icd10\":\"M54.50\",\"start\":\"2026-06-04\",\"red_flags\":${flags/\"$first_flag\":false/\"$first_flag\":true}}"
expect_status 422
assert_eq "$(json 'this.error.code')" refused
assert_eq "$(json 'this.error.field')" red_flags
assert_contains "$(json 'this.error.note')" 'Massage is not started'
http POST /api/v1/episodes "{\"patient_id\":$PD,\"practitioner_id\":$P1,\"protocol\":\"low-back-pain\",\"icd10\":\"M54.50\",\"start\":\"2026-06-04\",\"red_flags\":{\"$first_flag\":\"no\"}}"
expect_error 422 red_flags
assert_eq "$(sql 'SELECT count(*) FROM episode')" "$before" "episodes after refusals"

# Baseline, a session with its phases, pre and post scores (items in, the
# total computed), then discharge and a follow-up.
http POST /api/v1/episodes/$ED/observations '{"instrument":"nprs","timepoint":"baseline","at":"2026-06-03T09:00:00Z","value":7}'
expect_status 201
assert_eq "$(json 'this.total')" 7
# A session delivered as the catalog plans it has no fidelity findings.
http GET '/api/v1/catalog/protocols/low-back-pain/plan?minutes=50'
expect_status 200
phases=$(json 'JSON.stringify(this.phases.map(p => ({name: p.name, minutes: p.minutes})))')
http POST /api/v1/episodes/$ED/sessions "{\"start\":\"2026-06-03T09:10:00Z\",\"minutes\":50,\"phases\":$phases,\"subjective\":\"Pain 7/10 in the morning.\",\"plan\":\"Twice a week.\"}"
expect_status 201
SD=$(json 'this.id')
assert_eq "$(json 'this.findings.length')" 0
http POST /api/v1/episodes/$ED/sessions '{"start":"2026-06-06T09:10:00Z","minutes":40,"phases":[{"name":"kneading","minutes":10},{"name":"stretching","minutes":30}]}'
expect_status 201
assert_contains "$(json 'this.findings.map(f => f.code).join(",")')" 'introductory-not-first'
http POST /api/v1/episodes/$ED/sessions '{"start":"2026-06-06T09:10:00Z","minutes":40,"phases":[{"name":"kneading"}]}'
expect_error 422 phases
http POST /api/v1/episodes/$ED/observations "{\"instrument\":\"odi\",\"timepoint\":\"pre\",\"session_id\":$SD,\"at\":\"2026-06-03T09:05:00Z\",\"items\":[3,2,null,4,1,2,3,2,1,3]}"
expect_status 201
# ODI 2.1a: sum / (5 x answered items) x 100 (Fairbank and Pynsent 2000):
# 21 points over 9 answered items = 2100 / 45.
assert_eq "$(json 'Math.abs(this.total - 2100 / 45) < 1e-6')" true
http POST /api/v1/episodes/$ED/observations "{\"instrument\":\"odi\",\"timepoint\":\"post\",\"session_id\":$SD,\"at\":\"2026-06-03T10:05:00Z\",\"items\":[3,2,\"x\"]}"
expect_error 422 items
http POST /api/v1/episodes/$ED/observations "{\"instrument\":\"odi\",\"timepoint\":\"post\",\"session_id\":$SD,\"at\":\"2026-06-03T10:05:00Z\",\"total\":3}"
expect_error 422 total
http GET /api/v1/episodes/$ED
expect_status 200
assert_eq "$(json 'this.sessions.length')" 2
http POST /api/v1/episodes/$ED/close '{"end":"2026-06-20"}'
expect_status 200
assert_eq "$(json 'this.open')" false
http POST /api/v1/episodes/$ED/observations '{"instrument":"nprs","timepoint":"followup","at":"2026-06-29T09:00:00Z","value":2}'
expect_status 201
http GET "/api/v1/episodes?patient_id=$PD&open=false"
assert_eq "$(json 'this.total')" 1
http GET /api/v1/patients/$PD
assert_eq "$(json 'this.referrals.length')" 1
assert_eq "$(json 'this.episodes.length')" 1

# The audit log holds the day, under the therapist's name and address,
# with ids and never names.
uid=$(sql "SELECT id FROM user WHERE email = 'therapist@clinic.example'")
expect_ok ts audit list --patient "$PD" --json
n_patient=$(json 'this.length')
[ "$n_patient" -ge 10 ] || fail "only $n_patient audit entries for the patient"
assert_eq "$(json 'this.filter(e => e.patient_id != '"$PD"').length')" 0
assert_eq "$(json 'this.filter(e => e.action == "create" && e.record_type == "episode" && e.outcome == "ok").length')" 1
assert_eq "$(json 'this.filter(e => e.outcome == "refused").length')" 2
assert_eq "$(json 'this[0].client')" 127.0.0.1
expect_ok ts audit list --user "$uid" --json
assert_eq "$(json 'this.filter(e => e.actor != "therapist@clinic.example").length')" 0
assert_eq "$(json 'this.filter(e => e.action == "login").length')" 1
sql "SELECT * FROM audit" | grep -q 'Synthetic Patient' && fail "a name is in the audit log"
expect_ok ts audit list --since 2026-06-30 --limit 3
assert_eq "$(wc -l <<<"$OUT")" 4
expect_refused 2 "audit list: since:" ts audit list --since yesterday
expect_refused 2 "audit list: patient:" ts audit list --patient abc

# The chain verifies...
expect_ok ts audit verify
assert_contains "$OUT" "^ok: [0-9]+ audit entries, the chain is whole$"
entries=$(sql 'SELECT count(*) FROM audit')
expect_ok ts audit verify --json
assert_eq "$(json 'this.entries')" "$entries"
# ... no API edits or deletes it ...
http DELETE /api/v1/audit
expect_status 404
# ... and an edit made around the triggers is named.
victim=$((entries / 2))
expect_refused 19 "append-only" sqlite3 "$TOUCHSTONE_DB" "UPDATE audit SET outcome = 'ok' WHERE id = $victim"
cp "$TOUCHSTONE_DB" "$TMP/copy.db"
sqlite3 "$TOUCHSTONE_DB" "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'someone-else' WHERE id = $victim"
expect_refused 1 "audit verify: audit: entry $victim: its content does not match its hash" ts audit verify
# A removed entry is named too.
sqlite3 "$TMP/copy.db" "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 3"
expect_refused 1 "audit verify: audit: entry 4: expected entry 3 here" ts --db "$TMP/copy.db" audit verify
