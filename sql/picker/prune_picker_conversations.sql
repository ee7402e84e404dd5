-- Истёкшие разговоры подборщика удаляются вместе с текстами ---------------------------------------------------
CREATE OR REPLACE FUNCTION prune_picker_conversations(p_now timestamptz, p_batch integer DEFAULT 10000)
RETURNS bigint
LANGUAGE sql AS $$
    WITH old AS (
        SELECT c.id FROM picker_conversations c
        WHERE c.expires_at <= p_now
        ORDER BY c.expires_at
        LIMIT p_batch
        FOR UPDATE SKIP LOCKED
    ),
    deleted AS (
        DELETE FROM picker_conversations c USING old WHERE c.id = old.id RETURNING 1
    )
    SELECT count(*) FROM deleted
$$;
COMMENT ON FUNCTION prune_picker_conversations(timestamptz, integer) IS
    'Ежеминутно: удаляет разговоры подборщика с expires_at не позже p_now (не больше p_batch за раз, по индексу '
    'expires_at); сообщения уходят каскадом. Возвращает число удалённых разговоров';
