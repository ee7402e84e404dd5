-- V10. Первый проход цен без копирования своих строк в transition tables.
--
-- Замер (1 млн квартир / 10 млн событий, первый проход — 573 412 изменений, копии базы после CHECKPOINT, README
-- «📊 Производительность»): триггер уровня оператора с REFERENCING NEW TABLE заставляет PostgreSQL складывать в
-- tuplestore каждую строку, которую пишет оператор, — до вызова триггера и независимо от того, что триггер потом
-- ничего не делает. Проходу эти триггеры не нужны (копии цены и price_changed_at он ведёт сам, ссылки его строк
-- верны по построению), а захват 573 тыс. широких строк apartments и столько же строк price_history стоил 2–3 с:
-- проход с V9 — 18,1–19,8 с, с V10 — 16,2–17,0 с (по три прогона). WHEN-условие и список столбцов захват не
-- отключают — только отсутствие таких триггеров на событии.
--
-- Поэтому на UPDATE apartments и INSERT price_history триггеры теперь построчные, с WHEN: строки оператора, который
-- сам ведёт копии (флаг транзакции pricing.copies_synced_by_pass: проход reprice_apartments и откат
-- rollback_pricing_run ставят его на время своего оператора), в очередь триггеров не попадают вовсе; остальные
-- операторы (карточка квартиры, бронь, выгрузка до 5 000 квартир, модерация) обновляют копии построчно по ключу.
-- INSERT и DELETE квартир остаются на триггерах уровня оператора: проход их не делает, а пакетная вставка
-- выгрузки так дешевле. Копии при вставке и изменении строит одна функция sync_apartment_copies(id[]).
--
-- Флаг — внутренний: его ставят только эти две функции, и только на оператор, строки которого они сами сверяют
-- с квартирой и проходом (строка истории пишется по квартире, которую тот же оператор только что обновил, и по
-- проходу, который вставила та же транзакция). Сессия, поставившая флаг вручную, берёт на себя копии и ссылки —
-- как и тот, кто отключает триггеры.

-- Копии apartment_stats и catalog_offers: одна функция на все пути, кроме прохода и отката ---------------------------
DROP TRIGGER apartments_sync_pricing_updated ON apartments;
DROP TRIGGER catalog_offers_updated ON apartments;
DROP TRIGGER apartments_sync_pricing_inserted ON apartments;
DROP TRIGGER catalog_offers_inserted ON apartments;
DROP FUNCTION apartments_sync_pricing_inputs();
DROP FUNCTION catalog_offers_sync();

-- Значения берутся из текущей версии строки квартиры, а не из NEW или таблицы переходов: событие, поставленное в
-- очередь раньше (например, бронь обновляет last_booked_at из своего триггера, вставка истории вместе с квартирой
-- в одном WITH), не перепишет копию устаревшей версией. План — общий: для массива из одного id PostgreSQL иначе
-- строит план на каждый вызов (оценка общего плана выше), а это 3 плана на каждую изменённую квартиру — выгрузка
-- 5 000 цен шла 0,9 с вместо 0,18 с.
CREATE FUNCTION sync_apartment_copies(p_apartment_ids bigint[]) RETURNS void
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
    INSERT INTO catalog_offers AS c (apartment_id, project_id, region_code, rooms, current_price)
    SELECT a.id, a.project_id, p.region_code, a.rooms, a.current_price
      FROM apartments a
      JOIN projects p ON p.id = a.project_id
     WHERE a.id = ANY (p_apartment_ids)
       AND a.status = 'available' AND a.moderation_status = 'published'
     ORDER BY p.region_code, a.current_price
    ON CONFLICT (apartment_id) DO UPDATE
       SET project_id = EXCLUDED.project_id, region_code = EXCLUDED.region_code, rooms = EXCLUDED.rooms,
           current_price = EXCLUDED.current_price
     WHERE (c.project_id, c.region_code, c.rooms, c.current_price)
           IS DISTINCT FROM (EXCLUDED.project_id, EXCLUDED.region_code, EXCLUDED.rooms, EXCLUDED.current_price);
