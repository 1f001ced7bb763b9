-- The national report's aggregates in SQL, for bench/registry: over every
-- approved clinic's complete summaries, per protocol x instrument x
-- registry practitioner (n, mean and sample SD of the improvement,
-- responder rate, follow-up coverage), and per protocol x instrument (the
-- group's n, mean and SD). No risk model, funnel, shrinkage, designation
-- or disclosure control: those are the report's alone. One row per cell
-- or group (practitioner label empty for a group), comma-separated.
SELECT o.protocol, o.instrument, coalesce(p.label, ''),
       count(*) AS n,
       avg(o.improvement) AS mean_improvement,
       stddev_samp(o.improvement) AS sd_improvement,
       avg(o.responder) AS responder_rate,
       avg(o.has_followup) AS followup_coverage
FROM registry_outcome o
JOIN registry_clinic c ON c.id = o.clinic_id AND c.status = 'approved'
JOIN registry_practitioner p ON p.id = o.practitioner_id
WHERE o.complete = 1
GROUP BY GROUPING SETS ((o.protocol, o.instrument, p.label),
                        (o.protocol, o.instrument))
ORDER BY 1, 2, 3;
