CREATE OR REPLACE FUNCTION apartments_fill_project_id() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT b.project_id INTO NEW.project_id FROM buildings b WHERE b.id = NEW.building_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'building % does not exist', NEW.building_id
            USING ERRCODE = 'foreign_key_violation', TABLE = 'apartments', COLUMN = 'building_id',
                  CONSTRAINT = 'apartments_building_project_fkey';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION apartments_fill_project_id() IS
    'Заполняет apartments.project_id по корпусу: денормализация для кластеров «ЖК × комнатность» без JOIN; согласованность гарантирует составной FK apartments_building_project_fkey';

CREATE OR REPLACE TRIGGER apartments_fill_project_id BEFORE INSERT OR UPDATE OF building_id ON apartments
    FOR EACH ROW EXECUTE FUNCTION apartments_fill_project_id();
