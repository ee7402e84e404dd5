-- Этаж в пределах корпуса ------------------------------------------------------------------------------
-- Триггер срабатывает только когда меняются этаж или корпус: проход ценообразования (SET current_price) его не вызывает.
CREATE OR REPLACE FUNCTION apartments_check_floor() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_floors integer;
BEGIN
    SELECT b.floors INTO v_floors FROM buildings b WHERE b.id = NEW.building_id;
    IF NEW.floor > v_floors THEN
        RAISE EXCEPTION 'floor % is above the building''s % floors', NEW.floor, v_floors
            USING ERRCODE = 'check_violation', TABLE = 'apartments', COLUMN = 'floor',
                  CONSTRAINT = 'apartments_floor_within_building_check';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION apartments_check_floor() IS
    'Этаж квартиры не выше этажности корпуса; нарушение — check_violation apartments_floor_within_building_check (поле floor)';

CREATE OR REPLACE TRIGGER apartments_check_floor BEFORE INSERT OR UPDATE OF floor, building_id ON apartments
    FOR EACH ROW EXECUTE FUNCTION apartments_check_floor();
