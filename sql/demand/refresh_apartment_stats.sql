CREATE OR REPLACE FUNCTION refresh_apartment_stats(p_now timestamptz DEFAULT now()) RETURNS void
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
DECLARE
    v_state    demand_aggregation_state;
    v_start    timestamptz := p_now - interval '24 hours';
    v_snapshot pg_snapshot;
    v_recount  bigint[];
BEGIN
    SELECT * INTO v_state FROM demand_aggregation_state FOR UPDATE;
    IF v_state.folded_snapshot IS NULL OR p_now < v_state.window_end THEN
        PERFORM rebuild_apartment_stats(p_now);
        RETURN;
    END IF;

    -- Квартиры зрителей, чья пометка сменилась после прошлого снимка (события с начала ПРОШЛОГО окна — и те,
    -- что сейчас из него выходят): дельты к ним неприменимы (событие учли при одной пометке, а вычли бы при
    -- другой — счётчик ушёл бы в минус), их пересчитывают точно ниже.
    SELECT coalesce(array_agg(DISTINCT v.apartment_id), '{}') INTO v_recount
    FROM flagged_visitors f
    JOIN views_log v ON v.viewer = f.viewer AND v.occurred_at > v_state.window_end - interval '24 hours'
    WHERE f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
      AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot);

    -- Просмотры и избранное: + события, которых не было в прошлом снимке; − учтённые, что вышли из окна.
    -- События помеченных зрителей не учитываются ни в плюс, ни в минус (смену пометки чинит пересчёт ниже).
    WITH snapshot AS MATERIALIZED (
        SELECT pg_current_snapshot() AS taken
    ),
    deltas AS (
        SELECT v.apartment_id,
               count(*) FILTER (WHERE v.event = 'view')      AS views_delta,
               count(*) FILTER (WHERE v.event = 'favourite') AS favourites_delta
        FROM views_log v
        WHERE v.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
          AND NOT pg_visible_in_snapshot(v.recorded_xid, v_state.folded_snapshot)
          AND v.occurred_at > v_start
          AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = v.viewer AND f.flagged)
        GROUP BY v.apartment_id
        UNION ALL
        SELECT v.apartment_id,
               -count(*) FILTER (WHERE v.event = 'view'),
               -count(*) FILTER (WHERE v.event = 'favourite')
        FROM views_log v
        WHERE v.occurred_at > v_state.window_end - interval '24 hours' AND v.occurred_at <= v_start
          AND pg_visible_in_snapshot(v.recorded_xid, v_state.folded_snapshot)
          AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = v.viewer AND f.flagged)
        GROUP BY v.apartment_id
    ),
    net AS (
        SELECT apartment_id, sum(views_delta) AS views_delta, sum(favourites_delta) AS favourites_delta
        FROM deltas d
        WHERE NOT EXISTS (SELECT 1 FROM unnest(v_recount) AS r (apartment_id) WHERE r.apartment_id = d.apartment_id)
        GROUP BY apartment_id
        HAVING sum(views_delta) <> 0 OR sum(favourites_delta) <> 0
    ),
    updated AS (
        UPDATE apartment_stats s
        SET views_24h      = s.views_24h + net.views_delta,
            favourites_24h = s.favourites_24h + net.favourites_delta,
            updated_at     = p_now
        FROM net
        WHERE s.apartment_id = net.apartment_id
        RETURNING s.apartment_id
    )
    UPDATE demand_aggregation_state
    SET folded_snapshot = (SELECT taken FROM snapshot), window_end = p_now, refreshed_at = clock_timestamp(),
        popularity_pending = popularity_pending || ARRAY(SELECT apartment_id FROM updated)
    RETURNING folded_snapshot INTO v_snapshot;

    -- Зрители, чья пометка сменилась после прошлого снимка: их квартиры пересчитываются точно — по событиям,
    -- видимым в новом снимке (как и дельты выше), без событий помеченных сейчас зрителей.
    WITH changed_viewers AS (
        SELECT f.viewer FROM flagged_visitors f
        WHERE f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
          AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot)
    ),
    touched AS (
        SELECT v.apartment_id
        FROM views_log v
        JOIN changed_viewers c ON c.viewer = v.viewer
        WHERE v.occurred_at > v_state.window_end - interval '24 hours'
        UNION
        SELECT unnest(v_recount)
    ),
    recounted AS (
        SELECT t.apartment_id,
               count(v.apartment_id) FILTER (WHERE v.event = 'view')::integer      AS views,
               count(v.apartment_id) FILTER (WHERE v.event = 'favourite')::integer AS favourites
        FROM touched t
        LEFT JOIN views_log v
               ON v.apartment_id = t.apartment_id AND v.occurred_at > v_start
              AND pg_visible_in_snapshot(v.recorded_xid, v_snapshot)
              AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = v.viewer AND f.flagged)
        GROUP BY t.apartment_id
    ),
    updated AS (
        UPDATE apartment_stats s
        SET views_24h = r.views, favourites_24h = r.favourites, updated_at = p_now
        FROM recounted r
        WHERE s.apartment_id = r.apartment_id
          AND (s.views_24h, s.favourites_24h) IS DISTINCT FROM (r.views, r.favourites)
        RETURNING s.apartment_id
    )
    UPDATE demand_aggregation_state
    SET popularity_pending = popularity_pending || ARRAY(SELECT apartment_id FROM updated);

    -- Заявки и брони: точный пересчёт за 24 ч, но только у квартир, где что-то могло измениться (новые заявки и брони,
    -- плюс квартиры с заявками зрителей, чья пометка сменилась); заявки помеченных зрителей не входят в спрос.
    WITH touched AS (
        SELECT l.apartment_id FROM leads l
        WHERE l.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
          AND NOT pg_visible_in_snapshot(l.recorded_xid, v_state.folded_snapshot)
        UNION
        SELECT l.apartment_id FROM leads l
        WHERE l.created_at > v_state.window_end - interval '24 hours' AND l.created_at <= v_start
        UNION
        SELECT l.apartment_id FROM leads l WHERE l.created_at > v_state.window_end AND l.created_at <= p_now
        UNION
        SELECT l.apartment_id FROM leads l
        JOIN flagged_visitors f ON f.viewer = l.viewer
        WHERE l.created_at > v_state.window_end - interval '24 hours'
          AND f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
          AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot)
        UNION
        SELECT b.apartment_id FROM bookings b
        WHERE b.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
          AND NOT pg_visible_in_snapshot(b.recorded_xid, v_state.folded_snapshot)
        UNION
        SELECT b.apartment_id FROM bookings b
        WHERE b.booked_at > v_state.window_end - interval '24 hours' AND b.booked_at <= v_start
        UNION
        SELECT b.apartment_id FROM bookings b WHERE b.booked_at > v_state.window_end AND b.booked_at <= p_now
    ),
    recounted AS (
        SELECT t.apartment_id,
               (SELECT count(*) FROM leads l
                WHERE l.apartment_id = t.apartment_id AND l.created_at > v_start AND l.created_at <= p_now
                  AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = l.viewer AND f.flagged))::integer AS leads,
               (SELECT count(*) FROM bookings b
                WHERE b.apartment_id = t.apartment_id AND b.booked_at > v_start AND b.booked_at <= p_now)::integer AS bookings
        FROM touched t
    ),
    updated AS (
        UPDATE apartment_stats s
        SET leads_24h = r.leads, bookings_24h = r.bookings, updated_at = p_now
        FROM recounted r
        WHERE s.apartment_id = r.apartment_id
          AND (s.leads_24h, s.bookings_24h) IS DISTINCT FROM (r.leads, r.bookings)
        RETURNING s.apartment_id
    )
    UPDATE demand_aggregation_state
    SET popularity_pending = popularity_pending || ARRAY(SELECT apartment_id FROM updated);
END;
$$;
COMMENT ON FUNCTION refresh_apartment_stats(timestamptz) IS
    'Инкрементально сдвигает 24-часовое окно apartment_stats к p_now (квартиры с изменившимися счётчиками '
    'добавляет в demand_aggregation_state.popularity_pending для sync_apartment_popularity): стоимость зависит от числа новых и '
    'выходящих из окна событий, а не от объёма за 24 ч. События и заявки помеченных зрителей (flagged_visitors) не входят '
    'в спрос; квартиры зрителей, чья пометка сменилась, пересчитываются точно. Если p_now раньше прошлого окна — полный пересчёт';
