-- One pricing pass, answered as its changes with the run summary repeated on every row
-- (one row with NULL apartment when nothing changed).
-- Parameters: $1 now (NULL = now()), $2 dry_run, $3 trigger, $4 elasticity ceiling, $5 max shift ceiling,
--             $6 scheduled slot, $7 started_by.
-- Output columns: run_id, skipped_reason, decisions (jsonb: decision -> count), apartment_id, decision,
--                 old_price, new_price, explanation.
WITH pass AS MATERIALIZED (
    SELECT *
    FROM reprice_apartments(
        p_now                => coalesce($1::timestamptz, now()),
        p_dry_run            => $2,
        p_trigger            => $3::text::pricing_trigger,
        p_elasticity_ceiling => $4,
        p_max_shift_ceiling  => $5,
        p_scheduled_for      => $6,
        p_started_by         => $7)
),
counted AS (
    SELECT decision, count(*) AS total FROM pass WHERE decision <> 'skipped' GROUP BY decision
),
summary AS (
    SELECT (SELECT max(run_id) FROM pass)                                      AS run_id,
           (SELECT max(explanation) FROM pass WHERE decision = 'skipped')      AS skipped_reason,
           coalesce((SELECT jsonb_object_agg(decision, total) FROM counted), '{}') AS decisions
)
SELECT s.run_id, s.skipped_reason, s.decisions,
       p.apartment_id, p.decision::text AS decision, p.old_price, p.new_price, p.explanation
FROM summary s
LEFT JOIN pass p ON p.decision IN ('raise', 'lower')
ORDER BY p.apartment_id
