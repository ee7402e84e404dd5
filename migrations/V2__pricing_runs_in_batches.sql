-- Проход ценообразования пачками: решения по всему каталогу принимаются одним оператором без блокировок и
-- откладываются (pricing_run_changes), а применяются пачками по PRICING_BATCH_CHANGES квартир подряд по id — каждая
-- своей короткой транзакцией; пачки делят между собой несколько соединений (PRICING_WORKERS).
-- Функции — sql/pricing/run_pricing_cycle.sql и sql/pricing/reprice_apartments.sql.

CREATE TYPE pricing_run_status AS ENUM ('running', 'completed', 'interrupted');
COMMENT ON TYPE pricing_run_status IS
    'Состояние прохода: идёт; завершён (все пачки применены); прерван (процесс или соединение умерли — готовые пачки '
    'остались применены, следующий проход просто продолжает)';

ALTER TABLE pricing_runs
    ADD COLUMN status             pricing_run_status NOT NULL DEFAULT 'completed',
    ADD COLUMN priced_at          timestamptz,
    ADD COLUMN elasticity_ceiling numeric CONSTRAINT pricing_runs_elasticity_ceiling_check CHECK (elasticity_ceiling > 0),
    ADD COLUMN max_shift_ceiling  numeric CONSTRAINT pricing_runs_max_shift_ceiling_check CHECK (max_shift_ceiling >= 0),
    ADD COLUMN refreshed_at       timestamptz,
    ADD COLUMN planned_at         timestamptz,
    ADD COLUMN batches            integer NOT NULL DEFAULT 0 CONSTRAINT pricing_runs_batches_check CHECK (batches >= 0),
    ADD COLUMN batches_done       integer NOT NULL DEFAULT 0 CONSTRAINT pricing_runs_batches_done_check CHECK (batches_done >= 0),
    ADD COLUMN workers            integer CONSTRAINT pricing_runs_workers_check CHECK (workers >= 1);
CREATE INDEX pricing_runs_running_idx ON pricing_runs (id) WHERE status = 'running';
COMMENT ON COLUMN pricing_runs.status IS 'Идёт, завершён или прерван (см. тип pricing_run_status)';
COMMENT ON COLUMN pricing_runs.priced_at IS 'Момент, на который считаются решения всех пачек прохода (окно 24 ч, паузы, дни на сайте)';
COMMENT ON COLUMN pricing_runs.elasticity_ceiling IS 'Потолок шага ELASTICITY_CAP из окружения на момент запуска, доля';
COMMENT ON COLUMN pricing_runs.max_shift_ceiling IS 'Потолок коридора PRICE_MAX_SHIFT из окружения на момент запуска, доля';
COMMENT ON COLUMN pricing_runs.refreshed_at IS
    'Когда пересчитаны показатели спроса за 24 ч: started_at…refreshed_at — показатели, refreshed_at…finished_at — проход';
COMMENT ON COLUMN pricing_runs.planned_at IS 'Когда приняты решения и спланированы пачки изменений';
COMMENT ON COLUMN pricing_runs.batches IS 'Сколько пачек изменений запланировано (0 — менять нечего)';
COMMENT ON COLUMN pricing_runs.batches_done IS 'Сколько пачек применено и зафиксировано';
COMMENT ON COLUMN pricing_runs.workers IS 'Сколько соединений обрабатывали пачки (PRICING_WORKERS)';

CREATE TABLE pricing_run_batches (
    run_id             bigint      NOT NULL CONSTRAINT pricing_run_batches_run_id_fkey REFERENCES pricing_runs (id) ON DELETE CASCADE,
    batch_no           integer     NOT NULL CONSTRAINT pricing_run_batches_batch_no_check CHECK (batch_no >= 1),
    first_apartment_id bigint      NOT NULL,
    last_apartment_id  bigint      NOT NULL,
    changes            integer     NOT NULL CONSTRAINT pricing_run_batches_changes_check CHECK (changes >= 1),
    done_at            timestamptz,
    took_ms            integer     CONSTRAINT pricing_run_batches_took_ms_check CHECK (took_ms >= 0),
    raised             integer     CONSTRAINT pricing_run_batches_raised_check CHECK (raised >= 0),
    lowered            integer     CONSTRAINT pricing_run_batches_lowered_check CHECK (lowered >= 0),
    CONSTRAINT pricing_run_batches_pkey PRIMARY KEY (run_id, batch_no),
    CONSTRAINT pricing_run_batches_apartments_check CHECK (first_apartment_id <= last_apartment_id),
    CONSTRAINT pricing_run_batches_done_check CHECK ((done_at IS NULL) = (raised IS NULL))
);
CREATE INDEX pricing_run_batches_pending_idx ON pricing_run_batches (run_id, batch_no) WHERE done_at IS NULL;
COMMENT ON TABLE pricing_run_batches IS
    'Пачки изменений одного прохода (по PRICING_BATCH_CHANGES квартир подряд по id). Соединение берёт следующую '
    'незанятую пачку (FOR UPDATE SKIP LOCKED), применяет её и отмечает готовой в той же транзакции: умерло соединение — '
    'пачка снова свободна';
COMMENT ON COLUMN pricing_run_batches.run_id IS 'Проход';
COMMENT ON COLUMN pricing_run_batches.batch_no IS 'Номер пачки в проходе (по возрастанию id квартир)';
COMMENT ON COLUMN pricing_run_batches.first_apartment_id IS 'Первая квартира пачки (наименьший id)';
COMMENT ON COLUMN pricing_run_batches.last_apartment_id IS 'Последняя квартира пачки (наибольший id)';
COMMENT ON COLUMN pricing_run_batches.changes IS 'Сколько изменений цены решено в пачке';
COMMENT ON COLUMN pricing_run_batches.done_at IS 'Когда пачка применена; пусто — ещё нет';
COMMENT ON COLUMN pricing_run_batches.took_ms IS 'Сколько миллисекунд шла транзакция пачки (столько ждёт встречная запись квартиры)';
COMMENT ON COLUMN pricing_run_batches.raised IS 'Сколько цен повышено на самом деле (квартиру могли забронировать после решения)';
COMMENT ON COLUMN pricing_run_batches.lowered IS 'Сколько цен понижено на самом деле';

