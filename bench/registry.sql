-- The registry report as a user would write it without Touchstone: one
-- aggregate query over the record's own tables (episode, session,
-- observation), run by the sqlite3 shell on the registry database and by
-- DuckDB on the same tables exported as CSV (bench/duckdb.mjs defines
-- julianday() for DuckDB; the SQL is in the dialect both share). bench/run
-- puts the instruments' MCIDs, from
-- `touchstone --json instrument list`, into the VALUES of mcid below.
--
-- It computes, for every cell (practitioner x protocol x instrument) of
-- complete episodes: n, mean improvement and its 95% CI, SRM, responder
-- rate with its Wilson 95% CI, sustained rate, follow-up coverage, a risk
-- adjustment, and 95% / 99.8% funnel limits. It does less than Touchstone's
-- report (docs/outcomes.md): the risk model here has the baseline score as
-- its only term (Touchstone fits baseline, age, sex, chronicity and
-- comorbidities by least squares), and there is no Kaplan-Meier median, no
-- overdispersion, no shrinkage and no designation. The comparison is
-- therefore generous to the alternative.
WITH mcid(instrument, direction, absolute, relative, total_min, total_max)
  AS (VALUES @MCID@),
first_session AS (
  SELECT episode_id, id FROM (
    SELECT episode_id, id,
           row_number() OVER (PARTITION BY episode_id
                              ORDER BY started_at, id) AS k
    FROM session) AS s WHERE k = 1),
-- Baseline: the first 'baseline', else the first 'pre' of the first
-- session; discharge: the last 'post', else the last 'pre' that is not the
-- baseline (docs/outcomes.md).
base AS (
  SELECT o.episode_id, o.instrument, o.total, o.id,
         row_number() OVER (PARTITION BY o.episode_id, o.instrument
                            ORDER BY CASE WHEN o.timepoint = 'baseline'
                                          THEN 0 ELSE 1 END,
                                     o.observed_at, o.id) AS k
  FROM observation o
  LEFT JOIN first_session fs ON fs.episode_id = o.episode_id
  WHERE o.timepoint = 'baseline'
     OR (o.timepoint = 'pre' AND o.session_id = fs.id)),
dis AS (
  SELECT o.episode_id, o.instrument, o.total,
         row_number() OVER (PARTITION BY o.episode_id, o.instrument
                            ORDER BY CASE WHEN o.timepoint = 'post'
                                          THEN 0 ELSE 1 END,
                                     o.observed_at DESC, o.id DESC) AS k
  FROM observation o
  JOIN base b ON b.episode_id = o.episode_id
             AND b.instrument = o.instrument AND b.k = 1
  WHERE o.timepoint = 'post' OR (o.timepoint = 'pre' AND o.id <> b.id)),
fu AS (
  SELECT o.episode_id, o.instrument, o.total,
         row_number() OVER (PARTITION BY o.episode_id, o.instrument
                            ORDER BY o.observed_at, o.id) AS k
  FROM observation o JOIN episode e ON e.id = o.episode_id
  WHERE o.timepoint = 'followup'
    AND julianday(substr(o.observed_at, 1, 10)) - julianday(e.ended_on) >= 28),
ep AS (
  SELECT e.practitioner_id, e.protocol_id, b.instrument, b.total AS baseline,
         d.total AS discharge, f.total AS followup, m.absolute, m.relative,
         m.direction,
         CASE WHEN m.direction < 0 THEN b.total - d.total
              ELSE d.total - b.total END AS improvement,
         CASE WHEN m.direction < 0 THEN b.total - m.total_min
              ELSE m.total_max - b.total END AS room,
         CASE WHEN f.total IS NULL THEN NULL
              WHEN m.direction < 0 THEN b.total - f.total
              ELSE f.total - b.total END AS improvement_followup
  FROM episode e
  JOIN base b ON b.episode_id = e.id AND b.k = 1
  JOIN dis d ON d.episode_id = e.id AND d.instrument = b.instrument
            AND d.k = 1
  LEFT JOIN fu f ON f.episode_id = e.id AND f.instrument = b.instrument
            AND f.k = 1
  JOIN mcid m ON m.instrument = b.instrument
  WHERE e.ended_on IS NOT NULL),
