#!/usr/bin/env bash
# The registry's key changes: `registry key rotate` makes a new key pair,
# appends a key-change leaf signed by the old key and by the new one, and
# publishes the history at /log/v1/keys. A certificate signed before still
# verifies with the old key, and with the new key alone through the log's
# key history; one signed after names the new key; the monitor follows the
# change; the old key file no longer serves the registry.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"

registry_with_demo_clinic
OLD_KEY=$REG_KEY
expect_ok at registry certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/old.json"
expect_ok ts registry log verify --url "$REG_URL" --registry-key "$OLD_KEY" --state "$TMP/monitor.json"

# A wrong key file changes nothing.
expect_refused 3 "key: the key given .* is not the registry.s current key" ts registry key rotate --pg "$TOUCHSTONE_PG" --key "$TMP/C.db.key" --new-key "$TMP/x.key"
[ ! -e "$TMP/x.key" ] || fail "a refused rotation left a key file"
assert_eq "$(psql_value 'SELECT count(*) FROM registry_log_leaf')" 1 "leaves after a refusal"

expect_ok ts --json registry key rotate --pg "$TOUCHSTONE_PG" --key "$TMP/registry.key" --new-key "$TMP/registry2.key"
NEW_KEY=$(json 'this.public_key')
assert_eq "$(json 'this.leaf_index')" 1 "key-change leaf"
assert_eq "$(psql_value "SELECT public_key FROM registry_meta")" "$NEW_KEY" "current key"
assert_eq "$(stat -c %a "$TMP/registry2.key")" 600 "new key file mode"
# The key ids, computed here: the first 16 hex digits of SHA-256 of the key.
kid() { base64 -d <<<"$1" | sha256sum | cut -c1-16; }
assert_eq "$(json 'this.old_key_id')" "$(kid "$OLD_KEY")" "old key id"
assert_eq "$(json 'this.new_key_id')" "$(kid "$NEW_KEY")" "new key id"
# The leaf: the change, signed by both keys (checked with openssl).
leaf=$(psql_value "SELECT encode(leaf, 'base64') FROM registry_log_leaf WHERE leaf_index = 1 AND kind = 'key'" | tr -d '\n')
python3 - "$leaf" "$OLD_KEY" "$NEW_KEY" "$TMP" <<'PY' || fail "key-change leaf"
import base64, json, subprocess, sys
leaf = json.loads(base64.b64decode(sys.argv[1]))
change = leaf["change"]
assert change["old_public_key"] == sys.argv[2] and change["new_public_key"] == sys.argv[3], change
msg = json.dumps(change, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
open(sys.argv[4] + "/change.bin", "wb").write(msg)
for key, sig in ((sys.argv[2], leaf["old_signature"]), (sys.argv[3], leaf["new_signature"])):
    der = bytes.fromhex("302a300506032b6570032100") + base64.b64decode(key)
    pem = "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % base64.b64encode(der).decode()
    open(sys.argv[4] + "/k.pem", "w").write(pem)
    open(sys.argv[4] + "/s.bin", "wb").write(base64.b64decode(sig))
    subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", sys.argv[4] + "/k.pem",
                    "-rawin", "-in", sys.argv[4] + "/change.bin", "-sigfile", sys.argv[4] + "/s.bin"],
                   check=True, stdout=subprocess.DEVNULL)
PY

# The old key file no longer serves; the new one does.
registry_stop
expect_refused 1 "key: .* is not this registry's key" \
  ts registry serve --pg "$TOUCHSTONE_PG" --key "$TMP/registry.key" --listen 127.0.0.1:0
# The same address as before (the clinic enrolled with it).
rm -f "$TMP/reg.out"   # read only what the new server writes
"$TOUCHSTONE" registry serve --pg "$TOUCHSTONE_PG" --key "$TMP/registry2.key" \
  --listen "${REG_URL#http://}" > "$TMP/reg.out" 2> "$TMP/reg.err" &
