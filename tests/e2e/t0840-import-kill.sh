#!/usr/bin/env bash
# kill -9 of a bulk import at random moments, $TOUCHSTONE_KILLS times (8;
# 50 in make test-long), alternating a CSV of 12,000 observations (whose
# batch rebuilds the outcome summaries and drops and restores triggers in
# its transaction) and one of 20,000 patients. An import is one
# transaction (docs/import-export.md): after every kill `check` and
# `audit verify` pass, the triggers are all there, and the kind holds
# either none of the file's rows or all of them, with the summaries of
# the one or the other; an import that finished before its kill reads
# exactly as a finished import.
. "$(dirname "$0")/lib.sh"

KILLS=${TOUCHSTONE_KILLS:-8}
kinds="practitioners training patients referrals episodes sessions"
expect_ok ts --db "$TMP/src.db" demo --practitioners 3 --patients 400 --seed 7
expect_ok ts init
for k in $kinds observations; do
  expect_ok ts --db "$TMP/src.db" export --kind "$k" --out "$TMP/$k.csv"
done
for k in $kinds; do expect_ok ts import --kind "$k" "$TMP/$k.csv"; done
# 20,000 more patients, ids after the demo's, written here.
python3 - "$TMP/patients.csv" > "$TMP/more-patients.csv" <<'PY'
import sys
head = open(sys.argv[1]).readline().rstrip("\n")
print(head)
for i in range(1001, 21001):
    print("%d,Imported%d Synthetic,1980-01-%02d,%s,,,,1,0,,1,"
          "2026-01-01T00:00:00Z" % (i, i, i % 28 + 1,
                                    "male" if i % 2 else "female"))
PY
cp "$TOUCHSTONE_DB" "$TMP/base.db"
n_obs=$(($(wc -l < "$TMP/observations.csv") - 1))

# state TABLE...: a digest of these tables' rows (and the triggers).
state() {
  local t
  { for t in "$@"; do sqlite3 "$TOUCHSTONE_DB" "SELECT * FROM $t ORDER BY 1, 2, 3"; done
    sqlite3 "$TOUCHSTONE_DB" "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
  } | sha256sum | cut -d' ' -f1
}
obs_tables="observation episode_summary outcome_row"
before_obs=$(state $obs_tables)
before_pat=$(state patient)
# What a finished import leaves, by an import nobody kills.
# Each is timed: the kills land at random moments of a whole import as
# long as one takes on this machine (a loaded machine is slower).
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
started=$(date +%s%N)
expect_ok ts import --kind observations "$TMP/observations.csv"
obs_ms=$(ms_since "$started")
after_obs=$(state $obs_tables)
started=$(date +%s%N)
expect_ok ts import --kind patients "$TMP/more-patients.csv"
pat_ms=$(ms_since "$started")
after_pat=$(state patient)
restore() { rm -f "$TOUCHSTONE_DB-wal" "$TOUCHSTONE_DB-shm"; cp "$TMP/base.db" "$TOUCHSTONE_DB"; }
restore

cut=0 done_=0
for k in $(seq 1 "$KILLS"); do
  if [ $((k % 2)) -eq 1 ]; then
    kind=observations file="$TMP/observations.csv" tables=$obs_tables
    before=$before_obs after=$after_obs span_ms=$obs_ms
  else
    kind=patients file="$TMP/more-patients.csv" tables=patient
    before=$before_pat after=$after_pat span_ms=$pat_ms
  fi
  "$TOUCHSTONE" import --kind "$kind" "$file" > /dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v r=$RANDOM -v s="$span_ms" 'BEGIN { printf "%.3f", r / 32767 * s / 1000 }')"
  kill -9 "$pid" 2>/dev/null || true
  rc=0; wait "$pid" 2>/dev/null || rc=$?
  expect_ok ts check
  expect_ok ts audit verify
  now=$(state $tables)
  if [ "$now" = "$before" ]; then
    [ $rc -ne 0 ] || fail "kill $k: the import of $kind exited 0 but its rows are not there"
    cut=$((cut + 1))
  elif [ "$now" = "$after" ]; then
    done_=$((done_ + 1)); restore
  else
    fail "kill $k: the $kind import left a state that is neither before nor after it ($(sql "SELECT count(*) FROM observation") observations, $(sql "SELECT count(*) FROM patient") patients)"
  fi
done
[ "$cut" -ge 1 ] || fail "no kill landed during an import"
# The clinic goes on: the import then runs to its end.
restore
expect_ok ts import --kind observations "$TMP/observations.csv"
assert_eq "$(sql "SELECT count(*) FROM observation")" "$n_obs" "observations imported after the kills"
echo "ok ($KILLS kills: $cut cut an import short, $done_ came after it ended)"
