-- Демо-данные для `nedvizhimost seed-demo`: 6 застройщиков, 20 ЖК в 7 городах, 2–4 корпуса на ЖК,
-- ~3 000 квартир, медиа карточек (ссылки на example.com) и сутки спроса (просмотры, избранное, заявки, брони), чтобы ценообразованию было с чем работать.
-- Выполняется одной транзакцией из src/seed/mod.rs, который заранее проверил, что демо-данных ещё нет.
-- Случайность детерминирована: pg_temp.demo_random(ключ) — хеш ключа, поэтому каждый запуск даёт те же данные.
-- ИНН и ОГРН вымышленные, но с верными контрольными суммами (проверяет тест в src/seed/mod.rs).
-- У всех демо-пользователей пароль DEMO_PASSWORD из src/seed/mod.rs; его хеш argon2id приходит в demo.password_hash.

CREATE OR REPLACE FUNCTION pg_temp.demo_random(p_key text) RETURNS double precision
LANGUAGE sql IMMUTABLE
RETURN ((hashtextextended(p_key, 2024) >> 11) & 9007199254740991)::double precision / 9007199254740992;

CREATE TEMP TABLE demo_cities ON COMMIT DROP AS
SELECT *
FROM (VALUES
    ('Москва',          'RU-MOW', 55.7558, 37.6173, 360000),
    ('Санкт-Петербург', 'RU-SPE', 59.9386, 30.3141, 230000),
    ('Екатеринбург',    'RU-SVE', 56.8389, 60.6057, 150000),
    ('Новосибирск',     'RU-NVS', 55.0084, 82.9357, 135000),
    ('Казань',          'RU-TA',  55.7961, 49.1064, 165000),
    ('Краснодар',       'RU-KDA', 45.0355, 38.9753, 125000),
    ('Нижний Новгород', 'RU-NIZ', 56.3269, 44.0059, 140000)
) AS city (city, region_code, centre_lat, centre_lon, comfort_price_per_m2);

CREATE TEMP TABLE demo_classes ON COMMIT DROP AS
SELECT class::project_class, price_factor, area_factor, min_floors, max_floors, min_ceiling, ceiling_span,
       room_thresholds, finishings
FROM (VALUES
    -- room_thresholds: квартира получает столько комнат, сколько порогов не больше её случайного числа
    ('econom',   0.80, 0.92, 17, 25, 2.60, 0.10, ARRAY[0.30, 0.65, 0.90, 1.01], ARRAY['без отделки', 'white box', 'чистовая']),
    ('comfort',  1.00, 1.00, 12, 24, 2.70, 0.15, ARRAY[0.15, 0.45, 0.75, 0.95], ARRAY['white box', 'чистовая']),
    ('business', 1.30, 1.12,  9, 20, 2.90, 0.20, ARRAY[0.05, 0.25, 0.60, 0.90], ARRAY['white box', 'чистовая', 'дизайнерская']),
    ('premium',  1.55, 1.30,  6, 14, 3.10, 0.40, ARRAY[0.00, 0.10, 0.45, 0.80], ARRAY['без отделки', 'дизайнерская'])
) AS class (class, price_factor, area_factor, min_floors, max_floors, min_ceiling, ceiling_span, room_thresholds, finishings);

-- Пользователи: модератор ассоциации, по владельцу на застройщика, покупатели -----------------------
INSERT INTO users (email, password_hash, role, display_name, phone)
VALUES ('moderator@demo.example', current_setting('demo.password_hash'), 'moderator', 'Модератор ассоциации (демо)', '+79990000001');

INSERT INTO users (email, password_hash, role, display_name, phone)
SELECT format('buyer%s@demo.example', n), current_setting('demo.password_hash'), 'buyer',
       (ARRAY['Анна Смирнова', 'Иван Петров', 'Мария Кузнецова', 'Алексей Соколов',
              'Екатерина Попова', 'Дмитрий Лебедев', 'Ольга Новикова', 'Сергей Морозов'])[n] || ' (демо)',
       '+7999100' || lpad(n::text, 4, '0')
