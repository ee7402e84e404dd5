CREATE OR REPLACE FUNCTION register_login_attempt(
    p_email         text,
    p_client_ip     inet,
    p_window        interval,
    p_max_per_email integer,
    p_max_per_ip    integer
) RETURNS TABLE (attempt_id bigint, retry_after_seconds integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_since      timestamptz := now() - p_window;
    v_email_wait integer;
    v_ip_wait    integer;
BEGIN
    -- Одновременные попытки с тем же email или адресом идут по очереди: лимит не обойти параллельными запросами.
    -- Порядок блокировок всегда email, затем адрес — взаимных блокировок нет.
    PERFORM pg_advisory_xact_lock(hashtext('login_attempts.email'), hashtext(p_email));
    IF p_client_ip IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('login_attempts.client_ip'), hashtext(host(p_client_ip)));
    END IF;

    DELETE FROM login_attempts WHERE attempted_at < v_since;

    -- Ждать, пока p_max-я по свежести попытка не выйдет из окна.
    SELECT ceil(extract(epoch FROM a.attempted_at + p_window - now()))::integer
      INTO v_email_wait
      FROM login_attempts a
     WHERE a.email = p_email AND a.attempted_at >= v_since
     ORDER BY a.attempted_at DESC
    OFFSET p_max_per_email - 1 LIMIT 1;

    IF p_client_ip IS NOT NULL THEN
        SELECT ceil(extract(epoch FROM a.attempted_at + p_window - now()))::integer
          INTO v_ip_wait
          FROM login_attempts a
         WHERE a.client_ip = p_client_ip AND a.attempted_at >= v_since
         ORDER BY a.attempted_at DESC
        OFFSET p_max_per_ip - 1 LIMIT 1;
    END IF;

    IF v_email_wait IS NOT NULL OR v_ip_wait IS NOT NULL THEN
        RETURN QUERY SELECT NULL::bigint, greatest(1, v_email_wait, v_ip_wait);
        RETURN;
    END IF;

    RETURN QUERY
        INSERT INTO login_attempts (email, client_ip) VALUES (p_email, p_client_ip)
        RETURNING login_attempts.id, NULL::integer;
END;
$$;
COMMENT ON FUNCTION register_login_attempt(text, inet, interval, integer, integer) IS
    'Вход: если за окно p_window уже p_max_per_email попыток с этим email или p_max_per_ip с этого адреса — '
    'возвращает только retry_after_seconds (ответ 429); иначе записывает попытку и возвращает её attempt_id. '
    'После успешного входа попытку и прежние неудачи той же пары email + адрес удаляет приложение';
