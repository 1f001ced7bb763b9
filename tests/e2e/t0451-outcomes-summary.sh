#!/usr/bin/env bash
# The per-episode summary is kept up to date in the transaction of each
# observation and discharge, and reports read it, not the observations:
# a new observation changes the report; deleting every observation behind
# the record's back does not; 'report refresh' recomputes from them.
. "$(dirname "$0")/lib.sh"

# The red-flag screen of low-back-pain, every answer "no".
NO_FLAGS="--red-flag saddle-numbness=no --red-flag progressive-weakness=no --red-flag fever=no --red-flag weight-loss=no --red-flag cancer-history=no --red-flag night-pain=no"

expect_ok ts init --clinic "Synthetic Summary Clinic"
expect_ok ts practitioner add --name "Ada Synthetic" --license MA-1 --credentials LMT
expect_ok ts training add --practitioner 1 --protocol stress-management-full-body --hours 150 --completed 2020-01-01
expect_ok ts training add --practitioner 1 --protocol low-back-pain --hours 32 --completed 2021-01-01
expect_ok ts patient add --name "Pat Synthetic" --dob 1975-04-12 --sex female --consent-treatment
expect_ok ts episode open --patient 1 --practitioner 1 --protocol low-back-pain \
  --icd10 M54.50 --start 2026-01-05 --chronicity-weeks 14 --comorbidities 1 \
  $NO_FLAGS

# Opening alone makes no rows; the first observation makes one per
# instrument of the protocol (odi and nprs primary, psfs secondary).
assert_eq "$(sql "SELECT count(*) FROM episode_summary")" "0"
expect_ok ts observe --episode 1 --instrument nprs --timepoint baseline --at 2026-01-05T09:00Z --value 7
assert_eq "$(sql "SELECT group_concat(instrument || ':' || role || ':' || incomplete_reason, ' ') FROM (SELECT * FROM episode_summary ORDER BY instrument)")" \
  "nprs:primary:open odi:primary:open psfs:secondary:open"
assert_eq "$(sql "SELECT baseline || ' ' || age_years || ' ' || sex || ' ' || chronicity_weeks || ' ' || comorbidities FROM episode_summary WHERE instrument = 'nprs'")" \
  "7.0 50 female 14 1"

expect_ok ts session add --episode 1 --start 2026-01-05T10:00Z --minutes 60 \
  --phase introductory:10 --phase kneading:35 --phase trigger-point:10 --phase stretching:5
expect_ok ts observe --episode 1 --session 1 --instrument nprs --timepoint post --at 2026-01-05T11:02Z --value 6
expect_ok ts session add --episode 1 --start 2026-01-12T10:00Z --minutes 60 \
  --phase introductory:10 --phase kneading:35 --phase trigger-point:10 --phase stretching:5
expect_ok ts observe --episode 1 --session 2 --instrument nprs --timepoint post --at 2026-01-12T11:02Z --value 4
expect_ok ts --json report episode 1
o='this.outcomes.find(o=>o.instrument=="nprs")'
assert_eq "$(json "[$o.complete,$o.incomplete_reason,$o.discharge].join()")" "false,open,"

# Discharge completes it, in the same transaction as the close.
expect_ok ts episode close 1 --end 2026-01-12
expect_ok ts --json report episode 1
assert_eq "$(json "[$o.complete,$o.discharge,$o.improvement,$o.responder,$o.sessions_to_response,$o.has_followup].join()")" \
  "true,4,3,true,2,false"
assert_eq "$(json 'this.outcomes.find(o=>o.instrument=="odi").incomplete_reason')" "no_baseline"
expect_ok ts --json report practitioner 1
assert_eq "$(json 'this.cells[0].followup_coverage')" "0"
assert_eq "$(json 'this.cells[0].sustained_rate')" "null"

# A follow-up 30 days after discharge: the report changes at once.
expect_ok ts observe --episode 1 --instrument nprs --timepoint followup --at 2026-02-11T10:00Z --value 3
expect_ok ts --json report practitioner 1
assert_eq "$(json 'this.cells[0].followup_coverage')" "1"
assert_eq "$(json 'this.cells[0].sustained_rate')" "1"
before=$OUT

# Reports never reread the observations: remove them all behind the
# record's back (not something the program ever does) and the report is
# the same; 'report refresh' then recomputes from what is left.
sql "DELETE FROM observation"
expect_ok ts --json report practitioner 1
assert_eq "$OUT" "$before" "report without observations"
expect_ok ts --json report refresh
assert_eq "$(json 'this.episodes')" "1"
expect_ok ts --json report practitioner 1
assert_eq "$(json 'this.cells.length')" "0"
assert_eq "$(json 'this.incomplete.find(i=>i.instrument=="nprs").no_baseline')" "1"

# A failed observation changes nothing, summary included.
expect_refused 2 "observe: timepoint" ts observe --episode 1 --instrument nprs --timepoint later --at 2026-02-12T10:00Z --value 3
