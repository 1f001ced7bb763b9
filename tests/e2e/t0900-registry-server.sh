#!/usr/bin/env bash
# The registry on a real PostgreSQL: init (schema, key file mode 600),
# enrolment over HTTP, the clinic admin's commands, pushes signed with a
# clinic's real key, and every refusal leaving the registry unchanged.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"

# init: the schema and the key pair.
expect_ok ts registry init --key "$TMP/registry.key" --json
REG_PUB=$(jq -r .public_key <<<"$OUT")
assert_eq "$(stat -c %a "$TMP/registry.key")" 600 "key file mode"
assert_eq "$(stat -c %s "$TMP/registry.key")" 64 "key file size"
assert_eq "$(psql_value 'SELECT public_key FROM registry_meta')" "$REG_PUB" "public key stored"
assert_eq "$(psql_value 'SELECT max(version) FROM registry_schema_version')" 5 "schema version"
assert_eq "$(psql_value "SELECT count(*) FROM pg_inherits WHERE inhparent = 'registry_outcome'::regclass")" 16 "partitions"
assert_eq "$(psql_value "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'registry_outcome'::regclass")" h "hash partitioned"
expect_refused 2 "has its key pair already" ts registry init --key "$TMP/other.key"
[ ! -e "$TMP/other.key" ] || fail "a refused init left a key file"
# A second database: an existing key file is refused, and left alone.
psql_value 'CREATE DATABASE second' >/dev/null
echo keep > "$TMP/exists.key"
expect_refused 2 "exists" ts registry init --pg "${TOUCHSTONE_PG/dbname=postgres/dbname=second}" --key "$TMP/exists.key"
assert_eq "$(cat "$TMP/exists.key")" keep "existing key file untouched"
expect_refused 2 "pg: missing" env -u TOUCHSTONE_PG "$TOUCHSTONE" registry clinic list
expect_refused 1 "unable to connect" ts registry clinic list --pg "host=$TMP/nowhere dbname=x"

# serve, and enrol over HTTP.
registry_start
make_clinic A
make_clinic B
enroll A; expect_http 201; A_ID=$ENROLLED
assert_eq "$(jq -r .status <<<"$OUT")" pending "status at enrolment"
assert_eq "$(jq -r .registry_public_key <<<"$OUT")" "$REG_PUB" "registry key given"
enroll A; expect_http 200; A_AGAIN=$ENROLLED
assert_eq "$A_AGAIN" "$A_ID" "enrolment is idempotent"
enroll B; expect_http 201; B_ID=$ENROLLED
echo '{"public_key": "abc"}' > "$TMP/bad.json"
post /registry/v1/enroll "$TMP/bad.json"; expect_http 400
assert_eq "$(jq -r .error.field <<<"$OUT")" name "missing name named"
printf '{"name": "X", "public_key": "%s"}' 'not*base64' > "$TMP/bad.json"
post /registry/v1/enroll "$TMP/bad.json"; expect_http 400
assert_eq "$(jq -r .error.field <<<"$OUT")" public_key "bad key named"
grep -q '"POST /registry/v1/enroll" 201' "$TMP/reg.err" || fail "no access log line"
grep -q 'Synthetic' "$TMP/reg.err" && fail "a body reached the log"

expect_ok ts registry clinic list --json
assert_eq "$(jq -r '.[0].status + " " + .[1].status' <<<"$OUT")" "pending pending" "listed"

# A pending clinic is refused, and nothing changes.
gen_batch "$A_ID" 1 1 30 > "$TMP/b1.json"
sign_body A "$TMP/b1.json" "$TMP/push1.json"
BEFORE=$(registry_digest)
post /registry/v1/push "$TMP/push1.json"; expect_http 403
assert_eq "$(jq -r .error.field <<<"$OUT")" clinic "pending refused"
assert_contains "$OUT" "pending"
assert_eq "$(registry_digest)" "$BEFORE" "pending push changed the registry"

expect_ok ts registry clinic approve "$A_ID" --json
assert_eq "$(jq -r .status <<<"$OUT")" approved "approve"
expect_refused 2 "no clinic 99" ts registry clinic approve 99
BEFORE=$(registry_digest)

