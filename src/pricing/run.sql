-- The run the current transaction's pass just recorded (reprice_apartments sets pricing.run_id).
-- Output columns: id, decisions (jsonb: decision -> count).
SELECT id, decisions
FROM pricing_runs
WHERE id = nullif(current_setting('pricing.run_id', true), '')::bigint
