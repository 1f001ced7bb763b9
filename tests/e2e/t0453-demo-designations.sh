#!/usr/bin/env bash
# The demo clinic's history earns one therapist "reproducible" in
# low-back-pain (NPRS and ODI) and nobody else anything; the certificate of
# that cell verifies; the others are refused naming the unmet criterion.
CATALOG="$(cd "$(dirname "$0")/../.." && pwd)/catalog"
. "$(dirname "$0")/lib.sh"

expect_ok ts init --clinic "Synthetic Demo Clinic"
expect_ok ts demo --seed 42

# The designations the published rule gives, computed here from the raw
# observations with SQL (docs/outcomes.md, "The episode outcome", "Cells",
# "Designations and their thresholds"), not from the program's summaries:
#   baseline   the first baseline score, else the first pre of session 1;
#   discharge  the last post, else the last pre that is not the baseline;
#   follow-up  the first follow-up at least 28 days after the end;
#   complete   closed, with a baseline and a discharge;
#   responder  improvement (oriented: positive is better) >= the absolute
#              MCID, or improvement / (distance of the baseline from the
#              best score) >= the relative MCID (catalog/instruments.json);
#   reproducible  an MCID published, n >= min_episodes, the Wilson 95%
#              lower bound of responders / n >= responder_lower_bound,
#              sustained / responders with a follow-up >= sustained_rate,
#              follow-ups / n >= followup_coverage (designation_threshold);
#   advanced   also asks for the risk model, fitted only with at least
#              model_min_per_predictor complete episodes with every risk
#              factor per predictor (baseline, age, chronicity,
#              comorbidities and each sex but the most frequent).
# A reproducible cell whose group could be risk-adjusted is not derived
# here (the funnel is not recomputed): the test says so instead of guessing.
mcid_rows=$(node -e '
  const d = require(process.argv[1]);
  const num = v => (typeof v === "number" ? String(v) : "NULL");
  for (const i of d.instruments) {
    const m = i.mcid || {};
    console.log(`INSERT INTO mcid VALUES (\x27${i.code}\x27, ${i.total.direction === "higher-worse" ? 1 : 0}, ${i.total.min}, ${i.total.max}, ${num(m.absolute)}, ${num(m.relative)});`);
  }' "$CATALOG/instruments.json")
# derived QUERY: QUERY over the tables below, built from the database.
derived() {
  sqlite3 :memory: <<SQL
ATTACH '$TOUCHSTONE_DB' AS c;
CREATE TABLE mcid (instrument TEXT PRIMARY KEY, higher_worse INT, lo REAL,
                   hi REAL, absolute REAL, relative REAL);
$mcid_rows
CREATE TABLE bar AS SELECT name, value FROM c.designation_threshold;
-- Every closed episode x catalog instrument with its three scores' rows.
CREATE TABLE pick AS
WITH pairs AS (
  SELECT DISTINCT e.id AS episode, e.practitioner_id AS practitioner,
         e.protocol_id AS protocol, e.ended_on, o.instrument
  FROM c.episode e JOIN c.observation o ON o.episode_id = e.id
  JOIN mcid m ON m.instrument = o.instrument
  WHERE e.ended_on IS NOT NULL),
based AS (
  SELECT p.*, coalesce(
    (SELECT o.id FROM c.observation o WHERE o.episode_id = p.episode
       AND o.instrument = p.instrument AND o.timepoint = 'baseline'
     ORDER BY o.observed_at, o.id LIMIT 1),
    (SELECT o.id FROM c.observation o WHERE o.episode_id = p.episode
       AND o.instrument = p.instrument AND o.timepoint = 'pre'
       AND o.session_id = (SELECT s.id FROM c.session s
                           WHERE s.episode_id = p.episode
                           ORDER BY s.started_at, s.id LIMIT 1)
     ORDER BY o.observed_at, o.id LIMIT 1)) AS baseline_id
  FROM pairs p)
SELECT b.*, coalesce(
    (SELECT o.id FROM c.observation o WHERE o.episode_id = b.episode
       AND o.instrument = b.instrument AND o.timepoint = 'post'
     ORDER BY o.observed_at DESC, o.id DESC LIMIT 1),
    (SELECT o.id FROM c.observation o WHERE o.episode_id = b.episode
       AND o.instrument = b.instrument AND o.timepoint = 'pre'
       AND o.id IS NOT b.baseline_id
     ORDER BY o.observed_at DESC, o.id DESC LIMIT 1)) AS discharge_id,
  (SELECT o.id FROM c.observation o WHERE o.episode_id = b.episode
     AND o.instrument = b.instrument AND o.timepoint = 'followup'
     AND julianday(substr(o.observed_at, 1, 10)) - julianday(b.ended_on) >= 28
   ORDER BY o.observed_at, o.id LIMIT 1) AS followup_id
FROM based b;
-- Complete episodes: improvement and responder at discharge and follow-up.
CREATE TABLE scored AS
SELECT k.practitioner, k.protocol, k.instrument, k.episode,
       m.absolute IS NOT NULL OR m.relative IS NOT NULL AS published,
       CASE WHEN m.higher_worse THEN b.total - d.total ELSE d.total - b.total END AS improvement,
       CASE WHEN f.id IS NULL THEN NULL
            WHEN m.higher_worse THEN b.total - f.total ELSE f.total - b.total END AS kept,
       CASE WHEN m.higher_worse THEN b.total - m.lo ELSE m.hi - b.total END AS room,
       m.absolute, m.relative, f.id IS NOT NULL AS followed
FROM pick k JOIN mcid m ON m.instrument = k.instrument
JOIN c.observation b ON b.id = k.baseline_id
JOIN c.observation d ON d.id = k.discharge_id
LEFT JOIN c.observation f ON f.id = k.followup_id;
CREATE TABLE responded AS
SELECT s.*,
  coalesce(s.improvement >= s.absolute - 1e-9, 0)
    OR (s.room > 0 AND coalesce(s.improvement / s.room >= s.relative - 1e-9, 0)) AS responder,
  coalesce(s.kept >= s.absolute - 1e-9, 0)
    OR (s.room > 0 AND coalesce(s.kept / s.room >= s.relative - 1e-9, 0)) AS holds
FROM scored s;
CREATE TABLE cell AS
SELECT practitioner, protocol, instrument, max(published) AS published,
       count(*) AS n, sum(responder) AS responders,
       sum(followed) AS followups,
       sum(responder AND followed) AS followed_responders,
       sum(responder AND followed AND holds) AS sustained
FROM responded GROUP BY practitioner, protocol, instrument;
-- Could the group's risk model be fitted?
CREATE TABLE risk AS
SELECT s.protocol, s.instrument, count(*) AS n, count(DISTINCT p.sex) AS sexes
FROM scored s JOIN c.episode e ON e.id = s.episode
JOIN c.patient p ON p.id = e.patient_id
WHERE p.birth_date IS NOT NULL AND p.sex IS NOT NULL
  AND e.chronicity_weeks IS NOT NULL AND e.comorbidities IS NOT NULL
GROUP BY s.protocol, s.instrument;
$1
SQL
}
# Every cell's size, responders and follow-ups ("-" without an MCID).
expected_cells=$(derived "SELECT group_concat(label, ' ') FROM (
  SELECT practitioner || ':' || protocol || ':' || instrument || ':' || n ||
         ':' || CASE WHEN published THEN responders ELSE '-' END || ':' ||
         followups AS label
  FROM cell ORDER BY protocol, instrument, practitioner);")
expected=$(derived "SELECT group_concat(label, ' ') FROM (
  SELECT c.practitioner || ':' || c.protocol || ':' || c.instrument || ':' ||
         CASE WHEN coalesce(r.n, 0) >= max((SELECT value FROM bar WHERE name = 'model_min_per_predictor') * (3 + r.sexes), 5 + r.sexes)
              THEN 'undetermined' ELSE 'reproducible' END AS label
  FROM cell c LEFT JOIN risk r USING (protocol, instrument)
  WHERE c.published
    AND c.n >= (SELECT value FROM bar WHERE name = 'min_episodes')
    AND ((c.responders * 1.0 / c.n) + 1.959964 * 1.959964 / (2 * c.n)
         - 1.959964 * sqrt((c.responders * 1.0 / c.n) * (1 - c.responders * 1.0 / c.n) / c.n
                           + 1.959964 * 1.959964 / (4.0 * c.n * c.n)))
        / (1 + 1.959964 * 1.959964 / c.n)
        >= (SELECT value FROM bar WHERE name = 'responder_lower_bound')
    AND c.followed_responders > 0
    AND c.sustained * 1.0 / c.followed_responders >= (SELECT value FROM bar WHERE name = 'sustained_rate')
    AND c.followups * 1.0 / c.n >= (SELECT value FROM bar WHERE name = 'followup_coverage')
  ORDER BY c.protocol, c.instrument, c.practitioner);")
[ -n "$expected" ] || fail "the rule designates no cell of the demo clinic"
! grep -q undetermined <<<"$expected" || fail "a designated cell's group could be risk-adjusted; this test derives only unadjusted designations: $expected"
expect_ok ts --json report registry
assert_eq "$(json 'this.cells.filter(c=>c.designation!="none").map(c=>[c.practitioner,c.protocol,c.instrument,c.designation].join(":")).join(" ")')" \
  "$expected"
assert_eq "$(json 'this.cells.map(c=>[c.practitioner,c.protocol,c.instrument,c.n,c.responder_rate===null?"-":Math.round(c.responder_rate*c.n),Math.round(c.followup_coverage*c.n)].join(":")).join(" ")')" \
  "$expected_cells" "cells"
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
