-- One pricing pass. A real pass answers only its changes (and a `skipped` row if it did not run); its
-- summary is in pricing_runs (see run.sql). A dry run answers every apartment on sale.
-- Parameters: $1 now (NULL = now()), $2 dry_run, $3 trigger, $4 elasticity ceiling, $5 max shift ceiling,
--             $6 scheduled slot, $7 started_by.
-- Output columns: apartment_id, decision, old_price, new_price, explanation.
SELECT apartment_id, decision::text AS decision, old_price, new_price, explanation
FROM reprice_apartments(
    p_now                => coalesce($1::timestamptz, now()),
    p_dry_run            => $2,
    p_trigger            => $3::text::pricing_trigger,
    p_elasticity_ceiling => $4,
    p_max_shift_ceiling  => $5,
    p_scheduled_for      => $6,
    p_started_by         => $7,
    p_changes_only       => NOT $2)
