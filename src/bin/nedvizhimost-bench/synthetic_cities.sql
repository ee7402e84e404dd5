-- Бенчмарк api: разносит ЖК синтетического каталога (synthetic_catalog.sql кладёт все в Москву) по 15 городам
-- России, чтобы поиск по городу и карта страны работали на правдоподобном распределении: каждый пятый ЖК — в Москве
-- (~20 % квартир), остальные поровну по 14 городам; точка ЖК — в пределах ~20 км от центра города; площади и цены
-- квартир получают разброс, у квартир появляются кухня и балкон. Детерминировано (setseed).
SELECT setseed(0.7);
WITH cities (n, city, region, lon, lat) AS (
    VALUES (0, 'Москва', 'RU-MOW', 37.62, 55.75), (1, 'Санкт-Петербург', 'RU-SPE', 30.31, 59.94),
           (2, 'Новосибирск', 'RU-NVS', 82.92, 55.03), (3, 'Екатеринбург', 'RU-SVE', 60.60, 56.84),
           (4, 'Казань', 'RU-TA', 49.12, 55.79), (5, 'Нижний Новгород', 'RU-NIZ', 44.00, 56.33),
           (6, 'Краснодар', 'RU-KDA', 38.98, 45.04), (7, 'Самара', 'RU-SAM', 50.10, 53.20),
           (8, 'Ростов-на-Дону', 'RU-ROS', 39.72, 47.22), (9, 'Уфа', 'RU-BA', 55.97, 54.73),
           (10, 'Красноярск', 'RU-KYA', 92.87, 56.01), (11, 'Воронеж', 'RU-VOR', 39.20, 51.66),
           (12, 'Пермь', 'RU-PER', 56.25, 58.01), (13, 'Тюмень', 'RU-TYU', 65.53, 57.15),
           (14, 'Владивосток', 'RU-PRI', 131.89, 43.12)
)
UPDATE projects p
   SET city = c.city,
       region_code = c.region,
       geo = ST_SetSRID(ST_MakePoint(c.lon + (random() - 0.5) * 0.6, c.lat + (random() - 0.5) * 0.35), 4326)::geography
  FROM cities c
 WHERE c.n = CASE WHEN p.id % 5 = 0 THEN 0 ELSE 1 + p.id % 14 END;
ANALYZE projects;

-- synthetic_catalog.sql даёт всем квартирам одну цену и площадь по комнатности, без кухни и балкона: для поиска по
-- цене и фильтров ИИ-подбора («кухня не меньше 12», «с балконом») нужен разброс. Площадь — от комнатности ± 12 м²,
-- цена — площадь × 120–300 тыс. ₽ за м², кухня — у студий нет (кухня-гостиная), у однокомнатных 7–13 м², у больших
-- на 2,5 м² больше на каждую следующую комнату; балкон — у 60 % квартир.
UPDATE apartments a
   SET area_total = v.area, base_price = v.price, current_price = v.price, area_kitchen = v.kitchen,
       balcony = v.balcony
  FROM (SELECT id, area, round(area * (120000 + random() * 180000)::numeric, -3) AS price,
               CASE WHEN rooms > 0 THEN round((4.5 + rooms * 2.5 + random() * 6)::numeric, 1) END AS kitchen,
               random() < 0.6 AS balcony
          FROM (SELECT id, rooms, round((22 + rooms * 18 + random() * 12)::numeric, 2) AS area FROM apartments) sized) v
 WHERE v.id = a.id;
