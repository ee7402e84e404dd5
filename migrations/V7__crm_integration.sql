-- Интеграция с CRM застройщиков (amoCRM, Битрикс24): подключения с зашифрованными учётными данными, доставки
-- событий outbox в CRM (второй получатель того же outbox_events, что и Redis Streams), входящие вебхуки.
-- Функции и триггеры — sql/crm/, см. docs/crm-amocrm.md и docs/crm-bitrix24.md.

CREATE TYPE crm_kind AS ENUM ('amocrm', 'bitrix24');
COMMENT ON TYPE crm_kind IS 'Какая CRM у застройщика: amoCRM (API v4) или Битрикс24 (REST)';

CREATE TABLE crm_connections (
    id                         bigint      GENERATED ALWAYS AS IDENTITY CONSTRAINT crm_connections_pkey PRIMARY KEY,
    developer_id               bigint      NOT NULL
        CONSTRAINT crm_connections_developer_id_fkey REFERENCES developers (id) ON DELETE CASCADE
        CONSTRAINT crm_connections_developer_id_key UNIQUE,
    kind                       crm_kind    NOT NULL,
    account                    text        NOT NULL
        CONSTRAINT crm_connections_account_check CHECK (account ~ '^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?$'),
    api_base_url               text        NOT NULL
        CONSTRAINT crm_connections_api_base_url_check CHECK (api_base_url ~ '^https?://[^/?#]+(/[^?#]*)?$'),
    amo_account_id             bigint,
    credentials_ciphertext     bytea       NOT NULL,
    credentials_nonce          bytea       NOT NULL
        CONSTRAINT crm_connections_credentials_nonce_check CHECK (length(credentials_nonce) = 12),
    credentials_key_id         text        NOT NULL
        CONSTRAINT crm_connections_credentials_key_id_check CHECK (credentials_key_id ~ '^[0-9a-f]{16}$'),
    webhook_secret_sha256      bytea       NOT NULL
        CONSTRAINT crm_connections_webhook_secret_sha256_check CHECK (length(webhook_secret_sha256) = 32),
    status_map                 jsonb       NOT NULL DEFAULT '{}'
        CONSTRAINT crm_connections_status_map_check CHECK (jsonb_typeof(status_map) = 'object'),
    pipeline_id                text
        CONSTRAINT crm_connections_pipeline_id_check CHECK (length(pipeline_id) BETWEEN 1 AND 64),
    enabled                    boolean     NOT NULL DEFAULT true,
    last_checked_at            timestamptz,
    last_check_result          text,
    reconciled_until           timestamptz,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE crm_connections IS
    'Подключение компании-застройщика к её CRM (одно на компанию). Учётные данные зашифрованы AES-256-GCM ключом из '
    'CRM_SECRETS_KEY_FILE и никогда не отдаются API и не пишутся в журнал';
COMMENT ON COLUMN crm_connections.id IS 'Идентификатор подключения (часть адресов входящих вебхуков)';
COMMENT ON COLUMN crm_connections.developer_id IS 'Компания-застройщик';
COMMENT ON COLUMN crm_connections.kind IS 'amocrm или bitrix24';
COMMENT ON COLUMN crm_connections.account IS 'Поддомен amoCRM (example → example.amocrm.ru) или адрес портала Битрикс24 (example.bitrix24.ru)';
COMMENT ON COLUMN crm_connections.api_base_url IS
    'Куда ходит сервис: https://<поддомен>.amocrm.ru или адрес входящего вебхука Битрикс24 без секрета; хост — только из CRM_ALLOWED_HOSTS';
COMMENT ON COLUMN crm_connections.amo_account_id IS 'id аккаунта amoCRM (из проверки подключения): входящий вебхук с другим account[id] отвергается';
COMMENT ON COLUMN crm_connections.credentials_ciphertext IS 'Учётные данные (JSON) в шифре AES-256-GCM';
COMMENT ON COLUMN crm_connections.credentials_nonce IS 'Одноразовый номер AES-GCM (12 байт), свой у каждой записи шифра';
COMMENT ON COLUMN crm_connections.credentials_key_id IS
    'Каким ключом зашифровано: первые 8 байт SHA-256 ключа в hex; после смены ключа задача перешифровывает строки со старым';
COMMENT ON COLUMN crm_connections.webhook_secret_sha256 IS
    'SHA-256 секрета из адреса входящего вебхука amoCRM; сам секрет показывается один раз при подключении';
COMMENT ON COLUMN crm_connections.status_map IS
    'Соответствие шагов брони этапам CRM: {"created": "…", "confirmed": "…", "cancelled": "…", "sold": "…"} (id статуса '
    'amoCRM или STAGE_ID Битрикс24); обратное соответствие ведёт входящие изменения к шагам брони';
COMMENT ON COLUMN crm_connections.pipeline_id IS 'Воронка amoCRM (pipeline_id) или направление сделок Битрикс24 (CATEGORY_ID); пусто — основная';
COMMENT ON COLUMN crm_connections.enabled IS 'Выключенное подключение ничего не отправляет и отвергает вебхуки';
COMMENT ON COLUMN crm_connections.last_checked_at IS 'Когда последний раз проверяли подключение';
COMMENT ON COLUMN crm_connections.last_check_result IS 'Итог последней проверки по-русски';
COMMENT ON COLUMN crm_connections.reconciled_until IS 'Битрикс24: до какого момента изменённые сделки уже сверены (он не повторяет вебхуки)';
COMMENT ON COLUMN crm_connections.created_at IS 'Когда подключено';
COMMENT ON COLUMN crm_connections.updated_at IS 'Когда изменено';

CREATE TYPE crm_delivery_status AS ENUM ('pending', 'delivered', 'dead');
COMMENT ON TYPE crm_delivery_status IS
    'Доставка события в CRM: ждёт (в том числе повтора), доставлена, отложена после CRM_MAX_ATTEMPTS неудач (можно вернуть в очередь)';

CREATE TABLE crm_deliveries (
    id              bigint              GENERATED ALWAYS AS IDENTITY CONSTRAINT crm_deliveries_pkey PRIMARY KEY,
    connection_id   bigint              NOT NULL
        CONSTRAINT crm_deliveries_connection_id_fkey REFERENCES crm_connections (id) ON DELETE CASCADE,
    outbox_event_id bigint              NOT NULL,
    event_type      text                NOT NULL,
    aggregate_id    bigint              NOT NULL,
    payload         jsonb               NOT NULL,
    status          crm_delivery_status NOT NULL DEFAULT 'pending',
    attempts        integer             NOT NULL DEFAULT 0 CONSTRAINT crm_deliveries_attempts_check CHECK (attempts >= 0),
    next_attempt_at timestamptz         NOT NULL DEFAULT now(),
    last_error      text,
    crm_external_id text,
    created_at      timestamptz         NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    CONSTRAINT crm_deliveries_event_key UNIQUE (connection_id, outbox_event_id),
    CONSTRAINT crm_deliveries_delivered_check CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX crm_deliveries_pending_idx ON crm_deliveries (connection_id, id) WHERE status = 'pending';
CREATE INDEX crm_deliveries_dead_idx ON crm_deliveries (connection_id, id) WHERE status = 'dead';
CREATE INDEX crm_deliveries_aggregate_idx ON crm_deliveries (connection_id, aggregate_id, id);
COMMENT ON TABLE crm_deliveries IS
    'Очередь отправки в CRM: строка на событие outbox_events (заявка, шаги брони) для подключения его застройщика, '
    'записанная в той же транзакции, что и событие. Диспетчер берёт по одному подключению (advisory-блокировка), строки '
    'в порядке id, события одного объекта — строго по очереди';
COMMENT ON COLUMN crm_deliveries.id IS 'Идентификатор доставки';
COMMENT ON COLUMN crm_deliveries.connection_id IS 'Подключение CRM';
COMMENT ON COLUMN crm_deliveries.outbox_event_id IS 'Событие outbox_events (строка outbox может быть уже удалена после публикации)';
COMMENT ON COLUMN crm_deliveries.event_type IS 'lead.created или booking.created|confirmed|cancelled|expired|sold';
COMMENT ON COLUMN crm_deliveries.aggregate_id IS 'id заявки или брони';
COMMENT ON COLUMN crm_deliveries.payload IS 'Тело события outbox (без личных данных; контакт заявки читается при отправке)';
COMMENT ON COLUMN crm_deliveries.status IS 'pending — ждёт, delivered — доставлена, dead — отложена после CRM_MAX_ATTEMPTS неудач';
COMMENT ON COLUMN crm_deliveries.attempts IS 'Сколько раз пробовали отправить';
COMMENT ON COLUMN crm_deliveries.next_attempt_at IS 'Раньше этого момента не отправлять (экспоненциальная пауза со случайной добавкой)';
COMMENT ON COLUMN crm_deliveries.last_error IS 'Последняя ошибка по-русски (без учётных данных)';
COMMENT ON COLUMN crm_deliveries.crm_external_id IS 'id сделки или заявки в CRM, с которым доставка завершилась';
COMMENT ON COLUMN crm_deliveries.created_at IS 'Когда событие попало в очередь';
COMMENT ON COLUMN crm_deliveries.delivered_at IS 'Когда CRM подтвердила';

ALTER TABLE leads
    ADD COLUMN crm_external_id text
        CONSTRAINT leads_crm_external_id_check CHECK (length(crm_external_id) BETWEEN 1 AND 128);
COMMENT ON COLUMN leads.crm_external_id IS 'id сделки (amoCRM) или лида (Битрикс24), созданного по заявке';

CREATE TYPE webhook_status AS ENUM ('received', 'processed', 'ignored', 'rejected', 'failed');
COMMENT ON TYPE webhook_status IS
    'Входящий вебхук: принят и ждёт обработки; обработан; ничего не меняет (неизвестный статус, эхо, повтор); отвергнут '
    '(подделка); обработка не удалась (ошибка сохранена, можно переобработать)';

ALTER TABLE webhook_inbox
    ADD COLUMN connection_id bigint
        CONSTRAINT webhook_inbox_connection_id_fkey REFERENCES crm_connections (id) ON DELETE SET NULL,
    ADD COLUMN status webhook_status NOT NULL DEFAULT 'received',
    ADD COLUMN headers jsonb NOT NULL DEFAULT '{}'
        CONSTRAINT webhook_inbox_headers_check CHECK (jsonb_typeof(headers) = 'object'),
    ADD COLUMN attempts integer NOT NULL DEFAULT 0 CONSTRAINT webhook_inbox_attempts_check CHECK (attempts >= 0),
    ADD COLUMN outcome text;
CREATE INDEX webhook_inbox_connection_id_idx ON webhook_inbox (connection_id, id);
CREATE INDEX webhook_inbox_received_idx ON webhook_inbox (id) WHERE status = 'received';
COMMENT ON COLUMN webhook_inbox.connection_id IS 'Подключение CRM из адреса запроса (пусто — подключения уже нет)';
COMMENT ON COLUMN webhook_inbox.status IS 'received → processed | ignored | failed; rejected — подделка, не обрабатывается';
COMMENT ON COLUMN webhook_inbox.headers IS 'Заголовки, которые важны для разбора: Content-Type, User-Agent, X-Forwarded-For';
COMMENT ON COLUMN webhook_inbox.attempts IS 'Сколько раз обрабатывали';
COMMENT ON COLUMN webhook_inbox.outcome IS 'Что сделала обработка, по-русски (какая бронь, какой шаг или почему ничего)';
