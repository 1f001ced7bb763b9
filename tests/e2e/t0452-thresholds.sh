#!/usr/bin/env bash
# The designation thresholds: defaults from the schema, shown and set by
# name, validated (fixed names, ranges, whole counts), audited; bad input
# changes nothing.
. "$(dirname "$0")/lib.sh"

expect_ok ts init --clinic "Synthetic Threshold Clinic"
expect_ok ts --json thresholds show
assert_eq "$OUT" '{
  "min_episodes": 20,
  "responder_lower_bound": 0.5,
  "sustained_rate": 0.7,
  "followup_coverage": 0.5,
  "model_min_per_predictor": 10
}'
expect_ok ts thresholds show
assert_contains "$OUT" "^min_episodes +20 +complete episodes a cell needs"
assert_contains "$OUT" "^responder_lower_bound +0.5 "

expect_ok ts thresholds set sustained_rate 0.8
assert_eq "$OUT" "sustained_rate = 0.8"
expect_ok ts --json thresholds show
assert_eq "$(json 'this.sustained_rate')" "0.8"
assert_eq "$(sql "SELECT updated_at FROM designation_threshold WHERE name = 'sustained_rate'")" "2026-06-30T12:00:00Z"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE record_type = 'designation_threshold' AND action = 'update'")" "1"
expect_ok ts thresholds set min_episodes 30
expect_ok ts --json thresholds set followup_coverage 1
assert_eq "$(json 'this.followup_coverage')" "1"

expect_refused 2 "thresholds set: name: 'min_patients' is not one of min_episodes, responder_lower_bound, sustained_rate, followup_coverage, model_min_per_predictor" \
  ts thresholds set min_patients 3
expect_refused 2 "thresholds set: value: 1.5 is out of range for sustained_rate \(0 to 1\)" ts thresholds set sustained_rate 1.5
expect_refused 2 "thresholds set: value: -0.1 is out of range" ts thresholds set responder_lower_bound -0.1
expect_refused 2 "thresholds set: value: 0 is out of range for min_episodes \(1 to 100000\)" ts thresholds set min_episodes 0
expect_refused 2 "thresholds set: value: 2.5 is not a whole number" ts thresholds set min_episodes 2.5
expect_refused 2 "thresholds set: value: 'many' is not a number" ts thresholds set min_episodes many
expect_refused 2 "thresholds set: value: 'nan' is not a number" ts thresholds set sustained_rate nan
expect_refused 2 "thresholds set: value: '' is not a number" ts thresholds set sustained_rate ""
expect_refused 2 "value" ts thresholds set sustained_rate
expect_ok ts --json thresholds show
assert_eq "$(json 'this.min_episodes')" "30"

# Reports refuse malformed input with the field named, changing nothing.
expect_refused 2 "report practitioner: id: 'x' is not a record id" ts report practitioner x
expect_refused 2 "report practitioner: id: no practitioner 4" ts report practitioner 4
expect_refused 2 "report practitioner: protocol: " ts report practitioner 1 --protocol "Low Back"
expect_refused 2 "report registry: instrument: " ts report registry --instrument "NPRS;"
expect_refused 2 "report registry: csv: give either --csv or --json" ts --json report registry --csv
expect_refused 2 "report episode: id: '0' is not a record id" ts report episode 0
expect_refused 2 "report: " ts report nonsense
expect_ok ts --json report registry --protocol no-such-protocol
assert_eq "$(json 'this.cells.length + this.models.length')" "0"
expect_refused 2 "certify: out" ts certify --practitioner 1 --protocol low-back-pain
expect_refused 2 "certify: practitioner: 'one' is not a record id" ts certify --practitioner one --protocol low-back-pain --out x.json
expect_refused 2 "certify: protocol: " ts certify --practitioner 1 --protocol "Low Back" --out x.json
[ ! -e x.json ] || fail "a refused certify left a file"
