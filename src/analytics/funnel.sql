-- Воронка спроса из analytics_daily_demand, сгруппированная по $9:
--   day — по суткам, project — по ЖК, building — по корпусам, rooms — по комнатности, cell — сутки × ЖК × корпус ×
--   комнатность. Незадействованные в группировке колонки пусты.
-- Параметры: $1 date_from, $2 date_to, $3 регион, $4 ЖК, $5 класс, $6 все компании (модератор), $7 компании
-- вызывающего, $8 город, $9 группировка.
-- Колонки: day, project_id, project_name, building_id, building_name, rooms, views, unique_visitors, favourites,
-- leads, bookings, confirmed, sold, flagged_views, flagged_leads.
WITH picked AS (
    SELECT CASE WHEN $9::text IN ('day', 'cell') THEN d.day END                   AS day,
           CASE WHEN $9::text IN ('project', 'building', 'cell') THEN d.project_id END  AS project_id,
           CASE WHEN $9::text IN ('building', 'cell') THEN d.building_id END      AS building_id,
           CASE WHEN $9::text IN ('rooms', 'cell') THEN d.rooms END               AS rooms,
           d.views, d.unique_visitors, d.favourites, d.leads, d.bookings, d.confirmed, d.sold,
           d.flagged_views, d.flagged_leads
    FROM analytics_daily_demand d
    JOIN projects p ON p.id = d.project_id
    WHERE d.day BETWEEN $1::date AND $2::date
      AND ($3::text IS NULL OR p.region_code = $3)
      AND ($4::bigint IS NULL OR p.id = $4)
      AND ($5::text IS NULL OR p.class::text = $5)
      AND ($6::boolean OR p.developer_id = ANY ($7::bigint[]))
      AND ($8::text IS NULL OR lower(p.city) = lower($8))
),
grouped AS (
    SELECT day, project_id, building_id, rooms,
           sum(views)::bigint AS views, sum(unique_visitors)::bigint AS unique_visitors,
           sum(favourites)::bigint AS favourites, sum(leads)::bigint AS leads, sum(bookings)::bigint AS bookings,
           sum(confirmed)::bigint AS confirmed, sum(sold)::bigint AS sold,
           sum(flagged_views)::bigint AS flagged_views, sum(flagged_leads)::bigint AS flagged_leads
    FROM picked
    GROUP BY day, project_id, building_id, rooms
)
SELECT g.day, g.project_id, p.name AS project_name, g.building_id, b.name AS building_name, g.rooms,
       g.views, g.unique_visitors, g.favourites, g.leads, g.bookings, g.confirmed, g.sold,
       g.flagged_views, g.flagged_leads
FROM grouped g
LEFT JOIN projects p ON p.id = g.project_id
LEFT JOIN buildings b ON b.id = g.building_id
ORDER BY g.day NULLS FIRST, g.project_id NULLS FIRST, g.building_id NULLS FIRST, g.rooms NULLS FIRST
