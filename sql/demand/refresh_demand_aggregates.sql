CREATE OR REPLACE FUNCTION refresh_demand_aggregates(p_now timestamptz DEFAULT now()) RETURNS void
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
BEGIN
    PERFORM refresh_apartment_stats(p_now);
    IF (SELECT ispopulated FROM pg_matviews WHERE schemaname = current_schema() AND matviewname = 'cluster_demand') THEN
        REFRESH MATERIALIZED VIEW CONCURRENTLY cluster_demand;
    ELSE
        REFRESH MATERIALIZED VIEW cluster_demand;
    END IF;
    ANALYZE cluster_demand;  -- 10 тыс. строк: без статистики планировщик считает кластеры сотнями тысяч и сортирует проход
END;
$$;
COMMENT ON FUNCTION refresh_demand_aggregates(timestamptz) IS
    'Шаг 1 поминутного цикла: apartment_stats к моменту p_now и медианы кластеров cluster_demand (без блокировки читателей)';
