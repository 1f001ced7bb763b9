#!/usr/bin/env bash
# Outcomes on a small hand-built registry (low-back-pain x nprs, three
# practitioners, 14 complete episodes and 3 incomplete ones), built with the
# CLI; every reported number is checked against an independent computation
# in R (the script is below, with its output) to 6 significant digits.
# Then: the certificate round trip, tamper detection, and refusals.
. "$(dirname "$0")/lib.sh"

# The red-flag screen of low-back-pain, every answer "no".
NO_FLAGS="--red-flag saddle-numbness=no --red-flag progressive-weakness=no --red-flag fever=no --red-flag weight-loss=no --red-flag cancer-history=no --red-flag night-pain=no"

# near ACTUAL EXPECTED [WHAT]: equal to 6 significant digits (relative
# difference below 5e-7, or absolute below 5e-7 near zero).
near() {
  node -e 'const a=Number(process.argv[1]), b=Number(process.argv[2]);
           const ok=Number.isFinite(a) && Math.abs(a-b) <= 5e-7*Math.max(1e-9+Math.abs(b), 1);
           process.exit(ok?0:1)' -- "$1" "$2" || fail "${3:-value}: expected $2, got $1"
}

expect_ok ts init --clinic "Synthetic Outcomes Clinic"
for who in "Ada Synthetic" "Ben Synthetic" "Cy Synthetic"; do
  expect_ok ts practitioner add --name "$who" --license "MA-$RANDOM" --credentials LMT
  expect_ok ts training add --practitioner "$OUT" --protocol stress-management-full-body --hours 150 --completed 2020-01-01
  p=$(sql "SELECT max(id) FROM practitioner")
  expect_ok ts training add --practitioner "$p" --protocol low-back-pain --hours 32 --completed 2021-01-01
done

