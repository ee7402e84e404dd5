-- V2: динамическое ценообразование.
--
-- Конвейер одной минуты (его запускает сервис, см. src/pricing/cycle.rs):
--   1. refresh_demand_aggregates(now) — инкрементально обновляет apartment_stats (просмотры/избранное за 24 ч:
--      добавляет события новее водяного знака и вычитает вышедшие из окна; заявки и брони — пересчёт по индексу
--      за 24 ч, их мало) и обновляет материализованное представление cluster_demand (медианы кластеров)
--      CONCURRENTLY, не блокируя читателей;
--   2. reprice_apartments(now) — один set-based проход по всем квартирам в продаже со всеми ограничителями.
--
-- Почему так: на 1 млн квартир и 10 млн событий за 24 ч материализованное представление поверх сырых событий
-- обновляется ~9 с (~15 с CONCURRENTLY), а поминутная дельта — это ~7 тыс. событий. Медианы по ~10 тыс.
-- кластеров — маленький результат, его дёшево держать в материализованном представлении для аналитиков.

-- 12. Конфигурация -------------------------------------------------------------------------------
CREATE TABLE dynamic_pricing_config (
    id                bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT dynamic_pricing_config_pkey PRIMARY KEY,
    developer_id      bigint        CONSTRAINT dynamic_pricing_config_developer_id_fkey REFERENCES developers (id) ON DELETE RESTRICT,
    project_id        bigint        CONSTRAINT dynamic_pricing_config_project_id_fkey REFERENCES projects (id) ON DELETE RESTRICT,
    k1                numeric(6, 3) NOT NULL DEFAULT 1.3 CONSTRAINT dynamic_pricing_config_k1_check CHECK (k1 > 0 AND k1 <= 100),
    k2                numeric(6, 3) NOT NULL DEFAULT 0.7 CONSTRAINT dynamic_pricing_config_k2_check CHECK (k2 > 0 AND k2 < k1),
    enabled           boolean       NOT NULL DEFAULT true,
    weight_views      numeric(8, 3) NOT NULL DEFAULT 0.5 CONSTRAINT dynamic_pricing_config_weight_views_check CHECK (weight_views >= 0 AND weight_views <= 1000),
    weight_favourites numeric(8, 3) NOT NULL DEFAULT 0 CONSTRAINT dynamic_pricing_config_weight_favourites_check CHECK (weight_favourites >= 0 AND weight_favourites <= 1000),
    weight_leads      numeric(8, 3) NOT NULL DEFAULT 2 CONSTRAINT dynamic_pricing_config_weight_leads_check CHECK (weight_leads >= 0 AND weight_leads <= 1000),
    weight_bookings   numeric(8, 3) NOT NULL DEFAULT 5 CONSTRAINT dynamic_pricing_config_weight_bookings_check CHECK (weight_bookings >= 0 AND weight_bookings <= 1000),
    step              numeric(6, 5) NOT NULL DEFAULT 0.03 CONSTRAINT dynamic_pricing_config_step_check CHECK (step > 0 AND step <= 0.5),
    elasticity_cap    numeric(6, 5) NOT NULL DEFAULT 0.03 CONSTRAINT dynamic_pricing_config_elasticity_cap_check CHECK (elasticity_cap > 0 AND elasticity_cap <= 0.5),
    max_shift         numeric(6, 5) NOT NULL DEFAULT 0.07 CONSTRAINT dynamic_pricing_config_max_shift_check CHECK (max_shift >= 0 AND max_shift <= 0.5),
    cooldown          interval      NOT NULL DEFAULT '24 hours' CONSTRAINT dynamic_pricing_config_cooldown_check CHECK (cooldown >= '0' AND cooldown <= '30 days'),
    booking_freeze    interval      NOT NULL DEFAULT '24 hours' CONSTRAINT dynamic_pricing_config_booking_freeze_check CHECK (booking_freeze >= '0' AND booking_freeze <= '30 days'),
    min_days_on_site  integer       NOT NULL DEFAULT 14 CONSTRAINT dynamic_pricing_config_min_days_on_site_check CHECK (min_days_on_site BETWEEN 0 AND 3650),
    comment           text          CONSTRAINT dynamic_pricing_config_comment_check CHECK (length(comment) <= 1000),
    created_by        bigint        CONSTRAINT dynamic_pricing_config_created_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz   NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT dynamic_pricing_config_scope_check CHECK (developer_id IS NULL OR project_id IS NULL)
);
CREATE INDEX dynamic_pricing_config_developer_id_idx ON dynamic_pricing_config (developer_id, created_at DESC);
CREATE INDEX dynamic_pricing_config_project_id_idx ON dynamic_pricing_config (project_id, created_at DESC);
CREATE INDEX dynamic_pricing_config_created_by_idx ON dynamic_pricing_config (created_by);
COMMENT ON TABLE dynamic_pricing_config IS
    'Коэффициенты динамического ценообразования без деплоя. Только добавление: каждая версия хранится (кто, когда). '
    'Действует последняя версия в своей области: глобальная (developer_id и project_id пусты), застройщика, ЖК. '
    'Для ЖК побеждает самая конкретная включённая версия; глобальная версия с enabled = false выключает всё. '
    'ELASTICITY_CAP и PRICE_MAX_SHIFT из окружения — потолки: таблица может их ужесточить, но не превысить';
