CREATE OR REPLACE FUNCTION pricing_pass_lock_key() RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 7310593858020254578;
COMMENT ON FUNCTION pricing_pass_lock_key() IS
    'Ключ транзакционной advisory-блокировки прохода ценообразования: одновременно идёт только один проход или откат';
