-- Карточки квартир по списку id: сама квартира, последняя смена цены, популярность за 24 ч, сводка ЖК и корпуса.
-- Порядок строк не задан: вызывающий код раскладывает их в нужном порядке.
-- $1 bigint[] — id квартир, $2 — потолок скидки акций, % цены, $3 — пол итоговой цены, % базовой
-- (PROMOTION_MAX_TOTAL_DISCOUNT_PERCENT, PROMOTION_FLOOR_SHARE_OF_BASE_PRICE)
-- Выход: колонки квартиры; final_price и promotions (jsonb [{id, name, amount}]) — скидки акций сейчас, только у
--        квартир в продаже (promotion_discounts, один вызов на весь список); last_* — последняя запись price_history (или NULL); project_*, developer_*, building_*;
--        public — опубликованы квартира, её ЖК и застройщик
SELECT a.id, a.code, a.rooms, a.floor, a.area_total, a.area_living, a.area_kitchen, a.ceiling_height, a.balcony,
       a.layout_image_url, a.tour_url, a.current_price, a.base_price,
       round(a.current_price / a.area_total, 2)            AS price_per_m2,
       a.currency::text                                     AS currency,
       a.status::text                                       AS status,
       a.moderation_status::text                            AS moderation_status,
       a.moderation_comment,
       popularity_24h(s.views_24h, s.leads_24h, s.bookings_24h) AS popularity_24h,
       CASE WHEN a.status = 'available' THEN coalesce(pd.final_price, a.current_price)
            ELSE a.current_price END                        AS final_price,
       CASE WHEN a.status = 'available' THEN coalesce(pd.promotions, '[]'::jsonb)
            ELSE '[]'::jsonb END                            AS promotions,
       last_change.old_price                                AS last_old_price,
       last_change.new_price                                AS last_new_price,
       last_change.changed_at                               AS last_changed_at,
       last_change.reason::text                             AS last_reason,
       p.id AS project_id, p.name AS project_name, p.city, p.region_code, p.class::text AS class, p.commissioning_date,
       d.id AS developer_id, d.name AS developer_name,
       b.id AS building_id, b.name AS building_name, b.number AS building_number, b.floors,
       b.commissioning_quarter, b.commissioning_year,
       (a.moderation_status = 'published' AND p.moderation_status = 'published'
        AND d.moderation_status = 'published')              AS public
  FROM apartments a
  JOIN buildings b  ON b.id = a.building_id
  JOIN projects p   ON p.id = a.project_id
  JOIN developers d ON d.id = p.developer_id
  LEFT JOIN apartment_stats s ON s.apartment_id = a.id
  LEFT JOIN promotion_discounts($1, now(), $2, $3) pd ON pd.apartment_id = a.id
  LEFT JOIN LATERAL (
      SELECT h.old_price, h.new_price, h.changed_at, h.reason
        FROM price_history h
       WHERE h.apartment_id = a.id
       ORDER BY h.changed_at DESC
       LIMIT 1
  ) last_change ON true
 WHERE a.id = ANY($1)
