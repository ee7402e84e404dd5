DROP MATERIALIZED VIEW IF EXISTS cluster_demand;
CREATE MATERIALIZED VIEW cluster_demand AS
WITH weights AS (
    SELECT project_id, views_weight_milli, favourites_weight_milli, leads_weight_milli, bookings_weight_milli
    FROM project_pricing_config
    OFFSET 0  -- веса считаются один раз на ЖК, а не на квартиру; подзапрос, а не MATERIALIZED: планировщику видна
              -- статистика projects.id, и он хеширует 2 500 ЖК, а не миллион квартир
),
clusters AS (  -- хеш-группировка без сортировки миллиона строк: спрос кластера собирается в массив
    SELECT s.project_id,
           s.rooms,
           count(*)::integer             AS apartments_on_sale,
           array_agg(pricing_demand_milli(s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h,
                                          w.views_weight_milli, w.favourites_weight_milli,
                                          w.leads_weight_milli, w.bookings_weight_milli)) AS demands_milli,
           sum(s.views_24h)::bigint      AS views_24h,
           sum(s.favourites_24h)::bigint AS favourites_24h,
           sum(s.leads_24h)::bigint      AS leads_24h,
           sum(s.bookings_24h)::bigint   AS bookings_24h,
           min(s.current_price)          AS min_price,
           max(s.current_price)          AS max_price
    FROM apartment_stats s
    JOIN weights w ON w.project_id = s.project_id
    WHERE s.on_sale
    GROUP BY s.project_id, s.rooms
)
SELECT c.project_id,
       c.rooms,
       c.apartments_on_sale,
       (SELECT trim_scale(percentile_cont(0.5) WITHIN GROUP (ORDER BY demand_milli)::numeric / 1000)
        FROM unnest(c.demands_milli) AS demand_milli) AS median_demand,  -- сортируется ~100 значений кластера
       c.views_24h,
       c.favourites_24h,
       c.leads_24h,
       c.bookings_24h,
       c.min_price,
       c.max_price,
       now() AS refreshed_at
FROM clusters c
WITH NO DATA;
CREATE UNIQUE INDEX cluster_demand_key ON cluster_demand (project_id, rooms);
COMMENT ON MATERIALIZED VIEW cluster_demand IS
    'Кластеры «ЖК × комнатность» среди квартир в продаже: медиана спроса (percentile_cont, нули учитываются) и итоги за 24 ч. '
    'Обновляется refresh_demand_aggregates() каждую минуту CONCURRENTLY';
COMMENT ON COLUMN cluster_demand.project_id IS 'ЖК';
COMMENT ON COLUMN cluster_demand.rooms IS 'Комнатность';
COMMENT ON COLUMN cluster_demand.apartments_on_sale IS 'Квартир в продаже в кластере';
COMMENT ON COLUMN cluster_demand.median_demand IS
    'Медиана спроса в кластере: percentile_cont(0.5) по спросу в тысячных (точно: целые и половины), делённая на 1000';
COMMENT ON COLUMN cluster_demand.views_24h IS 'Просмотров за 24 ч по кластеру';
COMMENT ON COLUMN cluster_demand.favourites_24h IS 'В избранное за 24 ч по кластеру';
COMMENT ON COLUMN cluster_demand.leads_24h IS 'Заявок за 24 ч по кластеру';
COMMENT ON COLUMN cluster_demand.bookings_24h IS 'Броней за 24 ч по кластеру';
COMMENT ON COLUMN cluster_demand.min_price IS 'Минимальная текущая цена в кластере';
COMMENT ON COLUMN cluster_demand.max_price IS 'Максимальная текущая цена в кластере';
COMMENT ON COLUMN cluster_demand.refreshed_at IS 'Когда представление обновлено';
