-- V5: честные сигналы спроса (просмотры, избранное, заявки, пакетный приём событий, защита от накруток)
-- и онлайн-бронирование (удержание, подтверждение, отмена, истечение, идемпотентность).
--
-- Решения:
-- * Повторный просмотр того же зрителя той же квартиры в окне (30 мин, настраивается) не пишется в views_log:
--   таблица view_dedup хранит момент последнего учтённого события пары «квартира × зритель × тип», и
--   INSERT … ON CONFLICT DO UPDATE … WHERE counted_at <= новое − окно атомарно решает «учесть или нет» даже при
--   одновременных запросах (строка пары блокируется, второй запрос видит уже обновлённое время).
-- * Частота зрителя считается в visitor_activity (события в минуту, включая повторы). Выше порога — строка в
--   flagged_visitors; события помеченного зрителя хранятся, но не входят в спрос. Смена пометки (пометили или
--   модератор снял) записывает changed_xid, и refresh_apartment_stats точно пересчитывает квартиры этого зрителя
--   за 24 ч — агрегаты остаются равными полному пересчёту.
-- * views_log не секционируется: секционирование по дню потребовало бы пересоздать таблицу, первичный ключ с
--   occurred_at и менять водяной знак recorded_xid. Вместо этого prune_interest_events() каждую минуту удаляет
--   порцию событий старше срока хранения по индексу views_log_occurred_at_idx (удаление идёт с начала индекса —
--   дёшево) и никогда не трогает события, которые ещё нужны инкрементальному пересчёту (окно + запас).

-- Зритель -----------------------------------------------------------------------------------------
ALTER TABLE views_log
    ADD COLUMN viewer text GENERATED ALWAYS AS (
        CASE WHEN user_id IS NOT NULL THEN 'u:' || user_id::text
             WHEN visitor_id IS NOT NULL THEN 'v:' || visitor_id END) STORED;
CREATE INDEX views_log_viewer_occurred_at_idx ON views_log (viewer, occurred_at) WHERE viewer IS NOT NULL;
COMMENT ON COLUMN views_log.viewer IS
    'Кто смотрел: u:<id пользователя> или v:<id посетителя от фронтенда>; по нему работают окно повторов и пометка накрутки';

ALTER TABLE leads
    ADD COLUMN viewer text GENERATED ALWAYS AS (
        CASE WHEN user_id IS NOT NULL THEN 'u:' || user_id::text
             WHEN visitor_id IS NOT NULL THEN 'v:' || visitor_id END) STORED;
CREATE INDEX leads_viewer_created_at_idx ON leads (viewer, created_at) WHERE viewer IS NOT NULL;
COMMENT ON COLUMN leads.viewer IS
    'Кто оставил заявку (как views_log.viewer): заявки помеченного зрителя не входят в спрос, одна заявка зрителя по квартире в сутки';

-- Окно повторов -----------------------------------------------------------------------------------
CREATE TABLE view_dedup (
    apartment_id bigint         NOT NULL CONSTRAINT view_dedup_apartment_id_fkey REFERENCES apartments (id) ON DELETE CASCADE,
    viewer       text           NOT NULL CONSTRAINT view_dedup_viewer_check CHECK (length(viewer) BETWEEN 3 AND 130),
    event        interest_event NOT NULL,
    counted_at   timestamptz    NOT NULL,
    CONSTRAINT view_dedup_pkey PRIMARY KEY (apartment_id, viewer, event)
);
CREATE INDEX view_dedup_counted_at_idx ON view_dedup (counted_at);
COMMENT ON TABLE view_dedup IS
    'Последнее учтённое событие пары «квартира × зритель × тип»: повтор в окне (VIEW_DEDUP_WINDOW_SECONDS) не учитывается. '
    'Строки старше суток удаляет prune_interest_events()';
COMMENT ON COLUMN view_dedup.apartment_id IS 'Квартира';
COMMENT ON COLUMN view_dedup.viewer IS 'Зритель (как views_log.viewer)';
COMMENT ON COLUMN view_dedup.event IS 'Тип события';
COMMENT ON COLUMN view_dedup.counted_at IS 'Когда произошло последнее учтённое событие';

-- Частота и пометка накрутки ----------------------------------------------------------------------
CREATE TABLE visitor_activity (
    viewer text        NOT NULL CONSTRAINT visitor_activity_viewer_check CHECK (length(viewer) BETWEEN 3 AND 130),
    minute timestamptz NOT NULL,
    events integer     NOT NULL CONSTRAINT visitor_activity_events_check CHECK (events > 0),
    CONSTRAINT visitor_activity_pkey PRIMARY KEY (viewer, minute)
);
CREATE INDEX visitor_activity_minute_idx ON visitor_activity (minute);
COMMENT ON TABLE visitor_activity IS
    'Сколько событий (включая повторы) прислал зритель за минуту; хранится час. Строки ip:<адрес> — анонимные '
    'просмотры и заявки с одного адреса клиента (лимит ANONYMOUS_EVENTS_PER_IP_PER_MINUTE, ответ 429)';
