#!/usr/bin/env bash
# The national report from its partial states (registry/partial.h), kept
# current through every change a registry sees: pushes (a first push in
# one batch or in several), corrections (a
# summary changed, moved to another protocol or practitioner, a
# practitioner's consent changed), retractions, a clinic suspended and
# approved again, and summaries changed in SQL behind the pushes' back.
# After each step the national document equals, to 1e-9, the clinic's own
# report run on one clinic database holding the summaries the registry
# should count: written here from the batches sent (and the SQL run), not
# read from the registry.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"

TRUTH=$TMP/truth.json
echo '{"rows": {}, "suspended": []}' > "$TRUTH"

# truth_batch FILE: the rows and retractions of a batch sent, as the
# registry must now hold them.
truth_batch() {
  python3 - "$TRUTH" "$1" <<'PY'
import json, sys
t = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
for r in b["rows"]:
    t["rows"]["%d|%s|%s" % (b["clinic"], r["episode"], r["instrument"])] = dict(r, clinic=b["clinic"])
for r in b["retract"]:
    t["rows"].pop("%d|%s|%s" % (b["clinic"], r["episode"], r["instrument"]), None)
json.dump(t, open(sys.argv[1], "w"))
PY
}

# truth_suspended IDS...: the clinics left out of the nation.
truth_suspended() {
  python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); t["suspended"]=[int(x) for x in sys.argv[2:]]; json.dump(t,open(sys.argv[1],"w"))' "$TRUTH" "$@"
}

# push NAME FILE: signs and pushes a batch of clinic NAME, and records it.
push() {
  sign_body "$1" "$2" "$TMP/body.json"
  post /registry/v1/push "$TMP/body.json"; expect_http 200
  truth_batch "$2"
}

# check_nation STEP: the national report against the union's, to 1e-9; no
# state left marked after the step; the scope counted from the truth.
CHECKS=0
check_nation() {
  CHECKS=$((CHECKS + 1))
  local union=$TMP/union$CHECKS.db
  expect_ok ts registry report --json --min-cell 1
  echo "$OUT" > "$TMP/national.json"
  assert_eq "$(psql_value 'SELECT count(*) FROM registry_partial_dirty')" 0 "$1: no state marked after the report"
  union_clinic "$union" --truth "$TRUTH" | jq -c '. + {min_cell: 1}' > "$TMP/scope.json"
  OUT=$("$TOUCHSTONE" --db "$union" report registry --json) || fail "$1: the union's report failed"
  echo "$OUT" > "$TMP/union.json"
  python3 "$HERE/t0949-reports-agree.py" "$TMP/national.json" "$TMP/union.json" 10 --adjusted ||
    fail "$1: the national report differs from the union's"
  assert_eq "$(jq -c .registry "$TMP/national.json")" "$(cat "$TMP/scope.json")" "$1: scope"
  # The command line writes its document group by group; the server builds
  # the whole as one value: the same document (the same members in the
  # same order, small cells withheld alike, numbers to 1e-9).
  expect_ok ts registry report --json
  echo "$OUT" > "$TMP/written.json"
  curl -sf "$REG_URL/registry/v1/national" > "$TMP/served.json" || fail "$1: GET /registry/v1/national"
  python3 - "$TMP/written.json" "$TMP/served.json" <<'PY' || fail "$1: the written document differs from the served one"
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))["document"]
def same(x, y, path):
    if isinstance(x, dict):
        assert isinstance(y, dict) and list(x) == list(y), (path, x, y)
        for k in x:
            same(x[k], y[k], path + "." + k)
    elif isinstance(x, list):
        assert isinstance(y, list) and len(x) == len(y), (path, x, y)
        for i, (u, v) in enumerate(zip(x, y)):
            same(u, v, "%s[%d]" % (path, i))
    elif isinstance(x, float):
        assert isinstance(y, float) and abs(x - y) <= 1e-9 * max(abs(y), 1e-300), (path, x, y)
    else:
        assert type(x) == type(y) and x == y, (path, x, y)
same(a, b, "")
PY
}

