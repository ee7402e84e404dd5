-- Synthetic catalog of the benchmarks: {apartments} apartments in clusters of ~100 (project × rooms, 4 room
-- types per project), {events} interest events spread over the 24 h before {now} with skewed popularity (a few
-- hot apartments, a long cold tail). Placeholders are filled by synthetic_catalog.rs (numbers and one
-- timestamp only). Deterministic: setseed.
SELECT setseed(0.42);

INSERT INTO users (email, password_hash, display_name)
VALUES ('bench@example.ru', 'not-a-login', 'Нагрузочный тест');

INSERT INTO developers (name, legal_name, inn, ogrn, verified, moderation_status)
SELECT 'Застройщик ' || g, 'ООО «Застройщик ' || g || '»', lpad(g::text, 10, '0'), lpad(g::text, 13, '0'), true, 'published'
FROM generate_series(1, greatest(1, {apartments} / 40000)) g;

INSERT INTO projects (developer_id, name, city, region_code, address, geo, class, commissioning_date,
                      moderation_status, published_at)
SELECT 1 + g % greatest(1, {apartments} / 40000), 'ЖК ' || g, 'Москва', 'RU-MOW', 'ул. Синтетическая, ' || g,
       ST_SetSRID(ST_MakePoint(37.3 + random() * 0.6, 55.5 + random() * 0.4), 4326)::geography,
       (ARRAY['econom', 'comfort', 'business', 'premium'])[1 + g % 4]::project_class,
       date '2027-01-01' + g % 900, 'published', {now}::timestamptz - interval '120 days'
FROM generate_series(1, greatest(1, {apartments} / 400)) g;

INSERT INTO buildings (project_id, name, floors)
SELECT id, 'Корпус 1', 25 FROM projects;

INSERT INTO apartments (building_id, code, floor, rooms, area_total, base_price, current_price,
                        moderation_status, published_at)
SELECT b.id, 'B-' || g, 1 + g % 25, (g % 4)::smallint, 30 + (g % 4) * 20,
       price, price, 'published', {now}::timestamptz - make_interval(days => ((g::bigint * 7919) % 60)::integer) - interval '1 hour'
FROM generate_series(0, {apartments} - 1) g
JOIN buildings b ON b.project_id = 1 + g / 400
CROSS JOIN LATERAL (SELECT round((8000000 + random() * 12000000)::numeric, -3) AS price) p;

-- Popularity: apartment rank r gets weight ~ 1/(r+1)^0.8, scattered over the catalog by a multiplicative hash.
INSERT INTO views_log (apartment_id, event, occurred_at, visitor_id)
SELECT 1 + ((floor(power(random(), 2.5) * {apartments})::bigint * 7919) % {apartments}),
       CASE WHEN random() < 0.05 THEN 'favourite' ELSE 'view' END::interest_event,
       {now}::timestamptz - random() * interval '24 hours',
       'v' || (random() * 1000000)::integer
FROM generate_series(1, {events});

INSERT INTO leads (apartment_id, name, phone, created_at)
SELECT 1 + ((floor(power(random(), 2.5) * {apartments})::bigint * 7919) % {apartments}), 'Покупатель', '+79990000000',
       {now}::timestamptz - random() * interval '24 hours'
FROM generate_series(1, {events} / 200);

ANALYZE;
