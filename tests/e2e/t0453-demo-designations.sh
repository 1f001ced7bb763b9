#!/usr/bin/env bash
# The demo clinic's history earns one therapist "reproducible" in
# low-back-pain (NPRS and ODI) and nobody else anything; the certificate of
# that cell verifies; the others are refused naming the unmet criterion.
. "$(dirname "$0")/lib.sh"

expect_ok ts init --clinic "Synthetic Demo Clinic"
expect_ok ts demo --seed 42
expect_ok ts --json report registry
assert_eq "$(json 'this.cells.filter(c=>c.designation!="none").map(c=>[c.practitioner,c.protocol,c.instrument,c.designation].join(":")).join(" ")')" \
  "1:low-back-pain:nprs:reproducible 1:low-back-pain:odi:reproducible"
[ "$(json 'new Set(this.cells.map(c=>c.practitioner)).size')" -ge 3 ] || fail "fewer than three therapists have cells"
# Every cell: a Wilson interval holds its estimate; fewer than the minimum
# of episodes is never designated; a label, never a name.
assert_eq "$(json 'this.cells.every(c=>c.responder_rate===null || (c.responder_ci95[0] <= c.responder_rate && c.responder_rate <= c.responder_ci95[1]))')" "true"
assert_eq "$(json 'this.cells.every(c=>c.n >= 20 || c.designation=="none")')" "true"
assert_eq "$(json 'this.cells.every(c=>/^peer-[0-9a-f]{8}$/.test(c.label))')" "true"
! grep -q "Demo (synthetic)" <<<"$OUT" || fail "the registry names a practitioner"
# Labels are stable from one report to the next.
labels=$(json 'this.cells.map(c=>c.label).join()')
expect_ok ts --json report registry
assert_eq "$(json 'this.cells.map(c=>c.label).join()')" "$labels" "labels"
expect_ok ts --json report practitioner 1 --protocol low-back-pain
assert_eq "$(json 'this.cells.map(c=>c.instrument).join()')" "nprs,odi"

expect_ok ts certify --practitioner 1 --protocol low-back-pain --instrument nprs --out demo-cert.json
assert_contains "$OUT" "practitioner 1 is reproducible in low-back-pain x nprs"
expect_ok ts verify demo-cert.json
assert_contains "$OUT" "designation +reproducible"
for p in 2 4; do
  expect_refused 3 "certify: [a-z_]+: practitioner $p is not reproducible in low-back-pain x nprs" \
    ts certify --practitioner "$p" --protocol low-back-pain --instrument nprs --out "c$p.json"
done
# The text report reads as a table with the criteria.
expect_ok ts report practitioner 2
assert_contains "$OUT" "^low-back-pain x nprs: none"
assert_contains "$OUT" "\[no \] reproducible complete episodes \(required 20, observed 10\)"
