-- The summary of one pricing run. $1 — pricing_runs.id.
-- Output columns: decisions (jsonb: decision -> count), status, batches, workers,
--                 aggregates_seconds (started_at … refreshed_at: the 24 h aggregates before the decisions).
SELECT decisions, status::text AS status, batches, workers,
       coalesce(extract(epoch FROM refreshed_at - started_at), 0)::float8 AS aggregates_seconds
FROM pricing_runs
WHERE id = $1
