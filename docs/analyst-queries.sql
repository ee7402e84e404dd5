-- Готовые запросы для аналитиков и DBA «Недвижимость 4.0». Только чтение; запускать в psql.
-- Таблицы — migrations/ (и schema.sql), функции и представления — sql/; описание каждого объекта — в комментариях:
-- \d+ apartments, \df+ reprice_apartments.

-- 1. Самые «горячие» кластеры (ЖК × комнатность) за 24 ч: медиана спроса и просмотры.
SELECT p.name AS project, cd.rooms, cd.apartments_on_sale, cd.median_demand, cd.views_24h, cd.leads_24h,
       cd.bookings_24h, cd.min_price, cd.max_price, cd.refreshed_at
FROM cluster_demand cd
JOIN projects p ON p.id = cd.project_id
ORDER BY cd.median_demand DESC
LIMIT 20;

-- 2. Что сделает следующий проход (ничего не записывает): решения по видам.
SELECT decision, count(*) AS apartments
FROM reprice_apartments(p_dry_run => true)
GROUP BY decision
ORDER BY apartments DESC;

-- 3. Последние проходы ценообразования и их итоги.
SELECT id, trigger, scheduled_for, started_at, finished_at - started_at AS took, evaluated, raised, lowered,
       decisions, rolled_back_at
FROM pricing_runs
ORDER BY id DESC
LIMIT 20;

-- 4. Изменения цен за сутки с объяснениями и входными данными решения.
SELECT h.changed_at, h.apartment_id, h.old_price, h.new_price, h.reason, h.explanation,
       h.views_24h, h.leads_24h, h.bookings_24h, h.days_on_site, h.demand, h.cluster_median, h.demand_norm,
       h.pricing_run_id, h.inputs ->> 'comment' AS manual_comment
FROM price_history h
WHERE h.changed_at > now() - interval '24 hours'
ORDER BY h.changed_at DESC
LIMIT 100;

-- 5. Действующие настройки по ЖК (какая версия применяется и откуда).
SELECT p.name AS project, c.scope, c.config_id, c.enabled, c.k1, c.k2, c.step, c.elasticity_cap, c.max_shift
FROM project_pricing_config c
JOIN projects p ON p.id = c.project_id
ORDER BY p.name;

-- 6. Отклонение текущих цен от базовых по регионам.
SELECT pr.region_code, count(*) AS apartments_on_sale,
       round(avg((a.current_price - a.base_price) / a.base_price * 100), 2) AS avg_shift_percent
FROM apartments a
JOIN projects pr ON pr.id = a.project_id
WHERE a.status = 'available' AND a.moderation_status = 'published'
GROUP BY pr.region_code
ORDER BY apartments_on_sale DESC;

-- 7. Акции: сколько квартир в продаже сейчас получают каждую и во что это обходится (суммы — из копии для поиска,
-- отстают от цен не больше чем на минуту; точные суммы по квартире даёт promotion_discounts).
SELECT pr.id, pr.name, coalesce(d.name, 'платформа') AS funded_by, pr.status, pr.starts_at, pr.ends_at,
       count(o.apartment_id) AS apartments, sum(o.discount) AS total_discount_of_those_apartments,
       pr.issued_bookings, pr.conditions ->> 'first_n_bookings' AS first_n
FROM promotions pr
LEFT JOIN developers d ON d.id = pr.developer_id
LEFT JOIN catalog_offers o ON pr.id = ANY (o.promotion_ids)
WHERE pr.status IN ('approved', 'paused')
GROUP BY pr.id, d.name
ORDER BY apartments DESC;

-- 8. Брони со скидкой: цена до скидок, итог и акции на момент брони.
SELECT b.id, b.booked_at, b.status, b.list_price, b.price AS final_price, b.list_price - b.price AS discount,
       string_agg(bp.name || ': ' || bp.amount, '; ' ORDER BY bp.amount DESC) AS promotions
FROM bookings b
JOIN booking_promotions bp ON bp.booking_id = b.id
GROUP BY b.id
ORDER BY b.booked_at DESC
LIMIT 50;
-- Аналитика (свёртки analytics_*, доступны роли analyst; формулы — docs/analytics.md) --------------------------

-- A1. Воронка по ЖК за последние 30 дней: просмотры → заявки → брони → продажи, накрутка отдельно.
SELECT d.project_id, sum(d.views) AS views, sum(d.leads) AS leads, sum(d.bookings) AS bookings, sum(d.sold) AS sold,
       round(sum(d.leads)::numeric / nullif(sum(d.views), 0), 4) AS leads_per_view,
       sum(d.flagged_views) AS flagged_views
FROM analytics_daily_demand d
WHERE d.day > (now() AT TIME ZONE 'Europe/Moscow')::date - 30
GROUP BY d.project_id
ORDER BY views DESC;

-- A2. Рынок: цена м² предложения и сделок, темп продаж и месяцев предложения по городам и классам за год.
SELECT month, region_code, city, class, companies, lots_on_sale, price_per_m2_on_sale, price_per_m2_deals, sold,
       months_of_inventory, median_exposure_days, share_sold
FROM analytics_market_monthly
WHERE month >= date_trunc('month', now()) - interval '11 months'
ORDER BY city, class, month;

-- A3. Эластичность по кластерам, где данных достаточно.
SELECT project_id, rooms, responses, elasticity, ci_low, ci_high
FROM analytics_price_elasticity
WHERE enough_data
ORDER BY elasticity;

-- A4. Когда и за сколько прошла последняя свёртка.
SELECT refreshed_at, days_refolded, took_ms FROM analytics_refresh_state;

-- A5. Куда правило цены ведёт кластеры (последний часовой снимок): цена м² сейчас и после следующего шага.
SELECT project_id, rooms, lots_on_sale, lots_to_raise, lots_to_lower,
       round(price_sum_on_sale / nullif(area_on_sale, 0), 2)    AS price_per_m2,
       round(steering_sum_on_sale / nullif(area_on_sale, 0), 2) AS steering_price_per_m2,
       refreshed_at
FROM analytics_daily_supply
WHERE day = (SELECT max(day) FROM analytics_daily_supply) AND lots_on_sale > 0
ORDER BY abs(steering_sum_on_sale - price_sum_on_sale) DESC NULLS LAST
LIMIT 20;
