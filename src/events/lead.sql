-- Заявка на звонок по опубликованной квартире. $1 квартира, $2 пользователь, $3 visitor_id, $4 имя, $5 телефон, $6 комментарий.
-- Колонки: id, apartment_id, name, phone, comment, created_at; нет строки — квартиры нет или она не опубликована.
INSERT INTO leads (apartment_id, user_id, visitor_id, name, phone, comment)
SELECT a.id, $2, $3, $4, $5, $6
FROM apartments a
WHERE a.id = $1 AND a.moderation_status = 'published'
RETURNING id, apartment_id, name, phone, comment, created_at