# refused PUSH_FILE STATUS FIELD: refused with that status and field, and
# the registry unchanged.
refused() {
  post /registry/v1/push "$1"; expect_http "$2"
  assert_eq "$(jq -r .error.field <<<"$OUT")" "$3" "field of $2"
  assert_eq "$(registry_digest)" "$BEFORE" "a refused push ($2 $3) changed the registry"
}
# Tampered: a number changed after signing.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["batch"]["rows"][0]["baseline"]=0.25; print(json.dumps(d))' "$TMP/push1.json" > "$TMP/t.json"
refused "$TMP/t.json" 401 signature
# Signed by another clinic's key.
sign_body B "$TMP/b1.json" "$TMP/t.json"; refused "$TMP/t.json" 401 signature
# Unknown clinic.
gen_batch 99 1 1 3 > "$TMP/u.json"; sign_body A "$TMP/u.json" "$TMP/t.json"
refused "$TMP/t.json" 403 clinic; assert_contains "$OUT" "no clinic 99"
# Out of order: seq 2 first.
gen_batch "$A_ID" 2 1 3 > "$TMP/o.json"; sign_body A "$TMP/o.json" "$TMP/t.json"
refused "$TMP/t.json" 409 seq
assert_eq "$(jq -r .error.last_seq <<<"$OUT")" 0 "last_seq"
# Malformed, each with its field named.
cp "$TMP/b1.json" "$TMP/m.json"; edit_batch "$TMP/m.json" 'b["rows"][3]["age"]=91'
sign_body A "$TMP/m.json" "$TMP/t.json"; refused "$TMP/t.json" 400 'batch.rows[3].age'
assert_contains "$OUT" "must be an integer from 0 to 90"
cp "$TMP/b1.json" "$TMP/m.json"; edit_batch "$TMP/m.json" 'del b["rows"][5]["sex"]'
sign_body A "$TMP/m.json" "$TMP/t.json"; refused "$TMP/t.json" 400 'batch.rows[5].sex'
cp "$TMP/b1.json" "$TMP/m.json"; edit_batch "$TMP/m.json" 'b["rows"][2]["name"]="Pat"'
sign_body A "$TMP/m.json" "$TMP/t.json"; refused "$TMP/t.json" 400 'batch.rows[2].name'
cp "$TMP/b1.json" "$TMP/m.json"; edit_batch "$TMP/m.json" 'b["rows"][1]["practitioner"]="p-00000000000000ff"'
sign_body A "$TMP/m.json" "$TMP/t.json"; refused "$TMP/t.json" 400 'batch.rows[1].practitioner'
cp "$TMP/b1.json" "$TMP/m.json"; edit_batch "$TMP/m.json" 'b["rows"][4]["episode"]=b["rows"][2]["episode"]; b["rows"][4]["instrument"]=b["rows"][2]["instrument"]'
sign_body A "$TMP/m.json" "$TMP/t.json"; refused "$TMP/t.json" 400 'batch.rows[4].episode'
cp "$TMP/b1.json" "$TMP/m.json"; edit_batch "$TMP/m.json" 'b["rows"][2]["complete"]=0'
sign_body A "$TMP/m.json" "$TMP/t.json"; refused "$TMP/t.json" 400 'batch.rows[2].incomplete_reason'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["signature"]="@@not base64@@"; print(json.dumps(d))' "$TMP/push1.json" > "$TMP/t.json"
refused "$TMP/t.json" 400 signature
echo '{"batch": {"format": 1}, "signature": "x"' > "$TMP/t.json"; refused "$TMP/t.json" 400 null
echo '[]' > "$TMP/t.json"; refused "$TMP/t.json" 400 null

# The first batch is accepted.
post /registry/v1/push "$TMP/push1.json"; expect_http 200
assert_eq "$(jq -c . <<<"$OUT")" "{\"clinic\":$A_ID,\"seq\":1,\"rows\":60,\"retracted\":0}" "push response"
assert_eq "$(psql_value 'SELECT count(*) FROM registry_outcome')" 60 "rows stored"
assert_eq "$(psql_value "SELECT count(DISTINCT tableoid) FROM registry_outcome")" 2 "two protocols, two partitions"
assert_eq "$(psql_value "SELECT last_seq || ' ' || last_digest FROM registry_clinic WHERE id = $A_ID")" "1 $(canonical_digest "$TMP/b1.json")" "seq and digest"
assert_eq "$(psql_value "SELECT sum(improvement) FROM registry_outcome")" \
  "$(python3 -c 'import json,sys; print(sum(r["improvement"] for r in json.load(open(sys.argv[1]))["rows"] if r["improvement"] is not None))' "$TMP/b1.json")" "improvements stored"
