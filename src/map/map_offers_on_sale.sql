-- Фрагмент map.sql, быстрый путь: квартиры в продаже с фильтрами ЖК, комнатности и цены — только индекс
-- apartment_stats_on_sale_price_idx и маленькие projects / developers, без строк apartments.
-- Шаблон: «conditions» — фильтры (алиасы p и s). Выход: project_id, apartments, min_price
    SELECT p.id AS project_id, count(*) AS apartments, min(s.current_price) AS min_price
      FROM projects p
      JOIN developers d ON d.id = p.developer_id
      JOIN apartment_stats s ON s.project_id = p.id
     WHERE p.geo::geometry && ST_MakeEnvelope($1, $2, $3, $4, 4326)
       AND p.moderation_status = 'published'
       AND d.moderation_status = 'published'
       AND {conditions}
     GROUP BY p.id
