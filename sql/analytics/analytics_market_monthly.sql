-- Рынок по месяцам: регион × город × класс × месяц. Читает только свёртки (analytics_daily_supply,
-- analytics_daily_demand) и брони со сроком экспозиции, поэтому полный пересчёт дешёвый: refresh_analytics()
-- обновляет его CONCURRENTLY раз в час, читатели не блокируются.
DROP MATERIALIZED VIEW IF EXISTS analytics_market_monthly;
CREATE MATERIALIZED VIEW analytics_market_monthly AS
WITH cells AS (
    SELECT p.id AS project_id, p.developer_id, p.region_code, p.city, p.class FROM projects p
),
last_snapshot AS (  -- последний снимок предложения каждого месяца
    SELECT date_trunc('month', s.day)::date AS month, max(s.day) AS day
    FROM analytics_daily_supply s
    GROUP BY 1
),
supply AS (
    SELECT l.month, c.region_code, c.city, c.class, c.developer_id,
           sum(s.lots_total)        AS lots_total,
           sum(s.lots_on_sale)      AS lots_on_sale,
           sum(s.lots_sold)         AS lots_sold,
           sum(s.area_on_sale)      AS area_on_sale,
           sum(s.price_sum_on_sale) AS price_sum_on_sale
    FROM last_snapshot l
    JOIN analytics_daily_supply s ON s.day = l.day
    JOIN cells c ON c.project_id = s.project_id
    GROUP BY 1, 2, 3, 4, 5
),
new_supply AS (
    SELECT date_trunc('month', s.day)::date AS month, c.region_code, c.city, c.class, c.developer_id,
           sum(s.new_lots) AS new_lots
    FROM analytics_daily_supply s
    JOIN cells c ON c.project_id = s.project_id
    GROUP BY 1, 2, 3, 4, 5
),
demand AS (
    SELECT date_trunc('month', d.day)::date AS month, c.region_code, c.city, c.class, c.developer_id,
           sum(d.views) AS views, sum(d.leads) AS leads, sum(d.bookings) AS bookings, sum(d.sold) AS sold,
           sum(d.cancelled) AS cancelled, sum(d.deals_price_sum) AS deals_price_sum,
           sum(d.deals_area_sum) AS deals_area_sum, sum(d.price_raises) AS price_raises,
           sum(d.price_lowers) AS price_lowers, sum(d.raise_pct_sum) AS raise_pct_sum,
           sum(d.lower_pct_sum) AS lower_pct_sum
    FROM analytics_daily_demand d
    JOIN cells c ON c.project_id = d.project_id
    GROUP BY 1, 2, 3, 4, 5
),
per_company AS (  -- ячейка × компания: из неё — число компаний ячейки
    SELECT coalesce(s.month, n.month, d.month) AS month,
           coalesce(s.region_code, n.region_code, d.region_code) AS region_code,
           coalesce(s.city, n.city, d.city) AS city,
           coalesce(s.class, n.class, d.class) AS class,
           coalesce(s.developer_id, n.developer_id, d.developer_id) AS developer_id,
           s.lots_total, s.lots_on_sale, s.lots_sold, s.area_on_sale, s.price_sum_on_sale, n.new_lots,
           d.views, d.leads, d.bookings, d.sold, d.cancelled, d.deals_price_sum, d.deals_area_sum,
           d.price_raises, d.price_lowers, d.raise_pct_sum, d.lower_pct_sum
    FROM supply s
    FULL JOIN new_supply n USING (month, region_code, city, class, developer_id)
    FULL JOIN demand d USING (month, region_code, city, class, developer_id)
),
cell AS (
    SELECT month, region_code, city, class,
           count(DISTINCT developer_id)::integer        AS companies,
           coalesce(sum(lots_total), 0)::bigint         AS lots_total,
           coalesce(sum(lots_on_sale), 0)::bigint       AS lots_on_sale,
           coalesce(sum(lots_sold), 0)::bigint          AS lots_sold,
           coalesce(sum(area_on_sale), 0)               AS area_on_sale,
           coalesce(sum(price_sum_on_sale), 0)          AS price_sum_on_sale,
           coalesce(sum(new_lots), 0)::bigint           AS new_lots,
           coalesce(sum(views), 0)::bigint              AS views,
           coalesce(sum(leads), 0)::bigint              AS leads,
           coalesce(sum(bookings), 0)::bigint           AS bookings,
           coalesce(sum(sold), 0)::bigint               AS sold,
           coalesce(sum(cancelled), 0)::bigint          AS cancelled,
           coalesce(sum(deals_price_sum), 0)            AS deals_price_sum,
           coalesce(sum(deals_area_sum), 0)             AS deals_area_sum,
           coalesce(sum(price_raises), 0)::bigint       AS price_raises,
           coalesce(sum(price_lowers), 0)::bigint       AS price_lowers,
           coalesce(sum(raise_pct_sum), 0)              AS raise_pct_sum,
           coalesce(sum(lower_pct_sum), 0)              AS lower_pct_sum
    FROM per_company
    GROUP BY month, region_code, city, class
),
exposure AS (  -- срок экспозиции: от публикации квартиры до брони, по броням месяца
    SELECT date_trunc('month', b.booked_at AT TIME ZONE 'Europe/Moscow')::date AS month,
           c.region_code, c.city, c.class,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM b.booked_at - a.published_at) / 86400)
               AS median_exposure_days
    FROM bookings b
    JOIN apartments a ON a.id = b.apartment_id
    JOIN cells c ON c.project_id = a.project_id
    WHERE a.published_at IS NOT NULL AND b.booked_at >= a.published_at
    GROUP BY 1, 2, 3, 4
),
paced AS (
    SELECT cell.*,
           sum(cell.sold) OVER (PARTITION BY cell.region_code, cell.city, cell.class ORDER BY cell.month
                                RANGE BETWEEN interval '2 months' PRECEDING AND CURRENT ROW) / 3.0 AS avg_monthly_sales
    FROM cell
)
SELECT p.month, p.region_code, p.city, p.class, p.companies,
       p.lots_on_sale, p.area_on_sale, p.price_sum_on_sale,
       round(p.price_sum_on_sale / nullif(p.area_on_sale, 0), 2)              AS price_per_m2_on_sale,
       p.new_lots,
       p.sold, p.deals_price_sum, p.deals_area_sum,
       round(p.deals_price_sum / nullif(p.deals_area_sum, 0), 2)              AS price_per_m2_deals,
       round(p.avg_monthly_sales, 2)                                          AS avg_monthly_sales,
       round(p.lots_on_sale / nullif(p.avg_monthly_sales, 0), 1)              AS months_of_inventory,
       round(e.median_exposure_days::numeric, 1)                              AS median_exposure_days,
       p.lots_total, p.lots_sold,
       round(p.lots_sold::numeric / nullif(p.lots_total, 0), 4)               AS share_sold,
       p.views, p.leads, p.bookings,
       round(p.views::numeric / nullif(p.lots_on_sale, 0), 2)                 AS demand_per_lot,
       p.price_raises, p.price_lowers,
       round(p.raise_pct_sum / nullif(p.price_raises, 0), 2)                  AS avg_raise_pct,
       round(p.lower_pct_sum / nullif(p.price_lowers, 0), 2)                  AS avg_lower_pct,
       p.cancelled,
       now()                                                                  AS refreshed_at