# The states of every clinic x practitioner x protocol x instrument that
# has summaries, and no other.
check_states() {
  assert_eq "$(psql_value "SELECT count(*) FROM registry_partial")" \
    "$(psql_value "SELECT count(DISTINCT (clinic_id, practitioner_id, protocol, instrument)) FROM registry_outcome")" "$1: one state per key"
  assert_eq "$(psql_value "SELECT count(*) FROM registry_partial p FULL JOIN (SELECT clinic_id, practitioner_id, protocol, instrument, count(*) AS n FROM registry_outcome GROUP BY 1, 2, 3, 4) o USING (clinic_id, practitioner_id, protocol, instrument) WHERE p.rows IS DISTINCT FROM o.n")" 0 "$1: each state's rows"
}

expect_ok ts registry init --key "$TMP/registry.key"
assert_eq "$(psql_value 'SELECT max(version) FROM registry_schema_version')" 5 "schema version"
registry_start
declare -A ID
n=0
for spec in A:60:3 B:160:5 C:300:7; do
  IFS=: read -r name episodes practitioners <<<"$spec"
  n=$((n + 1))
  make_clinic "$name"
  enroll "$name"; expect_http 201; ID[$name]=$ENROLLED
  expect_ok ts registry clinic approve "$ENROLLED"
  gen_batch "$ENROLLED" 1 "$((n + 20))" "$episodes" "$practitioners" > "$TMP/$name.1.json"
  push "$name" "$TMP/$name.1.json"
  # The batch's own transaction built its states: none is left marked.
  assert_eq "$(psql_value 'SELECT count(*) FROM registry_partial_dirty')" 0 "push $name: states rebuilt in the batch"
done
check_states "pushes"
check_nation "pushes"

# Clinic D's first push in three batches: the middle of its episodes, then
# the last (each state goes on after its rows: extended, not read again),
# then the first (before rows it has: its states read again). Either way
# the states are, byte for byte, those built again from every summary.
make_clinic D
enroll D; expect_http 201; ID[D]=$ENROLLED
expect_ok ts registry clinic approve "$ENROLLED"
gen_batch "$ENROLLED" 1 30 90 3 > "$TMP/D.json"
states_md5() { psql_value "SELECT md5(string_agg(clinic_id || ' ' || practitioner_id || ' ' || protocol || ' ' || instrument || ' ' || rows || ' ' || state::text, ',' ORDER BY clinic_id, practitioner_id, protocol, instrument)) FROM registry_partial"; }
seq=0
for part in 60:120 120:180 0:60; do
  seq=$((seq + 1))
  cp "$TMP/D.json" "$TMP/D.$seq.json"
  edit_batch "$TMP/D.$seq.json" "b['seq'] = $seq; b['rows'] = b['rows'][${part}]"
  push D "$TMP/D.$seq.json"
  assert_eq "$(psql_value 'SELECT count(*) FROM registry_partial_dirty')" 0 "D batch $seq: no state left marked"
  check_states "D batch $seq"
  kept=$(states_md5)
  expect_ok ts registry rebuild-partials
  assert_eq "$(states_md5)" "$kept" "D batch $seq: the states kept, byte for byte as rebuilt"
done
check_nation "D in three batches"

# Corrections by clinic B: changed scores, summaries moved to the other
# protocol and to another practitioner, and a practitioner who now
# consents (matched by licence: the clinic's rows of that ref move to
# another registry practitioner).
cp "$TMP/B.1.json" "$TMP/B.2.json"
edit_batch "$TMP/B.2.json" '
b["seq"] = 2
rows = b["rows"][:90]
refs = [p["ref"] for p in b["practitioners"]]
for i, r in enumerate(rows):
    if i < 40 and r["complete"] and r["discharge"] < 9.5:
        r["discharge"] += 0.5; r["improvement"] -= 0.5
        if r["responder"] is not None:
            r["responder"] = r["response_event"] = 1 if r["improvement"] >= 2 else 0
            if not r["responder"]:
                r["sustained"] = None
            elif r["sessions_to_response"] is None:
                r["sessions_to_response"] = 3
    elif 40 <= i < 60:
        r["protocol"] = "neck-pain" if r["protocol"] == "low-back-pain" else "low-back-pain"
    elif i >= 60:
        r["practitioner"] = refs[(refs.index(r["practitioner"]) + 1) % len(refs)]
