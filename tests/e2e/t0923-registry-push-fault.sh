#!/usr/bin/env bash
# A push that fails after its rows reached the staging table, then the
# next push on the same server: (1) a constraint the merge breaks (a CHECK
# added in SQL that only the merge into registry_outcome meets), then the
# same batch again on the same thread and connection; (2) the server's
# connection killed mid-merge (pg_terminate_backend while the merge waits
# on a lock another session holds), then the same batch again. Each
# failure answers 500 and leaves the registry as it was; each retry is
# merged whole (the merge counts its rows: a row left in staging would
# make it refuse), and the registry at the end equals one that received
# the same batches cleanly, row for row and state for state.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"

# push NAME FILE: signs and POSTs a batch of clinic NAME (STATUS, OUT).
push() {
  sign_body "$1" "$2" "$TMP/body.json"
  post /registry/v1/push "$TMP/body.json"
}

# snapshot FILE: what a registry holds: every summary, every partial state
# by its key, every batch recorded and the clinic's place in its sequence.
snapshot() {
  {
    outcome_rows
    psql "$TOUCHSTONE_PG" -XAtq -c "SELECT clinic_id, practitioner_id, protocol, instrument, rows, md5(state) FROM registry_partial ORDER BY 1, 2, 3, 4"
    psql "$TOUCHSTONE_PG" -XAtq -c "SELECT clinic_id, seq, digest, rows, retracted FROM registry_batch ORDER BY 1, 2"
    psql "$TOUCHSTONE_PG" -XAtq -c "SELECT id, last_seq, last_digest FROM registry_clinic ORDER BY id"
    psql "$TOUCHSTONE_PG" -XAtq -c "SELECT count(*) FROM registry_partial_dirty"
  } > "$1"
}

make_clinic A
gen_batch 1 1 31 80 3 > "$TMP/A.1.json"
# Batch 2 corrects 50 of batch 1's summaries (sessions, one moved to the
# other protocol) and holds one whose session count (99) the constraint
# of fault (1) refuses; batch 3 corrects 60 others (sessions, comorbidities)
# and retracts ten.
cp "$TMP/A.1.json" "$TMP/A.2.json"
edit_batch "$TMP/A.2.json" '
b["seq"] = 2
b["rows"] = b["rows"][:50]
for i, r in enumerate(b["rows"]):
    r["sessions"] = 99 if i == 7 else r["sessions"] + 1
    if i == 20:
        r["protocol"] = "neck-pain" if r["protocol"] == "low-back-pain" else "low-back-pain"
'
cp "$TMP/A.1.json" "$TMP/A.3.json"
edit_batch "$TMP/A.3.json" '
b["seq"] = 3
gone = b["rows"][140:150]
b["rows"] = b["rows"][60:120]
for r in b["rows"]:
    r["sessions"] += 2
    r["comorbidities"] = (r["comorbidities"] + 1) % 6
b["retract"] = [{"episode": r["episode"], "instrument": r["instrument"]} for r in gone]
'

# ---- The registry with the faults: one thread, so one connection.
expect_ok ts registry init --key "$TMP/registry.key"
registry_start --threads 1
enroll A; expect_http 201
assert_eq "$ENROLLED" 1 "the clinic's id"
expect_ok ts registry clinic approve 1
push A "$TMP/A.1.json"; expect_http 200

# (1) The merge breaks a constraint: the batch's rows are in staging, the
# moved summary deleted from its old protocol, then the INSERT fails.
snapshot "$TMP/before1"
psql "$TOUCHSTONE_PG" -Xq -v ON_ERROR_STOP=1 -c "ALTER TABLE registry_outcome ADD CONSTRAINT fault_sessions CHECK (sessions <> 99)"
push A "$TMP/A.2.json"; expect_http 500
psql "$TOUCHSTONE_PG" -Xq -v ON_ERROR_STOP=1 -c "ALTER TABLE registry_outcome DROP CONSTRAINT fault_sessions"
snapshot "$TMP/after1"
cmp -s "$TMP/before1" "$TMP/after1" || fail "a merge that broke a constraint changed the registry: $(diff "$TMP/before1" "$TMP/after1" | head -5)"
# The same batch again, on the same thread and connection: merged whole.
push A "$TMP/A.2.json"; expect_http 200
assert_eq "$(jq -r .rows <<<"$OUT")" 50 "the retry's rows"
assert_eq "$(psql_value "SELECT count(*) FROM registry_outcome WHERE sessions = 99")" 1 "the refused summary, now merged"

