-- «Какие цены оптимальны» по кластерам «ЖК × комнатность» квартир в продаже — всё по последнему часовому снимку
-- analytics_daily_supply (refresh_analytics):
--   измерения — квартир в продаже, цена м² кластера и базовая цена м² (Σцен ÷ Σплощадей), цена м² того же класса в
--   том же городе (все компании, и число компаний — для скрытия);
--   оценки — куда ведёт правило цены (Σцен после следующего шага правила ÷ Σплощадей, сколько квартир оно повысит и
--   понизит — решено свёрткой по медианам и настройкам на момент снимка) и эластичность из analytics_price_elasticity.
-- Параметры: $1–$8 как у всех запросов аналитики.
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
latest AS (
    SELECT max(day) AS day FROM analytics_daily_supply
),
clusters AS (
    SELECT s.project_id, s.rooms, s.lots_on_sale, s.price_sum_on_sale, s.base_sum_on_sale, s.area_on_sale,
           s.steering_sum_on_sale, s.lots_to_raise, s.lots_to_lower
    FROM analytics_daily_supply s
    WHERE s.day = (SELECT day FROM latest)
      AND s.project_id IN (SELECT id FROM picked)
      AND s.lots_on_sale > 0
),
market AS (
    SELECT p.city, p.class,
           sum(s.price_sum_on_sale) AS price_sum, sum(s.area_on_sale) AS area_sum,
           count(DISTINCT p.developer_id) FILTER (WHERE s.lots_on_sale > 0)::integer AS companies
    FROM analytics_daily_supply s
    JOIN projects p ON p.id = s.project_id
    WHERE s.day = (SELECT day FROM latest)
      AND (p.city, p.class) IN (SELECT city, class FROM picked)
    GROUP BY p.city, p.class
)
SELECT c.project_id, x.name AS project_name, x.city, x.class::text AS class, c.rooms, c.lots_on_sale::bigint AS on_sale,
       round(c.price_sum_on_sale / nullif(c.area_on_sale, 0), 2)    AS price_per_m2,
       round(c.base_sum_on_sale / nullif(c.area_on_sale, 0), 2)     AS base_price_per_m2,
       round(c.steering_sum_on_sale / nullif(c.area_on_sale, 0), 2) AS steering_price_per_m2,
       c.lots_to_raise::bigint                                       AS to_raise,
       c.lots_to_lower::bigint                                       AS to_lower,
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
