#!/usr/bin/env bash
# The registry server keeps the signed national document between GETs and
# makes it again exactly when the registry changes: an accepted batch, a
# clinic suspended or approved. A refused batch changes nothing. Each
# document served equals `touchstone registry report --json` run on the
# registry at that moment (the same numbers, signed over the same bytes).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"

expect_ok ts registry init --key "$TMP/registry.key"
registry_start
for spec in A:1:60:3 B:2:90:4; do
  IFS=: read -r name n episodes practitioners <<<"$spec"
  make_clinic "$name"
  enroll "$name"; expect_http 201
  eval "${name}_ID=$ENROLLED"
  expect_ok ts registry clinic approve "$ENROLLED"
  gen_batch "$ENROLLED" 1 "$((n + 40))" "$episodes" "$practitioners" > "$TMP/$name.json"
  sign_body "$name" "$TMP/$name.json" "$TMP/push$name.json"
  post /registry/v1/push "$TMP/push$name.json"; expect_http 200
done

# get N: GET /registry/v1/national into national-N.json.
get() {
  local code
  code=$(curl -s -o "$TMP/national-$1.json" -w '%{http_code}' "$REG_URL/registry/v1/national")
  [ "$code" = 200 ] || fail "GET national: $code $(cat "$TMP/national-$1.json")"
}
# agrees N: the served document equals the CLI's report of the registry
# now (numbers to 1e-9: the CLI prints 10 significant digits).
agrees() {
  expect_ok ts registry report --json
  echo "$OUT" > "$TMP/cli-$1.json"
  jq .document "$TMP/national-$1.json" > "$TMP/served-$1.json"
  python3 "$HERE/t0949-reports-agree.py" "$TMP/served-$1.json" "$TMP/cli-$1.json" 1 >/dev/null ||
    fail "document $1 differs from the registry's report"
  assert_eq "$(jq -c .registry "$TMP/served-$1.json")" "$(jq -c .registry "$TMP/cli-$1.json")" "scope $1"
}
scope() { jq -c .document.registry "$TMP/national-$1.json"; }

get 1; agrees 1
assert_eq "$(scope 1)" '{"clinics":2,"practitioners":6,"summaries":300,"min_cell":11}' "scope 1"
get 2
cmp -s "$TMP/national-1.json" "$TMP/national-2.json" || fail "an unchanged registry served a different document"

# An accepted batch: the next GET is made again.
gen_batch "$A_ID" 2 77 25 3 > "$TMP/A2.json"
sign_body A "$TMP/A2.json" "$TMP/pushA2.json"
post /registry/v1/push "$TMP/pushA2.json"; expect_http 200
get 3; agrees 3
assert_eq "$(scope 3)" '{"clinics":2,"practitioners":8,"summaries":350,"min_cell":11}' "scope after a batch"

# A refused batch (replayed) changes nothing: the same document.
post /registry/v1/push "$TMP/pushA2.json"; expect_http 409
get 4
cmp -s "$TMP/national-3.json" "$TMP/national-4.json" || fail "a refused batch changed the document"

# A clinic suspended leaves the document; approved again, it comes back.
expect_ok ts registry clinic suspend "$B_ID"
get 5; agrees 5
assert_eq "$(jq .document.registry.clinics "$TMP/national-5.json")" 1 "suspended clinic left out"
expect_ok ts registry clinic approve "$B_ID"
get 6; agrees 6
assert_eq "$(scope 6)" "$(scope 3)" "approved again"
jq -S .document "$TMP/national-6.json" > "$TMP/d6.json"; jq -S .document "$TMP/national-3.json" > "$TMP/d3.json"
cmp -s "$TMP/d3.json" "$TMP/d6.json" || fail "the same registry gave a different document"
registry_stop
echo "ok t0921-registry-national-cache"
