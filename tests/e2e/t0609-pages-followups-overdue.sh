#!/usr/bin/env bash
# The follow-ups page lists, besides the follow-ups due today, those
# overdue: episodes discharged in the last year whose every follow-up
# window has closed with no follow-up score. The expected set is computed
# here independently, from the catalog's schedules and the database.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

expect_ok ts demo
# Each closed episode: id, discharge, protocol, whether it has a follow-up.
sql "SELECT e.id, e.ended_on, e.protocol_id, EXISTS (SELECT 1 FROM observation o WHERE o.episode_id = e.id AND o.timepoint = 'followup') FROM episode e WHERE e.ended_on IS NOT NULL ORDER BY e.id" > "$TMP/closed.txt"
for p in $(cut -d'|' -f3 "$TMP/closed.txt" | sort -u); do
  expect_ok ts --json catalog show "$p"
  printf '%s\t%s\n' "$p" "$(json 'JSON.stringify(this.follow_up.map(f => f.hours))')"
done > "$TMP/schedules.txt"
# The rule of the page, written again: windows of follow-ups of a day or
# more run from their delay to the next one's; the last stays open half
# its delay again (rounded down to days, plus one).
expected=$(node -e '
  const fs = require("fs");
  const sched = Object.fromEntries(fs.readFileSync(process.argv[1], "utf8").trim().split("\n")
    .map(l => l.split("\t")).map(([p, h]) => [p, JSON.parse(h)]));
  const day = (s) => Date.parse(s + "T00:00:00Z") / 86400000;
  const today = day("2026-06-30");
  const out = [];
  for (const line of fs.readFileSync(process.argv[2], "utf8").trim().split("\n")) {
    const [id, ended, protocol, has] = line.split("|");
    const end = day(ended);
    const hours = sched[protocol].filter(h => h >= 24);
    if (!hours.length || has === "1" || today - end > 365) continue;
    const last = hours[hours.length - 1];
    const until = end + Math.floor(last / 24) + Math.floor(last / 48) + 1;
    if (today >= until) out.push(Number(id));
  }
  console.log(out.sort((a, b) => a - b).join(","));' "$TMP/schedules.txt" "$TMP/closed.txt")
[ -n "$expected" ] || fail "the demo has no overdue follow-up to show"

serve_start
page_login admin@demo.example touchstone-demo
page /followups
assert_contains "$OUT" '<h2 id="overdue">Overdue</h2>'
shown=$(sed -n '/<h2 id="overdue">/,$p' <<<"$OUT" | grep -oE '<tr><td><a href="/episodes/[0-9]+"' |
  grep -oE '[0-9]+' | sort -n | paste -sd, -)
assert_eq "$shown" "$expected" "the overdue episodes"
# A late follow-up score takes an episode off the list.
first=${expected%%,*}
protocol=$(sql "SELECT protocol_id FROM episode WHERE id = $first")
expect_ok ts --json catalog show "$protocol"
instrument=$(json 'this.outcomes.primary[0]')
expect_ok ts observe --episode "$first" --instrument "$instrument" --timepoint followup --at 2026-06-29T10:00:00Z --value 3
page /followups
sed -n '/<h2 id="overdue">/,$p' <<<"$OUT" | grep -q "<a href=\"/episodes/$first\"" &&
  fail "an episode with a late follow-up is still overdue"
serve_stop
