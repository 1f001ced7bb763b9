#!/usr/bin/env bash
# Registry certificates and the transparency log, end to end on a real
# PostgreSQL and the real registry server: a synthetic clinic pushes and
# asks for a certificate of its designated therapist; the claims are
# checked against the registry's own rows; the proofs the log serves are
# checked against RFC 9162 written apart in Python for every size to 64 and
# random larger ones; and each of these is caught: a tampered certificate,
# one that is not in the log, a revoked one, an unknown issuer, and a log
# whose history is rewritten in PostgreSQL with a tree head signed again.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"

registry_with_demo_clinic
clinic=$CLINIC_ID

# A refusal names the criterion and changes nothing in the log.
expect_refused 3 "min_episodes: not designated on the national data: complete episodes \(required 20, observed [0-9]+\)" \
  at registry certify --practitioner 2 --protocol low-back-pain --instrument nprs
assert_eq "$(psql_value 'SELECT count(*) FROM registry_log_leaf')" 0 "leaves after a refusal"
expect_refused 2 "practitioner: .*never been pushed" \
  at registry certify --practitioner 99 --protocol low-back-pain --instrument nprs

# The certificate of practitioner 1 (designated in the demo).
expect_ok at --json registry certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/cert.json"
assert_eq "$(json 'this.designation')" reproducible "designation"
assert_eq "$(json 'this.leaf_index')" 0 "first leaf"
cert_id=$(jq -r .certificate.id "$TMP/cert.json")
assert_eq "$(jq -r .certificate.issuer.public_key "$TMP/cert.json")" "$REG_KEY" "issuer key"
assert_eq "$(jq -r .certificate.kind "$TMP/cert.json")" registry-certificate "kind"
# The claims, against the registry's rows of practitioner 1 (by the
# clinic's pseudonym) and of the group.
ref=$(sqlite3 "$TMP/C.db" "SELECT pseudonym FROM registry_pseudonym WHERE kind = 'practitioner' AND local_id = 1")
pid=$(psql_value "SELECT practitioner_id FROM registry_practitioner_ref WHERE clinic_id = $clinic AND ref = '$ref'")
assert_eq "$(jq -r .certificate.practitioner.id "$TMP/cert.json")" "$pid" "registry practitioner"
cell="FROM registry_outcome WHERE protocol = 'low-back-pain' AND instrument = 'nprs' AND complete = 1"
assert_eq "$(jq -r .certificate.metrics.n "$TMP/cert.json")" "$(psql_value "SELECT count(*) $cell AND practitioner_id = $pid")" "cell n"
python3 - "$TMP/cert.json" "$(psql_value "SELECT avg(responder) $cell AND practitioner_id = $pid AND responder IS NOT NULL")" \
  "$(psql_value "SELECT count(*) $cell")" "$(psql_value "SELECT count(DISTINCT clinic_id) $cell")" <<'PY' || fail "claims"
import json, sys
c = json.load(open(sys.argv[1]))["certificate"]
rate = float(sys.argv[2])
assert abs(c["metrics"]["responder_rate"] - rate) < 1e-9, (c["metrics"]["responder_rate"], rate)
assert c["national"]["n_complete"] == int(sys.argv[3]), c["national"]
assert c["national"]["registry_clinics"] == int(sys.argv[4]), c["national"]
names = [t["name"] for t in c["thresholds"]]
assert "min_episodes" in names and "responder_lower_bound" in names, names
assert all(t["met"] for t in c["thresholds"])
assert c["data_window"]["from"] <= c["data_window"]["to"]
PY
# The row and the leaf: the document as issued, the leaf as its claims.
assert_eq "$(psql_value "SELECT leaf_index || ' ' || designation || ' ' || (revoked_at IS NULL) FROM registry_certificate WHERE id = $cert_id")" "0 reproducible true" "certificate row"
assert_eq "$(psql_value "SELECT encode(leaf, 'hex') FROM registry_log_leaf WHERE leaf_index = 0")" \
  "$(jq -r .transparency.leaf "$TMP/cert.json" | base64 -d | od -An -v -tx1 | tr -d ' \n')" "leaf bytes"

