#!/usr/bin/env bash
# The soak (bench/soak), for 30 seconds in three windows, against the
# binary under test: it must run (requests answered, reads and writes) with
# no error of any kind, the server must stop cleanly, and check and audit
# verify must pass afterwards (bench/soak exits non-zero otherwise). Times
# and memory are printed, never asserted; `make bench` runs the full 10
# minutes (bench/README.md, "Soak").
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
command -v wrk > /dev/null || fail "wrk is missing (scripts/setup installs it)"

rc=0
"$here/../../bench/soak" --seconds 30 --window 10 --out "$TMP/soak" > "$TMP/soak.out" 2> "$TMP/soak.err" || rc=$?
cat "$TMP/soak.out"
[ $rc -eq 0 ] || fail "bench/soak exited $rc: $(tail -5 "$TMP/soak.err")"
report=$(cat "$TMP/soak/soak.md")
assert_contains "$report" "^- errors: 0 \("
assert_contains "$report" "^- result: ok$"
# It ran: three windows, each with requests, reads and writes answered.
assert_eq "$(wc -l < "$TMP/soak/windows")" 3 "windows"
# (Each line: the window's number, its end, then key=value pairs.)
while read -r line; do
  w=${line%% *}
  for key in requests reads writes; do
    n=$(grep -oE "(^| )$key=[0-9]+" <<<"$line" | cut -d= -f2)
    [ -n "$n" ] || fail "window $w has no $key: $line"
    [ "$n" -gt 0 ] || fail "window $w answered no $key"
  done
done < "$TMP/soak/windows"
echo "ok: the soak ran 30 seconds with no error"
