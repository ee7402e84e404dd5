-- Откат прохода — второй массовый писатель цен: ведёт копии сам, как проход ----------------------------------------
CREATE OR REPLACE FUNCTION rollback_pricing_run(p_run_id bigint, p_user_id bigint DEFAULT NULL, p_now timestamptz DEFAULT now())
RETURNS TABLE (apartment_id bigint, restored_price numeric(14, 2), replaced_price numeric(14, 2))
LANGUAGE plpgsql AS $$
DECLARE
    v_run pricing_runs;
BEGIN
    -- Порядок блокировок прохода: сначала блокировка прохода, потом строка pricing_runs, потом квартиры.
    PERFORM pg_advisory_xact_lock(pricing_pass_lock_key());
    SELECT * INTO v_run FROM pricing_runs r WHERE r.id = p_run_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'pricing run % does not exist', p_run_id USING ERRCODE = 'no_data_found';
    END IF;
    IF v_run.rolled_back_at IS NOT NULL THEN
        RETURN;
    END IF;

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
                  a.status = 'available' AND a.moderation_status = 'published' AS on_sale,
                  format('Цена возвращена: отмена прохода ценообразования №%s (%s)', p_run_id,
                         format_percent_change(sc.new_price, sc.old_price)) AS explanation
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
        SELECT r.id, p_now, r.new_price, r.old_price, 'manual', p_run_id, p_user_id, r.explanation
        FROM restored r
        RETURNING price_history.id AS history_id, price_history.apartment_id AS history_apartment_id
    ),
    price_events AS (  -- price.changed в outbox тем же оператором, как у прохода
        INSERT INTO outbox_events (topic, event_type, aggregate_id, price_history_id)
        SELECT 'price', 'price.changed', h.history_apartment_id, h.history_id
        FROM history h
        ORDER BY h.history_apartment_id
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
    'Копии цены (apartment_stats, catalog_offers) и price_changed_at ведёт сам одним оператором, как проход';
