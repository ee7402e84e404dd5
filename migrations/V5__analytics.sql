-- Аналитика спроса (для застройщиков) и рынка (для ассоциации). Таблицы ниже — свёртки сырых событий, цен и броней,
-- которые ведёт refresh_analytics() (sql/analytics/refresh_analytics.sql) раз в час (задача JOB_ANALYTICS_ENABLED):
-- пересчитываются только дни, которых коснулись новые события, а не вся история. Помесячный срез рынка —
-- материализованное представление analytics_market_monthly (sql/analytics/), оценка эластичности по кластерам —
-- представление analytics_price_elasticity. Метрики и формулы — docs/analytics.md.
--
-- Внешних ключей на projects, buildings, apartments у свёрток нет намеренно: история аналитики переживает удаление
-- черновых объектов и не мешает ему. Сутки — московские (Europe/Moscow).

CREATE TABLE analytics_daily_demand (
    day             date          NOT NULL,
    project_id      bigint        NOT NULL,
    building_id     bigint        NOT NULL,
    rooms           smallint      NOT NULL,
    views           integer       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_views_check CHECK (views >= 0),
    unique_visitors integer       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_unique_visitors_check CHECK (unique_visitors >= 0),
    favourites      integer       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_favourites_check CHECK (favourites >= 0),
    leads           integer       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_leads_check CHECK (leads >= 0),
    bookings        integer       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_bookings_check CHECK (bookings >= 0),
    confirmed       integer       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_confirmed_check CHECK (confirmed >= 0),
    sold            integer       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_sold_check CHECK (sold >= 0),
    cancelled       integer       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_cancelled_check CHECK (cancelled >= 0),
    expired         integer       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_expired_check CHECK (expired >= 0),
    deals_price_sum numeric(18,2) NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_deals_price_sum_check CHECK (deals_price_sum >= 0),
    deals_area_sum  numeric(14,2) NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_deals_area_sum_check CHECK (deals_area_sum >= 0),
    flagged_views   integer       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_flagged_views_check CHECK (flagged_views >= 0),
    flagged_leads   integer       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_flagged_leads_check CHECK (flagged_leads >= 0),
    price_raises    integer       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_price_raises_check CHECK (price_raises >= 0),
    price_lowers    integer       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_price_lowers_check CHECK (price_lowers >= 0),
    raise_pct_sum   numeric       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_raise_pct_sum_check CHECK (raise_pct_sum >= 0),
    lower_pct_sum   numeric       NOT NULL DEFAULT 0 CONSTRAINT analytics_daily_demand_lower_pct_sum_check CHECK (lower_pct_sum >= 0),
    refreshed_at    timestamptz   NOT NULL,
    CONSTRAINT analytics_daily_demand_pkey PRIMARY KEY (day, project_id, building_id, rooms)
);
CREATE INDEX analytics_daily_demand_project_day_idx ON analytics_daily_demand (project_id, day);
COMMENT ON TABLE analytics_daily_demand IS
    'Воронка спроса по суткам (Москва) × ЖК × корпус × комнатность: просмотры → избранное → заявки → брони → '
    'подтверждения → продажи, накрутка отдельно. Ведёт refresh_analytics() раз в час: пересчитываются целиком только '
    'сутки, которых коснулись новые события (и сутки зрителей со сменившейся пометкой накрутки), пока их сырые события '
    'хранятся (VIEWS_LOG_RETENTION_DAYS); более старые сутки окончательны. Свежесть — analytics_refresh_state.refreshed_at';
COMMENT ON COLUMN analytics_daily_demand.day IS 'Сутки по московскому времени (Europe/Moscow)';
COMMENT ON COLUMN analytics_daily_demand.project_id IS 'ЖК (projects.id) квартиры на момент пересчёта';
COMMENT ON COLUMN analytics_daily_demand.building_id IS 'Корпус (buildings.id) квартиры на момент пересчёта';
COMMENT ON COLUMN analytics_daily_demand.rooms IS 'Комнатность квартиры, 0 — студия';
COMMENT ON COLUMN analytics_daily_demand.views IS 'Учтённых просмотров (views_log, event = view) без помеченных накрутчиков, шт.';
COMMENT ON COLUMN analytics_daily_demand.unique_visitors IS
    'Уникальных зрителей (viewer) ячейки за сутки без накрутчиков, чел.; сумма по ячейкам считает человека в каждой ячейке';