COMMENT ON COLUMN visitor_activity.viewer IS 'Зритель (u:…, v:…) или адрес анонимного клиента (ip:…)';
COMMENT ON COLUMN visitor_activity.minute IS 'Минута приёма (начало)';
COMMENT ON COLUMN visitor_activity.events IS 'Событий за минуту';

CREATE TABLE flagged_visitors (
    id                     bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT flagged_visitors_pkey PRIMARY KEY,
    viewer                 text        NOT NULL CONSTRAINT flagged_visitors_viewer_key UNIQUE
                                       CONSTRAINT flagged_visitors_viewer_check CHECK (length(viewer) BETWEEN 3 AND 130),
    flagged                boolean     NOT NULL DEFAULT true,
    peak_events_per_minute integer     NOT NULL CONSTRAINT flagged_visitors_peak_events_per_minute_check CHECK (peak_events_per_minute > 0),
    flagged_at             timestamptz NOT NULL DEFAULT now(),
    unflagged_at           timestamptz,
    unflagged_by           bigint      CONSTRAINT flagged_visitors_unflagged_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    changed_xid            xid8        NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX flagged_visitors_flagged_at_idx ON flagged_visitors (flagged_at DESC);
CREATE INDEX flagged_visitors_unflagged_by_idx ON flagged_visitors (unflagged_by) WHERE unflagged_by IS NOT NULL;
CREATE INDEX flagged_visitors_changed_xid_idx ON flagged_visitors (changed_xid);
COMMENT ON TABLE flagged_visitors IS
    'Зрители, превысившие частоту событий (VISITOR_FLOOD_EVENTS_PER_MINUTE): пока flagged, их события хранятся, '
    'но не входят в спрос. Модератор видит список и может снять пометку';
COMMENT ON COLUMN flagged_visitors.id IS 'Идентификатор пометки';
COMMENT ON COLUMN flagged_visitors.viewer IS 'Зритель (как views_log.viewer)';
COMMENT ON COLUMN flagged_visitors.flagged IS 'Пометка действует: события исключены из спроса';
COMMENT ON COLUMN flagged_visitors.peak_events_per_minute IS 'Наибольшая замеченная частота, событий в минуту';
COMMENT ON COLUMN flagged_visitors.flagged_at IS 'Когда помечен (последний раз)';
COMMENT ON COLUMN flagged_visitors.unflagged_at IS 'Когда модератор снял пометку';
COMMENT ON COLUMN flagged_visitors.unflagged_by IS 'Модератор, снявший пометку';
COMMENT ON COLUMN flagged_visitors.changed_xid IS
    'Транзакция последней смены пометки: по ней refresh_apartment_stats находит зрителей, чьи квартиры надо пересчитать';


-- Приём событий одним вызовом -----------------------------------------------------------------------
CREATE FUNCTION classify_interest_events(
    p_apartment_ids bigint[], p_user_ids bigint[], p_visitor_ids text[], p_events interest_event[],
    p_occurred_at timestamptz[]
) RETURNS TABLE (ord integer, apartment_id bigint, user_id bigint, visitor_id text, event interest_event,
                 occurred_at timestamptz, viewer text, reject text, flagged boolean)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT i.ord::integer, i.apartment_id, i.user_id, i.visitor_id, i.event,
           least(coalesce(i.occurred_at, now()), now()),
           v.viewer,
           CASE WHEN a.id IS NULL THEN 'unknown_apartment'
                WHEN a.moderation_status <> 'published' THEN 'not_published'
                WHEN v.viewer IS NULL THEN 'no_viewer'
                WHEN i.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = i.user_id) THEN 'unknown_user'
                WHEN i.occurred_at < now() - interval '24 hours' THEN 'stale' END,
           coalesce(f.flagged, false)
    FROM unnest(p_apartment_ids, p_user_ids, p_visitor_ids, p_events, p_occurred_at)
         WITH ORDINALITY AS i (apartment_id, user_id, visitor_id, event, occurred_at, ord)
    CROSS JOIN LATERAL (SELECT CASE WHEN i.user_id IS NOT NULL THEN 'u:' || i.user_id::text
                                    WHEN i.visitor_id IS NOT NULL THEN 'v:' || i.visitor_id END AS viewer) v
    LEFT JOIN apartments a ON a.id = i.apartment_id
    LEFT JOIN flagged_visitors f ON f.viewer = v.viewer;
