CREATE OR REPLACE FUNCTION buildings_check_floors() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM apartments a WHERE a.building_id = NEW.id AND a.floor > NEW.floors) THEN
        RAISE EXCEPTION 'building % has apartments above floor %', NEW.id, NEW.floors
            USING ERRCODE = 'check_violation', TABLE = 'buildings', COLUMN = 'floors',
                  CONSTRAINT = 'buildings_floors_above_apartments_check';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION buildings_check_floors() IS
    'Этажность корпуса нельзя сделать ниже этажа его квартир; нарушение — check_violation buildings_floors_above_apartments_check (поле floors)';

CREATE OR REPLACE TRIGGER buildings_check_floors BEFORE UPDATE OF floors ON buildings
    FOR EACH ROW EXECUTE FUNCTION buildings_check_floors();
