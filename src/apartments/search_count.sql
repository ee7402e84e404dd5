-- Каталог квартир по публичной витрине catalog_apartments: точное число подходящих квартир (total) на момент
-- запроса — фоновый пересчёт кеша total (CATALOG_TOTAL_CACHE_SECONDS); те же условия, что у search.sql.
-- Шаблон: «conditions» — фильтры (алиас c).
-- Выход: total
SELECT count(*) AS total
  FROM catalog_apartments c
 WHERE {conditions}
