#!/usr/bin/env bash
# Superbills end to end through real sessions: every worked example of
# codes.md and docs/billing.md that session phases can express, every unit
# boundary of the 15-minute table, both rules, the per-date visit, the
# refusals, and the CSV, HTML and JSON forms.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

expect_ok ts init --clinic "Synthetic Billing Clinic"
expect_ok ts practitioner add --name "Ada Synthetic" --license MA-LMT-4242 \
  --credentials LMT --npi 1234567893
expect_ok ts training add --practitioner 1 --protocol stress-management-full-body \
  --hours 150 --completed 2020-01-01
expect_ok ts training add --practitioner 1 --protocol low-back-pain --hours 32 \
  --completed 2021-01-01
# A name that needs quoting in CSV and escaping in HTML.
expect_ok ts patient add --name 'Pat "Q" <Synthetic>, Jr & Co' --dob 1975-04-12 --sex female
expect_ok ts referral add --patient 1 --physician "Dr Orla Fictive" --specialty "Family medicine" \
  --npi 1245319599 --reason "low back pain" --icd10 M54.50,M54.59,M54.41 --date 2026-01-02
lbp_screen screen.json
expect_ok ts episode open --patient 1 --practitioner 1 --protocol low-back-pain \
  --icd10 M54.59 --start 2026-01-05 --referral 1 --screen screen.json

