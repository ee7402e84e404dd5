-- Спрос без помеченных зрителей: полная и инкрементальная версии ------------------------------------
CREATE OR REPLACE FUNCTION rebuild_apartment_stats(p_now timestamptz DEFAULT now()) RETURNS void
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
BEGIN
    PERFORM 1 FROM demand_aggregation_state FOR UPDATE;
    TRUNCATE apartment_stats;
    WITH snapshot AS MATERIALIZED (
        SELECT pg_current_snapshot() AS taken
    ),
    counts AS (
        SELECT apartment_id, sum(views) AS views, sum(favourites) AS favourites,
               sum(leads) AS leads, sum(bookings) AS bookings
        FROM (
            SELECT v.apartment_id,
                   count(*) FILTER (WHERE v.event = 'view')      AS views,
                   count(*) FILTER (WHERE v.event = 'favourite') AS favourites,
                   0 AS leads, 0 AS bookings
            FROM views_log v
            WHERE v.occurred_at > p_now - interval '24 hours'
              AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = v.viewer AND f.flagged)
            GROUP BY v.apartment_id
            UNION ALL
            SELECT l.apartment_id, 0, 0, count(*), 0 FROM leads l
            WHERE l.created_at > p_now - interval '24 hours' AND l.created_at <= p_now
              AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = l.viewer AND f.flagged)
            GROUP BY l.apartment_id
            UNION ALL
            SELECT apartment_id, 0, 0, 0, count(*) FROM bookings
            WHERE booked_at > p_now - interval '24 hours' AND booked_at <= p_now GROUP BY apartment_id
        ) per_source
        GROUP BY apartment_id
    ),
    inserted AS (
        INSERT INTO apartment_stats (apartment_id, views_24h, favourites_24h, leads_24h, bookings_24h, updated_at,
                                     project_id, rooms, on_sale, published_at, base_price, current_price,
                                     price_changed_at, last_booked_at)
        SELECT a.id, coalesce(c.views, 0), coalesce(c.favourites, 0), coalesce(c.leads, 0), coalesce(c.bookings, 0), p_now,
               a.project_id, a.rooms, a.status = 'available' AND a.moderation_status = 'published', a.published_at,
               a.base_price, a.current_price, a.price_changed_at, a.last_booked_at
        FROM apartments a
        LEFT JOIN counts c ON c.apartment_id = a.id
    )
    UPDATE demand_aggregation_state
    SET folded_snapshot = (SELECT taken FROM snapshot), window_end = p_now, refreshed_at = clock_timestamp();
    -- Популярность переносит sync_apartment_popularity: все квартиры, у которых она могла измениться.
    UPDATE demand_aggregation_state
    SET popularity_pending = ARRAY(SELECT o.apartment_id FROM apartment_popularity o
                                    WHERE o.popularity <> 0
                                   UNION
                                   SELECT s.apartment_id FROM apartment_stats s
                                    WHERE s.views_24h > 0 OR s.leads_24h > 0 OR s.bookings_24h > 0);
    ANALYZE apartment_stats;
END;
$$;
COMMENT ON FUNCTION rebuild_apartment_stats(timestamptz) IS
    'Полный пересчёт apartment_stats с нуля (первый запуск, сверка, восстановление): счётчики из событий за 24 ч '
    '(без событий и заявок помеченных зрителей) и копия полей apartments; квартиры, чья популярность могла '
    'измениться, — в demand_aggregation_state.popularity_pending. Дорого: читает все события за 24 ч';
