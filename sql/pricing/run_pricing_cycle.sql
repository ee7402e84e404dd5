-- Поминутный цикл ценообразования сверху вниз. Точка входа — процедура run_pricing_cycle (в конце файла):
--
--   1. begin_pricing_run       — блокировка прохода (сессионная advisory-блокировка pricing_pass_lock_key(),
--                                одна на все реплики), проверка слота расписания, строка pricing_runs;
--   2. refresh_demand_aggregates — показатели за 24 ч и медианы кластеров (sql/demand/), своей транзакцией;
--   3. plan_pricing_batches    — пачки целых ЖК по PRICING_BATCH_APARTMENTS квартир в продаже;
--   4. reprice_next_batch      — взять свободную пачку, пересчитать её квартиры (reprice_apartments), отметить
--                                готовой — одной короткой транзакцией; сколько соединений, столько пачек сразу;
--   5. finish_pricing_run      — дождаться пачек других соединений, сложить итоги, снять блокировку.
--
-- Каждая пачка фиксируется сама: встречная бронь или правка квартиры ждёт не дольше одной пачки (~100 мс), а не
-- всего прохода. Прерванный проход (умер процесс, оборвалось соединение) оставляет готовые пачки применёнными и
-- помечается interrupted; следующий проход того же слота расписания продолжает его незавершённые пачки, любой
-- другой — просто пересчитывает всё: квартиры, чья цена уже изменилась, стоят на паузе cooldown, и ничего не
-- применяется дважды.
--
-- Порядок блокировок — один для всех, кто пишет квартиры и их копии:
--   advisory-блокировка прохода → строка pricing_runs → строка pricing_run_batches →
--   строки apartments по возрастанию id → их строки apartment_stats → catalog_offers → новые строки price_history.
-- Квартиру и её копии пишут только после блокировки строки квартиры (брони, правки, выгрузки, проход, откат).
-- Единственный, кто пишет строки apartment_stats без строки квартиры, — пересчёт счётчиков спроса
-- (refresh_apartment_stats): он идёт своей транзакцией до пачек и ждёт чужую строку не дольше lock_timeout,
-- меньшего deadlock_timeout, после чего откатывается и повторяется (sql/demand/refresh_demand_aggregates.sql):
-- так он не может стать звеном цикла ожиданий, который PostgreSQL счёл бы взаимоблокировкой.

CREATE OR REPLACE FUNCTION pricing_skip_reason(p_locked boolean, p_scheduled_for timestamptz) RETURNS text
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT CASE
               WHEN NOT p_locked THEN 'Проход пропущен: другой проход ценообразования ещё выполняется'
               WHEN EXISTS (SELECT 1 FROM pricing_runs r
                             WHERE r.scheduled_for = p_scheduled_for AND r.status <> 'interrupted')
                   THEN format('Проход пропущен: слот расписания %s уже обработан', p_scheduled_for)
           END;
END;
COMMENT ON FUNCTION pricing_skip_reason(boolean, timestamptz) IS
    'Почему проход не идёт (по-русски, для журнала) или NULL: блокировка прохода занята другим проходом, или слот '
    'расписания уже обработан (прерванный проход слота не в счёт — его продолжают)';

CREATE OR REPLACE FUNCTION begin_pricing_run(
    p_now                timestamptz,
    p_trigger            pricing_trigger,
    p_scheduled_for      timestamptz,
    p_started_by         bigint,
    p_elasticity_ceiling numeric,
    p_max_shift_ceiling  numeric,
    p_workers            integer
) RETURNS TABLE (run_id bigint, priced_at timestamptz, skipped_reason text)
LANGUAGE plpgsql AS $$
DECLARE
    v_skip_reason text;
    v_run         pricing_runs;