COMMENT ON COLUMN dynamic_pricing_config.id IS 'Идентификатор версии';
COMMENT ON COLUMN dynamic_pricing_config.developer_id IS 'Область: застройщик (переопределение для всех его ЖК)';
COMMENT ON COLUMN dynamic_pricing_config.project_id IS 'Область: ЖК (самое конкретное переопределение)';
COMMENT ON COLUMN dynamic_pricing_config.k1 IS 'Верхний порог: demand_norm > k1 — цена растёт (1.3)';
COMMENT ON COLUMN dynamic_pricing_config.k2 IS 'Нижний порог: demand_norm < k2 и долго на сайте — цена снижается (0.7)';
COMMENT ON COLUMN dynamic_pricing_config.enabled IS 'Версия действует; глобальная с false отключает ценообразование полностью';
COMMENT ON COLUMN dynamic_pricing_config.weight_views IS 'Вес просмотра за 24 ч в спросе (0.5)';
COMMENT ON COLUMN dynamic_pricing_config.weight_favourites IS 'Вес добавления в избранное (0)';
COMMENT ON COLUMN dynamic_pricing_config.weight_leads IS 'Вес заявки на звонок (2)';
COMMENT ON COLUMN dynamic_pricing_config.weight_bookings IS 'Вес брони (5)';
COMMENT ON COLUMN dynamic_pricing_config.step IS 'Шаг изменения цены за проход, доля (0.03 = 3 %)';
COMMENT ON COLUMN dynamic_pricing_config.elasticity_cap IS 'Предел эластичности, доля: Δ = min(step, elasticity_cap, ELASTICITY_CAP)';
COMMENT ON COLUMN dynamic_pricing_config.max_shift IS 'Коридор от базовой цены, доля: min(max_shift, PRICE_MAX_SHIFT)';
COMMENT ON COLUMN dynamic_pricing_config.cooldown IS 'Не менять цену, если она менялась (по любой причине) за этот период';
COMMENT ON COLUMN dynamic_pricing_config.booking_freeze IS 'Не менять цену, если за этот период была бронь (любого статуса)';
COMMENT ON COLUMN dynamic_pricing_config.min_days_on_site IS 'Снижать цену только если квартира на сайте больше стольких дней';
COMMENT ON COLUMN dynamic_pricing_config.comment IS 'Зачем изменили настройки';
COMMENT ON COLUMN dynamic_pricing_config.created_by IS 'Кто создал версию';
COMMENT ON COLUMN dynamic_pricing_config.created_at IS 'Когда создана версия';

CREATE FUNCTION dynamic_pricing_config_forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'dynamic_pricing_config is append-only: insert a new version instead of % on row %', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$;
COMMENT ON FUNCTION dynamic_pricing_config_forbid_change() IS 'Запрещает UPDATE и DELETE версий настроек: история изменений неизменна';
CREATE TRIGGER dynamic_pricing_config_append_only BEFORE UPDATE OR DELETE ON dynamic_pricing_config
    FOR EACH ROW EXECUTE FUNCTION dynamic_pricing_config_forbid_change();

INSERT INTO dynamic_pricing_config (comment) VALUES ('Значения по умолчанию из ТЗ');

CREATE VIEW dynamic_pricing_config_current AS
SELECT DISTINCT ON (developer_id, project_id) *
FROM dynamic_pricing_config
ORDER BY developer_id, project_id, created_at DESC, id DESC;
COMMENT ON VIEW dynamic_pricing_config_current IS 'Последняя версия настроек в каждой области (глобальная, застройщик, ЖК)';
COMMENT ON COLUMN dynamic_pricing_config_current.id IS 'Как dynamic_pricing_config.id';
COMMENT ON COLUMN dynamic_pricing_config_current.developer_id IS 'Как dynamic_pricing_config.developer_id';
COMMENT ON COLUMN dynamic_pricing_config_current.project_id IS 'Как dynamic_pricing_config.project_id';
COMMENT ON COLUMN dynamic_pricing_config_current.k1 IS 'Как dynamic_pricing_config.k1';
COMMENT ON COLUMN dynamic_pricing_config_current.k2 IS 'Как dynamic_pricing_config.k2';
COMMENT ON COLUMN dynamic_pricing_config_current.enabled IS 'Как dynamic_pricing_config.enabled';
COMMENT ON COLUMN dynamic_pricing_config_current.weight_views IS 'Как dynamic_pricing_config.weight_views';
COMMENT ON COLUMN dynamic_pricing_config_current.weight_favourites IS 'Как dynamic_pricing_config.weight_favourites';
COMMENT ON COLUMN dynamic_pricing_config_current.weight_leads IS 'Как dynamic_pricing_config.weight_leads';
COMMENT ON COLUMN dynamic_pricing_config_current.weight_bookings IS 'Как dynamic_pricing_config.weight_bookings';
COMMENT ON COLUMN dynamic_pricing_config_current.step IS 'Как dynamic_pricing_config.step';
COMMENT ON COLUMN dynamic_pricing_config_current.elasticity_cap IS 'Как dynamic_pricing_config.elasticity_cap';
COMMENT ON COLUMN dynamic_pricing_config_current.max_shift IS 'Как dynamic_pricing_config.max_shift';
COMMENT ON COLUMN dynamic_pricing_config_current.cooldown IS 'Как dynamic_pricing_config.cooldown';
COMMENT ON COLUMN dynamic_pricing_config_current.booking_freeze IS 'Как dynamic_pricing_config.booking_freeze';
COMMENT ON COLUMN dynamic_pricing_config_current.min_days_on_site IS 'Как dynamic_pricing_config.min_days_on_site';
COMMENT ON COLUMN dynamic_pricing_config_current.comment IS 'Как dynamic_pricing_config.comment';
COMMENT ON COLUMN dynamic_pricing_config_current.created_by IS 'Как dynamic_pricing_config.created_by';
COMMENT ON COLUMN dynamic_pricing_config_current.created_at IS 'Как dynamic_pricing_config.created_at';

CREATE VIEW project_pricing_config AS
SELECT p.id                                 AS project_id,
       chosen.id                            AS config_id,
       CASE WHEN chosen.project_id IS NOT NULL THEN 'project'
            WHEN chosen.developer_id IS NOT NULL THEN 'developer'
            ELSE 'global' END               AS scope,
       global_row.enabled AND chosen.enabled AS enabled,
       chosen.k1, chosen.k2,
       chosen.weight_views, chosen.weight_favourites, chosen.weight_leads, chosen.weight_bookings,
       chosen.step, chosen.elasticity_cap, chosen.max_shift,
       chosen.cooldown, chosen.booking_freeze, chosen.min_days_on_site
