-- Минутная задача акций (JOB_PROMOTIONS_ENABLED): акция, которая началась, закончилась, приостановлена, изменена
-- или исчерпала «первые N броней», меняет скидки в catalog_offers не позже чем через минуту; цены, которые сдвинул
-- проход ценообразования (или застройщик), получают пересчитанную скидку. Сравнивается набор действующих акций с
-- набором прошлого запуска (promotion_refresh_state): пересчитываются только ЖК изменившихся акций, затем — строки
-- с изменившейся ценой. Все квартиры пересчитываются, если потолок или пол не те, с которыми считались скидки (смена
-- настроек, первый запуск), или p_full. Одновременно работает одна реплика: строка состояния блокируется.
CREATE OR REPLACE FUNCTION refresh_promotion_discounts(p_at timestamptz, p_max_total_percent numeric,
                                                       p_floor_percent numeric, p_full boolean DEFAULT false)
RETURNS TABLE (changed_promotions integer, repriced integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_state    promotion_refresh_state%ROWTYPE;
    v_full     boolean;
    v_previous text[];
    v_current  text[];
    v_changed  bigint[];
    v_scoped   integer := 0;
    v_stale    integer := 0;
BEGIN
    SELECT * INTO v_state FROM promotion_refresh_state s FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN  -- другая реплика уже пересчитывает
        RETURN QUERY SELECT 0, 0;
        RETURN;
    END IF;
    v_previous := v_state.active_keys;
    v_full := p_full
              OR v_state.max_total_discount_percent IS DISTINCT FROM p_max_total_percent
              OR v_state.floor_share_percent IS DISTINCT FROM p_floor_percent;
    SELECT coalesce(array_agg(pr.id || ':' || extract(epoch FROM pr.updated_at) || ':'
                              || (pr.conditions ? 'first_n_bookings'
                                  AND pr.issued_bookings >= (pr.conditions ->> 'first_n_bookings')::integer)
                              ORDER BY pr.id), '{}')
      INTO v_current
      FROM promotions pr
     WHERE pr.status = 'approved' AND pr.starts_at <= p_at AND pr.ends_at > p_at;
    SELECT array_agg(DISTINCT split_part(k.key, ':', 1)::bigint)
      INTO v_changed
      FROM ((SELECT unnest(v_current) EXCEPT SELECT unnest(v_previous))
            UNION
            (SELECT unnest(v_previous) EXCEPT SELECT unnest(v_current))) AS k (key);
    IF v_full THEN
        v_scoped := apply_promotion_discounts(NULL, false, p_at, p_max_total_percent, p_floor_percent);
    ELSIF v_changed IS NOT NULL THEN
        v_scoped := apply_promotion_discounts(promotion_scope_projects(v_changed), false, p_at,
                                              p_max_total_percent, p_floor_percent);
    END IF;
    IF cardinality(v_current) > 0 AND NOT v_full THEN
        v_stale := apply_promotion_discounts(NULL, true, p_at, p_max_total_percent, p_floor_percent);
    END IF;
    UPDATE promotion_refresh_state
       SET active_keys = v_current, refreshed_at = p_at,
           max_total_discount_percent = p_max_total_percent, floor_share_percent = p_floor_percent;
    RETURN QUERY SELECT coalesce(cardinality(v_changed), 0), v_scoped + v_stale;
END;
$$;
COMMENT ON FUNCTION refresh_promotion_discounts(timestamptz, numeric, numeric, boolean) IS
    'Минутная задача акций: пересчитывает скидки catalog_offers в ЖК акций, чей набор изменился с прошлого запуска '
    '(началась, закончилась, приостановлена, изменена, исчерпана), и у квартир, чья цена сдвинулась. Возвращает '
    'число изменившихся акций и пересчитанных строк; все квартиры — при другом потолке или поле, чем в прошлый раз, '
    'или p_full';
