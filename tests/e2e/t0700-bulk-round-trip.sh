#!/usr/bin/env bash
# Bulk export and import round-trip exactly: every kind exported from a
# synthetic registry, imported into a new database in dependency order,
# exported again, gives byte-identical files, in CSV and in NDJSON; the
# derived rows (phases' fidelity findings, outcome summaries) agree too.
. "$(dirname "$0")/lib.sh"

kinds="practitioners training patients referrals episodes sessions observations"
expect_ok ts --db "$TMP/a.db" demo --practitioners 3 --patients 50
[ -z "$ERR" ] || fail "progress drawn on stderr that is not a terminal: $ERR"

table_digest() {
  sqlite3 "$1" "SELECT * FROM $2 ORDER BY 1, 2, 3, 4" | sha256sum | cut -d' ' -f1
}

for fmt in csv ndjson; do
  expect_ok ts --db "$TMP/b-$fmt.db" init
  for k in $kinds; do
    expect_ok ts --db "$TMP/a.db" export --kind "$k" --out "$TMP/a-$k.$fmt"
    lines=$(wc -l <"$TMP/a-$k.$fmt")
    [ "$lines" -ge 3 ] || fail "$k.$fmt has only $lines lines"
    expect_ok ts --db "$TMP/b-$fmt.db" import --kind "$k" "$TMP/a-$k.$fmt"
    assert_contains "$OUT" "^imported [0-9]+ $k from"
  done
  for k in $kinds; do
    expect_ok ts --db "$TMP/b-$fmt.db" export --kind "$k" --format "$fmt" --out "$TMP/b-$k.$fmt"
    cmp "$TMP/a-$k.$fmt" "$TMP/b-$k.$fmt" || fail "$k ($fmt) differs after the round trip"
  done
  for t in session_phase session_finding episode_summary outcome_row; do
    assert_eq "$(table_digest "$TMP/b-$fmt.db" $t)" "$(table_digest "$TMP/a.db" $t)" "$t after the $fmt round trip"
  done
  # One audit entry per imported kind, with its count.
  assert_eq "$(sqlite3 "$TMP/b-$fmt.db" "SELECT count(*) FROM audit WHERE action = 'import'")" "7"
  n=$(sqlite3 "$TMP/a.db" "SELECT count(*) FROM observation")
  assert_eq "$(sqlite3 "$TMP/b-$fmt.db" "SELECT outcome FROM audit WHERE action = 'import' AND record_type = 'observation'")" "ok: $n rows"
  expect_ok ts --db "$TMP/b-$fmt.db" check
  expect_ok ts --db "$TMP/b-$fmt.db" audit verify
done

# The NDJSON files carry numbers, nulls and item arrays as JSON.
head -1 "$TMP/a-observations.ndjson" >"$TMP/first.json"
OUT=$(cat "$TMP/first.json")
assert_eq "$(json 'typeof this.id')" "number"
assert_eq "$(json 'this.session_id')" "null"
grep -q '"items":\[' "$TMP/a-observations.ndjson" || fail "no items array in NDJSON"

# Standard output by default; the same bytes as --out.
expect_ok ts --db "$TMP/a.db" export --kind patients
assert_eq "$(printf '%s\n' "$OUT" | sha256sum)" "$(sha256sum <"$TMP/a-patients.csv")" "stdout export"
# A file imported from standard input.
expect_ok ts --db "$TMP/c.db" init
expect_ok ts --db "$TMP/c.db" import --kind practitioners --format csv - <"$TMP/a-practitioners.csv"
assert_eq "$(sqlite3 "$TMP/c.db" "SELECT count(*) FROM practitioner")" "3"
# Ids are kept, so importing them twice collides and changes nothing.
expect_refused 2 "a-practitioners.csv:2: id: practitioner 1 already exists" \
  ts --db "$TMP/c.db" import --kind practitioners "$TMP/a-practitioners.csv"
