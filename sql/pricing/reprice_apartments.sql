-- Проход ценообразования: решения по квартирам в продаже одним set-based оператором и их запись.
--
-- Два режима:
-- * пачка прохода (p_run_id и p_batch_no заданы) — так работает поминутный цикл (run_pricing_cycle.sql): только ЖК
--   пачки, итоги пачки — в pricing_run_batches, блокировку прохода и строку pricing_runs держит цикл;
-- * весь каталог одним оператором (p_run_id пуст) — предпросмотр (p_dry_run), ручной вызов DBA и тесты правил: сам
--   берёт pg_try_advisory_xact_lock(pricing_pass_lock_key()), создаёт pricing_runs и пишет туда итоги.
--
-- Порядок блокировок (общий для всех, кто пишет квартиры и их копии; см. docs/pricing.md): строка apartments →
-- её строка apartment_stats → её строка catalog_offers → новые строки price_history и outbox_events; между квартирами — по
-- возрастанию id. Строки блокирует сам UPDATE: изменения отсортированы по id, план — вложенный цикл по
-- apartments_pkey (планировщик оценивает CTE explained в ~10 строк при любом размере), так что строки
-- блокируются по порядку id и через EvalPlanQual перепроверяются цена и статус, если квартиру изменили после
-- снимка оператора (тест an_apartment_edited_while_the_pass_waits_for_its_lock_is_still_repriced). Отдельного
-- шага блокировки нет: на 1 млн квартир он писал по записи WAL на строку (~5 с первого прохода). Копии цены
-- (apartment_stats, catalog_offers, apartments.price_changed_at) оператор ведёт сам, триггеры синхронизации
-- видят флаг pricing.copies_synced_by_pass и пропускают его строки.
CREATE OR REPLACE FUNCTION reprice_apartments(
    p_now                timestamptz     DEFAULT now(),
    p_dry_run            boolean         DEFAULT false,
    p_trigger            pricing_trigger DEFAULT 'manual',
    p_elasticity_ceiling numeric         DEFAULT NULL,
    p_max_shift_ceiling  numeric         DEFAULT NULL,
    p_scheduled_for      timestamptz     DEFAULT NULL,
    p_started_by         bigint          DEFAULT NULL,
    p_apartment_id       bigint          DEFAULT NULL,
    p_changes_only       boolean         DEFAULT false,
    p_run_id             bigint          DEFAULT NULL,
    p_batch_no           integer         DEFAULT NULL
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
SET plan_cache_mode = force_custom_plan  -- параметры — константы в плане: ЖК пачки, p_apartment_id, p_changes_only
AS $$
DECLARE
    v_run_id      bigint := p_run_id;
    v_project_ids bigint[];
    v_skip_reason text;
    v_min_rooms   integer;
    v_max_rooms   integer;
BEGIN
    IF p_run_id IS NOT NULL THEN
        SELECT b.project_ids INTO STRICT v_project_ids
          FROM pricing_run_batches b
         WHERE b.run_id = p_run_id AND b.batch_no = p_batch_no;
    ELSIF NOT p_dry_run THEN
        v_skip_reason := pricing_skip_reason(pg_try_advisory_xact_lock(pricing_pass_lock_key()), p_scheduled_for);
        IF v_skip_reason IS NOT NULL THEN
            RAISE NOTICE '%', v_skip_reason;
            RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::bigint, NULL::smallint, NULL::integer, NULL::integer,
                                NULL::integer, NULL::integer, NULL::integer, NULL::numeric, NULL::numeric, NULL::numeric,
                                'skipped'::pricing_decision, NULL::numeric(14, 2), NULL::numeric(14, 2), v_skip_reason;
            RETURN;
        END IF;
        INSERT INTO pricing_runs (trigger, scheduled_for, started_by, status, priced_at, elasticity_ceiling,
                                  max_shift_ceiling, workers)
        VALUES (p_trigger, p_scheduled_for, p_started_by, 'running', p_now, p_elasticity_ceiling, p_max_shift_ceiling, 1)
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
            WHERE v_project_ids IS NULL OR cfg.project_id = ANY (v_project_ids)
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
          AND (v_project_ids IS NULL OR s.project_id = ANY (v_project_ids))
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
    -- Строки блокирует сам UPDATE — в порядке id (вложенный цикл по отсортированным изменениям и apartments_pkey,
    -- как у всех, кто меняет квартиры пачкой) и режимом FOR NO KEY UPDATE, который не конфликтует с FOR KEY SHARE
    -- вставок заявок и броней. Отдельного шага блокировки нет: он писал по записи WAL на строку и копировал
    -- полмиллиона широких строк ещё раз. Поиск по id, а не по ctid: квартиру, изменённую и закоммиченную после
    -- снимка оператора, UPDATE найдёт и через EvalPlanQual перепроверит цену и статус на последней версии.
    changed AS (
        UPDATE apartments a
        SET current_price = l.new_price, price_changed_at = p_now, updated_at = now()
        FROM (SELECT e.*
                FROM explained e
               WHERE NOT p_dry_run AND e.decision IN ('raise', 'lower')
               ORDER BY e.apartment_id) l
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
    offers_synced AS (  -- копия цены для поиска по региону; квартира остаётся в продаже, меняется только цена
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
        RETURNING price_history.id AS history_id, price_history.apartment_id AS history_apartment_id
    ),
    price_events AS (  -- price.changed в outbox (docs/events.md): узкая строка на изменение, тело — из price_history
        INSERT INTO outbox_events (topic, event_type, aggregate_id, price_history_id)
        SELECT 'price', 'price.changed', h.history_apartment_id, h.history_id
        FROM history h
        ORDER BY h.history_apartment_id
    ),
    summary AS (
        SELECT t.evaluated,
               jsonb_strip_nulls(jsonb_build_object(
                   'raise', nullif(t.raise, 0), 'lower', nullif(t.lower, 0), 'hold', nullif(t.hold, 0),
                   'cooldown', nullif(t.cooldown, 0), 'recent_booking', nullif(t.recent_booking, 0),
                   'at_limit', nullif(t.at_limit, 0), 'no_median', nullif(t.no_median, 0),
                   'disabled', nullif(t.disabled, 0))) AS decisions,
               (SELECT count(*) FROM changed c WHERE c.decision = 'raise') AS raised,
               (SELECT count(*) FROM changed c WHERE c.decision = 'lower') AS lowered
        FROM tally t
    ),
    run_summary AS (  -- весь каталог одним оператором
        UPDATE pricing_runs r
        SET finished_at = clock_timestamp(), status = 'completed',
            evaluated = su.evaluated, decisions = su.decisions, raised = su.raised, lowered = su.lowered
        FROM summary su
        WHERE r.id = v_run_id AND p_run_id IS NULL
    ),
    batch_summary AS (  -- пачка прохода: итоги run_pricing_cycle сложит в pricing_runs
        UPDATE pricing_run_batches b
        SET done_at = clock_timestamp(),
            evaluated = su.evaluated, decisions = su.decisions, raised = su.raised, lowered = su.lowered
        FROM summary su
        WHERE b.run_id = p_run_id AND b.batch_no = p_batch_no
    )
    SELECT v_run_id, e.apartment_id, e.project_id, e.rooms, e.views_24h, e.favourites_24h, e.leads_24h, e.bookings_24h,
           e.days_on_site, e.demand, e.cluster_median,
           CASE WHEN e.cluster_median > 0 THEN round(e.demand / e.cluster_median, 4) END,
           e.decision, e.old_price, e.new_price, e.readable
    FROM explained e
    -- Предпросмотр (все квартиры) — по порядку id; изменения настоящего прохода — в порядке оценки, без сортировки
    -- полумиллиона строк первого прохода (порядок им задаёт журнал, а не ответ).
    ORDER BY CASE WHEN NOT p_changes_only THEN e.apartment_id END;
    PERFORM set_config('pricing.copies_synced_by_pass', 'off', true);
END;
$$;
COMMENT ON FUNCTION reprice_apartments(timestamptz, boolean, pricing_trigger, numeric, numeric, timestamptz, bigint, bigint, boolean, bigint, integer) IS
    'Шаг 2 поминутного цикла: один set-based проход по квартирам в продаже (status = available, published). '
    'demand_norm = demand / медиана кластера (cluster_demand); > k1 — +Δ, < k2 и дней на сайте > min_days_on_site — −Δ; '
    'Δ = min(step, elasticity_cap, p_elasticity_ceiling); цена округляется до копеек и ограничивается коридором '
    'round(base × (1 ± min(max_shift, p_max_shift_ceiling)), 2). Не трогает цену, менявшуюся за cooldown или с бронью за booking_freeze. '
    'Пишет price_history (reason = dynamic) и pricing_runs; p_dry_run — только показать решения. '
    'Одновременно идёт только один проход (pg_try_advisory_xact_lock): второй сразу возвращает строку decision = skipped. '
    'p_scheduled_for не даёт двум репликам провести один слот расписания дважды. Возвращает строку на каждую квартиру в продаже '
    '(p_changes_only — только изменённые, без сортировки; иначе по порядку id; итоги прохода в pricing_runs, его id — в current_setting(''pricing.run_id'') до конца транзакции). '
    'Строки квартир блокирует сам UPDATE по порядку id. С p_run_id и p_batch_no — пачка ЖК прохода run_pricing_cycle: '
    'без своей блокировки и строки pricing_runs, итоги — в pricing_run_batches';
