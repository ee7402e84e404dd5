CREATE OR REPLACE FUNCTION price_history_check_references() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM apartments a WHERE a.id = NEW.apartment_id) THEN
        RAISE EXCEPTION 'insert on table "price_history" violates foreign key constraint "price_history_apartment_id_fkey"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'price_history_apartment_id_fkey', TABLE = 'price_history',
                  DETAIL = format('Key (apartment_id)=(%s) is not present in table "apartments".', NEW.apartment_id);
    END IF;
    IF NEW.pricing_run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pricing_runs r WHERE r.id = NEW.pricing_run_id) THEN
        RAISE EXCEPTION 'insert on table "price_history" violates foreign key constraint "price_history_pricing_run_id_fkey"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'price_history_pricing_run_id_fkey', TABLE = 'price_history',
                  DETAIL = format('Key (pricing_run_id)=(%s) is not present in table "pricing_runs".', NEW.pricing_run_id);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION price_history_check_references() IS
    'Проверка ссылок новой строки price_history на квартиру и проход (вместо внешних ключей); ошибка — '
    'foreign_key_violation с прежним именем ограничения. Построчно, по ключу';

CREATE OR REPLACE TRIGGER price_history_check_references AFTER INSERT ON price_history
    FOR EACH ROW
    WHEN (current_setting('pricing.copies_synced_by_pass', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION price_history_check_references();
COMMENT ON TRIGGER price_history_check_references ON price_history IS
    'Квартира и проход новой строки истории существуют; строки прохода и отката (флаг pricing.copies_synced_by_pass) '
    'верны по построению и не проверяются';
