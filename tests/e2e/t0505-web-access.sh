#!/usr/bin/env bash
# Every endpoint x every role: admin, therapist (own records), therapist
# (a colleague's records), researcher and anonymous. A record the caller
# may not see answers 404 exactly like a missing one; an action the role
# may never take answers 403; no login answers 401.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

two_therapists_clinic "Synthetic Web Clinic"
flags=$(no_flags low-back-pain)
expect_ok ts episode open --patient "$PA" --practitioner "$P1" --protocol low-back-pain --icd10 M54.50 --start 2026-06-01 --referral "$RA" --screen "$TMP/screen.json"; EA=$OUT
expect_ok ts episode open --patient "$PB" --practitioner "$P2" --protocol low-back-pain --icd10 M54.50 --start 2026-06-02 --referral "$RB" --screen "$TMP/screen.json"; EB=$OUT
expect_ok ts session add --episode "$EA" --start 2026-06-01T10:00:00Z --minutes 60 --phase introductory:10 --phase kneading:40
expect_ok ts observe --episode "$EA" --instrument nprs --timepoint baseline --at 2026-06-01T09:50:00Z --value 7

add_user admin@clinic.example admin
add_user therapist-a@clinic.example therapist "$P1"
add_user therapist-b@clinic.example therapist "$P2"
add_user researcher@clinic.example researcher
declare -A cookie csrf
for who in admin therapist-a therapist-b researcher; do
  login "$who@clinic.example" "$PASSWORD"
  cookie[$who]=$COOKIE; csrf[$who]=$CSRF
done
cookie[anonymous]=""; csrf[anonymous]=""

# as ROLE METHOD PATH [BODY]: one request as that role.
as() {
  local who=$1; shift
  COOKIE=${cookie[$who]}; CSRF=${csrf[$who]}
  http "$@"
}
# check ROLE EXPECTED METHOD PATH [BODY]
check() {
  local who=$1 want=$2; shift 2
  as "$who" "$@"
  [ "$STATUS" = "$want" ] || fail "$who $1 $2: expected $want, got $STATUS: $OUT"
}
# expect_all METHOD PATH [BODY] -- admin therapist-a therapist-b researcher anonymous
expect_all() {
  local method=$1 path=$2 body=$3; shift 3
  local roles=(admin therapist-a therapist-b researcher anonymous) i=0 want
  for want in "$@"; do
    check "${roles[$i]}" "$want" "$method" "$path" "$body"
    i=$((i + 1))
  done
}

# Reads. Columns: admin, own therapist, foreign therapist, researcher, anonymous.
expect_all GET /api/v1/session ""                       200 200 200 200 401
expect_all GET /api/v1/practitioners ""                 200 200 200 200 401
expect_all GET /api/v1/practitioners/$P1 ""             200 200 200 200 401
expect_all GET /api/v1/practitioners/$P1/training ""    200 200 200 200 401
expect_all GET /api/v1/patients ""                      200 200 200 200 401
expect_all GET /api/v1/patients/$PA ""                  200 200 404 404 401
expect_all GET /api/v1/patients/$PA/referrals ""        200 200 404 404 401
expect_all GET "/api/v1/referrals?patient_id=$PA" ""    200 200 404 404 401
expect_all GET /api/v1/referrals/$RA ""                 200 200 404 404 401
expect_all GET /api/v1/episodes ""                      200 200 200 200 401
expect_all GET "/api/v1/episodes?patient_id=$PA" ""     200 200 404 404 401
expect_all GET /api/v1/episodes/$EA ""                  200 200 404 404 401
expect_all GET /api/v1/episodes/$EA/sessions ""         200 200 404 404 401
expect_all GET /api/v1/episodes/$EA/observations ""     200 200 404 404 401
expect_all GET /api/v1/patients/99999 ""                404 404 404 404 401
expect_all GET /api/v1/episodes/99999 ""                404 404 404 404 401
expect_all GET /api/v1/referrals/99999 ""               404 404 404 404 401
expect_all GET /api/v1/practitioners/99999 ""           404 404 404 404 401
expect_all GET /                                   ""   200 200 200 200 303
expect_all GET /api/v1/catalog/protocols ""             200 200 200 200 401
expect_all GET /api/v1/catalog/protocols/low-back-pain "" 200 200 200 200 401
expect_all GET "/api/v1/catalog/protocols/low-back-pain/plan?minutes=45" "" 200 200 200 200 401
expect_all GET /api/v1/catalog/protocols/no-such-protocol "" 404 404 404 404 401
expect_all GET /api/v1/instruments ""                   200 200 200 200 401
expect_all GET /api/v1/instruments/odi ""               200 200 200 200 401