FROM generate_series(1, 8) AS n;

-- buyer1 … buyer8 по порядку: ids[n] — buyerN
CREATE TEMP TABLE demo_buyers ON COMMIT DROP AS
SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE email LIKE 'buyer%@demo.example';

-- Застройщики -------------------------------------------------------------------------------------
INSERT INTO developers (name, legal_name, inn, ogrn, website, verified, moderation_status, moderated_by, moderated_at)
SELECT name, legal_name, inn, ogrn, website, true, 'published',
       (SELECT id FROM users WHERE email = 'moderator@demo.example'), now() - interval '120 days'
FROM (VALUES
    ('Столичный Квартал',  'ООО «Специализированный застройщик «Столичный Квартал»',  '7714160813', '1157791526100', 'https://stolichny-kvartal.example'),
    ('Невская Линия',      'ООО «Специализированный застройщик «Невская Линия»',      '7810718025', '1127892328244', 'https://nevskaya-liniya.example'),
    ('УралСтройИнвест',    'АО «УралСтройИнвест»',                                     '6658648049', '1096658931049', 'https://uralstroyinvest.example'),
    ('Сибирский Дом',      'ООО «Специализированный застройщик «Сибирский Дом»',      '5406167698', '1145428618345', 'https://sibirsky-dom.example'),
    ('Волга Девелопмент',  'ООО «Волга Девелопмент»',                                  '1655085543', '1111636373640', 'https://volga-development.example'),
    ('Южный Берег',        'ООО «Специализированный застройщик «Южный Берег»',        '2309484382', '1172302517078', 'https://yuzhny-bereg.example')
) AS developer (name, legal_name, inn, ogrn, website);

INSERT INTO users (email, password_hash, role, display_name, phone)
SELECT 'owner@' || substring(d.website FROM '://(.*)$'), current_setting('demo.password_hash'), 'developer',
       'Руководитель продаж «' || d.name || '» (демо)', '+7999200' || lpad((row_number() OVER (ORDER BY d.id))::text, 4, '0')
FROM developers d
WHERE d.website LIKE '%.example';

INSERT INTO developer_members (developer_id, user_id, company_role)
SELECT d.id, u.id, 'owner'
FROM developers d
JOIN users u ON u.email = 'owner@' || substring(d.website FROM '://(.*)$');

-- ЖК: реальные районы городов, точки в нескольких километрах от центра -------------------------------
CREATE TEMP TABLE demo_projects ON COMMIT DROP AS
SELECT d.id AS developer_id, p.name, p.city, c.region_code, p.address, p.class::project_class AS class,
       (date_trunc('quarter', current_date) + (p.quarters_ahead + 1) * interval '3 months' - interval '1 day')::date
           AS commissioning_date,
       p.lat, p.lon, c.comfort_price_per_m2,
       2 + floor(pg_temp.demo_random('buildings:' || p.name) * 3)::integer AS building_count,
       6 + 6 * pg_temp.demo_random('popularity:' || p.name)                AS daily_views_per_apartment
