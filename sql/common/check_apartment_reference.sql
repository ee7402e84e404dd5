CREATE OR REPLACE FUNCTION check_apartment_reference() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_missing bigint;
BEGIN
    EXECUTE 'SELECT n.apartment_id FROM inserted_rows n
             WHERE NOT EXISTS (SELECT 1 FROM apartments a WHERE a.id = n.apartment_id) LIMIT 1'
        INTO v_missing;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert on table "%" violates foreign key constraint "%"', TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[0], TABLE = TG_TABLE_NAME,
                  DETAIL = format('Key (apartment_id)=(%s) is not present in table "apartments".', v_missing);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION check_apartment_reference() IS
    'Проверка ссылки apartment_id всех вставленных оператором строк одним анти-соединением с apartments (вместо '
    'построчного внешнего ключа); ошибка — foreign_key_violation с именем ограничения из аргумента триггера';

CREATE OR REPLACE TRIGGER views_log_check_apartment AFTER INSERT ON views_log
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION check_apartment_reference('views_log_apartment_id_fkey');
COMMENT ON TRIGGER views_log_check_apartment ON views_log IS 'Квартиры вставленных событий существуют (вместо построчного внешнего ключа)';

CREATE OR REPLACE TRIGGER view_dedup_check_apartment AFTER INSERT ON view_dedup
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION check_apartment_reference('view_dedup_apartment_id_fkey');
COMMENT ON TRIGGER view_dedup_check_apartment ON view_dedup IS 'Квартиры вставленных строк окна повторов существуют';
