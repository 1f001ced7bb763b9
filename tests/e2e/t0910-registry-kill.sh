#!/usr/bin/env bash
# kill -9 of the registry server in the middle of ingests, many times at
# random moments: the registry always holds whole batches only, and once
# every batch is pushed it equals a registry that took them cleanly.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"

BATCHES=6
make_clinic A
# One clinic's batches 1..BATCHES, ~1,600 summaries each (under the 1 MiB
# body cap), each signed with the clinic's key; A's id is 1 in both
# registries.
for k in $(seq 1 $BATCHES); do
  gen_batch 1 "$k" "$k" 800 6 > "$TMP/b$k.json"
  sign_body A "$TMP/b$k.json" "$TMP/push$k.json"
done

# The clean registry, in a database of its own.
psql_value 'CREATE DATABASE clean' >/dev/null
MAIN_PG=$TOUCHSTONE_PG
TOUCHSTONE_PG=${MAIN_PG/dbname=postgres/dbname=clean}
expect_ok ts registry init --key "$TMP/registry.key"
registry_start
enroll A; expect_http 201
expect_ok ts registry clinic approve 1
for k in $(seq 1 $BATCHES); do post /registry/v1/push "$TMP/push$k.json"; expect_http 200; done
registry_stop
CLEAN=$(outcome_rows | sha256sum)
CLEAN_COUNT=$(psql_value 'SELECT count(*) FROM registry_outcome')

TOUCHSTONE_PG=$MAIN_PG
rm "$TMP/registry.key"
expect_ok ts registry init --key "$TMP/registry.key"
registry_start
enroll A; expect_http 201
expect_ok ts registry clinic approve 1
kill -9 "$REG_PID"; wait "$REG_PID" 2>/dev/null || true; REG_PID=""

# consistent: whole batches only (rows of the accepted batches, their
# records, the clinic's seq).
consistent() {
  local seq rows expected
  seq=$(psql_value 'SELECT last_seq FROM registry_clinic WHERE id = 1')
  rows=$(psql_value 'SELECT count(*) FROM registry_outcome')
  expected=$(psql_value "SELECT coalesce(sum(rows), 0) FROM registry_batch WHERE clinic_id = 1")
  assert_eq "$(psql_value 'SELECT count(*) FROM registry_batch')" "$seq" "batches recorded vs seq"
  assert_eq "$rows" "$expected" "rows vs accepted batches (seq $seq)"
  [ "$seq" -eq 0 ] || [ "$(psql_value "SELECT count(*) FROM registry_outcome WHERE batch_seq = $seq")" -eq "$(psql_value "SELECT rows FROM registry_batch WHERE seq = $seq")" ] ||
    fail "batch $seq only partly there"
  SEQ=$seq
}

kills=0
for i in $(seq 1 20); do
  consistent
  next=$((SEQ + 1)); [ $next -le $BATCHES ] || break
  registry_start
  curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary @"$TMP/push$next.json" \
    "$REG_URL/registry/v1/push" &
  CURL=$!
  sleep "0.0$(( RANDOM % 10 ))$(( RANDOM % 10 ))"
  kill -9 "$REG_PID"; wait "$REG_PID" 2>/dev/null || true; REG_PID=""
  wait "$CURL" 2>/dev/null || true
  kills=$((kills + 1))
done
consistent
[ $kills -ge 5 ] || fail "only $kills kills"
# Push whatever is left, as a clinic would after a crash: resend its
# pending batch; a 409 whose last_digest is the batch's says it landed.
registry_start
for k in $(seq 1 $BATCHES); do
  post /registry/v1/push "$TMP/push$k.json"
  case "$STATUS" in
    200) ;;
    409) assert_eq "$(jq -r .error.last_seq <<<"$OUT")" "$SEQ" "409 says where the registry is"
         [ "$k" -le "$SEQ" ] || fail "batch $k refused: $OUT" ;;
    *) fail "push $k: $STATUS $OUT" ;;
  esac
  [ "$STATUS" = 409 ] && [ "$k" -eq "$SEQ" ] &&
    assert_eq "$(jq -r .error.last_digest <<<"$OUT")" "$(canonical_digest "$TMP/b$k.json")" "digest of the batch that landed"
done
registry_stop
consistent
assert_eq "$SEQ" "$BATCHES" "every batch in"
assert_eq "$(psql_value 'SELECT count(*) FROM registry_outcome')" "$CLEAN_COUNT" "row count"
assert_eq "$(outcome_rows | sha256sum)" "$CLEAN" "the registry equals a clean push"
echo "ok t0910-registry-kill ($kills kills)"