FROM projects p
CROSS JOIN (SELECT * FROM dynamic_pricing_config_current WHERE developer_id IS NULL AND project_id IS NULL) global_row
CROSS JOIN LATERAL (
    SELECT c.*
    FROM dynamic_pricing_config_current c
    WHERE (c.project_id = p.id AND c.enabled)
       OR (c.developer_id = p.developer_id AND c.enabled)
       OR (c.developer_id IS NULL AND c.project_id IS NULL)
    ORDER BY (c.project_id IS NOT NULL) DESC, (c.developer_id IS NOT NULL) DESC
    LIMIT 1
) chosen;
COMMENT ON VIEW project_pricing_config IS 'Действующие настройки ценообразования для каждого ЖК: ЖК > застройщик > глобальные (без учёта потолков из окружения)';
COMMENT ON COLUMN project_pricing_config.project_id IS 'ЖК';
COMMENT ON COLUMN project_pricing_config.config_id IS 'Версия настроек, которая действует';
COMMENT ON COLUMN project_pricing_config.scope IS 'Откуда взята версия: project, developer или global';
COMMENT ON COLUMN project_pricing_config.enabled IS 'Ценообразование для ЖК включено';
COMMENT ON COLUMN project_pricing_config.k1 IS 'Верхний порог demand_norm';
COMMENT ON COLUMN project_pricing_config.k2 IS 'Нижний порог demand_norm';
COMMENT ON COLUMN project_pricing_config.weight_views IS 'Вес просмотра';
COMMENT ON COLUMN project_pricing_config.weight_favourites IS 'Вес избранного';
COMMENT ON COLUMN project_pricing_config.weight_leads IS 'Вес заявки';
COMMENT ON COLUMN project_pricing_config.weight_bookings IS 'Вес брони';
COMMENT ON COLUMN project_pricing_config.step IS 'Шаг, доля';
COMMENT ON COLUMN project_pricing_config.elasticity_cap IS 'Предел эластичности, доля';
COMMENT ON COLUMN project_pricing_config.max_shift IS 'Коридор от базовой цены, доля';
COMMENT ON COLUMN project_pricing_config.cooldown IS 'Пауза после любого изменения цены';
COMMENT ON COLUMN project_pricing_config.booking_freeze IS 'Пауза после брони';
COMMENT ON COLUMN project_pricing_config.min_days_on_site IS 'Минимум дней на сайте для снижения';

-- Ограничители прохода: время последнего изменения цены и последней брони хранится в самой квартире,
-- чтобы проходу по миллиону квартир не агрегировать price_history и bookings каждую минуту.
ALTER TABLE apartments
    ADD COLUMN price_changed_at timestamptz,
    ADD COLUMN last_booked_at   timestamptz;
COMMENT ON COLUMN apartments.price_changed_at IS 'Последнее изменение цены по любой причине = max(price_history.changed_at); ведёт триггер';
COMMENT ON COLUMN apartments.last_booked_at IS 'Последняя бронь любого статуса = max(bookings.booked_at); ведёт триггер';

CREATE FUNCTION apartments_track_price_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE apartments a
    SET price_changed_at = greatest(a.price_changed_at, latest.changed_at)
    FROM (SELECT apartment_id, max(changed_at) AS changed_at FROM inserted_history GROUP BY apartment_id) latest
    WHERE a.id = latest.apartment_id
      AND a.price_changed_at IS DISTINCT FROM greatest(a.price_changed_at, latest.changed_at);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_track_price_change() IS 'Переносит max(changed_at) новых строк price_history в apartments.price_changed_at (одним UPDATE на оператор)';
CREATE TRIGGER price_history_track_price_change AFTER INSERT ON price_history
    REFERENCING NEW TABLE AS inserted_history
    FOR EACH STATEMENT EXECUTE FUNCTION apartments_track_price_change();

CREATE FUNCTION apartments_track_booking() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE apartments a
    SET last_booked_at = greatest(a.last_booked_at, latest.booked_at)
    FROM (SELECT apartment_id, max(booked_at) AS booked_at FROM inserted_bookings GROUP BY apartment_id) latest
    WHERE a.id = latest.apartment_id
      AND a.last_booked_at IS DISTINCT FROM greatest(a.last_booked_at, latest.booked_at);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_track_booking() IS 'Переносит max(booked_at) новых броней в apartments.last_booked_at (одним UPDATE на оператор)';
CREATE TRIGGER bookings_track_booking AFTER INSERT ON bookings
    REFERENCING NEW TABLE AS inserted_bookings
    FOR EACH STATEMENT EXECUTE FUNCTION apartments_track_booking();

-- Спрос -------------------------------------------------------------------------------------------
CREATE FUNCTION pricing_demand(
    p_views integer, p_favourites integer, p_leads integer, p_bookings integer,
    p_weight_views numeric, p_weight_favourites numeric, p_weight_leads numeric, p_weight_bookings numeric
) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p_weight_views * p_views + p_weight_favourites * p_favourites
     + p_weight_leads * p_leads + p_weight_bookings * p_bookings;
COMMENT ON FUNCTION pricing_demand(integer, integer, integer, integer, numeric, numeric, numeric, numeric) IS
    'demand = 0.5·views_24h + 0·favourites_24h + 2·leads_24h + 5·bookings_24h (веса из настроек)';

CREATE FUNCTION views_log_clamp_occurred_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.occurred_at := least(NEW.occurred_at, now());
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION views_log_clamp_occurred_at() IS
    'События из будущего записываются текущим временем: иначе они держались бы в 24-часовом окне спроса дольше суток';
CREATE TRIGGER views_log_clamp_occurred_at BEFORE INSERT ON views_log FOR EACH ROW EXECUTE FUNCTION views_log_clamp_occurred_at();

CREATE INDEX apartment_stats_leads_bookings_idx ON apartment_stats (apartment_id) WHERE leads_24h > 0 OR bookings_24h > 0;

