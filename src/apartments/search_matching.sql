-- Каталог квартир по публичной витрине catalog_apartments: подходящие квартиры (по строке на квартиру, без порядка)
-- для подсчёта total — фоновый пересчёт кеша total (CATALOG_TOTAL_CACHE_SECONDS) и total до предела (ИИ-подбор);
-- те же условия, что у search.sql.
-- Шаблон: «conditions» — фильтры (алиас c).
-- Выход: по строке на подходящую квартиру
SELECT 1
  FROM catalog_apartments c
 WHERE {conditions}
