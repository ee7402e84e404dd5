-- Список ЖК каталога с агрегатами по квартирам под фильтрами.
-- Шаблон: «project_conditions» — фильтры ЖК (алиас p), «apartment_conditions» — фильтры квартир (алиас c,
-- представление catalog_apartments), «offers_join» — INNER JOIN, если заданы фильтры квартир (ЖК без подходящих
-- квартир не показываются), иначе LEFT JOIN; «order» — порядок; «limit» / «offset» — параметры страницы.
-- Выход: total (точное число ЖК) и колонки ЖК страницы (одна строка с id = NULL, если страница пуста)
WITH candidates AS MATERIALIZED (
    SELECT p.id, p.name, p.city, p.region_code, p.address, p.class, p.commissioning_date, p.cover_image_url,
           p.developer_id, d.name AS developer_name, p.geo
      FROM projects p
      JOIN developers d ON d.id = p.developer_id
     WHERE p.moderation_status = 'published'
       AND d.moderation_status = 'published'
       AND {project_conditions}
), offers AS (
    SELECT c.project_id, c.rooms, count(*) AS apartments,
           min(c.current_price) AS min_price, max(c.current_price) AS max_price,
           min(c.area_total) AS min_area, max(c.area_total) AS max_area, min(c.price_per_m2) AS min_price_per_m2,
           min(c.final_price) AS min_final_price
      FROM catalog_apartments c
     WHERE c.project_id IN (SELECT id FROM candidates)
       AND {apartment_conditions}
     GROUP BY c.project_id, c.rooms
), per_project AS (
    SELECT project_id,
           sum(apartments)::bigint AS apartments_on_sale,
           min(min_price) AS min_price, max(max_price) AS max_price, min(min_price_per_m2) AS min_price_per_m2,
           min(min_final_price) AS min_final_price,
           jsonb_agg(jsonb_build_object('rooms', rooms, 'apartments', apartments,
                                        'min_price', min_price::text, 'max_price', max_price::text,
                                        'min_area', min_area::text, 'max_area', max_area::text,
                                        'min_price_per_m2', min_price_per_m2::text,
                                        'min_final_price', min_final_price::text) ORDER BY rooms) AS room_mix
      FROM offers
     GROUP BY project_id
), matched AS (
    SELECT k.*, coalesce(o.apartments_on_sale, 0) AS apartments_on_sale, o.min_price, o.max_price,
           o.min_price_per_m2, o.min_final_price, coalesce(o.room_mix, '[]'::jsonb) AS room_mix
      FROM candidates k
      {offers_join} per_project o ON o.project_id = k.id
)
SELECT totals.total, page.*
  FROM (SELECT count(*) AS total FROM matched) totals
  LEFT JOIN LATERAL (
      SELECT m.id, m.name, m.city, m.region_code, m.address, ST_Y(m.geo::geometry) AS latitude,
             ST_X(m.geo::geometry) AS longitude, m.class::text AS class, m.commissioning_date, m.cover_image_url,
             m.developer_id, m.developer_name, m.apartments_on_sale, m.min_price, m.max_price, m.min_price_per_m2,
             m.min_final_price, m.room_mix
        FROM matched m
       ORDER BY {order}
       LIMIT {limit} OFFSET {offset}
  ) page ON true
 ORDER BY {page_order}
