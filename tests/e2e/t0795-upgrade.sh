#!/usr/bin/env bash
# Upgrades: each fixture in tests/upgrade/fixtures is the SQL dump (gzip) of a
# clinic made by the release before a schema change (its README names the
# commits). Loaded into a new SQLite file and opened by today's binary, it
# must migrate to today's schema (the same tables, columns, indexes and
# triggers as a new database), keep every row it had, column for column,
# and print what that release printed for the same read commands (captured
# by the old binary when the fixture was made). check and audit verify
# pass, the certificates it issued verify with its public key, and opening
# it again changes nothing.
UP=$(cd "$(dirname "$0")/../upgrade" && pwd)
. "$(dirname "$0")/lib.sh"
cmp_py() { python3 "$UP/compare.py" "$@"; }

"$TOUCHSTONE" --db "$TMP/fresh.db" init --clinic "Synthetic Fresh Clinic" > /dev/null
NOW_VERSION=$(sqlite3 "$TMP/fresh.db" 'PRAGMA user_version')

found=0
for sql_file in "$UP"/fixtures/v*.sql.gz; do
  found=$((found + 1))
  name=$(basename "$sql_file" .sql.gz)
  k=${name#v}
  db="$TMP/$name.db"
  zcat "$sql_file" | sqlite3 "$db"
  assert_eq "$(sqlite3 "$db" 'PRAGMA user_version')" "$k" "$name: user_version of the fixture"
  cmp_py snapshot "$db" "$TMP/$name.before.json"

  # Today's binary migrates it on opening.
  expect_ok ts --db "$db" check
  assert_contains "$OUT" "^ok: "
  assert_eq "$(sqlite3 "$db" 'PRAGMA user_version')" "$NOW_VERSION" "$name: user_version after the upgrade"
  expect_ok cmp_py schema "$TMP/fresh.db" "$db"
  expect_ok cmp_py rows "$TMP/$name.before.json" "$db"
  echo "$name: $OUT"

  # What the old release printed, printed again.
  n=0
  for cmd_file in "$UP/fixtures/$name.expected"/*.cmd; do
    [ -e "$cmd_file" ] || continue
    read -r -a args < "$cmd_file"
    "$TOUCHSTONE" --db "$db" "${args[@]}" > "$TMP/new.out" 2> "$TMP/err" ||
      fail "$name: '${args[*]}' failed after the upgrade: $(cat "$TMP/err")"
    # The only change of layout since the first fixture (README.md): the
    # observations' CSV had a column "value", the one reported value of a
    # single-item instrument (blank for the others), which is its total.
    python3 "$UP/compare.py" output "${cmd_file%.cmd}.out" "$TMP/new.out" value=total 2> "$TMP/err" ||
      fail "$name: '${args[*]}' reads differently after the upgrade: $(cat "$TMP/err")"
    n=$((n + 1))
  done
  echo "$name: $n read commands print what the old release printed"

  # Its certificates verify with the clinic's public key, read from the
  # migrated database.
  pub=$("$TOUCHSTONE" --db "$db" key export-public 2> /dev/null || true)
  for cert in "$UP/fixtures/$name.expected"/cert-*.json; do
    [ -e "$cert" ] || continue
    expect_ok ts verify "$cert" --public-key "$pub"
    assert_contains "$OUT" "^valid: certificate "
  done

  expect_ok ts --db "$db" audit verify
  # Opening it again migrates nothing and changes nothing.
  before=$(db_digest "$db")
  expect_ok ts --db "$db" check
  assert_eq "$(db_digest "$db")" "$before" "$name: digest after a second opening"
done
[ "$found" -ge 1 ] || fail "no fixtures in $UP/fixtures"

# The comparison itself catches a lost row and a changed value (so that
# the checks above could fail).
cmp_py snapshot "$TMP/v8.db" "$TMP/v8.after.json"
sqlite3 "$TMP/v8.db" 'DELETE FROM observation WHERE id = (SELECT max(id) FROM observation)'
if cmp_py rows "$TMP/v8.after.json" "$TMP/v8.db" 2> "$TMP/err"; then
  fail "a deleted observation went unnoticed"
fi
assert_contains "$(cat "$TMP/err")" "table observation had [0-9]+ rows"
sqlite3 "$TMP/v8.db" "UPDATE patient SET name = 'Changed Synthetic' WHERE id = 1"
printf '[{"id":1,"name":"Old Synthetic"}]' > "$TMP/old.json"
printf '[{"id":1,"name":"Changed Synthetic","new":1}]' > "$TMP/new.json"
if cmp_py output "$TMP/old.json" "$TMP/new.json" 2> "$TMP/err"; then
  fail "a changed name went unnoticed"
fi
assert_contains "$(cat "$TMP/err")" "\\\$\[0\]\.name: was 'Old Synthetic'"

echo "ok: $found upgrade fixtures migrate to today's schema and read the same"