# Outcome reports: an episode's like the episode; a practitioner's report
# only to an admin and the practitioner themself (others: as if missing);
# the registry to every role (anonymised). Thresholds: any login reads
# them. The clinic's public key and the verification of a certificate
# need no login.
expect_all GET /api/v1/episodes/$EA/report ""           200 200 404 404 401
expect_all GET /api/v1/episodes/99999/report ""         404 404 404 404 401
expect_all GET /api/v1/practitioners/$P1/report ""      200 200 404 404 401
expect_all GET "/api/v1/practitioners/$P1/report?protocol=low-back-pain" "" 200 200 404 404 401
expect_all GET /api/v1/practitioners/99999/report ""    404 404 404 404 401
expect_all GET /api/v1/registry/report ""               200 200 200 200 401
expect_all GET "/api/v1/registry/report?protocol=low-back-pain&instrument=nprs" "" 200 200 200 200 401
expect_all GET /api/v1/thresholds ""                    200 200 200 200 401
expect_all GET /api/v1/clinic/public-key ""             200 200 200 200 200
expect_all POST /api/v1/certificates/verify '{"certificate":{},"signature":{}}' 200 200 200 200 200
# The register of issued certificates: admins all, therapists their own,
# researchers none; one id nobody has is 404 for all who may look.
expect_all GET /api/v1/certificates ""                  200 200 200 403 401
expect_all GET "/api/v1/certificates?practitioner=$P1" "" 200 200 403 403 401
expect_all GET /api/v1/certificates/f00d ""             404 404 404 404 401
as therapist-b GET /api/v1/practitioners/$P1/report; foreign=$OUT
as therapist-b GET /api/v1/practitioners/99999/report; missing=$OUT
assert_eq "$(sed "s/$P1/N/" <<<"$foreign")" "$(sed "s/99999/N/" <<<"$missing")" "foreign vs missing report"

# What each sees in the lists.
total() { as "$1" GET "$2"; json 'this.total'; }
assert_eq "$(total admin /api/v1/patients)" 2
assert_eq "$(total therapist-a /api/v1/patients)" 1
assert_eq "$(total therapist-b /api/v1/patients)" 1
assert_eq "$(total researcher /api/v1/patients)" 0
assert_eq "$(total admin /api/v1/episodes)" 2
assert_eq "$(total therapist-a /api/v1/episodes)" 1
assert_eq "$(total researcher /api/v1/episodes)" 0
as therapist-a GET /api/v1/patients
assert_eq "$(json 'this.items[0].id')" "$PA"
as therapist-b GET /api/v1/patients
assert_eq "$(json 'this.items[0].id')" "$PB"
# Names never reach a researcher; a colleague's practitioner record is
# limited to id and name, and their training is not shown.
as researcher GET /api/v1/practitioners
grep -q 'Synthetic Patient' <<<"$OUT" && fail "a patient name reached the researcher"
as therapist-b GET /api/v1/practitioners/$P1
assert_eq "$(json 'this.license')" undefined
as therapist-b GET /api/v1/practitioners/$P1/training
assert_eq "$(json 'this.items.length')" 0
as therapist-a GET /api/v1/practitioners/$P1/training
assert_eq "$(json 'this.items.length')" 2

# A record the caller may not see reads exactly like a missing one.
as therapist-b GET /api/v1/patients/$PA; foreign=$OUT
as therapist-b GET /api/v1/patients/99999; missing=$OUT
assert_eq "$(sed "s/$PA/N/" <<<"$foreign")" "$(sed "s/99999/N/" <<<"$missing")" "foreign vs missing"
# and the refusal is in the audit log.
assert_eq "$(sql "SELECT outcome FROM audit WHERE patient_id = $PA AND actor = 'therapist-b@clinic.example' ORDER BY id DESC LIMIT 1")" denied