FROM (VALUES
    ('7714160813', 'Тверская Резиденция',       'Москва',          'ул. Лесная, 43',                 'premium',   5, 55.7790, 37.5890),
    ('7714160813', 'Ходынка Парк',              'Москва',          'Ходынский бульвар, 20',          'business',  3, 55.7880, 37.5330),
    ('7714160813', 'Коломенская Гавань',        'Москва',          'пр-т Андропова, 42',             'comfort',   7, 55.6790, 37.6690),
    ('7714160813', 'Измайловские Пруды',        'Москва',          'Щёлковское ш., 58',              'comfort',  -1, 55.8100, 37.7900),
    ('7714160813', 'Верхневолжская Набережная', 'Нижний Новгород', 'Верхне-Волжская наб., 17',       'business',  4, 56.3290, 44.0290),
    ('7810718025', 'Остоженка Клаб',            'Москва',          '1-й Зачатьевский пер., 12',      'premium',   8, 55.7400, 37.5990),
    ('7810718025', 'Крестовский Берег',         'Санкт-Петербург', 'Морской пр., 29',                'premium',   6, 59.9710, 30.2420),
    ('7810718025', 'Обводный Лофт',             'Санкт-Петербург', 'наб. Обводного канала, 108',     'business',  2, 59.9130, 30.3350),
    ('7810718025', 'Гавань Васильевского',      'Санкт-Петербург', 'ул. Кораблестроителей, 30',      'comfort',   5, 59.9440, 30.2170),
    ('7810718025', 'Московские Ворота Парк',    'Санкт-Петербург', 'Московский пр., 115',            'comfort',   9, 59.8900, 30.3200),
    ('6658648049', 'Исетский Квартал',          'Екатеринбург',    'ул. Радищева, 33',               'business',  4, 56.8310, 60.5960),
    ('6658648049', 'Уралмаш Сити',              'Екатеринбург',    'ул. Победы, 41',                 'econom',    2, 56.8960, 60.6110),
    ('6658648049', 'Академический Лес',         'Екатеринбург',    'ул. Академика Сахарова, 75',     'comfort',   6, 56.7880, 60.5160),
    ('5406167698', 'Обская Ривьера',            'Новосибирск',     'ул. Большевистская, 101',        'comfort',   3, 55.0020, 82.9620),
    ('5406167698', 'Заельцовский Парк',         'Новосибирск',     'Красный пр., 220',               'econom',    8, 55.0710, 82.9140),
    ('1655085543', 'Кремлёвская Набережная',    'Казань',          'ул. Федосеевская, 36',           'business',  5, 55.8030, 49.0980),
    ('1655085543', 'Солнечный Город',           'Казань',          'пр. Победы, 139',                'comfort',   3, 55.7480, 49.2140),
    ('1655085543', 'Мещерский Берег',           'Нижний Новгород', 'Мещерский бульвар, 9',           'comfort',   7, 56.3330, 43.9560),
    ('2309484382', 'Кубанская Ривьера',         'Краснодар',       'ул. Кубанская Набережная, 64',   'business',  4, 45.0230, 38.9720),
    ('2309484382', 'Фестивальный',              'Краснодар',       'ул. Тургенева, 150',             'econom',    1, 45.0620, 38.9600)
) AS p (developer_inn, name, city, address, class, quarters_ahead, lat, lon)
JOIN developers d ON d.inn = p.developer_inn
JOIN demo_cities c ON c.city = p.city;

INSERT INTO projects (developer_id, name, city, region_code, address, geo, class, commissioning_date, description,
                      moderation_status, moderated_by, moderated_at, published_at)
SELECT dp.developer_id, dp.name, dp.city, dp.region_code, dp.address,
       ST_SetSRID(ST_MakePoint(dp.lon, dp.lat), 4326)::geography, dp.class, dp.commissioning_date,
       format('ЖК %s-класса «%s» в городе %s: %s, сдача %s. Демо-данные.',
              CASE dp.class WHEN 'econom' THEN 'эконом' WHEN 'comfort' THEN 'комфорт'
                            WHEN 'business' THEN 'бизнес' ELSE 'премиум' END,
              dp.name, dp.city, ru_plural(dp.building_count, 'корпус', 'корпуса', 'корпусов'),
              CASE WHEN dp.commissioning_date < current_date THEN 'состоялась'
                   ELSE extract(quarter FROM dp.commissioning_date) || ' кв. ' || extract(year FROM dp.commissioning_date) END),
       'published', moderator.id, published.at, published.at
