CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION set_updated_at() IS 'Триггерная функция: проставляет updated_at при каждом UPDATE';

CREATE OR REPLACE TRIGGER users_set_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE OR REPLACE TRIGGER developers_set_updated_at BEFORE UPDATE ON developers FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE OR REPLACE TRIGGER projects_set_updated_at BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE OR REPLACE TRIGGER buildings_set_updated_at BEFORE UPDATE ON buildings FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE OR REPLACE TRIGGER bookings_set_updated_at BEFORE UPDATE ON bookings FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE OR REPLACE TRIGGER apartments_set_updated_at BEFORE UPDATE ON apartments FOR EACH ROW
    WHEN (OLD.updated_at IS NOT DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION set_updated_at();
COMMENT ON TRIGGER apartments_set_updated_at ON apartments IS 'updated_at = now(), если UPDATE не задал его сам';

CREATE OR REPLACE TRIGGER promotions_set_updated_at BEFORE UPDATE ON promotions FOR EACH ROW
    WHEN (OLD.issued_bookings IS NOT DISTINCT FROM NEW.issued_bookings)
    EXECUTE FUNCTION set_updated_at();
COMMENT ON TRIGGER promotions_set_updated_at ON promotions IS
    'updated_at = now() при любом изменении акции, кроме счётчика броней: бронь не меняет условия акции';