BEGIN
    IF NOT pg_try_advisory_lock(pricing_pass_lock_key()) THEN
        RETURN QUERY SELECT NULL::bigint, NULL::timestamptz, pricing_skip_reason(false, p_scheduled_for);
        RETURN;
    END IF;
    -- Блокировка прохода у нас, значит, «идущие» проходы мертвы: их процесс или соединение умерли.
    PERFORM record_pricing_run_summary(r.id) FROM pricing_runs r WHERE r.status = 'running';

    v_skip_reason := pricing_skip_reason(true, p_scheduled_for);
    IF v_skip_reason IS NOT NULL THEN
        PERFORM pg_advisory_unlock(pricing_pass_lock_key());
        RETURN QUERY SELECT NULL::bigint, NULL::timestamptz, v_skip_reason;
        RETURN;
    END IF;

    UPDATE pricing_runs r
       SET status = 'running', finished_at = NULL, workers = p_workers
     WHERE r.scheduled_for = p_scheduled_for AND r.status = 'interrupted'
    RETURNING * INTO v_run;
    IF FOUND THEN
        RETURN QUERY SELECT v_run.id, v_run.priced_at, NULL::text;
        RETURN;
    END IF;

    INSERT INTO pricing_runs (trigger, scheduled_for, started_by, status, priced_at, elasticity_ceiling,
                              max_shift_ceiling, workers)
    VALUES (p_trigger, p_scheduled_for, p_started_by, 'running', coalesce(p_now, now()), p_elasticity_ceiling,
            p_max_shift_ceiling, p_workers)
    RETURNING * INTO v_run;
    RETURN QUERY SELECT v_run.id, v_run.priced_at, NULL::text;
END;
$$;
COMMENT ON FUNCTION begin_pricing_run(timestamptz, pricing_trigger, timestamptz, bigint, numeric, numeric, integer) IS
    'Шаг 1 цикла: берёт сессионную блокировку прохода (её снимает finish_pricing_run или обрыв соединения), помечает '
    'прерванными мёртвые проходы, продолжает прерванный проход того же слота расписания или создаёт новый. '
    'Если проход не идёт — skipped_reason по-русски, блокировка не удерживается';

-- Размер пачки по ожидаемой доле изменений. Время, на которое пачка держит квартиры, — это почти только запись
-- изменённых цен; оценка квартиры без изменения стоит в десятки раз дешевле, а каждая пачка — ещё и план запроса.
-- Поэтому p_batch_apartments (PRICING_BATCH_APARTMENTS) — пачка для прохода, где меняется много цен (первый проход
-- меняет ~60 % цен), а если недавний завершённый проход с теми же настройками менял долю r, пачка крупнее в 0,6 / r
-- раз, но не больше p_max_batch_apartments: в обычную минуту (~0,1 % изменений) миллион квартир — 5 пачек, а не 200.
-- Нет недавнего прохода, настройки менялись, проход откатили — доля неизвестна, и пачки обычные.
CREATE OR REPLACE FUNCTION pricing_batch_apartments(
    p_run_id               bigint,
    p_batch_apartments     integer,
    p_max_batch_apartments integer  DEFAULT 200000,
    p_history_window       interval DEFAULT '10 minutes'
) RETURNS integer
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT CASE
               WHEN previous.change_ratio IS NULL THEN p_batch_apartments
               ELSE least(greatest(round(p_batch_apartments * 0.6 / greatest(previous.change_ratio, 0.0001)),
                                   p_batch_apartments),
                          greatest(p_max_batch_apartments, p_batch_apartments))::integer
           END
      FROM pricing_runs this
      LEFT JOIN LATERAL (
          SELECT (r.raised + r.lowered)::numeric / r.evaluated AS change_ratio
            FROM pricing_runs r
           WHERE r.id < this.id AND r.status = 'completed' AND r.evaluated > 0 AND r.rolled_back_at IS NULL
             AND r.finished_at > this.started_at - p_history_window
             AND NOT EXISTS (SELECT 1 FROM dynamic_pricing_config c WHERE c.created_at > r.started_at)
           ORDER BY r.id DESC
           LIMIT 1
      ) previous ON true
     WHERE this.id = p_run_id;
END;
COMMENT ON FUNCTION pricing_batch_apartments(bigint, integer, integer, interval) IS
    'Квартир в пачке прохода: p_batch_apartments, если доля изменений неизвестна или велика; крупнее в 0,6 / доля раз '
    '(до p_max_batch_apartments), если недавний завершённый проход с теми же настройками менял малую долю цен';

