-- Каталог квартир «в продаже» с фильтрами ЖК, комнатности и цены — быстрый путь поиска.
-- Читает узкую apartment_stats по индексу apartment_stats_on_sale_price_idx (ЖК, цена) INCLUDE (комнатность, id)
-- и маленькие projects и developers; строки apartments не читаются вовсе. on_sale = квартира в продаже и
-- опубликована; опубликованность ЖК и застройщика проверяется здесь — набор совпадает с catalog_apartments при
-- status = available. Шаблон: «conditions» — фильтры (алиасы p и s), «sort_key» / «direction» — порядок;
-- «limit» / «offset» — параметры страницы.
-- Выход: total; id квартир страницы (одна строка с id = NULL, если страница пуста)
WITH matched AS MATERIALIZED (
    SELECT s.apartment_id AS id, {sort_key} AS sort_key
      FROM projects p
      JOIN developers d ON d.id = p.developer_id
      JOIN apartment_stats s ON s.project_id = p.id
     WHERE p.moderation_status = 'published'
       AND d.moderation_status = 'published'
       AND {conditions}
)
SELECT totals.total, page.id
  FROM (SELECT count(*) AS total FROM matched) totals
  LEFT JOIN LATERAL (
      SELECT m.id, m.sort_key
        FROM matched m
       ORDER BY m.sort_key {direction}, m.id
       LIMIT {limit} OFFSET {offset}
  ) page ON true
 ORDER BY page.sort_key {direction}, page.id
