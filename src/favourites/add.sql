-- Добавить опубликованную квартиру в избранное. $1 покупатель, $2 квартира.
-- Колонки: created_at, added (true — добавлена этим запросом); нет строки — квартиры нет или она не опубликована.
WITH apartment AS (
    SELECT a.id FROM apartments a WHERE a.id = $2 AND a.moderation_status = 'published'
),
inserted AS (
    INSERT INTO favourites (user_id, apartment_id)
    SELECT $1, a.id FROM apartment a
    ON CONFLICT (user_id, apartment_id) DO NOTHING
    RETURNING created_at
)
SELECT coalesce(i.created_at, f.created_at) AS created_at, i.created_at IS NOT NULL AS added
FROM apartment a
LEFT JOIN inserted i ON true
LEFT JOIN favourites f ON f.user_id = $1 AND f.apartment_id = a.id
