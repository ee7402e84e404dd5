-- Темп продаж по ЖК: остаток сейчас (живые apartments), продажи за 90 дней по date_to включительно
-- (analytics_daily_demand), средний темп в месяц = продажи за 90 дней ÷ 3, срок экспозиции остатка
-- (месяцев предложения) = в продаже ÷ средний темп, распроданность = продано ÷ всего опубликовано.
-- Параметры: $1–$8 как у всех запросов аналитики.
-- Колонки: project_id, project_name, lots_total, lots_on_sale, lots_sold, sold_90_days.
WITH picked AS (
    SELECT p.id, p.name
    FROM projects p
    WHERE ($3::text IS NULL OR p.region_code = $3)
      AND ($4::bigint IS NULL OR p.id = $4)
      AND ($5::text IS NULL OR p.class::text = $5)
      AND ($6::boolean OR p.developer_id = ANY ($7::bigint[]))
      AND ($8::text IS NULL OR lower(p.city) = lower($8))
),
stock AS (  -- по ЖК отдельно: индекс опубликованных квартир (project_id, rooms, status), а не перебор всех
    SELECT x.id AS project_id, c.lots_total, c.lots_on_sale, c.lots_sold
    FROM picked x
    CROSS JOIN LATERAL (
        SELECT count(*)::bigint                                      AS lots_total,
               count(*) FILTER (WHERE a.status = 'available')::bigint AS lots_on_sale,
               count(*) FILTER (WHERE a.status = 'sold')::bigint      AS lots_sold
        FROM apartments a
        WHERE a.project_id = x.id AND a.moderation_status = 'published'
    ) c
),
recent AS (
    SELECT d.project_id, sum(d.sold)::bigint AS sold_90_days
    FROM analytics_daily_demand d
    WHERE d.project_id IN (SELECT id FROM picked) AND d.day > $2::date - 90 AND d.day <= $2::date
    GROUP BY d.project_id
)
SELECT x.id AS project_id, x.name AS project_name,
       coalesce(s.lots_total, 0) AS lots_total, coalesce(s.lots_on_sale, 0) AS lots_on_sale,
       coalesce(s.lots_sold, 0) AS lots_sold, coalesce(r.sold_90_days, 0) AS sold_90_days
FROM picked x
LEFT JOIN stock s ON s.project_id = x.id
LEFT JOIN recent r ON r.project_id = x.id
WHERE $1::date IS NOT NULL
ORDER BY x.id