n=0
# course PRACTITIONER DOB SEX CHRONICITY COMORBIDITIES START BASELINE "POSTS"
#        "FOLLOWUPS (value@days)" [pre|none|open]
# One patient and one episode: an NPRS baseline (or, with "pre", a pre
# score at session 1 instead; "none": no baseline at all), one weekly
# session per post score, discharge on the last session's day (not with
# "open"), then the follow-ups.
course() {
  local pr=$1 dob=$2 sex=$3 chron=$4 com=$5 start=$6 base=$7 posts=$8 fus=$9
  local how=${10:-baseline}
  n=$((n + 1))
  expect_ok ts patient add --name "Patient$n Synthetic" --dob "$dob" --sex "$sex" --consent-treatment
  local patient=$OUT
  expect_ok ts --json episode open --patient "$patient" --practitioner "$pr" --protocol low-back-pain \
    --icd10 M54.50 --start "$start" --chronicity-weeks "$chron" --comorbidities "$com" \
    $NO_FLAGS
  local ep; ep=$(json 'this.id')
  [ "$how" = baseline ] || [ "$how" = open ] &&
    expect_ok ts observe --episode "$ep" --instrument nprs --timepoint baseline --at "${start}T09:00Z" --value "$base"
  local k=0 day=$start v s
  for v in $posts; do
    day=$(date -u -d "$start +$((7 * k)) days" +%F)
    expect_ok ts session add --episode "$ep" --start "${day}T10:00Z" --minutes 60 \
      --phase introductory:10 --phase kneading:35 --phase trigger-point:10 --phase stretching:5
    s=$OUT
    [ $k -eq 0 ] && [ "$how" = pre ] &&
      expect_ok ts observe --episode "$ep" --session "$s" --instrument nprs --timepoint pre --at "${day}T09:58Z" --value "$base"
    expect_ok ts observe --episode "$ep" --session "$s" --instrument nprs --timepoint post --at "${day}T11:00Z" --value "$v"
    k=$((k + 1))
  done
  [ "$how" = open ] && return 0
  expect_ok ts episode close "$ep" --end "$day"
  local f
  for f in $fus; do
    expect_ok ts observe --episode "$ep" --instrument nprs --timepoint followup \
      --at "$(date -u -d "$day +${f#*@} days" +%F)T10:00Z" --value "${f%@*}"
  done
}

# Practitioner 1
course 1 1985-01-01 female 10 0 2025-01-06 8 "6 5 3" "3@30"
course 1 1970-01-01 male 52 2 2025-01-13 7 "6 4 4" "5@35"
course 1 1992-01-01 female 4 1 2025-01-20 6 "5 5 2" "6@28"
course 1 1963-01-01 male 104 3 2025-01-27 9 "8 7 6 5" ""
course 1 1978-01-01 female 20 0 2025-02-03 5 "4 4" "4@40"
course 1 1996-01-01 female 8 1 2025-02-10 7 "5 3 2" "2@29"
# Practitioner 2 (the 3 -> 2 episode responds by the relative MCID, 33%;
# the last one's baseline is the pre score of its first session)
course 2 1955-01-01 male 200 4 2025-02-17 8 "8 7 7" "7@30"
course 2 1987-01-01 female 12 1 2025-02-24 6 "5 4" "4@31"
course 2 1974-01-01 male 30 2 2025-03-03 9 "9 8 8 7" "8@45"
course 2 1980-01-01 female 16 0 2025-03-10 3 "3 2 2" ""
course 2 1959-01-01 male 78 3 2025-03-17 7 "6 6 5 4" "4@33" pre
# Practitioner 3 (a follow-up 14 days after discharge does not count)
course 3 1967-01-01 female 26 2 2025-03-24 5 "3 3" "3@28"
course 3 1989-01-01 male 6 0 2025-03-31 8 "7 6 4" "2@14 5@60"
course 3 1976-01-01 female 40 1 2025-04-07 6 "6 5" "6@30"
# Incomplete: still open; closed with a baseline only; no baseline.
course 1 1990-01-01 female 5 0 2026-06-01 7 "6" "" open
course 2 1980-01-01 male 5 0 2025-05-05 6 "" ""
course 1 1981-01-01 female 5 0 2025-05-12 6 "4" "" none

# Small data: the model needs 2 episodes per predictor (5 predictors), and
# a designation 5 complete episodes with a Wilson lower bound of 0.4.
expect_ok ts thresholds set model_min_per_predictor 2
expect_ok ts thresholds set min_episodes 5
expect_ok ts thresholds set responder_lower_bound 0.4

# Independent computation (R 4, package survival), run once; its output is
# written into the assertions below:
#
#   library(survival)
#   resp <- function(b, x) (b - x) >= 2 || (b > 0 && (b - x) / b >= 0.3)
#   # d: one row per complete episode, from the courses above by hand:
#   #   impr = baseline - last post; resp = resp(baseline, last post);
#   #   time = first session whose post is responder-level, else the number
#   #   of sessions (event 0); hasfu = a follow-up >= 28 days after the end;
#   #   sus = resp(baseline, that follow-up) for responders with one.
#   d <- data.frame(
#     p    = c(1,1,1,1,1,1, 2,2,2,2,2, 3,3,3),
#     age  = c(40,55,33,62,47,29, 70,38,51,45,66, 58,36,49),
#     sex  = factor(c("female","male","female","male","female","female",
#              "male","female","male","female","male", "female","male","female")),
#     chr  = c(10,52,4,104,20,8, 200,12,30,16,78, 26,6,40),
#     com  = c(0,2,1,3,0,1, 4,1,2,0,3, 2,0,1),
#     base = c(8,7,6,9,5,7, 8,6,9,3,7, 5,8,6),
#     impr = c(5,3,4,4,1,5, 1,2,2,1,3, 2,4,1),
#     resp = c(1,1,1,1,0,1, 0,1,1,1,1, 1,1,0),
#     time = c(1,2,3,2,2,1, 3,2,4,2,3, 1,2,2),
#     event= c(1,1,1,1,0,1, 0,1,1,1,1, 1,1,0),
#     hasfu= c(1,1,1,0,1,1, 1,1,1,0,1, 1,1,1),
#     sus  = c(1,1,0,NA,NA,1, NA,1,0,NA,1, 1,1,NA))
#   fit <- lm(impr ~ base + age + sex + chr + com, data = d); summary(fit)
#   for (p in 1:3) { x <- d[d$p == p, ]
#     t.test(x$impr)$conf.int; mean(x$impr) / sd(x$impr)
#     prop.test(sum(x$resp), nrow(x), correct = FALSE)$conf.int
#     survfit(Surv(time, event) ~ 1, data = x)   # median
#     mean(residuals(fit)[d$p == p]); mean(fitted(fit)[d$p == p]) }
#   sigma <- summary(fit)$sigma; se <- sigma / sqrt(c(6, 5, 3))
#   y <- tapply(residuals(fit), d$p, mean)
#   z <- y / se; q <- quantile(z, c(.1, .9)); zw <- pmin(pmax(z, q[1]), q[2])
#   phi <- mean(zw^2); w <- 1 / se^2
#   tau2 <- max(0, (3 * phi - 2) / (sum(w) - sum(w^2) / sum(w)))  # 0
#   1.959964 * sqrt(se^2 + tau2)                                  # upper95
#   v <- se^2; wv <- 1/v; yb <- sum(wv*y)/sum(wv); Q <- sum(wv*(y-yb)^2)
#   t2 <- max(0, (Q - 2) / (sum(wv) - sum(wv^2)/sum(wv)))
#   mu <- sum(y/(v+t2))/sum(1/(v+t2)); B <- v/(t2+v); (1-B)*y + B*mu
#
# Output (10 significant digits):
#   coefficients (estimate, SE): (Intercept) 2.08436115939 3.6142137944;
#   base 0.53082850501 0.3274663617; age -0.06278547922 0.0597716020;
#   sexmale -0.14856078876 1.1784271603; chr -0.01000319048 0.0132928723;
#   com 0.42528514247 0.5975508842; R² 0.5731240457, adjusted 0.3063265742,
#   sigma 1.240887807
#   cell 1: mean 3.666666667, CI 2.086693766 5.246639568, SRM 2.435440935,
#     rate 0.8333333333, Wilson 0.4364971778 0.9699466303, KM median 2,
#     sustained 0.75, coverage 0.8333333333, expected 3.133211567,
#     O-E 0.5334551001, upper95 0.9928988014
#   cell 2: mean 1.8, CI 0.7611493663 2.838850634, SRM 2.151411497, rate 0.8,
#     Wilson 0.3755346298 0.9637758914, KM median 3, sustained 0.6666666667,
#     coverage 0.8, expected 2.286632826, O-E -0.4866328262,
#     upper95 1.087666142
#   cell 3: mean 2.333333333, CI -1.4612497 6.127916367, SRM 1.527525232,
#     rate 0.6666666667, Wilson 0.2076596008 0.9385080553, KM median 2,
#     sustained 1, coverage 1, expected 2.589188823, O-E -0.2558554897,
#     upper95 1.404170951
#   phi 0.4398111524, tau2 0; positions inside, inside, inside
#   DerSimonian-Laird tau2 0.000920510708, mu -0.0002016191299, shrunken
#   0.001705694332 -0.001651255414 -0.0006592963083

expect_ok ts --json report registry --protocol low-back-pain --instrument nprs
m='this.models[0]'
assert_eq "$(json "$m.adjusted")" "true"
assert_eq "$(json "$m.n")" "14"
assert_eq "$(json "$m.sex_reference")" "female"
assert_eq "$(json "$m.terms.map(t=>t.term).join()")" "(intercept),baseline,age,sex:male,chronicity_weeks,comorbidities"
near "$(json "$m.terms[0].estimate")" 2.08436115939 intercept
near "$(json "$m.terms[0].se")" 3.6142137944 "intercept se"
near "$(json "$m.terms[1].estimate")" 0.53082850501 baseline
near "$(json "$m.terms[1].se")" 0.3274663617 "baseline se"
near "$(json "$m.terms[2].estimate")" -0.06278547922 age
near "$(json "$m.terms[2].se")" 0.0597716020 "age se"
near "$(json "$m.terms[3].estimate")" -0.14856078876 male
near "$(json "$m.terms[3].se")" 1.1784271603 "male se"
near "$(json "$m.terms[4].estimate")" -0.01000319048 chronicity
near "$(json "$m.terms[4].se")" 0.0132928723 "chronicity se"
near "$(json "$m.terms[5].estimate")" 0.42528514247 comorbidities
near "$(json "$m.terms[5].se")" 0.5975508842 "comorbidities se"
near "$(json "$m.r2")" 0.5731240457 r2
near "$(json "$m.adj_r2")" 0.3063265742 adj_r2
near "$(json "$m.sigma")" 1.240887807 sigma
near "$(json "$m.funnel.phi")" 0.4398111524 phi
assert_eq "$(json "$m.funnel.tau2")" "0"
near "$(json "$m.shrinkage.tau2")" 0.000920510708 "DL tau2"
near "$(json "$m.shrinkage.mu")" -0.0002016191299 "DL mu"
assert_eq "$(json 'this.cells.length')" "3"
assert_eq "$(json 'this.cells.map(c=>c.practitioner).join()')" "1,2,3"
assert_eq "$(json 'this.cells.map(c=>c.n).join()')" "6,5,3"
assert_eq "$(json 'this.cells.map(c=>c.funnel).join()')" "inside,inside,inside"
assert_eq "$(json 'this.cells.map(c=>c.median_sessions_to_response).join()')" "2,3,2"
check_cell() { # INDEX mean lo hi srm rate wlo whi sustained coverage expected oe upper95 shrunken
  local c="this.cells[$1]"
  near "$(json "$c.mean_improvement")" "$2" "cell $1 mean"
  near "$(json "$c.mean_improvement_ci95[0]")" "$3" "cell $1 CI low"
  near "$(json "$c.mean_improvement_ci95[1]")" "$4" "cell $1 CI high"
  near "$(json "$c.srm")" "$5" "cell $1 SRM"
  near "$(json "$c.responder_rate")" "$6" "cell $1 rate"
  near "$(json "$c.responder_ci95[0]")" "$7" "cell $1 Wilson low"
  near "$(json "$c.responder_ci95[1]")" "$8" "cell $1 Wilson high"
  near "$(json "$c.sustained_rate")" "$9" "cell $1 sustained"
  near "$(json "$c.followup_coverage")" "${10}" "cell $1 coverage"
  near "$(json "$c.expected_improvement")" "${11}" "cell $1 expected"
  near "$(json "$c.observed_minus_expected")" "${12}" "cell $1 O-E"
  near "$(json "$c.funnel_limits.upper95")" "${13}" "cell $1 upper95"
  near "$(json "$c.shrunken")" "${14}" "cell $1 shrunken"
}
check_cell 0 3.666666667 2.086693766 5.246639568 2.435440935 0.8333333333 \
  0.4364971778 0.9699466303 0.75 0.8333333333 3.133211567 0.5334551001 \
  0.9928988014 0.001705694332
check_cell 1 1.8 0.7611493663 2.838850634 2.151411497 0.8 0.3755346298 \
  0.9637758914 0.6666666667 0.8 2.286632826 -0.4866328262 1.087666142 \
  -0.001651255414
check_cell 2 2.333333333 -1.4612497 6.127916367 1.527525232 0.6666666667 \
  0.2076596008 0.9385080553 1 1 2.589188823 -0.2558554897 1.404170951 \
  -0.0006592963083
# Designations with the thresholds set above: practitioner 1 meets every
# bar of "reproducible" (5 of 5 episodes, Wilson lower 0.4365 >= 0.4,
# sustained 3/4 = 0.75 >= 0.7, coverage 5/6 >= 0.5) but is inside the
# funnel; 2 has a Wilson lower bound of 0.3755 < 0.4; 3 has 3 episodes.
assert_eq "$(json 'this.cells.map(c=>c.designation).join()')" "reproducible,none,none"
# Incomplete episodes are counted by reason, never dropped.
expect_ok ts --json report registry --protocol low-back-pain --instrument nprs
# The JSON goes straight to standard output once the read is on record:
# output that cannot be written is an error naming it, and the read
# stays audited (the text may have been partly shown).
reads=$(sql "SELECT count(*) FROM audit WHERE record_type = 'registry_outcome' AND outcome = 'ok'")
rc=0
ts --json report registry >/dev/full 2>"$TMP/full.err" || rc=$?
assert_eq "$rc" 1 "report registry to a full device"
grep -q "report registry: output: cannot write the JSON to standard output" "$TMP/full.err" ||
  fail "report registry to a full device: $(cat "$TMP/full.err")"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE record_type = 'registry_outcome' AND outcome = 'ok'")" "$((reads + 1))" "the read audited"
assert_eq "$(json 'this.incomplete.map(i=>[i.practitioner,i.open,i.no_baseline,i.no_discharge].join(":")).join()')" "1:1:1:0,2:0:0:1"

# The practitioner report: exactly the documented cell members.
expect_ok ts --json report practitioner 1 --protocol low-back-pain
assert_eq "$(json 'Object.keys(this.cells[0]).join()')" "protocol,instrument,n,mean_improvement,mean_improvement_ci95,srm,responder_rate,responder_ci95,median_sessions_to_response,sustained_rate,followup_coverage,expected_improvement,observed_minus_expected,funnel,shrunken,designation"
assert_eq "$(json 'this.cells.length')" "1"
near "$(json 'this.cells[0].observed_minus_expected')" 0.5334551001 "practitioner O-E"
assert_eq "$(json 'this.cells[0].designation')" "reproducible"
# odi and psfs (the protocol's other instruments) were never measured.
assert_eq "$(json 'this.incomplete.map(i=>i.instrument+":"+i.total).join()')" "nprs:2,odi:8,psfs:8"
assert_eq "$(json 'this.designations[0].criteria.filter(c=>!c.met).map(c=>c.name).join()')" "funnel"
expect_ok ts report practitioner 1 --csv
assert_eq "$(head -1 <<<"$OUT")" "protocol,instrument,n,mean_improvement,mean_improvement_ci95_lower,mean_improvement_ci95_upper,srm,responder_rate,responder_ci95_lower,responder_ci95_upper,median_sessions_to_response,sustained_rate,followup_coverage,expected_improvement,observed_minus_expected,funnel,shrunken,designation"
assert_contains "$(sed -n 2p <<<"$OUT")" "^low-back-pain,nprs,6,3.66666666666666[0-9]*,"
expect_ok ts report practitioner 2
assert_contains "$OUT" "responder rate, Wilson 95% lower bound \(required 0.4, observed 0.3755\)"
assert_contains "$OUT" "low-back-pain +nprs +1 +0 +0 +1 +0$"

# The episode report: the follow-up at 14 days is not the follow-up.
expect_ok ts --json report episode 13
o='this.outcomes.find(o=>o.instrument=="nprs")'
assert_eq "$(json "[$o.baseline,$o.discharge,$o.followup,$o.followup_days,$o.improvement].join()")" "8,4,5,60,4"
assert_eq "$(json "[$o.responder,$o.sessions_to_response,$o.response_event,$o.sustained,$o.complete].join()")" "true,2,true,true,true"
expect_ok ts --json report episode 11
assert_eq "$(json "[$o.baseline,$o.sessions_to_response,$o.response_event].join()")" "7,3,true"
expect_ok ts --json report episode 7
assert_eq "$(json "[$o.responder,$o.sessions_to_response,$o.response_event,$o.sustained].join()")" "false,3,false,"
expect_ok ts --json report episode 15
assert_eq "$(json "[$o.complete,$o.incomplete_reason].join()")" "false,open"
expect_ok ts report episode 10
assert_contains "$OUT" "responder yes, sessions to response 2, sustained -"
expect_refused 2 "report episode: id: no episode 99" ts report episode 99

# A certificate for the reproducible cell: verify accepts it, and the data
# file hashes to the certificate's data_sha256.
expect_ok ts --json certify --practitioner 1 --protocol low-back-pain --out cert.json --data data.json
assert_eq "$(json 'this.designation')" "reproducible"
assert_eq "$(json 'this.instrument')" "nprs"
sha=$(json 'this.data_sha256')
assert_eq "$(sha256sum data.json | cut -d' ' -f1)" "$sha"
expect_ok ts --json verify cert.json
assert_eq "$(json 'this.valid')" "true"
assert_eq "$(json 'this.certificate.designation')" "reproducible"
assert_eq "$(json 'this.certificate.metrics.n_episodes')" "6"
assert_eq "$(json 'this.certificate.data_window.from+" "+this.certificate.data_window.to')" "2025-01-06 2025-02-24"
assert_eq "$(json 'this.certificate.thresholds.map(t=>t.name).join()')" "mcid,min_episodes,responder_lower_bound,sustained_rate,followup_coverage"
OUT=$(cat data.json)
assert_eq "$(json 'this.length')" "6"
assert_eq "$(json 'this.map(e=>e.improvement).join()')" "5,3,4,4,1,5"
! grep -qiE 'synthetic|patient|"id"|2025-' data.json || fail "the data file holds identifiers"
expect_ok ts key export-public
expect_ok ts verify cert.json --public-key "$OUT"
# Tamper: flip one byte of the signed part (a digit of a metric).
sed 's/"n_episodes":6/"n_episodes":7/' cert.json > tampered.json
! cmp -s cert.json tampered.json || fail "the tamper changed nothing"
expect_refused 1 "verify: signature" ts verify tampered.json
# An existing --out is never overwritten.
expect_refused 2 "certify: out: 'cert.json' exists" ts certify --practitioner 1 --protocol low-back-pain --out cert.json
# Unqualified cells are refused (status 3), naming the unmet criterion.
expect_refused 3 "certify: responder_lower_bound: practitioner 2 is not reproducible in low-back-pain x nprs: responder rate, Wilson 95% lower bound: 0.3755, below the required 0.4" \
  ts certify --practitioner 2 --protocol low-back-pain --instrument nprs --out c2.json
[ ! -e c2.json ] || fail "a refused certificate left a file"
expect_refused 3 "certify: min_episodes: practitioner 3 is not reproducible" \
  ts certify --practitioner 3 --protocol low-back-pain --out c3.json
expect_refused 3 "certify: funnel: practitioner 1 is not advanced in low-back-pain x nprs: risk-adjusted performance above the peers' upper 95% funnel limit: 0.5335, not above the upper limit 0.9929" \
  ts certify --practitioner 1 --protocol low-back-pain --designation advanced --out c4.json
expect_refused 2 "certify: instrument: practitioner 1 has no complete episode in low-back-pain x odi" \
  ts certify --practitioner 1 --protocol low-back-pain --instrument odi --out c5.json
expect_refused 2 "certify: practitioner: no practitioner 9" \
  ts certify --practitioner 9 --protocol low-back-pain --out c6.json
expect_refused 2 "certify: designation: 'best' is not reproducible or advanced" \
  ts certify --practitioner 1 --protocol low-back-pain --designation best --out c7.json
# Raising a threshold takes the designation away.
expect_ok ts thresholds set min_episodes 7
expect_refused 3 "certify: min_episodes: .*complete episodes: 6, below the required 7" \
  ts certify --practitioner 1 --protocol low-back-pain --out c8.json
expect_ok ts --json report practitioner 1
assert_eq "$(json 'this.cells[0].designation')" "none"
