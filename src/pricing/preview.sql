-- The dry run: every apartment on sale with the decision the next pass would take, in apartment order; writes
-- nothing. Parameters: $1 now (NULL = now()), $2 elasticity ceiling, $3 max shift ceiling.
-- Output columns: apartment_id, decision, old_price, new_price, explanation.
SELECT apartment_id, decision::text AS decision, old_price, new_price, explanation
FROM reprice_apartments(
    p_now                => coalesce($1::timestamptz, now()),
    p_dry_run            => true,
    p_elasticity_ceiling => $2,
    p_max_shift_ceiling  => $3)