CREATE TABLE demand_aggregation_state (
    singleton       boolean     NOT NULL DEFAULT true CONSTRAINT demand_aggregation_state_pkey PRIMARY KEY
                                CONSTRAINT demand_aggregation_state_singleton_check CHECK (singleton),
    folded_snapshot pg_snapshot,
    window_end      timestamptz,
    refreshed_at    timestamptz
);
INSERT INTO demand_aggregation_state DEFAULT VALUES;
COMMENT ON TABLE demand_aggregation_state IS 'Водяной знак инкрементального пересчёта apartment_stats (одна строка)';
COMMENT ON COLUMN demand_aggregation_state.singleton IS 'Всегда true: таблица из одной строки';
COMMENT ON COLUMN demand_aggregation_state.folded_snapshot IS
    'Снимок последнего пересчёта: события views_log, видимые в нём, уже учтены; пусто — нужен полный пересчёт';
COMMENT ON COLUMN demand_aggregation_state.window_end IS 'Конец 24-часового окна последнего пересчёта';
COMMENT ON COLUMN demand_aggregation_state.refreshed_at IS 'Когда завершён последний пересчёт (время часов)';

CREATE VIEW apartment_demand AS
SELECT a.id                                                      AS apartment_id,
       a.project_id,
       a.rooms,
       a.base_price,
       a.current_price,
       coalesce(s.views_24h, 0)                                  AS views_24h,
       coalesce(s.favourites_24h, 0)                             AS favourites_24h,
       coalesce(s.leads_24h, 0)                                  AS leads_24h,
       coalesce(s.bookings_24h, 0)                               AS bookings_24h,
       floor(extract(epoch FROM now() - a.published_at) / 86400)::integer AS days_on_site,
       pricing_demand(coalesce(s.views_24h, 0), coalesce(s.favourites_24h, 0), coalesce(s.leads_24h, 0),
                      coalesce(s.bookings_24h, 0), c.weight_views, c.weight_favourites, c.weight_leads,
                      c.weight_bookings)                        AS demand,
       s.updated_at
FROM apartments a
JOIN project_pricing_config c ON c.project_id = a.project_id
LEFT JOIN apartment_stats s ON s.apartment_id = a.id
WHERE a.status = 'available' AND a.moderation_status = 'published';
COMMENT ON VIEW apartment_demand IS 'Квартиры в продаже с показателями за 24 ч и спросом (запрос apartment_stats для аналитиков)';
COMMENT ON COLUMN apartment_demand.apartment_id IS 'Квартира';
COMMENT ON COLUMN apartment_demand.project_id IS 'ЖК';
COMMENT ON COLUMN apartment_demand.rooms IS 'Комнатность (0 — студия)';
COMMENT ON COLUMN apartment_demand.base_price IS 'Базовая цена';
COMMENT ON COLUMN apartment_demand.current_price IS 'Текущая цена';
COMMENT ON COLUMN apartment_demand.views_24h IS 'Просмотров за 24 ч';
COMMENT ON COLUMN apartment_demand.favourites_24h IS 'В избранное за 24 ч';
COMMENT ON COLUMN apartment_demand.leads_24h IS 'Заявок за 24 ч';
COMMENT ON COLUMN apartment_demand.bookings_24h IS 'Броней за 24 ч';
COMMENT ON COLUMN apartment_demand.days_on_site IS 'Полных дней с первой публикации';
COMMENT ON COLUMN apartment_demand.demand IS 'Взвешенный спрос по действующим весам ЖК';
COMMENT ON COLUMN apartment_demand.updated_at IS 'Когда показатели квартиры последний раз менялись';

CREATE MATERIALIZED VIEW cluster_demand AS
SELECT project_id,
       rooms,
       count(*)::integer                                            AS apartments_on_sale,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY demand)::numeric AS median_demand,
       sum(views_24h)::bigint                                       AS views_24h,
       sum(favourites_24h)::bigint                                  AS favourites_24h,
       sum(leads_24h)::bigint                                       AS leads_24h,
       sum(bookings_24h)::bigint                                    AS bookings_24h,
       min(current_price)                                           AS min_price,
       max(current_price)                                           AS max_price,
       now()                                                        AS refreshed_at
FROM apartment_demand
GROUP BY project_id, rooms
WITH NO DATA;
CREATE UNIQUE INDEX cluster_demand_key ON cluster_demand (project_id, rooms);
COMMENT ON MATERIALIZED VIEW cluster_demand IS
    'Кластеры «ЖК × комнатность» среди квартир в продаже: медиана спроса (percentile_cont, нули учитываются) и итоги за 24 ч. '
    'Обновляется refresh_demand_aggregates() каждую минуту CONCURRENTLY';
COMMENT ON COLUMN cluster_demand.project_id IS 'ЖК';
COMMENT ON COLUMN cluster_demand.rooms IS 'Комнатность';
COMMENT ON COLUMN cluster_demand.apartments_on_sale IS 'Квартир в продаже в кластере';
COMMENT ON COLUMN cluster_demand.median_demand IS 'Медиана спроса в кластере';
COMMENT ON COLUMN cluster_demand.views_24h IS 'Просмотров за 24 ч по кластеру';
COMMENT ON COLUMN cluster_demand.favourites_24h IS 'В избранное за 24 ч по кластеру';
COMMENT ON COLUMN cluster_demand.leads_24h IS 'Заявок за 24 ч по кластеру';
COMMENT ON COLUMN cluster_demand.bookings_24h IS 'Броней за 24 ч по кластеру';
COMMENT ON COLUMN cluster_demand.min_price IS 'Минимальная текущая цена в кластере';
COMMENT ON COLUMN cluster_demand.max_price IS 'Максимальная текущая цена в кластере';
COMMENT ON COLUMN cluster_demand.refreshed_at IS 'Когда представление обновлено';

-- Пересчёт агрегатов ------------------------------------------------------------------------------
-- Какие события уже учтены, определяет снимок (pg_snapshot) того же оператора, который их учёл: событие,
-- закоммиченное позже (долгая транзакция вставки), будет учтено следующим пересчётом, а не потеряно.
-- Верхней границы у окна нет: всё, что видно в снимке, уже произошло.

