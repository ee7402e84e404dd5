CREATE OR REPLACE FUNCTION promotion_history_forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'promotion_history is append-only: % on row % is not allowed', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$;
COMMENT ON FUNCTION promotion_history_forbid_change() IS 'Запрещает UPDATE и DELETE истории акций: она только дополняется';

CREATE OR REPLACE TRIGGER promotion_history_append_only BEFORE UPDATE OR DELETE ON promotion_history
    FOR EACH ROW EXECUTE FUNCTION promotion_history_forbid_change();
COMMENT ON TRIGGER promotion_history_append_only ON promotion_history IS 'История акций только дополняется';
