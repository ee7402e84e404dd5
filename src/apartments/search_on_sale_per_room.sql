-- Каталог квартир «в продаже» по городу или региону в порядке цены, когда комнатность не задана или задано несколько
-- значений: id квартир одной страницы, собранной по комнатности. Индекс catalog_offers_city_rooms_price_idx (город,
-- комнатность, цена, id) отдаёт квартиры одной комнатности по порядку цены; для каждой комнатности читается не больше
-- offset + limit подходящих, затем они сливаются. Одним запросом с rooms = ANY(…) PostgreSQL 15 читал бы и сортировал
-- все квартиры города (в Москве на 1 млн квартир — 200 тыс.). Те же условия и тот же набор, что у search_on_sale.sql.
-- Шаблон: «rooms» — параметр smallint[] комнатностей (без фильтра — все от 0 до 20), «conditions» — фильтры (алиасы
-- p и s; условие на комнатность — s.rooms = r.rooms), «sort_key» / «direction» — порядок (при равенстве — id);
-- «limit» / «offset» — параметры страницы.
-- Выход: id квартир страницы по порядку
SELECT page.id
  FROM unnest({rooms}::smallint[]) AS r (rooms)
  CROSS JOIN LATERAL (
      SELECT s.apartment_id AS id, {sort_key} AS sort_key
        FROM {source} s
        JOIN projects p ON p.id = s.project_id
        JOIN developers d ON d.id = p.developer_id
       WHERE p.moderation_status = 'published'
         AND d.moderation_status = 'published'
         AND {conditions}
       ORDER BY {sort_key} {direction}, s.apartment_id
       LIMIT {limit}::bigint + {offset}::bigint
  ) page
 ORDER BY page.sort_key {direction}, page.id
 LIMIT {limit} OFFSET {offset}
