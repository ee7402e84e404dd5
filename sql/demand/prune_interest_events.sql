-- Хранение сырых событий -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION prune_interest_events(p_now timestamptz, p_retention interval, p_batch integer DEFAULT 50000)
RETURNS TABLE (views_deleted bigint, dedup_deleted bigint, activity_deleted bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_cutoff timestamptz;
BEGIN
    IF p_retention < interval '2 days' THEN
        RAISE EXCEPTION 'retention % is shorter than 2 days: the 24 h demand window still needs those events', p_retention
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Никогда не удаляем то, что может вычесть следующий инкрементальный пересчёт (окно прошлого пересчёта).
    SELECT least(p_now - p_retention, coalesce(s.window_end, p_now) - interval '25 hours')
    INTO v_cutoff FROM demand_aggregation_state s;

    RETURN QUERY
    WITH old_views AS (
        DELETE FROM views_log v
        WHERE v.id IN (SELECT o.id FROM views_log o WHERE o.occurred_at < v_cutoff ORDER BY o.occurred_at LIMIT p_batch)
        RETURNING 1
    ),
    old_dedup AS (
        DELETE FROM view_dedup d WHERE d.counted_at < p_now - interval '1 day' RETURNING 1
    ),
    old_activity AS (
        DELETE FROM visitor_activity a WHERE a.minute < p_now - interval '1 hour' RETURNING 1
    )
    SELECT (SELECT count(*) FROM old_views), (SELECT count(*) FROM old_dedup), (SELECT count(*) FROM old_activity);
END;
$$;
COMMENT ON FUNCTION prune_interest_events(timestamptz, interval, integer) IS
    'Ежеминутная уборка: не больше p_batch событий views_log старше срока хранения (по индексу occurred_at, '
    'не ближе 25 ч к окну прошлого пересчёта спроса), записи окна повторов старше суток и частоты старше часа';