b["rows"] = rows
b["practitioners"][2]["license"] = "LIC-0922"
'
before=$(psql_value "SELECT count(*) FROM registry_practitioner")
push B "$TMP/B.2.json"
assert_eq "$(psql_value "SELECT count(*) FROM registry_practitioner")" "$((before + 1))" "a practitioner matched by licence"
check_states "corrections"
check_nation "corrections"

# Retractions by clinic C: summaries the clinic no longer has.
python3 - "$TMP/C.1.json" > "$TMP/C.2.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
gone = [{"episode": r["episode"], "instrument": r["instrument"]} for r in b["rows"][::5]]
print(json.dumps({"format": 1, "clinic": b["clinic"], "seq": 2,
                  "practitioners": [], "rows": [], "retract": gone}))
PY
push C "$TMP/C.2.json"
check_states "retractions"
check_nation "retractions"

# A clinic suspended leaves the nation (its states are kept), and comes
# back when approved again; nothing is rebuilt for either.
states=$(psql_value "SELECT md5(string_agg(state::text, ',' ORDER BY clinic_id, practitioner_id, protocol, instrument)) FROM registry_partial")
expect_ok ts registry clinic suspend "${ID[A]}"
truth_suspended "${ID[A]}"
check_nation "A suspended"
expect_ok ts registry clinic approve "${ID[A]}"
truth_suspended
check_nation "A approved again"
assert_eq "$(psql_value "SELECT md5(string_agg(state::text, ',' ORDER BY clinic_id, practitioner_id, protocol, instrument)) FROM registry_partial")" "$states" "states unchanged by the clinic's status"

# Summaries changed in SQL, not by a push: the triggers mark their states,
# and the report rebuilds them before reading.
psql "$TOUCHSTONE_PG" -XAtq -c "SELECT episode || ' ' || instrument FROM registry_outcome WHERE clinic_id = ${ID[B]} ORDER BY episode, instrument LIMIT 7" > "$TMP/gone.txt"
psql "$TOUCHSTONE_PG" -Xq -c "DELETE FROM registry_outcome WHERE clinic_id = ${ID[B]} AND (episode, instrument) IN (SELECT episode, instrument FROM registry_outcome WHERE clinic_id = ${ID[B]} ORDER BY episode, instrument LIMIT 7)"
[ "$(psql_value 'SELECT count(*) FROM registry_partial_dirty')" -gt 0 ] || fail "a deletion in SQL marks its states"
while read -r episode instrument; do
  python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); t["rows"].pop(sys.argv[2] + "|" + sys.argv[3] + "|" + sys.argv[4]); json.dump(t,open(sys.argv[1],"w"))' "$TRUTH" "${ID[B]}" "$episode" "$instrument"
done < "$TMP/gone.txt"
check_nation "deleted in SQL"
check_states "deleted in SQL"

# The same registry gives the same document, byte for byte, whether its
# states were kept by pushes or built again from every summary.
expect_ok ts registry report --json
echo "$OUT" > "$TMP/kept.json"
expect_ok ts registry rebuild-partials
assert_contains "$OUT" "rebuilt $(psql_value 'SELECT count(*) FROM registry_partial') partial states"
expect_ok ts registry report --json
cmp -s "$TMP/kept.json" <(echo "$OUT") || fail "the report after rebuild-partials differs"
expect_ok ts registry rebuild-partials --json
assert_eq "$(jq -r .states <<<"$OUT")" "$(psql_value 'SELECT count(*) FROM registry_partial')" "--json"
check_states "rebuilt"

# A registry of version 4 with summaries, migrated: its states are built
# by the first report.
psql "$TOUCHSTONE_PG" -Xq -c "DELETE FROM registry_partial" -c "INSERT INTO registry_partial_dirty SELECT DISTINCT clinic_id, practitioner_id, protocol, instrument FROM registry_outcome"
check_nation "states built by the report"
check_states "states built by the report"

# A TRUNCATE of the summaries forgets every state.
psql "$TOUCHSTONE_PG" -Xq -c "TRUNCATE registry_outcome"
assert_eq "$(psql_value 'SELECT count(*) FROM registry_partial') $(psql_value 'SELECT count(*) FROM registry_partial_dirty')" "0 0" "truncate"
expect_ok ts registry report --json --min-cell 1
assert_eq "$(jq -c '[.models, .cells, .registry.summaries]' <<<"$OUT")" '[[],[],0]' "an empty nation"
registry_stop
echo "ok t0922-registry-partials"
