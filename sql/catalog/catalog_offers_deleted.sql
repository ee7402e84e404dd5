CREATE OR REPLACE FUNCTION catalog_offers_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM catalog_offers c
     USING deleted_apartments d
     WHERE c.apartment_id = d.id;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION catalog_offers_deleted() IS 'Удаляет из catalog_offers удалённые квартиры (одним оператором)';

CREATE OR REPLACE TRIGGER catalog_offers_deleted AFTER DELETE ON apartments
    REFERENCING OLD TABLE AS deleted_apartments
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_offers_deleted();
COMMENT ON TRIGGER catalog_offers_deleted ON apartments IS 'Удалённые квартиры уходят из catalog_offers';
