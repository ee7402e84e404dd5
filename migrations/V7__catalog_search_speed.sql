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
-- Копию ведут триггеры apartments по оператору (таблицы переходов, как apartments_sync_pricing_* в V2) и projects;
-- apartment_stats и функции ценообразования (rebuild_apartment_stats и др.) они не трогают:
--   catalog_offers_inserted / catalog_offers_updated — AFTER INSERT / UPDATE apartments: строки в продаже
--       (status = available, moderation_status = published) вставляются или обновляются, если что-то поменялось,
--       остальные удаляются из копии;
--   catalog_offers_deleted  — AFTER DELETE apartments;
--   projects_sync_region_to_offers — AFTER UPDATE projects: ЖК сменил регион.
-- Цена для ценообразования: проход, меняющий цены, один раз на оператор сопоставляет изменённые квартиры с копией
-- (в обычную минуту ~1,4 тыс. квартир на 1 млн); полная перезаливка apartment_stats копию не трогает. Замеры —
-- README, «🔎 Каталог».

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
    'Квартиры в продаже (status = available, moderation_status = published, как apartment_stats.on_sale) с регионом ЖК — '
    'узкая копия для поиска по региону в порядке цены и подсчёта total; без счётчиков спроса, поэтому страницы '
    'остаются «все видимы». Ведут триггеры catalog_offers_* на apartments и projects_sync_region_to_offers (V7). '
    'Опубликованность ЖК и застройщика проверяет запрос';
COMMENT ON COLUMN catalog_offers.apartment_id IS
    'Квартира (apartments.id); внешнего ключа нет, как у apartment_stats (V6): строки создают и удаляют триггеры apartments';
COMMENT ON COLUMN catalog_offers.project_id IS 'Копия apartments.project_id (ЖК)';
COMMENT ON COLUMN catalog_offers.region_code IS 'Копия projects.region_code ЖК квартиры';
COMMENT ON COLUMN catalog_offers.rooms IS 'Копия apartments.rooms';
COMMENT ON COLUMN catalog_offers.current_price IS 'Копия apartments.current_price';

INSERT INTO catalog_offers (apartment_id, project_id, region_code, rooms, current_price)
SELECT a.id, a.project_id, p.region_code, a.rooms, a.current_price
  FROM apartments a
  JOIN projects p ON p.id = a.project_id
 WHERE a.status = 'available' AND a.moderation_status = 'published'
 ORDER BY p.region_code, a.current_price;

-- Страница поиска по региону: регион = , диапазон цены, по порядку (цена, id) — без сортировки; комнатность и ЖК
-- (для проверки публикации ЖК и застройщика) лежат в INCLUDE.
CREATE INDEX catalog_offers_region_price_idx
    ON catalog_offers (region_code, current_price, apartment_id) INCLUDE (rooms, project_id);
COMMENT ON INDEX catalog_offers_region_price_idx IS
    'Поиск квартир в продаже по региону в порядке цены: страница — чтение записей индекса по порядку (V7)';

CREATE FUNCTION catalog_offers_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Снятые с продажи — из копии вон.
    DELETE FROM catalog_offers c
     USING changed_apartments a
     WHERE c.apartment_id = a.id
       AND NOT (a.status = 'available' AND a.moderation_status = 'published');
    -- В продаже и уже в копии — обновить, только если что-то поменялось (цена, комнатность, ЖК).
    UPDATE catalog_offers c
       SET project_id = a.project_id, region_code = p.region_code, rooms = a.rooms, current_price = a.current_price
      FROM changed_apartments a
      JOIN projects p ON p.id = a.project_id
     WHERE c.apartment_id = a.id
       AND a.status = 'available' AND a.moderation_status = 'published'
       AND (c.project_id, c.region_code, c.rooms, c.current_price)
           IS DISTINCT FROM (a.project_id, p.region_code, a.rooms, a.current_price);
    -- В продаже, а в копии нет — вставить (в порядке региона и цены: соседние по цене квартиры региона рядом).
    INSERT INTO catalog_offers (apartment_id, project_id, region_code, rooms, current_price)
    SELECT a.id, a.project_id, p.region_code, a.rooms, a.current_price
      FROM changed_apartments a
      JOIN projects p ON p.id = a.project_id
     WHERE a.status = 'available' AND a.moderation_status = 'published'
       AND NOT EXISTS (SELECT 1 FROM catalog_offers c WHERE c.apartment_id = a.id)
     ORDER BY p.region_code, a.current_price;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION catalog_offers_sync() IS
    'Переносит в catalog_offers вставленные и изменённые квартиры (одним набором операторов на оператор apartments): '
    'в продаже — вставка или обновление изменившегося, иначе удаление';
CREATE TRIGGER catalog_offers_inserted AFTER INSERT ON apartments
    REFERENCING NEW TABLE AS changed_apartments
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_offers_sync();
COMMENT ON TRIGGER catalog_offers_inserted ON apartments IS 'Новые квартиры в продаже попадают в catalog_offers';
CREATE TRIGGER catalog_offers_updated AFTER UPDATE ON apartments
    REFERENCING NEW TABLE AS changed_apartments
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_offers_sync();
COMMENT ON TRIGGER catalog_offers_updated ON apartments IS
    'Смена цены, статуса, публикации, комнатности или корпуса квартиры переносится в catalog_offers';

CREATE FUNCTION catalog_offers_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM catalog_offers c
     USING deleted_apartments d
     WHERE c.apartment_id = d.id;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION catalog_offers_deleted() IS 'Удаляет из catalog_offers удалённые квартиры (одним оператором)';
CREATE TRIGGER catalog_offers_deleted AFTER DELETE ON apartments
    REFERENCING OLD TABLE AS deleted_apartments
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_offers_deleted();
COMMENT ON TRIGGER catalog_offers_deleted ON apartments IS 'Удалённые квартиры уходят из catalog_offers';

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
