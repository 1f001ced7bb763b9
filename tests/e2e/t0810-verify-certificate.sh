#!/usr/bin/env bash
# touchstone verify checks a certificate signed with the clinic's key. The
# certificates here are signed by an independent Ed25519 implementation
# (Node's crypto) from the clinic's real key file, over canonical JSON
# written by Node (sorted keys, no blanks), so this also proves the format
# can be produced and checked outside Touchstone.
. "$(dirname "$0")/lib.sh"

# sign KEYFILE CLAIMS.json > CERT: the certificate document, one line.
sign() {
  node -e '
    const crypto = require("crypto"), fs = require("fs");
    const canon = v => Array.isArray(v) ? "[" + v.map(canon).join(",") + "]"
      : v !== null && typeof v === "object"
        ? "{" + Object.keys(v).sort().map(k => JSON.stringify(k) + ":" + canon(v[k])).join(",") + "}"
        : JSON.stringify(v);
    const raw = fs.readFileSync(process.argv[1]);
    const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), raw.subarray(0, 32)]);
    const key = crypto.createPrivateKey({key: der, format: "der", type: "pkcs8"});
    const spki = crypto.createPublicKey(key).export({format: "der", type: "spki"});
    const claims = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    const body = canon(claims);
    const sig = crypto.sign(null, Buffer.from(body, "utf8"), key);
    process.stdout.write("{\"certificate\":" + body + ",\"signature\":" + canon({
      alg: process.argv[3] || "Ed25519",
      public_key: spki.subarray(12).toString("base64"),
      value: sig.toString("base64")}) + "}\n");' "$@"
}

expect_ok ts init --clinic "Synthetic Test Clinic"
expect_ok ts key export-public
PUB=$OUT

cat > "$TMP/claims.json" <<'JSON'
{
  "format": "touchstone-certificate/1",
  "id": "5a1e7c0ffee0000000000000000000aa",
  "issued_at": "2026-06-30T12:00:00Z",
  "clinic": {"name": "Synthetic Test Clinic"},
  "practitioner": {"id": 7, "name": "Alex Example", "license": "LMT-000000"},
  "protocol": "tension-headache",
  "instrument": "hit-6",
  "designation": "reproducible",
  "metrics": {"n_episodes": 32, "responder_rate": 0.8125,
              "responder_rate_ci": [0.65625, 0.90625], "note": "synthetic data"},
  "thresholds": [
    {"criterion": "complete episodes at least 20", "met": true, "required": 20, "observed": 32},
    {"criterion": "responder-rate lower bound at least 0.5", "met": true, "required": 0.5, "observed": 0.65625}],
  "data_window": {"from": "2025-01-01", "to": "2026-06-30"},
  "data_sha256": "4c9252501ab663f57ec7058b73baed150daf318bcb07361c5f4cdfa67b7f7dc1"
}
JSON
sign "$TOUCHSTONE_DB.key" "$TMP/claims.json" > "$TMP/cert.json"

# Valid, checked against the clinic's public key.
expect_ok ts verify "$TMP/cert.json" --public-key "$PUB"
assert_contains "$OUT" "^valid: certificate 5a1e7c0ffee0000000000000000000aa$"
assert_contains "$OUT" "^signed by +${PUB//+/\\+}$"
assert_contains "$OUT" "\(the expected public key\)"
assert_contains "$OUT" "^practitioner +Alex Example \(id 7, license LMT-000000\)"
assert_contains "$OUT" "^designation +reproducible"
assert_contains "$OUT" "^data window +2025-01-01 to 2026-06-30"
assert_contains "$OUT" "^  responder_rate: 0\.8125"
assert_contains "$OUT" "^  complete episodes at least 20 \(observed 32, required 20\)"
assert_contains "$OUT" "^  note: synthetic data"
# A pasted key with a trailing newline is fine.
expect_ok ts verify "$TMP/cert.json" --public-key "$PUB
"

# Valid without an expected key, but it says who signed and that it was
# not compared.
expect_ok ts verify "$TMP/cert.json"
assert_contains "$OUT" "not compared with an expected key"

# --json: the claims as data.
expect_ok ts --json verify "$TMP/cert.json" --public-key "$PUB"
assert_eq "$(json 'this.valid')" "true"
assert_eq "$(json 'this.public_key_checked')" "true"
assert_eq "$(json 'this.public_key')" "$PUB"
assert_eq "$(json 'this.certificate.practitioner.name')" "Alex Example"
assert_eq "$(json 'this.certificate.metrics.n_episodes')" "32"

# No database is needed, and none is made; stdin works too.
mkdir "$TMP/elsewhere"
(
  cd "$TMP/elsewhere"
  export TOUCHSTONE_DB="$TMP/elsewhere/none.db"
  expect_ok ts verify - --public-key "$PUB" < "$TMP/cert.json"
  assert_contains "$OUT" "^valid: "
  [ ! -e none.db ] || fail "verify created a database"
)

