#!/usr/bin/env bash
# The designation thresholds over the API: every login reads them (as
# `touchstone thresholds show --json` prints them); only an admin changes
# one, checked by the library (range, whole numbers), audited, and used by
# the reports from then on. Bad bodies change nothing.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

expect_ok ts init --clinic "Synthetic Threshold Clinic"
expect_ok ts practitioner add --name "Synthetic Therapist A" --license LMT-A1 --credentials LMT; P1=$OUT
add_user admin@clinic.example admin
add_user therapist@clinic.example therapist "$P1"
add_user researcher@clinic.example researcher

declare -A cookie csrf
for who in admin therapist researcher; do
  login "$who@clinic.example" "$PASSWORD"
  cookie[$who]=$COOKIE; csrf[$who]=$CSRF
done
as() { COOKIE=${cookie[$1]}; CSRF=${csrf[$1]}; }

expect_ok ts --json thresholds show
defaults=$(json 'JSON.stringify(this)')
assert_eq "$defaults" '{"min_episodes":20,"responder_lower_bound":0.5,"sustained_rate":0.7,"followup_coverage":0.5,"model_min_per_predictor":10}'
for who in admin therapist researcher; do
  as "$who"
  http GET /api/v1/thresholds; expect_status 200
  assert_eq "$(json 'JSON.stringify(this)')" "$defaults" "$who reads"
done
logout_local
http GET /api/v1/thresholds; expect_status 401

# Only an admin changes them; nothing else changes the database.
before=$(db_digest)
for who in therapist researcher; do
  as "$who"
  http PUT /api/v1/thresholds/min_episodes '{"value":5}'; expect_status 403
  assert_eq "$(json 'this.error.code')" forbidden
  http PUT /api/v1/thresholds/no-such '{"value":5}'; expect_status 403
done
as admin; CSRF=""
http PUT /api/v1/thresholds/min_episodes '{"value":5}'; expect_status 403
assert_eq "$(json 'this.error.code')" csrf
logout_local
http PUT /api/v1/thresholds/min_episodes '{"value":5}'; expect_status 401
as admin
# bad STATUS FIELD NAME BODY: refused, naming the field.
bad() {
  http PUT "/api/v1/thresholds/$3" "$4"; expect_status "$1"
  assert_eq "$(json 'this.error.field')" "$2" "field for $3 $4"
}
bad 422 value min_episodes '{"value":0}'
bad 422 value min_episodes '{"value":100001}'
bad 422 value min_episodes '{"value":12.5}'
bad 422 value min_episodes '{"value":1000000000000000000}'
bad 422 value min_episodes '{"value":"12"}'
bad 422 value min_episodes '{"value":true}'
bad 422 value min_episodes '{"value":null}'
bad 422 value min_episodes '{}'
bad 422 extra min_episodes '{"value":12,"extra":1}'
bad 422 value responder_lower_bound '{"value":1.5}'
bad 422 value responder_lower_bound '{"value":-0.1}'
bad 422 value model_min_per_predictor '{"value":1001}'
bad 404 name no-such '{"value":12}'
bad 400 null min_episodes '{"value":12'
bad 400 null min_episodes '{"value":12,"value":13}'
bad 400 null min_episodes '[12]'
assert_contains "$(http PUT /api/v1/thresholds/no-such '{"value":12}'; json 'this.error.message')" "is not one of min_episodes, responder_lower_bound"
http PUT /api/v1/thresholds/min_episodes 'value=12' 'Content-Type: application/x-www-form-urlencoded'; expect_status 415
http GET /api/v1/thresholds/min_episodes; expect_status 405
assert_eq "$(header Allow)" PUT
http PUT /api/v1/thresholds '{"value":12}'; expect_status 405
assert_eq "$(db_digest)" "$before" "refused changes changed the database"

# An admin's change: whole numbers and fractions, read back everywhere.
http PUT /api/v1/thresholds/min_episodes '{"value":12}'; expect_status 200
assert_eq "$(json 'this.min_episodes')" 12
http PUT /api/v1/thresholds/responder_lower_bound '{"value":0.45}'; expect_status 200
assert_eq "$(json 'JSON.stringify(this)')" '{"min_episodes":12,"responder_lower_bound":0.45,"sustained_rate":0.7,"followup_coverage":0.5,"model_min_per_predictor":10}'
http PUT /api/v1/thresholds/followup_coverage '{"value":1}'; expect_status 200
assert_eq "$(json 'this.followup_coverage')" 1
http PUT /api/v1/thresholds/model_min_per_predictor '{"value":15.0}'; expect_status 200
assert_eq "$(json 'this.model_min_per_predictor')" 15
expect_ok ts --json thresholds show
assert_eq "$(json 'JSON.stringify(this)')" '{"min_episodes":12,"responder_lower_bound":0.45,"sustained_rate":0.7,"followup_coverage":1,"model_min_per_predictor":15}'
as therapist
http GET /api/v1/thresholds
assert_eq "$(json 'this.min_episodes + " " + this.responder_lower_bound')" "12 0.45"
# The reports use them.
http GET /api/v1/registry/report; expect_status 200
assert_eq "$(json 'this.thresholds.min_episodes + " " + this.thresholds.followup_coverage')" "12 1"
http GET /api/v1/practitioners/$P1/report; expect_status 200
assert_eq "$(json 'this.thresholds.model_min_per_predictor')" 15

# Audited under the admin, one entry per change.
assert_eq "$(sql "SELECT count(*) FROM audit WHERE actor = 'admin@clinic.example' AND action = 'update' AND record_type = 'designation_threshold' AND outcome = 'ok'")" 4
expect_ok ts audit verify
