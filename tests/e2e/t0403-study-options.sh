#!/usr/bin/env bash
# study analyze: --baseline, standard input, sites, and the timepoints whose
# numbers cannot be computed (null in JSON, a reason in the text).
EXAMPLES="$(cd "$(dirname "$0")/../.." && pwd)/examples"
. "$(dirname "$0")/lib.sh"
CSV="$EXAMPLES/synthetic-contralateral-pvr.csv"

# --baseline 15min: the others are compared with 15 minutes, in file order.
expect_ok ts --json study analyze "$CSV" --baseline 15min
assert_eq "$(json 'this.baseline')" "15min"
assert_eq "$(json 'this.timepoints.map(t => t.label).join(",")')" "baseline,2h"
# Independent: mean(baseline - 15min) over the 10 subjects = -0.305 and
# mean(2h - 15min) over the 9 with both, from the file with awk.
expected=$(awk -F, 'NR > 1 { v[$1 "," $2] = $3; s[$1] = 1 }
  END { for (k in s) if ((k ",2h") in v) { n++; d += v[k ",2h"] - v[k ",15min"]; b += v[k ",15min"] }
        printf "%.6f %.6f", d / n, d / b * 100 }' "$CSV")
assert_eq "$(json '[this.timepoints[1].mean_change.toFixed(6), this.timepoints[1].pct_change.toFixed(6)].join(" ")')" "$expected"
assert_eq "$(json 'this.timepoints[0].mean_change.toFixed(6)')" "-0.305000"
# Every subject needs the chosen baseline: SYN-08 has no 2h value (its
# first row is line 9).
expect_refused 2 "line 9: subject: 'SYN-08' has no '2h' value" \
  ts study analyze "$CSV" --baseline=2h
grep -v '^SYN-08,' "$CSV" > "$TMP/without-08.csv"
expect_ok ts study analyze "$TMP/without-08.csv" --baseline=2h
assert_contains "$OUT" "9 subjects, 3 timepoints, baseline '2h'"
assert_contains "$OUT" "^2h +9 .*\(baseline\)"

# Standard input.
expect_ok ts --json study analyze - < "$CSV"
assert_eq "$(json 'this.timepoints[1].n')" "9"

# Degenerate timepoints: constant changes (no t-test, no interval, the
# Wilcoxon test still: R's wilcox.test(c(2, 3, 4), c(1, 2, 3), paired =
# TRUE)$p.value = 0.148914673178766), no change at all (no tests), and a
# timepoint no subject shares with the baseline.
cat > "$TMP/flat.csv" <<'CSV'
subject,timepoint,value
s1,before,1
s2,before,2
s3,before,3
s1,plus-one,2
s2,plus-one,3
s3,plus-one,4
s1,same,1
s2,same,2
s3,same,3
s4,orphan,5
s4,before,6
s5,orphan,7
CSV
# s5 has no baseline: refused; without it, analysed.
expect_refused 2 "line 13: subject: 's5' has no 'before' value" ts study analyze "$TMP/flat.csv"
sed -i '$d' "$TMP/flat.csv"
printf 's5,later-only-s9,1\ns5,before,1\n' >> "$TMP/flat.csv"
expect_ok ts --json study analyze "$TMP/flat.csv"
assert_eq "$(json 'this.timepoints.map(t => t.label).join(",")')" "plus-one,same,orphan,later-only-s9"
assert_eq "$(json 'this.timepoints[0].t_p')" "null"
assert_eq "$(json 'this.timepoints[0].mean_change_ci95')" "null"
assert_eq "$(json 'this.timepoints[0].mean_change')" "1"
assert_eq "$(json 'this.timepoints[0].wilcoxon_p.toPrecision(9)')" "0.148914673"
assert_eq "$(json 'this.timepoints[1].t_p === null && this.timepoints[1].wilcoxon_p === null')" "true"
assert_eq "$(json 'this.timepoints[1].pct_change')" "0"
assert_eq "$(json 'this.timepoints[2].n')" "1"
assert_eq "$(json 'this.timepoints[2].mean_change')" "-1"
expect_ok ts study analyze "$TMP/flat.csv"
assert_contains "$OUT" "plus-one: 95% CI and t-test: all differences are equal: no variance"
assert_contains "$OUT" "same: Wilcoxon: all differences are zero"
assert_contains "$OUT" "orphan: one subject: the change alone"

# Sites: a subject keeps one site; several subjects may differ.
printf 'subject,timepoint,value,site\na,t0,1,left calf\na,t1,2,right calf\n' > "$TMP/site.csv"
expect_refused 2 "line 3: site: subject 'a' was measured at 'left calf' on line 2" \
  ts study analyze "$TMP/site.csv"
printf 'site,subject,timepoint,value\nleft calf,a,t0,1\nright calf,b,t0,2\nleft calf,a,t1,2\nright calf,b,t1,4\n' > "$TMP/sites.csv"
expect_ok ts study analyze "$TMP/sites.csv"
assert_contains "$OUT" "^site: left calf, right calf$"
assert_contains "$OUT" "^t1 +2 +3 +1\.414 +\+1\.5 "

# Help.
expect_ok ts study --help
assert_contains "$OUT" "analyze"
expect_ok ts study analyze --help
assert_contains "$OUT" "usage: touchstone study analyze FILE.csv \[--baseline LABEL\]"

# A baseline mean of zero: no percent change, with the reason.
printf 'subject,timepoint,value\na,t0,-1\nb,t0,1\na,t1,1\nb,t1,2\n' > "$TMP/zero.csv"
expect_ok ts --json study analyze "$TMP/zero.csv"
assert_eq "$(json 'this.timepoints[0].pct_change')" "null"
assert_eq "$(json 'this.timepoints[0].mean_change')" "1.5"
expect_ok ts study analyze "$TMP/zero.csv"
assert_contains "$OUT" "t1: % change: the baseline mean is zero"