scored AS (
  SELECT *,
         CASE WHEN absolute IS NULL AND relative IS NULL THEN NULL
              WHEN improvement >= absolute - 1e-9 THEN 1.0
              WHEN relative IS NOT NULL AND room > 0
                   AND improvement / room >= relative - 1e-9 THEN 1.0
              ELSE 0.0 END AS responder,
         CASE WHEN improvement_followup IS NULL THEN NULL
              WHEN improvement_followup >= absolute - 1e-9 THEN 1.0
              WHEN relative IS NOT NULL AND room > 0
                   AND improvement_followup / room >= relative - 1e-9 THEN 1.0
              ELSE 0.0 END AS responder_followup
  FROM ep),
model AS (
  SELECT protocol_id, instrument, avg(improvement) AS my,
         avg(baseline) AS mx,
         (avg(improvement * baseline) - avg(improvement) * avg(baseline)) /
           nullif(avg(baseline * baseline) - avg(baseline) * avg(baseline), 0)
           AS slope
  FROM scored GROUP BY protocol_id, instrument),
residual AS (
  SELECT s.*, s.improvement - (m.my + coalesce(m.slope, 0) *
                               (s.baseline - m.mx)) AS r
  FROM scored s JOIN model m ON m.protocol_id = s.protocol_id
                            AND m.instrument = s.instrument),
sigma AS (
  SELECT protocol_id, instrument,
         sqrt(avg(r * r) - avg(r) * avg(r)) AS sigma
  FROM residual GROUP BY protocol_id, instrument),
cells AS (
  SELECT practitioner_id, protocol_id, instrument, count(*) AS n,
         avg(improvement) AS mean,
         sqrt(CASE WHEN count(*) > 1
                   AND avg(improvement * improvement) >
                       avg(improvement) * avg(improvement)
              THEN (avg(improvement * improvement) -
                    avg(improvement) * avg(improvement)) * count(*) /
                   (count(*) - 1)
              ELSE 0 END) AS sd,
         avg(responder) AS rate, sum(responder) AS responders,
         count(responder) AS rated,
         avg(r) AS observed_minus_expected,
         sum(CASE WHEN responder = 1 AND responder_followup IS NOT NULL
                  THEN responder_followup END) AS sustained,
         sum(CASE WHEN responder = 1 AND responder_followup IS NOT NULL
                  THEN 1 END) AS sustained_of,
         avg(CASE WHEN followup IS NOT NULL THEN 1.0 ELSE 0.0 END)
           AS followup_coverage
  FROM residual GROUP BY practitioner_id, protocol_id, instrument)
SELECT c.practitioner_id, c.protocol_id, c.instrument, c.n, c.mean,
       c.mean - 1.959964 * c.sd / sqrt(c.n) AS mean_lower95,
       c.mean + 1.959964 * c.sd / sqrt(c.n) AS mean_upper95,
       c.mean / nullif(c.sd, 0) AS srm,
       c.rate,
       (c.rate + 1.920982 / c.rated -
        1.959964 * sqrt(c.rate * (1 - c.rate) / c.rated +
                        0.960491 / (c.rated * c.rated))) /
         (1 + 3.841459 / c.rated) AS rate_lower95,
       (c.rate + 1.920982 / c.rated +
        1.959964 * sqrt(c.rate * (1 - c.rate) / c.rated +
                        0.960491 / (c.rated * c.rated))) /
         (1 + 3.841459 / c.rated) AS rate_upper95,
       c.sustained * 1.0 / c.sustained_of AS sustained_rate,
       c.followup_coverage, c.observed_minus_expected,
       -3.090232 * g.sigma / sqrt(c.n) AS funnel_lower998,
       -1.959964 * g.sigma / sqrt(c.n) AS funnel_lower95,
       1.959964 * g.sigma / sqrt(c.n) AS funnel_upper95,
       3.090232 * g.sigma / sqrt(c.n) AS funnel_upper998
FROM cells c JOIN sigma g ON g.protocol_id = c.protocol_id
                         AND g.instrument = c.instrument
ORDER BY c.protocol_id, c.instrument, c.practitioner_id;
