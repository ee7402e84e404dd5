CREATE OR REPLACE FUNCTION pricing_runs_keep_referenced() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM deleted_runs d JOIN price_history h ON h.pricing_run_id = d.id) THEN
        RAISE EXCEPTION 'update or delete on table "pricing_runs" violates foreign key constraint "price_history_pricing_run_id_fkey" on table "price_history"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'price_history_pricing_run_id_fkey', TABLE = 'price_history',
                  DETAIL = 'Key (id) is still referenced from table "price_history".';
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION pricing_runs_keep_referenced() IS
    'Запрещает удалить проход ценообразования, на который ссылается история цен (как ON DELETE RESTRICT)';

CREATE OR REPLACE TRIGGER pricing_runs_keep_referenced AFTER DELETE ON pricing_runs
    REFERENCING OLD TABLE AS deleted_runs
    FOR EACH STATEMENT EXECUTE FUNCTION pricing_runs_keep_referenced();
COMMENT ON TRIGGER pricing_runs_keep_referenced ON pricing_runs IS 'Проход, на который ссылается история цен, не удалить';
