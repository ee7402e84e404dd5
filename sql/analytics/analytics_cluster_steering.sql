-- Куда ведёт правило цены каждый кластер «ЖК × комнатность» квартир в продаже — для часового снимка предложения
-- (refresh_analytics, шаг 3). Шаг каждой квартиры решается так же, как в проходе цен (reprice_apartments): те же
-- pricing_direction и pricing_candidate_price, пороги кластера в тысячных спроса из медиан cluster_demand, Δ и
-- коридор — из настроек ЖК с потолками последнего завершённого прохода (ELASTICITY_CAP, PRICE_MAX_SHIFT сервиса);
-- паузы после изменения цены и брони не учитываются: это оценка того, куда правило ведёт цену, а не решение минуты.
-- plpgsql, а не SQL: пока медиан нет (cluster_demand не заполнено до первого цикла цен), представление не читается
-- вовсе и кластеров нет — «не оценено».
CREATE OR REPLACE FUNCTION analytics_cluster_steering(p_now timestamptz DEFAULT now())
RETURNS TABLE (project_id bigint, rooms smallint, steering_sum numeric, lots_to_raise integer, lots_to_lower integer)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_elasticity_ceiling numeric;
    v_max_shift_ceiling  numeric;
BEGIN
    IF NOT coalesce((SELECT m.ispopulated FROM pg_matviews m
                      WHERE m.schemaname = current_schema() AND m.matviewname = 'cluster_demand'), false) THEN
        RETURN;
    END IF;
    SELECT r.elasticity_ceiling, r.max_shift_ceiling INTO v_elasticity_ceiling, v_max_shift_ceiling
      FROM pricing_runs r
     WHERE r.status = 'completed'
     ORDER BY r.id DESC
     LIMIT 1;
    RETURN QUERY
    WITH rules AS (
        SELECT cfg.project_id, cfg.enabled, cfg.k1, cfg.k2,
               cfg.views_weight_milli, cfg.favourites_weight_milli, cfg.leads_weight_milli, cfg.bookings_weight_milli,
               least(cfg.step, cfg.elasticity_cap, coalesce(v_elasticity_ceiling, cfg.elasticity_cap)) AS delta,
               least(cfg.max_shift, coalesce(v_max_shift_ceiling, cfg.max_shift))                     AS max_shift,
               p_now - make_interval(secs => 86400 * (cfg.min_days_on_site + 1)) AS lowering_published_before
        FROM project_pricing_config cfg
        OFFSET 0  -- настройки считаются один раз на ЖК, планировщик хеширует ЖК, а не миллион квартир
    ),
    directions AS (
        SELECT s.project_id, s.rooms, s.current_price, s.base_price, r.delta, r.max_shift,
               CASE WHEN r.enabled THEN
                   pricing_direction(s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h,
                                     r.views_weight_milli, r.favourites_weight_milli,
                                     r.leads_weight_milli, r.bookings_weight_milli,
                                     CASE WHEN cd.median_demand > 0 THEN floor(r.k1 * cd.median_demand * 1000)::bigint END,
                                     CASE WHEN cd.median_demand > 0 THEN ceil(r.k2 * cd.median_demand * 1000)::bigint END,
                                     s.published_at, r.lowering_published_before)
                   ELSE 0
               END AS direction
        FROM apartment_stats s
        JOIN rules r ON r.project_id = s.project_id
        LEFT JOIN cluster_demand cd ON cd.project_id = s.project_id AND cd.rooms = s.rooms
        WHERE s.on_sale
        OFFSET 0  -- направление считается один раз на квартиру
    ),
    steps AS (  -- как решает проход: шаг только в сторону направления, у границы коридора цена стоит (at_limit)
        SELECT d.project_id, d.rooms, d.current_price,
               CASE
                   WHEN d.direction = 1 AND c.price > d.current_price THEN c.price
                   WHEN d.direction = -1 AND c.price < d.current_price THEN c.price
                   ELSE d.current_price
               END AS next_price
        FROM directions d
        CROSS JOIN LATERAL (
            SELECT pricing_candidate_price(d.direction, d.current_price, d.base_price, d.delta, d.max_shift) AS price
        ) c
    )
    SELECT st.project_id, st.rooms, sum(st.next_price),
           count(*) FILTER (WHERE st.next_price > st.current_price)::integer,
           count(*) FILTER (WHERE st.next_price < st.current_price)::integer
    FROM steps st
    GROUP BY st.project_id, st.rooms;
END;
$$;
COMMENT ON FUNCTION analytics_cluster_steering(timestamptz) IS
    'Оценка по кластерам «ЖК × комнатность» квартир в продаже: сумма цен после следующего шага правила цены '
    '(steering_sum, ₽), сколько квартир он повысит и понизит. Шаг — как у прохода цен (медианы cluster_demand, '
    'настройки ЖК, потолки последнего завершённого прохода), без пауз после изменения цены и брони; ЖК с выключенным '
    'ценообразованием правило не двигает. Пусто, пока cluster_demand не заполнено. Читает весь каталог (~1 с на 1 млн '
    'квартир): вызывается ежечасной свёрткой для analytics_daily_supply';
