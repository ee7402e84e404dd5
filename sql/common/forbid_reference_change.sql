-- Ссылку существующей строки не меняют: история, события и окно повторов пишутся, а не переписываются. Внешний
-- ключ проверял и UPDATE; без него смену ссылки запрещает построчный триггер, который вызывается только при смене.
CREATE OR REPLACE FUNCTION forbid_reference_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'на таблице "%" ссылка % не меняется после вставки', TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[1], TABLE = TG_TABLE_NAME;
END;
$$;
COMMENT ON FUNCTION forbid_reference_change() IS
    'Запрещает менять ссылочный столбец строки (аргументы триггера: столбец и имя прежнего внешнего ключа)';

CREATE OR REPLACE TRIGGER price_history_keep_references BEFORE UPDATE OF apartment_id, pricing_run_id ON price_history
    FOR EACH ROW WHEN (OLD.apartment_id IS DISTINCT FROM NEW.apartment_id OR OLD.pricing_run_id IS DISTINCT FROM NEW.pricing_run_id)
    EXECUTE FUNCTION forbid_reference_change('apartment_id/pricing_run_id', 'price_history_apartment_id_fkey');
COMMENT ON TRIGGER price_history_keep_references ON price_history IS 'Ссылки строки истории на квартиру и проход не меняются';

CREATE OR REPLACE TRIGGER views_log_keep_apartment BEFORE UPDATE OF apartment_id ON views_log
    FOR EACH ROW WHEN (OLD.apartment_id IS DISTINCT FROM NEW.apartment_id)
    EXECUTE FUNCTION forbid_reference_change('apartment_id', 'views_log_apartment_id_fkey');
COMMENT ON TRIGGER views_log_keep_apartment ON views_log IS 'Квартира события не меняется';

CREATE OR REPLACE TRIGGER view_dedup_keep_apartment BEFORE UPDATE OF apartment_id ON view_dedup
    FOR EACH ROW WHEN (OLD.apartment_id IS DISTINCT FROM NEW.apartment_id)
    EXECUTE FUNCTION forbid_reference_change('apartment_id', 'view_dedup_apartment_id_fkey');
COMMENT ON TRIGGER view_dedup_keep_apartment ON view_dedup IS 'Квартира строки окна повторов не меняется';
