-- V7: быстрый поиск по региону и сводная карта страны (issue 5, цель «поиск p99 ≤ 50 мс при ≥ 1 000 запросов/с»).
--
-- Поиск по региону с сортировкой по цене раньше находил ЖК региона по projects_region_code_idx и затем проходил
-- apartment_stats_on_sale_price_idx (ЖК, цена) по каждому ЖК: чтобы отдать 20 самых дешёвых квартир, запрос
-- собирал и сортировал все подходящие (в Москве ~31 тыс.). Теперь есть catalog_offers — узкая копия квартир в
-- продаже с регионом ЖК, и её индекс catalog_offers_region_price_idx (регион, цена, id) отдаёт страницу по порядку
-- цены: чтение ~20–50 записей индекса. Число подходящих квартир (total) сервис кеширует на несколько секунд
-- (CATALOG_TOTAL_CACHE_SECONDS), а когда считает — считает по этой же таблице.
--
-- Почему отдельная таблица, а не колонка region_code в apartment_stats. В apartment_stats поминутно меняются
-- счётчики спроса у множества квартир: такие обновления HOT, но снимают с страниц признак «все строки видимы»
-- (visibility map), и подсчёт по индексу всё равно читает страницы таблицы — по всей таблице, потому что квартиры
-- региона разбросаны по ней (Москва 9–12 млн: ~5 800 страниц, 45–75 мс). В catalog_offers нет счётчиков: строки
-- меняются только при смене цены, статуса, комнатности, ЖК (в минуту — доли процента каталога), таблица
-- заполняется в порядке (регион, цена) и держит место для обновлений на той же странице (fillfactor 80), так что
-- квартиры одного региона и диапазона цен лежат на немногих соседних страницах, а частый autovacuum возвращает
-- страницам признак видимости.
--
-- Копию ведут триггеры apartment_stats (она сама — копия apartments, её ведут триггеры ценообразования V2/V6) и
-- projects; функции ценообразования (rebuild_apartment_stats и др.) не меняются:
--   catalog_offers_inserted  — AFTER INSERT по оператору: новые квартиры и полная перезаливка rebuild_apartment_stats;
--   catalog_offers_updated   — AFTER UPDATE по строке, только если поменялись в продаже / цена / комнатность / ЖК
--                              (поминутный пересчёт счётчиков его не вызывает: условие WHEN проверяется без вызова);
--   catalog_offers_deleted   — AFTER DELETE по оператору;
--   catalog_offers_truncated — AFTER TRUNCATE (перезаливка apartment_stats);
--   projects_sync_region_to_offers — AFTER UPDATE projects по оператору: ЖК сменил регион.
-- Цена для ценообразования: смена цены квартиры — одна лишняя вставка в узкую таблицу и два её индекса (в обычную
-- минуту ~1,4 тыс. квартир на 1 млн); массовая переоценка (первый проход) платит за каждую изменённую цену.

CREATE TABLE catalog_offers (
    apartment_id  bigint         CONSTRAINT catalog_offers_pkey PRIMARY KEY,
    project_id    bigint         NOT NULL,
    region_code   text           NOT NULL,
    rooms         smallint       NOT NULL,
    current_price numeric(14, 2) NOT NULL
) WITH (fillfactor = 80,
        autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
        autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 2000,
        autovacuum_analyze_scale_factor = 0.02);
COMMENT ON TABLE catalog_offers IS
    'Квартиры в продаже (apartment_stats.on_sale) с регионом ЖК — узкая копия для поиска по региону в порядке цены и '
    'подсчёта total; без счётчиков спроса, поэтому страницы остаются «все видимы». Ведут триггеры catalog_offers_* '
    'на apartment_stats и projects_sync_region_to_offers (V7). Опубликованность ЖК и застройщика проверяет запрос';