# Valid: with the key given, with the key pinned at enrolment, online.
expect_ok ts verify "$TMP/cert.json" --registry-key "$REG_KEY"
assert_contains "$OUT" "^valid: registry certificate $cert_id"
echo "$REG_KEY" > "$TMP/registry.pub"
expect_ok ts --json verify "$TMP/cert.json" --registry-key "$TMP/registry.pub"
assert_eq "$(json 'this.status')" valid "status"
expect_ok at verify "$TMP/cert.json" --url "$REG_URL"
assert_contains "$OUT" "pinned at enrolment.*the log holds it today and it is not revoked"

# The clinic's own certificate of the same cell is a clinic attestation,
# and not a registry certificate.
expect_ok at certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/clinic.json"
assert_eq "$(jq -r .certificate.kind "$TMP/clinic.json")" clinic-attestation "clinic claims' kind"
expect_ok ts --json verify "$TMP/clinic.json" --public-key "$(at key export-public)"
assert_eq "$(json 'this.kind')" "clinic attestation" "clinic certificate"
expect_refused 1 "" ts --json verify "$TMP/clinic.json" --registry-key "$REG_KEY"
assert_eq "$(json 'this.status')" "not a registry certificate" "clinic certificate against the registry's key"

# More leaves: certificates of the other designated cell, then the proofs
# against the Python reference.
for i in $(seq 1 70); do
  at registry certify --practitioner 1 --protocol low-back-pain --instrument odi --out "$TMP/odi-$i.json" >/dev/null ||
    fail "certificate $i"
done
expect_ok python3 "$HERE/t1000-log-proofs.py" "$REG_URL" 1000
assert_contains "$OUT" "^checked [0-9]+"

# The monitor sees a consistent log, and keeps what it saw.
expect_ok ts --json registry log verify --url "$REG_URL" --registry-key "$REG_KEY" --state "$TMP/monitor.json"
assert_eq "$(json 'this.tree_size')" 71 "monitored size"
assert_eq "$(json 'this.certificates')" 71 "certificates seen"

# edit IN OUT STATEMENT: OUT is IN with a Python statement applied to d
# (numbers keep every bit: json writes the shortest exact form).
edit() {
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); exec(sys.argv[3]); json.dump(d, open(sys.argv[2], "w"))' "$@"
}

# Tampered: a claim changed; the proof's leaf moved; another key.
edit "$TMP/cert.json" "$TMP/t1.json" 'd["certificate"]["percentile"] = 99.5'
expect_refused 1 "" ts verify "$TMP/t1.json" --registry-key "$REG_KEY"
assert_contains "$OUT" "^tampered: signature"
edit "$TMP/cert.json" "$TMP/t2.json" 'd["transparency"]["leaf_index"] = 1'
expect_refused 1 "" ts verify "$TMP/t2.json" --registry-key "$REG_KEY"
assert_contains "$OUT" "^tampered: transparency.audit_path"
other=$(at key export-public)
expect_refused 1 "" ts --json verify "$TMP/cert.json" --registry-key "$other"
assert_eq "$(json 'this.status')" "unknown issuer" "another key"

# Not in the log: claims signed with the registry's own key (as a thief of
# the key would) but never appended; the proof of a real certificate does
# not hold them.
edit "$TMP/cert.json" "$TMP/forged.json" 'd["certificate"]["id"] = "999999"'
python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["certificate"], sys.stdout)' "$TMP/forged.json" > "$TMP/claims.json"
sig=$(ts registry test-sign --key "$TMP/registry.key" < "$TMP/claims.json") || fail "test-sign"
# The leaf: the claims' canonical bytes, as the certificate's own leaf
# holds them with the id changed (keys sorted, so "id" is in place).
leaf=$(jq -r .transparency.leaf "$TMP/cert.json" | base64 -d | sed "s/\"id\":\"$cert_id\"/\"id\":\"999999\"/" | base64 -w0)
edit "$TMP/forged.json" "$TMP/unlogged.json" "d['signature']['value'] = '$sig'; d['transparency']['leaf'] = '$leaf'"
expect_refused 1 "" ts verify "$TMP/unlogged.json" --registry-key "$REG_KEY"
assert_contains "$OUT" "^tampered: transparency.audit_path: the certificate is not in the log"

