CREATE OR REPLACE FUNCTION apartments_track_price_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE apartments a
       SET price_changed_at = NEW.changed_at
     WHERE a.id = NEW.apartment_id
       AND (a.price_changed_at IS NULL OR a.price_changed_at < NEW.changed_at);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_track_price_change() IS
    'Переносит changed_at новой строки price_history в apartments.price_changed_at, если оно позже (построчно); '
    'проход и откат ставят это поле сами';

CREATE OR REPLACE TRIGGER price_history_track_price_change AFTER INSERT ON price_history
    FOR EACH ROW
    WHEN (current_setting('pricing.copies_synced_by_pass', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION apartments_track_price_change();
COMMENT ON TRIGGER price_history_track_price_change ON price_history IS
    'apartments.price_changed_at = max(changed_at) истории квартиры (пауза после изменения цены); строки прохода и '
    'отката не ставятся в очередь';
