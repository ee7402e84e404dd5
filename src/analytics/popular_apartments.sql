-- Квартиры по спросу за 24 ч (apartment_stats, веса ЖК): спрос, demand_norm в кластере «ЖК × комнатность»
-- (медиана cluster_demand), дни на сайте, дни до первой брони, «на нижней границе коридора».
-- Порядок — по спросу в целых тысячных (pricing_demand_milli, без numeric на каждую квартиру) по узкой
-- apartment_stats, затем LIMIT, и только у строк ответа — квартира, спрос numeric, demand_norm, дни до брони.
-- {cluster_demand} — cluster_demand или пустой набор, пока представление не заполнено (cluster_demand_source()).
-- Параметры: $1–$8 как у всех запросов аналитики (даты здесь не нужны), $9 комнатность, $10 лимит,
-- $11 потолок ELASTICITY_CAP, $12 потолок PRICE_MAX_SHIFT, $13 порядок: demand — по спросу, floor — только
-- квартиры на нижней границе, дольше на сайте — первыми.
-- Колонки: apartment_id, project_id, project_name, building_id, rooms, status, area_total, base_price,
-- current_price, views_24h, favourites_24h, leads_24h, bookings_24h, demand, cluster_median, demand_norm,
-- days_on_site, days_to_booking, at_floor.
WITH rules AS MATERIALIZED (  -- настройки ЖК один раз на ЖК, затем квартиры ЖК по индексу (project_id, rooms)
    SELECT cfg.project_id, p.name AS project_name, cfg.views_weight_milli, cfg.favourites_weight_milli,
           cfg.leads_weight_milli, cfg.bookings_weight_milli,
           least(cfg.step, cfg.elasticity_cap, $11::numeric) AS delta,
           least(cfg.max_shift, $12::numeric)               AS max_shift
    FROM projects p
    JOIN project_pricing_config cfg ON cfg.project_id = p.id
    WHERE ($3::text IS NULL OR p.region_code = $3)
      AND ($4::bigint IS NULL OR p.id = $4)
      AND ($5::text IS NULL OR p.class::text = $5)
      AND ($6::boolean OR p.developer_id = ANY ($7::bigint[]))
      AND ($8::text IS NULL OR lower(p.city) = lower($8))
      AND ($1::date IS NOT NULL AND $2::date IS NOT NULL)
),
ranked AS (  -- по узкой apartment_stats (копии цены, комнатности, публикации): квартиры читаются только для ответа
    SELECT s.apartment_id AS id, s.project_id, r.project_name, s.rooms, s.published_at, r.delta, r.max_shift,
           s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h,
           pricing_demand_milli(s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h, r.views_weight_milli,
                                r.favourites_weight_milli, r.leads_weight_milli, r.bookings_weight_milli) AS milli
    FROM rules r
    CROSS JOIN LATERAL (  -- квартиры ЖК по индексу; OFFSET 0 не даёт развернуть это в перебор всей таблицы
        SELECT * FROM apartment_stats x WHERE x.project_id = r.project_id OFFSET 0
    ) s
    WHERE s.published_at IS NOT NULL
      AND ($9::smallint IS NULL OR s.rooms = $9)
      AND ($13::text = 'demand'
           OR (s.on_sale
               AND pricing_candidate_price(-1, s.current_price, s.base_price, r.delta, r.max_shift) >= s.current_price))
    ORDER BY CASE WHEN $13::text = 'demand' THEN
                 pricing_demand_milli(s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h,
                                      r.views_weight_milli, r.favourites_weight_milli, r.leads_weight_milli,
                                      r.bookings_weight_milli) END DESC NULLS LAST,
             CASE WHEN $13::text = 'floor' THEN s.published_at END ASC NULLS LAST,
             s.apartment_id
    LIMIT $10
)
SELECT x.id AS apartment_id, x.project_id, x.project_name, a.building_id, x.rooms, a.status::text AS status,
       a.area_total, a.base_price, a.current_price, x.views_24h, x.favourites_24h, x.leads_24h, x.bookings_24h,
       trim_scale(x.milli / 1000.0) AS demand, cd.median_demand AS cluster_median,
       round(x.milli / 1000.0 / nullif(cd.median_demand, 0), 4) AS demand_norm,
       floor(extract(epoch FROM now() - x.published_at) / 86400)::integer AS days_on_site,
       round((extract(epoch FROM fb.first_booked_at - x.published_at) / 86400)::numeric, 1) AS days_to_booking,
       a.status = 'available'
           AND pricing_candidate_price(-1, a.current_price, a.base_price, x.delta, x.max_shift) >= a.current_price
           AS at_floor
FROM ranked x
JOIN apartments a ON a.id = x.id AND a.moderation_status = 'published'
LEFT JOIN {cluster_demand} cd ON cd.project_id = x.project_id AND cd.rooms = x.rooms
LEFT JOIN LATERAL (SELECT min(b.booked_at) AS first_booked_at FROM bookings b WHERE b.apartment_id = x.id) fb ON true
ORDER BY CASE WHEN $13::text = 'demand' THEN x.milli END DESC NULLS LAST,
         CASE WHEN $13::text = 'floor' THEN x.published_at END ASC NULLS LAST,
         x.id