END;
$$;
COMMENT ON FUNCTION sync_apartment_copies(bigint[]) IS
    'Приводит копии квартир к их текущим строкам apartments: apartment_stats (поля, которые читают медианы и проход) и '
    'catalog_offers (в продаже — вставка или обновление, иначе удаление); пишет только то, что отличается. Вызывают '
    'триггеры apartments при вставке (все строки оператора) и изменении (по строке); проход и откат ведут копии сами (V10)';

CREATE FUNCTION apartments_sync_inserted_copies() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sync_apartment_copies(ARRAY(SELECT n.id FROM inserted_apartments n));
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_sync_inserted_copies() IS
    'Копии вставленных квартир (apartment_stats, catalog_offers) — одним вызовом sync_apartment_copies на оператор (V10)';
CREATE TRIGGER apartments_sync_inserted_copies AFTER INSERT ON apartments
    REFERENCING NEW TABLE AS inserted_apartments
    FOR EACH STATEMENT EXECUTE FUNCTION apartments_sync_inserted_copies();
COMMENT ON TRIGGER apartments_sync_inserted_copies ON apartments IS
    'Новые квартиры получают строку apartment_stats и, если в продаже, строку catalog_offers (V10)';

CREATE FUNCTION apartments_sync_copies() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sync_apartment_copies(ARRAY[NEW.id]);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_sync_copies() IS
    'Копии изменённой квартиры (apartment_stats, catalog_offers) — sync_apartment_copies по её id (V10)';
CREATE TRIGGER apartments_sync_copies AFTER UPDATE ON apartments
    FOR EACH ROW
    WHEN ((OLD.project_id, OLD.rooms, OLD.status, OLD.moderation_status, OLD.published_at, OLD.base_price,
           OLD.current_price, OLD.price_changed_at, OLD.last_booked_at)
          IS DISTINCT FROM
          (NEW.project_id, NEW.rooms, NEW.status, NEW.moderation_status, NEW.published_at, NEW.base_price,
           NEW.current_price, NEW.price_changed_at, NEW.last_booked_at)
          AND current_setting('pricing.copies_synced_by_pass', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION apartments_sync_copies();
COMMENT ON TRIGGER apartments_sync_copies ON apartments IS
    'Смена цены, статуса, модерации, даты публикации, комнатности, ЖК (в т. ч. через смену корпуса), базовой цены или '
    'пауз переносится в apartment_stats и catalog_offers; строки прохода и отката (флаг pricing.copies_synced_by_pass) '
    'не ставятся в очередь (V10). Разошедшуюся вручную копию чинит следующее изменение этих полей или '
    'rebuild_apartment_stats()';

COMMENT ON TABLE apartment_stats IS
    'Рабочий набор ценообразования по квартире: показатели спроса за скользящие 24 ч (ведёт refresh_apartment_stats) '
    'и копия полей apartments, которые читают медианы и проход (ведёт sync_apartment_copies из триггеров '
    'apartments_sync_inserted_copies и apartments_sync_copies, проход и откат — сами). Строка есть у каждой квартиры; проход и '
    'cluster_demand читают только эту узкую таблицу';
COMMENT ON TABLE catalog_offers IS
    'Квартиры в продаже (status = available, moderation_status = published, как apartment_stats.on_sale) с регионом ЖК — '
    'узкая копия для поиска по региону в порядке цены и подсчёта total; без счётчиков спроса, поэтому страницы '
    'остаются «все видимы». Ведут sync_apartment_copies (вставка и изменение квартиры, V10), catalog_offers_deleted '
    '(удаление), projects_sync_region_to_offers (регион ЖК), проход и откат (цена). '
    'Опубликованность ЖК и застройщика проверяет запрос';

COMMENT ON COLUMN apartment_stats.apartment_id IS
    'Квартира (apartments.id). Внешнего ключа нет намеренно: строку создаёт sync_apartment_copies при вставке квартиры '
    '(триггер apartments_sync_inserted_copies), удаляет apartments_forget_pricing_inputs, см. V6, V10';

-- INSERT price_history: ссылки и apartments.price_changed_at ------------------------------------------------------
DROP TRIGGER price_history_check_apartment ON price_history;
DROP TRIGGER price_history_check_run ON price_history;
DROP FUNCTION price_history_check_run();
DROP TRIGGER price_history_track_price_change ON price_history;

CREATE FUNCTION price_history_check_references() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM apartments a WHERE a.id = NEW.apartment_id) THEN
        RAISE EXCEPTION 'insert on table "price_history" violates foreign key constraint "price_history_apartment_id_fkey"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'price_history_apartment_id_fkey', TABLE = 'price_history',
                  DETAIL = format('Key (apartment_id)=(%s) is not present in table "apartments".', NEW.apartment_id);
    END IF;
    IF NEW.pricing_run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pricing_runs r WHERE r.id = NEW.pricing_run_id) THEN
        RAISE EXCEPTION 'insert on table "price_history" violates foreign key constraint "price_history_pricing_run_id_fkey"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'price_history_pricing_run_id_fkey', TABLE = 'price_history',
                  DETAIL = format('Key (pricing_run_id)=(%s) is not present in table "pricing_runs".', NEW.pricing_run_id);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION price_history_check_references() IS
    'Проверка ссылок новой строки price_history на квартиру и проход (вместо внешних ключей, V8); ошибка — '
    'foreign_key_violation с прежним именем ограничения. Построчно, по ключу (V10)';
