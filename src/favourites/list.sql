-- Избранное покупателя: только опубликованные квартиры, новые первыми. $1 покупатель, $2 limit, $3 offset.
-- Колонки: total (сколько всего), apartment_id, code, rooms, area_total, current_price, currency, status, project_id, project_name, city, added_at
SELECT count(*) OVER () AS total, a.id AS apartment_id, a.code, a.rooms, a.area_total, a.current_price, a.currency, a.status::text AS status,
       p.id AS project_id, p.name AS project_name, p.city, f.created_at AS added_at
FROM favourites f
JOIN apartments a ON a.id = f.apartment_id
JOIN projects p ON p.id = a.project_id
WHERE f.user_id = $1 AND a.moderation_status = 'published'
ORDER BY f.created_at DESC, a.id DESC
LIMIT $2 OFFSET $3
