#!/usr/bin/env bash
# catalog list / show / groups: the shipped protocol catalog, no database.
. "$(dirname "$0")/lib.sh"

expect_ok ts catalog list
assert_contains "$OUT" "^ID +GROUP"
assert_contains "$OUT" "^contralateral-circulation +circulation +15-25 "
assert_contains "$OUT" "^stress-management-full-body +stress-management +30-90 +120 "
n=$(grep -cE '^[a-z0-9-]+ +[a-z-]+ +[0-9]+-[0-9]+ ' <<<"$OUT")
[ "$n" -ge 65 ] || fail "only $n protocols listed"
assert_contains "$OUT" "^$n protocols$"
# No database was needed, and none was created.
[ ! -e "$TOUCHSTONE_DB" ] || fail "catalog list created a database"

expect_ok ts catalog list --json
assert_eq "$(json 'this.count')" "$n" "json count"
assert_eq "$(json 'this.protocols.length')" "$n"
assert_eq "$(json 'this.protocols.find(p => p.id === "sciatica").group')" "lower-back"
assert_eq "$(json 'this.protocols.find(p => p.id === "sciatica").total_hours')" \
  "$(( $(json 'this.protocols.find(p => p.id === "sciatica").training_hours') + 120 ))"

# Every required id is there.
for id in stress-management-full-body tension-headache migraine low-back-pain \
  sciatica piriformis-syndrome thoracic-outlet-syndrome tmj-disorder \
  fibromyalgia post-concussion bronchial-asthma hypertension \
  contralateral-circulation pregnancy postpartum-rehabilitation \
  sleep-disorders sports-pre-event sports-post-event; do
  assert_eq "$(json "this.protocols.some(p => p.id === '$id')")" "true" "$id listed"
done

expect_ok ts catalog list --group sports
assert_contains "$OUT" "sports-pre-event"
assert_contains "$OUT" "sports-post-event"
if grep -q "sciatica" <<<"$OUT"; then fail "--group sports listed sciatica"; fi
expect_ok ts --json catalog list --group tmj
assert_eq "$(json 'this.protocols.every(p => p.group === "tmj")')" "true"
expect_refused 2 "catalog list: group: unknown group 'nope' \(known: neck-upper-back, " \
  ts catalog list --group nope

expect_ok ts catalog groups
assert_contains "$OUT" "^neck-upper-back +[0-9]+ +Neck and upper back"
[ "$(wc -l <<<"$OUT")" -eq 19 ] || fail "expected 19 groups: $OUT"
expect_ok ts catalog groups --json
assert_eq "$(json 'this.groups.length')" "19"
assert_eq "$(json 'this.groups.reduce((a, g) => a + g.protocols, 0)')" "$n"

expect_ok ts catalog show tension-headache
assert_contains "$OUT" "^tension-headache: Tension-type headache"
assert_contains "$OUT" "G44.209 +Tension-type headache, unspecified, not intractable"
assert_contains "$OUT" "^  thunderclap +Did a headache"
assert_contains "$OUT" "^training: 24 hours specialised \+ 120 hours full-body baseline \(stress-management-full-body\) = 144 hours"
assert_contains "$OUT" "^  1\. introductory"
assert_contains "$OUT" "circulatory strokes; toward the heart"
assert_contains "$OUT" "^outcomes: primary hit6, headache-days"

expect_ok ts catalog show stress-management-full-body
assert_contains "$OUT" "^training: 120 hours \(the full-body baseline itself\)"

expect_ok ts catalog show contralateral-circulation --json
assert_eq "$(json 'this.minutes.min')" "15"
assert_eq "$(json 'this.minutes.max')" "25"
assert_eq "$(json 'this.phases[0].kind')" "introductory"
assert_eq "$(json 'this.phases.filter(p => p.kind === "kneading").reduce((a, p) => a + p.min_share, 0) >= 0.5')" "true"
assert_eq "$(json 'this.phases.find(p => p.kind === "circulatory").direction')" "toward the heart"
assert_eq "$(json 'this.outcomes.primary[0]')" "pvr"
assert_eq "$(json 'this.follow_up[0].delay')" "2h"
assert_eq "$(json 'this.follow_up[0].hours')" "2"
assert_eq "$(json 'this.training.total_hours')" "$(( $(json 'this.training.hours') + 120 ))"
assert_eq "$(json 'this.indications[0].title.length > 0')" "true"
assert_eq "$(json 'this.red_flags.every(f => f.question.endsWith("?"))')" "true"
assert_eq "$(json 'this.file')" "catalog/protocols/circulation.json"

expect_refused 2 "catalog show: id: no protocol 'nope'" ts catalog show nope
expect_refused 2 "catalog show: id: missing" ts catalog show
expect_refused 2 "unknown verb 'frob'" ts catalog frob
expect_refused 2 "usage: touchstone catalog <verb>" ts catalog
expect_ok ts catalog --help
assert_contains "$OUT" "check"
expect_ok ts catalog list --help
assert_contains "$OUT" "usage: touchstone catalog list \[--group GROUP\]"
[ ! -e "$TOUCHSTONE_DB" ] || fail "a catalog command created a database"