COMMENT ON COLUMN analytics_daily_demand.favourites IS 'Добавлений в избранное (views_log, event = favourite) без накрутчиков, шт.';
COMMENT ON COLUMN analytics_daily_demand.leads IS 'Заявок на звонок (leads) без накрутчиков, шт.';
COMMENT ON COLUMN analytics_daily_demand.bookings IS 'Броней любого статуса, созданных в эти сутки (bookings.booked_at), шт.';
COMMENT ON COLUMN analytics_daily_demand.confirmed IS 'Подтверждений брони застройщиком (booking_events.action = confirmed), шт.';
COMMENT ON COLUMN analytics_daily_demand.sold IS 'Продаж — сделок (booking_events.action = sold), шт.';
COMMENT ON COLUMN analytics_daily_demand.cancelled IS 'Отменённых броней (booking_events.action = cancelled), шт.';
COMMENT ON COLUMN analytics_daily_demand.expired IS 'Истёкших броней (booking_events.action = expired), шт.';
COMMENT ON COLUMN analytics_daily_demand.deals_price_sum IS 'Сумма цен сделок (bookings.price проданных броней), ₽';
COMMENT ON COLUMN analytics_daily_demand.deals_area_sum IS 'Сумма общих площадей проданных квартир, м²';
COMMENT ON COLUMN analytics_daily_demand.flagged_views IS 'Просмотров помеченных накрутчиков (flagged_visitors.flagged) — отдельно, в views не входят, шт.';
COMMENT ON COLUMN analytics_daily_demand.flagged_leads IS 'Заявок помеченных накрутчиков — отдельно, в leads не входят, шт.';
COMMENT ON COLUMN analytics_daily_demand.price_raises IS 'Повышений цены алгоритмом (price_history.reason = dynamic), шт.';
COMMENT ON COLUMN analytics_daily_demand.price_lowers IS 'Понижений цены алгоритмом, шт.';
COMMENT ON COLUMN analytics_daily_demand.raise_pct_sum IS 'Сумма размеров повышений, % (среднее = raise_pct_sum ÷ price_raises)';
COMMENT ON COLUMN analytics_daily_demand.lower_pct_sum IS 'Сумма размеров понижений по модулю, % (среднее = lower_pct_sum ÷ price_lowers)';
COMMENT ON COLUMN analytics_daily_demand.refreshed_at IS 'Когда строка пересчитана';

CREATE TABLE analytics_daily_supply (
    day               date          NOT NULL,
    project_id        bigint        NOT NULL,
    rooms             smallint      NOT NULL,
    lots_total        integer       NOT NULL CONSTRAINT analytics_daily_supply_lots_total_check CHECK (lots_total >= 0),
    lots_on_sale      integer       NOT NULL CONSTRAINT analytics_daily_supply_lots_on_sale_check CHECK (lots_on_sale >= 0),
    lots_booked       integer       NOT NULL CONSTRAINT analytics_daily_supply_lots_booked_check CHECK (lots_booked >= 0),
    lots_sold         integer       NOT NULL CONSTRAINT analytics_daily_supply_lots_sold_check CHECK (lots_sold >= 0),
    area_on_sale      numeric(14,2) NOT NULL CONSTRAINT analytics_daily_supply_area_on_sale_check CHECK (area_on_sale >= 0),
    price_sum_on_sale numeric(18,2) NOT NULL CONSTRAINT analytics_daily_supply_price_sum_on_sale_check CHECK (price_sum_on_sale >= 0),
    base_sum_on_sale  numeric(18,2) NOT NULL CONSTRAINT analytics_daily_supply_base_sum_on_sale_check CHECK (base_sum_on_sale >= 0),
    new_lots          integer       NOT NULL CONSTRAINT analytics_daily_supply_new_lots_check CHECK (new_lots >= 0),
    refreshed_at      timestamptz   NOT NULL,
    CONSTRAINT analytics_daily_supply_pkey PRIMARY KEY (day, project_id, rooms)
);
CREATE INDEX analytics_daily_supply_project_day_idx ON analytics_daily_supply (project_id, day);
COMMENT ON TABLE analytics_daily_supply IS
    'Предложение — снимок опубликованных квартир на сутки (Москва) × ЖК × комнатность. refresh_analytics() раз в час '
    'переписывает строки текущих суток; прошлые сутки хранят последний снимок своего дня';
