CREATE OR REPLACE FUNCTION dynamic_pricing_config_forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'dynamic_pricing_config is append-only: insert a new version instead of % on row %', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$;
COMMENT ON FUNCTION dynamic_pricing_config_forbid_change() IS 'Запрещает UPDATE и DELETE версий настроек: история изменений неизменна';

CREATE OR REPLACE TRIGGER dynamic_pricing_config_append_only BEFORE UPDATE OR DELETE ON dynamic_pricing_config
    FOR EACH ROW EXECUTE FUNCTION dynamic_pricing_config_forbid_change();
