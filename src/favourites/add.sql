-- Добавить опубликованную квартиру в избранное. $1 покупатель, $2 квартира.
-- Колонки: created_at, added (true — добавлена этим запросом); нет строки — квартиры нет или она не опубликована.
-- ON CONFLICT DO UPDATE (а не DO NOTHING) возвращает строку и тогда, когда её только что вставил параллельный
-- запрос: снимок оператора её ещё не видит, и DO NOTHING + SELECT дали бы пустую дату. xmax = 0 — строка новая.
INSERT INTO favourites AS f (user_id, apartment_id)
SELECT $1, a.id FROM apartments a WHERE a.id = $2 AND a.moderation_status = 'published'
ON CONFLICT (user_id, apartment_id) DO UPDATE SET created_at = f.created_at
RETURNING f.created_at, f.xmax = 0 AS added