COMMENT ON COLUMN analytics_daily_supply.day IS 'Сутки снимка по московскому времени';
COMMENT ON COLUMN analytics_daily_supply.project_id IS 'ЖК (projects.id)';
COMMENT ON COLUMN analytics_daily_supply.rooms IS 'Комнатность, 0 — студия';
COMMENT ON COLUMN analytics_daily_supply.lots_total IS 'Опубликованных квартир всего (в продаже, в брони, проданных), шт.';
COMMENT ON COLUMN analytics_daily_supply.lots_on_sale IS 'Квартир в продаже (status = available), шт.';
COMMENT ON COLUMN analytics_daily_supply.lots_booked IS 'Квартир в брони (status = booked), шт.';
COMMENT ON COLUMN analytics_daily_supply.lots_sold IS 'Проданных квартир (status = sold), шт.';
COMMENT ON COLUMN analytics_daily_supply.area_on_sale IS 'Общая площадь квартир в продаже, м²';
COMMENT ON COLUMN analytics_daily_supply.price_sum_on_sale IS 'Сумма текущих цен квартир в продаже, ₽ (цена м² = price_sum_on_sale ÷ area_on_sale)';
COMMENT ON COLUMN analytics_daily_supply.base_sum_on_sale IS 'Сумма базовых цен застройщика квартир в продаже, ₽ (куда алгоритм сдвинул цены — от неё)';
COMMENT ON COLUMN analytics_daily_supply.new_lots IS 'Квартир, впервые опубликованных в эти сутки (новое предложение), шт.';
COMMENT ON COLUMN analytics_daily_supply.refreshed_at IS 'Когда снимок снят';

CREATE TABLE analytics_price_responses (
    price_history_id bigint        NOT NULL,
    apartment_id     bigint        NOT NULL,
    project_id       bigint        NOT NULL,
    rooms            smallint      NOT NULL,
    changed_at       timestamptz   NOT NULL,
    reason           price_change_reason NOT NULL,
    old_price        numeric(14,2) NOT NULL CONSTRAINT analytics_price_responses_old_price_check CHECK (old_price > 0),
    new_price        numeric(14,2) NOT NULL CONSTRAINT analytics_price_responses_new_price_check CHECK (new_price > 0),
    views_before     integer       NOT NULL CONSTRAINT analytics_price_responses_views_before_check CHECK (views_before >= 0),
    views_after      integer       NOT NULL CONSTRAINT analytics_price_responses_views_after_check CHECK (views_after >= 0),
    leads_before     integer       NOT NULL CONSTRAINT analytics_price_responses_leads_before_check CHECK (leads_before >= 0),
    leads_after      integer       NOT NULL CONSTRAINT analytics_price_responses_leads_after_check CHECK (leads_after >= 0),
    overlapped       boolean       NOT NULL,
    elasticity       numeric,
    CONSTRAINT analytics_price_responses_pkey PRIMARY KEY (price_history_id)
);
CREATE INDEX analytics_price_responses_cluster_idx ON analytics_price_responses (project_id, rooms, changed_at);
CREATE INDEX analytics_price_responses_changed_at_idx ON analytics_price_responses (changed_at);
COMMENT ON TABLE analytics_price_responses IS
    'Отклик спроса на каждое изменение цены: просмотры и заявки за 24 ч до и 24 ч после (без накрутчиков). Строка '
    'появляется, когда 24 ч после изменения прошли (refresh_analytics(), раз в час), и больше не меняется. Измерение — '
    'счётчики; эластичность — оценка';
