#!/usr/bin/env bash
# plan: timed session plans and the fidelity of a delivered session, no
# database.
. "$(dirname "$0")/lib.sh"

# The protocol's default length (15 minutes for contralateral-circulation).
expect_ok ts plan --protocol contralateral-circulation
assert_contains "$OUT" "^contralateral-circulation: 15 minutes"
assert_contains "$OUT" "^  1\. introductory +2 min"
assert_contains "$OUT" "^  2\. kneading +9 min"
assert_contains "$OUT" "^kneading: 9 of 15 minutes"

for m in 20 37 45; do
  expect_ok ts plan --protocol tension-headache --minutes $m --json
  assert_eq "$(json 'this.minutes')" "$m"
  assert_eq "$(json 'this.phases.reduce((a, p) => a + p.minutes, 0)')" "$m" "sum at $m"
  assert_eq "$(json 'this.phases[0].kind')" "introductory"
  assert_eq "$(json '2 * this.kneading_minutes >= this.minutes')" "true"
  assert_eq "$(json 'this.phases.find(p => p.kind === "circulatory").direction')" "toward the heart"
done

# Lengths a protocol cannot take are refused with the range (exit 3).
expect_refused 3 "plan: minutes: 40 minutes is outside the 15-25 minutes of contralateral-circulation" \
  ts plan --protocol contralateral-circulation --minutes 40
expect_refused 3 "plan: minutes: 5 minutes is outside the 30-90 minutes of stress-management-full-body" \
  ts plan --protocol stress-management-full-body --minutes 5
expect_refused 2 "plan: protocol: no protocol 'nope'" ts plan --protocol nope --minutes 30
expect_refused 2 "plan: minutes: 'abc' is not a whole number" ts plan --protocol migraine --minutes abc
expect_refused 2 "plan: minutes: 0 is not a session length" ts plan --protocol migraine --minutes 0
expect_refused 2 "plan: protocol: missing" ts plan --minutes 30

# Fidelity of a delivered session.
expect_ok ts plan --protocol tension-headache --minutes 30 \
  --delivered introductory=4,kneading=17,trigger-point=3,friction=2,stretching=2,circulatory=2
assert_eq "$OUT" "faithful: the session follows tension-headache"
expect_ok ts plan --protocol tension-headache --minutes 30 --json \
  --delivered kneading=10,introductory=4,cupping=10,circulatory=2
assert_eq "$(json 'this.faithful')" "false"
codes=$(json 'this.findings.map(f => f.code).join(" ")')
for c in introductory-not-first unknown-phase kneading-under-half minutes-mismatch phase-missing; do
  assert_contains "$codes" "$c"
done
expect_ok ts plan --protocol tension-headache --minutes 30 \
  --delivered kneading=10,introductory=4,cupping=10,circulatory=2
assert_contains "$OUT" "findings for tension-headache:"
assert_contains "$OUT" "kneading-under-half: kneading took 10 of 30 minutes"
assert_contains "$OUT" "minutes-mismatch: the phases add up to 26 minutes, the session lasted 30"
expect_refused 2 "plan: delivered: 'kneading' is not PHASE=MINUTES" \
  ts plan --protocol tension-headache --delivered kneading
expect_refused 2 "plan: delivered: 'x' is not a number of minutes for phase 'kneading'" \
  ts plan --protocol tension-headache --delivered kneading=x
[ ! -e "$TOUCHSTONE_DB" ] || fail "plan created a database"