FROM paced p
LEFT JOIN exposure e USING (month, region_code, city, class)
WITH NO DATA;
CREATE UNIQUE INDEX analytics_market_monthly_key ON analytics_market_monthly (month, region_code, city, class);
CREATE INDEX analytics_market_monthly_region_idx ON analytics_market_monthly (region_code, month);
COMMENT ON MATERIALIZED VIEW analytics_market_monthly IS
    'Рынок: регион × город × класс × месяц (по московскому времени). Полный пересчёт из свёрток analytics_daily_* '
    'и броней; refresh_analytics() обновляет CONCURRENTLY раз в час. Застройщикам ячейки, где меньше 3 компаний, '
    'API скрывает; роль analyst видит все';
COMMENT ON COLUMN analytics_market_monthly.month IS 'Месяц (первое число)';
COMMENT ON COLUMN analytics_market_monthly.region_code IS 'Регион ЖК, ISO 3166-2 (RU-MOW)';
COMMENT ON COLUMN analytics_market_monthly.city IS 'Город ЖК';
COMMENT ON COLUMN analytics_market_monthly.class IS 'Класс жилья ЖК';
COMMENT ON COLUMN analytics_market_monthly.companies IS 'Компаний-застройщиков с предложением или спросом в ячейке (меньше 3 — ячейка скрыта от застройщиков)';
COMMENT ON COLUMN analytics_market_monthly.lots_on_sale IS 'Предложение: квартир в продаже на последний снимок месяца, шт.';
COMMENT ON COLUMN analytics_market_monthly.area_on_sale IS 'Предложение: площадь в продаже на последний снимок месяца, м²';
COMMENT ON COLUMN analytics_market_monthly.price_sum_on_sale IS 'Сумма цен предложения на последний снимок месяца, ₽';
COMMENT ON COLUMN analytics_market_monthly.price_per_m2_on_sale IS 'Средневзвешенная цена м² предложения = Σцен ÷ Σплощадей, ₽/м²';
COMMENT ON COLUMN analytics_market_monthly.new_lots IS 'Новое предложение: квартир впервые опубликовано за месяц, шт.';
COMMENT ON COLUMN analytics_market_monthly.sold IS 'Темп продаж: сделок за месяц, шт./мес.';
COMMENT ON COLUMN analytics_market_monthly.deals_price_sum IS 'Сумма цен сделок за месяц, ₽';
COMMENT ON COLUMN analytics_market_monthly.deals_area_sum IS 'Сумма площадей сделок за месяц, м²';
COMMENT ON COLUMN analytics_market_monthly.price_per_m2_deals IS 'Средневзвешенная цена м² в сделках = Σцен ÷ Σплощадей, ₽/м²';
COMMENT ON COLUMN analytics_market_monthly.avg_monthly_sales IS 'Средний темп продаж за 3 календарных месяца по этот включительно = Σсделок ÷ 3, шт./мес.';
COMMENT ON COLUMN analytics_market_monthly.months_of_inventory IS 'Срок экспозиции остатка (месяцев предложения) = квартир в продаже ÷ средний темп продаж, мес.';
COMMENT ON COLUMN analytics_market_monthly.median_exposure_days IS 'Медианный срок экспозиции: от публикации квартиры до брони, по броням месяца, дней';
COMMENT ON COLUMN analytics_market_monthly.lots_total IS 'Опубликованных квартир всего на последний снимок месяца, шт.';
COMMENT ON COLUMN analytics_market_monthly.lots_sold IS 'Проданных квартир на последний снимок месяца, шт.';
COMMENT ON COLUMN analytics_market_monthly.share_sold IS 'Распроданность = проданных ÷ всех опубликованных, доля';
COMMENT ON COLUMN analytics_market_monthly.views IS 'Просмотров за месяц без накрутки, шт.';
COMMENT ON COLUMN analytics_market_monthly.leads IS 'Заявок за месяц без накрутки, шт.';
COMMENT ON COLUMN analytics_market_monthly.bookings IS 'Броней за месяц, шт.';
COMMENT ON COLUMN analytics_market_monthly.demand_per_lot IS 'Спрос на лот = просмотров за месяц ÷ квартир в продаже';
COMMENT ON COLUMN analytics_market_monthly.price_raises IS 'Повышений цены алгоритмом за месяц, шт.';
COMMENT ON COLUMN analytics_market_monthly.price_lowers IS 'Понижений цены алгоритмом за месяц, шт.';
COMMENT ON COLUMN analytics_market_monthly.avg_raise_pct IS 'Средний размер повышения, %';
COMMENT ON COLUMN analytics_market_monthly.avg_lower_pct IS 'Средний размер понижения по модулю, %';
COMMENT ON COLUMN analytics_market_monthly.cancelled IS 'Отменённых броней за месяц, шт.';
COMMENT ON COLUMN analytics_market_monthly.refreshed_at IS 'Когда представление пересчитано';

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analyst') THEN
        GRANT SELECT ON analytics_market_monthly TO analyst;
    END IF;
END;
$$;
