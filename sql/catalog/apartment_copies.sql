-- Значения берутся из текущей версии строки квартиры, а не из NEW или таблицы переходов: событие, поставленное в
-- очередь раньше (например, бронь обновляет last_booked_at из своего триггера, вставка истории вместе с квартирой
-- в одном WITH), не перепишет копию устаревшей версией. План — общий: для массива из одного id PostgreSQL иначе
-- строит план на каждый вызов (оценка общего плана выше), а это 3 плана на каждую изменённую квартиру — выгрузка
-- 5 000 цен шла 0,9 с вместо 0,18 с.
CREATE OR REPLACE FUNCTION sync_apartment_copies(p_apartment_ids bigint[]) RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    INSERT INTO apartment_stats AS s (apartment_id, project_id, rooms, on_sale, published_at, base_price, current_price,
                                      price_changed_at, last_booked_at)
    SELECT a.id, a.project_id, a.rooms, a.status = 'available' AND a.moderation_status = 'published',
           a.published_at, a.base_price, a.current_price, a.price_changed_at, a.last_booked_at
      FROM apartments a
     WHERE a.id = ANY (p_apartment_ids)
    ON CONFLICT (apartment_id) DO UPDATE
       SET project_id = EXCLUDED.project_id, rooms = EXCLUDED.rooms, on_sale = EXCLUDED.on_sale,
           published_at = EXCLUDED.published_at, base_price = EXCLUDED.base_price,
           current_price = EXCLUDED.current_price, price_changed_at = EXCLUDED.price_changed_at,
           last_booked_at = EXCLUDED.last_booked_at
     WHERE (s.project_id, s.rooms, s.on_sale, s.published_at, s.base_price, s.current_price,
            s.price_changed_at, s.last_booked_at)
           IS DISTINCT FROM
           (EXCLUDED.project_id, EXCLUDED.rooms, EXCLUDED.on_sale, EXCLUDED.published_at, EXCLUDED.base_price,
            EXCLUDED.current_price, EXCLUDED.price_changed_at, EXCLUDED.last_booked_at);
    DELETE FROM catalog_offers c
     USING apartments a
     WHERE a.id = ANY (p_apartment_ids) AND c.apartment_id = a.id
       AND NOT (a.status = 'available' AND a.moderation_status = 'published');
    -- В порядке региона и цены: соседние по цене квартиры региона — рядом на страницах.
    INSERT INTO catalog_offers AS c (apartment_id, project_id, region_code, city_key, rooms, current_price, building_id,
                                     floor, area_total, area_kitchen, balcony)
    SELECT a.id, a.project_id, p.region_code, lower(p.city), a.rooms, a.current_price, a.building_id, a.floor,
           a.area_total, a.area_kitchen, a.balcony
      FROM apartments a
      JOIN projects p ON p.id = a.project_id
     WHERE a.id = ANY (p_apartment_ids)
       AND a.status = 'available' AND a.moderation_status = 'published'
     ORDER BY p.region_code, a.current_price
    ON CONFLICT (apartment_id) DO UPDATE
       SET project_id = EXCLUDED.project_id, region_code = EXCLUDED.region_code, city_key = EXCLUDED.city_key,
           rooms = EXCLUDED.rooms, current_price = EXCLUDED.current_price, building_id = EXCLUDED.building_id, floor = EXCLUDED.floor,
           area_total = EXCLUDED.area_total, area_kitchen = EXCLUDED.area_kitchen, balcony = EXCLUDED.balcony
     WHERE (c.project_id, c.region_code, c.city_key, c.rooms, c.current_price, c.building_id, c.floor, c.area_total,
            c.area_kitchen, c.balcony)
           IS DISTINCT FROM
           (EXCLUDED.project_id, EXCLUDED.region_code, EXCLUDED.city_key, EXCLUDED.rooms, EXCLUDED.current_price,
            EXCLUDED.building_id, EXCLUDED.floor, EXCLUDED.area_total, EXCLUDED.area_kitchen, EXCLUDED.balcony);
    -- Популярность новой квартиры — 0 до пересчёта счётчиков; у прежней меняются только город и комнатность
    -- (без ON CONFLICT DO UPDATE: он блокировал бы строку и тогда, когда менять нечего — при каждой брони).
    INSERT INTO apartment_popularity (apartment_id, city_key, rooms)
    SELECT a.id, lower(p.city), a.rooms
      FROM apartments a
      JOIN projects p ON p.id = a.project_id
     WHERE a.id = ANY (p_apartment_ids)
    ON CONFLICT (apartment_id) DO NOTHING;
    UPDATE apartment_popularity o
       SET city_key = lower(p.city), rooms = a.rooms
      FROM apartments a
      JOIN projects p ON p.id = a.project_id
     WHERE a.id = ANY (p_apartment_ids) AND o.apartment_id = a.id
       AND (o.city_key, o.rooms) IS DISTINCT FROM (lower(p.city), a.rooms);
