-- V8: запись первого прохода ценообразования и приём событий без построчных проверок внешних ключей.
--
-- Почему (замеры на 1 млн квартир, первый проход меняет 573 тыс. цен, см. README «📊 Производительность»):
-- * Внешний ключ проверяется отдельным запросом на КАЖДУЮ вставленную строку и ставит на строку квартиры
--   блокировку FOR KEY SHARE. Ключи price_history → apartments и → pricing_runs стоили первому проходу ~18 из 52 с.
--   На приёме событий ключи views_log и view_dedup → apartments — около трети времени пакета, а блокировки
--   FOR KEY SHARE от параллельных пакетов на одной квартире порождают мультитранзакции.
-- * Входные данные решения в jsonb (13 ключей с numeric на строку) стоили ещё ~4 с: теперь это типизированные столбцы
--   price_history — их же удобнее читать аналитикам.
-- * Копии цены (apartment_stats, apartments.price_changed_at) триггеры вели повторным соединением по сотням тысяч
--   строк; проход теперь обновляет их сам, а триггеры его оператор пропускают (флаг pricing.copies_synced_by_pass).
--
-- Что вместо ключей. Ссылочную целостность держат триггеры уровня оператора с transition tables: вставка проверяет
-- все новые строки одним анти-соединением и падает той же ошибкой foreign_key_violation с тем же именем ограничения
-- (ответ API не меняется); удаление квартиры, на которую ссылаются история цен или события, запрещено так же, как
-- ON DELETE RESTRICT, а строки view_dedup удаляются вместе с квартирой, как ON DELETE CASCADE.
-- Гонка «удаление квартиры × вставка ссылки» закрыта блокировкой строки: все, кто пишет price_history (проход,
-- ручная цена, пакет, откат), в той же транзакции обновляют строку квартиры, и DELETE ждёт их фиксации, а затем
-- видит новые строки истории. События (views_log) строку квартиры не блокируют: при удалении квартиры в ту же
-- миллисекунду может остаться событие без квартиры; пересчёт спроса его не учтёт (строки apartment_stats нет),
-- очистка prune_interest_events удалит его по сроку.

-- Ключи, проверяемые построчно, — прочь; индексы по ссылкам остаются (по ним читают и проверяют удаление) --------
ALTER TABLE price_history
    DROP CONSTRAINT price_history_apartment_id_fkey,
    DROP CONSTRAINT price_history_pricing_run_id_fkey;
ALTER TABLE views_log DROP CONSTRAINT views_log_apartment_id_fkey;
ALTER TABLE view_dedup DROP CONSTRAINT view_dedup_apartment_id_fkey;

COMMENT ON COLUMN price_history.apartment_id IS
    'Квартира (apartments.id). Ссылку проверяет триггер price_history_check_apartment одним запросом на оператор, '
    'удаление квартиры с историей запрещает apartments_keep_referenced (см. V8)';
COMMENT ON COLUMN price_history.pricing_run_id IS
    'Проход ценообразования (pricing_runs.id), для reason = dynamic обязателен. Ссылку проверяет '
    'price_history_check_run одним запросом на оператор (см. V8)';
COMMENT ON COLUMN views_log.apartment_id IS
    'Квартира (apartments.id). Ссылку проверяет триггер views_log_check_apartment одним запросом на оператор; '
    'удаление квартиры с событиями запрещает apartments_keep_referenced (см. V8)';
COMMENT ON COLUMN view_dedup.apartment_id IS
    'Квартира (apartments.id). Ссылку проверяет триггер view_dedup_check_apartment; строки удаляются вместе с квартирой '
    '(apartments_keep_referenced, см. V8)';

CREATE FUNCTION check_apartment_reference() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_missing bigint;
BEGIN
    EXECUTE 'SELECT n.apartment_id FROM inserted_rows n
             WHERE NOT EXISTS (SELECT 1 FROM apartments a WHERE a.id = n.apartment_id) LIMIT 1'
        INTO v_missing;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert on table "%" violates foreign key constraint "%"', TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[0], TABLE = TG_TABLE_NAME,
                  DETAIL = format('Key (apartment_id)=(%s) is not present in table "apartments".', v_missing);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION check_apartment_reference() IS
    'Проверка ссылки apartment_id всех вставленных оператором строк одним анти-соединением с apartments (вместо '
    'построчного внешнего ключа); ошибка — foreign_key_violation с именем ограничения из аргумента триггера';

