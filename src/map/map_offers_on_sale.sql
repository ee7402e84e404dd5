-- Фрагмент map.sql, быстрый путь: минимальная цена квартир в продаже с фильтрами ЖК, комнатности и цены — по одному
-- спуску в индекс apartment_stats_on_sale_price_idx (ЖК, цена) на ЖК окна (первая подходящая запись по цене),
-- без строк apartments. ЖК без подходящих квартир выпадают (CROSS JOIN LATERAL без строки).
-- Шаблон: «conditions» — фильтры (алиасы p и s), «offer_conditions» — те же фильтры комнатности и цены на
-- catalog_offers (алиас o): минимальная итоговая цена — спуск в индекс catalog_offers_project_final_price_idx.
-- Выход: project_id, min_price, min_final_price
    SELECT p.id AS project_id, cheapest.min_price,
           (SELECT o.final_price FROM catalog_offers o
             WHERE o.project_id = p.id AND {offer_conditions}
             ORDER BY o.final_price LIMIT 1) AS min_final_price
      FROM projects p
      JOIN developers d ON d.id = p.developer_id
     CROSS JOIN LATERAL (
           SELECT s.current_price AS min_price
             FROM apartment_stats s
            WHERE s.project_id = p.id
              AND {conditions}
            ORDER BY s.current_price
            LIMIT 1
     ) cheapest
     WHERE p.geo::geometry && ST_MakeEnvelope($1, $2, $3, $4, 4326)
       AND p.moderation_status = 'published'
       AND d.moderation_status = 'published'