# Writes.
prac='{"name":"Synthetic Therapist C","license":"LMT-C3","credentials":"LMT"}'
expect_all POST /api/v1/practitioners "$prac"          201 403 403 403 401
train='{"protocol":"low-back-pain","hours":8,"completed":"2026-01-15"}'
expect_all POST /api/v1/practitioners/$P1/training "$train" 201 403 403 403 401
pat='{"name":"Synthetic Patient New","dob":"1990-01-01","sex":"other"}'
expect_all POST /api/v1/patients "$pat"                201 201 201 403 401
ref='{"physician":"Synthetic Physician","specialty":"Orthopedics","reason":"Pain","icd10":"M54.50","date":"2026-06-10"}'
expect_all POST /api/v1/patients/$PA/referrals "$ref"  201 201 404 404 401
ref_body="{\"patient_id\":$PA,${ref#\{}"
expect_all POST /api/v1/referrals "$ref_body"          201 201 404 404 401
sess='{"start":"2026-06-08T10:00:00Z","minutes":45,"phases":[{"name":"introductory","minutes":10},{"name":"kneading","minutes":30}]}'
expect_all POST /api/v1/episodes/$EA/sessions "$sess"  201 201 404 404 401
obs='{"instrument":"nprs","timepoint":"baseline","at":"2026-06-01T09:55:00Z","value":6}'
expect_all POST /api/v1/episodes/$EA/observations "$obs" 201 201 404 404 401
# Certificates: an admin for anyone, a therapist for their own cells
# (here refused, 422: no complete episode yet); thresholds: admins only.
cert="{\"practitioner_id\":$P1,\"protocol\":\"low-back-pain\",\"instrument\":\"nprs\"}"
expect_all POST /api/v1/certificates "$cert"           422 422 403 403 401
expect_all PUT /api/v1/thresholds/min_episodes '{"value":20}' 200 403 403 403 401
expect_all POST /api/v1/certificates/f00d/revoke '{"reason":"issued in error"}' 404 403 403 403 401
# Opening episodes: a therapist only in their own name and for their own
# patients; a researcher never.
as therapist-a POST /api/v1/patients '{"name":"Synthetic Patient Gamma","dob":"1965-04-04","sex":"female"}'
PC=$(json 'this.id')
ep="{\"patient_id\":$PC,\"practitioner_id\":$P1,\"protocol\":\"low-back-pain\",\"icd10\":\"M54.50\",\"start\":\"2026-06-15\",\"red_flags\":$flags}"
check therapist-b 404 POST /api/v1/episodes "{\"patient_id\":$PC,\"practitioner_id\":$P2,\"protocol\":\"low-back-pain\",\"icd10\":\"M54.50\",\"start\":\"2026-06-15\",\"red_flags\":$flags}"
check researcher 403 POST /api/v1/episodes "$ep"
check anonymous 401 POST /api/v1/episodes "$ep"
check therapist-b 403 POST /api/v1/episodes "{\"patient_id\":$PB,\"practitioner_id\":$P1,\"protocol\":\"low-back-pain\",\"icd10\":\"M54.50\",\"start\":\"2026-06-15\",\"red_flags\":$flags}"
check therapist-a 201 POST /api/v1/episodes "$ep"
assert_eq "$(json 'this.practitioner_id')" "$P1"
check admin 201 POST /api/v1/episodes "{\"patient_id\":$PB,\"practitioner_id\":$P2,\"protocol\":\"low-back-pain\",\"icd10\":\"M54.50\",\"start\":\"2026-06-16\",\"red_flags\":$flags}"
# Closing.
expect_all POST /api/v1/episodes/$EA/close '{"end":"2026-06-20"}' 200 409 404 404 401
check therapist-b 200 POST /api/v1/episodes/$EB/close '{"end":"2026-06-20"}'
check therapist-b 409 POST /api/v1/episodes/$EB/close '{"end":"2026-06-21"}'
assert_eq "$(json 'this.error.code')" conflict

# Each role's writes are in the audit log under their name, and the chain
# holds.
for who in admin therapist-a therapist-b; do
  [ "$(sql "SELECT count(*) FROM audit WHERE actor = '$who@clinic.example' AND action = 'create' AND outcome = 'ok'")" -gt 0 ] ||
    fail "no audited write by $who"
done
expect_ok ts audit verify
