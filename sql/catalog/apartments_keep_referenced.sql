CREATE OR REPLACE FUNCTION apartments_keep_referenced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_referenced bigint;
BEGIN
    SELECT d.id INTO v_referenced
    FROM deleted_apartments d
    WHERE EXISTS (SELECT 1 FROM price_history h WHERE h.apartment_id = d.id)
    LIMIT 1;
    IF v_referenced IS NOT NULL THEN
        RAISE EXCEPTION 'update or delete on table "apartments" violates foreign key constraint "price_history_apartment_id_fkey" on table "price_history"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'price_history_apartment_id_fkey', TABLE = 'price_history',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "price_history".', v_referenced);
    END IF;
    SELECT d.id INTO v_referenced
    FROM deleted_apartments d
    WHERE EXISTS (SELECT 1 FROM views_log v WHERE v.apartment_id = d.id)
    LIMIT 1;
    IF v_referenced IS NOT NULL THEN
        RAISE EXCEPTION 'update or delete on table "apartments" violates foreign key constraint "views_log_apartment_id_fkey" on table "views_log"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'views_log_apartment_id_fkey', TABLE = 'views_log',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "views_log".', v_referenced);
    END IF;
    DELETE FROM view_dedup v USING deleted_apartments d WHERE v.apartment_id = d.id;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_keep_referenced() IS
    'Удаление квартир: запрещает удалить квартиру с историей цен или событиями (как ON DELETE RESTRICT) и удаляет её '
    'строки view_dedup (как ON DELETE CASCADE) — одним запросом на оператор';

CREATE OR REPLACE TRIGGER apartments_keep_referenced AFTER DELETE ON apartments
    REFERENCING OLD TABLE AS deleted_apartments
    FOR EACH STATEMENT EXECUTE FUNCTION apartments_keep_referenced();
COMMENT ON TRIGGER apartments_keep_referenced ON apartments IS 'Квартиру с историей цен или событиями не удалить; её строки view_dedup удаляются';
