-- V2: динамическое ценообразование.
--
-- Конвейер одной минуты (его запускает сервис, см. src/pricing/cycle.rs):
--   1. refresh_demand_aggregates(now) — инкрементально обновляет apartment_stats (просмотры/избранное за 24 ч:
--      добавляет события новее водяного знака и вычитает вышедшие из окна; заявки и брони — точный пересчёт только
--      у задетых квартир) и обновляет материализованное представление cluster_demand (медианы кластеров)
--      CONCURRENTLY, не блокируя читателей;
--   2. reprice_apartments(now) — один set-based проход по всем квартирам в продаже со всеми ограничителями.
--
-- Почему так: на 1 млн квартир и 10 млн событий за 24 ч материализованное представление поверх сырых событий
-- обновляется ~9 с (~15 с CONCURRENTLY), а поминутная дельта — это ~7 тыс. событий. Медианы по ~10 тыс.
-- кластеров — маленький результат, его дёшево держать в материализованном представлении для аналитиков.
--
-- Рабочий набор прохода — apartment_stats: кроме счётчиков за 24 ч в ней лежит копия всего, что проход читает
-- у квартиры (ЖК, комнатность, «в продаже», цены, время публикации, последнего изменения цены и брони; копию
-- ведут триггеры apartments). Соединение двух таблиц по миллиону строк стоит здесь ~1 с, а и медианам, и проходу
-- нужна каждая квартира в продаже: поэтому оба читают одну узкую таблицу, а apartments проход трогает только
-- для изменённых цен. Спрос в горячем цикле считается в целых тысячных (веса numeric(8, 3)) — без numeric на строку.

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
       chosen.cooldown, chosen.booking_freeze, chosen.min_days_on_site,
       (chosen.weight_views * 1000)::bigint      AS views_weight_milli,
       (chosen.weight_favourites * 1000)::bigint AS favourites_weight_milli,
       (chosen.weight_leads * 1000)::bigint      AS leads_weight_milli,
       (chosen.weight_bookings * 1000)::bigint   AS bookings_weight_milli
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
COMMENT ON COLUMN project_pricing_config.views_weight_milli IS 'Вес просмотра в тысячных (целое): спрос в тысячных считается без numeric';
COMMENT ON COLUMN project_pricing_config.favourites_weight_milli IS 'Вес избранного в тысячных (целое)';
COMMENT ON COLUMN project_pricing_config.leads_weight_milli IS 'Вес заявки в тысячных (целое)';
COMMENT ON COLUMN project_pricing_config.bookings_weight_milli IS 'Вес брони в тысячных (целое)';

-- Ограничители прохода: время последнего изменения цены и последней брони хранится в самой квартире,
-- чтобы проходу по миллиону квартир не агрегировать price_history и bookings каждую минуту.
ALTER TABLE apartments
    ADD COLUMN price_changed_at timestamptz,
    ADD COLUMN last_booked_at   timestamptz;
COMMENT ON COLUMN apartments.price_changed_at IS 'Последнее изменение цены по любой причине = max(price_history.changed_at); ведёт триггер';
COMMENT ON COLUMN apartments.last_booked_at IS 'Последняя бронь любого статуса = max(bookings.booked_at); ведёт триггер';

-- Запросы триггеров с transition table выполняются через EXECUTE: план строится под фактический размер таблицы
-- (одна строка из API или полмиллиона из первого прохода), а не берётся из кеша первого вызова в сеансе.
-- Последняя строка квартиры выбирается NOT EXISTS, а не GROUP BY: оценку числа групп у transition table
-- планировщик не знает (берёт 200) и на большом операторе выбирает вложенный цикл по индексу.
CREATE FUNCTION apartments_track_price_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE $sql$
        UPDATE apartments a
        SET price_changed_at = latest.changed_at
        FROM inserted_history latest
        WHERE a.id = latest.apartment_id
          AND NOT EXISTS (SELECT 1 FROM inserted_history later
                          WHERE later.apartment_id = latest.apartment_id AND later.changed_at > latest.changed_at)
          AND (a.price_changed_at IS NULL OR a.price_changed_at < latest.changed_at)
    $sql$;
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
    EXECUTE $sql$
        UPDATE apartments a
        SET last_booked_at = latest.booked_at
        FROM inserted_bookings latest
        WHERE a.id = latest.apartment_id
          AND NOT EXISTS (SELECT 1 FROM inserted_bookings later
                          WHERE later.apartment_id = latest.apartment_id AND later.booked_at > latest.booked_at)
          AND (a.last_booked_at IS NULL OR a.last_booked_at < latest.booked_at)
    $sql$;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_track_booking() IS 'Переносит max(booked_at) новых броней в apartments.last_booked_at (одним UPDATE на оператор)';
