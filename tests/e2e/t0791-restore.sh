#!/usr/bin/env bash
# A clinic restored from its backup (the database and FILE.key, made by
# `touchstone backup` while the server was writing) works: check, key
# check and audit verify pass; the server starts and the same logins work;
# it reads what the clinic had and takes writes with the session's CSRF
# token; the certificates issued before the backup verify with the public
# key the clinic published, and a certificate the restored clinic signs
# verifies with that same key. A backup made --without-key restores the
# records but cannot sign, and says why.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
# A failed expectation must not leave a server running.
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2> /dev/null; rm -rf "$TMP"' EXIT
stop() { serve_stop; SERVER_PID=""; }

demo_clinic "Synthetic Restore Clinic"
expect_ok ts key export-public
PUBLISHED=$OUT
expect_ok ts certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/before.json"
CERT_ID=$(sed -nE 's/^certificate ([0-9a-f]+):.*/\1/p' <<<"$OUT")
[ -n "$CERT_ID" ] || fail "no certificate id in: $OUT"

# The backup is made while the server runs and takes writes.
serve_start
declare -A jar csrf
login_as therapist therapist@demo.example touchstone-demo
EPISODE=$(sql "SELECT id FROM episode WHERE practitioner_id = 1 AND ended_on IS NULL LIMIT 1")
[ -n "$EPISODE" ] || fail "the demo has no open episode of practitioner 1"
START="$(sql "SELECT started_on FROM episode WHERE id = $EPISODE")T09:10:00Z"
write_session() { # JAR CSRF URL: POSTs one session; prints the HTTP status
  curl -sS -o "$TMP/body" -w '%{http_code}' -b "$1" -H "X-CSRF-Token: $2" \
    -H 'Content-Type: application/json' \
    -d '{"start":"'"$START"'","minutes":50,"phases":[{"name":"introductory","minutes":10},{"name":"kneading","minutes":30},{"name":"stretching","minutes":10}]}' \
    "$3api/v1/episodes/$EPISODE/sessions"
}
( for _ in $(seq 1 20); do write_session "${jar[therapist]}" "${csrf[therapist]}" "$URL"; echo; done ) > "$TMP/writes" &
WRITER=$!
mkdir -m 700 "$TMP/vault"
expect_ok ts backup "$TMP/vault/clinic-backup.db"
wait "$WRITER"
stop
assert_eq "$(grep -c '^201$' "$TMP/writes")" 20 "sessions written while the backup ran"
# What the backup holds (read from it with sqlite3, not by Touchstone).
SESSIONS_IN_BACKUP=$(sqlite3 "$TMP/vault/clinic-backup.db" 'SELECT count(*) FROM session')
PATIENTS=$(sqlite3 "$TMP/vault/clinic-backup.db" 'SELECT group_concat(name, "|") FROM (SELECT name FROM patient ORDER BY id)')

# The clinic is lost: the database, its key, its WAL.
rm -f "$TOUCHSTONE_DB" "$TOUCHSTONE_DB".key "$TOUCHSTONE_DB"-wal "$TOUCHSTONE_DB"-shm

# Restored on a new machine: the two files copied back under the clinic's
# names (the key keeps mode 0600).
mkdir "$TMP/restored"
export TOUCHSTONE_DB="$TMP/restored/clinic.db"
cp "$TMP/vault/clinic-backup.db" "$TOUCHSTONE_DB"
cp -p "$TMP/vault/clinic-backup.db.key" "$TOUCHSTONE_DB.key"
assert_eq "$(stat -c %a "$TOUCHSTONE_DB.key")" 600 "mode of the restored key"

expect_ok ts check
expect_ok ts key check
expect_ok ts audit verify
expect_ok ts key export-public
assert_eq "$OUT" "$PUBLISHED" "the restored clinic's public key"
assert_eq "$(sql 'SELECT count(*) FROM session')" "$SESSIONS_IN_BACKUP" "sessions after the restore"
assert_eq "$(sql 'SELECT group_concat(name, "|") FROM (SELECT name FROM patient ORDER BY id)')" "$PATIENTS" "patients after the restore"

# The certificate issued before the backup verifies with the published key,
# and the register still holds it.
expect_ok ts verify "$TMP/before.json" --public-key "$PUBLISHED"
assert_contains "$OUT" "^valid: certificate $CERT_ID$"
expect_ok ts --json certificate list
assert_contains "$OUT" "\"$CERT_ID\""
# The restored clinic signs with the same key: a new certificate verifies
# with the key published before the loss.
expect_ok ts certify --practitioner 1 --protocol low-back-pain --instrument odi --out "$TMP/after.json"
expect_ok ts verify "$TMP/after.json" --public-key "$PUBLISHED"
assert_contains "$OUT" "^valid: certificate "

# The server starts on the restored clinic; the same logins work.
serve_start
declare -A jar csrf
login_as admin admin@demo.example touchstone-demo
login_as therapist therapist@demo.example touchstone-demo
code=$(curl -sS -o "$TMP/body" -w '%{http_code}' -b "${jar[admin]}" "${URL}api/v1/patients?per_page=100")
assert_eq "$code" 200 "patient list on the restored server"
OUT=$(cat "$TMP/body")
assert_eq "$(json 'this.items.map(p => p.name).sort().join("|")')" \
  "$(tr '|' '\n' <<<"$PATIENTS" | LC_ALL=C sort | paste -sd'|')" "patients served"
# A write with the session's CSRF token, and one without it refused.
code=$(write_session "${jar[therapist]}" "${csrf[therapist]}" "$URL")
assert_eq "$code" 201 "a session written on the restored server: $(cat "$TMP/body")"
code=$(write_session "${jar[therapist]}" "" "$URL")
assert_eq "$code" 403 "a write without the CSRF token"
# The public verify answers "valid" for the certificate from before.
code=$(curl -sS -o "$TMP/body" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary @"$TMP/before.json" "${URL}api/v1/certificates/verify")
assert_eq "$code" 200 "verify API"
OUT=$(cat "$TMP/body")
assert_eq "$(json 'this.valid')" true "verify API: valid"
assert_eq "$(json 'this.signer_is_this_clinic')" true "verify API: signed by this clinic"
assert_eq "$(json 'this.register.status')" valid "verify API: the register"
stop
assert_eq "$(sql 'SELECT count(*) FROM session')" "$((SESSIONS_IN_BACKUP + 1))" "sessions after the write"
expect_ok ts audit verify
expect_ok ts check

# A backup made --without-key restores the records, but the clinic cannot
# sign until its key is found, and says so.
mkdir -m 700 "$TMP/vault2"
expect_ok ts backup "$TMP/vault2/nokey.db" --without-key
[ ! -e "$TMP/vault2/nokey.db.key" ] || fail "--without-key wrote a key"
export TOUCHSTONE_DB="$TMP/vault2/nokey.db"
expect_ok ts check
expect_ok ts audit verify
expect_refused 1 "no signing key at '$TMP/vault2/nokey.db.key'" \
  ts certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/never.json"
[ ! -e "$TMP/never.json" ] || fail "a certificate was written without a key"

echo "ok: a clinic restored from its backup and key serves, logs in, writes and signs as before"
