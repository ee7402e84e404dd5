-- Ежечасная свёртка аналитики (задача src/jobs/analytics.rs). Одна транзакция, одна свёртка за раз
-- (pg_try_advisory_xact_lock: занято — пропуск). Шаги:
--   1. какие сутки (Москва) переписать: с прошлой свёртки (минус час на долгие транзакции) по сегодня, сутки
--      событий, закоммиченных после прошлого снимка (recorded_xid не виден в folded_snapshot: запоздавшие события
--      из пакетов фронтенда), и сутки событий зрителей, чья пометка накрутки сменилась; первая свёртка — все сутки;
--      сутки раньше p_keep_from (+1 день) не пересчитываются: их сырые события уже могли быть удалены уборкой;
--   2. analytics_daily_demand этих суток. Просмотры (views_log, ~99 % событий) складываются по часам: к строке
--      суток прибавляются только события, которых прошлая свёртка не видела, — с occurred_at в
--      [views_folded_until, p_now) и запоздавшие (recorded_xid не в folded_snapshot); уникальные зрители точны через
--      набор analytics_daily_viewers (сутки × ячейка × зритель) вчерашних и сегодняшних суток. Целиком по сырым
--      просмотрам пересчитываются только сутки со сменившейся пометкой накрутки, сутки старше вчерашних с
--      запоздавшими событиями и все сутки первой свёртки. Заявки, брони, шаги броней и изменения цены (их на два
--      порядка меньше) пересчитываются за эти сутки целиком, как раньше;
--   3. analytics_daily_supply — снимок предложения на сегодня и куда по нему ведёт цены правило;
--   4. analytics_price_responses — изменения цены, после которых прошло 24 ч, ещё не свёрнутые (водяной знак);
--   5. REFRESH MATERIALIZED VIEW CONCURRENTLY analytics_market_monthly.
-- Свёрнутые просмотры — ровно те, что видны в снимке v_snapshot (pg_current_snapshot() в начале свёртки) и
-- произошли раньше views_folded_until: в READ COMMITTED каждый оператор видит и более поздние коммиты, их
-- отсекает pg_visible_in_snapshot, и следующая свёртка считает их запоздавшими.
CREATE OR REPLACE FUNCTION refresh_analytics(p_now timestamptz DEFAULT now(), p_keep_from timestamptz DEFAULT NULL)
RETURNS TABLE (skipped boolean, days_refolded integer, responses_added integer, took_ms integer)
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
DECLARE
    v_state      analytics_refresh_state;
    v_started    timestamptz := clock_timestamp();
    v_snapshot   pg_snapshot := pg_current_snapshot();
    v_xmin       xid8;         -- события транзакций раньше него видны в v_snapshot без проверки
    v_today      date        := (p_now AT TIME ZONE 'Europe/Moscow')::date;
    v_first_day  date        := (p_keep_from AT TIME ZONE 'Europe/Moscow')::date + 1;
    v_folded     timestamptz;  -- views_folded_until прошлой свёртки: просмотры раньше уже сложены
    v_until      timestamptz;  -- новый views_folded_until
    v_last_day   date;
    v_sets_from  date;         -- первые сутки с набором зрителей analytics_daily_viewers
    v_days       date[];       -- сутки, строки которых переписываются
    v_full       date[];       -- из них сутки, просмотры которых пересчитываются по сырым событиям целиком
    v_flag_days  date[];       -- сутки событий зрителей со сменившейся пометкой накрутки
    v_day        date;
    v_partition  text;
    v_from       timestamptz;
    v_to         timestamptz;
    v_until_resp timestamptz := p_now - interval '24 hours';
    v_responses  integer;
    v_took_ms    integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('refresh_analytics')) THEN
        RETURN QUERY SELECT true, 0, 0, 0;
        RETURN;
    END IF;
    SELECT * INTO v_state FROM analytics_refresh_state FOR UPDATE;
    v_xmin      := pg_snapshot_xmin(v_snapshot);
    v_folded    := CASE WHEN v_state.folded_snapshot IS NOT NULL THEN v_state.views_folded_until END;
    v_until     := greatest(p_now, v_folded);
    v_last_day  := (v_until AT TIME ZONE 'Europe/Moscow')::date;
    v_sets_from := greatest(v_last_day - 1, v_first_day);

    -- 1. Сутки к пересчёту.
    IF v_state.folded_snapshot IS NULL THEN
        SELECT coalesce(array_agg(d ORDER BY d), '{}') INTO v_days
        FROM (SELECT (occurred_at AT TIME ZONE 'Europe/Moscow')::date FROM views_log
              UNION SELECT (created_at AT TIME ZONE 'Europe/Moscow')::date FROM leads
              UNION SELECT (booked_at AT TIME ZONE 'Europe/Moscow')::date FROM bookings
              UNION SELECT (occurred_at AT TIME ZONE 'Europe/Moscow')::date FROM booking_events
              UNION SELECT (changed_at AT TIME ZONE 'Europe/Moscow')::date FROM price_history WHERE reason = 'dynamic'
             ) AS touched (d)
        WHERE d <= v_last_day AND (v_first_day IS NULL OR d >= v_first_day);
        v_full := v_days;
    ELSE
        SELECT coalesce(array_agg(d ORDER BY d), '{}') INTO v_days
        FROM (SELECT generate_series(((least(v_state.refreshed_at, p_now) - interval '1 hour')
                                      AT TIME ZONE 'Europe/Moscow')::date, v_last_day, interval '1 day')::date
              UNION
              SELECT (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date FROM views_log v
               WHERE v.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(v.recorded_xid, v_state.folded_snapshot)
                 AND (v.recorded_xid < v_xmin OR pg_visible_in_snapshot(v.recorded_xid, v_snapshot))
              UNION
              SELECT (l.created_at AT TIME ZONE 'Europe/Moscow')::date FROM leads l
               WHERE l.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(l.recorded_xid, v_state.folded_snapshot)
              UNION
              SELECT (b.booked_at AT TIME ZONE 'Europe/Moscow')::date FROM bookings b
               WHERE b.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(b.recorded_xid, v_state.folded_snapshot)
             ) AS touched (d)
        WHERE d <= v_last_day AND (v_first_day IS NULL OR d >= v_first_day);
        -- Сутки зрителей со сменившейся пометкой накрутки: заявки пересчитываются, просмотры вчерашних и сегодняшних
        -- суток поправляет набор зрителей (шаг 2), более старых — пересчёт по сырым просмотрам целиком.
        SELECT coalesce(array_agg(d ORDER BY d), '{}') INTO v_flag_days
        FROM (SELECT (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date
                FROM flagged_visitors f JOIN views_log v ON v.viewer = f.viewer
               WHERE f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot)
              UNION
              SELECT (l.created_at AT TIME ZONE 'Europe/Moscow')::date
                FROM flagged_visitors f JOIN leads l ON l.viewer = f.viewer
               WHERE f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot)
             ) AS touched (d)
        WHERE d <= v_last_day AND (v_first_day IS NULL OR d >= v_first_day);
        SELECT coalesce(array_agg(d ORDER BY d), '{}') INTO v_days
        FROM (SELECT unnest(v_days) UNION SELECT unnest(v_flag_days)) AS touched (d);
        -- Целиком по сырым просмотрам: сутки без набора зрителей (старше вчерашних), а после перехода на почасовую
        -- свёртку (views_folded_until ещё пуст) — все затронутые.
        SELECT coalesce(array_agg(d ORDER BY d), '{}') INTO v_full
        FROM unnest(v_days) AS days (d)
        WHERE v_folded IS NULL OR d < v_sets_from;
    END IF;

    -- 2. Воронка этих суток: факты по квартире и суткам, затем ячейка «ЖК × корпус × комнатность».
    IF cardinality(v_days) > 0 THEN
        -- Наборы зрителей: раздел на сутки, вчерашние и сегодняшние; более старые разделы удаляются целиком.
        FOR v_partition IN
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'analytics_daily_viewers'::regclass
               AND to_date(right(c.relname, 8), 'YYYYMMDD') < v_sets_from
        LOOP
            EXECUTE format('DROP TABLE %I', v_partition);
        END LOOP;
        FOR v_day IN SELECT generate_series(v_sets_from, v_last_day, interval '1 day')::date LOOP
            v_partition := 'analytics_daily_viewers_' || to_char(v_day, 'YYYYMMDD');
            IF to_regclass(v_partition) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF analytics_daily_viewers FOR VALUES IN (%L)',
                               v_partition, v_day);
                EXECUTE format('COMMENT ON TABLE %I IS %L', v_partition,
                               'Раздел analytics_daily_viewers за ' || to_char(v_day, 'DD.MM.YYYY')
                               || ': удаляется свёрткой, когда сутки становятся позавчерашними');
            ELSIF v_day = ANY (v_full) THEN
                EXECUTE format('TRUNCATE %I', v_partition);
            END IF;
        END LOOP;

        -- Сутки, пересчитываемые целиком, — заново; у остальных заявки, брони и цены пересчитываются ниже.
        DELETE FROM analytics_daily_demand WHERE day = ANY (v_full);
        UPDATE analytics_daily_demand
           SET leads = 0, flagged_leads = 0, bookings = 0, confirmed = 0, sold = 0, cancelled = 0, expired = 0,
               deals_price_sum = 0, deals_area_sum = 0, price_raises = 0, price_lowers = 0, raise_pct_sum = 0,
               lower_pct_sum = 0
         WHERE day = ANY (v_days)
           AND (leads, flagged_leads, bookings, confirmed, sold, cancelled, expired, price_raises, price_lowers)
               <> (0, 0, 0, 0, 0, 0, 0, 0, 0);

        -- Пометка накрутки сменилась у зрителя из набора вчерашних и сегодняшних суток: его уже сложенные
        -- просмотры и избранное переходят между учтёнными и накруткой, посетитель ячейки прибавляется или убывает.
        -- Строка набора хранит, как зритель был учтён, поэтому поправка применяется ровно один раз.
        IF v_state.folded_snapshot IS NOT NULL THEN
            WITH changed AS MATERIALIZED (
                SELECT s.day, s.project_id, s.building_id, s.rooms, s.viewer, s.views, s.favourites,
                       s.flagged AS was_flagged
                FROM flagged_visitors f
                JOIN analytics_daily_viewers s ON s.viewer = f.viewer
                WHERE f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                  AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot)
                  AND s.flagged <> f.flagged
                  AND s.day <> ALL (v_full)
            ),
            synced AS (
                UPDATE analytics_daily_viewers s
                   SET flagged = NOT c.was_flagged
                  FROM changed c
                 WHERE (s.day, s.project_id, s.building_id, s.rooms, s.viewer)
                     = (c.day, c.project_id, c.building_id, c.rooms, c.viewer)
            )
            UPDATE analytics_daily_demand t
               SET views           = t.views + d.views,
                   favourites      = t.favourites + d.favourites,
                   flagged_views   = t.flagged_views - d.views,
                   unique_visitors = t.unique_visitors + d.visitors,
                   refreshed_at    = p_now
              FROM (SELECT day, project_id, building_id, rooms,
                           sum(CASE WHEN was_flagged THEN views ELSE -views END)           AS views,
                           sum(CASE WHEN was_flagged THEN favourites ELSE -favourites END) AS favourites,
                           count(*) FILTER (WHERE views > 0 AND was_flagged)
                               - count(*) FILTER (WHERE views > 0 AND NOT was_flagged)     AS visitors
                    FROM changed
                    GROUP BY day, project_id, building_id, rooms) d
             WHERE (t.day, t.project_id, t.building_id, t.rooms) = (d.day, d.project_id, d.building_id, d.rooms);
        END IF;

        v_from := (v_days[1]::timestamp AT TIME ZONE 'Europe/Moscow');
        v_to   := ((v_days[cardinality(v_days)] + 1)::timestamp AT TIME ZONE 'Europe/Moscow');
        WITH new_views AS (  -- просмотры к сложению: все у суток v_full, новые с прошлой свёртки у остальных
            SELECT v.occurred_at, v.apartment_id, v.event, v.viewer
            FROM unnest(v_full) AS full_day (d)
            JOIN views_log v ON v.occurred_at >= (full_day.d::timestamp AT TIME ZONE 'Europe/Moscow')
                            AND v.occurred_at < least(v_until, (full_day.d + 1)::timestamp AT TIME ZONE 'Europe/Moscow')
            WHERE (v.recorded_xid < v_xmin OR pg_visible_in_snapshot(v.recorded_xid, v_snapshot))
            UNION ALL
            SELECT v.occurred_at, v.apartment_id, v.event, v.viewer
            FROM views_log v
            WHERE v_folded IS NOT NULL AND v.occurred_at >= v_folded AND v.occurred_at < v_until
              AND (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date <> ALL (v_full)
              AND (v.recorded_xid < v_xmin OR pg_visible_in_snapshot(v.recorded_xid, v_snapshot))
            UNION ALL
            SELECT v.occurred_at, v.apartment_id, v.event, v.viewer
            FROM views_log v
            WHERE v.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
              AND NOT pg_visible_in_snapshot(v.recorded_xid, v_state.folded_snapshot)
              AND v.occurred_at < v_folded
              AND (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date <> ALL (v_full)
              AND (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
              AND (v.recorded_xid < v_xmin OR pg_visible_in_snapshot(v.recorded_xid, v_snapshot))
        ),
        views AS MATERIALIZED (
            SELECT (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date AS day, a.project_id, a.building_id, a.rooms,
                   v.event, v.viewer, f.viewer IS NOT NULL AS flagged
            FROM new_views v
            JOIN apartments a ON a.id = v.apartment_id
            LEFT JOIN flagged_visitors f ON f.viewer = v.viewer AND f.flagged
        ),
        per_viewer AS MATERIALIZED (  -- вчерашние и сегодняшние сутки: новые события по зрителю ячейки
            SELECT day, project_id, building_id, rooms, viewer,
                   count(*) FILTER (WHERE event = 'view')::integer      AS views,
                   count(*) FILTER (WHERE event = 'favourite')::integer AS favourites,
                   bool_or(flagged)                                     AS flagged
            FROM views
            WHERE day >= v_sets_from
            GROUP BY day, project_id, building_id, rooms, viewer
        ),
        judged AS MATERIALIZED (  -- пометка зрителя — как у его строки набора (её сменит только шаг пометок)
            SELECT n.day, n.project_id, n.building_id, n.rooms, n.viewer, n.views, n.favourites,
                   coalesce(s.flagged, n.flagged) AS flagged,
                   s.viewer IS NULL AND n.viewer IS NOT NULL AS is_new,
                   coalesce(s.views, 0) AS views_before
            FROM per_viewer n
            LEFT JOIN analytics_daily_viewers s
                   ON (s.day, s.project_id, s.building_id, s.rooms, s.viewer)
                    = (n.day, n.project_id, n.building_id, n.rooms, n.viewer)
        ),
        stored AS (
            INSERT INTO analytics_daily_viewers AS s (day, project_id, building_id, rooms, viewer, views, favourites,
                                                     flagged)
            SELECT day, project_id, building_id, rooms, viewer, views, favourites, flagged
            FROM judged
            WHERE viewer IS NOT NULL
            ON CONFLICT ON CONSTRAINT analytics_daily_viewers_pkey DO UPDATE
               SET views = s.views + excluded.views, favourites = s.favourites + excluded.favourites
        ),
        facts AS (
            SELECT day, project_id, building_id, rooms,  -- сутки старше вчерашних: только целиком
                   count(*) FILTER (WHERE event = 'view' AND NOT flagged)      AS views,
                   count(DISTINCT viewer) FILTER (WHERE event = 'view' AND NOT flagged) AS visitors,
                   count(*) FILTER (WHERE event = 'favourite' AND NOT flagged) AS favourites,
                   count(*) FILTER (WHERE event = 'view' AND flagged)          AS flagged_views,
                   0 AS leads, 0 AS flagged_leads, 0 AS bookings, 0 AS confirmed, 0 AS sold, 0 AS cancelled,
                   0 AS expired, 0::numeric AS deal_price, 0::numeric AS deal_area,
                   0 AS raises, 0 AS lowers, 0::numeric AS raise_pct, 0::numeric AS lower_pct
            FROM views
            WHERE day < v_sets_from
            GROUP BY day, project_id, building_id, rooms
            UNION ALL
            SELECT day, project_id, building_id, rooms,
                   coalesce(sum(views) FILTER (WHERE NOT flagged), 0),
                   count(*) FILTER (WHERE NOT flagged AND views > 0 AND (is_new OR views_before = 0)
                                    AND viewer IS NOT NULL),
                   coalesce(sum(favourites) FILTER (WHERE NOT flagged), 0),
                   coalesce(sum(views) FILTER (WHERE flagged), 0),
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            FROM judged
            GROUP BY day, project_id, building_id, rooms
            UNION ALL
            SELECT x.day, a.project_id, a.building_id, a.rooms, 0, 0, 0, 0, x.leads, x.flagged_leads, x.bookings,
                   x.confirmed, x.sold, x.cancelled, x.expired, x.deal_price, x.deal_area, x.raises, x.lowers,
                   x.raise_pct, x.lower_pct
            FROM (
                SELECT (l.created_at AT TIME ZONE 'Europe/Moscow')::date AS day, l.apartment_id,
                       CASE WHEN f.viewer IS NULL THEN 1 ELSE 0 END AS leads,
                       CASE WHEN f.viewer IS NULL THEN 0 ELSE 1 END AS flagged_leads,
                       0 AS bookings, 0 AS confirmed, 0 AS sold, 0 AS cancelled, 0 AS expired,
                       0::numeric AS deal_price, 0::numeric AS deal_area,
                       0 AS raises, 0 AS lowers, 0::numeric AS raise_pct, 0::numeric AS lower_pct
                FROM leads l
                LEFT JOIN flagged_visitors f ON f.viewer = l.viewer AND f.flagged
                WHERE l.created_at >= v_from AND l.created_at < v_to
                  AND (l.created_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
                UNION ALL
                SELECT (b.booked_at AT TIME ZONE 'Europe/Moscow')::date, b.apartment_id, 0, 0,
                       1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
                FROM bookings b
                WHERE b.booked_at >= v_from AND b.booked_at < v_to
                  AND (b.booked_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
                UNION ALL
                SELECT (e.occurred_at AT TIME ZONE 'Europe/Moscow')::date, b.apartment_id, 0, 0, 0,
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
                SELECT (h.changed_at AT TIME ZONE 'Europe/Moscow')::date, h.apartment_id, 0, 0, 0, 0, 0, 0, 0,
                       0, 0,
                       (h.new_price > h.old_price)::integer, (h.new_price < h.old_price)::integer,
                       CASE WHEN h.new_price > h.old_price THEN (h.new_price - h.old_price) / h.old_price * 100 ELSE 0 END,
                       CASE WHEN h.new_price < h.old_price THEN (h.old_price - h.new_price) / h.old_price * 100 ELSE 0 END
                FROM price_history h
                WHERE h.reason = 'dynamic' AND h.changed_at >= v_from AND h.changed_at < v_to
                  AND (h.changed_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
            ) x
            JOIN apartments a ON a.id = x.apartment_id
        )
        INSERT INTO analytics_daily_demand AS t (day, project_id, building_id, rooms, views, unique_visitors,
                                                 favourites, leads, bookings, confirmed, sold, cancelled, expired,
                                                 deals_price_sum, deals_area_sum, flagged_views, flagged_leads,
                                                 price_raises, price_lowers, raise_pct_sum, lower_pct_sum,
                                                 refreshed_at)
        SELECT day, project_id, building_id, rooms,
               sum(views), sum(visitors), sum(favourites), sum(leads), sum(bookings), sum(confirmed), sum(sold),
               sum(cancelled), sum(expired), sum(deal_price), sum(deal_area), sum(flagged_views),
               sum(flagged_leads), sum(raises), sum(lowers), sum(raise_pct), sum(lower_pct), p_now
        FROM facts
        GROUP BY day, project_id, building_id, rooms
        ON CONFLICT ON CONSTRAINT analytics_daily_demand_pkey DO UPDATE
           SET views           = t.views + excluded.views,
               unique_visitors = t.unique_visitors + excluded.unique_visitors,
               favourites      = t.favourites + excluded.favourites,
               flagged_views   = t.flagged_views + excluded.flagged_views,
               leads           = excluded.leads,
               flagged_leads   = excluded.flagged_leads,
               bookings        = excluded.bookings,
               confirmed       = excluded.confirmed,
               sold            = excluded.sold,
               cancelled       = excluded.cancelled,
               expired         = excluded.expired,
               deals_price_sum = excluded.deals_price_sum,
               deals_area_sum  = excluded.deals_area_sum,
               price_raises    = excluded.price_raises,
               price_lowers    = excluded.price_lowers,
               raise_pct_sum   = excluded.raise_pct_sum,
               lower_pct_sum   = excluded.lower_pct_sum,
               refreshed_at    = excluded.refreshed_at;
    END IF;

    -- 3. Снимок предложения на сегодня (переписывается каждый час, прошлые сутки хранят последний снимок) и куда
    --    по нему ведёт цены правило (analytics_cluster_steering: пусто до первого цикла цен).
    DELETE FROM analytics_daily_supply WHERE day = v_today;
    INSERT INTO analytics_daily_supply (day, project_id, rooms, lots_total, lots_on_sale, lots_booked, lots_sold,
                                        area_on_sale, price_sum_on_sale, base_sum_on_sale, new_lots,
                                        steering_sum_on_sale, lots_to_raise, lots_to_lower, refreshed_at)
    SELECT v_today, lots.project_id, lots.rooms, lots.total, lots.on_sale, lots.booked, lots.sold, lots.area_on_sale,
           lots.price_sum_on_sale, lots.base_sum_on_sale, lots.new_lots,
           lots.price_sum_on_sale + st.steering_shift, st.lots_to_raise, st.lots_to_lower, p_now
    FROM (
        SELECT a.project_id, a.rooms,
               count(*) AS total,
               count(*) FILTER (WHERE a.status = 'available') AS on_sale,
               count(*) FILTER (WHERE a.status = 'booked')    AS booked,
               count(*) FILTER (WHERE a.status = 'sold')      AS sold,
               coalesce(sum(a.area_total) FILTER (WHERE a.status = 'available'), 0)    AS area_on_sale,
               coalesce(sum(a.current_price) FILTER (WHERE a.status = 'available'), 0) AS price_sum_on_sale,
               coalesce(sum(a.base_price) FILTER (WHERE a.status = 'available'), 0)    AS base_sum_on_sale,
               count(*) FILTER (WHERE (a.published_at AT TIME ZONE 'Europe/Moscow')::date = v_today) AS new_lots
        FROM apartments a
        WHERE a.moderation_status = 'published'
        GROUP BY a.project_id, a.rooms
    ) lots
    LEFT JOIN analytics_cluster_steering(p_now) st ON st.project_id = lots.project_id AND st.rooms = lots.rooms;

    -- 4. Отклик на изменения цены, после которых прошли сутки (каждое — один раз).
    v_from := greatest(coalesce(v_state.responses_until, '-infinity'), coalesce(p_keep_from + interval '24 hours', '-infinity'));
    IF v_until_resp > v_from THEN
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
        WHERE h.changed_at > v_from AND h.changed_at <= v_until_resp
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
           responses_until = greatest(v_until_resp, coalesce(responses_until, v_until_resp)),
           views_folded_until = v_until,
           days_refolded = cardinality(v_days),
           took_ms = v_took_ms;
    RETURN QUERY SELECT false, cardinality(v_days), v_responses, v_took_ms;
END;
$$;
COMMENT ON FUNCTION refresh_analytics(timestamptz, timestamptz) IS
    'Ежечасная свёртка аналитики: к затронутым суткам analytics_daily_demand прибавляет только новые просмотры (уникальные '
    'зрители — через analytics_daily_viewers), заявки, брони и цены этих суток пересчитывает, снимок предложения '
    'на сегодня, отклики на изменения цены старше 24 ч и CONCURRENTLY analytics_market_monthly. p_keep_from — граница '
    'хранения сырых событий (now − VIEWS_LOG_RETENTION_DAYS): более ранние сутки не трогаются. Вторая одновременная '
    'свёртка пропускается (skipped)';