FROM demo_projects dp
CROSS JOIN (SELECT id FROM users WHERE email = 'moderator@demo.example') moderator
CROSS JOIN LATERAL (SELECT now() - (61 + 59 * pg_temp.demo_random('published:' || dp.name)) * interval '1 day' AS at) published
ORDER BY dp.developer_id, dp.commissioning_date, dp.name;

-- Корпуса: очереди сдаются поквартально, последняя — в дату сдачи ЖК --------------------------------
INSERT INTO buildings (project_id, name, number, sections, floors, commissioning_quarter, commissioning_year)
SELECT p.id, 'Корпус ' || n, n::text,
       1 + floor(pg_temp.demo_random('sections:' || p.name || n) * 4)::integer,
       cls.min_floors + floor(pg_temp.demo_random('floors:' || p.name || n) * (cls.max_floors - cls.min_floors + 1))::integer,
       extract(quarter FROM due.date), extract(year FROM due.date)
FROM demo_projects dp
JOIN projects p ON p.developer_id = dp.developer_id AND p.name = dp.name
JOIN demo_classes cls ON cls.class = dp.class
CROSS JOIN generate_series(1, dp.building_count) AS n
CROSS JOIN LATERAL (SELECT dp.commissioning_date - (dp.building_count - n) * interval '3 months' AS date) due;

-- Квартиры ----------------------------------------------------------------------------------------
-- Комнатность по классу, площади по комнатности, цена за м² по городу, классу, этажу и комнатности.
INSERT INTO apartments (building_id, code, floor, rooms, area_total, area_living, area_kitchen, ceiling_height, balcony,
                        base_price, current_price, status, extra, moderation_status, moderated_by, moderated_at, published_at)
WITH demo_buildings AS (
    SELECT b.id AS building_id, b.number, b.floors, p.name AS project_name, cls.*, dp.comfort_price_per_m2,
           35 + floor(pg_temp.demo_random('apartments:' || p.name || b.number) * 31)::integer AS apartment_count
    FROM demo_projects dp
    JOIN projects p ON p.developer_id = dp.developer_id AND p.name = dp.name
    JOIN buildings b ON b.project_id = p.id
    JOIN demo_classes cls ON cls.class = dp.class
),
drafts AS (
    SELECT db.*, n,
           2 + (n - 1) / ceil(db.apartment_count::numeric / (db.floors - 1))::integer AS floor,
           db.project_name || '/' || db.number || '/' || n                            AS key
    FROM demo_buildings db
    CROSS JOIN generate_series(1, db.apartment_count) AS n
),
with_rooms AS (
    SELECT d.*,
           (SELECT count(*) FROM unnest(d.room_thresholds) AS threshold
            WHERE pg_temp.demo_random(d.key || ':rooms') >= threshold)::smallint AS rooms
    FROM drafts d
),
measured AS (
    SELECT r.*,
           round(((ARRAY[22, 33, 50, 70, 95])[r.rooms + 1]
                  + (ARRAY[8, 12, 18, 25, 35])[r.rooms + 1] * pg_temp.demo_random(r.key || ':area'))::numeric
                 * r.area_factor, 2) AS area_total
    FROM with_rooms r
)
SELECT m.building_id,
       m.number || '-' || lpad(m.n::text, 3, '0'),
       m.floor,
       m.rooms,
       m.area_total,
       round(m.area_total * CASE WHEN m.rooms = 0 THEN 0.55 + 0.10 * pg_temp.demo_random(m.key || ':living')
                                 ELSE 0.42 + 0.16 * pg_temp.demo_random(m.key || ':living') END::numeric, 2),
       CASE WHEN m.rooms > 0
            THEN round(least(m.area_total * 0.25, 8 + 1.5 * m.rooms + 4 * pg_temp.demo_random(m.key || ':kitchen')::numeric), 2) END,
       round(m.min_ceiling + m.ceiling_span * pg_temp.demo_random(m.project_name || m.number || ':ceiling')::numeric, 2),
       pg_temp.demo_random(m.key || ':balcony') < CASE WHEN m.rooms = 0 THEN 0.5 ELSE 0.8 END,
       price.rounded, price.rounded,
       CASE WHEN pg_temp.demo_random(m.key || ':status') < 0.03 THEN 'booked'
            WHEN pg_temp.demo_random(m.key || ':status') < 0.08 THEN 'sold'
            ELSE 'available' END::apartment_status,
       jsonb_build_object(
           'finishing', m.finishings[1 + floor(pg_temp.demo_random(m.key || ':finishing') * cardinality(m.finishings))::integer],
           'window_view', (ARRAY['двор', 'город', 'парк', 'вода'])[1 + floor(pg_temp.demo_random(m.key || ':view') * 4)::integer]),
       'published', moderator.id, published.at, published.at
