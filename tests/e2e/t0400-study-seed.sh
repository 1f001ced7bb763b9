#!/usr/bin/env bash
# study analyze on the seed's contralateral-limb figures (Prilutsky 2003:
# PVR 0.81 at baseline, 1.22 after 15 minutes, 1.63 two hours later):
# +50.6% and +101.2%, with the tests null for a single subject.
EXAMPLES="$(cd "$(dirname "$0")/../.." && pwd)/examples"
. "$(dirname "$0")/lib.sh"

# Independent arithmetic for the expected percentages.
pct15=$(awk 'BEGIN { printf "%+.1f%%", (1.22 - 0.81) / 0.81 * 100 }')
pct2h=$(awk 'BEGIN { printf "%+.1f%%", (1.63 - 0.81) / 0.81 * 100 }')
assert_eq "$pct15" "+50.6%"
assert_eq "$pct2h" "+101.2%"

expect_ok ts study analyze "$EXAMPLES/contralateral-pvr.csv"
assert_contains "$OUT" "1 subject, 3 timepoints, baseline 'baseline'"
assert_contains "$OUT" "^15min +1 +1\.22 +- +\+0\.41 +- +\+50\.6%"
assert_contains "$OUT" "^2h +1 +1\.63 +- +\+0\.82 +- +\+101\.2%"
assert_contains "$OUT" "one subject: the change alone"
assert_contains "$OUT" "site: right lower extremity"

# The study needs no database: none is created.
[ ! -e "$TOUCHSTONE_DB" ] || fail "study analyze created a database"

expect_ok ts --json study analyze "$EXAMPLES/contralateral-pvr.csv"
assert_eq "$(json 'this.baseline')" "baseline"
assert_eq "$(json 'this.timepoints.length')" "2"
assert_eq "$(json 'Object.keys(this.timepoints[0]).join(",")')" \
  "label,n,mean,sd,mean_change,mean_change_ci95,pct_change,t_p,wilcoxon_p"
assert_eq "$(json 'Object.keys(this).join(",")')" "baseline,timepoints"
assert_eq "$(json 'this.timepoints[0].label')" "15min"
assert_eq "$(json 'this.timepoints[0].n')" "1"
assert_eq "$(json 'this.timepoints[0].pct_change.toFixed(1)')" "50.6"
assert_eq "$(json 'this.timepoints[1].pct_change.toFixed(1)')" "101.2"
assert_eq "$(json 'this.timepoints[0].mean_change.toFixed(6)')" "0.410000"
assert_eq "$(json 'this.timepoints[1].mean_change.toFixed(6)')" "0.820000"
assert_eq "$(json 'this.timepoints[1].mean')" "1.63"
# With n = 1 the change alone: SD, interval and both tests are null.
for f in sd mean_change_ci95 t_p wilcoxon_p; do
  assert_eq "$(json "this.timepoints[0].$f === null && this.timepoints[1].$f === null")" "true" "$f"
done
# Percentages to 6 digits against the arithmetic.
expected=$(awk 'BEGIN { printf "%.6f", (1.22 - 0.81) / 0.81 * 100 }')
assert_eq "$(json 'this.timepoints[0].pct_change.toFixed(6)')" "$expected"
