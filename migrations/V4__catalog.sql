-- V4: каталог, поиск и карта (issue 5).
--   project_media           — фото, видео, 3D-тур и планировки квартир ЖК (ссылки с видом и порядком);
--   apartments_check_floor  — этаж квартиры не выше этажности корпуса (и корпус нельзя сделать ниже его квартир);
--   catalog_apartments      — публичная витрина: квартиры, у которых опубликованы и они сами, и ЖК, и застройщик;
--   индексы фильтров каталога.
-- Решение по фильтру цены (замеры — README, «📊 Производительность»): индекса по apartments.current_price нет и здесь.
-- У apartments больше десятка индексов: изменение цены, попавшей в любой из них, перестало бы быть HOT и вставляло
-- бы запись в каждый. Цена ищется по узкой копии apartment_stats (её уже ведут триггеры V2 для ценообразования):
-- индекс apartment_stats_on_sale_price_idx (ЖК, цена) INCLUDE (комнатность, id) только по квартирам в продаже.
-- HOT теряют лишь обновления, меняющие цену (их в минуту — доли процента каталога; поминутный пересчёт просмотров
-- цену не трогает и остаётся HOT), и стоят они одну лишнюю запись в индекс узкой таблицы, а не во все индексы
-- apartments. Каталог по квартирам «в продаже» без фильтров площади/этажа/корпуса и карта читают только этот индекс
-- и маленькую projects: счёт total и первая страница по цене не заходят в строки apartments.

CREATE TYPE media_kind AS ENUM ('photo', 'video', 'tour_3d', 'layout');
COMMENT ON TYPE media_kind IS 'Вид медиа ЖК: фото, видео, 3D-тур (Avalin), планировка квартиры';

CREATE TABLE project_media (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT project_media_pkey PRIMARY KEY,
    project_id   bigint      NOT NULL CONSTRAINT project_media_project_id_fkey REFERENCES projects (id) ON DELETE CASCADE,
    apartment_id bigint      CONSTRAINT project_media_apartment_id_fkey REFERENCES apartments (id) ON DELETE CASCADE,
    kind         media_kind  NOT NULL,
    url          text        NOT NULL CONSTRAINT project_media_url_check CHECK (url ~ '^https?://\S+$' AND length(url) <= 2000),
    title        text        CONSTRAINT project_media_title_check CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    position     smallint    NOT NULL CONSTRAINT project_media_position_check CHECK (position BETWEEN 0 AND 999),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT project_media_layout_check CHECK ((kind = 'layout') = (apartment_id IS NOT NULL)),
    CONSTRAINT project_media_position_key UNIQUE (project_id, kind, position)
);
CREATE INDEX project_media_apartment_id_idx ON project_media (apartment_id) WHERE apartment_id IS NOT NULL;
COMMENT ON TABLE project_media IS 'Медиа карточки ЖК: фото, видео, 3D-тур и планировки квартир; хранятся ссылки, порядок — position';
COMMENT ON COLUMN project_media.id IS 'Идентификатор медиа';
COMMENT ON COLUMN project_media.project_id IS 'ЖК (индекс — project_media_position_key, он начинается с project_id)';
COMMENT ON COLUMN project_media.apartment_id IS 'Квартира, если это её планировка (только для kind = layout)';
COMMENT ON COLUMN project_media.kind IS 'Вид: photo, video, tour_3d (Avalin), layout';
COMMENT ON COLUMN project_media.url IS 'Ссылка http(s)';
COMMENT ON COLUMN project_media.title IS 'Подпись';
COMMENT ON COLUMN project_media.position IS 'Порядок показа внутри вида, от 0';
COMMENT ON COLUMN project_media.created_at IS 'Когда добавлено';

-- Этаж в пределах корпуса ------------------------------------------------------------------------------
-- Триггер срабатывает только когда меняются этаж или корпус: проход ценообразования (SET current_price) его не вызывает.
CREATE FUNCTION apartments_check_floor() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_floors integer;
BEGIN
    SELECT b.floors INTO v_floors FROM buildings b WHERE b.id = NEW.building_id;
    IF NEW.floor > v_floors THEN
        RAISE EXCEPTION 'floor % is above the building''s % floors', NEW.floor, v_floors
            USING ERRCODE = 'check_violation', TABLE = 'apartments', COLUMN = 'floor',
                  CONSTRAINT = 'apartments_floor_within_building_check';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION apartments_check_floor() IS
    'Этаж квартиры не выше этажности корпуса; нарушение — check_violation apartments_floor_within_building_check (поле floor)';
CREATE TRIGGER apartments_check_floor BEFORE INSERT OR UPDATE OF floor, building_id ON apartments
    FOR EACH ROW EXECUTE FUNCTION apartments_check_floor();

CREATE FUNCTION buildings_check_floors() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM apartments a WHERE a.building_id = NEW.id AND a.floor > NEW.floors) THEN
        RAISE EXCEPTION 'building % has apartments above floor %', NEW.id, NEW.floors
            USING ERRCODE = 'check_violation', TABLE = 'buildings', COLUMN = 'floors',
                  CONSTRAINT = 'buildings_floors_above_apartments_check';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION buildings_check_floors() IS
    'Этажность корпуса нельзя сделать ниже этажа его квартир; нарушение — check_violation buildings_floors_above_apartments_check (поле floors)';
CREATE TRIGGER buildings_check_floors BEFORE UPDATE OF floors ON buildings
    FOR EACH ROW EXECUTE FUNCTION buildings_check_floors();