FROM measured m
CROSS JOIN (SELECT id FROM users WHERE email = 'moderator@demo.example') moderator
CROSS JOIN LATERAL (
    SELECT round(m.area_total * m.comfort_price_per_m2 * m.price_factor
                 * (0.94 + 0.12 * pg_temp.demo_random(m.key || ':price'))::numeric
                 * (1 + 0.004 * (m.floor - 2))
                 * (ARRAY[1.08, 1.03, 1.00, 0.98, 0.97])[m.rooms + 1], -3) AS rounded
) price
CROSS JOIN LATERAL (SELECT now() - 60 * pg_temp.demo_random(m.key || ':published') * interval '1 day' AS at) published
ORDER BY m.building_id, m.n;

-- Сутки спроса ------------------------------------------------------------------------------------
-- Большинство квартир кластера близки к его медиане; ~7 % «горячих» (их цена пойдёт вверх),
-- ~12 % «холодных» (пойдёт вниз, если квартира на сайте дольше 14 дней).
CREATE TEMP TABLE demo_interest ON COMMIT DROP AS
SELECT a.id AS apartment_id, a.current_price, key.value AS key, temperature.value AS temperature,
       views.value AS views,
       round(views.value * 0.15 * pg_temp.demo_random(key.value || ':favourites'))::integer AS favourites
FROM apartments a
JOIN projects p ON p.id = a.project_id
JOIN demo_projects dp ON dp.developer_id = p.developer_id AND dp.name = p.name
CROSS JOIN LATERAL (SELECT p.name || '/' || a.code AS value) key
CROSS JOIN LATERAL (SELECT pg_temp.demo_random(key.value || ':temperature') AS value) temperature
CROSS JOIN LATERAL (
    SELECT round(dp.daily_views_per_apartment * CASE
               WHEN temperature.value > 0.93 THEN 2.0 + 3.0 * pg_temp.demo_random(key.value || ':views')
               WHEN temperature.value < 0.12 THEN 0.4 * pg_temp.demo_random(key.value || ':views')
               ELSE 0.85 + 0.3 * pg_temp.demo_random(key.value || ':views') END)::integer AS value
) views
WHERE a.status = 'available';

INSERT INTO views_log (apartment_id, user_id, visitor_id, event, occurred_at)
SELECT i.apartment_id,
       CASE WHEN n > i.views THEN buyers.ids[1 + floor(pg_temp.demo_random(i.key || ':fan' || n) * cardinality(buyers.ids))::integer] END,
       'demo-' || left(md5(i.key || ':visitor' || n), 16),
       CASE WHEN n > i.views THEN 'favourite' ELSE 'view' END::interest_event,
       now() - interval '23 hours 50 minutes' * pg_temp.demo_random(i.key || ':at' || n)
FROM demo_interest i
CROSS JOIN demo_buyers buyers
CROSS JOIN generate_series(1, i.views + i.favourites) AS n;