# (2) The server's connection killed mid-merge: another session holds a
# lock the merge needs (SHARE on registry_outcome: the moved-protocol
# DELETE and the INSERT wait for it), the batch's rows reach staging, the
# server's backend waits, and is terminated.
psql "$TOUCHSTONE_PG" -Xq -c "SET application_name = 'fault_locker'" -c "BEGIN" \
  -c "LOCK TABLE registry_outcome IN SHARE MODE" -c "SELECT pg_sleep(120)" -c "COMMIT" \
  > /dev/null 2>&1 &
locker=$!
for _ in $(seq 1 100); do
  [ "$(psql_value "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'fault_locker' AND query LIKE '%pg_sleep%'")" = 1 ] && break
  sleep 0.1
done
snapshot "$TMP/before2"
sign_body A "$TMP/A.3.json" "$TMP/body3.json"
curl -s -o "$TMP/resp3" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary @"$TMP/body3.json" "$REG_URL/registry/v1/push" > "$TMP/status3" &
pusher=$!
waiting=""
for _ in $(seq 1 300); do
  waiting=$(psql_value "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name <> 'fault_locker' AND datname = current_database() LIMIT 1")
  [ -n "$waiting" ] && break
  sleep 0.1
done
[ -n "$waiting" ] || fail "the push never waited on the lock"
assert_eq "$(psql_value "SELECT pg_terminate_backend($waiting)")" t "the server's connection terminated"
wait "$pusher" || true
assert_eq "$(cat "$TMP/status3")" 500 "a push whose connection died mid-merge"
psql_value "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'fault_locker'" > /dev/null
wait "$locker" || true
snapshot "$TMP/after2"
cmp -s "$TMP/before2" "$TMP/after2" || fail "a push killed mid-merge changed the registry: $(diff "$TMP/before2" "$TMP/after2" | head -5)"
# The same batch again, on the same thread (a new connection).
push A "$TMP/A.3.json"; expect_http 200
assert_eq "$(jq -r '[.rows, .retracted] | @tsv' <<<"$OUT")" "$(printf '60\t10')" "the retry's rows and retractions"
snapshot "$TMP/faulty"
registry_stop

# ---- The same batches, cleanly, into a registry of its own.
psql "$TOUCHSTONE_PG" -Xq -v ON_ERROR_STOP=1 -c "CREATE DATABASE clean"
TOUCHSTONE_PG="$TOUCHSTONE_PG dbname=clean"
expect_ok ts registry init --key "$TMP/clean.key"
mv "$TMP/clean.key" "$TMP/registry.key"
registry_start --threads 1
enroll A; expect_http 201
assert_eq "$ENROLLED" 1 "the clinic's id in the clean registry"
expect_ok ts registry clinic approve 1
for n in 1 2 3; do push A "$TMP/A.$n.json"; expect_http 200; done
snapshot "$TMP/clean"
cmp -s "$TMP/faulty" "$TMP/clean" || fail "the registry after the faults differs from a clean one: $(diff "$TMP/faulty" "$TMP/clean" | head -5)"
assert_eq "$(wc -l < "$TMP/clean")" "$(( $(psql_value 'SELECT count(*) FROM registry_outcome') + $(psql_value 'SELECT count(*) FROM registry_partial') + 3 + 1 + 1 ))" "the snapshot's lines"
registry_stop
echo "ok t0923-registry-push-fault"
