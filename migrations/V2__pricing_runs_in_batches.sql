-- Проход ценообразования пачками целых ЖК: каждая пачка — своя короткая транзакция, пачки делят между собой
-- несколько соединений (PRICING_WORKERS). Кластер «ЖК × комнатность» не выходит за пределы ЖК, поэтому пачка
-- целых ЖК — согласованная единица: её решения не зависят от других пачек. Функции — sql/pricing/run_pricing_cycle.sql.

CREATE TYPE pricing_run_status AS ENUM ('running', 'completed', 'interrupted');
COMMENT ON TYPE pricing_run_status IS
    'Состояние прохода: идёт; завершён (все пачки применены); прерван (процесс или соединение умерли — готовые пачки '
    'остались применены, следующий проход просто продолжает)';

ALTER TABLE pricing_runs
    ADD COLUMN status             pricing_run_status NOT NULL DEFAULT 'completed',
    ADD COLUMN priced_at          timestamptz,
    ADD COLUMN elasticity_ceiling numeric CONSTRAINT pricing_runs_elasticity_ceiling_check CHECK (elasticity_ceiling > 0),
    ADD COLUMN max_shift_ceiling  numeric CONSTRAINT pricing_runs_max_shift_ceiling_check CHECK (max_shift_ceiling >= 0),
    ADD COLUMN planned_at         timestamptz,
    ADD COLUMN batch_apartments   integer CONSTRAINT pricing_runs_batch_apartments_check CHECK (batch_apartments >= 1),
    ADD COLUMN batches            integer NOT NULL DEFAULT 0 CONSTRAINT pricing_runs_batches_check CHECK (batches >= 0),
    ADD COLUMN batches_done       integer NOT NULL DEFAULT 0 CONSTRAINT pricing_runs_batches_done_check CHECK (batches_done >= 0),
    ADD COLUMN workers            integer CONSTRAINT pricing_runs_workers_check CHECK (workers >= 1);
CREATE INDEX pricing_runs_running_idx ON pricing_runs (id) WHERE status = 'running';
COMMENT ON COLUMN pricing_runs.status IS 'Идёт, завершён или прерван (см. тип pricing_run_status)';
COMMENT ON COLUMN pricing_runs.priced_at IS 'Момент, на который считаются решения всех пачек прохода (окно 24 ч, паузы, дни на сайте)';
COMMENT ON COLUMN pricing_runs.elasticity_ceiling IS 'Потолок шага ELASTICITY_CAP из окружения на момент запуска, доля';
COMMENT ON COLUMN pricing_runs.max_shift_ceiling IS 'Потолок коридора PRICE_MAX_SHIFT из окружения на момент запуска, доля';
COMMENT ON COLUMN pricing_runs.planned_at IS
    'Когда пересчитаны показатели спроса и спланированы пачки: started_at…planned_at — пересчёт показателей, '
    'planned_at…finished_at — пересчёт цен';
COMMENT ON COLUMN pricing_runs.batch_apartments IS
    'Квартир в продаже на пачку, выбранных для прохода (pricing_batch_apartments: крупнее, если изменений ожидается мало)';
COMMENT ON COLUMN pricing_runs.batches IS 'Сколько пачек ЖК запланировано (0 — проход одним оператором reprice_apartments)';
COMMENT ON COLUMN pricing_runs.batches_done IS 'Сколько пачек применено и зафиксировано';
COMMENT ON COLUMN pricing_runs.workers IS 'Сколько соединений обрабатывали пачки (PRICING_WORKERS)';

CREATE TABLE pricing_run_batches (
    run_id      bigint      NOT NULL CONSTRAINT pricing_run_batches_run_id_fkey REFERENCES pricing_runs (id) ON DELETE CASCADE,
    batch_no    integer     NOT NULL CONSTRAINT pricing_run_batches_batch_no_check CHECK (batch_no >= 1),
    project_ids bigint[]    NOT NULL CONSTRAINT pricing_run_batches_project_ids_check CHECK (cardinality(project_ids) >= 1),
    apartments  integer     NOT NULL CONSTRAINT pricing_run_batches_apartments_check CHECK (apartments >= 0),
    done_at     timestamptz,
    took_ms     integer     CONSTRAINT pricing_run_batches_took_ms_check CHECK (took_ms >= 0),
    evaluated   integer     CONSTRAINT pricing_run_batches_evaluated_check CHECK (evaluated >= 0),
    raised      integer     CONSTRAINT pricing_run_batches_raised_check CHECK (raised >= 0),
    lowered     integer     CONSTRAINT pricing_run_batches_lowered_check CHECK (lowered >= 0),
    decisions   jsonb       CONSTRAINT pricing_run_batches_decisions_check CHECK (jsonb_typeof(decisions) = 'object'),
    CONSTRAINT pricing_run_batches_pkey PRIMARY KEY (run_id, batch_no),
    CONSTRAINT pricing_run_batches_done_check CHECK ((done_at IS NULL) = (evaluated IS NULL))
);
CREATE INDEX pricing_run_batches_pending_idx ON pricing_run_batches (run_id, batch_no) WHERE done_at IS NULL;
COMMENT ON TABLE pricing_run_batches IS
    'Пачки целых ЖК одного прохода. Соединение берёт следующую незанятую пачку (FOR UPDATE SKIP LOCKED), пересчитывает '
    'её квартиры и отмечает готовой в той же транзакции: умерло соединение — пачка снова свободна';
COMMENT ON COLUMN pricing_run_batches.run_id IS 'Проход';
COMMENT ON COLUMN pricing_run_batches.batch_no IS 'Номер пачки в проходе (по возрастанию id ЖК)';
COMMENT ON COLUMN pricing_run_batches.project_ids IS 'ЖК пачки';
COMMENT ON COLUMN pricing_run_batches.apartments IS 'Квартир в продаже в пачке на момент планирования';
COMMENT ON COLUMN pricing_run_batches.done_at IS 'Когда пачка применена; пусто — ещё нет';
COMMENT ON COLUMN pricing_run_batches.took_ms IS 'Сколько миллисекунд шла транзакция пачки (столько ждёт встречная запись квартиры)';
COMMENT ON COLUMN pricing_run_batches.evaluated IS 'Сколько квартир оценено';
COMMENT ON COLUMN pricing_run_batches.raised IS 'Сколько цен повышено';
COMMENT ON COLUMN pricing_run_batches.lowered IS 'Сколько цен понижено';
COMMENT ON COLUMN pricing_run_batches.decisions IS 'Количество решений по видам, как pricing_runs.decisions';

-- Новая сигнатура (проход одной пачки прохода): старую удаляет миграция, новую создаёт sql/pricing/reprice_apartments.sql.
DROP FUNCTION IF EXISTS reprice_apartments(timestamptz, boolean, pricing_trigger, numeric, numeric, timestamptz, bigint, bigint, boolean);
DROP FUNCTION IF EXISTS refresh_demand_aggregates(timestamptz);
