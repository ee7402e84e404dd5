-- Ежечасная свёртка аналитики (задача src/jobs/analytics.rs). Одна транзакция, одна свёртка за раз
-- (pg_try_advisory_xact_lock: занято — пропуск). Шаги:
--   1. какие сутки (Москва) пересчитать: с прошлой свёртки (минус час на долгие транзакции) по сегодня, сутки
--      событий, закоммиченных после прошлого снимка (recorded_xid не виден в folded_snapshot: запоздавшие события
--      из пакетов фронтенда), и сутки событий зрителей, чья пометка накрутки сменилась; первая свёртка — все сутки;
--      сутки раньше p_keep_from (+1 день) не пересчитываются: их сырые события уже могли быть удалены уборкой;
--   2. analytics_daily_demand этих суток — удалить и вставить заново одним оператором по событиям только этих суток;
--   3. analytics_daily_supply — снимок предложения на сегодня;
--   4. analytics_price_responses — изменения цены, после которых прошло 24 ч, ещё не свёрнутые (водяной знак);
--   5. REFRESH MATERIALIZED VIEW CONCURRENTLY analytics_market_monthly.
CREATE OR REPLACE FUNCTION refresh_analytics(p_now timestamptz DEFAULT now(), p_keep_from timestamptz DEFAULT NULL)
RETURNS TABLE (skipped boolean, days_refolded integer, responses_added integer, took_ms integer)
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
DECLARE
    v_state     analytics_refresh_state;
    v_started   timestamptz := clock_timestamp();
    v_snapshot  pg_snapshot := pg_current_snapshot();
    v_today     date        := (p_now AT TIME ZONE 'Europe/Moscow')::date;
    v_first_day date        := (p_keep_from AT TIME ZONE 'Europe/Moscow')::date + 1;
    v_days      date[];
    v_from      timestamptz;
    v_to        timestamptz;
    v_until     timestamptz := p_now - interval '24 hours';
    v_responses integer;
    v_took_ms   integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('refresh_analytics')) THEN
        RETURN QUERY SELECT true, 0, 0, 0;
        RETURN;
    END IF;
    SELECT * INTO v_state FROM analytics_refresh_state FOR UPDATE;

    -- 1. Сутки к пересчёту.
    IF v_state.folded_snapshot IS NULL THEN
        SELECT coalesce(array_agg(d ORDER BY d), '{}') INTO v_days
        FROM (SELECT (occurred_at AT TIME ZONE 'Europe/Moscow')::date FROM views_log
              UNION SELECT (created_at AT TIME ZONE 'Europe/Moscow')::date FROM leads
              UNION SELECT (booked_at AT TIME ZONE 'Europe/Moscow')::date FROM bookings
              UNION SELECT (occurred_at AT TIME ZONE 'Europe/Moscow')::date FROM booking_events
              UNION SELECT (changed_at AT TIME ZONE 'Europe/Moscow')::date FROM price_history WHERE reason = 'dynamic'
             ) AS touched (d)
        WHERE d <= v_today AND (v_first_day IS NULL OR d >= v_first_day);
    ELSE
        SELECT coalesce(array_agg(d ORDER BY d), '{}') INTO v_days
        FROM (SELECT generate_series(((least(v_state.refreshed_at, p_now) - interval '1 hour')
                                      AT TIME ZONE 'Europe/Moscow')::date, v_today, interval '1 day')::date
              UNION
              SELECT (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date FROM views_log v
               WHERE v.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(v.recorded_xid, v_state.folded_snapshot)
              UNION
              SELECT (l.created_at AT TIME ZONE 'Europe/Moscow')::date FROM leads l
               WHERE l.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(l.recorded_xid, v_state.folded_snapshot)
              UNION
              SELECT (b.booked_at AT TIME ZONE 'Europe/Moscow')::date FROM bookings b
               WHERE b.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(b.recorded_xid, v_state.folded_snapshot)
              UNION
              SELECT (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date
                FROM flagged_visitors f JOIN views_log v ON v.viewer = f.viewer
               WHERE f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot)
              UNION
              SELECT (l.created_at AT TIME ZONE 'Europe/Moscow')::date
                FROM flagged_visitors f JOIN leads l ON l.viewer = f.viewer
               WHERE f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot)
             ) AS touched (d)
        WHERE d <= v_today AND (v_first_day IS NULL OR d >= v_first_day);
    END IF;

    -- 2. Воронка этих суток: факты по квартире и суткам, затем ячейка «ЖК × корпус × комнатность».
    IF cardinality(v_days) > 0 THEN
        v_from := (v_days[1]::timestamp AT TIME ZONE 'Europe/Moscow');
        v_to   := ((v_days[cardinality(v_days)] + 1)::timestamp AT TIME ZONE 'Europe/Moscow');
        DELETE FROM analytics_daily_demand WHERE day = ANY (v_days);
        INSERT INTO analytics_daily_demand (day, project_id, building_id, rooms, views, unique_visitors, favourites,
                                            leads, bookings, confirmed, sold, cancelled, expired, deals_price_sum,
                                            deals_area_sum, flagged_views, flagged_leads, price_raises, price_lowers,
                                            raise_pct_sum, lower_pct_sum, refreshed_at)
        WITH facts AS (
            SELECT (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date AS day, v.apartment_id,
                   CASE WHEN v.event = 'view' AND f.viewer IS NULL THEN 1 ELSE 0 END      AS views,
                   CASE WHEN v.event = 'view' AND f.viewer IS NULL THEN v.viewer END      AS viewer,
                   CASE WHEN v.event = 'favourite' AND f.viewer IS NULL THEN 1 ELSE 0 END AS favourites,
                   CASE WHEN v.event = 'view' AND f.viewer IS NOT NULL THEN 1 ELSE 0 END  AS flagged_views,
                   0 AS leads, 0 AS flagged_leads, 0 AS bookings, 0 AS confirmed, 0 AS sold, 0 AS cancelled,
                   0 AS expired, 0::numeric AS deal_price, 0::numeric AS deal_area,
                   0 AS raises, 0 AS lowers, 0::numeric AS raise_pct, 0::numeric AS lower_pct
            FROM views_log v
            LEFT JOIN flagged_visitors f ON f.viewer = v.viewer AND f.flagged
            WHERE v.occurred_at >= v_from AND v.occurred_at < v_to
              AND (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
            UNION ALL
            SELECT (l.created_at AT TIME ZONE 'Europe/Moscow')::date, l.apartment_id, 0, NULL, 0, 0,
                   CASE WHEN f.viewer IS NULL THEN 1 ELSE 0 END, CASE WHEN f.viewer IS NULL THEN 0 ELSE 1 END,
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            FROM leads l
            LEFT JOIN flagged_visitors f ON f.viewer = l.viewer AND f.flagged
            WHERE l.created_at >= v_from AND l.created_at < v_to
              AND (l.created_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
            UNION ALL
            SELECT (b.booked_at AT TIME ZONE 'Europe/Moscow')::date, b.apartment_id, 0, NULL, 0, 0, 0, 0,
                   1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            FROM bookings b
            WHERE b.booked_at >= v_from AND b.booked_at < v_to
              AND (b.booked_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
            UNION ALL
            SELECT (e.occurred_at AT TIME ZONE 'Europe/Moscow')::date, b.apartment_id, 0, NULL, 0, 0, 0, 0, 0,
                   (e.action = 'confirmed')::integer, (e.action = 'sold')::integer,
                   (e.action = 'cancelled')::integer, (e.action = 'expired')::integer,
                   CASE WHEN e.action = 'sold' THEN b.price ELSE 0 END,
                   CASE WHEN e.action = 'sold' THEN a.area_total ELSE 0 END, 0, 0, 0, 0
            FROM booking_events e
            JOIN bookings b ON b.id = e.booking_id
            JOIN apartments a ON a.id = b.apartment_id
            WHERE e.action IN ('confirmed', 'sold', 'cancelled', 'expired')
              AND e.occurred_at >= v_from AND e.occurred_at < v_to
              AND (e.occurred_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
            UNION ALL
            SELECT (h.changed_at AT TIME ZONE 'Europe/Moscow')::date, h.apartment_id, 0, NULL, 0, 0, 0, 0, 0, 0,
                   0, 0, 0, 0, 0,
                   (h.new_price > h.old_price)::integer, (h.new_price < h.old_price)::integer,
                   CASE WHEN h.new_price > h.old_price THEN (h.new_price - h.old_price) / h.old_price * 100 ELSE 0 END,
                   CASE WHEN h.new_price < h.old_price THEN (h.old_price - h.new_price) / h.old_price * 100 ELSE 0 END
            FROM price_history h
            WHERE h.reason = 'dynamic' AND h.changed_at >= v_from AND h.changed_at < v_to
              AND (h.changed_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
        )
        SELECT x.day, a.project_id, a.building_id, a.rooms,
               sum(x.views), count(DISTINCT x.viewer), sum(x.favourites), sum(x.leads), sum(x.bookings),
               sum(x.confirmed), sum(x.sold), sum(x.cancelled), sum(x.expired), sum(x.deal_price), sum(x.deal_area),
               sum(x.flagged_views), sum(x.flagged_leads), sum(x.raises), sum(x.lowers), sum(x.raise_pct),
               sum(x.lower_pct), p_now
        FROM facts x
        JOIN apartments a ON a.id = x.apartment_id
        GROUP BY x.day, a.project_id, a.building_id, a.rooms;
    END IF;

    -- 3. Снимок предложения на сегодня (переписывается каждый час, прошлые сутки хранят последний снимок).
    DELETE FROM analytics_daily_supply WHERE day = v_today;
    INSERT INTO analytics_daily_supply (day, project_id, rooms, lots_total, lots_on_sale, lots_booked, lots_sold,
                                        area_on_sale, price_sum_on_sale, base_sum_on_sale, new_lots, refreshed_at)
    SELECT v_today, a.project_id, a.rooms,
           count(*),
           count(*) FILTER (WHERE a.status = 'available'),
           count(*) FILTER (WHERE a.status = 'booked'),
           count(*) FILTER (WHERE a.status = 'sold'),
           coalesce(sum(a.area_total) FILTER (WHERE a.status = 'available'), 0),
           coalesce(sum(a.current_price) FILTER (WHERE a.status = 'available'), 0),
           coalesce(sum(a.base_price) FILTER (WHERE a.status = 'available'), 0),
           count(*) FILTER (WHERE (a.published_at AT TIME ZONE 'Europe/Moscow')::date = v_today),
           p_now
    FROM apartments a
    WHERE a.moderation_status = 'published'
    GROUP BY a.project_id, a.rooms;

    -- 4. Отклик на изменения цены, после которых прошли сутки (каждое — один раз).
    v_from := greatest(coalesce(v_state.responses_until, '-infinity'), coalesce(p_keep_from + interval '24 hours', '-infinity'));
    IF v_until > v_from THEN
        INSERT INTO analytics_price_responses (price_history_id, apartment_id, project_id, rooms, changed_at, reason,
                                               old_price, new_price, views_before, views_after, leads_before,
                                               leads_after, overlapped, elasticity)
        SELECT h.id, h.apartment_id, a.project_id, a.rooms, h.changed_at, h.reason, h.old_price, h.new_price,
               counts.views_before, counts.views_after, counts.leads_before, counts.leads_after,
               EXISTS (SELECT 1 FROM price_history o
                        WHERE o.apartment_id = h.apartment_id AND o.id <> h.id
                          AND o.changed_at > h.changed_at - interval '24 hours'
                          AND o.changed_at < h.changed_at + interval '24 hours'),
               round(ln((counts.views_after + 1)::numeric / (counts.views_before + 1))
                     / ln(h.new_price / h.old_price), 4)
        FROM price_history h
        JOIN apartments a ON a.id = h.apartment_id
        CROSS JOIN LATERAL (
            SELECT count(*) FILTER (WHERE v.occurred_at < h.changed_at)::integer  AS views_before,
                   count(*) FILTER (WHERE v.occurred_at >= h.changed_at)::integer AS views_after,
                   (SELECT count(*) FILTER (WHERE l.created_at < h.changed_at)
                      FROM leads l
                     WHERE l.apartment_id = h.apartment_id
                       AND l.created_at >= h.changed_at - interval '24 hours'
                       AND l.created_at < h.changed_at + interval '24 hours'
                       AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = l.viewer AND f.flagged)
                   )::integer AS leads_before,
                   (SELECT count(*) FILTER (WHERE l.created_at >= h.changed_at)
                      FROM leads l
                     WHERE l.apartment_id = h.apartment_id
                       AND l.created_at >= h.changed_at - interval '24 hours'
                       AND l.created_at < h.changed_at + interval '24 hours'
                       AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = l.viewer AND f.flagged)
                   )::integer AS leads_after
            FROM views_log v
            WHERE v.apartment_id = h.apartment_id AND v.event = 'view'
              AND v.occurred_at >= h.changed_at - interval '24 hours'
              AND v.occurred_at < h.changed_at + interval '24 hours'
              AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = v.viewer AND f.flagged)
        ) counts
        WHERE h.changed_at > v_from AND h.changed_at <= v_until
        ON CONFLICT (price_history_id) DO NOTHING;
        GET DIAGNOSTICS v_responses = ROW_COUNT;
    ELSE
        v_responses := 0;
    END IF;

    -- 5. Рынок по месяцам — полный пересчёт из свёрток.
    IF (SELECT ispopulated FROM pg_matviews
         WHERE schemaname = current_schema() AND matviewname = 'analytics_market_monthly') THEN
        REFRESH MATERIALIZED VIEW CONCURRENTLY analytics_market_monthly;
    ELSE
        REFRESH MATERIALIZED VIEW analytics_market_monthly;
    END IF;

    v_took_ms := (extract(epoch FROM clock_timestamp() - v_started) * 1000)::integer;
    UPDATE analytics_refresh_state
       SET folded_snapshot = v_snapshot,
           refreshed_at = p_now,
           responses_until = greatest(v_until, coalesce(responses_until, v_until)),
           days_refolded = cardinality(v_days),
           took_ms = v_took_ms;
    RETURN QUERY SELECT false, cardinality(v_days), v_responses, v_took_ms;
END;
$$;
COMMENT ON FUNCTION refresh_analytics(timestamptz, timestamptz) IS
    'Ежечасная свёртка аналитики: пересчитывает только затронутые сутки analytics_daily_demand, снимок предложения '
    'на сегодня, отклики на изменения цены старше 24 ч и CONCURRENTLY analytics_market_monthly. p_keep_from — граница '
    'хранения сырых событий (now − VIEWS_LOG_RETENTION_DAYS): более ранние сутки не трогаются. Вторая одновременная '
    'свёртка пропускается (skipped)';
