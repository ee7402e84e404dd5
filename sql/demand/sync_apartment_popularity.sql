-- Переносит популярность в apartment_popularity после цикла цен (не в пересчёте счётчиков: обновление строки с
-- индексируемой популярностью не HOT, ~12 мкс на строку, а минутный цикл на 1 млн квартир и так дольше своей цели
-- в 1 с).
-- Пишет только строки apartment_popularity, поэтому берёт их после строки demand_aggregation_state и не ждёт чужую
-- строку дольше p_lock_timeout (её держит правка квартиры, копии которой идут в порядке квартира → … →
-- apartment_popularity): не дождался — откатывает перенос, список остаётся до следующего цикла.
CREATE OR REPLACE FUNCTION sync_apartment_popularity(p_lock_timeout interval DEFAULT '200 milliseconds')
RETURNS integer
LANGUAGE plpgsql
SET jit = off
AS $$
DECLARE
    v_previous_lock_timeout text := current_setting('lock_timeout');
    v_pending               bigint[];
    v_synced                integer;
BEGIN
    PERFORM set_config('lock_timeout', (extract(epoch FROM p_lock_timeout) * 1000)::bigint::text, true);
    BEGIN
        SELECT popularity_pending INTO v_pending FROM demand_aggregation_state FOR UPDATE;
        WITH pending AS (
            SELECT DISTINCT p.apartment_id FROM unnest(v_pending) AS p (apartment_id)
        ),
        current AS (
            SELECT s.apartment_id, popularity_24h(s.views_24h, s.leads_24h, s.bookings_24h) AS popularity
            FROM pending p
            JOIN apartment_stats s ON s.apartment_id = p.apartment_id
        )
        UPDATE apartment_popularity o
        SET popularity = c.popularity
        FROM current c
        WHERE o.apartment_id = c.apartment_id AND o.popularity <> c.popularity;
        GET DIAGNOSTICS v_synced = ROW_COUNT;
        UPDATE demand_aggregation_state SET popularity_pending = '{}';
    EXCEPTION WHEN lock_not_available THEN
        RAISE NOTICE 'sync_apartment_popularity: строка занята дольше %, перенос — в следующем цикле', p_lock_timeout;
        v_synced := NULL;
    END;
    PERFORM set_config('lock_timeout', v_previous_lock_timeout, true);
    RETURN v_synced;
END;
$$;
COMMENT ON FUNCTION sync_apartment_popularity(interval) IS
    'Переносит popularity_24h(…) квартир из demand_aggregation_state.popularity_pending (их счётчики изменились) в '
    'apartment_popularity и очищает список; возвращает число изменённых строк, NULL — если чужая строка держалась '
    'дольше p_lock_timeout (список остаётся). Вызывает цикл цен после прохода';
