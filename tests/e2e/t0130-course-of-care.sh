#!/usr/bin/env bash
# A whole course of care: patient, referral, episode, sessions with phases,
# scores, discharge and follow-up, read back as text and JSON; then backup
# and check.
. "$(dirname "$0")/lib.sh"

expect_ok ts init --clinic "Synthetic Test Clinic"
# The red-flag screen of low-back-pain, all "no" but fever (given apart).
cat > screen.json <<'JSON'
{"saddle-numbness": "no", "progressive-weakness": "no",
 "weight-loss": "no", "cancer-history": "no", "night-pain": "no"}
JSON
expect_ok ts practitioner add --name "Ada Synthetic" --license MA-1 --credentials LMT
expect_ok ts training add --practitioner 1 --protocol stress-management-full-body --hours 150 --completed 2020-01-01
expect_ok ts training add --practitioner 1 --protocol low-back-pain --hours 32 --completed 2021-01-01
expect_ok ts patient add --name "Pat Synthetic" --dob 1975-04-12 --sex female --consent-treatment
patient=$OUT
expect_ok ts referral add --patient "$patient" --physician "Dr Orla Fictive" \
  --specialty "Family medicine" --npi 1245319599 --reason "chronic low back pain" \
  --icd10 M54.50,M54.59 --date 2026-01-02
referral=$OUT
expect_ok ts --json episode open --patient "$patient" --practitioner 1 --protocol low-back-pain \
  --icd10 M54.50 --start 2026-01-05 --referral "$referral" --chronicity-weeks 14 \
  --comorbidities 1 --screen screen.json --red-flag fever=no
episode=$(json 'this.id')
assert_eq "$episode" "1"

expect_ok ts observe --episode 1 --instrument nprs --timepoint baseline --at 2026-01-05T09:00Z --value 7
expect_ok ts observe --episode 1 --instrument odi --timepoint baseline --at 2026-01-05T09:05Z --items 4,3,3,2,3,2,2,3,1,2
for week in 0 1 2 3; do
  day=$(printf '2026-01-%02d' $((5 + 7 * week)))
  expect_ok ts session add --episode 1 --start "${day}T10:00Z" --minutes 60 \
    --phase introductory:10 --phase kneading:35 --phase friction:5 --phase trigger-point:5 \
    --phase stretching:3 --phase circulatory:2 \
    --subjective "pain $((7 - week))/10" --plan "continue"
  s=$OUT
  expect_ok ts observe --episode 1 --session "$s" --instrument nprs --timepoint pre --at "${day}T09:58Z" --value $((7 - week))
  expect_ok ts observe --episode 1 --session "$s" --instrument nprs --timepoint post --at "${day}T11:02Z" --value $((6 - week))
done
expect_ok ts observe --episode 1 --session 4 --instrument odi --timepoint post --at 2026-01-26T11:05Z --items 1,1,1,0,1,0,1,1,0,
expect_ok ts episode close 1 --end 2026-01-26
expect_ok ts observe --episode 1 --instrument nprs --timepoint followup --at 2026-02-23T10:00Z --value 2
expect_ok ts observe --episode 1 --instrument odi --timepoint followup --at 2026-02-23T10:05Z --items 1,1,0,0,1,0,1,0,0,0

expect_ok ts episode show 1
assert_contains "$OUT" "episode 1: Pat Synthetic \(patient 1\)"
assert_contains "$OUT" "period +2026-01-05 \.\. 2026-01-26"
assert_contains "$OUT" "session 4 \(id 4\): 2026-01-26T10:00:00Z, 60 min"
assert_contains "$OUT" "phases +introductory 10, kneading 35, friction 5, trigger-point 5, stretching 3, circulatory 2"
assert_contains "$OUT" "followup nprs +2 +at 2026-02-23T10:00:00Z \(28 days after discharge\)"
assert_contains "$OUT" "subjective +pain 4/10"
# In order: baseline, then sessions, then follow-ups.
order=$(grep -nE "baseline|session 1 |session 4 |followup" <<<"$OUT" | cut -d: -f1 | tr '\n' ' ')
assert_eq "$(tr ' ' '\n' <<<"$order" | grep . | sort -n | tr '\n' ' ')" "$order" "episode show order"
! grep -q "finding" <<<"$OUT" || fail "a faithful session got a finding"

expect_ok ts --json episode show 1
assert_eq "$(json 'this.sessions.length')" "4"
assert_eq "$(json 'this.sessions[0].phases[1].name')" "kneading"
assert_eq "$(json 'this.sessions[0].observations.length')" "2"
assert_eq "$(json 'this.sessions[3].observations[2].instrument')" "odi"
assert_eq "$(json 'JSON.stringify(this.sessions[3].observations[2].items)')" "[1,1,1,0,1,0,1,1,0,null]"
assert_eq "$(json 'this.observations.map(o=>o.timepoint).join()')" "baseline,baseline,followup,followup"
assert_eq "$(json 'this.observations[2].followup_days')" "28"
assert_eq "$(json 'this.open')" "false"
assert_eq "$(json 'this.end')" "2026-01-26"
assert_eq "$(json 'this.chronicity_weeks')" "14"
assert_eq "$(json 'this.referral_id')" "1"
assert_eq "$(json 'this.sessions[1].subjective')" "pain 6/10"

expect_ok ts patient show 1
assert_contains "$OUT" "1 +2026-01-02 +Dr Orla Fictive \(Family medicine\) +M54.50,M54.59"
assert_contains "$OUT" "2026-01-05\.\.2026-01-26 low-back-pain +M54.50 +Ada Synthetic, 4 sessions"
expect_ok ts --json patient show 1
assert_eq "$(json 'this.referrals[0].icd10.join()')" "M54.50,M54.59"
assert_eq "$(json 'this.episodes[0].session_count')" "4"
expect_ok ts --json referral show 1
assert_eq "$(json 'this.npi')" "1245319599"
expect_ok ts --json session show 2
assert_eq "$(json 'this.minutes')" "60"

expect_ok ts episode list
assert_contains "$OUT" "2026-01-05 2026-01-26 low-back-pain"
expect_ok ts --json episode list --open
assert_eq "$(json 'this.length')" "0"
expect_ok ts --json episode list --patient 1 --practitioner 1
assert_eq "$(json 'this.length')" "1"

# The totals are the scoring rule's, never the input's.
assert_eq "$(sql "SELECT total FROM observation WHERE instrument = 'nprs' AND timepoint = 'baseline'")" "7.0"
# ODI 2.1a (catalog/instruments.json): sum / (5 x answered) x 100; the
# baseline's 25 points over 10 sections is 50, the discharge's 6 points over
# 9 answered sections is 6 / 45 x 100 = 13.33.
assert_eq "$(sql "SELECT total FROM observation WHERE instrument = 'odi' AND timepoint = 'baseline'")" "50.0"
assert_eq "$(sql "SELECT round(total, 2) FROM observation WHERE instrument = 'odi' AND timepoint = 'post'")" "13.33"
assert_eq "$(sql "SELECT count(*) FROM session_phase")" "24"

expect_ok ts backup "$TMP/copy.db"
assert_eq "$(sqlite3 "$TMP/copy.db" 'SELECT count(*) FROM observation')" "13"
expect_ok ts --db "$TMP/copy.db" episode show 1
assert_contains "$OUT" "Pat Synthetic"
expect_ok ts check
assert_contains "$OUT" "^ok"
