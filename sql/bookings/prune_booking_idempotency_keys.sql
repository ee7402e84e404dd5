-- Ключи идемпотентности брони не копятся вечно ----------------------------------------------------------------
CREATE OR REPLACE FUNCTION prune_booking_idempotency_keys(p_now timestamptz, p_ttl interval, p_batch integer DEFAULT 10000)
RETURNS bigint
LANGUAGE sql AS $$
    WITH old AS (
        SELECT k.id FROM booking_idempotency_keys k
        WHERE k.created_at < p_now - p_ttl
        ORDER BY k.created_at
        LIMIT p_batch
        FOR UPDATE SKIP LOCKED
    ),
    deleted AS (
        DELETE FROM booking_idempotency_keys k USING old WHERE k.id = old.id RETURNING 1
    )
    SELECT count(*) FROM deleted
$$;
COMMENT ON FUNCTION prune_booking_idempotency_keys(timestamptz, interval, integer) IS
    'Ежеминутно: удаляет ключи Idempotency-Key брони старше p_ttl (BOOKING_IDEMPOTENCY_KEY_TTL_HOURS), не больше '
    'p_batch за раз, по индексу created_at; повтор запроса с забытым ключом создаёт новую бронь. Возвращает число удалённых';