CREATE TRIGGER views_log_check_apartment AFTER INSERT ON views_log
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION check_apartment_reference('views_log_apartment_id_fkey');
CREATE TRIGGER view_dedup_check_apartment AFTER INSERT ON view_dedup
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION check_apartment_reference('view_dedup_apartment_id_fkey');

CREATE TRIGGER price_history_check_apartment AFTER INSERT ON price_history
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION check_apartment_reference('price_history_apartment_id_fkey');

CREATE FUNCTION price_history_check_run() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_missing bigint;
BEGIN
    EXECUTE 'SELECT n.pricing_run_id
             FROM (SELECT DISTINCT h.pricing_run_id FROM inserted_rows h WHERE h.pricing_run_id IS NOT NULL) n
             WHERE NOT EXISTS (SELECT 1 FROM pricing_runs r WHERE r.id = n.pricing_run_id) LIMIT 1'
        INTO v_missing;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert on table "price_history" violates foreign key constraint "price_history_pricing_run_id_fkey"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'price_history_pricing_run_id_fkey', TABLE = 'price_history',
                  DETAIL = format('Key (pricing_run_id)=(%s) is not present in table "pricing_runs".', v_missing);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION price_history_check_run() IS
    'Проверка ссылки pricing_run_id всех вставленных оператором строк price_history одним запросом (вместо '
    'построчного внешнего ключа); ошибка — foreign_key_violation с прежним именем ограничения';
CREATE TRIGGER price_history_check_run AFTER INSERT ON price_history
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION price_history_check_run();

CREATE FUNCTION apartments_keep_referenced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_referenced bigint;
BEGIN
    SELECT d.id INTO v_referenced
    FROM deleted_apartments d
    WHERE EXISTS (SELECT 1 FROM price_history h WHERE h.apartment_id = d.id)
    LIMIT 1;
    IF v_referenced IS NOT NULL THEN
        RAISE EXCEPTION 'update or delete on table "apartments" violates foreign key constraint "price_history_apartment_id_fkey" on table "price_history"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'price_history_apartment_id_fkey', TABLE = 'price_history',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "price_history".', v_referenced);
    END IF;
    SELECT d.id INTO v_referenced
    FROM deleted_apartments d
    WHERE EXISTS (SELECT 1 FROM views_log v WHERE v.apartment_id = d.id)
    LIMIT 1;
    IF v_referenced IS NOT NULL THEN
        RAISE EXCEPTION 'update or delete on table "apartments" violates foreign key constraint "views_log_apartment_id_fkey" on table "views_log"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'views_log_apartment_id_fkey', TABLE = 'views_log',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "views_log".', v_referenced);
    END IF;
    DELETE FROM view_dedup v USING deleted_apartments d WHERE v.apartment_id = d.id;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_keep_referenced() IS
    'Удаление квартир: запрещает удалить квартиру с историей цен или событиями (как ON DELETE RESTRICT) и удаляет её '
    'строки view_dedup (как ON DELETE CASCADE) — одним запросом на оператор, см. V8';
CREATE TRIGGER apartments_keep_referenced AFTER DELETE ON apartments
    REFERENCING OLD TABLE AS deleted_apartments
    FOR EACH STATEMENT EXECUTE FUNCTION apartments_keep_referenced();

CREATE FUNCTION pricing_runs_keep_referenced() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM deleted_runs d JOIN price_history h ON h.pricing_run_id = d.id) THEN
        RAISE EXCEPTION 'update or delete on table "pricing_runs" violates foreign key constraint "price_history_pricing_run_id_fkey" on table "price_history"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'price_history_pricing_run_id_fkey', TABLE = 'price_history',
                  DETAIL = 'Key (id) is still referenced from table "price_history".';
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION pricing_runs_keep_referenced() IS
    'Запрещает удалить проход ценообразования, на который ссылается история цен (как ON DELETE RESTRICT), см. V8';
CREATE TRIGGER pricing_runs_keep_referenced AFTER DELETE ON pricing_runs
    REFERENCING OLD TABLE AS deleted_runs
    FOR EACH STATEMENT EXECUTE FUNCTION pricing_runs_keep_referenced();

