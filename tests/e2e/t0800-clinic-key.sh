#!/usr/bin/env bash
# init creates the clinic's Ed25519 key pair: the secret key in "<db>.key"
# (mode 600, never overwritten, never in the database), the public key in
# the database; 'key export-public', 'key check' and 'key create'.
. "$(dirname "$0")/lib.sh"

KEY="$TOUCHSTONE_DB.key"
umask 022
expect_ok ts init --clinic "Synthetic Test Clinic"
assert_contains "$OUT" "created signing key '.*clinic\.db\.key'"
[ -f "$KEY" ] || fail "no key file beside the database"
assert_eq "$(stat -c %a "$KEY")" "600" "key file mode"
assert_eq "$(stat -c %s "$KEY")" "64" "key file size"

# The public key: 44 base64 characters, the same in the database and out.
expect_ok ts key export-public
PUB=$OUT
assert_contains "$PUB" '^[A-Za-z0-9+/]{43}=$'
assert_eq "$(sql 'SELECT public_key FROM clinic_key')" "$PUB" "stored public key"
expect_ok ts --json key export-public
assert_eq "$(json 'this.public_key')" "$PUB"
assert_eq "$(json 'this.alg')" "Ed25519"

# An independent implementation (Node's Ed25519) derives the same public
# key from the seed, the first 32 bytes of the key file.
derived=$(node -e '
  const crypto = require("crypto"), fs = require("fs");
  const seed = fs.readFileSync(process.argv[1]).subarray(0, 32);
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const key = crypto.createPrivateKey({key: der, format: "der", type: "pkcs8"});
  const spki = crypto.createPublicKey(key).export({format: "der", type: "spki"});
  console.log(spki.subarray(12).toString("base64"));' "$KEY")
assert_eq "$derived" "$PUB" "public key derived from the secret key file"

# The secret key is never inside the database.
seed_hex=$(head -c 32 "$KEY" | od -An -tx1 | tr -d ' \n')
db_hex=$(od -An -tx1 -v "$TOUCHSTONE_DB" | tr -d ' \n')
case "$db_hex" in *"$seed_hex"*) fail "the secret key is in the database" ;; esac

expect_ok ts key check
assert_contains "$OUT" "^ok: .* is the clinic's signing key"

# init never overwrites a key: with the database gone, the old key stays
# and no new database is left behind.
cp "$KEY" "$TMP/key.orig"
mv "$TOUCHSTONE_DB" "$TMP/kept.db"
expect_refused 2 "init: key: .*clinic\.db\.key' already exists; refusing to overwrite" \
  ts init --clinic "Other Clinic"
[ ! -e "$TOUCHSTONE_DB" ] || fail "a refused init left a database"
cmp -s "$KEY" "$TMP/key.orig" || fail "init changed an existing key file"
mv "$TMP/kept.db" "$TOUCHSTONE_DB"
# With both there, the database is named first and nothing changes.
expect_refused 2 "init: db: .*already exists" ts init
cmp -s "$KEY" "$TMP/key.orig" || fail "init changed an existing key file"

# key check refuses a key others may read, of the wrong size, or another
# clinic's; it never changes the database.
chmod 644 "$KEY"
expect_refused 1 "key check: key: .*may be read by group or others \(mode 0644\).*chmod 600" \
  ts key check
chmod 600 "$KEY"
expect_ok ts key check
head -c 63 "$TMP/key.orig" > "$KEY"
expect_refused 1 "key check: key: .*holds 63 bytes, not the 64" ts key check
expect_ok ts --db "$TMP/other.db" init --clinic "Other Synthetic Clinic"
cp "$TMP/other.db.key" "$KEY"
expect_refused 1 "key check: key: .*not this clinic's key" ts key check
rm -f "$KEY"
expect_refused 1 "key check: key: no signing key at" ts key check
cp "$TMP/key.orig" "$KEY"
chmod 600 "$KEY"
expect_ok ts key check

# key create: only for a database without a key pair.
expect_refused 2 "key create: key: the database has a key pair already" ts key create
sqlite3 "$TOUCHSTONE_DB" 'DELETE FROM clinic_key'
expect_refused 2 "key export-public: key: the database has no key pair" ts key export-public
# ... and the file must not exist either.
expect_refused 2 "key create: key: .*already exists; refusing to overwrite" ts key create
assert_eq "$(sql 'SELECT count(*) FROM clinic_key')" "0"
mv "$KEY" "$TMP/old.key"
expect_ok ts key create
assert_eq "$(stat -c %a "$KEY")" "600" "created key file mode"
expect_ok ts key export-public
[ "$OUT" != "$PUB" ] || fail "key create reused the old key"
expect_ok ts key check

# The verbs' help and a bad verb.
expect_ok ts key --help
assert_contains "$OUT" "export-public"
assert_contains "$OUT" "rotate"
expect_refused 2 "unknown verb 'renew'" ts key renew
expect_refused 2 "unknown option '--force'" ts key export-public --force

# init --json names the key file.
expect_ok ts --db "$TMP/json.db" --json init
assert_eq "$(json 'this.key')" "$TMP/json.db.key"
assert_eq "$(stat -c %a "$TMP/json.db.key")" "600" "key file mode"
