#!/usr/bin/env bash
# The push as `touchstone push` sends it: a body in canonical JSON, its
# signature checked over the batch's bytes as received. A batch of 12,000
# rows (past the 1 MiB cap of other routes) is accepted and every value
# lands as sent (checked member by member, not by the program); a byte
# changed in a canonical body is refused and changes nothing; the same
# batch sent with spaces (not canonical) still verifies, over its
# canonical JSON; the digest recorded is the canonical one either way. A
# row that moved protocol replaces the old one, and a body past the push's
# own cap, or past the 1 MiB of enrolment, is refused with 413.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"

expect_ok ts registry init --key "$TMP/registry.key"
registry_start
make_clinic A
enroll A; expect_http 201; A_ID=$ENROLLED
expect_ok ts registry clinic approve "$A_ID"

# canonical_body NAME BATCH_FILE OUT_FILE: the body in canonical JSON
# (sorted keys, no spaces), as `touchstone push` writes it.
canonical_body() {
  local sig
  sig=$("$TOUCHSTONE" registry test-sign --key "$TMP/$1.db.key" < "$2") || fail "test-sign failed"
  python3 -c 'import json,sys; sys.stdout.write(json.dumps({"batch": json.load(open(sys.argv[1])), "signature": sys.argv[2]}, sort_keys=True, separators=(",", ":"), ensure_ascii=False))' "$2" "$sig" > "$3"
}

# 6,000 episodes x 2 instruments: about 7 MB of JSON.
gen_batch "$A_ID" 1 7 6000 5 > "$TMP/b1.json"
canonical_body A "$TMP/b1.json" "$TMP/push1.json"
[ "$(stat -c %s "$TMP/push1.json")" -gt $((1024 * 1024)) ] || fail "the big batch is not past 1 MiB"
post /registry/v1/push "$TMP/push1.json"; expect_http 200
assert_eq "$(jq -r .rows <<<"$OUT")" 12000 "rows accepted"
assert_eq "$(psql_value 'SELECT count(*) FROM registry_outcome')" 12000 "rows stored"
assert_eq "$(psql_value "SELECT digest FROM registry_batch WHERE seq = 1")" "$(canonical_digest "$TMP/b1.json")" "digest of batch 1 (sent canonical)"

# Every member of every row as stored equals the member sent (numbers as
# IEEE doubles and integers, nulls as nulls).
psql "$TOUCHSTONE_PG" -XAtq -c "COPY (SELECT to_jsonb(o)::text FROM registry_outcome o) TO STDOUT" > "$TMP/stored.jsonl"
python3 - "$TMP/b1.json" "$TMP/stored.jsonl" <<'PY' || fail "stored rows differ from the batch"
import json, sys
sent = {(r["episode"], r["instrument"]): r for r in json.load(open(sys.argv[1]))["rows"]}
stored = [json.loads(l) for l in open(sys.argv[2])]
assert len(stored) == len(sent), (len(stored), len(sent))
for s in stored:
    r = sent[(s["episode"], s["instrument"])]
    for k, v in r.items():
        got = s["practitioner_ref"] if k == "practitioner" else s[k]
        if v is None or got is None:
            assert v is None and got is None, (k, v, got)
        else:
            assert type(v) in (int, float, str), (k, v)
            assert (float(got) == float(v)) if isinstance(v, (int, float)) else got == v, (k, v, got)
    assert s["batch_seq"] == 1, s["batch_seq"]
print("ok")
PY

# Batch 2: rows 0 and 1 of episode 0 (low-back-pain) move to neck-pain,
# one score of another episode changes.
python3 - "$TMP/b1.json" "$TMP/b2.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
rows = b["rows"]
moved = [dict(r, protocol="neck-pain") for r in rows[0:2]]
assert all(r["protocol"] == "low-back-pain" for r in rows[0:2])
changed = dict(rows[10], sessions=rows[10]["sessions"] + 1)
b["seq"] = 2
b["rows"] = sorted(moved + [changed], key=lambda r: (r["episode"], r["instrument"]))
json.dump(b, open(sys.argv[2], "w"))
PY
canonical_body A "$TMP/b2.json" "$TMP/push2.json"

# One byte changed in a canonical body (a session count): refused, nothing
# changes.
python3 - "$TMP/push2.json" "$TMP/tampered.json" <<'PY'
import sys
t = open(sys.argv[1]).read()
i = t.index('"sessions":') + len('"sessions":')
d = t[i]
t = t[:i] + ("1" if d != "1" else "2") + t[i + 1:]
open(sys.argv[2], "w").write(t)
PY
BEFORE=$(registry_digest)
post /registry/v1/push "$TMP/tampered.json"; expect_http 401
assert_eq "$(jq -r .error.field <<<"$OUT")" signature "tampered canonical body refused"
assert_eq "$(registry_digest)" "$BEFORE" "a refused canonical body changed the registry"

