-- Рынок по месяцам из analytics_market_monthly: месяцы, пересекающие [$1, $2], фильтры региона, класса, города.
-- Параметры: $1–$8 как у всех запросов аналитики ($4, $6, $7 здесь не нужны: рынок — все компании; скрытие ячеек
-- меньше чем с 3 компаниями для застройщика делает обработчик).
-- Колонки: все колонки analytics_market_monthly и class_name (класс текстом).
SELECT m.*, m.class::text AS class_name
FROM analytics_market_monthly m
WHERE m.month BETWEEN date_trunc('month', $1::date)::date AND $2::date
  AND ($3::text IS NULL OR m.region_code = $3)
  AND ($5::text IS NULL OR m.class::text = $5)
  AND ($8::text IS NULL OR lower(m.city) = lower($8))
  AND ($4::bigint IS NULL OR true) AND ($6::boolean OR true) AND cardinality($7::bigint[]) >= 0
ORDER BY m.month, m.region_code, m.city, m.class
