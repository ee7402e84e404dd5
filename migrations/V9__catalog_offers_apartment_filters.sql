-- Квартирные фильтры поиска на узкой копии «в продаже».
--
-- Поиск с площадью, этажом, кухней, балконом, «не последний этаж», ценой за м² или корпусом шёл по витрине
-- catalog_apartments: все подходящие квартиры города читались из широкой apartments (по строке таблицы на квартиру,
-- вразброс), считались и сортировались. На 1 млн квартир город — до 200 тыс. квартир, и такой запрос стоил сотни
-- миллисекунд; ИИ-подбор шлёт его почти на каждое уточнение («от 60 метров», «не первый этаж»).
--
-- Копия получает поля квартиры, по которым фильтрует поиск, и индекс «ЖК, комнатность, цена» с этими полями в
-- INCLUDE: страница и total квартир в продаже с любыми квартирными фильтрами читаются одним сканированием индекса
-- по ЖК города (index-only: в catalog_offers нет поминутно меняющихся счётчиков, страницы остаются «все видимы»).
-- «Не последний этаж» сравнивает этаж копии с этажностью корпуса (buildings — небольшая таблица).
--
-- Поля ведёт sync_apartment_copies (sql/catalog/apartment_copies.sql): триггер apartments_sync_copies срабатывает и на
-- их изменение. Проход цен и откат меняют только цену, эти поля не трогают.

ALTER TABLE catalog_offers
    ADD COLUMN building_id  bigint,
    ADD COLUMN floor        integer,
    ADD COLUMN area_total   numeric(8, 2),
    ADD COLUMN area_kitchen numeric(8, 2),
    ADD COLUMN balcony      boolean;

UPDATE catalog_offers o
   SET building_id = a.building_id, floor = a.floor, area_total = a.area_total, area_kitchen = a.area_kitchen,
       balcony = a.balcony
  FROM apartments a
 WHERE a.id = o.apartment_id;

ALTER TABLE catalog_offers
    ALTER COLUMN building_id SET NOT NULL,
    ALTER COLUMN floor SET NOT NULL,
    ALTER COLUMN area_total SET NOT NULL,
    ALTER COLUMN balcony SET NOT NULL;

COMMENT ON COLUMN catalog_offers.building_id IS 'Копия apartments.building_id (корпус)';
COMMENT ON COLUMN catalog_offers.floor IS 'Копия apartments.floor (этаж)';
COMMENT ON COLUMN catalog_offers.area_total IS 'Копия apartments.area_total (общая площадь, м²)';
COMMENT ON COLUMN catalog_offers.area_kitchen IS 'Копия apartments.area_kitchen (кухня, м²; пусто — не указана)';
COMMENT ON COLUMN catalog_offers.balcony IS 'Копия apartments.balcony (балкон или лоджия)';

CREATE INDEX catalog_offers_project_rooms_price_idx
    ON catalog_offers (project_id, rooms, current_price)
    INCLUDE (apartment_id, area_total, floor, area_kitchen, balcony, building_id);
COMMENT ON INDEX catalog_offers_project_rooms_price_idx IS
    'Поиск квартир в продаже по ЖК (город, класс, срок сдачи — условия ЖК) с комнатностью, ценой и квартирными '
    'фильтрами (площадь, этаж, кухня, балкон, корпус): страница и total — одно сканирование индекса без чтения таблицы';

COMMENT ON TABLE catalog_offers IS
    'Квартиры в продаже (status = available, moderation_status = published, как apartment_stats.on_sale) с регионом ЖК '
    'и полями квартиры, по которым фильтрует поиск, — узкая копия для поиска в порядке цены и подсчёта total; без '
    'счётчиков спроса, поэтому страницы остаются «все видимы». Ведут sync_apartment_copies (вставка и изменение '
    'квартиры), catalog_offers_deleted (удаление), projects_sync_region_to_offers (регион ЖК), проход и откат (цена). '
    'Опубликованность ЖК и застройщика проверяет запрос';
