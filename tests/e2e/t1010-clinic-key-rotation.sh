#!/usr/bin/env bash
# The clinic's key changes: `touchstone key rotate` makes a new key pair,
# keeps the old public key in the clinic's key history and announces the
# change to the registry, signed by both keys. A clinic attestation signed
# before still verifies (with the old key, and through the key history); a
# new one names the new key; the registry takes pushes and certify requests
# signed with the new key and refuses the old one; the log's clinic-key
# leaf holds both signatures, checked here with openssl; a request not
# signed by the clinic's key, and a replay, change nothing.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"

old_at() { "$TOUCHSTONE" --db "$TMP/C0.db" "$@"; }
kid() { base64 -d <<<"$1" | sha256sum | cut -c1-16; }
registry_with_demo_clinic
CLINIC=$CLINIC_ID
expect_ok at certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/old.json"
expect_ok at registry certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/reg-old.json"
OLD=$(at key export-public)
assert_eq "$(jq -r .signature.key_id "$TMP/old.json")" "$(kid "$OLD")" "old certificate's key id"
# The clinic as it was, key included: what someone holding the old key has.
cp "$TMP/C.db" "$TMP/C0.db"; cp "$TMP/C.db.key" "$TMP/C0.db.key"

# Refusals change nothing. A stranger's key pair (another clinic's).
"$TOUCHSTONE" --db "$TMP/X.db" init --clinic "Synthetic Clinic X" > /dev/null
STRANGER=$("$TOUCHSTONE" --db "$TMP/X.db" key export-public)
# change.py CLINIC OLD_KEYFILE NEW_KEYFILE [SIGNING_OLD_KEYFILE]: a change
# request built and signed here (Python's own Ed25519), the old signature
# by the last key file when given.
change() {
  python3 - "$@" <<'PY'
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
def load(path):
    raw = open(path, "rb").read()
    return Ed25519PrivateKey.from_private_bytes(raw[:32]), base64.b64encode(raw[32:]).decode()
old_sk, old_pk = load(sys.argv[2])
new_sk, new_pk = load(sys.argv[3])
signer = load(sys.argv[4])[0] if len(sys.argv) > 4 else old_sk
kid = lambda k: hashlib.sha256(base64.b64decode(k)).hexdigest()[:16]
change = {"format": "touchstone-clinic-key-change/1", "clinic": int(sys.argv[1]),
          "old_key_id": kid(old_pk), "old_public_key": old_pk,
          "new_key_id": kid(new_pk), "new_public_key": new_pk, "at": "2026-01-02T03:04:05Z"}
msg = json.dumps(change, sort_keys=True, separators=(",", ":")).encode()
print(json.dumps({"change": change,
                  "old_signature": base64.b64encode(signer.sign(msg)).decode(),
                  "new_signature": base64.b64encode(new_sk.sign(msg)).decode()}))
PY
}
before=$(registry_digest)
# Claims the clinic's key but the old signature is the stranger's.
change "$CLINIC" "$TMP/C.db.key" "$TMP/X.db.key" "$TMP/X.db.key" > "$TMP/forged.json"
post /registry/v1/clinics/key "$TMP/forged.json"
expect_http 401
assert_eq "$(jq -r .error.field <<<"$OUT")" old_signature "forged: field"
# Signed by its own old key, but that key is not the clinic's.
"$TOUCHSTONE" --db "$TMP/Y.db" init --clinic "Synthetic Clinic Y" > /dev/null
change "$CLINIC" "$TMP/X.db.key" "$TMP/Y.db.key" > "$TMP/stranger.json"
post /registry/v1/clinics/key "$TMP/stranger.json"
expect_http 401
assert_eq "$(jq -r .error.field <<<"$OUT")" change.old_public_key "stranger: field"
# Malformed: an unknown member, a key id that is not its key's.
jq -c '.change.extra = 1' "$TMP/stranger.json" > "$TMP/bad.json"
post /registry/v1/clinics/key "$TMP/bad.json"
expect_http 400
jq -c '.change.new_key_id = "0000000000000000"' "$TMP/stranger.json" > "$TMP/bad.json"
post /registry/v1/clinics/key "$TMP/bad.json"
expect_http 400
assert_eq "$(jq -r .error.field <<<"$OUT")" change.new_key_id "bad id: field"
assert_eq "$(registry_digest)" "$before" "the registry after the refusals"
[ "$(at key export-public)" = "$OLD" ] || fail "the clinic's key changed"

