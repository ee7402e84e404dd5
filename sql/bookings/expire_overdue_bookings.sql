CREATE OR REPLACE FUNCTION expire_overdue_bookings(p_now timestamptz DEFAULT now())
RETURNS TABLE (booking_id bigint, apartment_id bigint)
LANGUAGE plpgsql AS $$
BEGIN
    -- Сначала квартиры (в порядке id), потом брони — тот же порядок блокировок, что у создания и отмены брони.
    PERFORM 1 FROM apartments a
    WHERE a.id IN (SELECT b.apartment_id FROM bookings b WHERE b.status = 'pending' AND b.expires_at <= p_now)
    ORDER BY a.id
    FOR UPDATE;

    RETURN QUERY
    WITH expired AS (
        UPDATE bookings b SET status = 'expired'
        WHERE b.status = 'pending' AND b.expires_at <= p_now
        RETURNING b.id, b.apartment_id
    ),
    released AS (
        UPDATE apartments a SET status = 'available'
        FROM expired e
        WHERE a.id = e.apartment_id AND a.status = 'booked'
        RETURNING a.id
    ),
    journal AS (
        INSERT INTO booking_events (booking_id, action, occurred_at)
        SELECT e.id, 'expired', p_now FROM expired e
    )
    SELECT e.id, e.apartment_id FROM expired e ORDER BY e.id;
END;
$$;
COMMENT ON FUNCTION expire_overdue_bookings(timestamptz) IS
    'Ежеминутно: неподтверждённые брони с истёкшим сроком → expired, квартиры → available, шаг в booking_events. '
    'Подтверждённые брони не истекают';
