-- Медиана цены за м² квартир в продаже по кластерам (ЖК × комнатность) подобранных квартир: $1 — id ЖК,
-- $2 — комнатность (попарно). По индексу apartments_on_sale_cluster_idx. Столбцы: project_id, rooms, median_m2.
SELECT a.project_id, a.rooms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY (a.current_price / a.area_total)::float8) AS median_m2
  FROM unnest($1::bigint[], $2::smallint[]) AS k(project_id, rooms)
  JOIN apartments a ON a.project_id = k.project_id AND a.rooms = k.rooms
 WHERE a.status = 'available'
   AND a.moderation_status = 'published'
 GROUP BY a.project_id, a.rooms
