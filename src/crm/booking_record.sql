-- Бронь $1 для CRM: цена брони, покупатель (имя и email аккаунта). Столбцы: title, price, name, email, comment,
-- crm_external_id.
SELECT format('Бронь №%s: квартира %s, %s', b.id, a.code, p.name) AS title,
       b.price::text AS price, u.display_name AS name, u.email, b.comment, b.crm_external_id
FROM bookings b
JOIN apartments a ON a.id = b.apartment_id
JOIN projects p ON p.id = a.project_id
JOIN users u ON u.id = b.user_id
WHERE b.id = $1