CREATE TRIGGER bookings_track_booking AFTER INSERT ON bookings
    REFERENCING NEW TABLE AS inserted_bookings
    FOR EACH STATEMENT EXECUTE FUNCTION apartments_track_booking();

-- Рабочий набор прохода ------------------------------------------------------------------------------
-- Копия полей квартиры, которые читают медианы и проход; источник правды — apartments, копию ведут триггеры
-- (одним UPDATE на оператор). Строка apartment_stats есть у каждой квартиры с момента её создания.
ALTER TABLE apartment_stats
    ADD COLUMN project_id       bigint,
    ADD COLUMN rooms            smallint,
    ADD COLUMN on_sale          boolean,
    ADD COLUMN published_at     timestamptz,
    ADD COLUMN base_price       numeric(14, 2),
    ADD COLUMN current_price    numeric(14, 2),
    ADD COLUMN price_changed_at timestamptz,
    ADD COLUMN last_booked_at   timestamptz;
INSERT INTO apartment_stats (apartment_id) SELECT id FROM apartments ON CONFLICT (apartment_id) DO NOTHING;
UPDATE apartment_stats s
SET project_id = a.project_id, rooms = a.rooms,
    on_sale = a.status = 'available' AND a.moderation_status = 'published',
    published_at = a.published_at, base_price = a.base_price, current_price = a.current_price,
    price_changed_at = a.price_changed_at, last_booked_at = a.last_booked_at
FROM apartments a
WHERE a.id = s.apartment_id;
ALTER TABLE apartment_stats
    ALTER COLUMN project_id SET NOT NULL,
    ALTER COLUMN rooms SET NOT NULL,
    ALTER COLUMN on_sale SET NOT NULL,
    ALTER COLUMN base_price SET NOT NULL,
    ALTER COLUMN current_price SET NOT NULL,
    SET (fillfactor = 90);
COMMENT ON TABLE apartment_stats IS
    'Рабочий набор ценообразования по квартире: показатели спроса за скользящие 24 ч (ведёт refresh_apartment_stats) '
    'и копия полей apartments, которые читают медианы и проход (ведут триггеры apartments_sync_pricing_*). '
    'Строка есть у каждой квартиры; проход и cluster_demand читают только эту узкую таблицу';
COMMENT ON COLUMN apartment_stats.project_id IS 'Копия apartments.project_id (кластер)';
COMMENT ON COLUMN apartment_stats.rooms IS 'Копия apartments.rooms (кластер)';
COMMENT ON COLUMN apartment_stats.on_sale IS 'Квартира в продаже: apartments.status = available и moderation_status = published';
COMMENT ON COLUMN apartment_stats.published_at IS 'Копия apartments.published_at (для days_on_site)';
COMMENT ON COLUMN apartment_stats.base_price IS 'Копия apartments.base_price (коридор цены)';
COMMENT ON COLUMN apartment_stats.current_price IS 'Копия apartments.current_price';
COMMENT ON COLUMN apartment_stats.price_changed_at IS 'Копия apartments.price_changed_at (пауза после изменения цены)';
COMMENT ON COLUMN apartment_stats.last_booked_at IS 'Копия apartments.last_booked_at (пауза после брони)';

