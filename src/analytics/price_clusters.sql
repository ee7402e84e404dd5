-- «Какие цены оптимальны» по кластерам «ЖК × комнатность» квартир в продаже:
--   измерения — цена м² кластера и базовая цена м² (Σцен ÷ Σплощадей по последнему снимку analytics_daily_supply,
--   раз в час), цена м² того же класса в том же городе по тому же снимку (все компании, и число компаний — для
--   скрытия); квартир в продаже — живое число (apartment_stats);
--   оценки — куда ведёт правило цены (цена м² после следующего шага каждой квартиры: demand_norm выше k1 — вверх,
--   ниже k2 и на сайте дольше min_days_on_site — вниз, в коридоре; без учёта пауз) и эластичность из
--   analytics_price_elasticity.
-- Спрос сравнивается с порогами в целых тысячных (как в reprice_apartments): без numeric-деления на каждую квартиру.
-- {cluster_demand} — cluster_demand или пустой набор, пока представление не заполнено (cluster_demand_source()).
-- Параметры: $1–$8 как у всех запросов аналитики, $9 потолок ELASTICITY_CAP, $10 потолок PRICE_MAX_SHIFT.
-- Колонки: project_id, project_name, city, class, rooms, on_sale, price_per_m2, base_price_per_m2,
-- steering_price_per_m2, to_raise, to_lower, market_price_per_m2, market_companies, responses, elasticity, ci_low,
-- ci_high, enough_data.
WITH picked AS (
    SELECT p.id, p.name, p.city, p.class
    FROM projects p
    WHERE ($3::text IS NULL OR p.region_code = $3)
      AND ($4::bigint IS NULL OR p.id = $4)
      AND ($5::text IS NULL OR p.class::text = $5)
      AND ($6::boolean OR p.developer_id = ANY ($7::bigint[]))
      AND ($8::text IS NULL OR lower(p.city) = lower($8))
      AND ($1::date IS NOT NULL AND $2::date IS NOT NULL)
),
rules AS MATERIALIZED (  -- действующие настройки ЖК с потолками окружения, один раз на ЖК
    SELECT cfg.project_id, cfg.k1, cfg.k2, cfg.views_weight_milli, cfg.favourites_weight_milli,
           cfg.leads_weight_milli, cfg.bookings_weight_milli,
           least(cfg.step, cfg.elasticity_cap, $9::numeric) AS delta,
           least(cfg.max_shift, $10::numeric)               AS max_shift,
           now() - make_interval(days => cfg.min_days_on_site + 1) AS lowering_published_before
    FROM project_pricing_config cfg
    WHERE cfg.project_id IN (SELECT id FROM picked)
),
thresholds AS (  -- пороги кластера в тысячных: demand_norm > k1 ⇔ спрос·1000 > floor(k1·медиана·1000)
    SELECT cd.project_id, cd.rooms,
           floor(r.k1 * cd.median_demand * 1000)::bigint AS raise_above_milli,
           ceil(r.k2 * cd.median_demand * 1000)::bigint  AS lower_below_milli
    FROM {cluster_demand} cd
    JOIN rules r ON r.project_id = cd.project_id
    WHERE cd.median_demand > 0
),
moves AS MATERIALIZED (  -- квартиры в продаже по apartment_stats: направление шага считается один раз на квартиру
    SELECT s.project_id, s.rooms, s.current_price, s.base_price, r.delta, r.max_shift,
           CASE
               WHEN t.raise_above_milli IS NULL THEN 0
               WHEN d.milli > t.raise_above_milli THEN 1
               WHEN d.milli < t.lower_below_milli AND s.published_at <= r.lowering_published_before THEN -1
               ELSE 0
           END AS direction
    FROM rules r
    CROSS JOIN LATERAL (  -- квартиры ЖК по индексу; OFFSET 0 не даёт развернуть это в перебор всей таблицы
        SELECT * FROM apartment_stats x WHERE x.project_id = r.project_id OFFSET 0
    ) s
    LEFT JOIN thresholds t ON t.project_id = s.project_id AND t.rooms = s.rooms
    CROSS JOIN LATERAL (
        SELECT pricing_demand_milli(s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h,
                                    r.views_weight_milli, r.favourites_weight_milli, r.leads_weight_milli,
                                    r.bookings_weight_milli) AS milli
    ) d
    WHERE s.on_sale
),
live AS (  -- живое: квартир в продаже, сдвиг следующего шага (Σ(новая − текущая) по сдвигаемым)
    SELECT m.project_id, m.rooms, count(*)::bigint AS on_sale,
           coalesce(sum(pricing_candidate_price(m.direction, m.current_price, m.base_price, m.delta, m.max_shift)
                        - m.current_price) FILTER (WHERE m.direction <> 0), 0) AS steering_delta,
           count(*) FILTER (WHERE m.direction = 1)::bigint  AS to_raise,
           count(*) FILTER (WHERE m.direction = -1)::bigint AS to_lower
    FROM moves m
    GROUP BY m.project_id, m.rooms
),
snapshot AS (  -- суммы цен и площадей — последний снимок часовой свёртки предложения
    SELECT s.project_id, s.rooms, s.price_sum_on_sale, s.base_sum_on_sale, s.area_on_sale
    FROM analytics_daily_supply s
    WHERE s.day = (SELECT max(day) FROM analytics_daily_supply)
      AND s.project_id IN (SELECT id FROM picked)
),
clusters AS (
    SELECT l.project_id, l.rooms, l.on_sale, l.to_raise, l.to_lower,
           sn.price_sum_on_sale AS price_sum, sn.base_sum_on_sale AS base_sum, sn.area_on_sale AS area_sum,
           sn.price_sum_on_sale + l.steering_delta AS steering_sum
    FROM live l
    LEFT JOIN snapshot sn ON sn.project_id = l.project_id AND sn.rooms = l.rooms
),
market AS (
    SELECT p.city, p.class,
           sum(s.price_sum_on_sale) AS price_sum, sum(s.area_on_sale) AS area_sum,
           count(DISTINCT p.developer_id) FILTER (WHERE s.lots_on_sale > 0)::integer AS companies
    FROM analytics_daily_supply s
    JOIN projects p ON p.id = s.project_id
    WHERE s.day = (SELECT max(day) FROM analytics_daily_supply)
      AND (p.city, p.class) IN (SELECT city, class FROM picked)
    GROUP BY p.city, p.class
)
SELECT c.project_id, x.name AS project_name, x.city, x.class::text AS class, c.rooms, c.on_sale,
       round(c.price_sum / nullif(c.area_sum, 0), 2)    AS price_per_m2,
       round(c.base_sum / nullif(c.area_sum, 0), 2)     AS base_price_per_m2,
       round(c.steering_sum / nullif(c.area_sum, 0), 2) AS steering_price_per_m2,
       c.to_raise, c.to_lower,
       round(m.price_sum / nullif(m.area_sum, 0), 2)    AS market_price_per_m2,
       m.companies                                      AS market_companies,
       coalesce(e.responses, 0)                         AS responses,
       e.elasticity, e.ci_low, e.ci_high, coalesce(e.enough_data, false) AS enough_data
FROM clusters c
JOIN picked x ON x.id = c.project_id
LEFT JOIN market m ON m.city = x.city AND m.class = x.class
LEFT JOIN LATERAL (  -- только кластеры ответа: условие уходит внутрь группировки представления
    SELECT * FROM analytics_price_elasticity e WHERE e.project_id = c.project_id AND e.rooms = c.rooms
) e ON true
ORDER BY c.project_id, c.rooms
