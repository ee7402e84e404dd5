CREATE OR REPLACE FUNCTION apartments_forget_pricing_inputs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM apartment_stats s
    USING deleted_apartments d
    WHERE s.apartment_id = d.id;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_forget_pricing_inputs() IS
    'Удаляет строки apartment_stats удалённых квартир (одним оператором); заменяет ON DELETE CASCADE внешнего ключа, '
    'которого у производной таблицы apartment_stats нет';

CREATE OR REPLACE TRIGGER apartments_forget_pricing_inputs AFTER DELETE ON apartments
    REFERENCING OLD TABLE AS deleted_apartments
    FOR EACH STATEMENT EXECUTE FUNCTION apartments_forget_pricing_inputs();