# The rotation.
expect_ok at --json key rotate
NEW=$(at key export-public)
[ "$NEW" != "$OLD" ] || fail "the key did not change"
assert_eq "$(json 'this.old_key_id')" "$(kid "$OLD")" "old key id"
assert_eq "$(json 'this.new_key_id')" "$(kid "$NEW")" "new key id"
assert_eq "$(json 'this.registry')" true "announced"
LEAF=$(json 'this.leaf_index')
assert_eq "$(stat -c %a "$TMP/C.db.key")" 600 "key file mode"
[ ! -e "$TMP/C.db.key.new" ] || fail "the new key file was left beside"
# The key file is the new key's pair (its last 32 bytes, the public key).
assert_eq "$(tail -c 32 "$TMP/C.db.key" | base64 -w0)" "$NEW" "key file"
expect_ok at key check
assert_eq "$(sqlite3 "$TMP/C.db" "SELECT action || ' ' || record_type || ' ' || outcome FROM audit ORDER BY id DESC LIMIT 1")" "rotate clinic_key ok" "audit"
assert_eq "$(psql_value "SELECT public_key FROM registry_clinic WHERE id = $CLINIC")" "$NEW" "the registry's key of the clinic"
assert_eq "$(psql_value "SELECT kind FROM registry_log_leaf WHERE leaf_index = $LEAF")" clinic-key "leaf kind"
# The leaf: the change, signed by the old key and the new (openssl).
leaf=$(psql_value "SELECT encode(leaf, 'base64') FROM registry_log_leaf WHERE leaf_index = $LEAF" | tr -d '\n')
python3 - "$leaf" "$OLD" "$NEW" "$TMP" "$CLINIC" <<'PY' || fail "clinic-key leaf"
import base64, json, subprocess, sys
leaf = json.loads(base64.b64decode(sys.argv[1]))
change = leaf["change"]
assert change["old_public_key"] == sys.argv[2] and change["new_public_key"] == sys.argv[3], change
assert change["clinic"] == int(sys.argv[5]), change
msg = json.dumps(change, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
open(sys.argv[4] + "/change.bin", "wb").write(msg)
def verify(key, sig):
    der = bytes.fromhex("302a300506032b6570032100") + base64.b64decode(key)
    pem = "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % base64.b64encode(der).decode()
    open(sys.argv[4] + "/k.pem", "w").write(pem)
    open(sys.argv[4] + "/s.bin", "wb").write(base64.b64decode(sig))
    return subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", sys.argv[4] + "/k.pem",
                           "-rawin", "-in", sys.argv[4] + "/change.bin", "-sigfile", sys.argv[4] + "/s.bin"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
assert verify(sys.argv[2], leaf["old_signature"]), "old signature"
assert verify(sys.argv[3], leaf["new_signature"]), "new signature"
assert not verify(sys.argv[3], leaf["old_signature"]), "the old signature checks with the new key"
PY
# The same request again (a clinic that lost the answer) gets the same
# answer and changes nothing.
base64 -d <<<"$leaf" > "$TMP/replay.json"
before=$(registry_digest)
post /registry/v1/clinics/key "$TMP/replay.json"
expect_http 200
assert_eq "$(jq -r '[.already, .leaf_index] | join(" ")' <<<"$OUT")" "true $LEAF" "the same change again"
assert_eq "$(registry_digest)" "$before" "the registry after the same change again"
# The monitor reads the clinic-key leaf and finds the log consistent.
expect_ok ts --json registry log verify --url "$REG_URL" --registry-key "$REG_KEY"
assert_eq "$(json 'this.tree_size')" "$((LEAF + 1))" "log size"

# The key history.
expect_ok at --json key history
echo "$OUT" > "$TMP/history.json"
assert_eq "$(jq -r '[.keys[] | .key_id + " " + (.retired_at != null | tostring)] | join(",")' "$TMP/history.json")" \
  "$(kid "$NEW") false,$(kid "$OLD") true" "key history"
assert_eq "$(jq -r '.keys[1].replaced_by' "$TMP/history.json")" "$(kid "$NEW")" "replaced by"

# The old clinic attestation still verifies; a new one names the new key.
expect_ok ts verify "$TMP/old.json" --public-key "$OLD"
expect_ok ts --json verify "$TMP/old.json" --key-history "$TMP/history.json"
assert_eq "$(json 'this.key_state + " " + this.key_id')" "retired $(kid "$OLD")" "old certificate through the history"
expect_refused 1 "" ts verify "$TMP/old.json" --public-key "$NEW"
expect_ok at certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/new.json"
assert_eq "$(jq -r .signature.key_id "$TMP/new.json")" "$(kid "$NEW")" "new certificate's key id"
assert_eq "$(jq -r .signature.public_key "$TMP/new.json")" "$NEW" "new certificate's key"
expect_ok ts --json verify "$TMP/new.json" --key-history "$TMP/history.json"
assert_eq "$(json 'this.key_state')" current "new certificate through the history"
expect_refused 1 "" ts verify "$TMP/new.json" --public-key "$OLD"
# A key not in the history; a changed key id.
expect_refused 1 "not in the clinic's key history" ts verify "$TMP/new.json" --key-history <(echo '{"keys": []}')
jq -c '.signature.key_id = "0123456789abcdef"' "$TMP/old.json" > "$TMP/badid.json"
expect_refused 1 "signature.key_id" ts verify "$TMP/badid.json"
# The clinic's server: its verify API and page take the old key as the
# clinic's earlier key.
WEB_PID=""
trap '[ -n "$WEB_PID" ] && kill "$WEB_PID" 2>/dev/null; registry_cleanup' EXIT
"$TOUCHSTONE" --db "$TMP/C.db" serve --listen 127.0.0.1:0 > "$TMP/web.out" 2> "$TMP/web.err" &
WEB_PID=$!
for i in $(seq 1 100); do
  WEB=$(sed -n 's/^listening on //p' "$TMP/web.out" 2>/dev/null || true)
  [ -n "$WEB" ] && break
  kill -0 "$WEB_PID" 2>/dev/null || fail "serve exited: $(cat "$TMP/web.err")"
  sleep 0.1
done
[ -n "$WEB" ] || fail "serve did not start"
WEB=${WEB%/}
api_verify() {
  curl -s -H 'Content-Type: application/json' --data-binary @"$1" "$WEB/api/v1/certificates/verify"
}
assert_eq "$(api_verify "$TMP/old.json" | jq -r '[.valid, .signer_is_this_clinic, .signer_key] | join(" ")')"   "true true retired" "the API, old certificate"
assert_eq "$(api_verify "$TMP/new.json" | jq -r '[.valid, .signer_key, .clinic_public_key == "'"$NEW"'"] | join(" ")')"   "true current true" "the API, new certificate"
# Soundly signed by another clinic's key: not this clinic's.
expect_ok "$TOUCHSTONE" --db "$TMP/Z.db" demo
expect_ok "$TOUCHSTONE" --db "$TMP/Z.db" certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/foreign.json"
expect_ok ts verify "$TMP/foreign.json"
assert_eq "$(api_verify "$TMP/foreign.json" | jq -r '[.valid, .field, .signer_is_this_clinic] | join(" ")')"   "false public_key false" "the API, another clinic's key"
page=$(curl -s -F "file=@$TMP/old.json;type=application/json" -F "certificate=" "$WEB/verify")
grep -q "this clinic's earlier key, retired" <<<"$page" || fail "the verify page does not name the earlier key"
grep -q "In the clinic's register of issued" <<<"$page" || fail "the verify page does not read the register for the old key"
kill "$WEB_PID"; wait "$WEB_PID" || true; WEB_PID=""

# The registry certificate from before the change is untouched.
expect_ok ts verify "$TMP/reg-old.json" --registry-key "$REG_KEY" --url "$REG_URL"

# The registry: the new key is accepted, the old one refused.
# A batch of synthetic rows, next in the sequence: signed with the old key
# it is refused, with the new key (the clinic's key file now) taken.
seq=$(( $(psql_value "SELECT last_seq FROM registry_clinic WHERE id = $CLINIC") + 1 ))
gen_batch "$CLINIC" "$seq" 7 6 > "$TMP/batch.json"
sign_body C0 "$TMP/batch.json" "$TMP/push-old.json"
sign_body C "$TMP/batch.json" "$TMP/push-new.json"
before=$(registry_digest)
post /registry/v1/push "$TMP/push-old.json"
expect_http 401
assert_eq "$(jq -r .error.field <<<"$OUT")" signature "old key's push: field"
# The refusal names the retired key's day, so that whoever pushes from an
# old copy of the clinic's database knows why.
today=$(date -u +%F)
assert_contains "$(jq -r .error.message <<<"$OUT")" "^signed with the key this clinic retired on $today: only its current key is taken"
assert_eq "$(registry_digest)" "$before" "the registry after the old key's push"
# A key the clinic never had is refused as before.
sign_body X "$TMP/batch.json" "$TMP/push-stranger.json"
post /registry/v1/push "$TMP/push-stranger.json"
expect_http 401
assert_eq "$(jq -r .error.message <<<"$OUT")" "does not verify with the clinic's enrolled key" "a stranger's push"
assert_eq "$(registry_digest)" "$before" "the registry after a stranger's push"
post /registry/v1/push "$TMP/push-new.json"
expect_http 200
assert_eq "$(psql_value "SELECT last_seq FROM registry_clinic WHERE id = $CLINIC")" "$seq" "the push sequence continues"
expect_ok at registry certify --practitioner 1 --protocol low-back-pain --instrument odi --out "$TMP/reg-new.json"
expect_ok ts verify "$TMP/reg-new.json" --registry-key "$REG_KEY" --url "$REG_URL"
before=$(registry_digest)
expect_refused 2 "signature: the registry refused .401.: signed with the key this clinic retired on $today" old_at registry certify --practitioner 1 --protocol low-back-pain --instrument odi --out "$TMP/x.json"
expect_refused 2 "signature: the registry refused .401.: signed with the key this clinic retired on $today" old_at registry directory
[ ! -e "$TMP/x.json" ] || fail "a refused certify wrote a file"
assert_eq "$(registry_digest)" "$before" "the registry after the old key's requests"

# A rotation whose answer was lost: the registry took the new key, the
# clinic kept <db>.key.new. The next run uses that key again.
"$TOUCHSTONE" --db "$TMP/W.db" init --clinic "Synthetic Clinic W" > /dev/null
cp "$TMP/W.db.key" "$TMP/C.db.key.new"; chmod 600 "$TMP/C.db.key.new"
W_KEY=$("$TOUCHSTONE" --db "$TMP/W.db" key export-public)
change "$CLINIC" "$TMP/C.db.key" "$TMP/C.db.key.new" > "$TMP/lost.json"
post /registry/v1/clinics/key "$TMP/lost.json"
expect_http 200
LOST_LEAF=$(jq -r .leaf_index <<<"$OUT")
leaves=$(psql_value "SELECT count(*) FROM registry_log_leaf")
expect_ok at --json key rotate
assert_eq "$(json 'this.new_key_id + " " + this.leaf_index')" "$(kid "$W_KEY") $LOST_LEAF" "the lost rotation finished"
assert_eq "$(psql_value "SELECT count(*) FROM registry_log_leaf")" "$leaves" "no second leaf"
assert_eq "$(at key export-public)" "$W_KEY" "the clinic's key"
expect_ok at key check
# The first change replayed now: its old key is long gone.
before=$(registry_digest)
post /registry/v1/clinics/key "$TMP/replay.json"
expect_http 401
assert_eq "$(jq -r .error.field <<<"$OUT")" change.old_public_key "an old change replayed: field"
assert_eq "$(registry_digest)" "$before" "the registry after an old change replayed"
# Stopped after the database took the new key, before the file moved:
# the next run moves it.
cp "$TMP/C.db.key" "$TMP/C.db.key.new"; cp "$TMP/C0.db.key" "$TMP/C.db.key"
expect_refused 1 "not this clinic's key" at key check
expect_ok at --json key rotate
assert_eq "$(json 'this.finished')" true "finished"
expect_ok at key check
assert_eq "$(at key export-public)" "$W_KEY" "the clinic's key, finished"
[ ! -e "$TMP/C.db.key.new" ] || fail "the new key file was left"

# A clinic not enrolled rotates alone.
expect_ok "$TOUCHSTONE" --db "$TMP/X.db" --json key rotate
assert_eq "$(json 'this.registry')" false "not enrolled"
assert_eq "$("$TOUCHSTONE" --db "$TMP/X.db" --json key history | jq -r '.keys[1].public_key')" "$STRANGER" "X's history"
registry_stop
echo "ok t1010-clinic-key-rotation"