# The same batch with spaces (not canonical): verified over its canonical
# JSON, accepted, and the digest is the canonical one.
sign_body A "$TMP/b2.json" "$TMP/spaced2.json"
grep -q '", "' "$TMP/spaced2.json" || fail "the spaced body is canonical"
post /registry/v1/push "$TMP/spaced2.json"; expect_http 200
assert_eq "$(psql_value "SELECT digest FROM registry_batch WHERE seq = 2")" "$(canonical_digest "$TMP/b2.json")" "digest of batch 2 (sent with spaces)"
EP0=$(jq -r '.rows[0].episode' "$TMP/b1.json")
assert_eq "$(psql_value "SELECT string_agg(protocol || '/' || instrument, ' ' ORDER BY instrument) FROM registry_outcome WHERE episode = '$EP0'")" "neck-pain/nprs neck-pain/psfs" "the moved rows replaced the old ones"
assert_eq "$(psql_value 'SELECT count(*) FROM registry_outcome')" 12000 "rows after the move"
EP10=$(jq -r '.rows[10].episode' "$TMP/b1.json"); IN10=$(jq -r '.rows[10].instrument' "$TMP/b1.json")
assert_eq "$(psql_value "SELECT sessions FROM registry_outcome WHERE episode = '$EP10' AND instrument = '$IN10'")" "$(jq -r '.rows[10].sessions + 1' "$TMP/b1.json")" "the changed row"

# Batch 3, canonical but for one number written otherwise ("7.50" where
# the canonical JSON has 7.5): the bytes sent do not verify, their
# canonical JSON does; accepted, with the canonical digest.
python3 - "$TMP/b2.json" "$TMP/b3.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
b["seq"] = 3
b["rows"][0]["baseline"] = 7.5
json.dump(b, open(sys.argv[2], "w"))
PY
canonical_body A "$TMP/b3.json" "$TMP/push3.json"
grep -q '"baseline":7.5,' "$TMP/push3.json" || fail "no 7.5 in the canonical body"
sed -i '0,/"baseline":7.5,/s//"baseline":7.50,/' "$TMP/push3.json"
post /registry/v1/push "$TMP/push3.json"; expect_http 200
assert_eq "$(psql_value "SELECT digest FROM registry_batch WHERE seq = 3")" "$(canonical_digest "$TMP/b3.json")" "digest of batch 3 (a number written otherwise)"
assert_eq "$(psql_value "SELECT baseline FROM registry_outcome WHERE episode = '$EP0' AND instrument = 'nprs'")" 7.5 "the number as sent"

# Canonical bodies with a fault: refused, the member at fault named, and
# nothing changes.
BEFORE=$(registry_digest)
bad() { # bad PYTHON-EDIT FIELD: batch 4 with the edit, canonical, refused 400
  python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); b["seq"]=4; exec(sys.argv[2]); json.dump(b,open(sys.argv[3],"w"))' "$TMP/b3.json" "$1" "$TMP/bad.json"
  canonical_body A "$TMP/bad.json" "$TMP/badpush.json"
  post /registry/v1/push "$TMP/badpush.json"; expect_http 400
  assert_eq "$(jq -r .error.field <<<"$OUT")" "$2" "canonical body with $1"
}
bad 'b["rows"][1]["age"]=91' 'batch.rows[1].age'
bad 'b["rows"][1]["sessions"]=-1' 'batch.rows[1].sessions'
bad 'b["rows"][2]["start_year"]=2020.0' 'batch.rows[2].start_year'
bad 'b["rows"][0]["protocol"]="Low Back"' 'batch.rows[0].protocol'
bad 'b["rows"][0]["practitioner"]="p-00000000000000ff"' 'batch.rows[0].practitioner'
bad 'b["rows"][0]["complete"]=1; b["rows"][0]["incomplete_reason"]="open"' 'batch.rows[0].incomplete_reason'
bad 'b["rows"][1]["name"]="Pat"' 'batch.rows[1].name'
bad 'b["rows"][2]["episode"]=b["rows"][1]["episode"]; b["rows"][2]["instrument"]=b["rows"][1]["instrument"]' 'batch.rows[2].episode'
bad 'b["practitioners"][0]["npi"]="123"' 'batch.practitioners[0].npi'
bad 'b["retract"]=[{"episode":"e-1","instrument":"nprs"}]' 'batch.retract[0].episode'
bad 'b["format"]=2' 'batch.format'
assert_eq "$(registry_digest)" "$BEFORE" "refused canonical bodies changed the registry"

# Caps: past 32 MiB on the push, past 1 MiB on enrolment: 413, nothing
# read into the registry.
head -c $((32 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' > "$TMP/huge.json"
post /registry/v1/push "$TMP/huge.json"; expect_http 413
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' > "$TMP/big.json"
post /registry/v1/enroll "$TMP/big.json"; expect_http 413
assert_eq "$(psql_value 'SELECT count(*) FROM registry_batch')" 3 "batches after the refusals"
registry_stop
echo "ok t0912-registry-push-bytes"
