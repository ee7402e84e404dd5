-- Карточка ЖК: сам ЖК, застройщик, квартиры в продаже по комнатности (только опубликованные).
-- $1 id ЖК
-- Выход: колонки ЖК и застройщика, агрегаты и room_mix (jsonb); public — опубликованы ЖК и застройщик;
--        promotions — действующие акции, которые могут относиться к квартирам ЖК (jsonb: id, name, description,
--        kind, value, stacks, ends_at); min_final_price — минимальная итоговая цена с учётом акций
WITH listed AS (
    SELECT c.rooms, count(*) AS apartments,
           min(c.current_price) AS min_price, max(c.current_price) AS max_price,
           min(c.area_total) AS min_area, max(c.area_total) AS max_area, min(c.price_per_m2) AS min_price_per_m2
      FROM catalog_apartments c
     WHERE c.project_id = $1 AND c.status = 'available'
     GROUP BY c.rooms
), finals AS (
    -- Итоговые цены — прямо из копии для поиска по индексу catalog_offers_project_final_price_idx, без соединения
    -- витрины с ней по каждой квартире; те же квартиры (в продаже и опубликованы), ЖК и застройщик проверены выше.
    SELECT o.rooms, min(o.final_price) AS min_final_price
      FROM catalog_offers o
     WHERE o.project_id = $1
     GROUP BY o.rooms
), offers AS (
    SELECT l.*, coalesce(f.min_final_price, l.min_price) AS min_final_price
      FROM listed l
      LEFT JOIN finals f ON f.rooms = l.rooms
)
SELECT p.id, p.name, p.city, p.region_code, p.address, ST_Y(p.geo::geometry) AS latitude,
       ST_X(p.geo::geometry) AS longitude, p.class::text AS class, p.commissioning_date, p.cover_image_url,
       p.description, p.moderation_status::text AS moderation_status, p.moderation_comment, p.published_at,
       d.id AS developer_id, d.name AS developer_name, d.verified, d.website, d.logo_url,
       (p.moderation_status = 'published' AND d.moderation_status = 'published') AS public,
       (SELECT coalesce(sum(apartments), 0)::bigint FROM offers) AS apartments_on_sale,
       (SELECT min(min_price) FROM offers) AS min_price,
       (SELECT min(min_price_per_m2) FROM offers) AS min_price_per_m2,
       (SELECT min(min_final_price) FROM offers) AS min_final_price,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('id', pr.id, 'name', pr.name, 'description', pr.description,
                                                     'kind', pr.kind, 'stacks', pr.stacks, 'ends_at', pr.ends_at,
                                                     'value', coalesce(pr.discount_percent, pr.discount_amount)::text)
                                  ORDER BY pr.id), '[]'::jsonb)
          FROM promotions pr
         WHERE pr.status = 'approved' AND pr.starts_at <= now() AND pr.ends_at > now()
           AND (pr.developer_id IS NULL OR pr.developer_id = p.developer_id)
           AND (NOT pr.conditions ? 'project_ids' OR pr.conditions -> 'project_ids' @> to_jsonb(p.id))
           AND (NOT pr.conditions ? 'first_n_bookings'
                OR pr.issued_bookings < (pr.conditions ->> 'first_n_bookings')::integer)) AS promotions,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('rooms', rooms, 'apartments', apartments,
                                                     'min_price', min_price::text, 'max_price', max_price::text,
                                                     'min_area', min_area::text, 'max_area', max_area::text,
                                                     'min_price_per_m2', min_price_per_m2::text,
                                                     'min_final_price', min_final_price::text) ORDER BY rooms),
                        '[]'::jsonb)
          FROM offers) AS room_mix
  FROM projects p
  JOIN developers d ON d.id = p.developer_id
 WHERE p.id = $1
