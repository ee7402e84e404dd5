-- Заявка на звонок по опубликованной квартире; от одного зрителя по квартире — не чаще раза в сутки.
-- Вызывающий уже взял pg_advisory_xact_lock на пару «зритель × квартира», поэтому проверка и вставка не гонятся.
-- $1 квартира, $2 пользователь, $3 visitor_id, $4 имя, $5 телефон, $6 комментарий, $7 зритель (u:… или v:…).
-- Колонки: id, apartment_id, name, phone, comment, created_at, repeated (true — заявка за сутки уже есть, новой нет);
-- нет строки — квартиры нет или она не опубликована.
WITH apartment AS (
    SELECT a.id FROM apartments a WHERE a.id = $1 AND a.moderation_status = 'published'
),
recent AS (
    SELECT l.id FROM leads l
    WHERE l.apartment_id = $1 AND l.created_at > now() - interval '24 hours'
      AND l.viewer = $7
    LIMIT 1
),
inserted AS (
    INSERT INTO leads (apartment_id, user_id, visitor_id, name, phone, comment)
    SELECT a.id, $2, $3, $4, $5, $6 FROM apartment a WHERE NOT EXISTS (SELECT 1 FROM recent)
    RETURNING id, apartment_id, name, phone, comment, created_at
)
SELECT i.*, false AS repeated FROM inserted i
UNION ALL
SELECT NULL, a.id, NULL, NULL, NULL, NULL, true FROM apartment a WHERE EXISTS (SELECT 1 FROM recent)