CREATE FUNCTION rebuild_apartment_stats(p_now timestamptz DEFAULT now()) RETURNS void
LANGUAGE plpgsql AS $$
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
            SELECT apartment_id,
                   count(*) FILTER (WHERE event = 'view')      AS views,
                   count(*) FILTER (WHERE event = 'favourite') AS favourites,
                   0 AS leads, 0 AS bookings
            FROM views_log
            WHERE occurred_at > p_now - interval '24 hours'
            GROUP BY apartment_id
            UNION ALL
            SELECT apartment_id, 0, 0, count(*), 0 FROM leads
            WHERE created_at > p_now - interval '24 hours' AND created_at <= p_now GROUP BY apartment_id
            UNION ALL
            SELECT apartment_id, 0, 0, 0, count(*) FROM bookings
            WHERE booked_at > p_now - interval '24 hours' AND booked_at <= p_now GROUP BY apartment_id
        ) per_source
        GROUP BY apartment_id
    ),
    inserted AS (
        INSERT INTO apartment_stats (apartment_id, views_24h, favourites_24h, leads_24h, bookings_24h, updated_at)
        SELECT apartment_id, views, favourites, leads, bookings, p_now FROM counts
    )
    UPDATE demand_aggregation_state
    SET folded_snapshot = (SELECT taken FROM snapshot), window_end = p_now, refreshed_at = clock_timestamp();
END;
$$;
COMMENT ON FUNCTION rebuild_apartment_stats(timestamptz) IS
    'Полный пересчёт apartment_stats с нуля (первый запуск, сверка, восстановление). Дорого: читает все события за 24 ч';

CREATE FUNCTION refresh_apartment_stats(p_now timestamptz DEFAULT now()) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_state demand_aggregation_state;
    v_start timestamptz := p_now - interval '24 hours';
BEGIN
    SELECT * INTO v_state FROM demand_aggregation_state FOR UPDATE;
    IF v_state.folded_snapshot IS NULL OR p_now < v_state.window_end THEN
        PERFORM rebuild_apartment_stats(p_now);
        RETURN;
    END IF;

    -- Просмотры и избранное: + события, которых не было в прошлом снимке; − учтённые, что вышли из окна.
    WITH snapshot AS MATERIALIZED (
        SELECT pg_current_snapshot() AS taken
    ),
    deltas AS (
        SELECT apartment_id,
               count(*) FILTER (WHERE event = 'view')      AS views_delta,
               count(*) FILTER (WHERE event = 'favourite') AS favourites_delta
        FROM views_log
        WHERE recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
          AND NOT pg_visible_in_snapshot(recorded_xid, v_state.folded_snapshot)
          AND occurred_at > v_start
        GROUP BY apartment_id
        UNION ALL
        SELECT apartment_id,
               -count(*) FILTER (WHERE event = 'view'),
               -count(*) FILTER (WHERE event = 'favourite')
        FROM views_log
        WHERE occurred_at > v_state.window_end - interval '24 hours' AND occurred_at <= v_start
          AND pg_visible_in_snapshot(recorded_xid, v_state.folded_snapshot)
        GROUP BY apartment_id
    ),
    net AS (
        SELECT apartment_id, sum(views_delta) AS views_delta, sum(favourites_delta) AS favourites_delta
        FROM deltas
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
    ),
    inserted AS (
        INSERT INTO apartment_stats (apartment_id, views_24h, favourites_24h, updated_at)
        SELECT net.apartment_id, net.views_delta, net.favourites_delta, p_now
        FROM net
        WHERE net.apartment_id NOT IN (SELECT apartment_id FROM updated)
    )
    UPDATE demand_aggregation_state
    SET folded_snapshot = (SELECT taken FROM snapshot), window_end = p_now, refreshed_at = clock_timestamp();

    -- Заявки и брони: за 24 ч их немного, поэтому точный пересчёт по индексу created_at / booked_at.
    INSERT INTO apartment_stats AS s (apartment_id, leads_24h, bookings_24h, updated_at)
    SELECT coalesce(fresh.apartment_id, stale.apartment_id), coalesce(fresh.leads, 0), coalesce(fresh.bookings, 0), p_now
    FROM (
        SELECT apartment_id, sum(leads)::integer AS leads, sum(bookings)::integer AS bookings
        FROM (
            SELECT apartment_id, 1 AS leads, 0 AS bookings FROM leads WHERE created_at > v_start AND created_at <= p_now
            UNION ALL
            SELECT apartment_id, 0, 1 FROM bookings WHERE booked_at > v_start AND booked_at <= p_now
        ) recent
        GROUP BY apartment_id
    ) fresh
    FULL JOIN (
        SELECT apartment_id, leads_24h, bookings_24h FROM apartment_stats WHERE leads_24h > 0 OR bookings_24h > 0
    ) stale ON stale.apartment_id = fresh.apartment_id
    WHERE (coalesce(fresh.leads, 0), coalesce(fresh.bookings, 0))
          IS DISTINCT FROM (coalesce(stale.leads_24h, 0), coalesce(stale.bookings_24h, 0))
    ON CONFLICT (apartment_id) DO UPDATE
    SET leads_24h = EXCLUDED.leads_24h, bookings_24h = EXCLUDED.bookings_24h, updated_at = EXCLUDED.updated_at;
END;
$$;
COMMENT ON FUNCTION refresh_apartment_stats(timestamptz) IS
    'Инкрементально сдвигает 24-часовое окно apartment_stats к p_now: стоимость зависит от числа новых и '
    'выходящих из окна событий, а не от объёма за 24 ч. Если p_now раньше прошлого окна — полный пересчёт';

CREATE FUNCTION refresh_demand_aggregates(p_now timestamptz DEFAULT now()) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_apartment_stats(p_now);
    IF (SELECT ispopulated FROM pg_matviews WHERE schemaname = current_schema() AND matviewname = 'cluster_demand') THEN
        REFRESH MATERIALIZED VIEW CONCURRENTLY cluster_demand;
    ELSE
        REFRESH MATERIALIZED VIEW cluster_demand;
    END IF;
END;
$$;
COMMENT ON FUNCTION refresh_demand_aggregates(timestamptz) IS
    'Шаг 1 поминутного цикла: apartment_stats к моменту p_now и медианы кластеров cluster_demand (без блокировки читателей)';

