-- Популярность квартир в порядке, который индекс отдаёт в пределах города.
--
-- Страница «самые популярные» по городу читала счётчики спроса каждой подходящей квартиры города из apartment_stats
-- (≈ 6 мкс на квартиру) и сортировала их: на 1 млн квартир вся Москва (200 тыс. в продаже) — 1,6 с, однушки
-- Петербурга до 10,5 млн — 0,1 с. Индекса в порядке популярности не было: в apartment_stats он сделал бы каждое
-- поминутное обновление счётчиков не-HOT по всем её индексам (и добавил бы запись индекса на каждое изменение цены
-- прохода), а в catalog_offers — по её широкому индексу города.
--
-- Отдельная узкая таблица: город и комнатность квартиры и её популярность popularity_24h(…) — то же выражение и те же
-- значения, что сортирует каталог. Индекс (город, популярность, id) с комнатностью в INCLUDE отдаёт квартиры города
-- от самых популярных; поиск идёт по нему, проверяя остальные фильтры по catalog_offers, и останавливается на
-- странице (src/apartments/search.rs). Строки — у всех квартир (и не в продаже): статус меняется при каждой брони, а
-- популярность и город — нет.
--
-- Ведут: sync_apartment_popularity (популярность квартир, чьи счётчики изменились, — список в
-- demand_aggregation_state.popularity_pending, который пополняют refresh_apartment_stats и rebuild_apartment_stats),
-- sync_apartment_copies (новая квартира, смена комнатности), projects_sync_place_to_offers (город ЖК). Удаление
-- квартиры удаляет строку (ON DELETE CASCADE).
--
-- Популярность переносится после прохода цен, отдельной транзакцией, а не вместе со счётчиками: обновление строки с
-- индексируемой популярностью не HOT (~12 мкс на строку; на 1 млн квартир и 10 млн событий в сутки меняется ~13 тыс.
-- строк в минуту — +0,27 с к пересчёту агрегатов, если делать это в нём), а цикл цен на 1 млн квартир и так у своей
-- цели в 1 с. Порядок «самые популярные» по городу поэтому отстаёт от счётчиков на время прохода (около секунды в
-- минуту).

CREATE TABLE apartment_popularity (
    apartment_id bigint   NOT NULL CONSTRAINT apartment_popularity_pkey PRIMARY KEY
        CONSTRAINT apartment_popularity_apartment_id_fkey REFERENCES apartments (id) ON DELETE CASCADE,
    city_key     text     NOT NULL,
    rooms        smallint NOT NULL,
    popularity   numeric  NOT NULL DEFAULT 0 CONSTRAINT apartment_popularity_popularity_check CHECK (popularity >= 0)
) WITH (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);
COMMENT ON TABLE apartment_popularity IS
    'Популярность каждой квартиры за 24 ч с городом и комнатностью — для поиска по городу в порядке популярности '
    'по индексу. Копия: источник правды — apartment_stats (счётчики) и apartments / projects (комнатность, город); '
    'ведут refresh_apartment_stats, rebuild_apartment_stats, sync_apartment_copies и projects_sync_place_to_offers';
COMMENT ON COLUMN apartment_popularity.apartment_id IS 'Квартира';
COMMENT ON COLUMN apartment_popularity.city_key IS 'Город ЖК в нижнем регистре (lower(projects.city)) — ключ фильтра city';
COMMENT ON COLUMN apartment_popularity.rooms IS 'Копия apartments.rooms (комнатность, 0 — студия)';
COMMENT ON COLUMN apartment_popularity.popularity IS
    'popularity_24h(views_24h, leads_24h, bookings_24h) из apartment_stats на конец последнего цикла цен '
    '(переносит sync_apartment_popularity)';

ALTER TABLE demand_aggregation_state
    ADD COLUMN popularity_pending bigint[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN demand_aggregation_state.popularity_pending IS
    'Квартиры, чьи счётчики изменились после последнего переноса популярности в apartment_popularity (id могут '
    'повторяться); пополняют refresh_apartment_stats и rebuild_apartment_stats, очищает sync_apartment_popularity';

INSERT INTO apartment_popularity (apartment_id, city_key, rooms, popularity)
-- Выражение popularity_24h (sql/catalog/popularity_24h.sql): функции из sql/ создаются после миграций.
SELECT a.id, lower(p.city), a.rooms, coalesce(0.5 * s.views_24h + 2 * s.leads_24h + 5 * s.bookings_24h, 0)
  FROM apartments a
  JOIN projects p ON p.id = a.project_id
  LEFT JOIN apartment_stats s ON s.apartment_id = a.id;

CREATE INDEX apartment_popularity_city_idx
    ON apartment_popularity (city_key, popularity DESC, apartment_id) INCLUDE (rooms);
COMMENT ON INDEX apartment_popularity_city_idx IS
    'Квартиры города от самых популярных (при равенстве — по id, как сортирует каталог); комнатность проверяется '
    'по записи индекса';
