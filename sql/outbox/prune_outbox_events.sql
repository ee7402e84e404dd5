CREATE OR REPLACE FUNCTION prune_outbox_events(p_published_before timestamptz) RETURNS bigint
LANGUAGE sql AS $$
    WITH pruned AS (
        DELETE FROM outbox_events e
         WHERE e.published_at < p_published_before
        RETURNING 1
    )
    SELECT count(*) FROM pruned
$$;
COMMENT ON FUNCTION prune_outbox_events(timestamptz) IS
    'Удаляет события, опубликованные раньше p_published_before (now() − OUTBOX_RETENTION_HOURS); неопубликованные не '
    'трогает никогда. Возвращает число удалённых';