INSERT INTO leads (apartment_id, visitor_id, name, phone, comment, created_at)
SELECT i.apartment_id,
       'demo-' || left(md5(i.key || ':lead' || n), 16),
       (ARRAY['Анна', 'Иван', 'Мария', 'Алексей', 'Екатерина', 'Дмитрий', 'Ольга', 'Сергей', 'Наталья', 'Михаил'])
           [1 + floor(pg_temp.demo_random(i.key || ':lead-name' || n) * 10)::integer],
       '+79' || lpad(floor(pg_temp.demo_random(i.key || ':lead-phone' || n) * 1e9)::bigint::text, 9, '0'),
       (ARRAY['Перезвоните после 18:00', 'Интересует семейная ипотека', 'Есть ли рассрочка?', NULL, NULL])
           [1 + floor(pg_temp.demo_random(i.key || ':lead-comment' || n) * 5)::integer],
       CASE WHEN i.temperature > 0.93 OR pg_temp.demo_random(i.key || ':lead-when' || n) < 0.5
            THEN now() - interval '23 hours 50 minutes' * pg_temp.demo_random(i.key || ':lead-at' || n)
            ELSE now() - (2 + 18 * pg_temp.demo_random(i.key || ':lead-at' || n)) * interval '1 day' END
FROM demo_interest i
CROSS JOIN LATERAL generate_series(1, CASE
    WHEN i.temperature > 0.93 THEN 1 + floor(pg_temp.demo_random(i.key || ':leads') * 3)::integer
    WHEN pg_temp.demo_random(i.key || ':leads') < 0.04 THEN 1
    ELSE 0 END) AS n;

-- Брони ------------------------------------------------------------------------------------------
-- У каждого демо-покупателя не больше одной активной брони: лимит BUYER_MAX_ACTIVE_BOOKINGS (по умолчанию 3)
-- оставляет место, и любой из buyer1…buyer8 может сразу забронировать ещё квартиру. Из квартир, выбранных
-- «забронированными», по одной на покупателя так и остаются забронированными (pending или confirmed), остальные
-- уже проданы по подтверждённой брони — это история спроса, а не удержание: проданная бронь в лимит не входит.
CREATE TEMP TABLE demo_deals ON COMMIT DROP AS
SELECT a.id AS apartment_id, a.current_price, key.value AS key,
       row_number() OVER (ORDER BY pg_temp.demo_random(key.value || ':deal-order'), key.value) AS n
FROM apartments a
JOIN projects p ON p.id = a.project_id
JOIN demo_projects dp ON dp.developer_id = p.developer_id AND dp.name = p.name
CROSS JOIN LATERAL (SELECT p.name || '/' || a.code AS value) key
WHERE a.status = 'booked';

UPDATE apartments a
SET status = 'sold'
FROM demo_deals d, demo_buyers buyers
WHERE a.id = d.apartment_id AND d.n > cardinality(buyers.ids);

INSERT INTO bookings (apartment_id, user_id, status, price, list_price, booked_at, expires_at, crm_external_id)
SELECT d.apartment_id,
       CASE WHEN deal.held THEN buyers.ids[d.n]
            ELSE buyers.ids[1 + floor(pg_temp.demo_random(d.key || ':buyer') * cardinality(buyers.ids))::integer] END,
       deal.status, d.current_price, d.current_price, deal.booked_at,
       deal.booked_at + CASE deal.status WHEN 'pending' THEN interval '3 days' ELSE interval '30 days' END,
       CASE deal.status WHEN 'confirmed' THEN 'amo-' || (700000 + d.apartment_id) END
FROM demo_deals d
CROSS JOIN demo_buyers buyers
CROSS JOIN LATERAL (SELECT d.n <= cardinality(buyers.ids) AS held) hold
CROSS JOIN LATERAL (
    SELECT hold.held,
           CASE WHEN hold.held AND pg_temp.demo_random(d.key || ':booking') < 0.5 THEN 'pending'
                ELSE 'confirmed' END::booking_status AS status,
           CASE WHEN hold.held THEN now() - 2 * pg_temp.demo_random(d.key || ':booked-at') * interval '1 day'
                ELSE now() - (5 + 40 * pg_temp.demo_random(d.key || ':booked-at')) * interval '1 day' END AS booked_at
) deal;

