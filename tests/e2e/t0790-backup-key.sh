#!/usr/bin/env bash
# touchstone backup copies the database and, beside it as FILE.key, the
# clinic's signing key (mode 0600, the same 64 bytes), or refuses with a
# clear message and leaves nothing behind: a folder that group or others
# may write to, an existing FILE.key, a key that is not the clinic's.
. "$(dirname "$0")/lib.sh"

expect_ok ts init --clinic "Synthetic Test Clinic"
expect_ok ts patient add --name "Backup Synthetic" --dob 1980-01-01 --sex female

mkdir -m 700 "$TMP/safe"

# The copy: the database reads the same, the key is a byte-for-byte copy
# of the clinic's with mode 0600.
expect_ok ts backup "$TMP/safe/b1.db"
assert_contains "$OUT" "^backed up '.*clinic.db' to '$TMP/safe/b1.db'$"
assert_contains "$OUT" "^copied its signing key to '$TMP/safe/b1.db.key' \(mode 0600\)$"
[ -f "$TMP/safe/b1.db.key" ] || fail "no key beside the backup"
assert_eq "$(stat -c %a "$TMP/safe/b1.db.key")" 600 "mode of the copied key"
cmp -s "$TOUCHSTONE_DB.key" "$TMP/safe/b1.db.key" || fail "the copied key differs"
assert_eq "$(sqlite3 "$TMP/safe/b1.db" 'SELECT name FROM patient')" "Backup Synthetic" "patient in the backup"
assert_eq "$(sqlite3 "$TMP/safe/b1.db" 'SELECT public_key FROM clinic_key')" \
  "$(sql 'SELECT public_key FROM clinic_key')" "public key in the backup"
# The backup's own key check passes: the pair belongs to the copied database.
expect_ok ts --db "$TMP/safe/b1.db" key check

# JSON names both files.
expect_ok ts --json backup "$TMP/safe/b2.db"
assert_eq "$(json 'this.backup')" "$TMP/safe/b2.db"
assert_eq "$(json 'this.key')" "$TMP/safe/b2.db.key"

# The key is written 0600 whatever the umask.
( umask 000; "$TOUCHSTONE" backup "$TMP/safe/b3.db" > /dev/null ) || fail "backup under umask 000"
assert_eq "$(stat -c %a "$TMP/safe/b3.db.key")" 600 "mode under umask 000"

# nothing_left FILE...: none of the files exists.
nothing_left() {
  local f
  for f in "$@"; do [ ! -e "$f" ] || fail "'$f' was left behind"; done
}

# A folder that others may write to: refused, nothing written.
mkdir "$TMP/shared"; chmod 777 "$TMP/shared"
expect_refused 3 "file: refusing to write the clinic's signing key into '$TMP/shared': group or others may write to that folder \(mode 0777\)" \
  ts backup "$TMP/shared/b.db"
nothing_left "$TMP/shared/b.db" "$TMP/shared/b.db.key"
# The same for group-writable, and for /tmp-like folders with the sticky bit.
chmod 770 "$TMP/shared"
expect_refused 3 "group or others may write to that folder \(mode 0770\)" ts backup "$TMP/shared/b.db"
chmod 1777 "$TMP/shared"
expect_refused 3 "mode 1777" ts backup "$TMP/shared/b.db"
nothing_left "$TMP/shared/b.db" "$TMP/shared/b.db.key"
# --without-key copies the database alone, even there.
expect_ok ts backup "$TMP/shared/b.db" --without-key
assert_contains "$OUT" "signing key was not copied \(--without-key\)"
[ -f "$TMP/shared/b.db" ] || fail "--without-key wrote no backup"
nothing_left "$TMP/shared/b.db.key"
# A bare file name is a file in the current folder: checked the same way.
( cd "$TMP/shared" && "$TOUCHSTONE" backup bare.db ) 2> "$TMP/err" && fail "backup into '.' (1777) was not refused"
assert_contains "$(cat "$TMP/err")" "into '\.': group or others may write"
nothing_left "$TMP/shared/bare.db" "$TMP/shared/bare.db.key"

# An existing FILE.key (or a link there) is never overwritten, and the
# database is not copied either.
printf 'x' > "$TMP/safe/b4.db.key"
expect_refused 2 "file: '$TMP/safe/b4.db.key' already exists; refusing to overwrite it" \
  ts backup "$TMP/safe/b4.db"
nothing_left "$TMP/safe/b4.db"
assert_eq "$(cat "$TMP/safe/b4.db.key")" x "the existing file"
ln -s "$TMP/elsewhere" "$TMP/safe/b5.db.key"
expect_refused 2 "already exists" ts backup "$TMP/safe/b5.db"
nothing_left "$TMP/safe/b5.db" "$TMP/elsewhere"

# The clinic's key unreadable as a key (group may read it): refused with
# the loader's reason and the way out; nothing written.
chmod 640 "$TOUCHSTONE_DB.key"
expect_refused 1 "key: .*may be read by group or others \(mode 0640\).*\(--without-key copies the database alone\)" \
  ts backup "$TMP/safe/b6.db"
nothing_left "$TMP/safe/b6.db" "$TMP/safe/b6.db.key"
chmod 600 "$TOUCHSTONE_DB.key"
# A key file that is not this clinic's (another clinic's key put there).
mv "$TOUCHSTONE_DB.key" "$TMP/ours.key"
"$TOUCHSTONE" --db "$TMP/other.db" init --clinic "Other Synthetic Clinic" > /dev/null
cp -p "$TMP/other.db.key" "$TOUCHSTONE_DB.key"
expect_refused 1 "key: .*is not this clinic's key" ts backup "$TMP/safe/b7.db"
nothing_left "$TMP/safe/b7.db" "$TMP/safe/b7.db.key"
# No key file at all.
rm "$TOUCHSTONE_DB.key"
expect_refused 1 "key: no signing key at" ts backup "$TMP/safe/b8.db"
nothing_left "$TMP/safe/b8.db"
mv "$TMP/ours.key" "$TOUCHSTONE_DB.key"

# A database made before keys (no public key recorded) is copied alone,
# and the output says why.
sqlite3 "$TMP/other.db" 'DELETE FROM clinic_key'
expect_ok ts --db "$TMP/other.db" backup "$TMP/safe/nokey.db"
assert_contains "$OUT" "has no signing key"
nothing_left "$TMP/safe/nokey.db.key"

# An existing backup file is refused as before, and its key is not written.
expect_refused 2 "'$TMP/safe/b1.db' already exists" ts backup "$TMP/safe/b1.db"

# Bad flags change nothing.
expect_refused 2 "" ts backup
expect_refused 2 "" ts backup "$TMP/safe/b9.db" --with-key
nothing_left "$TMP/safe/b9.db" "$TMP/safe/b9.db.key"

# No half-written key (FILE.key.partial-PID) is left anywhere.
leftovers=$(find "$TMP/safe" "$TMP/shared" -name '*.partial-*')
[ -z "$leftovers" ] || fail "left behind: $leftovers"

echo "ok: backup copies the signing key (0600) or refuses and leaves nothing"
