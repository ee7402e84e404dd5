CREATE OR REPLACE FUNCTION ingest_interest_events(
    p_apartment_ids    bigint[],
    p_user_ids         bigint[],
    p_visitor_ids      text[],
    p_events           interest_event[],
    p_occurred_at      timestamptz[],
    p_dedup_window     interval,
    p_flood_per_minute integer
) RETURNS TABLE (ord integer, outcome text)
LANGUAGE plpgsql AS $$
BEGIN
    -- 1. Частота зрителя (включая повторы) и пометка накрутки. Строки блокируются в порядке зрителя:
    --    параллельные пакеты не ждут друг друга по кругу.
    WITH items AS (
        SELECT * FROM classify_interest_events(p_apartment_ids, p_user_ids, p_visitor_ids, p_events, p_occurred_at)
    ),
    counted AS (
        INSERT INTO visitor_activity AS va (viewer, minute, events)
        SELECT i.viewer, date_trunc('minute', now()), count(*)
        FROM items i
        WHERE i.reject IS NULL
        GROUP BY i.viewer
        ORDER BY i.viewer
        ON CONFLICT (viewer, minute) DO UPDATE SET events = va.events + excluded.events
        RETURNING va.viewer, va.events
    )
    INSERT INTO flagged_visitors AS fv (viewer, peak_events_per_minute)
    SELECT c.viewer, c.events FROM counted c WHERE c.events > p_flood_per_minute
    ORDER BY c.viewer
    ON CONFLICT (viewer) DO UPDATE
        SET flagged                = true,
            peak_events_per_minute = greatest(fv.peak_events_per_minute, excluded.peak_events_per_minute),
            flagged_at             = CASE WHEN fv.flagged THEN fv.flagged_at ELSE now() END,
            changed_xid            = CASE WHEN fv.flagged THEN fv.changed_xid ELSE pg_current_xact_id() END;

    -- 2. Окно повторов и запись: учитывается первое событие пары в пакете, если прошлое учтённое старше окна.
    RETURN QUERY
    WITH items AS (
        SELECT * FROM classify_interest_events(p_apartment_ids, p_user_ids, p_visitor_ids, p_events, p_occurred_at)
    ),
    candidates AS (
        SELECT DISTINCT ON (i.apartment_id, i.viewer, i.event) i.*
        FROM items i
        WHERE i.reject IS NULL
        ORDER BY i.apartment_id, i.viewer, i.event, i.occurred_at, i.ord
    ),
    fresh AS (
        INSERT INTO view_dedup AS d (apartment_id, viewer, event, counted_at)
        SELECT c.apartment_id, c.viewer, c.event, c.occurred_at FROM candidates c
        ORDER BY c.apartment_id, c.viewer, c.event
        ON CONFLICT (apartment_id, viewer, event) DO UPDATE SET counted_at = excluded.counted_at
        WHERE d.counted_at <= excluded.counted_at - p_dedup_window
        RETURNING d.apartment_id, d.viewer, d.event
    ),
    stored AS (
        INSERT INTO views_log (apartment_id, user_id, visitor_id, event, occurred_at)
        SELECT c.apartment_id, c.user_id, c.visitor_id, c.event, c.occurred_at
        FROM candidates c
        JOIN fresh f ON (f.apartment_id, f.viewer, f.event) = (c.apartment_id, c.viewer, c.event)
        RETURNING views_log.apartment_id, views_log.viewer, views_log.event
    )
    SELECT i.ord,
           CASE WHEN i.reject IS NOT NULL THEN i.reject
                WHEN c.ord IS DISTINCT FROM i.ord OR s.apartment_id IS NULL THEN 'duplicate'
                WHEN i.flagged THEN 'flagged'
                ELSE 'counted' END
    FROM items i
    LEFT JOIN candidates c ON (c.apartment_id, c.viewer, c.event) = (i.apartment_id, i.viewer, i.event)
    LEFT JOIN stored s ON (s.apartment_id, s.viewer, s.event) = (i.apartment_id, i.viewer, i.event)
    ORDER BY i.ord;
END;
$$;
COMMENT ON FUNCTION ingest_interest_events(bigint[], bigint[], text[], interest_event[], timestamptz[], interval, integer) IS
    'Принимает пакет событий интереса одним вызовом (массивы одной длины, элемент i — событие i): считает частоту '
    'зрителя и помечает накрутку (> p_flood_per_minute в минуту), отбрасывает повторы пары «квартира × зритель × тип» '
    'в окне p_dedup_window (атомарно через view_dedup) и пишет остальное в views_log. Возвращает исход каждого события: '
    'counted, duplicate, flagged (записано, но не входит в спрос) или причину отказа';
