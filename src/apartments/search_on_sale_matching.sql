-- Каталог квартир «в продаже» с фильтрами — быстрый путь поиска: подходящие квартиры (по строке на квартиру, без
-- порядка) для подсчёта total — точного (count(*) по всем) или до предела (ИИ-подбор); те же условия, что у
-- search_on_sale.sql. Точный total сервис держит в кеше CATALOG_TOTAL_CACHE_SECONDS секунд по нормализованному набору
-- фильтров.
-- Шаблон: «source» — catalog_offers или apartment_stats (см. search_on_sale.sql),
-- «conditions» — фильтры (алиасы p и s).
-- Выход: по строке на подходящую квартиру
SELECT 1
  FROM {source} s
  JOIN projects p ON p.id = s.project_id
  JOIN developers d ON d.id = p.developer_id
 WHERE p.moderation_status = 'published'
   AND d.moderation_status = 'published'
   AND {conditions}
