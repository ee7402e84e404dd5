-- Публичная витрина ---------------------------------------------------------------------------------------
CREATE OR REPLACE VIEW catalog_apartments AS
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
       p.geo,
       coalesce(o.final_price, a.current_price) AS final_price,
       coalesce(o.promotion_ids, '{}') AS promotion_ids
FROM apartments a
JOIN projects p ON p.id = a.project_id
JOIN developers d ON d.id = p.developer_id
LEFT JOIN catalog_offers o ON o.apartment_id = a.id
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
COMMENT ON COLUMN catalog_apartments.final_price IS
    'Итоговая цена с учётом акций (catalog_offers.final_price); у квартир не в продаже — текущая цена';
COMMENT ON COLUMN catalog_apartments.promotion_ids IS
    'Акции, которые сейчас применяются к квартире (catalog_offers.promotion_ids); у квартир не в продаже — пусто';
