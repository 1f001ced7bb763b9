#!/usr/bin/env bash
# init creates a database with the current schema and refuses an existing one.
. "$(dirname "$0")/lib.sh"

expect_ok ts init --clinic "Synthetic Test Clinic"
assert_contains "$OUT" "created"
assert_eq "$(sql 'SELECT name FROM clinic')" "Synthetic Test Clinic" "clinic name"
assert_eq "$(sql 'PRAGMA journal_mode')" "wal" "journal mode"
[ "$(sql 'PRAGMA user_version')" -ge 1 ] || fail "no migrations applied"

# An existing file is never touched.
expect_refused 2 "init: db: .*already exists" ts init --clinic Other
assert_eq "$(sql 'SELECT name FROM clinic')" "Synthetic Test Clinic"

# --db and TOUCHSTONE_DB both choose the file; --db wins.
expect_ok ts --db "$TMP/other.db" init
[ -f "$TMP/other.db" ] || fail "--db was not honoured"
expect_ok ts init --db "$TMP/third.db" --json
assert_eq "$(json 'this.db')" "$TMP/third.db"

# A blank or control-character clinic name is refused, and no file is left.
expect_refused 2 "init: clinic: must not be blank" ts --db "$TMP/blank.db" init --clinic "   "
[ ! -e "$TMP/blank.db" ] || fail "a refused init left a file"

# A database from a newer program is refused with a clear message.
sqlite3 "$TMP/other.db" 'PRAGMA user_version = 999'
expect_refused 1 "schema version 999, newer than" ts --db "$TMP/other.db" check

# backup and check
expect_ok ts check
assert_contains "$OUT" "^ok"
expect_ok ts backup "$TMP/backup.db"
assert_eq "$(sqlite3 "$TMP/backup.db" 'SELECT name FROM clinic')" "Synthetic Test Clinic"
expect_refused 2 "backup: file: .*already exists" ts backup "$TMP/backup.db"

# Unknown commands, options and missing values are refused with status 2.
expect_refused 2 "'frobnicate' is not a command" ts frobnicate
expect_refused 2 "unknown option '--nope'" ts init --nope
expect_refused 2 "db: needs a value" ts --db
expect_ok ts --help
assert_contains "$OUT" "init"
expect_ok ts init --help
assert_contains "$OUT" "usage: touchstone init"
