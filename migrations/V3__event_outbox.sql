-- Транзакционный outbox событий для фронтенда (NestJS): каждое изменение, о котором должны узнать другие, пишет строку
-- в outbox_events в той же транзакции, что и само изменение; ретранслятор публикует строки в Redis Streams и отмечает
-- их опубликованными. Функции и триггеры — sql/outbox/, см. docs/events.md.

CREATE TYPE outbox_topic AS ENUM ('price', 'booking', 'catalog', 'lead');
COMMENT ON TYPE outbox_topic IS
    'Тема события = поток Redis <префикс>:<тема>: price — цены квартир, booking — брони, catalog — квартиры и ЖК, '
    'lead — заявки на звонок (без личных данных)';

CREATE TABLE outbox_events (
    id           bigint       GENERATED ALWAYS AS IDENTITY CONSTRAINT outbox_events_pkey PRIMARY KEY,
    topic        outbox_topic NOT NULL,
    event_type   text         NOT NULL CONSTRAINT outbox_events_event_type_check CHECK (event_type ~ '^[a-z]+\.[a-z_]+$'),
    aggregate_id bigint       NOT NULL,
    payload      jsonb        CONSTRAINT outbox_events_payload_check CHECK (jsonb_typeof(payload) = 'object'),
    price_history_id bigint,
    recorded_at  timestamptz  NOT NULL DEFAULT now(),
    published_at timestamptz,
    CONSTRAINT outbox_events_body_check CHECK ((payload IS NULL) = (price_history_id IS NOT NULL))
);
-- Ретранслятор читает неопубликованные по возрастанию id; индекс содержит только их и остаётся маленьким.
CREATE INDEX outbox_events_unpublished_idx ON outbox_events (id) WHERE published_at IS NULL;
-- Уборка опубликованных старше срока хранения.
CREATE INDEX outbox_events_published_at_idx ON outbox_events (published_at) WHERE published_at IS NOT NULL;

COMMENT ON TABLE outbox_events IS
    'Outbox событий для фронтенда: строка пишется в транзакции самого изменения, ретранслятор публикует её в Redis '
    'Streams (хотя бы один раз, в порядке id) и отмечает published_at; опубликованные удаляются после срока хранения '
    '(OUTBOX_RETENTION_HOURS). Только вставка производителями, published_at ставит только ретранслятор';
COMMENT ON COLUMN outbox_events.id IS
    'Идентификатор события (event_id в Redis): стабилен при повторной публикации — по нему потребитель убирает дубли';
COMMENT ON COLUMN outbox_events.topic IS 'Тема = поток Redis <EVENTS_STREAM_PREFIX>:<тема>';
COMMENT ON COLUMN outbox_events.event_type IS 'Тип события: price.changed, booking.created, apartment.published …';
COMMENT ON COLUMN outbox_events.aggregate_id IS 'id квартиры, брони или ЖК, о котором событие';
COMMENT ON COLUMN outbox_events.payload IS
    'Тело события (схема — в /asyncapi.json), деньги — строки с копейками; пусто у price.changed — его тело строится '
    'при публикации из строки price_history (outbox_event_payload): проход цен пишет сотни тысяч событий, и узкая '
    'строка без JSON в 5 раз дешевле';
COMMENT ON COLUMN outbox_events.price_history_id IS
    'price.changed: строка price_history, записанная в той же транзакции (без внешнего ключа: история цен не удаляется, '
    'а проверка ключа на каждую строку прохода стоила бы времени)';
COMMENT ON COLUMN outbox_events.recorded_at IS 'Время транзакции, записавшей событие';
COMMENT ON COLUMN outbox_events.published_at IS 'Когда ретранслятор получил подтверждение XADD от Redis; пусто — ещё ждёт';
