#!/usr/bin/env bash
# instrument list / show and score: scoring rules from the command line,
# no database. Expected numbers: docs/catalog.md sources ([3] ODI worked
# example 16/45 = 35.5%; [14] PSS-10 reverse items; [23] ACC/AHA).
. "$(dirname "$0")/lib.sh"

expect_ok ts instrument list
for code in nprs odi ndi hit6 pss10 fiqr psqi isi act rpq pcss headache-days bp pvr lefs psfs; do
  assert_contains "$OUT" "^$code "
done
assert_contains "$OUT" "^psfs +3-5 +0-10 +higher-better +2 "
assert_contains "$OUT" "^pss10 +10 +0-40 +higher-worse +none published"
expect_ok ts instrument list --json
assert_eq "$(json 'this.count')" "16"
assert_eq "$(json 'this.instruments.find(i => i.code === "odi").mcid.relative')" "0.3"
assert_eq "$(json 'this.instruments.find(i => i.code === "pss10").mcid.published')" "false"
assert_eq "$(json 'this.instruments.every(i => i.mcid.source.length > 0 && i.items_source.length > 0)')" "true"

expect_ok ts instrument show pss10
assert_contains "$OUT" "reverse-scored: item 4, item 5, item 7, item 8"
assert_contains "$OUT" "^mcid: none published"
expect_ok ts instrument show bp --json
assert_eq "$(json 'this.items.map(i => i.label).join("/")')" "systolic/diastolic"
assert_eq "$(json 'this.items[0].loinc')" "8480-6"
assert_eq "$(json 'this.total.direction')" "higher-worse"
expect_ok ts instrument show hit6
assert_contains "$OUT" "answers worth: 6 8 10 11 13"
expect_refused 2 "instrument show: code: unknown instrument 'vas'" ts instrument show vas

# ODI with one section missing: 16 / 45 x 100 = 35.56 [3].
expect_ok ts score odi --items 2,2,2,2,2,2,2,1,1,
assert_contains "$OUT" "^odi: 35.56 %"
assert_contains "$OUT" "^items: 9 of 10 answered"
assert_contains "$OUT" "^missing: 1 section missing: denominator reduced to 45"
assert_contains "$OUT" "^band: moderate disability"
expect_ok ts score odi --items "2,2,2,,2,2,2,2,1,1" --json
assert_eq "$(json 'this.total.toFixed(4)')" "35.5556"
assert_eq "$(json 'this.items_missing')" "1"
assert_eq "$(json 'this.items[3]')" "null"
assert_eq "$(json 'this.band')" "moderate disability"

# PSS-10: all zero answers score 16 (four reversed items x 4) [14].
expect_ok ts score pss10 --items 0,0,0,0,0,0,0,0,0,0
assert_contains "$OUT" "^pss10: 16 points"
assert_contains "$OUT" "^band: none defined"

# NDI: one missing item gets the mean of the answered [6]: 18 + 2 = 20.
expect_ok ts score ndi --items 2,2,2,2,2,2,2,2,2, --json
assert_eq "$(json 'this.total')" "20"
assert_eq "$(json 'this.band')" "moderate"

# RPQ: a 1 counts as 0 [20].
expect_ok ts score rpq --items 1,1,1,2,2,2,1,1,1,1,3,3,3,4,0,0 --json
assert_eq "$(json 'this.total')" "19"
assert_eq "$(json 'this.subscores["RPQ-3"]')" "0"

# Blood pressure: the total is the systolic; the band the ACC/AHA category.
expect_ok ts score bp --items 128,82
assert_contains "$OUT" "^bp: 128 mmHg"
assert_contains "$OUT" "^band: stage 1 hypertension"
assert_contains "$OUT" "^diastolic: 82"
expect_ok ts score bp --items "118, 76" --json
assert_eq "$(json 'this.band')" "normal"

# PSFS takes 3 to 5 activities; the score is their mean.
expect_ok ts score psfs --items 3,4,5 --json
assert_eq "$(json 'this.total')" "4"
expect_refused 2 "score: items: psfs needs 3 to 5 items, got 2" ts score psfs --items 3,4
expect_ok ts score pvr --items 1.63
assert_contains "$OUT" "^pvr: 1.63 device units"

# Refusals name the item.
expect_refused 2 "score: item 4: 6 is outside 0-5 for odi" ts score odi --items 0,0,0,6,0,0,0,0,0,0
expect_refused 2 "score: items: odi needs 10 items, got 9" ts score odi --items 0,0,0,0,0,0,0,0,0
expect_refused 2 "score: items: odi allows at most 2 missing items, 3 are missing" \
  ts score odi --items 1,1,1,1,1,1,1,,,
expect_refused 2 "score: item 3: 'x' is not a number" ts score nprs --items 1,2,x
expect_refused 2 "score: item 1: 'x' is not a number" ts score nprs --items x
expect_refused 2 "score: item 3: 7 is not an answer of hit6" ts score hit6 --items 6,6,7,6,6,6
expect_refused 2 "score: items: hit6 needs every item answered" ts score hit6 --items 6,6,,6,6,6
expect_refused 2 "score: diastolic: 130 must be below the systolic value 120" ts score bp --items 120,130
expect_refused 2 "score: item 1: 3.5 is not a whole number" ts score nprs --items 3.5
expect_refused 2 "score: item 1: 'inf' is not a number" ts score nprs --items inf
expect_refused 2 "score: code: unknown instrument 'vas'" ts score vas --items 1
expect_refused 2 "score: items: missing" ts score nprs
expect_refused 2 "score: items: no item of nprs is answered" ts score nprs --items ""
[ ! -e "$TOUCHSTONE_DB" ] || fail "score created a database"
