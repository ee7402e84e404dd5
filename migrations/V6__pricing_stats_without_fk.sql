-- V6: apartment_stats без внешнего ключа на apartments.
--
-- Почему. apartment_stats — производная копия (кеш) полей квартиры и счётчиков спроса, её ведут триггеры apartments.
-- Внешний ключ на такой таблице не защищает ничего, что не защищали бы триггеры, но стоит дорого: PostgreSQL
-- проверяет ключ при UPDATE строки, вставленной той же транзакцией, даже если apartment_id не менялся. Первый цикл
-- ценообразования перестраивает apartment_stats (TRUNCATE + INSERT) и в той же транзакции проход меняет цены
-- сотням тысяч квартир — триггер синхронизации обновляет их строки apartment_stats, и каждая строка проверялась
-- отдельным запросом к apartments (на 1 млн квартир: 573 тыс. проверок, десятки секунд из первого прохода).
-- Каскадное удаление, которое давал ключ (ON DELETE CASCADE), теперь делает триггер на удаление квартир.

ALTER TABLE apartment_stats DROP CONSTRAINT apartment_stats_apartment_id_fkey;

CREATE FUNCTION apartments_forget_pricing_inputs() RETURNS trigger
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
    'которого у производной таблицы apartment_stats нет (см. V6)';
CREATE TRIGGER apartments_forget_pricing_inputs AFTER DELETE ON apartments
    REFERENCING OLD TABLE AS deleted_apartments
    FOR EACH STATEMENT EXECUTE FUNCTION apartments_forget_pricing_inputs();

COMMENT ON COLUMN apartment_stats.apartment_id IS
    'Квартира (apartments.id). Внешнего ключа нет намеренно: строку создают и удаляют триггеры apartments '
    '(apartments_sync_pricing_inserted, apartments_forget_pricing_inputs), см. V6';
