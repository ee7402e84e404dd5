-- Ежечасная свёртка аналитики складывает просмотры по часам, а не перечитывает сутки целиком
-- (sql/analytics/refresh_analytics.sql): водяной знак сложенных просмотров, набор зрителей вчерашних и сегодняшних
-- суток для точного числа уникальных посетителей и индекс шагов броней по времени.

ALTER TABLE analytics_refresh_state ADD COLUMN views_folded_until timestamptz;
COMMENT ON COLUMN analytics_refresh_state.views_folded_until IS
    'Просмотры с occurred_at раньше этого момента, видимые в folded_snapshot, уже сложены в analytics_daily_demand; '
    'следующая свёртка прибавляет только более поздние и запоздавшие. Пусто — свёртка ещё не складывала по часам, '
    'затронутые сутки пересчитываются целиком';

CREATE TABLE analytics_daily_viewers (
    day         date     NOT NULL,
    project_id  bigint   NOT NULL,
    building_id bigint   NOT NULL,
    rooms       smallint NOT NULL,
    viewer      text     NOT NULL,
    views       integer  NOT NULL CONSTRAINT analytics_daily_viewers_views_check CHECK (views >= 0),
    favourites  integer  NOT NULL CONSTRAINT analytics_daily_viewers_favourites_check CHECK (favourites >= 0),
    flagged     boolean  NOT NULL,
    CONSTRAINT analytics_daily_viewers_pkey PRIMARY KEY (day, project_id, building_id, rooms, viewer)
) PARTITION BY LIST (day);
CREATE INDEX analytics_daily_viewers_viewer_idx ON analytics_daily_viewers (viewer);
COMMENT ON TABLE analytics_daily_viewers IS
    'Зрители ячеек «ЖК × корпус × комнатность» вчерашних и сегодняшних суток и их уже сложенные в '
    'analytics_daily_demand просмотры и избранное: новый просмотр прибавляет посетителя, только если у зрителя в ячейке '
    'ещё не было просмотров, а смена пометки накрутки переносит его события между учтёнными и накруткой без '
    'перечитывания суток. Раздел на сутки; refresh_analytics() создаёт разделы и удаляет позавчерашние. '
    'Персональные данные (идентификатор зрителя): роли analyst недоступна';
COMMENT ON COLUMN analytics_daily_viewers.day IS 'Сутки по московскому времени (ключ раздела)';
COMMENT ON COLUMN analytics_daily_viewers.project_id IS 'ЖК квартиры на момент свёртки';
COMMENT ON COLUMN analytics_daily_viewers.building_id IS 'Корпус квартиры на момент свёртки';
COMMENT ON COLUMN analytics_daily_viewers.rooms IS 'Комнатность квартиры, 0 — студия';
COMMENT ON COLUMN analytics_daily_viewers.viewer IS 'Зритель (views_log.viewer: u:<пользователь> или v:<посетитель>)';
COMMENT ON COLUMN analytics_daily_viewers.views IS 'Просмотров зрителя в ячейке за сутки, уже сложенных в свёртку, шт.';
COMMENT ON COLUMN analytics_daily_viewers.favourites IS 'Добавлений в избранное зрителя в ячейке за сутки, уже сложенных, шт.';
COMMENT ON COLUMN analytics_daily_viewers.flagged IS
    'Как зритель учтён в analytics_daily_demand: true — как накрутчик (flagged_views), false — в views и unique_visitors';
COMMENT ON INDEX analytics_daily_viewers_viewer_idx IS 'Строки зрителя, чья пометка накрутки сменилась';

CREATE INDEX booking_events_occurred_at_idx ON booking_events (occurred_at);
COMMENT ON INDEX booking_events_occurred_at_idx IS
    'Шаги броней за сутки для свёртки аналитики (refresh_analytics): без него каждая свёртка читала всю таблицу';

-- Аналитика застройщика при 1 млн квартир: его ~40 тыс. квартир читаются по ЖК, а не перебором всех 1 млн строк.
CREATE INDEX apartment_stats_project_rooms_idx ON apartment_stats (project_id, rooms);
COMMENT ON INDEX apartment_stats_project_rooms_idx IS
    'Квартиры ЖК (и комнатности) в рабочем наборе: /analytics/popular и /analytics/prices/clusters читают только ЖК '
    'застройщика. Столбцы не меняются при пересчёте спроса, обновления apartment_stats остаются HOT';

-- Воронка и продажи читают строки ЖК застройщика за период: покрывающий индекс отвечает без чтения таблицы, строки
-- одного ЖК в которой разбросаны по суткам (каждые сутки вставляются вместе).
DROP INDEX analytics_daily_demand_project_day_idx;
CREATE INDEX analytics_daily_demand_project_day_idx ON analytics_daily_demand (project_id, day)
    INCLUDE (building_id, rooms, views, unique_visitors, favourites, leads, bookings, confirmed, sold,
             deals_price_sum, deals_area_sum, flagged_views, flagged_leads);
COMMENT ON INDEX analytics_daily_demand_project_day_idx IS
    'Строки ЖК за период для /analytics/funnel и /analytics/sales: покрывающий (index-only scan), без чтения таблицы';
