-- Бронь с квартирой, ЖК, застройщиком и историей шагов; условие и порядок дописывает вызывающий код.
-- Колонки: id, apartment_id, apartment_code, project_id, developer_id, user_id, status, price, currency, booked_at,
--          expires_at, comment, history (jsonb-массив шагов: action, actor_id, actor_role, comment, occurred_at),
--          list_price, promotions (jsonb-массив снимка акций брони: id, name, amount — строкой, как деньги)
SELECT b.id, b.apartment_id, a.code AS apartment_code, a.project_id, p.developer_id, b.user_id, b.status::text AS status,
       b.price, b.list_price, a.currency, b.booked_at, b.expires_at, b.comment,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', bp.promotion_id, 'name', bp.name,
                                                     'amount', bp.amount::text) ORDER BY bp.amount DESC, bp.promotion_id)
                 FROM booking_promotions bp WHERE bp.booking_id = b.id), '[]'::jsonb) AS promotions,
       coalesce((SELECT jsonb_agg(jsonb_build_object('action', e.action, 'actor_id', e.actor_id,
                                                     'actor_role', e.actor_role, 'comment', e.comment,
                                                     'occurred_at', e.occurred_at) ORDER BY e.occurred_at, e.id)
                 FROM booking_events e WHERE e.booking_id = b.id), '[]'::jsonb) AS history
FROM bookings b
JOIN apartments a ON a.id = b.apartment_id
JOIN projects p ON p.id = a.project_id