CREATE FUNCTION apartments_sync_pricing_inputs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO apartment_stats (apartment_id, project_id, rooms, on_sale, published_at, base_price, current_price,
                                     price_changed_at, last_booked_at)
        SELECT a.id, a.project_id, a.rooms, a.status = 'available' AND a.moderation_status = 'published',
               a.published_at, a.base_price, a.current_price, a.price_changed_at, a.last_booked_at
        FROM changed_apartments a;
    ELSE
        EXECUTE $sql$
            UPDATE apartment_stats s
            SET project_id = a.project_id, rooms = a.rooms,
                on_sale = a.status = 'available' AND a.moderation_status = 'published',
                published_at = a.published_at, base_price = a.base_price, current_price = a.current_price,
                price_changed_at = a.price_changed_at, last_booked_at = a.last_booked_at
            FROM changed_apartments a
            WHERE s.apartment_id = a.id
              AND (s.project_id, s.rooms, s.on_sale, s.published_at, s.base_price, s.current_price,
                   s.price_changed_at, s.last_booked_at)
                  IS DISTINCT FROM
                  (a.project_id, a.rooms, a.status = 'available' AND a.moderation_status = 'published',
                   a.published_at, a.base_price, a.current_price, a.price_changed_at, a.last_booked_at)
        $sql$;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_sync_pricing_inputs() IS
    'Переносит в apartment_stats поля вставленных и изменённых квартир, которые читает ценообразование (одним оператором)';
CREATE TRIGGER apartments_sync_pricing_inserted AFTER INSERT ON apartments
    REFERENCING NEW TABLE AS changed_apartments
    FOR EACH STATEMENT EXECUTE FUNCTION apartments_sync_pricing_inputs();
CREATE TRIGGER apartments_sync_pricing_updated AFTER UPDATE ON apartments
    REFERENCING NEW TABLE AS changed_apartments
    FOR EACH STATEMENT EXECUTE FUNCTION apartments_sync_pricing_inputs();

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

CREATE FUNCTION pricing_demand_milli(
    p_views integer, p_favourites integer, p_leads integer, p_bookings integer,
    p_views_weight_milli bigint, p_favourites_weight_milli bigint, p_leads_weight_milli bigint, p_bookings_weight_milli bigint
) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p_views_weight_milli * p_views + p_favourites_weight_milli * p_favourites
     + p_leads_weight_milli * p_leads + p_bookings_weight_milli * p_bookings;
COMMENT ON FUNCTION pricing_demand_milli(integer, integer, integer, integer, bigint, bigint, bigint, bigint) IS
    'Тот же спрос в целых тысячных: pricing_demand × 1000 точно (веса numeric(8, 3)). Медианы и проход сравнивают '
    'его целыми числами: на миллионе строк numeric-арифметика стоила бы сотни миллисекунд';

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
WITH weights AS (
    SELECT project_id, views_weight_milli, favourites_weight_milli, leads_weight_milli, bookings_weight_milli
    FROM project_pricing_config
    OFFSET 0  -- веса считаются один раз на ЖК, а не на квартиру; подзапрос, а не MATERIALIZED: планировщику видна
              -- статистика projects.id, и он хеширует 2 500 ЖК, а не миллион квартир
),
clusters AS (  -- хеш-группировка без сортировки миллиона строк: спрос кластера собирается в массив
    SELECT s.project_id,
           s.rooms,
           count(*)::integer             AS apartments_on_sale,
           array_agg(pricing_demand_milli(s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h,
                                          w.views_weight_milli, w.favourites_weight_milli,
                                          w.leads_weight_milli, w.bookings_weight_milli)) AS demands_milli,
           sum(s.views_24h)::bigint      AS views_24h,
           sum(s.favourites_24h)::bigint AS favourites_24h,
           sum(s.leads_24h)::bigint      AS leads_24h,
           sum(s.bookings_24h)::bigint   AS bookings_24h,
           min(s.current_price)          AS min_price,
           max(s.current_price)          AS max_price
    FROM apartment_stats s
    JOIN weights w ON w.project_id = s.project_id
    WHERE s.on_sale
    GROUP BY s.project_id, s.rooms
)
SELECT c.project_id,
       c.rooms,
       c.apartments_on_sale,
       (SELECT trim_scale(percentile_cont(0.5) WITHIN GROUP (ORDER BY demand_milli)::numeric / 1000)
        FROM unnest(c.demands_milli) AS demand_milli) AS median_demand,  -- сортируется ~100 значений кластера
       c.views_24h,
       c.favourites_24h,
       c.leads_24h,
       c.bookings_24h,
       c.min_price,
       c.max_price,
       now() AS refreshed_at