COMMENT ON COLUMN catalog_offers.apartment_id IS 'Квартира (apartments.id); внешнего ключа нет, как у apartment_stats (V6)';
COMMENT ON COLUMN catalog_offers.project_id IS 'Копия apartment_stats.project_id (ЖК)';
COMMENT ON COLUMN catalog_offers.region_code IS 'Копия projects.region_code ЖК квартиры';
COMMENT ON COLUMN catalog_offers.rooms IS 'Копия apartment_stats.rooms';
COMMENT ON COLUMN catalog_offers.current_price IS 'Копия apartment_stats.current_price';

INSERT INTO catalog_offers (apartment_id, project_id, region_code, rooms, current_price)
SELECT s.apartment_id, s.project_id, p.region_code, s.rooms, s.current_price
  FROM apartment_stats s
  JOIN projects p ON p.id = s.project_id
 WHERE s.on_sale
 ORDER BY p.region_code, s.current_price;

-- Страница поиска по региону: регион = , диапазон цены, по порядку (цена, id) — без сортировки; комнатность и ЖК
-- (для проверки публикации ЖК и застройщика) лежат в INCLUDE.
CREATE INDEX catalog_offers_region_price_idx
    ON catalog_offers (region_code, current_price, apartment_id) INCLUDE (rooms, project_id);
COMMENT ON INDEX catalog_offers_region_price_idx IS
    'Поиск квартир в продаже по региону в порядке цены: страница — чтение записей индекса по порядку (V7)';

CREATE FUNCTION catalog_offers_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalog_offers (apartment_id, project_id, region_code, rooms, current_price)
    SELECT n.apartment_id, n.project_id, p.region_code, n.rooms, n.current_price
      FROM inserted_stats n
      JOIN projects p ON p.id = n.project_id
     WHERE n.on_sale
     ORDER BY p.region_code, n.current_price
        ON CONFLICT (apartment_id) DO UPDATE
       SET project_id = excluded.project_id, region_code = excluded.region_code, rooms = excluded.rooms,
           current_price = excluded.current_price;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION catalog_offers_inserted() IS
    'Переносит в catalog_offers вставленные строки apartment_stats квартир в продаже (одним оператором, в порядке региона и цены)';
CREATE TRIGGER catalog_offers_inserted AFTER INSERT ON apartment_stats
    REFERENCING NEW TABLE AS inserted_stats
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_offers_inserted();
COMMENT ON TRIGGER catalog_offers_inserted ON apartment_stats IS
    'Новые квартиры и перезаливка apartment_stats попадают в catalog_offers';

CREATE FUNCTION catalog_offers_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.on_sale THEN
        INSERT INTO catalog_offers (apartment_id, project_id, region_code, rooms, current_price)
        SELECT NEW.apartment_id, NEW.project_id, p.region_code, NEW.rooms, NEW.current_price
          FROM projects p
         WHERE p.id = NEW.project_id
            ON CONFLICT (apartment_id) DO UPDATE
           SET project_id = excluded.project_id, region_code = excluded.region_code, rooms = excluded.rooms,
               current_price = excluded.current_price;
    ELSE
        DELETE FROM catalog_offers WHERE apartment_id = NEW.apartment_id;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION catalog_offers_updated() IS
    'Квартира в продаже — её строка catalog_offers вставляется или обновляется; снята с продажи — удаляется';
CREATE TRIGGER catalog_offers_updated AFTER UPDATE ON apartment_stats
    FOR EACH ROW
    WHEN ((OLD.on_sale, OLD.current_price, OLD.rooms, OLD.project_id)
          IS DISTINCT FROM (NEW.on_sale, NEW.current_price, NEW.rooms, NEW.project_id))
    EXECUTE FUNCTION catalog_offers_updated();
COMMENT ON TRIGGER catalog_offers_updated ON apartment_stats IS
    'Смена цены, статуса, комнатности или ЖК квартиры переносится в catalog_offers; пересчёт счётчиков спроса триггер не вызывает';

CREATE FUNCTION catalog_offers_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM catalog_offers c
     USING deleted_stats d
     WHERE c.apartment_id = d.apartment_id;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION catalog_offers_deleted() IS 'Удаляет из catalog_offers квартиры, удалённые из apartment_stats (одним оператором)';