# A changed claim: the signature fails (exit 1) and says so.
sed 's/"n_episodes":32/"n_episodes":33/' "$TMP/cert.json" > "$TMP/changed.json"
expect_refused 1 "^touchstone: verify: signature: does not match the certificate" \
  ts verify "$TMP/changed.json" --public-key "$PUB"
expect_refused 1 "verify: signature: does not match" ts verify "$TMP/changed.json"
expect_refused 1 "verify: signature: does not match" ts --json verify "$TMP/changed.json"
assert_eq "$(json 'this.valid')" "false"
assert_eq "$(json 'this.field')" "signature"

# Another clinic's key: expected, it refuses this certificate; signing with
# it, the certificate is valid alone but not as this clinic's.
expect_ok ts --db "$TMP/other.db" init --clinic "Other Synthetic Clinic"
expect_ok ts --db "$TMP/other.db" key export-public
OTHER=$OUT
expect_refused 1 "verify: public_key: .*signed by another key" \
  ts verify "$TMP/cert.json" --public-key "$OTHER"
sign "$TMP/other.db.key" "$TMP/claims.json" > "$TMP/forged.json"
expect_ok ts verify "$TMP/forged.json"
expect_refused 1 "verify: public_key: .*signed by another key" \
  ts verify "$TMP/forged.json" --public-key "$PUB"

# The same values laid out differently are not what was signed.
node -e 'const fs=require("fs"); const d=JSON.parse(fs.readFileSync(process.argv[1],"utf8"));
         process.stdout.write(JSON.stringify(d, null, 2));' "$TMP/cert.json" > "$TMP/pretty.json"
expect_refused 1 "verify: certificate: is not written exactly as signed" \
  ts verify "$TMP/pretty.json" --public-key "$PUB"

# Malformed documents name what failed.
echo 'certainly not JSON' > "$TMP/junk.json"
expect_refused 1 "verify: json: not valid JSON: .*line 1" ts verify "$TMP/junk.json"
sign "$TOUCHSTONE_DB.key" "$TMP/claims.json" HS256 > "$TMP/alg.json"
expect_refused 1 "verify: signature.alg: 'HS256' is not supported" ts verify "$TMP/alg.json"
node -e 'const fs=require("fs"); const c=JSON.parse(fs.readFileSync(process.argv[1],"utf8"));
         delete c.practitioner.license; c.thresholds[1].met = true;
         fs.writeFileSync(process.argv[2], JSON.stringify(c));' "$TMP/claims.json" "$TMP/nolicense.json"
sign "$TOUCHSTONE_DB.key" "$TMP/nolicense.json" > "$TMP/nolicense.cert"
expect_refused 1 "verify: certificate.practitioner.license: missing" ts verify "$TMP/nolicense.cert"
node -e 'const fs=require("fs"); const c=JSON.parse(fs.readFileSync(process.argv[1],"utf8"));
         c.thresholds[0].met = false;
         fs.writeFileSync(process.argv[2], JSON.stringify(c));' "$TMP/claims.json" "$TMP/unmet.json"
sign "$TOUCHSTONE_DB.key" "$TMP/unmet.json" > "$TMP/unmet.cert"
expect_refused 1 "verify: certificate.thresholds\[0\]: criterion 'complete episodes at least 20' is not met" \
  ts verify "$TMP/unmet.cert"

# Control characters have no place in a claim (nor in canonical bytes),
# and never reach the terminal.
node -e 'const fs=require("fs"); const c=JSON.parse(fs.readFileSync(process.argv[1],"utf8"));
         c.metrics.note = "synthetic \u001b[31mred";
         fs.writeFileSync(process.argv[2], JSON.stringify(c));' "$TMP/claims.json" "$TMP/control.json"
sign "$TOUCHSTONE_DB.key" "$TMP/control.json" > "$TMP/control.cert"
expect_refused 1 "verify: certificate.metrics.note: holds a control character" \
  ts verify "$TMP/control.cert"
if printf '%s%s' "$OUT" "$ERR" | grep -q $'\x1b'; then fail "an escape character was printed"; fi

# Unreadable input and a bad key argument: exit 2.
expect_refused 2 "verify: file: unable to read '.*missing.json'" ts verify "$TMP/missing.json"
expect_refused 2 "verify: file: unable to read" ts verify "$TMP/elsewhere"
expect_refused 2 "verify: public-key: not valid base64" ts verify "$TMP/cert.json" --public-key 'not a key!'
expect_refused 2 "verify: public-key: decodes to 3 bytes, not 32" ts verify "$TMP/cert.json" --public-key AAAA
expect_refused 2 "verify: file: missing" ts verify
expect_ok ts verify --help
assert_contains "$OUT" "usage: touchstone verify FILE"