CREATE UNLOGGED TABLE pricing_run_changes (
    run_id               bigint           NOT NULL CONSTRAINT pricing_run_changes_run_id_fkey REFERENCES pricing_runs (id) ON DELETE CASCADE,
    batch_no             integer          NOT NULL,
    apartment_id         bigint           NOT NULL,
    decision             pricing_decision NOT NULL CONSTRAINT pricing_run_changes_decision_check CHECK (decision IN ('raise', 'lower')),
    old_price            numeric(14, 2)   NOT NULL,
    new_price            numeric(14, 2)   NOT NULL,
    priced_at            timestamptz      NOT NULL,
    cooldown_since       timestamptz      NOT NULL,
    booking_freeze_since timestamptz      NOT NULL,
    explanation          text             NOT NULL,
    views_24h            integer          NOT NULL,
    favourites_24h       integer          NOT NULL,
    leads_24h            integer          NOT NULL,
    bookings_24h         integer          NOT NULL,
    days_on_site         integer          NOT NULL,
    demand               numeric          NOT NULL,
    cluster_median       numeric          NOT NULL,
    demand_norm          numeric          NOT NULL,
    delta                numeric          NOT NULL,
    max_shift            numeric          NOT NULL,
    k1                   numeric          NOT NULL,
    k2                   numeric          NOT NULL,
    config_id            bigint           NOT NULL,
    CONSTRAINT pricing_run_changes_pkey PRIMARY KEY (run_id, batch_no, apartment_id)
);
COMMENT ON TABLE pricing_run_changes IS
    'Решённые, но ещё не применённые изменения цен прохода (UNLOGGED: после сбоя сервера пустеет, и прерванный проход '
    'просто решает заново). Строки последнего прохода лежат до начала следующего — их можно разобрать в SQL';
COMMENT ON COLUMN pricing_run_changes.run_id IS 'Проход';
COMMENT ON COLUMN pricing_run_changes.batch_no IS 'Пачка, в которой изменение применяется';
COMMENT ON COLUMN pricing_run_changes.apartment_id IS 'Квартира (apartments.id)';
COMMENT ON COLUMN pricing_run_changes.decision IS 'raise или lower';
COMMENT ON COLUMN pricing_run_changes.old_price IS 'Цена, от которой решали (применяется, только если она всё ещё текущая)';
COMMENT ON COLUMN pricing_run_changes.new_price IS 'Новая цена';
COMMENT ON COLUMN pricing_run_changes.priced_at IS 'Момент решения (pricing_runs.priced_at): он же price_history.changed_at';
COMMENT ON COLUMN pricing_run_changes.cooldown_since IS 'Цену не меняют, если она менялась позже этого момента (перепроверяется при применении)';
COMMENT ON COLUMN pricing_run_changes.booking_freeze_since IS 'Цену не меняют, если бронь была позже этого момента (перепроверяется при применении)';
COMMENT ON COLUMN pricing_run_changes.explanation IS 'Объяснение по-русски для price_history';
COMMENT ON COLUMN pricing_run_changes.views_24h IS 'Просмотров за 24 ч';
COMMENT ON COLUMN pricing_run_changes.favourites_24h IS 'В избранное за 24 ч';
COMMENT ON COLUMN pricing_run_changes.leads_24h IS 'Заявок за 24 ч';
COMMENT ON COLUMN pricing_run_changes.bookings_24h IS 'Броней за 24 ч';
COMMENT ON COLUMN pricing_run_changes.days_on_site IS 'Полных дней на сайте';
COMMENT ON COLUMN pricing_run_changes.demand IS 'Спрос по весам ЖК';
COMMENT ON COLUMN pricing_run_changes.cluster_median IS 'Медиана спроса кластера';
COMMENT ON COLUMN pricing_run_changes.demand_norm IS 'demand / медиана, 4 знака';
COMMENT ON COLUMN pricing_run_changes.delta IS 'Шаг Δ, доля';
COMMENT ON COLUMN pricing_run_changes.max_shift IS 'Коридор от базовой цены, доля';
COMMENT ON COLUMN pricing_run_changes.k1 IS 'Верхний порог demand_norm';
COMMENT ON COLUMN pricing_run_changes.k2 IS 'Нижний порог demand_norm';
COMMENT ON COLUMN pricing_run_changes.config_id IS 'Версия настроек dynamic_pricing_config.id';

ALTER TYPE pricing_outcome
    ADD ATTRIBUTE cooldown_since       timestamptz,
    ADD ATTRIBUTE booking_freeze_since timestamptz;
COMMENT ON COLUMN pricing_outcome.cooldown_since IS 'Цену не меняют, если она менялась позже этого момента';
COMMENT ON COLUMN pricing_outcome.booking_freeze_since IS 'Цену не меняют, если бронь была позже этого момента';

-- Новая сигнатура (проход одной пачки прохода): старую удаляет миграция, новую создаёт sql/pricing/reprice_apartments.sql.
DROP FUNCTION IF EXISTS reprice_apartments(timestamptz, boolean, pricing_trigger, numeric, numeric, timestamptz, bigint, bigint, boolean);
DROP FUNCTION IF EXISTS refresh_demand_aggregates(timestamptz);