FROM clusters c
WITH NO DATA;
CREATE UNIQUE INDEX cluster_demand_key ON cluster_demand (project_id, rooms);
COMMENT ON MATERIALIZED VIEW cluster_demand IS
    'Кластеры «ЖК × комнатность» среди квартир в продаже: медиана спроса (percentile_cont, нули учитываются) и итоги за 24 ч. '
    'Обновляется refresh_demand_aggregates() каждую минуту CONCURRENTLY';
COMMENT ON COLUMN cluster_demand.project_id IS 'ЖК';
COMMENT ON COLUMN cluster_demand.rooms IS 'Комнатность';
COMMENT ON COLUMN cluster_demand.apartments_on_sale IS 'Квартир в продаже в кластере';
COMMENT ON COLUMN cluster_demand.median_demand IS
    'Медиана спроса в кластере: percentile_cont(0.5) по спросу в тысячных (точно: целые и половины), делённая на 1000';
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
    ANALYZE apartment_stats;  -- статистика для планов прохода сразу после полной перезаливки
END;
$$;
COMMENT ON FUNCTION rebuild_apartment_stats(timestamptz) IS
    'Полный пересчёт apartment_stats с нуля (первый запуск, сверка, восстановление): счётчики из событий за 24 ч и '
    'копия полей apartments. Дорого: читает все события за 24 ч';

CREATE FUNCTION refresh_apartment_stats(p_now timestamptz DEFAULT now()) RETURNS void
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
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
    updated AS (  -- a stats row exists for every apartment (apartments_sync_pricing_inserted)
        UPDATE apartment_stats s
        SET views_24h      = s.views_24h + net.views_delta,
            favourites_24h = s.favourites_24h + net.favourites_delta,
            updated_at     = p_now
        FROM net
        WHERE s.apartment_id = net.apartment_id
    )
    UPDATE demand_aggregation_state
    SET folded_snapshot = (SELECT taken FROM snapshot), window_end = p_now, refreshed_at = clock_timestamp();

    -- Заявки и брони: точный пересчёт за 24 ч, но только у квартир, где что-то могло измениться: строки, которых не было
    -- в прошлом снимке (в том числе поздние коммиты), строки, вышедшие из окна, и строки «из будущего», до которых
    -- дошло окно. Пересчёт абсолютный, поэтому квартира, задетая дважды, не посчитается дважды.
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
                WHERE l.apartment_id = t.apartment_id AND l.created_at > v_start AND l.created_at <= p_now)::integer AS leads,
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
    'выходящих из окна событий, а не от объёма за 24 ч (события views_log, leads и bookings только добавляются). '
    'Если p_now раньше прошлого окна — полный пересчёт';

CREATE FUNCTION refresh_demand_aggregates(p_now timestamptz DEFAULT now()) RETURNS void
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
BEGIN
    PERFORM refresh_apartment_stats(p_now);
    IF (SELECT ispopulated FROM pg_matviews WHERE schemaname = current_schema() AND matviewname = 'cluster_demand') THEN
        REFRESH MATERIALIZED VIEW CONCURRENTLY cluster_demand;
    ELSE
        REFRESH MATERIALIZED VIEW cluster_demand;
    END IF;
    ANALYZE cluster_demand;  -- 10 тыс. строк: без статистики планировщик считает кластеры сотнями тысяч и сортирует проход
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