INSERT INTO bookings (apartment_id, user_id, status, price, list_price, booked_at, expires_at)
SELECT i.apartment_id, buyers.ids[1 + floor(pg_temp.demo_random(i.key || ':buyer') * cardinality(buyers.ids))::integer],
       past.status, i.current_price, i.current_price, past.booked_at, past.booked_at + interval '3 days'
FROM demo_interest i
CROSS JOIN demo_buyers buyers
CROSS JOIN LATERAL (
    SELECT CASE WHEN pg_temp.demo_random(i.key || ':past-booking') < 0.01 THEN 'cancelled'
                ELSE 'expired' END::booking_status AS status,
           CASE WHEN pg_temp.demo_random(i.key || ':past-booking') < 0.01
                THEN now() - interval '23 hours' * pg_temp.demo_random(i.key || ':past-booked-at')
                ELSE now() - (5 + 20 * pg_temp.demo_random(i.key || ':past-booked-at')) * interval '1 day' END AS booked_at
) past
WHERE pg_temp.demo_random(i.key || ':past-booking') < 0.03;

-- История каждой брони, как её пишет API: создал покупатель, подтвердил и отметил продажу владелец компании,
-- отменил покупатель, истекла по расписанию (без автора).
INSERT INTO booking_events (booking_id, action, actor_id, actor_role, occurred_at)
SELECT b.id, step.action, step.actor_id, step.actor_role, step.occurred_at
FROM bookings b
JOIN apartments a ON a.id = b.apartment_id
JOIN projects p ON p.id = a.project_id
JOIN developer_members owner ON owner.developer_id = p.developer_id AND owner.company_role = 'owner'
CROSS JOIN LATERAL (VALUES
    ('created'::booking_action, b.user_id, 'buyer'::user_role, b.booked_at, true),
    ('confirmed', owner.user_id, 'developer', b.booked_at + (now() - b.booked_at) * 0.3, b.status = 'confirmed'),
    ('sold', owner.user_id, 'developer', b.booked_at + (now() - b.booked_at) * 0.6,
     b.status = 'confirmed' AND a.status = 'sold'),
    ('cancelled', b.user_id, 'buyer', b.booked_at + (now() - b.booked_at) * 0.5, b.status = 'cancelled'),
    ('expired', NULL, NULL, b.expires_at, b.status = 'expired')
) AS step (action, actor_id, actor_role, occurred_at, happened)
WHERE step.happened
ORDER BY b.id, step.occurred_at;

-- Медиа карточек ЖК ------------------------------------------------------------------------------
-- Обложка, фото, видео, 3D-тур и по планировке на каждую комнатность: заведомо примерные ссылки на example.com,
-- чтобы карточка ЖК и квартиры показывала все виды медиа.
UPDATE projects p
SET cover_image_url = format('https://example.com/demo/projects/%s/cover.jpg', p.id)
FROM demo_projects dp
WHERE p.developer_id = dp.developer_id AND p.name = dp.name;

INSERT INTO project_media (project_id, kind, url, title, position)
SELECT p.id, media.kind::media_kind, format('https://example.com/demo/projects/%s/%s', p.id, media.file),
       media.title || ' (демо)', media.position
FROM demo_projects dp
JOIN projects p ON p.developer_id = dp.developer_id AND p.name = dp.name
CROSS JOIN (VALUES
    ('photo',   'facade.jpg', 'Фасад',                0),
    ('photo',   'yard.jpg',   'Двор без машин',       1),
    ('photo',   'lobby.jpg',  'Входная группа',       2),
    ('video',   'aerial.mp4', 'Видео с квадрокоптера', 0),
    ('tour_3d', 'tour.html',  '3D-тур по шоуруму',    0)
) AS media (kind, file, title, position)
ORDER BY p.id, media.kind, media.position;