CREATE TRIGGER catalog_offers_deleted AFTER DELETE ON apartment_stats
    REFERENCING OLD TABLE AS deleted_stats
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_offers_deleted();
COMMENT ON TRIGGER catalog_offers_deleted ON apartment_stats IS 'Удалённые квартиры уходят из catalog_offers';

CREATE FUNCTION catalog_offers_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE catalog_offers;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION catalog_offers_truncated() IS
    'Очищает catalog_offers вместе с apartment_stats (rebuild_apartment_stats перезаливает её, и INSERT-триггер наполняет копию заново)';
CREATE TRIGGER catalog_offers_truncated AFTER TRUNCATE ON apartment_stats
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_offers_truncated();
COMMENT ON TRIGGER catalog_offers_truncated ON apartment_stats IS 'Перезаливка apartment_stats перезаливает и catalog_offers';

CREATE FUNCTION projects_sync_region_to_offers() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_offers c
       SET region_code = n.region_code
      FROM new_projects n
      JOIN old_projects o ON o.id = n.id
     WHERE o.region_code IS DISTINCT FROM n.region_code
       AND c.project_id = n.id;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION projects_sync_region_to_offers() IS
    'Переносит новый регион ЖК в catalog_offers.region_code его квартир (одним оператором на UPDATE projects)';
CREATE TRIGGER projects_sync_region_to_offers AFTER UPDATE ON projects
    REFERENCING OLD TABLE AS old_projects NEW TABLE AS new_projects
    FOR EACH STATEMENT EXECUTE FUNCTION projects_sync_region_to_offers();
COMMENT ON TRIGGER projects_sync_region_to_offers ON projects IS
    'ЖК сменил регион: catalog_offers.region_code его квартир обновляется одним оператором';

-- Карта страны: время последнего обновления cluster_demand или NULL, если представление ещё не заполнено (тогда
-- карта идёт точным путём).
CREATE FUNCTION cluster_demand_refreshed_at() RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_populated boolean;
BEGIN
    SELECT m.ispopulated INTO v_populated
      FROM pg_matviews m
     WHERE m.schemaname = current_schema() AND m.matviewname = 'cluster_demand';
    IF NOT coalesce(v_populated, false) THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT cd.refreshed_at FROM cluster_demand cd LIMIT 1);
END;
$$;
COMMENT ON FUNCTION cluster_demand_refreshed_at() IS
    'Когда cluster_demand обновлено последний раз (у всех строк одно refreshed_at); NULL — не заполнено или пусто. '
    'По нему карта решает, можно ли взять минимальные цены ЖК из сводки (не старше MAP_SUMMARY_MAX_AGE_SECONDS)';

-- Ответ карты по сводке зависит только от cluster_demand (меняется при обновлении, refreshed_at новое) и от
-- projects / developers (публикация, точка, название, класс). Отпечаток этих данных: пока он тот же, тот же и ответ,
-- и сервис отдаёт его из памяти. Любое изменение строки ЖК или застройщика даёт ей новый xmin и меняет сумму;
-- вставка и удаление меняют и число строк. Считается в снимке запроса: незакоммиченное изменение не видно ни
-- отпечатку, ни ответу, закоммиченное — меняет отпечаток, и ответ считается заново (снятый с публикации ЖК не
-- задерживается в памяти ни на один запрос).
CREATE FUNCTION map_summary_fingerprint() RETURNS text
LANGUAGE sql STABLE AS $$
SELECT concat_ws(':',
                 coalesce(extract(epoch FROM cluster_demand_refreshed_at())::text, '-'),
                 (SELECT count(*) || '/' || coalesce(sum(p.xmin::text::bigint), 0) FROM projects p),
                 (SELECT count(*) || '/' || coalesce(sum(d.xmin::text::bigint), 0) FROM developers d))
$$;
COMMENT ON FUNCTION map_summary_fingerprint() IS
    'Отпечаток данных, от которых зависит карта по сводке: время обновления cluster_demand, число и сумма xmin строк '
    'projects и developers. Тот же отпечаток — тот же ответ карты (кеш ответов в сервисе)';
