#!/usr/bin/env bash
# Follow-up coverage read from the compact outcome rows gives the counts of
# the summary table: on the demo clinic and on a seeded registry of 12
# therapists (some episodes without a follow-up invited, some of them more
# than once, invitations of other timepoints beside), every protocol row of
# `touchstone report coverage` (complete, with and without a follow-up,
# invited, not invited) equals the same counts computed by sqlite3 from
# episode_summary, an episode counted once per protocol across its
# instruments; and after an episode's new follow-up score (its summaries
# replaced), both again.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# The counts of every practitioner from the summary table, one line each:
# practitioner|protocol|complete|with|without|invited|not_invited.
expected() {
  sqlite3 "$TOUCHSTONE_DB" "WITH ep AS (SELECT practitioner_id, protocol_id,
      episode_id, max(complete) AS c,
      max(complete = 1 AND has_followup = 1) AS f
    FROM episode_summary GROUP BY practitioner_id, protocol_id, episode_id),
    inv AS (SELECT DISTINCT episode_id FROM invitation
      WHERE timepoint = 'followup')
    SELECT practitioner_id, protocol_id, sum(c), sum(f), sum(c) - sum(f),
      sum(c = 1 AND f = 0 AND episode_id IN inv),
      sum(c) - sum(f) - sum(c = 1 AND f = 0 AND episode_id IN inv)
    FROM ep GROUP BY practitioner_id, protocol_id HAVING sum(c) > 0
    ORDER BY practitioner_id, protocol_id"
}
reported() {
  ts --json report coverage | python3 -c '
import json, sys
for p in json.load(sys.stdin)["practitioners"]:
    for r in p["followup"]:
        print("|".join(str(x) for x in (p["practitioner"]["id"], r["protocol"],
            r["complete"], r["with_followup"], r["without_followup"],
            r["invited"], r["not_invited"])))'
}
# invite EPISODE... : a follow-up invitation of each (and a baseline one of
# the first, which must not count).
N=0
invite() {
  local first=1
  for ep in "$@"; do
    N=$((N + 1))
    local tp=followup
    if [ $first = 1 ]; then
      first=0
      sqlite3 "$TOUCHSTONE_DB" "INSERT INTO invitation (episode_id, timepoint,
        instruments, nonce, token_hash, channel, created_at, opens_at,
        expires_at) VALUES ($ep, 'baseline', '[\"NPRS\"]', 'nonce-b$N',
        'hash-b$N', 'print', '2026-05-01T09:00:00Z', '2026-05-01T09:00:00Z',
        '2026-12-31T00:00:00Z')" || fail "insert of a baseline invitation"
    fi
    sqlite3 "$TOUCHSTONE_DB" "INSERT INTO invitation (episode_id, timepoint,
      instruments, nonce, token_hash, channel, created_at, opens_at,
      expires_at) VALUES ($ep, '$tp', '[\"NPRS\"]', 'nonce-$N', 'hash-$N',
      'email', '2026-05-01T09:00:00Z', '2026-05-01T09:00:00Z',
      '2026-12-31T00:00:00Z')" || fail "insert of invitation $N"
  done
}
# Every third complete episode without a follow-up is invited (the first
# of them twice).
invite_some() {
  local eps
  eps=$(sqlite3 "$TOUCHSTONE_DB" "SELECT episode_id FROM episode_summary
    GROUP BY episode_id HAVING max(complete) = 1
    AND max(complete = 1 AND has_followup = 1) = 0 ORDER BY episode_id" |
    awk 'NR % 3 == 1' | paste -sd' ')
  [ -n "$eps" ] || fail "no complete episode without a follow-up"
  # shellcheck disable=SC2086
  invite $eps ${eps%% *}
}
compare() { # compare WHAT
  expected >exp.txt
  reported >got.txt
  [ "$(wc -l <exp.txt)" -ge "$2" ] || fail "$1: only $(wc -l <exp.txt) rows"
  diff exp.txt got.txt >&2 || fail "$1: the coverage differs from the summary table's counts"
  awk -F'|' '$6 > 0' exp.txt | grep -q . || fail "$1: no protocol with an invited episode"
  awk -F'|' '$5 > 0 && $3 > 0' exp.txt | grep -q . || fail "$1: no protocol with a follow-up"
}

expect_ok ts demo
invite_some
compare "the demo clinic" 5

rm -f "$TOUCHSTONE_DB"*
expect_ok ts demo --practitioners 12 --patients 900 --seed 7
invite_some
# Episodes whose instruments differ (one complete with a follow-up, one
# not) are among them: the count per protocol is of episodes, not rows.
mixed=$(sqlite3 "$TOUCHSTONE_DB" "SELECT count(*) FROM (SELECT episode_id
  FROM episode_summary GROUP BY episode_id, protocol_id
  HAVING count(DISTINCT complete * 2 + has_followup) > 1)")
[ "$mixed" -gt 0 ] || fail "no episode whose instruments differ"
compare "a seeded registry" 60

# A new follow-up score of a complete episode without one: its summary
# rows and compact rows replaced, both counts move together.
ep=$(sqlite3 "$TOUCHSTONE_DB" "SELECT s.episode_id FROM episode_summary s
  JOIN episode e ON e.id = s.episode_id WHERE s.complete = 1
  AND s.has_followup = 0 AND s.instrument = 'nprs' ORDER BY s.episode_id LIMIT 1")
[ -n "$ep" ] || fail "no complete NPRS episode without a follow-up"
before=$(sqlite3 "$TOUCHSTONE_DB" "SELECT sum(has_followup) FROM episode_summary")
at=$(sqlite3 "$TOUCHSTONE_DB" "SELECT date(ended_on, '+42 days') || 'T10:00Z'
  FROM episode_summary WHERE episode_id = $ep AND instrument = 'nprs'")
expect_ok ts observe --episode "$ep" --instrument nprs --timepoint followup --at "$at" --value 1
after=$(sqlite3 "$TOUCHSTONE_DB" "SELECT sum(has_followup) FROM episode_summary")
[ "$after" -gt "$before" ] || fail "the follow-up score gave episode $ep no follow-up ($before, then $after)"
compare "after a follow-up score" 60

echo "ok t0946-coverage-compact"
