-- Фрагмент map.sql: минимальная цена квартир под фильтрами по ЖК в окне $1..$4 из публичной витрины catalog_apartments.
-- Шаблон: «conditions» — фильтры каталога (алиас c). Выход: project_id, min_price, min_final_price
    SELECT c.project_id, min(c.current_price) AS min_price, min(c.final_price) AS min_final_price
      FROM catalog_apartments c
     WHERE c.geo::geometry && ST_MakeEnvelope($1, $2, $3, $4, 4326)
       AND {conditions}
     GROUP BY c.project_id
