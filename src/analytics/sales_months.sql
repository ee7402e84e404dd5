-- Продажи по месяцам периода [$1, $2] по ЖК (analytics_daily_demand): сделок, Σцен и Σплощадей сделок.
-- Параметры: $1–$8 как у всех запросов аналитики.
-- Колонки: project_id, month, sold, deals_price_sum, deals_area_sum.
SELECT d.project_id, date_trunc('month', d.day)::date AS month, sum(d.sold)::bigint AS sold,
       sum(d.deals_price_sum) AS deals_price_sum, sum(d.deals_area_sum) AS deals_area_sum
FROM analytics_daily_demand d
JOIN projects p ON p.id = d.project_id
WHERE d.day BETWEEN $1::date AND $2::date
  AND ($3::text IS NULL OR p.region_code = $3)
  AND ($4::bigint IS NULL OR p.id = $4)
  AND ($5::text IS NULL OR p.class::text = $5)
  AND ($6::boolean OR p.developer_id = ANY ($7::bigint[]))
  AND ($8::text IS NULL OR lower(p.city) = lower($8))
GROUP BY d.project_id, month
ORDER BY d.project_id, month