-- Индексы фильтров каталога ----------------------------------------------------------------------------
-- Ни один не содержит current_price: проход ценообразования остаётся HOT.
-- Публичный поиск всегда ограничен опубликованными квартирами: частичный индекс с ЖК первым ключом отвечает на
-- «квартиры этих ЖК с такой комнатностью и статусом»; площадь и этаж — отдельные индексы для широких запросов.
CREATE INDEX apartments_published_search_idx ON apartments (project_id, rooms, status)
    WHERE moderation_status = 'published';
CREATE INDEX apartments_floor_idx ON apartments (floor);
CREATE INDEX apartment_stats_on_sale_price_idx ON apartment_stats (project_id, current_price) INCLUDE (rooms, apartment_id)
    WHERE on_sale;
-- Кабинет застройщика и модерация: квартиры корпуса по артикулу (bulk) уже покрыты apartments_project_code_key.
CREATE INDEX projects_published_idx ON projects (developer_id, commissioning_date)
    WHERE moderation_status = 'published';
CREATE INDEX developers_published_idx ON developers (id) WHERE moderation_status = 'published';
-- Карта: окно bbox в градусах WGS 84 — это прямоугольник на плоскости lon/lat, а не на сфере; индекс по
-- геометрии отвечает на «точки в окне» точно (у geography ребро окна шло бы по дуге большого круга).
CREATE INDEX projects_geom_idx ON projects USING gist ((geo::geometry));
CREATE INDEX buildings_commissioning_idx ON buildings (commissioning_year, commissioning_quarter);

-- Публичная витрина ---------------------------------------------------------------------------------------
CREATE VIEW catalog_apartments AS
SELECT a.id,
       a.building_id,
       a.project_id,
       p.developer_id,
       a.code,
       a.floor,
       a.rooms,
       a.area_total,
       a.area_living,
       a.area_kitchen,
       a.ceiling_height,
       a.balcony,
       a.layout_image_url,
       a.tour_url,
       a.base_price,
       a.current_price,
       round(a.current_price / a.area_total, 2) AS price_per_m2,
       a.currency,
       a.status,
       a.published_at,
       a.price_changed_at,
       p.region_code,
       p.city,
       p.class,
       p.commissioning_date,
       p.geo
FROM apartments a
JOIN projects p ON p.id = a.project_id
JOIN developers d ON d.id = p.developer_id
WHERE a.moderation_status = 'published'
  AND p.moderation_status = 'published'
  AND d.moderation_status = 'published';
COMMENT ON VIEW catalog_apartments IS
    'Публичная витрина: квартиры, опубликованные вместе со своим ЖК и застройщиком (только их видит GET /apartments)';
COMMENT ON COLUMN catalog_apartments.id IS 'Квартира';
COMMENT ON COLUMN catalog_apartments.building_id IS 'Корпус';
COMMENT ON COLUMN catalog_apartments.project_id IS 'ЖК';
COMMENT ON COLUMN catalog_apartments.developer_id IS 'Застройщик';
COMMENT ON COLUMN catalog_apartments.code IS 'Артикул застройщика';
COMMENT ON COLUMN catalog_apartments.floor IS 'Этаж';
COMMENT ON COLUMN catalog_apartments.rooms IS 'Комнат, 0 — студия';
COMMENT ON COLUMN catalog_apartments.area_total IS 'Общая площадь, м²';
COMMENT ON COLUMN catalog_apartments.area_living IS 'Жилая площадь, м²';
COMMENT ON COLUMN catalog_apartments.area_kitchen IS 'Кухня, м²';
COMMENT ON COLUMN catalog_apartments.ceiling_height IS 'Высота потолков, м';
COMMENT ON COLUMN catalog_apartments.balcony IS 'Балкон или лоджия';
COMMENT ON COLUMN catalog_apartments.layout_image_url IS 'Планировка';
COMMENT ON COLUMN catalog_apartments.tour_url IS '3D-тур';
COMMENT ON COLUMN catalog_apartments.base_price IS 'Базовая цена';
COMMENT ON COLUMN catalog_apartments.current_price IS 'Текущая цена';
COMMENT ON COLUMN catalog_apartments.price_per_m2 IS 'Текущая цена за м², округлена до копеек';
COMMENT ON COLUMN catalog_apartments.currency IS 'Валюта';
COMMENT ON COLUMN catalog_apartments.status IS 'Статус продажи';
COMMENT ON COLUMN catalog_apartments.published_at IS 'Первая публикация квартиры';
COMMENT ON COLUMN catalog_apartments.price_changed_at IS 'Последнее изменение цены';
COMMENT ON COLUMN catalog_apartments.region_code IS 'Регион ЖК (ISO 3166-2)';
COMMENT ON COLUMN catalog_apartments.city IS 'Город ЖК';
COMMENT ON COLUMN catalog_apartments.class IS 'Класс жилья';
COMMENT ON COLUMN catalog_apartments.commissioning_date IS 'Плановая сдача ЖК';
COMMENT ON COLUMN catalog_apartments.geo IS 'Точка ЖК на карте';

CREATE FUNCTION popularity_24h(p_views integer, p_leads integer, p_bookings integer) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 0.5 * coalesce(p_views, 0) + 2 * coalesce(p_leads, 0) + 5 * coalesce(p_bookings, 0);
COMMENT ON FUNCTION popularity_24h(integer, integer, integer) IS
    'Популярность для сортировки каталога: спрос за 24 ч с весами по умолчанию (0,5·просмотры + 2·заявки + 5·брони)';
