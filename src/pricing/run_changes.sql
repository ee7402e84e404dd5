-- Every price the run changed, by apartment. $1 — pricing_runs.id.
-- Output columns: apartment_id, decision (raise | lower), old_price, new_price, explanation.
SELECT apartment_id,
       CASE WHEN new_price > old_price THEN 'raise' ELSE 'lower' END AS decision,
       old_price, new_price, explanation
FROM price_history
WHERE pricing_run_id = $1 AND reason = 'dynamic'
ORDER BY apartment_id
