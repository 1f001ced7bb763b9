#!/usr/bin/env bash
# No CSV that Touchstone writes holds a cell a spreadsheet would run: a
# text beginning with =, +, -, @, a tab or a carriage return (OWASP) is
# written with a single quote before it, and so is a text that begins with
# a quote; a plain number (-3.5) stays as it is. The bulk export, the
# superbill CSV, the de-identified registry export and `report --csv` are
# checked by an RFC 4180 parser of the test's own; the bulk round trip
# (export, import, export) stays byte-identical and gives back the texts.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# live_cells FILE: prints "row:column:text" of every cell that begins with
# a formula character and is not a plain number (nothing when safe).
live_cells() {
  node -e '
    const rows = require(process.argv[2])(process.argv[1]);
    rows.forEach((r, i) => r.forEach((f, k) => {
      if (/^[=+\-@\t\r]/.test(f) && !/^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(f))
        console.log(i + 1 + ":" + (k + 1) + ":" + JSON.stringify(f));
    }));' "$1" "$here/csv-rows.js"
}
# csv_column FILE NAME: the values of one column, one per line (JSON
# strings), by the same parser.
csv_column() {
  node -e '
    const rows = require(process.argv[3])(process.argv[1]);
    const h = rows.shift(), k = h.indexOf(process.argv[2]);
    if (k < 0) throw new Error("no column " + process.argv[2]);
    rows.forEach(r => console.log(JSON.stringify(r[k])));' "$1" "$2" "$here/csv-rows.js"
}
expect_safe() {
  local live; live=$(live_cells "$1")
  [ -z "$live" ] || fail "$1 holds live formulas: $live"
}

expect_ok ts init --clinic "Synthetic Formula Clinic"
hyper='=HYPERLINK("http://evil.example","x")'
expect_ok ts practitioner add --name "@SUM(1) Synthetic" --license LMT-F1 --credentials LMT --npi 1234567893
expect_ok ts training add --practitioner 1 --protocol stress-management-full-body --hours 150 --completed 2020-01-01
expect_ok ts training add --practitioner 1 --protocol low-back-pain --hours 32 --completed 2021-01-01
names=("$hyper" '+1' '-1+2' '@SUM(1)' "'quoted" "''twice" '-3.5' '=1+1 Synthetic' 'Plain Synthetic')
for n in "${names[@]}"; do
  expect_ok ts patient add --name "$n" --dob 1970-01-01 --sex female --consent-research
done
expect_ok ts referral add --patient 1 --physician "-2+3 Synthetic" --specialty "Family medicine" \
  --npi 1245319599 --reason "+low back pain" --icd10 M54.50 --date 2026-01-02
lbp_screen screen.json
expect_ok ts episode open --patient 1 --practitioner 1 --protocol low-back-pain \
  --icd10 M54.50 --start 2026-01-05 --referral 1 --screen screen.json
ep=$OUT
expect_ok ts observe --episode "$ep" --instrument nprs --timepoint baseline --at 2026-01-05T09:00Z --value 7
# Notes may hold a tab and a carriage return: one at the start of a field.
tab=$'\t=cmd|" /C calc"!A0'
cr=$'\r=1+1'
expect_ok ts session add --episode "$ep" --start 2026-01-05T10:00Z --minutes 60 \
  --phase introductory:10 --phase kneading:40 --phase circulatory:10 \
  --note "$tab" --subjective "$cr" --objective "@A1" --assessment "-" --plan "'=2+2"
expect_ok ts observe --episode "$ep" --session "$OUT" --instrument nprs --timepoint post --at 2026-01-05T11:02Z --value 4
expect_ok ts episode close "$ep" --end 2026-01-19

# The bulk export: every kind, CSV.
kinds="practitioners training patients referrals episodes sessions observations"
for k in $kinds; do
  expect_ok ts export --kind "$k" --out "a-$k.csv"
  expect_safe "a-$k.csv"
done
# The guarded fields: one quote before, and the plain number as it is.
mapfile -t got < <(csv_column a-patients.csv name)
want=("\"'$(sed 's/"/\\"/g' <<<"$hyper")\"" "\"'+1\"" "\"'-1+2\"" "\"'@SUM(1)\"" "\"''quoted\"" "\"'''twice\"" '"-3.5"' "\"'=1+1 Synthetic\"" '"Plain Synthetic"')
for i in "${!want[@]}"; do
  assert_eq "${got[$i]}" "${want[$i]}" "exported name $((i + 1))"
done
mapfile -t got < <(csv_column a-sessions.csv note)
assert_eq "${got[0]}" "\"'\\t=cmd|\\\" /C calc\\\"!A0\"" "exported note with a leading tab"
mapfile -t got < <(csv_column a-sessions.csv subjective)
assert_eq "${got[0]}" "\"'\\r=1+1\"" "exported subjective with a leading carriage return"
mapfile -t got < <(csv_column a-sessions.csv assessment)
assert_eq "${got[0]}" "\"'-\"" "a lone minus"

# The round trip: imported into a new database, the texts are the
# originals, and the export again is byte-identical.
expect_ok ts --db b.db init
for k in $kinds; do
  expect_ok ts --db b.db import --kind "$k" "a-$k.csv"
done
for i in "${!names[@]}"; do
  assert_eq "$(sqlite3 b.db "SELECT name FROM patient WHERE id = $((i + 1))")" "${names[$i]}" "imported name $((i + 1))"
done
assert_eq "$(sqlite3 b.db "SELECT hex(note) || ',' || hex(subjective) || ',' || plan FROM session")" \
  "$(sql "SELECT hex(note) || ',' || hex(subjective) || ',' || plan FROM session")" "imported notes"
assert_eq "$(sqlite3 b.db "SELECT plan FROM session")" "'=2+2"
for k in $kinds; do
  expect_ok ts --db b.db export --kind "$k" --out "b-$k.csv"
  cmp "a-$k.csv" "b-$k.csv" || fail "$k differs after the round trip"
done
expect_ok ts --db b.db check

# The superbill CSV: the patient's, the practitioner's and the physician's
# names guarded.
expect_ok ts bill --episode "$ep" --format csv --out bill.csv
expect_safe bill.csv
mapfile -t got < <(csv_column bill.csv patient_name)
assert_eq "${got[0]}" "\"'$(sed 's/"/\\"/g' <<<"$hyper")\"" "bill patient name"
mapfile -t got < <(csv_column bill.csv rendering_provider)
assert_eq "${got[0]}" "\"'@SUM(1) Synthetic\"" "bill provider"
mapfile -t got < <(csv_column bill.csv referring_physician)
assert_eq "${got[0]}" "\"'-2+3 Synthetic\"" "bill physician"

# The de-identified registry export and the practitioner report.
expect_ok ts export registry --deidentified --out registry.csv
expect_safe registry.csv
[ "$(wc -l < registry.csv)" -ge 2 ] || fail "an empty registry export"
expect_ok ts report practitioner 1 --csv
printf '%s\n' "$OUT" > report.csv
expect_safe report.csv
expect_ok ts report registry --csv
printf '%s\n' "$OUT" > registry-report.csv
expect_safe registry-report.csv
echo "ok: no live formula in any CSV; the bulk round trip is byte-identical"
