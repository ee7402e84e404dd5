CREATE OR REPLACE FUNCTION booking_events_emit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_event_ids bigint[];
BEGIN
    WITH emitted AS (
        INSERT INTO outbox_events (topic, event_type, aggregate_id, payload)
        SELECT 'booking', 'booking.' || e.action, e.booking_id,
               jsonb_build_object(
                   'booking_id', b.id,
                   'apartment_id', b.apartment_id,
                   'project_id', a.project_id,
                   'developer_id', p.developer_id,
                   'buyer_id', b.user_id,
                   'action', e.action,
                   'status', b.status,
                   'price', b.price::text,
                   'expires_at', b.expires_at,
                   'occurred_at', e.occurred_at)
          FROM inserted_booking_events e
          JOIN bookings b ON b.id = e.booking_id
          JOIN apartments a ON a.id = b.apartment_id
          JOIN projects p ON p.id = a.project_id
         ORDER BY e.id
        RETURNING id
    )
    SELECT array_agg(emitted.id) INTO v_event_ids FROM emitted;
    PERFORM enqueue_crm_deliveries(v_event_ids);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION booking_events_emit() IS
    'События booking.created|confirmed|cancelled|expired|sold — по одному на новую строку истории брони booking_events, '
    'одним оператором на вставку, и их доставка в CRM застройщика (enqueue_crm_deliveries)';

CREATE OR REPLACE TRIGGER booking_events_emit AFTER INSERT ON booking_events
    REFERENCING NEW TABLE AS inserted_booking_events
    FOR EACH STATEMENT EXECUTE FUNCTION booking_events_emit();
COMMENT ON TRIGGER booking_events_emit ON booking_events IS
    'Каждый шаг брони (его пишут создание, подтверждение, отмена, истечение, продажа) — событие в outbox в той же транзакции';
