-- Новая бронь по цене момента бронирования; квартира уже заблокирована (FOR UPDATE) и свободна.
-- $1 квартира, $2 покупатель, $3 цена, $4 срок удержания, секунд, $5 комментарий. Колонки: id.
WITH booking AS (
    INSERT INTO bookings (apartment_id, user_id, price, expires_at, comment)
    VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5)
    RETURNING id
),
held AS (
    UPDATE apartments SET status = 'booked' WHERE id = $1
),
journal AS (
    INSERT INTO booking_events (booking_id, action, actor_id, actor_role, comment)
    SELECT id, 'created', $2, 'buyer', $5 FROM booking
)
SELECT id FROM booking