-- Ссылку существующей строки не меняют: история, события и окно повторов пишутся, а не переписываются. Внешний
-- ключ проверял и UPDATE; без него смену ссылки запрещает построчный триггер, который вызывается только при смене.
CREATE FUNCTION forbid_reference_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'на таблице "%" ссылка % не меняется после вставки', TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[1], TABLE = TG_TABLE_NAME;
END;
$$;
COMMENT ON FUNCTION forbid_reference_change() IS
    'Запрещает менять ссылочный столбец строки (аргументы триггера: столбец и имя прежнего внешнего ключа), см. V8';
CREATE TRIGGER price_history_keep_references BEFORE UPDATE OF apartment_id, pricing_run_id ON price_history
    FOR EACH ROW WHEN (OLD.apartment_id IS DISTINCT FROM NEW.apartment_id OR OLD.pricing_run_id IS DISTINCT FROM NEW.pricing_run_id)
    EXECUTE FUNCTION forbid_reference_change('apartment_id/pricing_run_id', 'price_history_apartment_id_fkey');
CREATE TRIGGER views_log_keep_apartment BEFORE UPDATE OF apartment_id ON views_log
    FOR EACH ROW WHEN (OLD.apartment_id IS DISTINCT FROM NEW.apartment_id)
    EXECUTE FUNCTION forbid_reference_change('apartment_id', 'views_log_apartment_id_fkey');
CREATE TRIGGER view_dedup_keep_apartment BEFORE UPDATE OF apartment_id ON view_dedup
    FOR EACH ROW WHEN (OLD.apartment_id IS DISTINCT FROM NEW.apartment_id)
    EXECUTE FUNCTION forbid_reference_change('apartment_id', 'view_dedup_apartment_id_fkey');
COMMENT ON TRIGGER price_history_keep_references ON price_history IS 'Ссылки строки истории на квартиру и проход не меняются (V8)';
COMMENT ON TRIGGER views_log_keep_apartment ON views_log IS 'Квартира события не меняется (V8)';
COMMENT ON TRIGGER view_dedup_keep_apartment ON view_dedup IS 'Квартира строки окна повторов не меняется (V8)';
COMMENT ON TRIGGER views_log_check_apartment ON views_log IS 'Квартиры вставленных событий существуют (вместо построчного внешнего ключа, V8)';
COMMENT ON TRIGGER view_dedup_check_apartment ON view_dedup IS 'Квартиры вставленных строк окна повторов существуют (V8)';
COMMENT ON TRIGGER price_history_check_apartment ON price_history IS 'Квартиры вставленных строк истории существуют (V8)';
COMMENT ON TRIGGER price_history_check_run ON price_history IS 'Проходы вставленных строк истории существуют (V8)';
COMMENT ON TRIGGER apartments_keep_referenced ON apartments IS 'Квартиру с историей цен или событиями не удалить; её строки view_dedup удаляются (V8)';
COMMENT ON TRIGGER pricing_runs_keep_referenced ON pricing_runs IS 'Проход, на который ссылается история цен, не удалить (V8)';

-- Входные данные решения — столбцами -------------------------------------------------------------------------
ALTER TABLE price_history
    ADD COLUMN views_24h      integer,
    ADD COLUMN favourites_24h integer,
    ADD COLUMN leads_24h      integer,
    ADD COLUMN bookings_24h   integer,
    ADD COLUMN days_on_site   integer,
    ADD COLUMN demand         numeric,
    ADD COLUMN cluster_median numeric,
    ADD COLUMN demand_norm    numeric,
    ADD COLUMN delta          numeric,
    ADD COLUMN max_shift      numeric,
    ADD COLUMN k1             numeric,
    ADD COLUMN k2             numeric,
    ADD COLUMN config_id      bigint;
