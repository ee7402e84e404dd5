CREATE OR REPLACE FUNCTION apartments_track_booking() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE $sql$
        UPDATE apartments a
        SET last_booked_at = latest.booked_at
        FROM inserted_bookings latest
        WHERE a.id = latest.apartment_id
          AND NOT EXISTS (SELECT 1 FROM inserted_bookings later
                          WHERE later.apartment_id = latest.apartment_id AND later.booked_at > latest.booked_at)
          AND (a.last_booked_at IS NULL OR a.last_booked_at < latest.booked_at)
    $sql$;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_track_booking() IS 'Переносит max(booked_at) новых броней в apartments.last_booked_at (одним UPDATE на оператор)';

CREATE OR REPLACE TRIGGER bookings_track_booking AFTER INSERT ON bookings
    REFERENCING NEW TABLE AS inserted_bookings
    FOR EACH STATEMENT EXECUTE FUNCTION apartments_track_booking();