CREATE FUNCTION pricing_direction(
    p_views integer, p_favourites integer, p_leads integer, p_bookings integer,
    p_views_weight_milli bigint, p_favourites_weight_milli bigint, p_leads_weight_milli bigint, p_bookings_weight_milli bigint,
    p_raise_above_milli bigint, p_lower_below_milli bigint, p_published_at timestamptz, p_lowering_published_before timestamptz
) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN p_raise_above_milli IS NULL THEN 0
    WHEN pricing_demand_milli(p_views, p_favourites, p_leads, p_bookings, p_views_weight_milli, p_favourites_weight_milli,
                              p_leads_weight_milli, p_bookings_weight_milli) > p_raise_above_milli THEN 1
    WHEN pricing_demand_milli(p_views, p_favourites, p_leads, p_bookings, p_views_weight_milli, p_favourites_weight_milli,
                              p_leads_weight_milli, p_bookings_weight_milli) < p_lower_below_milli
        THEN CASE WHEN p_published_at <= p_lowering_published_before THEN -1 ELSE -2 END
    ELSE 0
END;
COMMENT ON FUNCTION pricing_direction(integer, integer, integer, integer, bigint, bigint, bigint, bigint, bigint, bigint, timestamptz, timestamptz) IS
    'Куда тянет спрос: 1 — demand > k1·медиана, −1 — demand < k2·медиана и квартира на сайте дольше min_days_on_site, '
    '−2 — спрос низкий, но квартира на сайте недолго, 0 — около медианы или медианы нет. Пороги — в тысячных спроса '
    '(raise_above_milli = floor(k1·медиана·1000), lower_below_milli = ceil(k2·медиана·1000)): для целого спроса сравнение точное';

CREATE FUNCTION pricing_candidate_price(
    p_direction integer, p_current_price numeric, p_base_price numeric, p_delta numeric, p_max_shift numeric
) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE p_direction
    WHEN 1  THEN least(round(p_current_price * (1 + p_delta), 2), round(p_base_price * (1 + p_max_shift), 2))
    WHEN -1 THEN greatest(round(p_current_price * (1 - p_delta), 2), round(p_base_price * (1 - p_max_shift), 2))
    ELSE p_current_price
END;
COMMENT ON FUNCTION pricing_candidate_price(integer, numeric, numeric, numeric, numeric) IS
    'Цена после шага Δ в сторону direction (1 — вверх, −1 — вниз), округлённая до копеек и зажатая в коридор '
    'round(base × (1 ± max_shift), 2); при другом direction — текущая цена';

CREATE TYPE pricing_outcome AS (
    apartment_id     bigint,
    project_id       bigint,
    rooms            smallint,
    views_24h        integer,
    favourites_24h   integer,
    leads_24h        integer,
    bookings_24h     integer,
    days_on_site     integer,
    demand           numeric,
    cluster_median   numeric,
    direction        integer,
    decision         pricing_decision,
    old_price        numeric(14, 2),
    new_price        numeric(14, 2),
    config_id        bigint,
    k1               numeric,
    k2               numeric,
    delta            numeric,
    max_shift        numeric,
    min_days_on_site integer
);
COMMENT ON TYPE pricing_outcome IS
    'Решение прохода по одной квартире со всеми входными данными: элемент массива, в который reprice_apartments '
    'собирает только нужные строки (изменения или всё при p_changes_only = false), не материализуя миллион строк';
