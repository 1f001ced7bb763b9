#!/usr/bin/env bash
# --help at every level of the record's commands.
. "$(dirname "$0")/lib.sh"

for noun in practitioner training patient referral episode session; do
  expect_ok ts "$noun" --help
  assert_contains "$OUT" "usage: touchstone $noun <verb>"
  expect_refused 2 "usage: touchstone $noun <verb>" ts "$noun"
done
for cmd in "practitioner add" "practitioner list" "practitioner show" "training add" \
           "training list" "patient add" "patient list" "patient show" "referral add" \
           "referral show" "episode open" "episode close" "episode show" "episode list" \
           "session add" "session show" "observe" "demo"; do
  # shellcheck disable=SC2086
  expect_ok ts $cmd --help
  assert_contains "$OUT" "usage: touchstone $cmd"
done
expect_ok ts episode open --help
assert_contains "$OUT" "--red-flag ID=yes\|no"
assert_contains "$OUT" "status 3"
expect_ok ts --help
for cmd in practitioner training patient referral episode session observe demo; do
  assert_contains "$OUT" "^  $cmd "
done
