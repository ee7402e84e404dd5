-- Карта ЖК: GeoJSON-объекты в окне карты. Один объект — ЖК (точка ЖК, мин. цена, класс) или кластер
-- (центр масс ЖК ячейки, число ЖК, мин. цена). Кластер — ячейка сетки ST_SnapToGrid размером
-- $5 градусов; при $6 = false каждый ЖК — свой объект.
-- Шаблон: «offers» — квартиры под фильтрами по ЖК в окне (map_offers.sql или быстрый map_offers_on_sale.sql),
-- значения фильтров — только параметры.
-- $1..$4 — окно: min lon, min lat, max lon, max lat; $5 — размер ячейки, градусов; $6 — кластеризовать
-- Выход: projects, min_price, min_final_price (с учётом акций), lon, lat, project_id / name / class (только у одиночного ЖК)
WITH offers AS (
{offers}
), points AS (
    SELECT p.id, p.name, p.class::text AS class, p.geo::geometry AS point, o.min_price,
           least(coalesce(o.min_final_price, o.min_price), o.min_price) AS min_final_price,
           CASE WHEN $6 THEN ST_AsBinary(ST_SnapToGrid(p.geo::geometry, $5)) ELSE int8send(p.id) END AS cell
      FROM offers o
      JOIN projects p ON p.id = o.project_id
), grouped AS (
    SELECT count(*) AS projects, min(min_price) AS min_price, min(min_final_price) AS min_final_price,
           ST_Centroid(ST_Collect(point)) AS centre, min(id) AS first_id, min(name) AS first_name,
           min(class) AS first_class
      FROM points
     GROUP BY cell
)
SELECT projects, min_price, min_final_price,
       round(ST_X(centre)::numeric, 6)::float8 AS lon,
       round(ST_Y(centre)::numeric, 6)::float8 AS lat,
       CASE WHEN projects = 1 THEN first_id END AS project_id,
       CASE WHEN projects = 1 THEN first_name END AS name,
       CASE WHEN projects = 1 THEN first_class END AS class
  FROM grouped
 ORDER BY projects DESC, first_id
