-- Каталог квартир по публичной витрине catalog_apartments: id квартир одной страницы, когда total уже взят из
-- кеша (иначе — search.sql, который считает total и страницу по одному набору).
-- Шаблон: «joins» — LEFT JOIN apartment_stats s для сортировки по популярности, «conditions» — фильтры,
-- «sort_key» / «direction» — ключ и направление сортировки (при равенстве — id); «limit» / «offset» — страница.
-- Выход: id квартир страницы по порядку
SELECT c.id
  FROM catalog_apartments c
  {joins}
 WHERE {conditions}
 ORDER BY {sort_key} {direction}, c.id
 LIMIT {limit} OFFSET {offset}