UPDATE price_history
SET views_24h      = (inputs ->> 'views_24h')::integer,
    favourites_24h = (inputs ->> 'favourites_24h')::integer,
    leads_24h      = (inputs ->> 'leads_24h')::integer,
    bookings_24h   = (inputs ->> 'bookings_24h')::integer,
    days_on_site   = (inputs ->> 'days_on_site')::integer,
    demand         = (inputs ->> 'demand')::numeric,
    cluster_median = (inputs ->> 'cluster_median')::numeric,
    demand_norm    = (inputs ->> 'demand_norm')::numeric,
    delta          = (inputs ->> 'delta')::numeric,
    max_shift      = (inputs ->> 'max_shift')::numeric,
    k1             = (inputs ->> 'k1')::numeric,
    k2             = (inputs ->> 'k2')::numeric,
    config_id      = (inputs ->> 'config_id')::bigint,
    inputs         = NULL
WHERE reason = 'dynamic' AND inputs IS NOT NULL;
ALTER TABLE price_history
    ADD CONSTRAINT price_history_dynamic_inputs_check
        CHECK (reason <> 'dynamic' OR (views_24h IS NOT NULL AND demand IS NOT NULL AND config_id IS NOT NULL));
COMMENT ON CONSTRAINT price_history_dynamic_inputs_check ON price_history IS
    'У строки прохода (reason = dynamic) входные данные решения заполнены';
COMMENT ON COLUMN price_history.inputs IS
    'Дополнительно для ручных изменений: комментарий сотрудника. Входные данные решения прохода — в столбцах views_24h…config_id';
COMMENT ON COLUMN price_history.views_24h IS 'Проход: просмотров за 24 ч на момент решения';
COMMENT ON COLUMN price_history.favourites_24h IS 'Проход: добавлений в избранное за 24 ч';
COMMENT ON COLUMN price_history.leads_24h IS 'Проход: заявок за 24 ч';
COMMENT ON COLUMN price_history.bookings_24h IS 'Проход: броней за 24 ч';
COMMENT ON COLUMN price_history.days_on_site IS 'Проход: полных дней на сайте';
COMMENT ON COLUMN price_history.demand IS 'Проход: спрос квартиры по весам ЖК';
COMMENT ON COLUMN price_history.cluster_median IS 'Проход: медиана спроса кластера «ЖК × комнатность»';
COMMENT ON COLUMN price_history.demand_norm IS 'Проход: demand / медиана кластера, 4 знака';
COMMENT ON COLUMN price_history.delta IS 'Проход: шаг Δ с учётом потолков из окружения, доля';
COMMENT ON COLUMN price_history.max_shift IS 'Проход: коридор от базовой цены с учётом потолков, доля';
COMMENT ON COLUMN price_history.k1 IS 'Проход: верхний порог demand_norm';
COMMENT ON COLUMN price_history.k2 IS 'Проход: нижний порог demand_norm';
COMMENT ON COLUMN price_history.config_id IS
    'Проход: версия настроек dynamic_pricing_config.id (таблица только дополняется, строки не удаляются)';

-- Триггеры копий пропускают оператор прохода, который ведёт копии сам -----------------------------------------
CREATE OR REPLACE FUNCTION apartments_track_price_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('pricing.copies_synced_by_pass', true) = 'on' THEN
        RETURN NULL;
    END IF;
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
COMMENT ON FUNCTION apartments_track_price_change() IS
    'Переносит max(changed_at) новых строк price_history в apartments.price_changed_at (одним UPDATE на оператор); '
    'оператор прохода ценообразования (флаг pricing.copies_synced_by_pass) ставит это поле сам';

CREATE OR REPLACE FUNCTION apartments_sync_pricing_inputs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO apartment_stats (apartment_id, project_id, rooms, on_sale, published_at, base_price, current_price,
                                     price_changed_at, last_booked_at)
        SELECT a.id, a.project_id, a.rooms, a.status = 'available' AND a.moderation_status = 'published',
               a.published_at, a.base_price, a.current_price, a.price_changed_at, a.last_booked_at
        FROM changed_apartments a;
    ELSIF current_setting('pricing.copies_synced_by_pass', true) IS DISTINCT FROM 'on' THEN
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
    'Переносит в apartment_stats поля вставленных и изменённых квартир, которые читает ценообразование (одним оператором); '
    'оператор прохода ценообразования (флаг pricing.copies_synced_by_pass) обновляет свою копию цены сам';

