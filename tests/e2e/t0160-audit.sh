#!/usr/bin/env bash
# Every read and write of patient data leaves an entry in the hash-chained
# audit log, with ids only (never a name), in the same transaction.
. "$(dirname "$0")/lib.sh"

record_clinic
ada_and_pat
expect_ok ts referral add --patient 1 --physician "Dr Fictive" --specialty X --reason pain --icd10 M54.50 --date 2026-01-02
expect_ok ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-01-05 --referral 1 --screen clear.json
expect_ok ts session add --episode 1 --start 2026-01-05T10:00Z --minutes 60
expect_ok ts observe --episode 1 --session 1 --instrument nprs --timepoint pre --at 2026-01-05T09:55Z --value 6
expect_ok ts episode close 1 --end 2026-01-05

entries() { sql "SELECT action || ' ' || record_type || ' ' || coalesce(record_id, '-') || ' ' || coalesce(patient_id, '-') || ' ' || outcome FROM audit WHERE record_type NOT IN ('practitioner', 'training') ORDER BY id"; }
assert_eq "$(entries)" "create patient 1 1 ok
create referral 1 1 ok
create episode 1 1 ok
create session 1 1 ok
create observation 1 1 ok
update episode 1 1 ok"

n=$(sql 'SELECT count(*) FROM audit')
expect_ok ts patient show 1
expect_ok ts episode show 1
expect_ok ts patient list
expect_ok ts episode list
expect_ok ts referral show 1
expect_ok ts session show 1
assert_eq "$(sql "SELECT count(*) FROM audit WHERE id > $n")" "6"
assert_eq "$(sql "SELECT group_concat(action || ' ' || record_type, ', ') FROM audit WHERE id > $n")" \
  "read patient, read episode, list patient, list episode, read referral, read session"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE actor = 'cli' AND client = 'local'")" "$(sql 'SELECT count(*) FROM audit')"

# A refused write leaves nothing but, for a clinical refusal, its record.
n=$(sql 'SELECT count(*) FROM audit')
expect_refused 2 "dob" ts patient add --name X --dob 2030-01-01 --sex male
assert_eq "$(sql 'SELECT count(*) FROM audit')" "$n"

# No names in the log; the chain is whole, and an edit is found.
! sqlite3 "$TOUCHSTONE_DB" .dump | grep '^INSERT INTO audit' | grep -q 'Synthetic' || fail "a name reached the audit log"
first_hash=$(sql 'SELECT hash FROM audit WHERE id = 1')
[ ${#first_hash} -eq 64 ] || fail "audit hash is not SHA-256 hex"
assert_eq "$(sql 'SELECT count(*) FROM audit a JOIN audit b ON b.id = a.id + 1 WHERE b.prev_hash <> a.hash')" "0"
! sql "UPDATE audit SET outcome = 'x' WHERE id = 1" 2>/dev/null || fail "the audit log accepted an update"

# Anchors: the head of the chain, written down outside the database,
# shows later whether the log was cut back or rewritten (which the chain
# alone cannot show: its tail can be cut around the triggers).
expect_ok ts audit anchor
anchor=$OUT
head_id=$(sql 'SELECT max(id) FROM audit')
assert_eq "$anchor" "$head_id:$(sql "SELECT hash FROM audit WHERE id = $head_id")"
expect_ok ts --json audit anchor
assert_eq "$(json 'this.anchor')" "$anchor"
expect_ok ts audit verify --anchor "$anchor"
assert_contains "$OUT" "^ok: [0-9]+ audit entries, the chain is whole; 1 anchor matched$"
# More entries after the anchor: still fine.
expect_ok ts patient list
expect_ok ts --json audit verify --anchor "$anchor" --anchor "1:$first_hash"
assert_eq "$(json 'this.anchors')" 2
assert_eq "$(json 'this.head')" "$(sql 'SELECT max(id) FROM audit'):$(sql 'SELECT hash FROM audit ORDER BY id DESC LIMIT 1')"
# Malformed anchors are refused before anything is read.
expect_refused 2 "audit verify: anchor: give the anchor as ID:HASH" ts audit verify --anchor "$head_id"
expect_refused 2 "audit verify: anchor: give the anchor as ID:HASH" ts audit verify --anchor "$head_id:ABC"
expect_refused 2 "audit verify: anchor: '0x1' is not an entry id" ts audit verify --anchor "0x1:$first_hash"
# A wrong hash for a present entry: rewritten.
expect_refused 1 "audit verify: anchor: entry 1 differs from the anchor" \
  ts audit verify --anchor "1:$(printf '0%.0s' $(seq 64))"
# The tail cut back around the triggers: the chain still holds, the
# anchor does not.
cp "$TOUCHSTONE_DB" "$TMP/cut.db"
trig=$(sqlite3 "$TMP/cut.db" "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'audit' AND sql LIKE '%DELETE%'")
name=$(sqlite3 "$TMP/cut.db" "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'audit' AND sql LIKE '%DELETE%'")
sqlite3 "$TMP/cut.db" "DROP TRIGGER $name; DELETE FROM audit WHERE id >= $head_id; $trig;"
TOUCHSTONE_DB="$TMP/cut.db" expect_ok ts audit verify
TOUCHSTONE_DB="$TMP/cut.db" expect_refused 1 "audit verify: anchor: entry $head_id is gone: the log was cut back" \
  ts audit verify --anchor "$anchor"
