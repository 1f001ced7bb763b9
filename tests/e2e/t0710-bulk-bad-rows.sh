#!/usr/bin/env bash
# Bulk import refuses bad rows with FILE:LINE: field: problem and imports
# nothing (the database unchanged); --skip-bad imports the good rows and
# writes the bad ones, with their problem, to a rejects file.
. "$(dirname "$0")/lib.sh"

expect_ok ts demo --practitioners 2 --patients 10
EP=$(sql "SELECT id FROM episode WHERE ended_on IS NOT NULL ORDER BY id LIMIT 1")
DAY=$(sql "SELECT started_on FROM episode WHERE id = $EP")
obs_before=$(sql "SELECT count(*) FROM observation")

cat >"$TMP/obs.csv" <<CSV
episode_id,session_id,instrument,timepoint,observed_at,items,total
$EP,,nprs,baseline,${DAY}T07:00:00Z,,7
$EP,,odi,baseline,${DAY}T07:01:00Z,"[1,2,3,4,5,0,1,2,3,4]",50
$EP,,odi,baseline,${DAY}T07:02:00Z,"[1,2,3,4,5,0,1,2,3,4]",51
99999,,nprs,baseline,${DAY}T07:00:00Z,,7
$EP,,nprs,later,${DAY}T07:00:00Z,,7
$EP,,nprs,baseline,2031-01-01T00:00:00Z,,3
$EP,,nprs,baseline,${DAY}T07:00:00Z,,12
$EP,,nprs,baseline,${DAY}T07:00:00Z,,7,extra
$EP,,odi,baseline,${DAY}T07:00:00Z,"[1,2,3]",
$EP,,odi,baseline,${DAY}T07:00:00Z,,20
CSV
expect_refused 2 "10 bad rows|8 bad rows" ts import --kind observations "$TMP/obs.csv"
assert_contains "$ERR" "obs.csv:4: total: 51 given, but the scoring rule of odi gives 50"
assert_contains "$ERR" "obs.csv:5: episode_id: no episode 99999"
assert_contains "$ERR" "obs.csv:6: timepoint: 'later' is not one of baseline, pre, post, followup"
assert_contains "$ERR" "obs.csv:7: observed_at: '2031-01-01T00:00:00Z' is in the future"
assert_contains "$ERR" "obs.csv:8: total: 12 is outside 0-10 for nprs"
assert_contains "$ERR" "obs.csv:9: row: 8 fields, but the header has 7"
assert_contains "$ERR" "obs.csv:10: items: odi needs 10 items, got 3"
assert_contains "$ERR" "obs.csv:11: items: missing: odi is scored from its item responses"
assert_contains "$ERR" "touchstone: import: 8 bad rows in '.*obs.csv'; nothing was imported"
assert_eq "$(sql "SELECT count(*) FROM observation")" "$obs_before"

# --skip-bad: the two good rows in, the eight bad ones in the rejects file.
expect_ok ts import --kind observations --skip-bad "$TMP/rejects.csv" "$TMP/obs.csv"
assert_contains "$OUT" "imported 2 observations from .*; 8 bad rows written to"
assert_eq "$(sql "SELECT count(*) FROM observation")" "$((obs_before + 2))"
assert_eq "$(sql "SELECT total FROM observation ORDER BY id DESC LIMIT 1")" "50.0"
assert_eq "$(head -1 "$TMP/rejects.csv")" "episode_id,session_id,instrument,timepoint,observed_at,items,total,problem"
assert_eq "$(sed -n 2p "$TMP/rejects.csv")" "$EP,,odi,baseline,${DAY}T07:02:00Z,\"[1,2,3,4,5,0,1,2,3,4]\",51,\"total: 51 given, but the scoring rule of odi gives 50 (totals are computed, never taken from input)\""
assert_contains "$(cat "$TMP/rejects.csv")" "extra,\"row: 8 fields, but the header has 7\""
# The rejects file names its extra column: it is not imported as it is.
expect_refused 2 "rejects.csv:1: column 'problem': not a column of observations" \
  ts import --kind observations "$TMP/rejects.csv"

# The same in NDJSON.
obs_before=$(sql "SELECT count(*) FROM observation")
cat >"$TMP/obs.ndjson" <<ND
{"episode_id": $EP, "instrument": "nprs", "timepoint": "baseline", "observed_at": "${DAY}T07:00:00Z", "total": 6}
{"episode_id": $EP, "instrument": "nprs", "timepoint": "baseline", "observed_at": "${DAY}T07:00:00Z", "total": 6, "colour": "red"}
{"episode_id": $EP, "instrument": "nprs", "timepoint": "baseline", "observed_at": "${DAY}T07:00:00Z", "value": {"x": 1}}
{"episode_id": "seven", "instrument": "nprs"}
not json at all
ND
expect_refused 2 "4 bad rows" ts import --kind observations "$TMP/obs.ndjson"
assert_contains "$ERR" "obs.ndjson:2: colour: not a column"
assert_contains "$ERR" "obs.ndjson:3: value: an object where a single value belongs"
assert_contains "$ERR" "obs.ndjson:4: episode_id: 'seven' is not a record id"
assert_contains "$ERR" "obs.ndjson:5: row: not JSON"
expect_ok ts import --kind observations --skip-bad "$TMP/rejects.ndjson" "$TMP/obs.ndjson"
assert_eq "$(sql "SELECT count(*) FROM observation")" "$((obs_before + 1))"
assert_eq "$(wc -l <"$TMP/rejects.ndjson")" "4"
OUT=$(sed -n 1p "$TMP/rejects.ndjson")
assert_eq "$(json 'this.problem')" "colour: not a column"
assert_eq "$(json 'this.colour')" "red"
OUT=$(sed -n 4p "$TMP/rejects.ndjson")
assert_eq "$(json 'this.text')" "not json at all"

