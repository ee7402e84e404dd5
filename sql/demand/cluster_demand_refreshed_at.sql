-- Карта страны: время последнего обновления cluster_demand или NULL, если представление ещё не заполнено (тогда
-- карта идёт точным путём).
CREATE OR REPLACE FUNCTION cluster_demand_refreshed_at() RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_populated boolean;
BEGIN
    SELECT m.ispopulated INTO v_populated
      FROM pg_matviews m
     WHERE m.schemaname = current_schema() AND m.matviewname = 'cluster_demand';
    IF NOT coalesce(v_populated, false) THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT cd.refreshed_at FROM cluster_demand cd LIMIT 1);
END;
$$;
COMMENT ON FUNCTION cluster_demand_refreshed_at() IS
    'Когда cluster_demand обновлено последний раз (у всех строк одно refreshed_at); NULL — не заполнено или пусто. '
    'По нему карта решает, можно ли взять минимальные цены ЖК из сводки (не старше MAP_SUMMARY_MAX_AGE_SECONDS)';