CREATE OR REPLACE FUNCTION plan_pricing_batches(p_run_id bigint, p_batch_apartments integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_batch_apartments integer := pricing_batch_apartments(p_run_id, p_batch_apartments);
    v_batches          integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pricing_run_batches b WHERE b.run_id = p_run_id) THEN
        INSERT INTO pricing_run_batches (run_id, batch_no, project_ids, apartments)
        SELECT p_run_id, dense_rank() OVER (ORDER BY p.bucket)::integer, p.project_ids, p.apartments
        FROM (
            SELECT o.bucket, array_agg(o.project_id ORDER BY o.project_id) AS project_ids,
                   sum(o.on_sale)::integer AS apartments
            FROM (  -- ЖК попадает в пачку, где начинается: ЖК больше пачки идёт пачкой сам
                SELECT c.project_id, c.on_sale,
                       (sum(c.on_sale) OVER (ORDER BY c.project_id) - c.on_sale)::bigint / v_batch_apartments AS bucket
                -- квартиры в продаже по ЖК — из только что обновлённых медиан (10 тыс. строк, а не миллион);
                -- ЖК без строки в cluster_demand проход и не оценивает
                FROM (SELECT cd.project_id, sum(cd.apartments_on_sale) AS on_sale
                        FROM cluster_demand cd
                       GROUP BY cd.project_id) c
            ) o
            GROUP BY o.bucket
        ) p;
    END IF;
    UPDATE pricing_runs r
       SET batches = (SELECT count(*) FROM pricing_run_batches b WHERE b.run_id = p_run_id),
           batch_apartments = coalesce(r.batch_apartments, v_batch_apartments),
           planned_at = coalesce(r.planned_at, clock_timestamp())
     WHERE r.id = p_run_id
    RETURNING r.batches INTO v_batches;
    RETURN v_batches;
END;
$$;
COMMENT ON FUNCTION plan_pricing_batches(bigint, integer) IS
    'Шаг 3 цикла: делит ЖК с квартирами в продаже на пачки по возрастанию id примерно по pricing_batch_apartments() '
    'квартир (кластер не выходит за ЖК, поэтому пачка целых ЖК согласованна). Повторный вызов для прохода ничего не '
    'меняет. Возвращает число пачек';

