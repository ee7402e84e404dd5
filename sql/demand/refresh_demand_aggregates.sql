-- Пересчёт счётчиков — единственный, кто пишет строки apartment_stats, не держа строку квартиры (остальные
-- сначала блокируют квартиру, потом её копии). Чтобы он никогда не попал во взаимоблокировку с ними, он ждёт
-- чужую строку не дольше refresh_lock_timeout — заметно меньше deadlock_timeout (1 с): раньше, чем PostgreSQL
-- начнёт искать цикл, пересчёт откатывает свою подтранзакцию (и отпускает свои строки) и повторяется. Брони и
-- правки держат строку миллисекунды, так что повтор почти никогда не нужен.
CREATE OR REPLACE FUNCTION refresh_demand_aggregates(
    p_now                  timestamptz DEFAULT now(),
    p_refresh_lock_timeout interval    DEFAULT '200 milliseconds',
    p_attempts             integer     DEFAULT 5
) RETURNS void
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
DECLARE
    v_previous_lock_timeout text := current_setting('lock_timeout');
BEGIN
    PERFORM set_config('lock_timeout', (extract(epoch FROM p_refresh_lock_timeout) * 1000)::bigint::text, true);
    FOR attempt IN 1..greatest(p_attempts, 1) LOOP
        BEGIN
            PERFORM refresh_apartment_stats(p_now);
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            IF attempt >= p_attempts THEN
                RAISE;
            END IF;
            RAISE NOTICE 'refresh_apartment_stats: строка занята дольше %, попытка % из %',
                p_refresh_lock_timeout, attempt + 1, p_attempts;
            PERFORM pg_sleep(0.05 * attempt);
        END;
    END LOOP;
    PERFORM set_config('lock_timeout', v_previous_lock_timeout, true);
    IF (SELECT ispopulated FROM pg_matviews WHERE schemaname = current_schema() AND matviewname = 'cluster_demand') THEN
        REFRESH MATERIALIZED VIEW CONCURRENTLY cluster_demand;
    ELSE
        REFRESH MATERIALIZED VIEW cluster_demand;
    END IF;
    ANALYZE cluster_demand;  -- 10 тыс. строк: без статистики планировщик считает кластеры сотнями тысяч и сортирует проход
END;
$$;
COMMENT ON FUNCTION refresh_demand_aggregates(timestamptz, interval, integer) IS
    'Шаг 2 поминутного цикла: apartment_stats к моменту p_now и медианы кластеров cluster_demand (без блокировки '
    'читателей). Чужую строку apartment_stats ждёт не дольше p_refresh_lock_timeout и повторяет пересчёт до '
    'p_attempts раз, поэтому не бывает участником взаимоблокировки';