COMMENT ON COLUMN pricing_outcome.apartment_id IS 'Квартира';
COMMENT ON COLUMN pricing_outcome.project_id IS 'ЖК';
COMMENT ON COLUMN pricing_outcome.rooms IS 'Комнатность';
COMMENT ON COLUMN pricing_outcome.views_24h IS 'Просмотров за 24 ч';
COMMENT ON COLUMN pricing_outcome.favourites_24h IS 'В избранное за 24 ч';
COMMENT ON COLUMN pricing_outcome.leads_24h IS 'Заявок за 24 ч';
COMMENT ON COLUMN pricing_outcome.bookings_24h IS 'Броней за 24 ч';
COMMENT ON COLUMN pricing_outcome.days_on_site IS 'Полных дней на сайте';
COMMENT ON COLUMN pricing_outcome.demand IS 'Спрос по весам ЖК';
COMMENT ON COLUMN pricing_outcome.cluster_median IS 'Медиана спроса в кластере (пусто — кластера нет в cluster_demand)';
COMMENT ON COLUMN pricing_outcome.direction IS '1 — спрос высокий, −1 — низкий и можно снижать, −2 — низкий, но квартира на сайте недолго, 0 — около медианы';
COMMENT ON COLUMN pricing_outcome.decision IS 'Решение';
COMMENT ON COLUMN pricing_outcome.old_price IS 'Цена до прохода';
COMMENT ON COLUMN pricing_outcome.new_price IS 'Цена после прохода (равна старой, если решение не raise и не lower)';
COMMENT ON COLUMN pricing_outcome.config_id IS 'Версия настроек, по которой принято решение';
COMMENT ON COLUMN pricing_outcome.k1 IS 'Верхний порог demand_norm';
COMMENT ON COLUMN pricing_outcome.k2 IS 'Нижний порог demand_norm';
COMMENT ON COLUMN pricing_outcome.delta IS 'Шаг Δ с учётом потолков, доля';
COMMENT ON COLUMN pricing_outcome.max_shift IS 'Коридор от базовой цены с учётом потолков, доля';
COMMENT ON COLUMN pricing_outcome.min_days_on_site IS 'Минимум дней на сайте для снижения';

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
SET plan_cache_mode = force_custom_plan  -- параметры — константы в плане: размеры, p_apartment_id, p_changes_only
AS $$
DECLARE
    v_run_id      bigint;
    v_skip_reason text;
    v_min_rooms   integer;
    v_max_rooms   integer;
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

    -- Комнатности каталога (по apartments_rooms_idx) — константы в плане: планировщик точно знает число кластеров.
    SELECT min(a.rooms), max(a.rooms) INTO v_min_rooms, v_max_rooms FROM apartments a;

    RETURN QUERY
    -- clusters — подзапрос с OFFSET 0, а не MATERIALIZED: выражения считаются один раз на кластер, а планировщику
    -- видна статистика ключей, и он хеширует кластеры (десятки тысяч строк), а не миллион квартир.
    WITH clusters AS NOT MATERIALIZED (  -- каждый ЖК × каждая комнатность: параметры ЖК и пороги кластера
        SELECT r.*, room.rooms::smallint AS rooms, cd.median_demand,
               -- пороги в тысячных спроса: для целого x  x > T ⇔ x > floor(T), x < T ⇔ x < ceil(T)
               CASE WHEN cd.median_demand > 0 THEN floor(r.k1 * cd.median_demand * 1000)::bigint END AS raise_above_milli,
               CASE WHEN cd.median_demand > 0 THEN ceil(r.k2 * cd.median_demand * 1000)::bigint END  AS lower_below_milli
        FROM (
            SELECT cfg.project_id, cfg.config_id, cfg.enabled, cfg.k1, cfg.k2, cfg.min_days_on_site,
                   cfg.weight_views, cfg.weight_favourites, cfg.weight_leads, cfg.weight_bookings,
                   cfg.views_weight_milli, cfg.favourites_weight_milli, cfg.leads_weight_milli, cfg.bookings_weight_milli,
                   least(cfg.step, cfg.elasticity_cap, coalesce(p_elasticity_ceiling, cfg.elasticity_cap)) AS delta,
                   least(cfg.max_shift, coalesce(p_max_shift_ceiling, cfg.max_shift))                     AS max_shift,
                   p_now - cfg.cooldown       AS cooldown_since,
                   p_now - cfg.booking_freeze AS booking_freeze_since,
                   -- days_on_site > min_days_on_site  ⇔  опубликована не позже p_now − (min_days_on_site + 1) суток
                   p_now - make_interval(secs => 86400 * (cfg.min_days_on_site + 1)) AS lowering_published_before
            FROM project_pricing_config cfg
            OFFSET 0
        ) r
        CROSS JOIN generate_series(v_min_rooms, v_max_rooms) AS room(rooms)
        LEFT JOIN cluster_demand cd ON cd.project_id = r.project_id AND cd.rooms = room.rooms
        OFFSET 0
    ),
    evaluated AS (  -- миллион строк одним уровнем: целые сравнения, время; цены — только у тех, кого можно двигать
        SELECT s.apartment_id, s.project_id, s.rooms, s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h,
               s.published_at, s.base_price, s.current_price,
               c.median_demand, c.raise_above_milli, c.lower_below_milli, c.lowering_published_before,
               c.views_weight_milli, c.favourites_weight_milli, c.leads_weight_milli, c.bookings_weight_milli,
               c.weight_views, c.weight_favourites, c.weight_leads, c.weight_bookings,
               c.config_id, c.k1, c.k2, c.min_days_on_site, c.delta, c.max_shift,
               CASE
                   WHEN NOT c.enabled                             THEN 'disabled'::pricing_decision
                   WHEN s.price_changed_at > c.cooldown_since     THEN 'cooldown'::pricing_decision
                   WHEN s.last_booked_at > c.booking_freeze_since THEN 'recent_booking'::pricing_decision
                   WHEN c.raise_above_milli IS NULL               THEN 'no_median'::pricing_decision
                   ELSE CASE pricing_direction(s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h,
                                               c.views_weight_milli, c.favourites_weight_milli,
                                               c.leads_weight_milli, c.bookings_weight_milli,
                                               c.raise_above_milli, c.lower_below_milli,
                                               s.published_at, c.lowering_published_before)
                       WHEN 1 THEN CASE
                           WHEN pricing_candidate_price(1, s.current_price, s.base_price, c.delta, c.max_shift) > s.current_price
                               THEN 'raise'::pricing_decision
                           ELSE 'at_limit'::pricing_decision END
                       WHEN -1 THEN CASE
                           WHEN pricing_candidate_price(-1, s.current_price, s.base_price, c.delta, c.max_shift) < s.current_price
                               THEN 'lower'::pricing_decision
                           ELSE 'at_limit'::pricing_decision END
                       ELSE 'hold'::pricing_decision
                   END
               END AS decision
        FROM apartment_stats s
        JOIN clusters c ON c.project_id = s.project_id AND c.rooms = s.rooms
        WHERE s.on_sale
          AND (p_apartment_id IS NULL OR s.apartment_id = p_apartment_id)
        OFFSET 0  -- решение считается один раз на строку, а не в каждом FILTER ниже
    ),
    tally AS MATERIALIZED (  -- один проход по миллиону строк без сортировки: счётчики решений и строки для ответа
        SELECT count(*) AS evaluated,
               count(*) FILTER (WHERE e.decision = 'raise')          AS raise,
               count(*) FILTER (WHERE e.decision = 'lower')          AS lower,
               count(*) FILTER (WHERE e.decision = 'hold')           AS hold,
               count(*) FILTER (WHERE e.decision = 'cooldown')       AS cooldown,
               count(*) FILTER (WHERE e.decision = 'recent_booking') AS recent_booking,
               count(*) FILTER (WHERE e.decision = 'at_limit')       AS at_limit,
               count(*) FILTER (WHERE e.decision = 'no_median')      AS no_median,
               count(*) FILTER (WHERE e.decision = 'disabled')       AS disabled,
               array_agg(ROW(
                   e.apartment_id, e.project_id, e.rooms, e.views_24h, e.favourites_24h, e.leads_24h, e.bookings_24h,
                   floor(extract(epoch FROM p_now - e.published_at) / 86400)::integer,
                   pricing_demand(e.views_24h, e.favourites_24h, e.leads_24h, e.bookings_24h,
                                  e.weight_views, e.weight_favourites, e.weight_leads, e.weight_bookings),
                   e.median_demand,
                   pricing_direction(e.views_24h, e.favourites_24h, e.leads_24h, e.bookings_24h,
                                     e.views_weight_milli, e.favourites_weight_milli,
                                     e.leads_weight_milli, e.bookings_weight_milli,
                                     e.raise_above_milli, e.lower_below_milli,
                                     e.published_at, e.lowering_published_before),
                   e.decision, e.current_price,
                   CASE e.decision
                       WHEN 'raise' THEN pricing_candidate_price(1, e.current_price, e.base_price, e.delta, e.max_shift)
                       WHEN 'lower' THEN pricing_candidate_price(-1, e.current_price, e.base_price, e.delta, e.max_shift)
                       ELSE e.current_price END,
                   e.config_id, e.k1, e.k2, e.delta, e.max_shift, e.min_days_on_site
               )::pricing_outcome) FILTER (WHERE NOT p_changes_only OR e.decision IN ('raise', 'lower')) AS reported
        FROM evaluated e
    ),
    explained AS MATERIALIZED (  -- plain columns, so that pricing_explanation is inlined, not called per row
        SELECT o.*,
               pricing_explanation(o.decision, o.old_price, o.new_price, o.views_24h, o.leads_24h, o.bookings_24h,
                                   o.days_on_site, o.min_days_on_site, o.max_shift, o.rooms, o.direction) AS readable
        FROM tally t
        CROSS JOIN LATERAL unnest(t.reported) o
    ),
    locked AS (
        SELECT a.id
        FROM apartments a
        JOIN explained e ON e.apartment_id = a.id
        WHERE NOT p_dry_run AND e.decision IN ('raise', 'lower')
        ORDER BY a.id
        FOR UPDATE OF a
    ),
    changed AS (
        UPDATE apartments a
        SET current_price = e.new_price, price_changed_at = p_now
        FROM explained e
        WHERE a.id = e.apartment_id
          AND a.id IN (SELECT l.id FROM locked l)
          AND a.current_price = e.old_price AND a.status = 'available'
        RETURNING e.*
    ),
    history AS (
        INSERT INTO price_history (apartment_id, changed_at, old_price, new_price, reason, pricing_run_id, inputs, explanation)
        SELECT c.apartment_id, p_now, c.old_price, c.new_price, 'dynamic', v_run_id,
               jsonb_build_object(
                   'views_24h', c.views_24h, 'favourites_24h', c.favourites_24h, 'leads_24h', c.leads_24h,
                   'bookings_24h', c.bookings_24h, 'days_on_site', c.days_on_site, 'demand', c.demand,
                   'cluster_median', c.cluster_median, 'demand_norm', round(c.demand / c.cluster_median, 4),
                   'delta', c.delta, 'max_shift', c.max_shift, 'k1', c.k1, 'k2', c.k2, 'config_id', c.config_id),
               c.readable
        FROM changed c
    ),
    run_summary AS (
        UPDATE pricing_runs r
        SET finished_at = clock_timestamp(),
            evaluated   = (SELECT t.evaluated FROM tally t),
            decisions   = (SELECT jsonb_strip_nulls(jsonb_build_object(
                               'raise', nullif(t.raise, 0), 'lower', nullif(t.lower, 0), 'hold', nullif(t.hold, 0),
                               'cooldown', nullif(t.cooldown, 0), 'recent_booking', nullif(t.recent_booking, 0),
                               'at_limit', nullif(t.at_limit, 0), 'no_median', nullif(t.no_median, 0),
                               'disabled', nullif(t.disabled, 0)))
                           FROM tally t),
            raised      = (SELECT count(*) FROM changed c WHERE c.decision = 'raise'),
            lowered     = (SELECT count(*) FROM changed c WHERE c.decision = 'lower')
        WHERE r.id = v_run_id
    )
    SELECT v_run_id, e.apartment_id, e.project_id, e.rooms, e.views_24h, e.favourites_24h, e.leads_24h, e.bookings_24h,
           e.days_on_site, e.demand, e.cluster_median,
           CASE WHEN e.cluster_median > 0 THEN round(e.demand / e.cluster_median, 4) END,
           e.decision, e.old_price, e.new_price, e.readable
    FROM explained e
    ORDER BY e.apartment_id;
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