END;
COMMENT ON FUNCTION classify_interest_events(bigint[], bigint[], text[], interest_event[], timestamptz[]) IS
    'Разбирает пакет событий: зритель (u:/v:), время (не позже now()), причина отказа (unknown_apartment, '
    'not_published, no_viewer, unknown_user, stale — старше 24 ч) и пометка накрутки зрителя';

CREATE FUNCTION ingest_interest_events(
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
    ANALYZE apartment_stats;
END;
$$;
COMMENT ON FUNCTION rebuild_apartment_stats(timestamptz) IS
    'Полный пересчёт apartment_stats с нуля (первый запуск, сверка, восстановление): счётчики из событий за 24 ч '
    '(без событий и заявок помеченных зрителей) и копия полей apartments. Дорого: читает все события за 24 ч';

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
    )
    UPDATE demand_aggregation_state
    SET folded_snapshot = (SELECT taken FROM snapshot), window_end = p_now, refreshed_at = clock_timestamp()
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
    )
    UPDATE apartment_stats s
    SET views_24h = r.views, favourites_24h = r.favourites, updated_at = p_now
    FROM recounted r
    WHERE s.apartment_id = r.apartment_id
      AND (s.views_24h, s.favourites_24h) IS DISTINCT FROM (r.views, r.favourites);

    -- Заявки и брони: точный пересчёт за 24 ч, но только у квартир, где что-то могло измениться (как в V2,
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
    )
    UPDATE apartment_stats s
    SET leads_24h = r.leads, bookings_24h = r.bookings, updated_at = p_now
    FROM recounted r
    WHERE s.apartment_id = r.apartment_id
      AND (s.leads_24h, s.bookings_24h) IS DISTINCT FROM (r.leads, r.bookings);
END;
$$;
COMMENT ON FUNCTION refresh_apartment_stats(timestamptz) IS
    'Инкрементально сдвигает 24-часовое окно apartment_stats к p_now: стоимость зависит от числа новых и '
    'выходящих из окна событий, а не от объёма за 24 ч. События и заявки помеченных зрителей (flagged_visitors) не входят '
    'в спрос; квартиры зрителей, чья пометка сменилась, пересчитываются точно. Если p_now раньше прошлого окна — полный пересчёт';

-- Хранение сырых событий -----------------------------------------------------------------------------
CREATE FUNCTION prune_interest_events(p_now timestamptz, p_retention interval, p_batch integer DEFAULT 50000)
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

