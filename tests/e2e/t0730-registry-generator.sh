#!/usr/bin/env bash
# touchstone demo --practitioners N --patients M: a synthetic registry, the
# same for the same seed, every row valid and marked synthetic, the outcome
# summaries what a full refresh computes.
. "$(dirname "$0")/lib.sh"

# Left out, random by design: the demo's web logins (Argon2id hashes with
# random salts) and the clinic's signing key.
digest() {
  sqlite3 "$1" .dump | grep -v '^INSERT INTO user \|^INSERT INTO clinic_key ' |
    sha256sum | cut -d' ' -f1
}

expect_ok ts --db "$TMP/a.db" demo --practitioners 5 --patients 60 --episodes-per-patient 2 --seed 7
assert_contains "$OUT" "filled '.*a.db' with a synthetic registry \(seed 7\): 5 practitioners, 60 patients, [0-9]+ referrals, 120 episodes"
[ -z "$ERR" ] || fail "stderr not empty: $ERR"
expect_ok ts --db "$TMP/b.db" --json demo --practitioners 5 --patients 60 --seed 7
assert_eq "$(json 'this.episodes')" "120"
assert_eq "$(json 'this.practitioners')" "5"
assert_eq "$(digest "$TMP/a.db")" "$(digest "$TMP/b.db")" "same seed, same registry"
expect_ok ts --db "$TMP/c.db" demo --practitioners 5 --patients 60 --seed 8
[ "$(digest "$TMP/a.db")" != "$(digest "$TMP/c.db")" ] || fail "another seed gave the same registry"

export TOUCHSTONE_DB="$TMP/a.db"
expect_ok ts check
expect_ok ts audit verify
assert_eq "$(sql "SELECT synthetic FROM clinic")" "1"
assert_eq "$(sql "SELECT count(*) FROM patient WHERE synthetic = 0")" "0"
assert_eq "$(sql "SELECT count(*) FROM practitioner WHERE synthetic = 0 OR name NOT LIKE '%(synthetic)'")" "0"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'generate'")" "7"
# Nothing in the future; follow-ups after discharge; every practitioner
# within scope of every episode they have.
assert_eq "$(sql "SELECT count(*) FROM observation WHERE observed_at > '2026-06-30T12:00:00Z'")" "0"
assert_eq "$(sql "SELECT count(*) FROM observation o JOIN episode e ON e.id = o.episode_id WHERE o.timepoint = 'followup' AND (e.ended_on IS NULL OR substr(o.observed_at, 1, 10) < e.ended_on)")" "0"
assert_eq "$(sql "SELECT count(*) FROM episode e WHERE NOT EXISTS (SELECT 1 FROM training t WHERE t.practitioner_id = e.practitioner_id AND t.protocol_id = e.protocol_id)")" "0"
# Totals are the scoring rules': an NPRS total is its value, an ODI total
# twice the sum of its ten items.
assert_eq "$(sql "SELECT count(*) FROM observation WHERE instrument = 'odi' AND abs(total - (SELECT sum(value) * 2 FROM json_each(items))) > 1e-9")" "0"
# Some courses end early and some follow-ups are missing, as documented.
[ "$(sql "SELECT count(*) FROM episode WHERE ended_on IS NULL")" -gt 0 ] || fail "no open episode"
[ "$(sql "SELECT count(*) FROM episode_summary WHERE incomplete_reason = 'no_discharge'")" -gt 0 ] || fail "no drop-out"
# The summaries are what a full refresh computes, and so are the compact
# outcome rows the generator's batch kept itself (the refresh goes row by
# row, through the schema's triggers); the triggers are back after the batch.
assert_eq "$(sql "SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'episode_summary' ORDER BY name)")" \
  "episode_summary_delete,episode_summary_insert,episode_summary_update"
[ "$(sql "SELECT count(*) FROM outcome_row")" -gt 0 ] || fail "no outcome rows"
assert_eq "$(sql "SELECT count(*) FROM outcome_group WHERE generation = 0")" "0" "every group's generation raised"
before=$(sqlite3 "$TMP/a.db" "SELECT * FROM episode_summary ORDER BY episode_id, instrument" | sha256sum)
rows_before=$(sqlite3 "$TMP/a.db" "SELECT * FROM outcome_row ORDER BY group_id, practitioner_id, episode_id" | sha256sum)
expect_ok ts report refresh
assert_eq "$(sqlite3 "$TMP/a.db" "SELECT * FROM episode_summary ORDER BY episode_id, instrument" | sha256sum)" "$before" "summaries after a refresh"
assert_eq "$(sqlite3 "$TMP/a.db" "SELECT * FROM outcome_row ORDER BY group_id, practitioner_id, episode_id" | sha256sum)" "$rows_before" "outcome rows after a refresh"

# Options and refusals.
expect_refused 2 "demo: db: .*already holds records" ts demo --practitioners 2 --patients 2
expect_refused 2 "demo: patients: 0 is out of range" ts --db "$TMP/x.db" demo --patients 0
expect_refused 2 "demo: practitioners: -1 is out of range" ts --db "$TMP/x.db" demo --practitioners -1
expect_refused 2 "demo: episodes-per-patient: 21 is out of range" ts --db "$TMP/x.db" demo --episodes-per-patient 21
expect_refused 2 "demo: patients: 'many' is not a whole number" ts --db "$TMP/x.db" demo --patients many
[ ! -e "$TMP/x.db" ] || fail "a refused demo left a file"
