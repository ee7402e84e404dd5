-- The summary of one pricing run. $1 — pricing_runs.id.
-- Output columns: decisions (jsonb: decision -> count), status, batches, workers,
--                 aggregates_seconds (started_at … planned_at: the 24 h aggregates before the batches).
SELECT decisions, status::text AS status, batches, workers,
       coalesce(extract(epoch FROM planned_at - started_at), 0)::float8 AS aggregates_seconds
FROM pricing_runs
WHERE id = $1
