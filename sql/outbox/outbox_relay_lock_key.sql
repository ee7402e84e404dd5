CREATE OR REPLACE FUNCTION outbox_relay_lock_key() RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 4242001700::bigint $$;
COMMENT ON FUNCTION outbox_relay_lock_key() IS
    'Ключ сеансовой advisory-блокировки ретранслятора outbox: публикует только реплика, которая её держит; умерла '
    'реплика — соединение закрылось, блокировку берёт следующая';