-- Место на странице для новой версии строки: первый проход меняет цену у большинства квартир, и при fillfactor 70
-- около трети обновлений не помещались на свою страницу — не-HOT, по новой записи в каждый из 11 индексов
-- apartments. При 50 все 573 тыс. обновлений первого прохода на 1 млн квартир — HOT (замер в README); таблица
-- больше на ~20 %. Действует для новых страниц; существующую таблицу переупаковывает VACUUM FULL apartments
-- (или pg_repack) в окно обслуживания.
ALTER TABLE apartments SET (fillfactor = 50);

-- apartment_stats читают целиком дважды в минуту (медианы и проход), а меняется в ней ~1 % строк в минуту и
-- больше половины — в первом проходе: мёртвые версии удлиняют оба чтения (на 1 млн квартир после первого прохода
-- seq scan читал 1,5 млн версий вместо 1 млн). Автоочистка — с 2 % мёртвых строк, а не с 20 %.
ALTER TABLE apartment_stats SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);

-- updated_at: проход ставит его сам, построчный PL/pgSQL-триггер вызывается только когда поле не задано явно --------
DROP TRIGGER apartments_set_updated_at ON apartments;
CREATE TRIGGER apartments_set_updated_at BEFORE UPDATE ON apartments FOR EACH ROW
    WHEN (OLD.updated_at IS NOT DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION set_updated_at();
COMMENT ON TRIGGER apartments_set_updated_at ON apartments IS 'updated_at = now(), если UPDATE не задал его сам (V8)';
COMMENT ON COLUMN apartments.updated_at IS 'Когда строка последний раз изменена: ставит оператор (проход цен) или триггер apartments_set_updated_at';

-- Событие «из будущего» — редкость: PL/pgSQL-триггер вызывается только для него, а не для каждой вставки --------
DROP TRIGGER views_log_clamp_occurred_at ON views_log;
CREATE TRIGGER views_log_clamp_occurred_at BEFORE INSERT ON views_log FOR EACH ROW
    WHEN (NEW.occurred_at > now())
    EXECUTE FUNCTION views_log_clamp_occurred_at();
COMMENT ON TRIGGER views_log_clamp_occurred_at ON views_log IS 'Событие из будущего записывается текущим временем (V8: вызывается только для него)';

-- Копия квартир в продаже для поиска (catalog_offers, V7): оператор прохода обновляет её цену сам, как и
-- apartment_stats, — триггер его пропускает. Запросы триггера — через EXECUTE: план строится под фактический размер
-- таблицы переходов (одна квартира из API или полмиллиона из пакетной выгрузки), а не берётся из кеша сеанса.
CREATE OR REPLACE FUNCTION catalog_offers_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('pricing.copies_synced_by_pass', true) = 'on' THEN
        RETURN NULL;
    END IF;
    -- Снятые с продажи — из копии вон.
    EXECUTE $sql$
        DELETE FROM catalog_offers c
         USING changed_apartments a
         WHERE c.apartment_id = a.id
           AND NOT (a.status = 'available' AND a.moderation_status = 'published')
    $sql$;
    -- В продаже и уже в копии — обновить, только если что-то поменялось (цена, комнатность, ЖК).
    EXECUTE $sql$
        UPDATE catalog_offers c
           SET project_id = a.project_id, region_code = p.region_code, rooms = a.rooms, current_price = a.current_price
          FROM changed_apartments a
          JOIN projects p ON p.id = a.project_id
         WHERE c.apartment_id = a.id
           AND a.status = 'available' AND a.moderation_status = 'published'
           AND (c.project_id, c.region_code, c.rooms, c.current_price)
               IS DISTINCT FROM (a.project_id, p.region_code, a.rooms, a.current_price)
    $sql$;
    -- В продаже, а в копии нет — вставить (в порядке региона и цены: соседние по цене квартиры региона рядом).
    EXECUTE $sql$
        INSERT INTO catalog_offers (apartment_id, project_id, region_code, rooms, current_price)
        SELECT a.id, a.project_id, p.region_code, a.rooms, a.current_price
          FROM changed_apartments a
          JOIN projects p ON p.id = a.project_id
         WHERE a.status = 'available' AND a.moderation_status = 'published'
           AND NOT EXISTS (SELECT 1 FROM catalog_offers c WHERE c.apartment_id = a.id)
         ORDER BY p.region_code, a.current_price
    $sql$;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION catalog_offers_sync() IS
    'Переносит в catalog_offers вставленные и изменённые квартиры (одним набором операторов на оператор apartments): '
    'в продаже — вставка или обновление изменившегося, иначе удаление. Оператор прохода ценообразования '
    '(флаг pricing.copies_synced_by_pass) обновляет цену в копии сам';

-- Проход --------------------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION reprice_apartments(
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

    -- Копии цены (apartment_stats, apartments.price_changed_at) этот оператор ведёт сам, одним UPDATE на таблицу:
    -- триггеры синхронизации видят флаг и не повторяют работу по сотням тысяч строк первого прохода.
    PERFORM set_config('pricing.copies_synced_by_pass', 'on', true);
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
    -- Строки блокируются в порядке id (как у всех, кто меняет квартиры пачкой) и режимом FOR NO KEY UPDATE —
    -- тем же, что берёт сам UPDATE цены: он не конфликтует с FOR KEY SHARE, который держат вставки заявок и броней.
    -- UPDATE ищет строку по id, а не по ctid блокировки: если квартиру изменили и закоммитили после снимка оператора,
    -- блокировка вернёт ctid новой версии, невидимой в снимке, а поиск по id найдёт видимую и через EvalPlanQual
    -- перепроверит цену и статус на последней версии (как и до V8).
    locked AS MATERIALIZED (
        SELECT e.*
        FROM apartments a
        JOIN explained e ON e.apartment_id = a.id
        WHERE NOT p_dry_run AND e.decision IN ('raise', 'lower')
        ORDER BY a.id
        FOR NO KEY UPDATE OF a
    ),
    changed AS (
        UPDATE apartments a
        SET current_price = l.new_price, price_changed_at = p_now, updated_at = now()
        FROM locked l
        WHERE a.id = l.apartment_id
          AND a.current_price = l.old_price AND a.status = 'available'
        RETURNING l.*
    ),
    stats_synced AS (  -- копия цены для следующих проходов и поиска; триггер синхронизации этот оператор пропускает
        UPDATE apartment_stats s
        SET current_price = c.new_price, price_changed_at = p_now
        FROM changed c
        WHERE s.apartment_id = c.apartment_id
    ),
    offers_synced AS (  -- копия цены для поиска по региону (V7); квартира остаётся в продаже, меняется только цена
        UPDATE catalog_offers o
        SET current_price = c.new_price
        FROM changed c
        WHERE o.apartment_id = c.apartment_id
    ),
    history AS (
        INSERT INTO price_history (apartment_id, changed_at, old_price, new_price, reason, pricing_run_id, explanation,
                                   views_24h, favourites_24h, leads_24h, bookings_24h, days_on_site, demand,
                                   cluster_median, demand_norm, delta, max_shift, k1, k2, config_id)
        SELECT c.apartment_id, p_now, c.old_price, c.new_price, 'dynamic', v_run_id, c.readable,
               c.views_24h, c.favourites_24h, c.leads_24h, c.bookings_24h, c.days_on_site, c.demand,
               c.cluster_median, round(c.demand / c.cluster_median, 4), c.delta, c.max_shift, c.k1, c.k2, c.config_id
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
    PERFORM set_config('pricing.copies_synced_by_pass', 'off', true);
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

-- Ключи идемпотентности брони не копятся вечно ----------------------------------------------------------------
CREATE FUNCTION prune_booking_idempotency_keys(p_now timestamptz, p_ttl interval, p_batch integer DEFAULT 10000)
RETURNS bigint
LANGUAGE sql AS $$
    WITH old AS (
        SELECT k.id FROM booking_idempotency_keys k
        WHERE k.created_at < p_now - p_ttl
        ORDER BY k.created_at
        LIMIT p_batch
        FOR UPDATE SKIP LOCKED
    ),
    deleted AS (
        DELETE FROM booking_idempotency_keys k USING old WHERE k.id = old.id RETURNING 1
    )
    SELECT count(*) FROM deleted
$$;
COMMENT ON FUNCTION prune_booking_idempotency_keys(timestamptz, interval, integer) IS
    'Ежеминутно: удаляет ключи Idempotency-Key брони старше p_ttl (BOOKING_IDEMPOTENCY_KEY_TTL_HOURS), не больше '
    'p_batch за раз, по индексу created_at; повтор запроса с забытым ключом создаёт новую бронь. Возвращает число удалённых';