REG_PID=$!
for i in $(seq 1 100); do
  grep -q '^listening on ' "$TMP/reg.out" 2>/dev/null && break
  kill -0 "$REG_PID" 2>/dev/null || fail "registry serve exited: $(cat "$TMP/reg.err")"
  sleep 0.1
done
expect_ok curl -sf "$REG_URL/log/v1/keys"
assert_eq "$(jq -r '[.keys[] | .public_key + " " + (.retired_at != null | tostring) + " " + (.log_leaf | tostring)] | join(",")' <<<"$OUT")" \
  "$OLD_KEY true null,$NEW_KEY false 1" "key history"

# The old certificate: valid with the old key; with the new key alone it
# is of an unknown issuer offline, and valid through the log's history.
expect_ok ts verify "$TMP/old.json" --registry-key "$OLD_KEY"
expect_refused 1 "" ts --json verify "$TMP/old.json" --registry-key "$NEW_KEY"
assert_eq "$(json 'this.status')" "unknown issuer" "new key alone, offline"
expect_ok ts --json verify "$TMP/old.json" --registry-key "$NEW_KEY" --url "$REG_URL"
assert_eq "$(json 'this.status')" valid "through the key history"
assert_eq "$(json 'this.public_key')" "$OLD_KEY" "signed by the old key"

# A new certificate names the new key.
expect_ok at registry certify --practitioner 1 --protocol low-back-pain --instrument odi --out "$TMP/new.json"
assert_eq "$(jq -r .certificate.issuer.key_id "$TMP/new.json")" "$(kid "$NEW_KEY")" "new certificate's key"
assert_eq "$(jq -r .transparency.sth.key_id "$TMP/new.json")" "$(kid "$NEW_KEY")" "new tree head's key"
expect_ok ts verify "$TMP/new.json" --registry-key "$NEW_KEY" --url "$REG_URL"
expect_refused 1 "" ts --json verify "$TMP/new.json" --registry-key "$OLD_KEY"
assert_eq "$(json 'this.status')" "unknown issuer" "old key for a new certificate"

# The monitor that trusted the old key follows the change; one that starts
# from the new key accepts the whole history.
expect_ok ts --json registry log verify --url "$REG_URL" --state "$TMP/monitor.json"
assert_eq "$(json 'this.key_changes')" 1 "key changes seen"
assert_eq "$(json 'this.tree_size')" 3 "size"
expect_ok ts --json registry log verify --url "$REG_URL" --registry-key "$NEW_KEY"
assert_eq "$(json 'this.certificates')" 2 "certificates"
# A monitor given an unrelated key refuses the log.
other=$(at key export-public)
expect_refused 1 "between two keys this monitor does not trust" \
  ts registry log verify --url "$REG_URL" --registry-key "$other"
# Appends are serialised: eight clinics' requests at once make eight
# leaves, one index each, every certificate's own proof valid, and the log
# stays consistent for the monitor that followed it.
pids=""
for i in $(seq 1 8); do
  at registry certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/par-$i.json" > /dev/null 2>"$TMP/par-$i.err" &
  pids="$pids $!"
done
for p in $pids; do wait "$p" || fail "a concurrent certify failed"; done
assert_eq "$(psql_value "SELECT count(*) || ' ' || count(DISTINCT leaf_index) || ' ' || max(leaf_index) FROM registry_log_leaf")" "11 11 10" "leaves"
assert_eq "$(for i in $(seq 1 8); do jq -r .transparency.leaf_index "$TMP/par-$i.json"; done | sort -n | tr '\n' ' ')" "3 4 5 6 7 8 9 10 " "leaf indexes"
for i in $(seq 1 8); do expect_ok ts verify "$TMP/par-$i.json" --registry-key "$NEW_KEY" --url "$REG_URL"; done
expect_ok ts --json registry log verify --url "$REG_URL" --state "$TMP/monitor.json"
assert_eq "$(json 'this.tree_size + " " + this.certificates')" "11 8" "monitor after the concurrent appends"
registry_stop
echo "ok t1001-registry-key-rotation"
