#!/usr/bin/env bash
# kill -9 of `touchstone backup` at random moments, $TOUCHSTONE_KILLS times
# (8; 50 in make test-long), each to a new file. After every kill the
# backup's file is either absent or a whole database: SQLite's integrity
# check, `check` and `audit verify` pass on it and it holds exactly the
# rows of the clinic's file; the clinic's file is untouched. A killed
# copy leaves only '<file>.partial-<pid>' (and its journal) and the
# clinic's key ('<file>.key', or '<file>.key.partial-<pid>', mode 600)
# beside it.
. "$(dirname "$0")/lib.sh"

KILLS=${TOUCHSTONE_KILLS:-8}
expect_ok ts demo --practitioners 4 --patients 600 --seed 11
digest() { sqlite3 "$1" .dump | sha256sum | cut -d' ' -f1; }
source_digest=$(digest "$TOUCHSTONE_DB")
mkdir "$TMP/backups" "$TMP/timing"
# The kills land at random moments of a whole backup, as long as one takes
# on this machine (a loaded machine is slower).
started=$(date +%s%N)
expect_ok ts backup "$TMP/timing/copy.db"
span_ms=$(( ($(date +%s%N) - started) / 1000000 ))

whole=0 absent=0
for k in $(seq 1 "$KILLS"); do
  copy="$TMP/backups/copy-$k.db"
  "$TOUCHSTONE" backup "$copy" > /dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v r=$RANDOM -v s="$span_ms" 'BEGIN { printf "%.3f", r / 32767 * s / 1000 }')"
  kill -9 "$pid" 2>/dev/null || true
  rc=0; wait "$pid" 2>/dev/null || rc=$?
  if [ -e "$copy" ]; then
    assert_eq "$(sqlite3 "$copy" 'PRAGMA integrity_check')" "ok" "integrity of backup $k"
    expect_ok ts --db "$copy" check
    expect_ok ts --db "$copy" audit verify
    assert_eq "$(digest "$copy")" "$source_digest" "rows of backup $k"
    whole=$((whole + 1))
  else
    [ $rc -ne 0 ] || fail "backup $k exited 0 without its file"
    absent=$((absent + 1))
  fi
  for f in "$TMP"/backups/*; do
    case $f in
      "$TMP"/backups/copy-*.db|"$TMP"/backups/copy-*.db.partial-*) ;;
      "$TMP"/backups/copy-*.db.key|"$TMP"/backups/copy-*.db.key.partial-*)
        assert_eq "$(stat -c %a "$f")" "600" "mode of key file $f" ;;
      *) fail "unexpected file after kill $k: $f" ;;
    esac
  done
done
expect_ok ts check
expect_ok ts audit verify
assert_eq "$(digest "$TOUCHSTONE_DB")" "$source_digest" "the clinic's rows after the backups"
[ "$absent" -ge 1 ] || fail "no kill landed during a backup"
echo "ok ($KILLS kills: $absent backups cut short left no file, $whole finished whole)"
