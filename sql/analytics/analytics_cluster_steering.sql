-- Куда ведёт правило цены каждый кластер «ЖК × комнатность» квартир в продаже — для часового снимка предложения
-- (refresh_analytics, шаг 3). Шаг каждой квартиры решается так же, как в проходе цен (reprice_apartments): те же
-- pricing_direction и pricing_candidate_price, пороги кластера в тысячных спроса из медиан cluster_demand, Δ и
-- коридор — из настроек ЖК с потолками последнего завершённого прохода (ELASTICITY_CAP, PRICE_MAX_SHIFT сервиса);
-- у границы коридора цена стоит. Паузы после изменения цены и брони не учитываются: это оценка того, куда правило
-- ведёт цену, а не решение минуты. Пороги и шаг считаются один раз на кластер (numeric), на квартиру — целые
-- сравнения, а цена после шага — только у тех, кого правило двигает (на 1 млн квартир numeric-арифметика для каждой
-- стоила бы секунды).
-- plpgsql, а не SQL: пока медиан нет (cluster_demand не заполнено до первого цикла цен), представление не читается
-- вовсе и кластеров нет — «не оценено».
CREATE OR REPLACE FUNCTION analytics_cluster_steering(p_now timestamptz DEFAULT now())
RETURNS TABLE (project_id bigint, rooms smallint, steering_shift numeric, lots_to_raise integer, lots_to_lower integer)
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
    -- clusters — MATERIALIZED: с видимой статистикой планировщик выбирает 10 тыс. проходов по индексу
    -- apartment_stats (project_id, rooms) вразброс по таблице (на 1 млн квартир вдвое дольше хеш-соединения с
    -- последовательным чтением). Группировка — хешем по всем квартирам в продаже: строка есть у каждого кластера.
    WITH clusters AS MATERIALIZED (  -- кластеры с медианой: пороги в тысячных спроса и шаг (выключенное правило — без порогов)
        SELECT cd.project_id, cd.rooms,
               cfg.views_weight_milli, cfg.favourites_weight_milli, cfg.leads_weight_milli, cfg.bookings_weight_milli,
               CASE WHEN cfg.enabled AND cd.median_demand > 0 THEN floor(cfg.k1 * cd.median_demand * 1000)::bigint END
                   AS raise_above_milli,
               CASE WHEN cfg.enabled AND cd.median_demand > 0 THEN ceil(cfg.k2 * cd.median_demand * 1000)::bigint END
                   AS lower_below_milli,
               least(cfg.step, cfg.elasticity_cap, coalesce(v_elasticity_ceiling, cfg.elasticity_cap)) AS delta,
               least(cfg.max_shift, coalesce(v_max_shift_ceiling, cfg.max_shift))                     AS max_shift,
               p_now - make_interval(secs => 86400 * (cfg.min_days_on_site + 1)) AS lowering_published_before
        FROM cluster_demand cd
        JOIN project_pricing_config cfg ON cfg.project_id = cd.project_id
    ),
    directions AS (
        SELECT s.project_id, s.rooms, s.current_price, s.base_price, c.delta, c.max_shift,
               pricing_direction(s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h,
                                 c.views_weight_milli, c.favourites_weight_milli,
                                 c.leads_weight_milli, c.bookings_weight_milli,
                                 c.raise_above_milli, c.lower_below_milli,
                                 s.published_at, c.lowering_published_before) AS direction
        FROM apartment_stats s
        JOIN clusters c ON c.project_id = s.project_id AND c.rooms = s.rooms
        WHERE s.on_sale
        OFFSET 0  -- направление считается один раз на квартиру, а не в каждом выражении ниже
    ),
    shifts AS (  -- сдвиг цены следующим шагом; в сторону направления — иначе квартира у границы коридора и стоит
        SELECT d.project_id, d.rooms, d.direction,
               CASE WHEN d.direction IN (1, -1)
                    THEN pricing_candidate_price(d.direction, d.current_price, d.base_price, d.delta, d.max_shift)
                         - d.current_price
               END AS shift
        FROM directions d
        OFFSET 0  -- цена после шага считается один раз, а не в каждом агрегате
    )
    SELECT sh.project_id, sh.rooms,
           coalesce(sum(sh.shift) FILTER (WHERE sign(sh.shift) = sh.direction), 0),
           count(*) FILTER (WHERE sh.direction = 1 AND sh.shift > 0)::integer,
           count(*) FILTER (WHERE sh.direction = -1 AND sh.shift < 0)::integer
    FROM shifts sh
    GROUP BY sh.project_id, sh.rooms;
END;
$$;
COMMENT ON FUNCTION analytics_cluster_steering(timestamptz) IS
    'Оценка по кластерам «ЖК × комнатность» с квартирами в продаже и медианой спроса: на сколько следующий шаг правила '
    'цены сдвинет сумму их цен (steering_shift, ₽; цена м², к которой ведёт правило, = (Σцен + steering_shift) ÷ Σплощадей), '
    'сколько квартир он повысит и понизит. Шаг — как у прохода цен (медианы cluster_demand, настройки ЖК, потолки '
    'последнего завершённого прохода, у границы коридора — стоит), без пауз после изменения цены и брони; при '
    'выключенном ценообразовании правило не двигает ничего. Пусто, пока cluster_demand не заполнено. Читает весь '
    'каталог: вызывается ежечасной свёрткой для analytics_daily_supply';
