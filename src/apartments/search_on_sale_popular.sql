-- Каталог квартир «в продаже» по городу в порядке популярности: id квартир одной страницы. Индекс
-- apartment_popularity_city_idx (город, популярность, id) отдаёт квартиры города от самых популярных (комнатность — из
-- его INCLUDE); каждая проверяется по catalog_offers (в продаже, остальные фильтры) — по подзапросу на квартиру
-- (OFFSET 0 не даёт превратить его в соединение: хеш-соединение читало бы все подходящие квартиры города), и чтение
-- останавливается, когда страница набрана. Читается не больше «walk» записей индекса: если подходящих среди них
-- меньше, чем нужно странице, а total говорит, что их больше, сервис берёт страницу из search_on_sale.sql со
-- счётчиками каждой подходящей квартиры (подходящих тогда немного). Те же условия и тот же порядок (популярность, затем
-- id), что у search_on_sale.sql: apartment_popularity.popularity — popularity_24h(…) счётчиков apartment_stats на
-- конец последнего цикла цен.
-- Шаблон: «walk_city» — параметр города, «walk_rooms» — условие на комнатность записи индекса (o.rooms) или пусто,
-- «walk» — предел чтения индекса, «conditions» — фильтры (алиасы p и s), «limit» / «offset» — параметры страницы.
-- Выход: id квартир страницы по порядку
SELECT w.apartment_id AS id
  FROM (SELECT o.apartment_id, o.popularity
          FROM apartment_popularity o
         WHERE o.city_key = lower({walk_city})
           {walk_rooms}
         ORDER BY o.popularity DESC, o.apartment_id
         LIMIT {walk}) w
 CROSS JOIN LATERAL (
       SELECT 1
         FROM catalog_offers s
         JOIN projects p ON p.id = s.project_id
         JOIN developers d ON d.id = p.developer_id
        WHERE s.apartment_id = w.apartment_id
          AND p.moderation_status = 'published'
          AND d.moderation_status = 'published'
          AND {conditions}
       OFFSET 0) matching
 ORDER BY w.popularity DESC, w.apartment_id
 LIMIT {limit} OFFSET {offset}
