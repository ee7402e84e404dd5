-- Кластеры «ЖК × комнатность» с самой долгой экспозицией: квартиры в продаже, средний и наибольший срок на сайте.
-- Читает узкую apartment_stats (копии комнатности, публикации и признака «в продаже»); срок — в float8 (date_part),
-- без numeric на каждую квартиру.
-- Параметры: $1–$8 как у всех запросов аналитики, $9 комнатность, $10 лимит.
-- Колонки: project_id, project_name, rooms, on_sale, avg_days_on_site, max_days_on_site.
WITH picked AS (
    SELECT p.id, p.name
    FROM projects p
    WHERE ($3::text IS NULL OR p.region_code = $3)
      AND ($4::bigint IS NULL OR p.id = $4)
      AND ($5::text IS NULL OR p.class::text = $5)
      AND ($6::boolean OR p.developer_id = ANY ($7::bigint[]))
      AND ($8::text IS NULL OR lower(p.city) = lower($8))
      AND ($1::date IS NOT NULL AND $2::date IS NOT NULL)
),
exposure AS (
    SELECT s.project_id, s.rooms, count(*)::bigint AS on_sale,
           avg(date_part('epoch', now() - s.published_at)) / 86400 AS avg_days,
           max(date_part('epoch', now() - s.published_at)) / 86400 AS max_days
    FROM picked x
    CROSS JOIN LATERAL (  -- квартиры ЖК по индексу; OFFSET 0 не даёт развернуть это в перебор всей таблицы
        SELECT * FROM apartment_stats a WHERE a.project_id = x.id OFFSET 0
    ) s
    WHERE s.on_sale AND s.published_at IS NOT NULL
      AND ($9::smallint IS NULL OR s.rooms = $9)
    GROUP BY s.project_id, s.rooms
)
SELECT e.project_id, x.name AS project_name, e.rooms, e.on_sale,
       round(e.avg_days::numeric, 1) AS avg_days_on_site, floor(e.max_days)::integer AS max_days_on_site
FROM exposure e
JOIN picked x ON x.id = e.project_id
ORDER BY e.avg_days DESC, e.project_id, e.rooms
LIMIT $10
