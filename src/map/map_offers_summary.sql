-- Фрагмент map.sql, сводный путь (только фильтры ЖК и комнатности): минимальная цена квартир в продаже по ЖК в окне
-- из cluster_demand (ЖК × комнатность; его обновляет поминутный цикл ценообразования, данные не старше минуты,
-- сервис берёт их, только пока сводка не старше MAP_SUMMARY_MAX_AGE_SECONDS). Квартиры и индексы цен не читаются:
-- на карте всей страны это ~2 500 ЖК × несколько строк сводки вместо спуска в индекс на каждый ЖК.
-- Публикация ЖК и застройщика проверяется по projects и developers сейчас, а не по сводке: снятый с публикации ЖК
-- пропадает с карты сразу. Шаблон: «conditions» — фильтры ЖК (алиас p) и комнатности (алиас cd), «offer_conditions» —
-- комнатность на catalog_offers (алиас o): минимальная итоговая цена с учётом акций — спуск в индекс
-- catalog_offers_project_final_price_idx на ЖК. Выход: project_id, min_price, min_final_price
    SELECT p.id AS project_id, min(cd.min_price) AS min_price,
           (SELECT o.final_price FROM catalog_offers o
             WHERE o.project_id = p.id AND {offer_conditions}
             ORDER BY o.final_price LIMIT 1) AS min_final_price
      FROM projects p
      JOIN developers d ON d.id = p.developer_id
      JOIN cluster_demand cd ON cd.project_id = p.id
     WHERE p.geo::geometry && ST_MakeEnvelope($1, $2, $3, $4, 4326)
       AND p.moderation_status = 'published'
       AND d.moderation_status = 'published'
       AND {conditions}
     GROUP BY p.id
