#!/usr/bin/env bash
# Numbers typed by people are plain decimal text: no hexadecimal, nan or
# inf, no white space or leading '+', nothing that overflows. The command
# line refuses them (exit 2, the field named, nothing changed); so do the
# web forms (the error beside the field) and the API on a real server
# (4xx naming the field). Valid numbers are read as before.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

expect_ok ts init --clinic "Synthetic Number Clinic"
expect_ok ts practitioner add --name "Synthetic Therapist N" --license LMT-N1 --credentials LMT; PA=$OUT
train_lbp "$PA" 2020-01-10 24.5 2021-03-01
expect_ok ts patient add --name "Synthetic Patient Nu" --dob 1970-02-03 --sex female; PT=$OUT
screen_file low-back-pain "$TMP/screen.json"
expect_ok ts episode open --patient "$PT" --practitioner "$PA" --protocol low-back-pain --icd10 M54.50 --start 2026-04-01 --screen "$TMP/screen.json"; E=$OUT

# ere TEXT: TEXT with the characters special to grep -E escaped.
ere() { sed 's/[][\.*^$+?(){}|]/\\&/g' <<<"$1"; }

# --value: a decimal option.
obs() { ts observe --episode "$E" --instrument nprs --timepoint baseline --at 2026-04-01T09:00Z "$@"; }
for bad in 0x10 0X1p3 nan inf -Infinity " 5" "5 " +5 1e999 -1e999 1e-999 .5 5. 5abc ""; do
  expect_refused 2 "^touchstone: observe: value: '$(ere "$bad")' is not a number$" obs --value "$bad"
done
# --items: each entry a decimal number.
expect_refused 2 "observe: items: item 2: '0x3' is not a number" \
  ts observe --episode "$E" --instrument odi --timepoint baseline --at 2026-04-01T09:00Z --items 1,0x3,1,1,1,1,1,1,1,1
expect_refused 2 "observe: items: item 1: '\+1' is not a number" \
  ts observe --episode "$E" --instrument odi --timepoint baseline --at 2026-04-01T09:00Z --items +1,1,1,1,1,1,1,1,1,1
# Whole-number options and record ids.
expect_refused 2 "session add: minutes: ' 60' is not a whole number" \
  ts session add --episode "$E" --start 2026-04-05T10:00:00Z --minutes " 60"
expect_refused 2 "session add: minutes: '\+60' is not a whole number" \
  ts session add --episode "$E" --start 2026-04-05T10:00:00Z --minutes +60
expect_refused 2 "session add: minutes: '0x3c' is not a whole number" \
  ts session add --episode "$E" --start 2026-04-05T10:00:00Z --minutes 0x3c
expect_refused 2 "session add: minutes: '99999999999999999999' is not a whole number" \
  ts session add --episode "$E" --start 2026-04-05T10:00:00Z --minutes 99999999999999999999
expect_refused 2 "session add: episode: ' $E' is not a record id" \
  ts session add --episode " $E" --start 2026-04-05T10:00:00Z --minutes 60
expect_refused 2 "session add: episode: '\+$E' is not a record id" \
  ts session add --episode "+$E" --start 2026-04-05T10:00:00Z --minutes 60
expect_refused 2 "session add: phase: 'kneading:\+20' is not NAME:MINUTES" \
  ts session add --episode "$E" --start 2026-04-05T10:00:00Z --minutes 60 --phase kneading:+20
expect_refused 2 "training add: hours: '0x10' is not a number" \
  ts training add --practitioner "$PA" --protocol migraine --hours 0x10 --completed 2022-01-01
expect_refused 2 "thresholds set: value: '0x10' is not a number" ts thresholds set min_episodes 0x10
expect_refused 2 "thresholds set: value: 'infinity' is not a number" ts thresholds set sustained_rate infinity
expect_refused 2 "score: item 1: '0x5' is not a number" ts score nprs --items 0x5
expect_refused 2 "plan: delivered: '\+5' is not a number of minutes for phase 'kneading'" \
  ts plan --protocol low-back-pain --minutes 30 --delivered "kneading=+5"

# Valid numbers are read as before.
expect_ok obs --value 6
expect_ok ts observe --episode "$E" --instrument odi --timepoint baseline --at 2026-04-01T09:05Z --items 3,2,1,2,0,2,3,1,2,
assert_eq "$(sql "SELECT instrument, total FROM observation WHERE episode_id = $E ORDER BY id")" "nprs|6.0
odi|35.5555555555556"
assert_eq "$(sql "SELECT hours FROM training WHERE protocol_id = 'low-back-pain'")" "24.5"
expect_ok ts score nprs --items 7
assert_contains "$OUT" "7"

# A web form: the item's error beside it, nothing saved.
add_user therapist-n@clinic.example therapist "$PA"
page_login therapist-n@clinic.example
before=$(db_digest)
base="instrument=nprs&timepoint=baseline&at=2026-04-02T09:00"
for bad in 0x10 nan +5 1e999; do
  post "/episodes/$E/scores" "$base&item-1=$(enc "$bad")&action=save"
  expect_status 422
  assert_contains "$OUT" "<span class=\"field-error\" id=\"e-item-1\">&#39;$(ere "$bad")&#39; is not a number"
done
post "/episodes/$E/scores" "$base&item-1=5&session=$(enc "1x")&action=save"
expect_status 422
assert_eq "$(db_digest)" "$before" "database after refused forms"

# The API on a real loopback server: the field named, 4xx, nothing changed.
add_user admin-n@clinic.example admin
serve_start
jar="$TMP/jar"
c() { curl -sS -o "$TMP/body" -w '%{http_code}' -b "$jar" -c "$jar" "$@"; }
code=$(c -H 'Content-Type: application/json' \
  -d "{\"email\":\"therapist-n@clinic.example\",\"password\":\"$PASSWORD\"}" "${URL}api/v1/session")
assert_eq "$code" 201
before=$(db_digest)
for bad in 0x10 %2B1 %201 99999999999999999999; do
  assert_eq "$(c "${URL}api/v1/patients?page=$bad")" 422
  OUT=$(cat "$TMP/body"); assert_eq "$(json 'this.error.field')" page
done
assert_eq "$(c "${URL}api/v1/patients?page=1")" 200
assert_eq "$(c "${URL}fhir/r4/Observation?patient=0x$PT")" 400
assert_contains "$(cat "$TMP/body")" "is not a patient id"
assert_eq "$(c "${URL}fhir/r4/Observation?patient=%2B$PT")" 400
assert_eq "$(c "${URL}fhir/r4/Observation?patient=$PT")" 200
serve_stop
assert_eq "$(db_digest)" "$before" "database after refused requests"