CREATE OR REPLACE FUNCTION reprice_next_batch(p_run_id bigint DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_run      pricing_runs;
    v_batch_no integer;
    v_started  timestamptz := clock_timestamp();
BEGIN
    SELECT * INTO v_run
      FROM pricing_runs r
     WHERE r.status = 'running' AND (p_run_id IS NULL OR r.id = p_run_id)
     ORDER BY r.id DESC
     LIMIT 1;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    SELECT b.batch_no INTO v_batch_no
      FROM pricing_run_batches b
     WHERE b.run_id = v_run.id AND b.done_at IS NULL
     ORDER BY b.batch_no
     LIMIT 1
       FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM 1
      FROM reprice_apartments(p_now => v_run.priced_at, p_trigger => v_run.trigger,
                              p_elasticity_ceiling => v_run.elasticity_ceiling,
                              p_max_shift_ceiling => v_run.max_shift_ceiling,
                              p_changes_only => true, p_run_id => v_run.id, p_batch_no => v_batch_no);
    UPDATE pricing_run_batches b
       SET took_ms = (extract(epoch FROM clock_timestamp() - v_started) * 1000)::integer
     WHERE b.run_id = v_run.id AND b.batch_no = v_batch_no;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION reprice_next_batch(bigint) IS
    'Шаг 4 цикла: берёт следующую свободную пачку прохода (без p_run_id — идущего прохода), пересчитывает её ЖК и '
    'отмечает готовой в той же транзакции; false — свободных пачек нет. Вызывают параллельно несколько соединений';

CREATE OR REPLACE FUNCTION pricing_run_unfinished_batches(p_run_id bigint) RETURNS integer
LANGUAGE sql
BEGIN ATOMIC
    -- Пачки, которые сейчас пересчитывают другие соединения, заблокированы до их фиксации: FOR UPDATE ждёт их и
    -- перепроверяет условие на зафиксированной версии, так что в счёт попадают только оставшиеся неготовыми.
    SELECT count(*)::integer
      FROM (SELECT 1 FROM pricing_run_batches b WHERE b.run_id = p_run_id AND b.done_at IS NULL FOR UPDATE) pending;
END;
COMMENT ON FUNCTION pricing_run_unfinished_batches(bigint) IS
    'Ждёт пачки прохода, которые пересчитывают другие соединения, и возвращает, сколько пачек осталось неготовыми '
    '(больше нуля — соединение умерло посреди пачки, её надо пересчитать)';

CREATE OR REPLACE FUNCTION record_pricing_run_summary(p_run_id bigint) RETURNS pricing_runs
LANGUAGE plpgsql AS $$
DECLARE
    v_run pricing_runs;
BEGIN
    UPDATE pricing_runs r
       SET finished_at  = clock_timestamp(),
           status       = CASE WHEN r.planned_at IS NOT NULL AND t.batches_done = r.batches THEN 'completed'
                               ELSE 'interrupted' END::pricing_run_status,
           batches_done = t.batches_done,
           evaluated    = t.evaluated,
           raised       = t.raised,
           lowered      = t.lowered,
           decisions    = t.decisions
      FROM (SELECT count(*) FILTER (WHERE b.done_at IS NOT NULL)::integer AS batches_done,
                   coalesce(sum(b.evaluated), 0)::integer AS evaluated,
                   coalesce(sum(b.raised), 0)::integer AS raised,
                   coalesce(sum(b.lowered), 0)::integer AS lowered,
                   coalesce((SELECT jsonb_object_agg(d.decision, d.total)
                               FROM (SELECT e.key AS decision, sum(e.value::integer) AS total
                                       FROM pricing_run_batches x, jsonb_each_text(x.decisions) e
                                      WHERE x.run_id = p_run_id
                                      GROUP BY e.key) d), '{}') AS decisions
              FROM pricing_run_batches b
             WHERE b.run_id = p_run_id) t
     WHERE r.id = p_run_id
    RETURNING r.* INTO v_run;
    RETURN v_run;
END;
$$;
COMMENT ON FUNCTION record_pricing_run_summary(bigint) IS
    'Складывает итоги готовых пачек в строку pricing_runs: completed, если пачки спланированы и все готовы, '
    'иначе interrupted';

CREATE OR REPLACE FUNCTION finish_pricing_run(p_run_id bigint) RETURNS pricing_runs
LANGUAGE plpgsql AS $$
DECLARE
    v_run pricing_runs := record_pricing_run_summary(p_run_id);
BEGIN
    PERFORM pg_advisory_unlock(pricing_pass_lock_key());
    RETURN v_run;
END;
$$;
COMMENT ON FUNCTION finish_pricing_run(bigint) IS
    'Шаг 5 цикла: итоги пачек — в pricing_runs (record_pricing_run_summary), сессионная блокировка прохода снята';

CREATE OR REPLACE PROCEDURE run_pricing_cycle(
    p_now                timestamptz     DEFAULT NULL,
    p_trigger            pricing_trigger DEFAULT 'manual',
    p_scheduled_for      timestamptz     DEFAULT NULL,
    p_started_by         bigint          DEFAULT NULL,
    p_elasticity_ceiling numeric         DEFAULT NULL,
    p_max_shift_ceiling  numeric         DEFAULT NULL,
    p_batch_apartments   integer         DEFAULT 5000,
    p_workers            integer         DEFAULT 1,
    INOUT pricing_run    bigint          DEFAULT NULL,
    INOUT skipped_reason text            DEFAULT NULL
)
LANGUAGE plpgsql AS $$
DECLARE
    v_priced_at timestamptz;
BEGIN
    SELECT b.run_id, b.priced_at, b.skipped_reason INTO pricing_run, v_priced_at, skipped_reason
      FROM begin_pricing_run(p_now, p_trigger, p_scheduled_for, p_started_by, p_elasticity_ceiling,
                             p_max_shift_ceiling, p_workers) b;
    IF skipped_reason IS NOT NULL THEN
        RETURN;
    END IF;
    COMMIT;

    IF NOT EXISTS (SELECT 1 FROM pricing_run_batches b WHERE b.run_id = pricing_run) THEN
        PERFORM refresh_demand_aggregates(v_priced_at);
        COMMIT;
        PERFORM plan_pricing_batches(pricing_run, p_batch_apartments);
        COMMIT;
    END IF;

    LOOP
        WHILE reprice_next_batch(pricing_run) LOOP
            COMMIT;
        END LOOP;
        EXIT WHEN pricing_run_unfinished_batches(pricing_run) = 0;
    END LOOP;

    PERFORM finish_pricing_run(pricing_run);
    COMMIT;
END;
$$;
COMMENT ON PROCEDURE run_pricing_cycle(timestamptz, pricing_trigger, timestamptz, bigint, numeric, numeric, integer, integer, bigint, text) IS
    'Поминутный цикл ценообразования целиком (CALL вне транзакции: каждая пачка фиксируется сама). Сервис вызывает его '
    'в одном соединении, а ещё PRICING_WORKERS − 1 соединений тем временем вызывают reprice_next_batch(). '
    'Возвращает id прохода (итоги — pricing_runs, изменения — price_history) или skipped_reason';