# Revoked: a revocation leaf; the offline check still passes (it cannot
# know), the check against the log says revoked.
expect_refused 2 "reason" ts registry revoke --pg "$TOUCHSTONE_PG" --key "$TMP/registry.key" --certificate "$cert_id" --reason " "
expect_ok ts --json registry revoke --pg "$TOUCHSTONE_PG" --key "$TMP/registry.key" --certificate "$cert_id" --reason "synthetic test: data withdrawn"
assert_eq "$(json 'this.leaf_index')" 71 "revocation leaf"
expect_refused 2 "certificate: certificate $cert_id is revoked already" \
  ts registry revoke --pg "$TOUCHSTONE_PG" --key "$TMP/registry.key" --certificate "$cert_id" --reason again
expect_ok ts verify "$TMP/cert.json" --registry-key "$REG_KEY"
expect_refused 1 "" ts verify "$TMP/cert.json" --registry-key "$REG_KEY" --url "$REG_URL"
assert_contains "$OUT" "^revoked: certificate $cert_id was revoked at .*: synthetic test: data withdrawn"
expect_ok ts --json registry log verify --url "$REG_URL" --state "$TMP/monitor.json"
assert_eq "$(json 'this.revocations')" 1 "revocations seen"
assert_eq "$(json 'this.previous_size')" 71 "previous size"

# Rewritten history: leaf 5 is replaced in PostgreSQL, the subtree hashes
# are computed again over the changed leaves, and the registry signs a new
# head on top of them (a revocation). The monitor, which saw the old tree,
# fails; so does the check of a certificate issued before.
cp "$TMP/monitor.json" "$TMP/monitor-before.json"
psql "$TOUCHSTONE_PG" -XAtq -c "COPY (SELECT leaf_index, encode(leaf, 'hex') FROM registry_log_leaf ORDER BY leaf_index) TO STDOUT" > "$TMP/leaves.tsv"
python3 - "$TMP/leaves.tsv" > "$TMP/rewrite.sql" <<'PY'
import hashlib, sys
leaves = [bytes.fromhex(l.split("\t")[1].strip()) for l in open(sys.argv[1])]
leaves[5] = leaves[5].replace(b'"percentile":', b'"percentile":1')
print("BEGIN;")
print("UPDATE registry_log_leaf SET leaf = '\\x%s', leaf_hash = '\\x%s' WHERE leaf_index = 5;"
      % (leaves[5].hex(), hashlib.sha256(b"\0" + leaves[5]).hexdigest()))
print("DELETE FROM registry_log_node;")
level = [hashlib.sha256(b"\0" + l).digest() for l in leaves]
l = 0
while level:
    for i, h in enumerate(level):
        print("INSERT INTO registry_log_node VALUES (%d, %d, '\\x%s');" % (l, i, h.hex()))
    level = [hashlib.sha256(b"\1" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
    l += 1
print("COMMIT;")
PY
psql "$TOUCHSTONE_PG" -XAtq -v ON_ERROR_STOP=1 -f "$TMP/rewrite.sql" >/dev/null || fail "rewrite"
expect_ok ts registry revoke --pg "$TOUCHSTONE_PG" --key "$TMP/registry.key" --certificate "$(jq -r .certificate.id "$TMP/odi-1.json")" --reason "synthetic test: after the rewrite"
expect_refused 1 "root_hash: the log's history was rewritten or forked" \
  ts registry log verify --url "$REG_URL" --state "$TMP/monitor.json"
cmp -s "$TMP/monitor.json" "$TMP/monitor-before.json" || fail "a failed check changed the monitor's state"
expect_refused 1 "" ts verify "$TMP/odi-20.json" --registry-key "$REG_KEY" --url "$REG_URL"
assert_contains "$OUT" "^tampered: transparency: the log's history does not contain the certificate's tree"
registry_stop
echo "ok t1000-registry-certificates"