COMMENT ON COLUMN analytics_price_responses.price_history_id IS 'Изменение цены (price_history.id)';
COMMENT ON COLUMN analytics_price_responses.apartment_id IS 'Квартира';
COMMENT ON COLUMN analytics_price_responses.project_id IS 'ЖК квартиры (кластер — ЖК × комнатность)';
COMMENT ON COLUMN analytics_price_responses.rooms IS 'Комнатность квартиры';
COMMENT ON COLUMN analytics_price_responses.changed_at IS 'Когда изменилась цена';
COMMENT ON COLUMN analytics_price_responses.reason IS 'Причина: dynamic — алгоритм, manual — вручную, promo — акция';
COMMENT ON COLUMN analytics_price_responses.old_price IS 'Цена до, ₽';
COMMENT ON COLUMN analytics_price_responses.new_price IS 'Цена после, ₽';
COMMENT ON COLUMN analytics_price_responses.views_before IS 'Просмотров за 24 ч до изменения (измерение), шт.';
COMMENT ON COLUMN analytics_price_responses.views_after IS 'Просмотров за 24 ч после изменения (измерение), шт.';
COMMENT ON COLUMN analytics_price_responses.leads_before IS 'Заявок за 24 ч до изменения, шт.';
COMMENT ON COLUMN analytics_price_responses.leads_after IS 'Заявок за 24 ч после изменения, шт.';
COMMENT ON COLUMN analytics_price_responses.overlapped IS
    'В 24 ч до или после была другая смена цены этой квартиры: отклик смешан, в оценку эластичности не входит';
COMMENT ON COLUMN analytics_price_responses.elasticity IS
    'Оценка дуговой эластичности просмотров по цене: ln((views_after + 1) ÷ (views_before + 1)) ÷ ln(new_price ÷ old_price), безразмерная';

CREATE TABLE analytics_refresh_state (
    singleton         boolean     NOT NULL DEFAULT true,
    folded_snapshot   pg_snapshot,
    refreshed_at      timestamptz,
    responses_until   timestamptz,
    days_refolded     integer     CONSTRAINT analytics_refresh_state_days_refolded_check CHECK (days_refolded >= 0),
    took_ms           integer     CONSTRAINT analytics_refresh_state_took_ms_check CHECK (took_ms >= 0),
    CONSTRAINT analytics_refresh_state_pkey PRIMARY KEY (singleton),
    CONSTRAINT analytics_refresh_state_singleton_check CHECK (singleton)
);
INSERT INTO analytics_refresh_state DEFAULT VALUES;
COMMENT ON TABLE analytics_refresh_state IS
    'Водяные знаки свёртки аналитики (одна строка): что уже свёрнуто, чтобы ежечасный пересчёт не перечитывал историю';
COMMENT ON COLUMN analytics_refresh_state.singleton IS 'Всегда true: строка одна';
COMMENT ON COLUMN analytics_refresh_state.folded_snapshot IS
    'Снимок транзакций прошлой свёртки: события (recorded_xid), которых в нём не было, — новые, их сутки пересчитываются';
COMMENT ON COLUMN analytics_refresh_state.refreshed_at IS 'Момент (p_now) прошлой свёртки; пусто — свёрток ещё не было';
COMMENT ON COLUMN analytics_refresh_state.responses_until IS 'Изменения цены до этого момента включительно уже в analytics_price_responses';
COMMENT ON COLUMN analytics_refresh_state.days_refolded IS 'Сколько суток пересчитала прошлая свёртка';
COMMENT ON COLUMN analytics_refresh_state.took_ms IS 'Сколько миллисекунд шла прошлая свёртка';

-- Роль аналитиков: только чтение свёрток, без персональных данных (телефонов, имён, зрителей). Входа у роли нет:
-- DBA выдаёт её пользователю (GRANT analyst TO ivanov). Если у владельца миграций нет права CREATEROLE, роль создаёт
-- DBA (docs/analytics.md), а права на объекты выдаются при следующем применении sql/.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analyst') THEN
        IF (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
            CREATE ROLE analyst NOLOGIN;
            COMMENT ON ROLE analyst IS 'Аналитики: только SELECT на свёртки аналитики (analytics_*), без персональных данных';
        ELSE
            RAISE NOTICE 'роль analyst не создана: нет права CREATEROLE; создайте её (docs/analytics.md)';
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analyst') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO analyst', current_schema());
        GRANT SELECT ON analytics_daily_demand, analytics_daily_supply, analytics_price_responses,
                        analytics_refresh_state TO analyst;
    END IF;
END;
$$;
