-- Новая бронь по цене момента бронирования; квартира уже заблокирована (FOR UPDATE) и свободна, акции «первых N
-- броней», которые могут к ней относиться, — тоже (по возрастанию id).
-- $1 квартира, $2 покупатель, $3 итоговая цена, $4 срок удержания, секунд, $5 комментарий, $6 цена до скидок,
-- $7 применённые акции (jsonb-массив {id, name, amount} из promotion_discounts). Колонки: id.
-- Снимок акций — в booking_promotions; счётчик «первых N броней» растёт у применённых акций с таким условием.
WITH booking AS (
    INSERT INTO bookings (apartment_id, user_id, price, list_price, expires_at, comment)
    VALUES ($1, $2, $3, $6, now() + make_interval(secs => $4), $5)
    RETURNING id
),
held AS (
    UPDATE apartments SET status = 'booked' WHERE id = $1
),
journal AS (
    INSERT INTO booking_events (booking_id, action, actor_id, actor_role, comment)
    SELECT id, 'created', $2, 'buyer', $5 FROM booking
),
applied AS (
    INSERT INTO booking_promotions (booking_id, promotion_id, name, amount)
    SELECT b.id, (e ->> 'id')::bigint, e ->> 'name', (e ->> 'amount')::numeric
      FROM booking b CROSS JOIN jsonb_array_elements($7::jsonb) e
),
issued AS (
    UPDATE promotions SET issued_bookings = issued_bookings + 1
     WHERE conditions ? 'first_n_bookings'
       AND id IN (SELECT (e ->> 'id')::bigint FROM jsonb_array_elements($7::jsonb) e)
)
SELECT id FROM booking