CREATE TRIGGER price_history_check_references AFTER INSERT ON price_history
    FOR EACH ROW
    WHEN (current_setting('pricing.copies_synced_by_pass', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION price_history_check_references();
COMMENT ON TRIGGER price_history_check_references ON price_history IS
    'Квартира и проход новой строки истории существуют; строки прохода и отката (флаг pricing.copies_synced_by_pass) '
    'верны по построению и не проверяются (V10)';

CREATE OR REPLACE FUNCTION apartments_track_price_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE apartments a
       SET price_changed_at = NEW.changed_at
     WHERE a.id = NEW.apartment_id
       AND (a.price_changed_at IS NULL OR a.price_changed_at < NEW.changed_at);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_track_price_change() IS
    'Переносит changed_at новой строки price_history в apartments.price_changed_at, если оно позже (построчно, V10); '
    'проход и откат ставят это поле сами';
CREATE TRIGGER price_history_track_price_change AFTER INSERT ON price_history
    FOR EACH ROW
    WHEN (current_setting('pricing.copies_synced_by_pass', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION apartments_track_price_change();
COMMENT ON TRIGGER price_history_track_price_change ON price_history IS
    'apartments.price_changed_at = max(changed_at) истории квартиры (пауза после изменения цены); строки прохода и '
    'отката не ставятся в очередь (V10)';

COMMENT ON COLUMN price_history.apartment_id IS
    'Квартира (apartments.id). Ссылку проверяет триггер price_history_check_references, удаление квартиры с историей '
    'запрещает apartments_keep_referenced (см. V8, V10)';
COMMENT ON COLUMN price_history.pricing_run_id IS
    'Проход ценообразования (pricing_runs.id), для reason = dynamic обязателен. Ссылку проверяет '
    'price_history_check_references (см. V8, V10)';

-- Откат прохода — второй массовый писатель цен: ведёт копии сам, как проход ----------------------------------------
CREATE OR REPLACE FUNCTION rollback_pricing_run(p_run_id bigint, p_user_id bigint DEFAULT NULL, p_now timestamptz DEFAULT now())
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

    PERFORM set_config('pricing.copies_synced_by_pass', 'on', true);
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
        RETURNING a.id, sc.old_price, sc.new_price,
                  a.status = 'available' AND a.moderation_status = 'published' AS on_sale
    ),
    stats_synced AS (
        UPDATE apartment_stats s
        SET current_price = r.old_price, price_changed_at = p_now
        FROM restored r
        WHERE s.apartment_id = r.id
    ),
    offers_synced AS (  -- только квартиры в продаже: остальных в копии нет, и откат их туда не возвращает
        UPDATE catalog_offers o
        SET current_price = r.old_price
        FROM restored r
        WHERE o.apartment_id = r.id AND r.on_sale
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
    PERFORM set_config('pricing.copies_synced_by_pass', 'off', true);
END;
$$;
COMMENT ON FUNCTION rollback_pricing_run(bigint, bigint, timestamptz) IS
    'Откат прохода: возвращает старые цены тех его изменений, которые всё ещё действуют (после них цену никто не менял), '
    'каждую записывает в price_history как manual со ссылкой rollback_of_run_id. Повторный вызов ничего не делает. '
    'Копии цены (apartment_stats, catalog_offers) и price_changed_at ведёт сам одним оператором, как проход (V10)';