END;
$$;
COMMENT ON FUNCTION sync_apartment_copies(bigint[]) IS
    'Приводит копии квартир к их текущим строкам apartments: apartment_stats (поля, которые читают медианы и проход), '
    'catalog_offers (в продаже — вставка или обновление вместе с полями квартирных фильтров поиска, иначе '
    'удаление) и apartment_popularity (город и комнатность); пишет только то, что отличается. Вызывают '
    'триггеры apartments при вставке (все строки оператора) и изменении (по строке); проход и откат ведут копии сами';

CREATE OR REPLACE FUNCTION apartments_sync_inserted_copies() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sync_apartment_copies(ARRAY(SELECT n.id FROM inserted_apartments n));
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_sync_inserted_copies() IS
    'Копии вставленных квартир (apartment_stats, catalog_offers, apartment_popularity) — одним вызовом '
    'sync_apartment_copies на оператор';

CREATE OR REPLACE TRIGGER apartments_sync_inserted_copies AFTER INSERT ON apartments
    REFERENCING NEW TABLE AS inserted_apartments
    FOR EACH STATEMENT EXECUTE FUNCTION apartments_sync_inserted_copies();
COMMENT ON TRIGGER apartments_sync_inserted_copies ON apartments IS
    'Новые квартиры получают строки apartment_stats и apartment_popularity и, если в продаже, строку catalog_offers';

CREATE OR REPLACE FUNCTION apartments_sync_copies() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sync_apartment_copies(ARRAY[NEW.id]);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_sync_copies() IS
    'Копии изменённой квартиры (apartment_stats, catalog_offers, apartment_popularity) — sync_apartment_copies по её id';

CREATE OR REPLACE TRIGGER apartments_sync_copies AFTER UPDATE ON apartments
    FOR EACH ROW
    WHEN ((OLD.project_id, OLD.rooms, OLD.status, OLD.moderation_status, OLD.published_at, OLD.base_price,
           OLD.current_price, OLD.price_changed_at, OLD.last_booked_at, OLD.building_id, OLD.floor, OLD.area_total,
           OLD.area_kitchen, OLD.balcony)
          IS DISTINCT FROM
          (NEW.project_id, NEW.rooms, NEW.status, NEW.moderation_status, NEW.published_at, NEW.base_price,
           NEW.current_price, NEW.price_changed_at, NEW.last_booked_at, NEW.building_id, NEW.floor, NEW.area_total,
           NEW.area_kitchen, NEW.balcony)
          AND current_setting('pricing.copies_synced_by_pass', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION apartments_sync_copies();
COMMENT ON TRIGGER apartments_sync_copies ON apartments IS
    'Смена цены, статуса, модерации, даты публикации, комнатности, ЖК (в т. ч. через смену корпуса), базовой цены, '
    'пауз, корпуса, этажа, площадей или балкона переносится в apartment_stats, catalog_offers и apartment_popularity; '
    'строки прохода и '
    'отката (флаг pricing.copies_synced_by_pass) '
    'не ставятся в очередь. Разошедшуюся вручную копию чинит следующее изменение этих полей или '
    'rebuild_apartment_stats()';
