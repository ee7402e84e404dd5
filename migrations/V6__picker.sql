-- ИИ-подбор квартир: разговоры покупателя с подборщиком и их сообщения. Разговор принадлежит анонимному посетителю
-- (visitor_id от фронтенда) или вошедшему покупателю; истекает через PICKER_CONVERSATION_TTL_DAYS после последнего
-- сообщения и удаляется минутной задачей вместе с текстами (prune_picker_conversations, sql/picker/). См. docs/picker.md.

CREATE TABLE picker_conversations (
    id           bigint      GENERATED ALWAYS AS IDENTITY CONSTRAINT picker_conversations_pkey PRIMARY KEY,
    visitor_id   text        CONSTRAINT picker_conversations_visitor_id_check CHECK (length(visitor_id) BETWEEN 1 AND 128),
    user_id      bigint      CONSTRAINT picker_conversations_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    filters      jsonb       NOT NULL DEFAULT '{}'
                             CONSTRAINT picker_conversations_filters_check CHECK (jsonb_typeof(filters) = 'object'),
    strict_slots text[]      NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    CONSTRAINT picker_conversations_owner_check CHECK ((visitor_id IS NULL) <> (user_id IS NULL)),
    CONSTRAINT picker_conversations_expiry_check CHECK (expires_at > created_at)
);
-- Лимит сообщений владельца и поиск его разговоров.
CREATE INDEX picker_conversations_visitor_id_idx ON picker_conversations (visitor_id) WHERE visitor_id IS NOT NULL;
CREATE INDEX picker_conversations_user_id_idx ON picker_conversations (user_id) WHERE user_id IS NOT NULL;
-- Уборка истёкших.
CREATE INDEX picker_conversations_expires_at_idx ON picker_conversations (expires_at);

COMMENT ON TABLE picker_conversations IS
    'Разговор покупателя с ИИ-подборщиком: текущее состояние фильтров целиком; удаляется после expires_at';
COMMENT ON COLUMN picker_conversations.id IS 'Идентификатор разговора';
COMMENT ON COLUMN picker_conversations.visitor_id IS 'Анонимный посетитель (id от фронтенда); пусто у вошедшего покупателя';
COMMENT ON COLUMN picker_conversations.user_id IS 'Вошедший покупатель; пусто у анонимного разговора';
COMMENT ON COLUMN picker_conversations.filters IS
    'Текущие фильтры разговора: объект с именами параметров GET /apartments (city, rooms, price_max …)';
COMMENT ON COLUMN picker_conversations.strict_slots IS
    'Фильтры, которые покупатель назвал строгими («не дороже», «минимум»): ранжирование не смягчает их';
COMMENT ON COLUMN picker_conversations.created_at IS 'Начало разговора';
COMMENT ON COLUMN picker_conversations.updated_at IS 'Последнее сообщение';
COMMENT ON COLUMN picker_conversations.expires_at IS
    'Когда разговор удаляется: последнее сообщение + PICKER_CONVERSATION_TTL_DAYS';
COMMENT ON CONSTRAINT picker_conversations_owner_check ON picker_conversations IS
    'Владелец — ровно один: анонимный посетитель или покупатель';
COMMENT ON CONSTRAINT picker_conversations_expiry_check ON picker_conversations IS 'Срок жизни положителен';
COMMENT ON CONSTRAINT picker_conversations_visitor_id_check ON picker_conversations IS 'visitor_id от 1 до 128 символов';
COMMENT ON CONSTRAINT picker_conversations_filters_check ON picker_conversations IS 'Фильтры — JSON-объект';

CREATE TABLE picker_messages (
    id              bigint      GENERATED ALWAYS AS IDENTITY CONSTRAINT picker_messages_pkey PRIMARY KEY,
    conversation_id bigint      NOT NULL
                                CONSTRAINT picker_messages_conversation_id_fkey REFERENCES picker_conversations (id) ON DELETE CASCADE,
    text            text        NOT NULL CONSTRAINT picker_messages_text_check CHECK (char_length(text) BETWEEN 1 AND 1000),
    answer          jsonb       NOT NULL CONSTRAINT picker_messages_answer_check CHECK (jsonb_typeof(answer) = 'object'),
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- История разговора по порядку и лимит сообщений владельца за минуту.
CREATE INDEX picker_messages_conversation_id_created_at_idx ON picker_messages (conversation_id, created_at);

COMMENT ON TABLE picker_messages IS 'Сообщения покупателя подборщику и ответы на них; удаляются вместе с разговором';
COMMENT ON COLUMN picker_messages.id IS 'Идентификатор сообщения';
COMMENT ON COLUMN picker_messages.conversation_id IS 'Разговор';
COMMENT ON COLUMN picker_messages.text IS 'Текст покупателя (до 1000 символов)';
COMMENT ON COLUMN picker_messages.answer IS
    'Ответ подборщика целиком: что понято, фильтры после сообщения, вопрос, непонятое, подобранные квартиры';
COMMENT ON COLUMN picker_messages.created_at IS 'Когда сообщение пришло';
COMMENT ON CONSTRAINT picker_messages_text_check ON picker_messages IS 'Текст от 1 до 1000 символов';
COMMENT ON CONSTRAINT picker_messages_answer_check ON picker_messages IS 'Ответ — JSON-объект';
