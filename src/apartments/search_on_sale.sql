-- Каталог квартир «в продаже» (status = available) — быстрый путь поиска: id квартир одной страницы.
-- «source» — узкая таблица квартир в продаже (алиас s):
--   catalog_offers — если задан регион или город (индексы catalog_offers_region_price_idx (регион, цена, id) и
--     catalog_offers_city_rooms_price_idx (город, комнатность, цена, id) с полями квартиры в INCLUDE отдают страницу по
--     порядку цены, без сортировки всех подходящих), итоговая цена, акции или квартирные фильтры (площадь, этаж,
--     кухня, балкон, корпус, цена за м²) и порядок по ним;
--   apartment_stats — иначе и для порядка по популярности (внутри ЖК — apartment_stats_on_sale_price_idx (ЖК, цена);
--     условие s.on_sale).
-- Строки apartments не читаются вовсе; опубликованность ЖК и застройщика проверяется здесь — набор совпадает с
-- catalog_apartments при status = available. Подходящие квартиры для total отдаёт search_on_sale_matching.sql
-- (точный total кеширует сервис), эта страница всегда свежая.
-- Шаблон: «joins» — счётчики спроса квартиры из apartment_stats (алиас st) для порядка по популярности на
-- catalog_offers, «conditions» — фильтры (алиасы p и s), «sort_key» / «direction» — порядок (при равенстве — id);
-- «limit» / «offset» — параметры страницы.
-- Выход: id квартир страницы по порядку
SELECT s.apartment_id AS id
  FROM {source} s
  JOIN projects p ON p.id = s.project_id
  JOIN developers d ON d.id = p.developer_id
  {joins}
 WHERE p.moderation_status = 'published'
   AND d.moderation_status = 'published'
   AND {conditions}
 ORDER BY {sort_key} {direction}, s.apartment_id
 LIMIT {limit} OFFSET {offset}
