-- Каталог квартир «в продаже» с фильтрами ЖК, комнатности и цены — быстрый путь поиска: id квартир одной страницы.
-- Читает узкую apartment_stats и маленькие projects и developers; строки apartments не читаются вовсе. on_sale =
-- квартира в продаже и опубликована; опубликованность ЖК и застройщика проверяется здесь — набор совпадает с
-- catalog_apartments при status = available. С фильтром региона (s.region_code) и сортировкой по цене страница —
-- чтение записей apartment_stats_on_sale_region_price_idx (регион, цена, id) по порядку, без сортировки всех
-- подходящих; внутри ЖК — apartment_stats_on_sale_price_idx (ЖК, цена). Число подходящих квартир считает
-- search_on_sale_count.sql (его кеширует сервис), эта страница всегда свежая.
-- Шаблон: «conditions» — фильтры (алиасы p и s), «sort_key» / «direction» — порядок (при равенстве — id);
-- «limit» / «offset» — параметры страницы.
-- Выход: id квартир страницы по порядку
SELECT s.apartment_id AS id
  FROM apartment_stats s
  JOIN projects p ON p.id = s.project_id
  JOIN developers d ON d.id = p.developer_id
 WHERE p.moderation_status = 'published'
   AND d.moderation_status = 'published'
   AND {conditions}
 ORDER BY {sort_key} {direction}, s.apartment_id
 LIMIT {limit} OFFSET {offset}