assert_eq "$(psql_value "SELECT count(*) FROM registry_practitioner")" 4 "practitioners"
# Replayed: 409 with what the registry holds.
BEFORE=$(registry_digest)
refused "$TMP/push1.json" 409 seq
assert_eq "$(jq -r .error.last_digest <<<"$OUT")" "$(canonical_digest "$TMP/b1.json")" "last_digest"

# Seq 2: one summary changed, one retracted.
python3 - "$TMP/b1.json" > "$TMP/b2.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
changed = b["rows"][0]; changed["improvement"] = 99.5
gone = b["rows"][1]
b["seq"] = 2; b["rows"] = [changed]
b["retract"] = [{"episode": gone["episode"], "instrument": gone["instrument"]}]
print(json.dumps(b))
PY
sign_body A "$TMP/b2.json" "$TMP/push2.json"
post /registry/v1/push "$TMP/push2.json"; expect_http 200
assert_eq "$(jq -r '.rows + .retracted' <<<"$OUT")" 2 "rows and retracted"
assert_eq "$(psql_value 'SELECT count(*) FROM registry_outcome')" 59 "one retracted"
EP0=$(jq -r '.rows[0].episode' "$TMP/b2.json")
assert_eq "$(psql_value "SELECT improvement || ' ' || batch_seq FROM registry_outcome WHERE episode = '$EP0' AND instrument = 'nprs'")" "99.5 2" "changed"
assert_eq "$(psql_value "SELECT count(*) FROM registry_batch")" 2 "batches recorded"

# Clinic B's consenting practitioner (same NPI) is the same registry
# practitioner; its others are B's own pseudonyms.
expect_ok ts registry clinic approve "$B_ID"
gen_batch "$B_ID" 1 2 10 > "$TMP/bb.json"; sign_body B "$TMP/bb.json" "$TMP/pushb.json"
post /registry/v1/push "$TMP/pushb.json"; expect_http 200
assert_eq "$(psql_value "SELECT count(*) FROM registry_practitioner")" 7 "one practitioner shared by NPI"
assert_eq "$(psql_value "SELECT count(DISTINCT clinic_id) FROM registry_outcome WHERE practitioner_id = (SELECT id FROM registry_practitioner WHERE match_key = 'npi:1234567893')")" 2 "matched across clinics"

# Suspended: refused, unchanged; approved again: accepted.
expect_ok ts registry clinic suspend "$A_ID"
gen_batch "$A_ID" 3 1 2 > "$TMP/b3.json"; sign_body A "$TMP/b3.json" "$TMP/push3.json"
BEFORE=$(registry_digest)
refused "$TMP/push3.json" 403 clinic; assert_contains "$OUT" suspended
expect_ok ts registry clinic approve "$A_ID"
post /registry/v1/push "$TMP/push3.json"; expect_http 200

# The national report, signed by the registry: Ed25519 is deterministic,
# so signing the document again with the registry's key gives the same
# signature exactly when the document is the one signed.
STATUS=$(curl -s -o "$TMP/national.json" -w '%{http_code}' "$REG_URL/registry/v1/national")
assert_eq "$STATUS" 200 "national"
python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["document"]))' "$TMP/national.json" > "$TMP/doc.json"
assert_eq "$("$TOUCHSTONE" registry test-sign --key "$TMP/registry.key" < "$TMP/doc.json")" \
  "$(jq -r .signature "$TMP/national.json")" "national signature"
assert_eq "$(jq -r '.document.registry.clinics' "$TMP/national.json")" 2 "clinics counted"
assert_eq "$(jq '[.document.cells[] | select(.practitioner != null)] | length' "$TMP/national.json")" 0 "no practitioner named"
assert_eq "$(jq '[.document.cells[] | select(.suppressed == false and .n < 11)] | length' "$TMP/national.json")" 0 "small cells withheld"
post /registry/v1/national "$TMP/doc.json"; expect_http 405
STATUS=$(curl -s -o /dev/null -w '%{http_code}' "$REG_URL/registry/v1/nothing"); assert_eq "$STATUS" 404 "unknown path"

registry_stop
echo "ok t0900-registry-server"
