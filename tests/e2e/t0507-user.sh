#!/usr/bin/env bash
# touchstone user: accounts, password rules, Argon2id hashes, refusals.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

expect_ok ts init --clinic "Synthetic Web Clinic"
expect_ok ts practitioner add --name "Synthetic Therapist A" --license LMT-A1 --credentials LMT; P1=$OUT
printf 'a long enough password\n' > "$TMP/pw"

expect_ok ts user add --email admin@clinic.example --role admin --password-file "$TMP/pw"
assert_eq "$OUT" 1
hash=$(sql "SELECT password_hash FROM user WHERE id = 1")
assert_contains "$hash" '^\$argon2id\$v=19\$m=65536,t=2,p=1\$'
grep -q 'a long enough password' <<<"$(sqlite3 "$TOUCHSTONE_DB" .dump)" && fail "password stored in clear"
expect_ok ts user add --email therapist@clinic.example --role therapist --practitioner "$P1" --password-file - < "$TMP/pw"
expect_ok ts user add --email researcher@clinic.example --role researcher --password-file "$TMP/pw" --json
assert_eq "$(json 'this.id')" 3
# Two accounts with the same password get different hashes (salted).
[ "$(sql 'SELECT count(DISTINCT password_hash) FROM user')" = 3 ] || fail "hashes are not salted"

expect_ok ts user list
assert_contains "$OUT" '^ID +EMAIL +ROLE +PRACTITIONER +STATUS'
assert_contains "$OUT" "2 +therapist@clinic.example +therapist +$P1 +active"
expect_ok ts user list --json
assert_eq "$(json 'this.length')" 3
assert_eq "$(json 'this[1].practitioner_id')" "$P1"
assert_eq "$(json 'this[0].practitioner_id')" null
assert_eq "$(json 'Object.keys(this[0]).includes("password_hash")')" false

# Refusals name the field and change nothing.
expect_refused 2 "user add: role: 'nurse' is not admin, therapist or researcher" \
  ts user add --email x@clinic.example --role nurse --password-file "$TMP/pw"
expect_refused 2 "user add: practitioner: a therapist account needs its practitioner record" \
  ts user add --email x@clinic.example --role therapist --password-file "$TMP/pw"
expect_refused 2 "user add: practitioner: only a therapist account links to a practitioner" \
  ts user add --email x@clinic.example --role admin --practitioner "$P1" --password-file "$TMP/pw"
expect_refused 2 "user add: practitioner: no practitioner 99" \
  ts user add --email x@clinic.example --role therapist --practitioner 99 --password-file "$TMP/pw"
expect_refused 2 "user add: email: an account for 'ADMIN@clinic.example' exists already" \
  ts user add --email ADMIN@clinic.example --role admin --password-file "$TMP/pw"
expect_refused 2 "user add: email:" ts user add --email not-an-email --role admin --password-file "$TMP/pw"
printf 'short pw\n' > "$TMP/short"
expect_refused 2 "user add: password: shorter than 12 characters" \
  ts user add --email x@clinic.example --role admin --password-file "$TMP/short"
# Twelve characters count as characters, not bytes.
printf 'ééééééééééé\n' > "$TMP/eleven"
expect_refused 2 "password: shorter than 12 characters" \
  ts user add --email x@clinic.example --role admin --password-file "$TMP/eleven"
printf '            \n' > "$TMP/blank"
expect_refused 2 "password: must not be blank" \
  ts user add --email x@clinic.example --role admin --password-file "$TMP/blank"
head -c 1025 /dev/zero | tr '\0' 'a' > "$TMP/long"
expect_refused 2 "password: longer than 1024 bytes" \
  ts user add --email x@clinic.example --role admin --password-file "$TMP/long"
head -c 1024 /dev/zero | tr '\0' 'a' > "$TMP/max"
expect_ok ts user add --email max@clinic.example --role researcher --password-file "$TMP/max"
printf 'first line is long\nsecond\n' > "$TMP/two"
expect_refused 2 "password-file: .* holds more than one line" \
  ts user add --email x@clinic.example --role admin --password-file "$TMP/two"
expect_refused 2 "password-file: unable to open" \
  ts user add --email x@clinic.example --role admin --password-file "$TMP/none"
# Without a file and without a terminal, it says how.
expect_refused 2 "password: give --password-file FILE" \
  ts user add --email x@clinic.example --role admin < /dev/null
expect_refused 2 "user add: email: missing" ts user add --role admin --password-file "$TMP/pw"

# disable and passwd by id or email.
expect_ok ts user disable researcher@clinic.example
assert_contains "$OUT" "disabled account 3"
expect_refused 2 "user disable: user: account 3 is disabled already" ts user disable 3
expect_refused 2 "user disable: user: no account 'ghost@clinic.example'" ts user disable ghost@clinic.example
expect_refused 2 "user disable: user: no account 42" ts user disable 42
printf 'a brand new password\n' > "$TMP/new"
before=$(sql "SELECT password_hash FROM user WHERE id = 2")
expect_ok ts user passwd 2 --password-file "$TMP/new"
[ "$(sql "SELECT password_hash FROM user WHERE id = 2")" != "$before" ] || fail "hash unchanged"
expect_refused 2 "user passwd: password: shorter than" ts user passwd 2 --password-file "$TMP/short"
expect_ok ts user list --json
assert_eq "$(json 'this[2].disabled')" true

# The changes are audited as the command line.
assert_eq "$(sql "SELECT group_concat(action, ',') FROM audit WHERE record_type = 'user'")" "create,create,create,create,disable,passwd"
expect_refused 2 "unknown verb 'remove'" ts user remove 1
expect_ok ts audit verify
