#!/usr/bin/env bash
# touchstone demo: a synthetic clinic, the same for the same seed, only in
# a new or empty database, quickly.
. "$(dirname "$0")/lib.sh"

# Left out, random by design: the demo's web logins (Argon2id hashes with
# random salts) and the clinic's signing key.
digest() {
  sqlite3 "$1" .dump | grep -v '^INSERT INTO user \|^INSERT INTO clinic_key ' |
    sha256sum | cut -d' ' -f1
}

expect_ok ts --db "$TMP/a.db" demo --seed 42
assert_contains "$OUT" "filled '$TMP/a.db' with a synthetic clinic \(seed 42\)"
expect_ok ts --db "$TMP/b.db" --json demo --seed 42
assert_eq "$(json 'this.practitioners')" "4"
assert_eq "$(digest "$TMP/a.db")" "$(digest "$TMP/b.db")" "same seed, same database"
expect_ok ts --db "$TMP/c.db" demo --seed 43
[ "$(digest "$TMP/a.db")" != "$(digest "$TMP/c.db")" ] || fail "another seed gave the same clinic"

export TOUCHSTONE_DB="$TMP/a.db"
assert_eq "$(sql 'SELECT count(*) FROM patient WHERE synthetic = 0')" "0"
assert_eq "$(sql 'SELECT count(*) FROM practitioner WHERE synthetic = 0')" "0"
assert_eq "$(sql 'SELECT synthetic FROM clinic')" "1"
[ "$(sql 'SELECT count(*) FROM patient')" -ge 36 ] || fail "fewer than three dozen patients"
for p in low-back-pain tension-headache stress-management-full-body sciatica migraine; do
  [ "$(sql "SELECT count(*) FROM episode WHERE protocol_id = '$p'")" -gt 0 ] || fail "no $p episodes"
done
# One therapist: >= 25 complete low-back-pain episodes with NPRS and ODI,
# most improving by more than the MCID and keeping it at a follow-up.
best=$(sql "SELECT practitioner_id FROM episode WHERE protocol_id = 'low-back-pain' AND ended_on IS NOT NULL GROUP BY practitioner_id HAVING count(*) >= 25")
[ -n "$best" ] || fail "no therapist with 25 complete low-back-pain episodes"
kept=$(sql "SELECT count(*) FROM episode e
  JOIN observation b ON b.episode_id = e.id AND b.instrument = 'nprs' AND b.timepoint = 'baseline'
  JOIN observation f ON f.episode_id = e.id AND f.instrument = 'nprs' AND f.timepoint = 'followup'
  WHERE e.practitioner_id = $best AND e.protocol_id = 'low-back-pain' AND b.total - f.total >= 2
    AND julianday(substr(f.observed_at, 1, 10)) - julianday(e.ended_on) >= 28")
[ "$kept" -ge 20 ] || fail "only $kept of the best therapist's patients keep an NPRS MCID at 4 weeks"
odi=$(sql "SELECT count(*) FROM episode e
  JOIN observation b ON b.episode_id = e.id AND b.instrument = 'odi' AND b.timepoint = 'baseline'
  JOIN observation f ON f.episode_id = e.id AND f.instrument = 'odi' AND f.timepoint = 'followup'
  WHERE e.practitioner_id = $best AND e.protocol_id = 'low-back-pain' AND b.total - f.total >= 10")
[ "$odi" -ge 20 ] || fail "only $odi keep an ODI MCID"
# Sessions: introductory first, kneading at least half in most.
assert_eq "$(sql "SELECT count(*) FROM session_phase WHERE position = 1 AND name <> 'introductory'")" "0"
# Nothing in the future; every follow-up after discharge.
assert_eq "$(sql "SELECT count(*) FROM session WHERE started_at > '2026-06-30T12:00:00Z'")" "0"
assert_eq "$(sql "SELECT count(*) FROM observation o JOIN episode e ON e.id = o.episode_id WHERE o.timepoint = 'followup' AND substr(o.observed_at, 1, 10) < e.ended_on")" "0"
expect_ok ts check
expect_ok ts patient show 1
assert_contains "$OUT" "\(synthetic\)"

# A database that holds records is refused and left alone.
expect_refused 2 "demo: db: .*already holds records" ts demo
# An empty clinic made by init is filled.
expect_ok ts --db "$TMP/empty.db" init
expect_ok ts --db "$TMP/empty.db" demo
expect_refused 2 "demo: seed: '-1' is not a whole number" ts --db "$TMP/x.db" demo --seed -1
expect_refused 2 "demo: seed: " ts --db "$TMP/x.db" demo --seed 99999999999999999999999
[ ! -e "$TMP/x.db" ] || fail "a refused demo left a file"
