#!/usr/bin/env bash
# Patients: add, list with search, show; every field's refusal.
. "$(dirname "$0")/lib.sh"

expect_ok ts init --clinic "Synthetic Test Clinic"
expect_ok ts patient add --name "Ann Synthetic" --dob 1980-02-29 --sex female \
  --zip 12345-6789 --phone "+1 (555) 010-0100" --email ann@example.invalid \
  --consent-treatment --consent-research
assert_eq "$OUT" "1"
expect_ok ts patient add --name "Bob 100% Synthetic" --dob 1955-11-30 --sex male
expect_ok ts patient add --name "Cy_Synthetic Üñí" --dob 2001-01-01 --sex other
expect_ok ts --json patient add --name "Dee Synthetic" --dob 1990-07-04 --sex unknown --zip 02134
assert_eq "$(json 'this.id')" "4"

expect_ok ts patient list
assert_eq "$(grep -c Synthetic <<<"$OUT")" "4"
expect_ok ts patient list --search ann
assert_contains "$OUT" "Ann Synthetic"
assert_eq "$(grep -c Synthetic <<<"$OUT")" "1"
expect_ok ts patient list --search "%"
assert_eq "$(grep -c Synthetic <<<"$OUT")" "1" "a literal %"
expect_ok ts patient list --search "_"
assert_eq "$(grep -c Synthetic <<<"$OUT")" "1" "a literal _"
expect_ok ts patient list --search "nobody"
assert_contains "$OUT" "no patients match"
expect_ok ts --json patient list --search SYNTH
assert_eq "$(json 'this.length')" "4"
assert_eq "$(json 'this[2].name')" "Cy_Synthetic Üñí"

expect_ok ts patient show 1
assert_contains "$OUT" "patient 1: Ann Synthetic"
assert_contains "$OUT" "born +1980-02-29"
assert_contains "$OUT" "consent +treatment yes, research yes"
expect_ok ts --json patient show 1
assert_eq "$(json 'this.zip')" "12345-6789"
assert_eq "$(json 'this.phone')" "+1 (555) 010-0100"
assert_eq "$(json 'this.consent_research')" "true"
assert_eq "$(json 'this.referrals.length')" "0"

add() { ts patient add "$@"; }
ok=(--name "Eve Synthetic" --dob 1970-01-01 --sex female)
expect_refused 2 "patient add: dob: '2026-07-01' is in the future" add --name X --dob 2026-07-01 --sex female
expect_refused 2 "patient add: dob: .*not a real calendar date" add --name X --dob 1999-02-29 --sex female
expect_refused 2 "patient add: dob: .*not a date" add --name X --dob 01/02/1999 --sex female
expect_refused 2 "patient add: dob: .*more than 130 years ago" add --name X --dob 1850-01-01 --sex female
expect_refused 2 "patient add: sex: 'F' is not one of female, male, other, unknown" add --name X --dob 1970-01-01 --sex F
expect_refused 2 "patient add: sex: missing" add --name X --dob 1970-01-01
expect_refused 2 "patient add: name: must not be empty" add --name "" --dob 1970-01-01 --sex male
expect_refused 2 "patient add: name: contains a control character" add --name $'Eve\tSynthetic' --dob 1970-01-01 --sex male
expect_refused 2 "patient add: name: contains a control character" add --name $'Eve\x1b[31m' --dob 1970-01-01 --sex male
expect_refused 2 "patient add: name: is not valid UTF-8" add --name $'Eve\xff' --dob 1970-01-01 --sex male
expect_refused 2 "patient add: name: too long \(201 bytes" add --name "$(head -c 201 /dev/zero | tr '\0' a)" --dob 1970-01-01 --sex male
expect_refused 2 "patient add: zip: .*not a ZIP code" add "${ok[@]}" --zip 1234
expect_refused 2 "patient add: zip: .*not a ZIP code" add "${ok[@]}" --zip 12345-12
expect_refused 2 "patient add: zip: .*not a ZIP code" add "${ok[@]}" --zip abcde
expect_refused 2 "patient add: phone: .*not a phone number" add "${ok[@]}" --phone "555-CALL"
expect_refused 2 "patient add: phone: .*not a phone number" add "${ok[@]}" --phone "$(head -c 33 /dev/zero | tr '\0' 5)"
expect_refused 2 "patient add: phone: .*holds no digits" add "${ok[@]}" --phone "()"
expect_refused 2 "patient add: email: .*not an email address" add "${ok[@]}" --email "eve@"
expect_refused 2 "patient add: consent-treatment: takes no value" add "${ok[@]}" --consent-treatment=no
expect_refused 2 "patient add: name: given more than once" add "${ok[@]}" --name Other
expect_refused 2 "patient list: search: contains a control character" ts patient list --search $'a\nb'
expect_refused 2 "patient show: id: no patient 99" ts patient show 99
expect_refused 2 "patient show: id: '-1' is not a record id" ts patient show -1
expect_refused 2 "patient show: id: .*is not a record id" ts patient show 99999999999999999999999
expect_refused 2 "patient show: id: missing" ts patient show
assert_eq "$(sql 'SELECT count(*) FROM patient')" "4"