-- Избранное ----------------------------------------------------------------------------------------
CREATE TABLE favourites (
    user_id      bigint      NOT NULL CONSTRAINT favourites_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    apartment_id bigint      NOT NULL CONSTRAINT favourites_apartment_id_fkey REFERENCES apartments (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT favourites_pkey PRIMARY KEY (user_id, apartment_id)
);
CREATE INDEX favourites_apartment_id_idx ON favourites (apartment_id);
CREATE INDEX favourites_user_created_at_idx ON favourites (user_id, created_at DESC);
COMMENT ON TABLE favourites IS 'Избранные квартиры покупателей; добавление пишет событие favourite в views_log';
COMMENT ON COLUMN favourites.user_id IS 'Покупатель';
COMMENT ON COLUMN favourites.apartment_id IS 'Квартира';
COMMENT ON COLUMN favourites.created_at IS 'Когда добавлена в избранное';

-- Бронирование -------------------------------------------------------------------------------------
CREATE TYPE booking_action AS ENUM ('created', 'confirmed', 'cancelled', 'expired', 'sold');
COMMENT ON TYPE booking_action IS 'Шаг жизни брони: создана, подтверждена застройщиком, отменена, истекла, квартира продана';

CREATE TABLE booking_events (
    id          bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT booking_events_pkey PRIMARY KEY,
    booking_id  bigint         NOT NULL CONSTRAINT booking_events_booking_id_fkey REFERENCES bookings (id) ON DELETE CASCADE,
    action      booking_action NOT NULL,
    actor_id    bigint         CONSTRAINT booking_events_actor_id_fkey REFERENCES users (id) ON DELETE SET NULL,
    actor_role  user_role,
    comment     text           CONSTRAINT booking_events_comment_check CHECK (length(comment) <= 1000),
    occurred_at timestamptz    NOT NULL DEFAULT now()
);
CREATE INDEX booking_events_booking_id_idx ON booking_events (booking_id, occurred_at);
CREATE INDEX booking_events_actor_id_idx ON booking_events (actor_id) WHERE actor_id IS NOT NULL;
COMMENT ON TABLE booking_events IS 'История брони: каждый шаг (кто, когда); видна покупателю, застройщику и модераторам';
COMMENT ON COLUMN booking_events.id IS 'Идентификатор шага';
COMMENT ON COLUMN booking_events.booking_id IS 'Бронь';
COMMENT ON COLUMN booking_events.action IS 'Что произошло';
COMMENT ON COLUMN booking_events.actor_id IS 'Кто сделал; пусто — система (истечение по расписанию)';
COMMENT ON COLUMN booking_events.actor_role IS 'Роль того, кто сделал, на момент действия';
COMMENT ON COLUMN booking_events.comment IS 'Комментарий (например, причина отмены)';
COMMENT ON COLUMN booking_events.occurred_at IS 'Когда';

ALTER TABLE bookings ADD COLUMN comment text CONSTRAINT bookings_comment_check CHECK (length(comment) <= 1000);
COMMENT ON COLUMN bookings.comment IS 'Комментарий покупателя к брони';
CREATE INDEX bookings_user_active_idx ON bookings (user_id) WHERE status IN ('pending', 'confirmed');
CREATE INDEX bookings_status_booked_at_idx ON bookings (status, booked_at DESC);

CREATE TABLE booking_idempotency_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT booking_idempotency_keys_pkey PRIMARY KEY,
    user_id      bigint      NOT NULL CONSTRAINT booking_idempotency_keys_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    key          text        NOT NULL CONSTRAINT booking_idempotency_keys_key_check CHECK (length(key) BETWEEN 1 AND 200),
    request_hash bytea       NOT NULL,
    booking_id   bigint      CONSTRAINT booking_idempotency_keys_booking_id_fkey REFERENCES bookings (id) ON DELETE CASCADE,
    response     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT booking_idempotency_keys_user_key_key UNIQUE (user_id, key)
);
CREATE INDEX booking_idempotency_keys_booking_id_idx ON booking_idempotency_keys (booking_id);
CREATE INDEX booking_idempotency_keys_created_at_idx ON booking_idempotency_keys (created_at);
COMMENT ON TABLE booking_idempotency_keys IS
    'Заголовок Idempotency-Key запросов брони: повтор с тем же ключом получает первый ответ, с другим телом — 422. '
    'Строка вставляется в транзакции брони: параллельный повтор ждёт её коммита (ON CONFLICT) и читает ответ';
COMMENT ON COLUMN booking_idempotency_keys.id IS 'Идентификатор';
COMMENT ON COLUMN booking_idempotency_keys.user_id IS 'Покупатель (ключи разных покупателей не пересекаются)';
COMMENT ON COLUMN booking_idempotency_keys.key IS 'Значение заголовка Idempotency-Key';
COMMENT ON COLUMN booking_idempotency_keys.request_hash IS 'SHA-256 квартиры и тела запроса';
COMMENT ON COLUMN booking_idempotency_keys.booking_id IS 'Созданная бронь';
COMMENT ON COLUMN booking_idempotency_keys.response IS 'Тело первого ответа (201)';
COMMENT ON COLUMN booking_idempotency_keys.created_at IS 'Когда получен первый запрос';

CREATE FUNCTION expire_overdue_bookings(p_now timestamptz DEFAULT now())
RETURNS TABLE (booking_id bigint, apartment_id bigint)
LANGUAGE plpgsql AS $$
BEGIN
    -- Сначала квартиры (в порядке id), потом брони — тот же порядок блокировок, что у создания и отмены брони.
    PERFORM 1 FROM apartments a
    WHERE a.id IN (SELECT b.apartment_id FROM bookings b WHERE b.status = 'pending' AND b.expires_at <= p_now)
    ORDER BY a.id
    FOR UPDATE;

    RETURN QUERY
    WITH expired AS (
        UPDATE bookings b SET status = 'expired'
        WHERE b.status = 'pending' AND b.expires_at <= p_now
        RETURNING b.id, b.apartment_id
    ),
    released AS (
        UPDATE apartments a SET status = 'available'
        FROM expired e
        WHERE a.id = e.apartment_id AND a.status = 'booked'
        RETURNING a.id
    ),
    journal AS (
        INSERT INTO booking_events (booking_id, action, occurred_at)
        SELECT e.id, 'expired', p_now FROM expired e
    )
    SELECT e.id, e.apartment_id FROM expired e ORDER BY e.id;
END;
$$;
COMMENT ON FUNCTION expire_overdue_bookings(timestamptz) IS
    'Ежеминутно: неподтверждённые брони с истёкшим сроком → expired, квартиры → available, шаг в booking_events. '
    'Подтверждённые брони не истекают';
