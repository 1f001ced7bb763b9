#!/usr/bin/env bash
# Ids cannot be probed: a therapist who names, in a request on their own
# record, the id of a record they may not see (a colleague's session, a
# referral of another patient) gets the same answer as for an id that does
# not exist: 404 "no session N", "no referral N".
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

two_therapists_clinic "Synthetic Probe Clinic"
expect_ok ts episode open --patient "$PA" --practitioner "$P1" --protocol low-back-pain --icd10 M54.50 --start 2026-06-01 --referral "$RA" --screen "$TMP/screen.json"; EA=$OUT
expect_ok ts episode open --patient "$PB" --practitioner "$P2" --protocol low-back-pain --icd10 M54.50 --start 2026-06-02 --referral "$RB" --screen "$TMP/screen.json"; EB=$OUT
expect_ok ts session add --episode "$EA" --start 2026-06-03T10:00:00Z --minutes 60 --phase introductory:10 --phase kneading:40 --phase stretching:10; SA=$OUT
expect_ok ts session add --episode "$EB" --start 2026-06-03T11:00:00Z --minutes 60 --phase introductory:10 --phase kneading:40 --phase stretching:10; SB=$OUT
add_user therapist-a@clinic.example therapist "$P1"
login therapist-a@clinic.example "$PASSWORD"
missing=$(( $(sql "SELECT max(id) FROM session") + 1000 ))

# observe SESSION: a pre-session score on the caller's own episode naming
# SESSION; sets STATUS and OUT.
observe() {
  http POST "/api/v1/episodes/$EA/observations" \
    "{\"instrument\":\"nprs\",\"timepoint\":\"pre\",\"session_id\":$1,\"at\":\"2026-06-03T09:55:00Z\",\"value\":6}"
}
before=$(db_digest)
observe "$missing"
expect_status 404
missing_code=$(json 'this.error.code'); missing_msg=$(json 'this.error.message')
assert_eq "$missing_msg" "no session $missing"
observe "$SB"
expect_status 404
assert_eq "$(json 'this.error.code')" "$missing_code" "error code for a colleague's session"
assert_eq "$(json 'this.error.message')" "no session $SB" "message for a colleague's session"
grep -q "another" <<<"$OUT" && fail "the answer tells the session exists: $OUT"
assert_eq "$(db_digest)" "$before" "database after the refusals"
# The caller's own session is taken.
observe "$SA"
expect_status 201

# A referral of another patient named when opening an episode answers as
# a missing referral.
expect_ok ts patient add --name "Synthetic Patient Gamma" --dob 1975-04-05 --sex female; PC=$OUT
expect_ok ts episode open --patient "$PC" --practitioner "$P1" --protocol low-back-pain --icd10 M54.50 --start 2026-06-04 --screen "$TMP/screen.json"
expect_ok ts episode close "$OUT" --end 2026-06-05
flags=$(no_flags low-back-pain)
open_with() {
  http POST /api/v1/episodes "{\"patient_id\":$PC,\"practitioner_id\":$P1,\"protocol\":\"low-back-pain\",\"icd10\":\"M54.50\",\"start\":\"2026-06-10\",\"referral_id\":$1,\"red_flags\":$flags}"
}
missing=$(( $(sql "SELECT max(id) FROM referral") + 1000 ))
before=$(db_digest)
open_with "$missing"
expect_status 404
missing_code=$(json 'this.error.code')
assert_eq "$(json 'this.error.message')" "no referral $missing"
open_with "$RB"
expect_status 404
assert_eq "$(json 'this.error.code')" "$missing_code" "error code for another patient's referral"
assert_eq "$(json 'this.error.message')" "no referral $RB" "message for another patient's referral"
assert_eq "$(db_digest)" "$before" "database after the refusals"
echo "ok: a colleague's session and another patient's referral answer as missing ones"
