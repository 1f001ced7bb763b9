#!/usr/bin/env bash
# Practitioners and training records: add, list, show, and refusals.
. "$(dirname "$0")/lib.sh"

expect_ok ts init --clinic "Synthetic Test Clinic"
expect_ok ts practitioner add --name "Ada Synthetic" --license MA-1001 \
  --credentials LMT --email ada@example.invalid --npi 1234567893
assert_eq "$OUT" "1" "new practitioner id"
expect_ok ts --json practitioner add --name "Bo Synthetic" --license MA-1002 --credentials "LMT, CMMT"
assert_eq "$(json 'this.id')" "2"

expect_ok ts training add --practitioner 1 --protocol stress-management-full-body \
  --hours 150 --completed 2020-03-01 --provider "Synthetic School"
assert_eq "$OUT" "1"
expect_ok ts training add --practitioner 1 --protocol low-back-pain --hours 24.5 --completed 2021-06-01
expect_ok ts practitioner list
assert_contains "$OUT" "Ada Synthetic +LMT +MA-1001"
assert_contains "$OUT" "Bo Synthetic"
expect_ok ts practitioner show 1
assert_contains "$OUT" "npi +1234567893"
assert_contains "$OUT" "low-back-pain +24.5 h +2021-06-01"
assert_contains "$OUT" "stress-management-full-body +150 h +2020-03-01 +Synthetic School"
expect_ok ts --json practitioner show 1
assert_eq "$(json 'this.training.length')" "2"
assert_eq "$(json 'this.training[1].hours')" "24.5"
assert_eq "$(json 'this.email')" "ada@example.invalid"
expect_ok ts --json practitioner list
assert_eq "$(json 'this.length')" "2"
assert_eq "$(json 'this[1].npi')" "null"
expect_ok ts training list --practitioner 1
assert_contains "$OUT" "low-back-pain"

# Refusals name the field, exit 2, and change nothing.
expect_refused 2 "practitioner add: npi: .*check digit should be 3" \
  ts practitioner add --name X --license L --credentials LMT --npi 1234567890
expect_refused 2 "practitioner add: npi: .*10 digits" \
  ts practitioner add --name X --license L --credentials LMT --npi 12345
expect_refused 2 "practitioner add: email: .*not an email address" \
  ts practitioner add --name X --license L --credentials LMT --email nobody@nowhere
expect_refused 2 "practitioner add: name: missing" \
  ts practitioner add --license L --credentials LMT
expect_refused 2 "practitioner add: name: must not be blank" \
  ts practitioner add --name "  " --license L --credentials LMT
expect_refused 2 "practitioner add: license: too long" \
  ts practitioner add --name X --license "$(head -c 65 /dev/zero | tr '\0' L)" --credentials LMT
# training_refused PATTERN PRACTITIONER PROTOCOL HOURS COMPLETED: `training
# add` with these options exits 2 with "training add: PATTERN".
training_refused() {
  expect_refused 2 "training add: $1" \
    ts training add --practitioner "$2" --protocol "$3" --hours "$4" --completed "$5"
}
training_refused "hours: .*out of range" 1 migraine 0 2020-01-01
training_refused "hours: .*out of range" 1 migraine -3 2020-01-01
training_refused "hours: 'nan' is not a number" 1 migraine nan 2020-01-01
training_refused "hours: .*out of range" 1 migraine 1e300 2020-01-01
training_refused "protocol: 'Migraine' is not an id" 1 Migraine 8 2020-01-01
training_refused "completed: '2026-07-01' is in the future" 1 migraine 8 2026-07-01
training_refused "completed: .*not a real calendar date" 1 migraine 8 2021-02-29
training_refused "practitioner: no practitioner 9" 9 migraine 8 2020-01-01
training_refused "practitioner: '0' is not a record id" 0 migraine 8 2020-01-01
expect_refused 2 "practitioner show: id: no practitioner 42" ts practitioner show 42
expect_refused 2 "practitioner show: id: 'x' is not a record id" ts practitioner show x
expect_refused 2 "practitioner: unknown verb 'remove'" ts practitioner remove 1