-- Проход ценообразования --------------------------------------------------------------------------
-- Функции текста объявлены STABLE (как format и ||): тогда планировщик встраивает их в запрос прохода,
-- и объяснение для миллиона квартир не стоит миллиона вызовов функций.
CREATE TYPE pricing_decision AS ENUM (
    'raise', 'lower', 'hold', 'cooldown', 'recent_booking', 'at_limit', 'no_median', 'disabled', 'skipped'
);
COMMENT ON TYPE pricing_decision IS
    'Решение прохода: повысить, понизить, без изменений, пауза после изменения цены, недавняя бронь, '
    'упёрлись в коридор ±max_shift, нет медианы для сравнения, ценообразование выключено, проход пропущен';

CREATE FUNCTION ru_plural(p_count bigint, p_one text, p_few text, p_many text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN p_count || ' ' || CASE
    WHEN abs(p_count) % 100 BETWEEN 11 AND 14 THEN p_many
    WHEN abs(p_count) % 10 = 1 THEN p_one
    WHEN abs(p_count) % 10 BETWEEN 2 AND 4 THEN p_few
    ELSE p_many END;
COMMENT ON FUNCTION ru_plural(bigint, text, text, text) IS 'Число с существительным в нужной форме: 1 просмотр, 2 просмотра, 5 просмотров, 21 просмотр';

CREATE FUNCTION format_percent_change(p_old numeric, p_new numeric) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE WHEN p_new > p_old THEN '+' WHEN p_new < p_old THEN '−' ELSE '' END
    || replace(trim_scale(abs(round((p_new - p_old) / p_old * 100, 1)))::text, '.', ',') || ' %';
COMMENT ON FUNCTION format_percent_change(numeric, numeric) IS 'Изменение цены в процентах для людей: +3 %, −2,5 % (знак минус U+2212, десятичная запятая)';

CREATE FUNCTION pricing_explanation(
    p_decision pricing_decision, p_old_price numeric, p_new_price numeric,
    p_views integer, p_leads integer, p_bookings integer, p_days_on_site integer,
    p_min_days_on_site integer, p_max_shift numeric, p_rooms smallint, p_direction integer
) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE p_decision
    WHEN 'raise' THEN format('Цена изменилась %s из-за высокого спроса (%s за 24 ч)',
        format_percent_change(p_old_price, p_new_price),
        concat_ws(', ', ru_plural(p_views, 'просмотр', 'просмотра', 'просмотров'),
                  CASE WHEN p_leads > 0 THEN ru_plural(p_leads, 'лид', 'лида', 'лидов') END,
                  CASE WHEN p_bookings > 0 THEN ru_plural(p_bookings, 'бронь', 'брони', 'броней') END))
    WHEN 'lower' THEN format('Цена изменилась %s из-за низкого спроса (%s за 24 ч, %s на сайте)',
        format_percent_change(p_old_price, p_new_price),
        concat_ws(', ', ru_plural(p_views, 'просмотр', 'просмотра', 'просмотров'),
                  CASE WHEN p_leads > 0 THEN ru_plural(p_leads, 'лид', 'лида', 'лидов') END,
                  CASE WHEN p_bookings > 0 THEN ru_plural(p_bookings, 'бронь', 'брони', 'броней') END),
        ru_plural(p_days_on_site, 'день', 'дня', 'дней'))
    WHEN 'hold' THEN CASE
        WHEN p_direction < 0
            THEN format('Цена без изменений: спрос низкий, но квартира на сайте всего %s (снижение — после %s)',
                        ru_plural(p_days_on_site, 'день', 'дня', 'дней'), ru_plural(p_min_days_on_site, 'дня', 'дней', 'дней'))
        ELSE format('Цена без изменений: спрос близок к медиане кластера (%s за 24 ч)',
                    ru_plural(p_views, 'просмотр', 'просмотра', 'просмотров')) END
    WHEN 'cooldown' THEN 'Цена без изменений: она уже менялась за последние 24 ч'
    WHEN 'recent_booking' THEN 'Цена без изменений: по квартире была бронь за последние 24 ч'
    WHEN 'at_limit' THEN format('Цена без изменений: достигнута граница %s от базовой цены',
        CASE WHEN p_direction > 0 THEN '+' ELSE '−' END
        || replace(trim_scale(round(p_max_shift * 100, 2))::text, '.', ',') || ' %')
    WHEN 'no_median' THEN format('Цена без изменений: в кластере (%s) нет спроса для сравнения',
        CASE WHEN p_rooms = 0 THEN 'студии' ELSE p_rooms || '-комнатные' END || ' этого ЖК')
    WHEN 'disabled' THEN 'Цена без изменений: динамическое ценообразование отключено'
    ELSE 'Проход пропущен'
END;
COMMENT ON FUNCTION pricing_explanation(pricing_decision, numeric, numeric, integer, integer, integer, integer, integer, numeric, smallint, integer) IS
    'Понятное объяснение решения на русском с правильными формами слов и фактическим изменением от старой цены';

CREATE FUNCTION pricing_pass_lock_key() RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 7310593858020254578;
COMMENT ON FUNCTION pricing_pass_lock_key() IS
    'Ключ транзакционной advisory-блокировки прохода ценообразования: одновременно идёт только один проход или откат';

CREATE FUNCTION reprice_apartments(
    p_now                timestamptz     DEFAULT now(),
    p_dry_run            boolean         DEFAULT false,
    p_trigger            pricing_trigger DEFAULT 'manual',
    p_elasticity_ceiling numeric         DEFAULT NULL,
    p_max_shift_ceiling  numeric         DEFAULT NULL,
    p_scheduled_for      timestamptz     DEFAULT NULL,
    p_started_by         bigint          DEFAULT NULL,
    p_apartment_id       bigint          DEFAULT NULL,
    p_changes_only       boolean         DEFAULT false
) RETURNS TABLE (
    run_id          bigint,
    apartment_id    bigint,
    project_id      bigint,
    rooms           smallint,
    views_24h       integer,
    favourites_24h  integer,
    leads_24h       integer,
    bookings_24h    integer,
    days_on_site    integer,
    demand          numeric,
    cluster_median  numeric,
    demand_norm     numeric,
    decision        pricing_decision,
    old_price       numeric(14, 2),
    new_price       numeric(14, 2),
    explanation     text
)
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
DECLARE
    v_run_id      bigint;
    v_skip_reason text;
BEGIN
    IF NOT p_dry_run THEN
        IF NOT pg_try_advisory_xact_lock(pricing_pass_lock_key()) THEN
            v_skip_reason := 'Проход пропущен: другой проход ценообразования ещё выполняется';
        ELSIF p_scheduled_for IS NOT NULL
              AND EXISTS (SELECT 1 FROM pricing_runs r WHERE r.scheduled_for = p_scheduled_for) THEN
            v_skip_reason := format('Проход пропущен: слот расписания %s уже обработан', p_scheduled_for);
        END IF;
        IF v_skip_reason IS NOT NULL THEN
            RAISE NOTICE '%', v_skip_reason;
            RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::bigint, NULL::smallint, NULL::integer, NULL::integer,
                                NULL::integer, NULL::integer, NULL::integer, NULL::numeric, NULL::numeric, NULL::numeric,
                                'skipped'::pricing_decision, NULL::numeric(14, 2), NULL::numeric(14, 2), v_skip_reason;
            RETURN;
        END IF;
        INSERT INTO pricing_runs (trigger, scheduled_for, started_by)
        VALUES (p_trigger, p_scheduled_for, p_started_by)
        RETURNING id INTO v_run_id;
        PERFORM set_config('pricing.run_id', v_run_id::text, true);
    END IF;

    RETURN QUERY
    WITH inputs AS (
        SELECT a.id, a.project_id, a.rooms, a.base_price, a.current_price,
               coalesce(s.views_24h, 0)      AS views_24h,
               coalesce(s.favourites_24h, 0) AS favourites_24h,
               coalesce(s.leads_24h, 0)      AS leads_24h,
               coalesce(s.bookings_24h, 0)   AS bookings_24h,
               floor(extract(epoch FROM p_now - a.published_at) / 86400)::integer AS days_on_site,
               pricing_demand(coalesce(s.views_24h, 0), coalesce(s.favourites_24h, 0), coalesce(s.leads_24h, 0),
                              coalesce(s.bookings_24h, 0), cfg.weight_views, cfg.weight_favourites,
                              cfg.weight_leads, cfg.weight_bookings) AS demand,
               cd.median_demand,
               cfg.config_id, cfg.enabled, cfg.k1, cfg.k2, cfg.min_days_on_site,
               least(cfg.step, cfg.elasticity_cap, coalesce(p_elasticity_ceiling, cfg.elasticity_cap)) AS delta,
               least(cfg.max_shift, coalesce(p_max_shift_ceiling, cfg.max_shift))                     AS max_shift,
               coalesce(a.price_changed_at > p_now - cfg.cooldown, false)    AS in_cooldown,
               coalesce(a.last_booked_at > p_now - cfg.booking_freeze, false) AS recently_booked
        FROM apartments a
        JOIN project_pricing_config cfg ON cfg.project_id = a.project_id
        LEFT JOIN apartment_stats s ON s.apartment_id = a.id
        LEFT JOIN cluster_demand cd ON cd.project_id = a.project_id AND cd.rooms = a.rooms
        WHERE a.status = 'available' AND a.moderation_status = 'published'
          AND (p_apartment_id IS NULL OR a.id = p_apartment_id)
        OFFSET 0  -- each step is computed once per row: without it the planner inlines and re-evaluates them
    ),
    directed AS (
        SELECT i.*,
               CASE WHEN i.median_demand > 0 AND i.demand > i.k1 * i.median_demand THEN 1
                    WHEN i.median_demand > 0 AND i.demand < i.k2 * i.median_demand
                         AND i.days_on_site > i.min_days_on_site THEN -1
                    WHEN i.median_demand > 0 AND i.demand < i.k2 * i.median_demand THEN -2
                    ELSE 0 END AS direction,
               round(i.base_price * (1 + i.max_shift), 2) AS upper_price,
               round(i.base_price * (1 - i.max_shift), 2) AS lower_price
        FROM inputs i
        OFFSET 0
    ),
    candidates AS (
        SELECT d.*,
               CASE d.direction
                   WHEN 1  THEN least(round(d.current_price * (1 + d.delta), 2), d.upper_price)
                   WHEN -1 THEN greatest(round(d.current_price * (1 - d.delta), 2), d.lower_price)
                   ELSE d.current_price END AS candidate_price
        FROM directed d
        OFFSET 0
    ),
    decided AS MATERIALIZED (
        SELECT c.*,
               CASE
                   WHEN NOT c.enabled                                   THEN 'disabled'
                   WHEN c.in_cooldown                                   THEN 'cooldown'
                   WHEN c.recently_booked                               THEN 'recent_booking'
                   WHEN c.median_demand IS NULL OR c.median_demand = 0  THEN 'no_median'
                   WHEN c.direction = 1 AND c.candidate_price > c.current_price  THEN 'raise'
                   WHEN c.direction = -1 AND c.candidate_price < c.current_price THEN 'lower'
                   WHEN c.direction IN (1, -1)                          THEN 'at_limit'
                   ELSE 'hold'
               END::pricing_decision AS decision
        FROM candidates c
    ),
    priced AS MATERIALIZED (  -- plain columns, so that pricing_explanation is inlined, not called per row
        SELECT d.*,
               CASE WHEN d.decision IN ('raise', 'lower') THEN d.candidate_price ELSE d.current_price END AS final_price
        FROM decided d
        WHERE NOT p_changes_only OR d.decision IN ('raise', 'lower')
    ),
    explained AS (
        SELECT p.*,
               pricing_explanation(p.decision, p.current_price, p.final_price, p.views_24h, p.leads_24h,
                                   p.bookings_24h, p.days_on_site, p.min_days_on_site, p.max_shift, p.rooms,
                                   p.direction) AS readable
        FROM priced p
    ),
    locked AS (
        SELECT a.id
        FROM apartments a
        JOIN explained e ON e.id = a.id
        WHERE NOT p_dry_run AND e.decision IN ('raise', 'lower')
        ORDER BY a.id
        FOR UPDATE OF a
    ),
    changed AS (
        UPDATE apartments a
        SET current_price = e.final_price, price_changed_at = p_now
        FROM explained e
        WHERE a.id = e.id
          AND a.id IN (SELECT l.id FROM locked l)
          AND a.current_price = e.current_price AND a.status = 'available'
        RETURNING e.*
    ),
    history AS (
        INSERT INTO price_history (apartment_id, changed_at, old_price, new_price, reason, pricing_run_id, inputs, explanation)
        SELECT c.id, p_now, c.current_price, c.final_price, 'dynamic', v_run_id,
               jsonb_build_object(
                   'views_24h', c.views_24h, 'favourites_24h', c.favourites_24h, 'leads_24h', c.leads_24h,
                   'bookings_24h', c.bookings_24h, 'days_on_site', c.days_on_site, 'demand', c.demand,
                   'cluster_median', c.median_demand, 'demand_norm', round(c.demand / c.median_demand, 4),
                   'delta', c.delta, 'max_shift', c.max_shift, 'k1', c.k1, 'k2', c.k2, 'config_id', c.config_id),
               c.readable
        FROM changed c
    ),
    run_summary AS (
        UPDATE pricing_runs r
        SET finished_at = clock_timestamp(),
            evaluated   = (SELECT count(*) FROM decided),
            decisions   = coalesce((SELECT jsonb_object_agg(counted.decision, counted.total)
                                    FROM (SELECT d.decision, count(*) AS total FROM decided d GROUP BY d.decision) counted),
                                   '{}'),
            raised      = (SELECT count(*) FROM changed c WHERE c.decision = 'raise'),
            lowered     = (SELECT count(*) FROM changed c WHERE c.decision = 'lower')
        WHERE r.id = v_run_id
    )
    SELECT v_run_id, e.id, e.project_id, e.rooms, e.views_24h, e.favourites_24h, e.leads_24h, e.bookings_24h,
           e.days_on_site, e.demand, e.median_demand,
           CASE WHEN e.median_demand > 0 THEN round(e.demand / e.median_demand, 4) END,
           e.decision, e.current_price, e.final_price, e.readable
    FROM explained e
    ORDER BY e.id;
END;
$$;
COMMENT ON FUNCTION reprice_apartments(timestamptz, boolean, pricing_trigger, numeric, numeric, timestamptz, bigint, bigint, boolean) IS
    'Шаг 2 поминутного цикла: один set-based проход по квартирам в продаже (status = available, published). '
    'demand_norm = demand / медиана кластера (cluster_demand); > k1 — +Δ, < k2 и дней на сайте > min_days_on_site — −Δ; '
    'Δ = min(step, elasticity_cap, p_elasticity_ceiling); цена округляется до копеек и ограничивается коридором '
    'round(base × (1 ± min(max_shift, p_max_shift_ceiling)), 2). Не трогает цену, менявшуюся за cooldown или с бронью за booking_freeze. '
    'Пишет price_history (reason = dynamic) и pricing_runs; p_dry_run — только показать решения. '
    'Одновременно идёт только один проход (pg_try_advisory_xact_lock): второй сразу возвращает строку decision = skipped. '
    'p_scheduled_for не даёт двум репликам провести один слот расписания дважды. Возвращает строку на каждую квартиру в продаже '
    '(p_changes_only — только изменённые; итоги прохода в pricing_runs, его id — в current_setting(''pricing.run_id'') до конца транзакции)';

CREATE FUNCTION rollback_pricing_run(p_run_id bigint, p_user_id bigint DEFAULT NULL, p_now timestamptz DEFAULT now())
RETURNS TABLE (apartment_id bigint, restored_price numeric(14, 2), replaced_price numeric(14, 2))
LANGUAGE plpgsql AS $$
DECLARE
    v_run pricing_runs;
BEGIN
    SELECT * INTO v_run FROM pricing_runs r WHERE r.id = p_run_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'pricing run % does not exist', p_run_id USING ERRCODE = 'no_data_found';
    END IF;
    IF v_run.rolled_back_at IS NOT NULL THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(pricing_pass_lock_key());

    RETURN QUERY
    WITH still_current AS (
        SELECT h.apartment_id, h.old_price, h.new_price
        FROM price_history h
        JOIN apartments a ON a.id = h.apartment_id
        WHERE h.pricing_run_id = p_run_id
          AND a.current_price = h.new_price
          AND NOT EXISTS (SELECT 1 FROM price_history later
                          WHERE later.apartment_id = h.apartment_id AND later.id > h.id)
        ORDER BY h.apartment_id
        FOR UPDATE OF a
    ),
    restored AS (
        UPDATE apartments a SET current_price = sc.old_price, price_changed_at = p_now
        FROM still_current sc
        WHERE a.id = sc.apartment_id
        RETURNING a.id, sc.old_price, sc.new_price
    ),
    history AS (
        INSERT INTO price_history (apartment_id, changed_at, old_price, new_price, reason, rollback_of_run_id, changed_by, explanation)
        SELECT r.id, p_now, r.new_price, r.old_price, 'manual', p_run_id, p_user_id,
               format('Цена возвращена: отмена прохода ценообразования №%s (%s)', p_run_id, format_percent_change(r.new_price, r.old_price))
        FROM restored r
    ),
    marked AS (
        UPDATE pricing_runs r SET rolled_back_at = p_now, rolled_back_by = p_user_id
        WHERE r.id = p_run_id
    )
    SELECT r.id, r.old_price, r.new_price FROM restored r ORDER BY r.id;
END;
$$;
COMMENT ON FUNCTION rollback_pricing_run(bigint, bigint, timestamptz) IS
    'Откат прохода: возвращает старые цены тех его изменений, которые всё ещё действуют (после них цену никто не менял), '
    'каждую записывает в price_history как manual со ссылкой rollback_of_run_id. Повторный вызов ничего не делает';
