CREATE OR REPLACE FUNCTION outbox_events_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox_events', '');
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION outbox_events_notify() IS
    'Будит ретранслятор (LISTEN outbox_events) при фиксации транзакции, записавшей события; одно уведомление на '
    'оператор, PostgreSQL сливает одинаковые в одно на транзакцию';

CREATE OR REPLACE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_events_notify();
COMMENT ON TRIGGER outbox_events_notify ON outbox_events IS
    'NOTIFY outbox_events после вставки событий; доставляется только после COMMIT, откат не будит никого';