-- Планировка — у первой свободной квартиры каждой комнатности ЖК; та же ссылка в карточке квартиры.
INSERT INTO project_media (project_id, apartment_id, kind, url, title, position)
SELECT a.project_id, a.id, 'layout', format('https://example.com/demo/layouts/%s.svg', a.id),
       CASE WHEN a.rooms = 0 THEN 'Студия' ELSE a.rooms || '-комнатная' END
           || ', ' || replace(trim_scale(a.area_total)::text, '.', ',') || ' м² (демо)',
       row_number() OVER (PARTITION BY a.project_id ORDER BY a.rooms, a.id) - 1
FROM (
    SELECT DISTINCT ON (a.project_id, a.rooms) a.id, a.project_id, a.rooms, a.area_total
    FROM apartments a
    JOIN projects p ON p.id = a.project_id
    JOIN demo_projects dp ON dp.developer_id = p.developer_id AND dp.name = p.name
    WHERE a.status = 'available'
    ORDER BY a.project_id, a.rooms, a.id
) a;

UPDATE apartments a
SET layout_image_url = m.url
FROM project_media m
WHERE m.apartment_id = a.id AND m.kind = 'layout';

-- Акции ------------------------------------------------------------------------------------------
-- Все одобрены модератором (moderator@demo.example), чтобы покупатели сразу видели итоговые цены. Скидки в копию
-- для поиска переносит seed-demo (apply_promotion_discounts) и минутная задача акций.
INSERT INTO promotions (developer_id, name, description, kind, discount_percent, stacks, status, starts_at, ends_at,
                        conditions, moderated_by, moderated_at)
SELECT NULL, 'Скидка 5 % при покупке через платформу',
       'Бронируйте онлайн на платформе — скидка 5 % от текущей цены, суммируется с акциями застройщиков',
       'percent', 5, true, 'approved',
       date_trunc('month', now()) - interval '1 month', date_trunc('month', now()) + interval '3 months',
       '{"only_platform_booking": true}', u.id, now()
FROM users u WHERE u.email = 'moderator@demo.example';

INSERT INTO promotions (developer_id, name, description, kind, discount_percent, discount_amount, stacks, status,
                        starts_at, ends_at, conditions, moderated_by, moderated_at)
SELECT p.developer_id, promo.name, promo.description, promo.kind::promotion_kind, promo.percent, promo.amount,
       promo.stacks, 'approved', date_trunc('month', now()), date_trunc('month', now()) + interval '2 months',
       jsonb_build_object('project_ids', jsonb_build_array(p.id)) || promo.conditions::jsonb, u.id, now()
FROM (VALUES
    ('Уралмаш Сити', 'Студии больше 25 м² со скидкой 3 %', 'Скидка 3 % на студии площадью от 25 м²',
     'percent', 3, NULL::numeric, true, '{"rooms": [0], "area_min": 25}'),
    ('Коломенская Гавань', 'Первым 10 покупателям — минус 300 000 ₽',
     'Фиксированная скидка 300 000 ₽ для первых десяти броней в ЖК; суммируется со скидкой платформы',
     'fixed', NULL, 300000, true, '{"first_n_bookings": 10}')
) AS promo (project_name, name, description, kind, percent, amount, stacks, conditions)
JOIN demo_projects dp ON dp.name = promo.project_name
JOIN projects p ON p.developer_id = dp.developer_id AND p.name = dp.name
CROSS JOIN users u WHERE u.email = 'moderator@demo.example';

INSERT INTO promotion_history (promotion_id, action, actor_id, actor_role, occurred_at)
SELECT pr.id, step.action, pr.moderated_by, 'moderator', pr.moderated_at
FROM promotions pr
CROSS JOIN (VALUES ('created'::promotion_action), ('approved'::promotion_action)) AS step (action);
