-- Выгрузка квартир застройщиком, шаг 2: одна вставка с ON CONFLICT по артикулу в ЖК (apartments_project_code_key).
-- Новые квартиры сразу уходят на проверку (pending_review). У существующих текущая цена здесь не меняется — это
-- делает шаг 3 с записью в историю цен; изменение описания опубликованной квартиры возвращает её на проверку,
-- цена и статус продажи — нет. Строки уже проверены кодом (корпус своей компании, этаж, площади, дубликаты).
-- $1 jsonb — массив квартир (поля как в BulkApartment плюс project_id)
-- Выход: id, project_id, code, inserted — создана (true) или изменена
INSERT INTO apartments AS a (building_id, code, floor, rooms, area_total, area_living, area_kitchen, ceiling_height,
                             balcony, layout_image_url, tour_url, base_price, current_price, status, moderation_status)
SELECT r.building_id, r.code, r.floor, r.rooms, r.area_total, r.area_living, r.area_kitchen, r.ceiling_height,
       r.balcony, r.layout_image_url, r.tour_url, r.base_price, r.current_price, r.status::apartment_status,
       'pending_review'
  FROM jsonb_to_recordset($1::jsonb) AS r(building_id bigint, code text, floor integer, rooms smallint,
                                          area_total numeric, area_living numeric, area_kitchen numeric,
                                          ceiling_height numeric, balcony boolean, layout_image_url text,
                                          tour_url text, base_price numeric, current_price numeric, status text)
ON CONFLICT ON CONSTRAINT apartments_project_code_key DO UPDATE
   SET building_id       = EXCLUDED.building_id,
       floor             = EXCLUDED.floor,
       rooms             = EXCLUDED.rooms,
       area_total        = EXCLUDED.area_total,
       area_living       = EXCLUDED.area_living,
       area_kitchen      = EXCLUDED.area_kitchen,
       ceiling_height    = EXCLUDED.ceiling_height,
       balcony           = EXCLUDED.balcony,
       layout_image_url  = EXCLUDED.layout_image_url,
       tour_url          = EXCLUDED.tour_url,
       base_price        = EXCLUDED.base_price,
       status            = EXCLUDED.status,
       moderation_status = CASE
           WHEN a.moderation_status = 'published'
                AND (a.building_id, a.floor, a.rooms, a.area_total, a.area_living, a.area_kitchen, a.ceiling_height,
                     a.balcony, a.layout_image_url, a.tour_url)
                    IS DISTINCT FROM
                    (EXCLUDED.building_id, EXCLUDED.floor, EXCLUDED.rooms, EXCLUDED.area_total, EXCLUDED.area_living,
                     EXCLUDED.area_kitchen, EXCLUDED.ceiling_height, EXCLUDED.balcony, EXCLUDED.layout_image_url,
                     EXCLUDED.tour_url)
           THEN 'pending_review'::moderation_status
           ELSE a.moderation_status
       END
RETURNING a.id, a.project_id, a.code, (a.xmax = 0) AS inserted