day=0
# session PHASE:MIN...: a session of exactly the phases' minutes on the next
# day; its id in $s.
session() {
  local total=0 args=() p
  for p in "$@"; do total=$((total + ${p##*:})); args+=(--phase "$p"); done
  day=$((day + 1))
  local date; date=$(date -u -d "2026-01-05 + $day days" +%F)
  expect_ok ts session add --episode 1 --start "${date}T10:00Z" --minutes "$total" "${args[@]}"
  s=$OUT
}
# units ID [RULE]: "CODE=UNITS ..." of a session's bill.
units() {
  expect_ok ts --json bill --session "$1" --rule "${2:-cms}"
  json 'this.visits[0].lines.map(l => l.code + "=" + l.units).join(" ")'
}

# codes.md: 24 min 97112 + 23 min 97110 = 47 min -> 3 units (2 x 97112, 1 x 97110).
session neuromuscular:24 therapeutic-exercise:23
assert_eq "$(units "$s")" "97112=2 97110=1" "24+23 cms"
assert_eq "$(units "$s" per-code)" "97112=2 97110=2" "24+23 per-code"
# codes.md: 33 min 97110 + 7 min 97140 = 40 min -> 3 units (2 x 97110, 1 x 97140).
session therapeutic-exercise:33 trigger-point:7
assert_eq "$(units "$s")" "97110=2 97140=1" "33+7 cms"
assert_eq "$(units "$s" per-code)" "97110=2 97140=0" "33+7 per-code"
# codes.md: two services of 7 minutes or less reaching 8 -> 1 unit, the longer.
session kneading:5 trigger-point:3
assert_eq "$(units "$s")" "97124=1 97140=0" "5+3 cms"
expect_refused 3 "bill: minutes: " ts bill --session "$s" --rule per-code
# billing.md: 4 + 3 minutes: under 8 in all, refused under both rules.
session kneading:4 stretching:3
expect_refused 3 "bill: minutes: " ts bill --session "$s"
expect_refused 3 "bill: minutes: " ts bill --session "$s" --rule per-code
# billing.md: a tie of leftovers goes to the first listed: 20 + 20 min.
session neuromuscular:20 therapeutic-exercise:20
assert_eq "$(units "$s")" "97112=2 97110=1" "20+20 cms"
# billing.md: 7 + 7 + 7 min of three codes -> 1 unit, to the first listed.
session neuromuscular:7 therapeutic-exercise:7 trigger-point:7
assert_eq "$(units "$s")" "97112=1 97110=0 97140=0" "7+7+7 cms"
# billing.md: the low-back session of the phase table: 97124 30 min, 97140
# 10 min (rest not billed) -> 3 units, 2 x 97124 and 1 x 97140.
session introductory:5 kneading:20 trigger-point:10 rest:5 circulatory:5
assert_eq "$(units "$s")" "97124=2 97140=1" "phase table example"
expect_ok ts --json bill --session "$s"
assert_eq "$(json 'this.visits[0].timed_minutes + "/" + this.visits[0].session_minutes')" "40/45"

# Every boundary of the 15-minute table, one code (97124), both rules.
for pair in 7:0 8:1 22:1 23:2 37:2 38:3 52:3 53:4 67:4 68:5 82:5 83:6 97:6 98:7 \
            112:7 113:8 127:8 128:9; do
  m=${pair%%:*} want=${pair##*:}
  session "kneading:$m"
  if [ "$want" = 0 ]; then
    expect_refused 3 "under 8 minutes|no unit" ts bill --session "$s"
    expect_refused 3 "minutes" ts bill --session "$s" --rule per-code
  else
    assert_eq "$(units "$s")" "97124=$want" "$m min cms"
    assert_eq "$(units "$s" per-code)" "97124=$want" "$m min per-code"
  fi
done
# The boundaries when two codes share the total (cms): 15 + 7 = 22 -> 1,
# 15 + 8 = 23 -> 2, 30 + 7 = 37 -> 2, 30 + 8 = 38 -> 3.
for pair in 15:7:1 15:8:2 30:7:2 30:8:3; do
  IFS=: read -r a b want <<<"$pair"
  session "kneading:$a" "trigger-point:$b"
  expect_ok ts --json bill --session "$s"
  assert_eq "$(json 'this.visits[0].units')" "$want" "$a+$b cms total"
done

# The JSON bill: parties, diagnoses with pointers, the minutes behind units.
session neuromuscular:24 therapeutic-exercise:23
expect_ok ts --json bill --session "$s"
assert_eq "$(json '[this.rule, this.provider.npi, this.provider.name, this.patient.dob, this.referring.npi].join("|")')" \
  "cms|1234567893|Ada Synthetic|1975-04-12|1245319599"
assert_eq "$(json 'this.diagnoses.map(d => d.pointer + ":" + d.code).join()')" "A:M54.59,B:M54.50,C:M54.41"
assert_eq "$(json 'this.visits[0].lines.map(l => l.pointers).join()')" "ABC,ABC"
assert_eq "$(json 'this.visits[0].date')" "$(date -u -d "2026-01-05 + $day days" +%F)"
assert_eq "$(json 'this.visits[0].lines[0].basis')" "24 min: 1 x 15 min + 1 unit for the 9 min left over"
assert_eq "$(json 'this.visits[0].lines[1].basis')" "23 min: 1 x 15 min; its 8 min left over bill no further unit"
assert_eq "$(json 'this.visits[0].note')" "47 timed min in all = 3 units (CMS 8-minute rule)"

# Two sessions on one date are one visit: 5 + 5 minutes of kneading bill
# 1 unit together, though neither would alone.
day=$((day + 1))
date=$(date -u -d "2026-01-05 + $day days" +%F)
expect_ok ts session add --episode 1 --start "${date}T09:00Z" --minutes 5 --phase kneading:5
a=$OUT
expect_ok ts session add --episode 1 --start "${date}T15:00Z" --minutes 5 --phase kneading:5
expect_refused 3 "minutes" ts bill --session "$a"
# A session without phases: its timed services are unknown.
day=$((day + 1))
date=$(date -u -d "2026-01-05 + $day days" +%F)
expect_ok ts session add --episode 1 --start "${date}T10:00Z" --minutes 30
nophase=$OUT
expect_refused 2 "bill: phase: session $nophase was recorded without its phases" ts bill --session "$nophase"

# The episode's bill: one visit per date, unbillable visits with 0 units
# and the reason, the total the sum of the visits.
expect_ok ts --json bill --episode 1
assert_eq "$(json 'this.visits.length')" "$day"
assert_eq "$(json 'this.visits.find(v => v.date === "'"$(date -u -d "2026-01-05 + $((day - 1)) days" +%F)"'").sessions.length + ":" + this.visits.find(v => v.sessions.length === 2).units')" "2:1"
assert_eq "$(json 'this.visits.filter(v => !v.billed).length')" "3"
assert_eq "$(json 'this.visits.reduce((a, v) => a + v.units, 0) === this.total_units')" "true"
assert_contains "$(json 'this.visits.find(v => v.sessions[0] === '"$nophase"').note')" "^not billed: session $nophase was recorded without its phases"
cms_total=$(json 'this.total_units')
expect_ok ts --json bill --episode 1 --rule per-code
[ "$(json 'this.total_units')" -ne "$cms_total" ] || fail "the rules gave the same total"

# CSV: RFC 4180, one row per line; the quoted name survives a real parser.
expect_ok ts bill --episode 1 --format csv --out bill.csv
[ -z "$OUT" ] || fail "--out also printed"
head -1 bill.csv | grep -q '^date_of_service,sessions,cpt,description,minutes,units,diagnosis_pointers,diagnosis_codes,rule,rendering_provider,rendering_npi,patient_id,patient_name,patient_dob,referring_physician,referring_npi,basis' ||
  fail "csv header: $(head -1 bill.csv)"
node -e '
  const rows = require(process.argv[1])("bill.csv");
  const h = rows.shift();
  if (!rows.every(r => r.length === h.length)) throw new Error("ragged rows");
  const name = rows.map(r => r[h.indexOf("patient_name")]);
  if (!name.every(n => n === "Pat \"Q\" <Synthetic>, Jr & Co")) throw new Error("name: " + name[0]);
  const units = rows.reduce((a, r) => a + Number(r[h.indexOf("units")]), 0);
  console.log(units);' "$HERE/csv-rows.js" > csv-units || fail "the CSV does not parse"
assert_eq "$(cat csv-units)" "$cms_total" "csv units"

# HTML: escaped, self-contained.
expect_ok ts bill --episode 1 --format html --out bill.html
grep -qF 'Pat &quot;Q&quot; &lt;Synthetic&gt;, Jr &amp; Co' bill.html || fail "name not escaped"
! grep -qF '<Synthetic>' bill.html || fail "raw markup from data in the HTML"
grep -q '1234567893' bill.html || fail "no NPI in the HTML"
grep -q 'Total units</th><th class="n">'"$cms_total"'</th>' bill.html || fail "html total"
! grep -qiE '<script|src="http|href="http' bill.html || fail "the page is not self-contained"

# Refusals.
expect_refused 2 "session: give one of --session and --episode" ts bill
expect_refused 2 "give one of" ts bill --session 1 --episode 1
expect_refused 2 "rule: " ts bill --session 1 --rule medicare
expect_refused 2 "format: 'pdf' is not one of" ts bill --session 1 --format pdf
expect_refused 2 "session: no session 999" ts bill --session 999
expect_refused 2 "episode: no episode 9" ts bill --episode 9
