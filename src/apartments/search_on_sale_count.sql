-- Каталог квартир «в продаже» с фильтрами ЖК, комнатности и цены — быстрый путь поиска: точное число подходящих
-- квартир (total) на момент запроса; те же условия, что у search_on_sale.sql. Результат сервис держит в кеше
-- CATALOG_TOTAL_CACHE_SECONDS секунд по нормализованному набору фильтров.
-- Шаблон: «source» — catalog_offers или apartment_stats (см. search_on_sale.sql), «conditions» — фильтры (алиасы p и s).
-- Выход: total
SELECT count(*) AS total
  FROM {source} s
  JOIN projects p ON p.id = s.project_id
  JOIN developers d ON d.id = p.developer_id
 WHERE p.moderation_status = 'published'
   AND d.moderation_status = 'published'
   AND {conditions}
