#!/usr/bin/env bash
# The national report: three synthetic clinics of different sizes push to
# one registry; every model and cell equals the clinic's own report run
# on one clinic database holding the same summaries (written here from
# the batches, not from the registry), to 1e-9.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"

expect_ok ts registry init --key "$TMP/registry.key"
registry_start
n=0
for spec in A:40:3 B:150:5 C:400:9; do
  IFS=: read -r name episodes practitioners <<<"$spec"
  n=$((n + 1))
  make_clinic "$name"
  enroll "$name"; expect_http 201
  expect_ok ts registry clinic approve "$ENROLLED"
  gen_batch "$ENROLLED" 1 "$((n + 10))" "$episodes" "$practitioners" > "$TMP/$name.json"
  sign_body "$name" "$TMP/$name.json" "$TMP/push$name.json"
  post /registry/v1/push "$TMP/push$name.json"; expect_http 200
done
# A fourth clinic, enrolled and pushing, then suspended: not in the nation.
make_clinic D
enroll D; expect_http 201; D_ID=$ENROLLED
expect_ok ts registry clinic approve "$D_ID"
gen_batch "$D_ID" 1 77 30 2 > "$TMP/D.json"; sign_body D "$TMP/D.json" "$TMP/pushD.json"
post /registry/v1/push "$TMP/pushD.json"; expect_http 200
expect_ok ts registry clinic suspend "$D_ID"
registry_stop

expect_ok ts registry report --json --min-cell 1
echo "$OUT" > "$TMP/national.json"
assert_eq "$(jq -c .registry "$TMP/national.json")" \
  '{"clinics":3,"practitioners":15,"summaries":1180,"min_cell":1}' "scope (one NPI shared by three clinics)"

# The independent side: one clinic database holding A, B and C's
# summaries from the batch files, each practitioner under its registry id
# and label (read from the registry's practitioner tables).
union_clinic "$TOUCHSTONE_DB" --episode-per-row "$TMP/A.json" "$TMP/B.json" "$TMP/C.json"
expect_ok ts report registry --json
echo "$OUT" > "$TMP/union.json"

python3 "$HERE/t0949-reports-agree.py" "$TMP/national.json" "$TMP/union.json" 15 --adjusted

# The default threshold withholds the small cells, for every practitioner.
expect_ok ts registry report --json
echo "$OUT" > "$TMP/public.json"
assert_eq "$(jq '[.cells[] | select(.suppressed == false and .n < 11)] | length' "$TMP/public.json")" 0 "cells under 11 withheld"
assert_eq "$(jq '[.cells[] | select(.suppressed)] | length > 0' "$TMP/public.json")" true "some withheld"
assert_eq "$(jq '[.cells[] | select(.practitioner != null)] | length' "$TMP/public.json")" 0 "no practitioner named"
expect_ok ts registry report --json --min-cell 30
assert_eq "$(jq '[.cells[] | select(.suppressed == false and .n < 30)] | length' <<<"$OUT")" 0 "--min-cell 30"
expect_ok ts registry report --json --protocol neck-pain --instrument nprs --min-cell 1
assert_eq "$(jq -c '[.models[] | .protocol + "/" + .instrument]' <<<"$OUT")" '["neck-pain/nprs"]' "filters"
expect_refused 2 "min-cell" ts registry report --min-cell 0
expect_ok ts registry report
assert_contains "$OUT" "3 clinics, 15 practitioners"
echo "ok t0920-registry-national"
