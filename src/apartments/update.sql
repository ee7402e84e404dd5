-- Изменение квартиры, кроме текущей цены (её меняет set_price.sql с записью в историю цен).
-- Строка уже заблокирована в этой же транзакции. Изменение описания опубликованной квартиры сотрудником
-- застройщика возвращает её на проверку ($14); цена и статус продажи применяются сразу.
-- $1 id, $2 code, $3 floor, $4 rooms, $5 area_total, $6 area_living, $7 area_kitchen, $8 ceiling_height,
-- $9 balcony, $10 layout_image_url, $11 tour_url, $12 base_price, $13 status, $14 вернуть на проверку, $15 автор
-- Выход: id
WITH updated AS (
    UPDATE apartments
       SET code = $2, floor = $3, rooms = $4, area_total = $5, area_living = $6, area_kitchen = $7,
           ceiling_height = $8, balcony = $9, layout_image_url = $10, tour_url = $11, base_price = $12,
           status = $13::text::apartment_status,
           moderation_status = CASE WHEN $14 AND moderation_status = 'published'
                                    THEN 'pending_review' ELSE moderation_status END
     WHERE id = $1
    RETURNING id, moderation_status
), audit AS (
    INSERT INTO audit_log (actor_user_id, action, entity, entity_id, details)
    SELECT $15, 'apartment.update', 'apartment', id,
           jsonb_build_object('status', $13::text, 'base_price', $12::numeric, 'back_to_review', $14::boolean)
      FROM updated
)
SELECT id FROM updated
