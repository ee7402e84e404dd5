-- Каталог квартир: точное число подходящих квартир и id одной страницы в заданном порядке.
-- Шаблон: «joins» — LEFT JOIN apartment_stats s для сортировки по популярности, «conditions» — фильтры,
-- «sort_key» / «direction» — ключ и направление сортировки; всё подставляет search.rs из своих констант,
-- значения фильтров — только параметры. Набор подходящих квартир считается один раз (MATERIALIZED) и служит
-- и для total, и для страницы. При равенстве ключа порядок задаёт id — страницы стабильны.
-- «limit» / «offset» — размер страницы и смещение.
-- Выход: total; id и sort_key квартир страницы (одна строка с id = NULL, если страница пуста)
WITH matched AS MATERIALIZED (
    SELECT c.id, {sort_key} AS sort_key
      FROM catalog_apartments c
      {joins}
     WHERE {conditions}
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
