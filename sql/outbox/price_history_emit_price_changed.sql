CREATE OR REPLACE FUNCTION price_history_emit_price_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox_events (topic, event_type, aggregate_id, price_history_id)
    VALUES ('price', 'price.changed', NEW.apartment_id, NEW.id);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION price_history_emit_price_changed() IS
    'Событие price.changed для строки price_history, записанной не проходом и не откатом (ручная цена застройщика, '
    'выгрузка цен): те пишут свои события сами одним оператором';

CREATE OR REPLACE TRIGGER price_history_emit_price_changed AFTER INSERT ON price_history
    FOR EACH ROW
    WHEN (current_setting('pricing.copies_synced_by_pass', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION price_history_emit_price_changed();
COMMENT ON TRIGGER price_history_emit_price_changed ON price_history IS
    'price.changed в outbox для ручных изменений цены; строки прохода и отката пропускает (флаг '
    'pricing.copies_synced_by_pass): их события пишет сам оператор прохода, без построчного триггера';
