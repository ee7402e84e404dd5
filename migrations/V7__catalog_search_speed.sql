-- V7: быстрый поиск по региону и сводная карта страны (issue 5, цель «поиск p99 ≤ 50 мс при ≥ 1 000 запросов/с»).
--
-- Поиск по региону с сортировкой по цене раньше находил ЖК региона по projects_region_code_idx и затем проходил
-- apartment_stats_on_sale_price_idx (ЖК, цена) по каждому ЖК: чтобы отдать 20 самых дешёвых квартир, запрос
-- собирал и сортировал все подходящие (в Москве ~31 тыс.). Теперь регион ЖК скопирован в узкую apartment_stats
-- (region_code), и индекс apartment_stats_on_sale_region_price_idx (регион, цена, id) отдаёт страницу по порядку
-- цены: чтение ~20–50 записей индекса. Число подходящих квартир (total) кеширует сервис на несколько секунд
-- (CATALOG_TOTAL_CACHE_SECONDS) — в базе для этого ничего нет.
--
-- Копию региона ведут триггеры (источник правды — projects.region_code):
--   apartment_stats_fill_region      — BEFORE INSERT по строке: и строки триггера apartments_sync_pricing_inputs
--                                      (новые квартиры), и полная перезаливка rebuild_apartment_stats получают регион
--                                      ЖК без правки их функций (их ведёт ценообразование);
--   apartment_stats_refill_region    — BEFORE UPDATE: квартира перенесена в корпус другого ЖК;
--   projects_sync_region_to_stats    — AFTER UPDATE projects по оператору (таблицы переходов): ЖК сменил регион.
--
-- HOT: region_code меняется только вместе с регионом ЖК. Поминутный пересчёт просмотров не трогает ни регион, ни
-- цену, его обновления остаются HOT; изменение цены теряет HOT, как и раньше (цена уже была в индексе V4), и
-- вставляет запись ещё в один индекс узкой таблицы. Счётчики спроса не индексируются.

ALTER TABLE apartment_stats ADD COLUMN region_code text;
UPDATE apartment_stats s
   SET region_code = p.region_code
  FROM projects p
 WHERE p.id = s.project_id;
ALTER TABLE apartment_stats ALTER COLUMN region_code SET NOT NULL;
COMMENT ON COLUMN apartment_stats.region_code IS
    'Копия projects.region_code ЖК квартиры (поиск по региону в порядке цены); ведут триггеры apartment_stats_fill_region, '
    'apartment_stats_refill_region и projects_sync_region_to_stats (V7)';

CREATE FUNCTION apartment_stats_fill_region() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT p.region_code INTO NEW.region_code FROM projects p WHERE p.id = NEW.project_id;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION apartment_stats_fill_region() IS
    'Копирует в строку apartment_stats регион её ЖК (projects.region_code) при вставке и при смене ЖК квартиры';
CREATE TRIGGER apartment_stats_fill_region BEFORE INSERT ON apartment_stats
    FOR EACH ROW EXECUTE FUNCTION apartment_stats_fill_region();
CREATE TRIGGER apartment_stats_refill_region BEFORE UPDATE OF project_id ON apartment_stats
    FOR EACH ROW WHEN (NEW.project_id IS DISTINCT FROM OLD.project_id)
    EXECUTE FUNCTION apartment_stats_fill_region();
COMMENT ON TRIGGER apartment_stats_fill_region ON apartment_stats IS
    'Новая строка apartment_stats (новая квартира или rebuild_apartment_stats) получает регион своего ЖК';
COMMENT ON TRIGGER apartment_stats_refill_region ON apartment_stats IS
    'Квартира перенесена в другой ЖК: регион берётся у нового ЖК (только при смене project_id, иначе не вызывается)';

CREATE FUNCTION projects_sync_region_to_stats() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE apartment_stats s
       SET region_code = n.region_code
      FROM new_projects n
      JOIN old_projects o ON o.id = n.id
     WHERE o.region_code IS DISTINCT FROM n.region_code
       AND s.project_id = n.id;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION projects_sync_region_to_stats() IS
    'Переносит новый регион ЖК в apartment_stats.region_code его квартир (одним оператором на UPDATE projects)';
CREATE TRIGGER projects_sync_region_to_stats AFTER UPDATE ON projects
    REFERENCING OLD TABLE AS old_projects NEW TABLE AS new_projects
    FOR EACH STATEMENT EXECUTE FUNCTION projects_sync_region_to_stats();
COMMENT ON TRIGGER projects_sync_region_to_stats ON projects IS
    'ЖК сменил регион: apartment_stats.region_code его квартир обновляется одним оператором';

-- Страница поиска по региону в порядке цены: регион = , диапазон цены, по порядку (цена, id) — без сортировки;
-- комнатность и ЖК (для проверки публикации ЖК и застройщика) лежат в INCLUDE, строки таблицы не читаются.
CREATE INDEX apartment_stats_on_sale_region_price_idx
    ON apartment_stats (region_code, current_price, apartment_id) INCLUDE (rooms, project_id)
    WHERE on_sale;
COMMENT ON INDEX apartment_stats_on_sale_region_price_idx IS
    'Поиск квартир в продаже по региону в порядке цены: страница — чтение записей индекса по порядку (V7)';

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
