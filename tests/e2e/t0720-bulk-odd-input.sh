#!/usr/bin/env bash
# Odd input to bulk import: quotes, embedded line breaks, a byte-order mark,
# CRLF, missing and extra columns, huge fields, bad UTF-8, NUL bytes,
# malformed quoting. Each is read as CSV says or refused with its line and
# field; nothing crashes and a refused import changes nothing.
. "$(dirname "$0")/lib.sh"

expect_ok ts init
expect_ok ts practitioner add --name "Odd Bulk (synthetic)" --license SYN-O --credentials LMT
expect_ok ts training add --practitioner 1 --protocol stress-management-full-body --hours 150 --completed 2020-01-01
expect_ok ts training add --practitioner 1 --protocol low-back-pain --hours 24 --completed 2020-02-01

# Quotes, commas and a byte-order mark, CRLF line ends: all accepted.
printf '\xef\xbb\xbfname,birth_date,sex,phone\r\n"Doe, Jane ""JD""",1980-01-01,female,\r\n" Padded ",1981-01-01,male,555-0100\r\n' >"$TMP/p.csv"
expect_ok ts import --kind patients "$TMP/p.csv"
assert_eq "$(sql "SELECT name FROM patient WHERE id = 1")" 'Doe, Jane "JD"'
assert_eq "$(sql "SELECT '[' || name || ']' FROM patient WHERE id = 2")" "[ Padded ]"
assert_eq "$(sql "SELECT phone IS NULL FROM patient WHERE id = 1")" "1"

# A session note over several lines; the line of each later row counts
# them.
expect_ok ts import --kind episodes --format csv - <<CSV
id,patient_id,practitioner_id,protocol_id,icd10,started_on,ended_on
1,1,1,low-back-pain,M54.50,2026-01-05,2026-02-27
CSV
cat >"$TMP/s.csv" <<'CSV'
episode_id,started_at,minutes,note
1,2026-01-05T10:00:00Z,40,"first line
second line, with a comma
third ""quoted"" line"
1,2026-01-12T10:00:00Z,0,short
1,2026-01-19T10:00:00Z,40,"note with a tab	inside"
CSV
expect_refused 2 "s.csv:5: minutes: 0 is out of range \(1 to 600\)" ts import --kind sessions "$TMP/s.csv"
expect_ok ts import --kind sessions --skip-bad "$TMP/s-rejects.csv" "$TMP/s.csv"
assert_eq "$(sql "SELECT note FROM session WHERE id = 1")" 'first line
second line, with a comma
third "quoted" line'
assert_eq "$(sql "SELECT count(*) FROM session")" "2"

# Missing and extra fields in a row; a required column missing; unknown
# columns.
import_refused patients m.csv 'name,birth_date,sex\nShort Row,1980-01-01\nLong Row,1980-01-01,male,extra\n' "m.csv:2: row: 2 fields, but the header has 3"
assert_contains "$ERR" "m.csv:3: row: 4 fields, but the header has 3"
import_refused patients r.csv 'name,sex\nNo Birth,male\n' "r.csv:1: column 'birth_date': missing"
import_refused patients n.csv 'name,birth_date,sex\n,1980-01-01,male\n' "n.csv:2: name: missing"
import_refused patients e.csv 'name,birth_date,sex\n"",1980-01-01,male\n' "e.csv:2: name: must not be empty"

# Huge fields: over the record's limit, and over the reader's 1 MiB.
{ printf 'name,birth_date,sex\n'; head -c 300 /dev/zero | tr '\0' a; printf ',1980-01-01,male\n'
  head -c 1100000 /dev/zero | tr '\0' b; printf ',1980-01-01,male\n'
  printf 'After Huge,1980-01-01,male\n'; } >"$TMP/h.csv"
expect_refused 2 "h.csv:2: name: too long \(300 bytes; at most 200\)" ts import --kind patients "$TMP/h.csv"
assert_contains "$ERR" "h.csv:3: row: field 1 is longer than 1 MiB"
assert_contains "$ERR" "2 bad rows"
# A row that never ends is not read into memory forever.
{ printf 'name,birth_date,sex\n"'; head -c 20000000 /dev/zero | tr '\0' c; } >"$TMP/endless.csv"
expect_refused 2 "endless.csv:2: a row longer than 16 MiB" ts import --kind patients "$TMP/endless.csv"

# Bad UTF-8, NUL bytes, control characters, malformed quoting.
import_refused patients u.csv 'name,birth_date,sex\nBad \xff\xfe Name,1980-01-01,male\nNul\0Byte,1980-01-01,male\nBell\aName,1980-01-01,male\nun"quoted,1980-01-01,male\n"closed"late,1980-01-01,male\nGood After,1980-01-01,male\n' "5 bad rows"
assert_contains "$ERR" "u.csv:2: name: is not valid UTF-8 text"
assert_contains "$ERR" "u.csv:3: row: field 1 holds a NUL byte"
assert_contains "$ERR" "u.csv:4: name: contains a control character"
assert_contains "$ERR" "u.csv:5: row: malformed CSV quoting"
assert_contains "$ERR" "u.csv:6: row: malformed CSV quoting"
expect_ok ts import --kind patients --skip-bad "$TMP/u-rejects.csv" "$TMP/u.csv"
assert_eq "$(sql "SELECT count(*) FROM patient WHERE name = 'Good After'")" "1"
assert_eq "$(tail -n +2 "$TMP/u-rejects.csv" | grep -c 'problem\|: ')" "5"

# A quoted field left open at the end of the file.
import_refused patients o.csv 'name,birth_date,sex\n"Open Quote,1980-01-01,male\n' "o.csv:2: row: a quoted field is not closed at the end of the file"

# NDJSON: a byte-order mark, CRLF, blank lines, bad UTF-8, duplicate keys.
printf '\xef\xbb\xbf{"name":"Nd One","birth_date":"1980-01-01","sex":"female"}\r\n\r\n{"name":"Nd \xff","birth_date":"1980-01-01","sex":"female"}\n{"name":"A","name":"B","birth_date":"1980-01-01","sex":"male"}\n' >"$TMP/p.ndjson"
expect_refused 2 "2 bad rows" ts import --kind patients "$TMP/p.ndjson"
assert_contains "$ERR" "p.ndjson:3: row: not JSON"
assert_contains "$ERR" "p.ndjson:4: row: not JSON .*duplicate"
expect_ok ts import --kind patients --skip-bad "$TMP/p-rejects.ndjson" "$TMP/p.ndjson"
assert_eq "$(sql "SELECT count(*) FROM patient WHERE name = 'Nd One'")" "1"
