-- Корпуса ЖК с числом опубликованных квартир в продаже (по частичному индексу apartments_published_search_idx).
-- $1 id ЖК
-- Выход: колонки корпуса и apartments_on_sale
SELECT b.id, b.project_id, b.name, b.number, b.sections, b.floors, b.commissioning_quarter, b.commissioning_year,
       (SELECT count(*) FROM apartments a
         WHERE a.building_id = b.id AND a.status = 'available' AND a.moderation_status = 'published') AS apartments_on_sale
  FROM buildings b
 WHERE b.project_id = $1
 ORDER BY b.id