# Other kinds: the record's rules, scope of practice included.
P=$(sql "SELECT id FROM patient LIMIT 1")
cat >"$TMP/patients.csv" <<CSV
name,birth_date,sex,zip
Pat Bulk,1980-02-30,female,12345
Pat Bulk,1980-02-01,f,12345
Pat Bulk,1980-02-01,female,1234
CSV
expect_refused 2 "3 bad rows" ts import --kind patients "$TMP/patients.csv"
assert_contains "$ERR" "patients.csv:2: birth_date: '1980-02-30' is not a real calendar date"
assert_contains "$ERR" "patients.csv:3: sex: 'f' is not one of female, male, other, unknown"
assert_contains "$ERR" "patients.csv:4: zip: '1234' is not a ZIP code"
expect_ok ts practitioner add --name "Untrained Bulk (synthetic)" --license SYN-U --credentials LMT
U=$OUT
cat >"$TMP/episodes.csv" <<CSV
patient_id,practitioner_id,protocol_id,icd10,started_on
$P,$U,low-back-pain,M54.50,2026-01-05
$P,1,no-such-protocol,M54.50,2026-01-05
$P,1,low-back-pain,M5,2026-01-05
CSV
expect_refused 2 "3 bad rows" ts import --kind episodes "$TMP/episodes.csv"
assert_contains "$ERR" "episodes.csv:2: practitioner_id: practitioner $U is not trained in low-back-pain"
assert_contains "$ERR" "episodes.csv:3: protocol_id: 'no-such-protocol' is not a protocol of the catalog"
assert_contains "$ERR" "episodes.csv:4: icd10: 'M5' is not an ICD-10-CM code"

# Header problems stop the import at line 1.
import_refused observations h1.csv 'episode_id,colour\n1,red\n' "h1.csv:1: column 'colour': not a column of observations"
import_refused observations h2.csv 'episode_id,instrument,timepoint\n1,nprs,pre\n' "h2.csv:1: column 'observed_at': missing"
import_refused observations h3.csv 'episode_id,episode_id\n' "h3.csv:1: column 'episode_id': given twice"
: >"$TMP/empty.csv"
expect_refused 2 "empty.csv: empty \(no header row\)" ts import --kind observations "$TMP/empty.csv"

# At most --max-errors bad rows are reported; then the import stops.
{ echo "episode_id,instrument,timepoint,observed_at,total"
  for i in $(seq 1 150); do echo "$EP,nprs,baseline,${DAY}T07:00:00Z,99"; done; } >"$TMP/many.csv"
expect_refused 2 "stopped after 100 bad rows; nothing was imported" ts import --kind observations "$TMP/many.csv"
assert_eq "$(grep -c '^.*many.csv:[0-9]*: total:' <<<"$ERR")" "100"
expect_refused 2 "stopped after 3 bad rows" ts import --kind observations --max-errors 3 "$TMP/many.csv"

# Options.
expect_refused 2 "import: kind: 'widgets' is not a kind" ts import --kind widgets "$TMP/obs.csv"
expect_refused 2 "import: format: give --format csv or ndjson" ts import --kind patients "$TMP/patients.txt"
expect_refused 2 "import: file: unable to read" ts import --kind patients "$TMP/none.csv"
expect_refused 2 "export: kind: 'widgets' is not a kind" ts export --kind widgets
expect_refused 2 "export: format: 'xml' is not a format" ts export --kind patients --format xml
# The rows imported (a few, for one episode: refreshed one episode at a
# time, not by the whole-registry rebuild) left the summaries and compact
# outcome rows that a full refresh through the schema's triggers computes.
dump() { sqlite3 "$TOUCHSTONE_DB" "SELECT * FROM episode_summary ORDER BY episode_id, instrument; SELECT * FROM outcome_row ORDER BY group_id, practitioner_id, episode_id" | sha256sum; }
before=$(dump)
expect_ok ts report refresh
assert_eq "$(dump)" "$before" "summaries and outcome rows after a refresh"
# The batches that were refused or rolled back left the schema whole: the
# triggers a batch drops while it keeps the outcome rows itself are there.
assert_eq "$(sql "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'episode_summary'")" "3" "the outcome triggers after refused imports"
