-- Город и квартирные фильтры поиска на узкой копии «в продаже».
--
-- Поиск по городу шёл по apartment_stats через ЖК города: чтобы отдать 40 самых дешёвых двушек Москвы (500 ЖК на
-- 1 млн квартир), он читал все подходящие квартиры города (десятки тысяч, на деле — параллельный seq scan всей
-- таблицы) и сортировал их: сотни миллисекунд. С площадью, этажом, кухней, балконом, «не последний этаж», ценой за м²
-- или корпусом — ещё дороже, по витрине catalog_apartments и широкой apartments. ИИ-подбор шлёт такие запросы почти
-- на каждое сообщение («двушка в Казани до 12 млн», «от 60 метров», «не первый этаж»).
--
-- Копия получает город ЖК (city_key = lower(projects.city), как его сравнивает фильтр city) и поля квартиры, по
-- которым фильтрует поиск, а индекс (город, комнатность, цена, id) с этими полями в INCLUDE отдаёт страницу по
-- порядку цены — чтение нескольких десятков записей индекса — и total одним сканированием индекса без чтения таблицы (в
-- catalog_offers нет поминутно меняющихся счётчиков, страницы остаются «все видимы»). «Не последний этаж»
-- сравнивает этаж копии с этажностью корпуса (buildings — небольшая таблица).
--
-- Поля квартиры ведёт sync_apartment_copies (sql/catalog/apartment_copies.sql): триггер apartments_sync_copies
-- срабатывает и на их изменение; город и регион — projects_sync_place_to_offers (прежний
-- projects_sync_region_to_offers переносил только регион и удаляется здесь). Проход цен и откат меняют только цену.
-- Цена первого прохода: ещё одна запись индекса на каждое изменение цены (обновления catalog_offers и так не HOT:
-- цена и итоговая цена уже в индексах, поэтому итоговая цена и акции в INCLUDE не отнимают HOT и у задачи акций).

DROP TRIGGER IF EXISTS projects_sync_region_to_offers ON projects;
DROP FUNCTION IF EXISTS projects_sync_region_to_offers();

ALTER TABLE catalog_offers
    ADD COLUMN city_key     text,
    ADD COLUMN building_id  bigint,
    ADD COLUMN floor        integer,
    ADD COLUMN area_total   numeric(8, 2),
    ADD COLUMN area_kitchen numeric(8, 2),
    ADD COLUMN balcony      boolean;

UPDATE catalog_offers o
   SET city_key = lower(p.city), building_id = a.building_id, floor = a.floor, area_total = a.area_total,
       area_kitchen = a.area_kitchen, balcony = a.balcony
  FROM apartments a
  JOIN projects p ON p.id = a.project_id
 WHERE a.id = o.apartment_id;

ALTER TABLE catalog_offers
    ALTER COLUMN city_key SET NOT NULL,
    ALTER COLUMN building_id SET NOT NULL,
    ALTER COLUMN floor SET NOT NULL,
    ALTER COLUMN area_total SET NOT NULL,
    ALTER COLUMN balcony SET NOT NULL;

COMMENT ON COLUMN catalog_offers.city_key IS 'Город ЖК в нижнем регистре (lower(projects.city)) — ключ фильтра city';
COMMENT ON COLUMN catalog_offers.building_id IS 'Копия apartments.building_id (корпус)';
COMMENT ON COLUMN catalog_offers.floor IS 'Копия apartments.floor (этаж)';
COMMENT ON COLUMN catalog_offers.area_total IS 'Копия apartments.area_total (общая площадь, м²)';
COMMENT ON COLUMN catalog_offers.area_kitchen IS 'Копия apartments.area_kitchen (кухня, м²; пусто — не указана)';
COMMENT ON COLUMN catalog_offers.balcony IS 'Копия apartments.balcony (балкон или лоджия)';

CREATE INDEX catalog_offers_city_rooms_price_idx
    ON catalog_offers (city_key, rooms, current_price, apartment_id)
    INCLUDE (project_id, area_total, floor, area_kitchen, balcony, building_id, final_price, promotion_ids);
COMMENT ON INDEX catalog_offers_city_rooms_price_idx IS
    'Поиск квартир в продаже по городу и комнатности в порядке цены с квартирными фильтрами (площадь, этаж, кухня, '
    'балкон, корпус), итоговой ценой и акциями: страница — чтение записей индекса по порядку, total — сканирование '
    'индекса без чтения таблицы';

COMMENT ON TABLE catalog_offers IS
    'Квартиры в продаже (status = available, moderation_status = published, как apartment_stats.on_sale) с регионом и '
    'городом ЖК и полями квартиры, по которым фильтрует поиск, — узкая копия для поиска в порядке цены и подсчёта '
    'total; без счётчиков спроса, поэтому страницы остаются «все видимы». Ведут sync_apartment_copies (вставка и '
    'изменение квартиры), catalog_offers_deleted (удаление), projects_sync_place_to_offers (регион и город ЖК), проход '
    'и откат (цена). Опубликованность ЖК и застройщика проверяет запрос';
