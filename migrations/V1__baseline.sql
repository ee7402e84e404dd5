-- Базовая схема «Недвижимость 4.0»: состояние базы — типы, таблицы, ограничения, индексы, комментарии.
--
-- Здесь только то, что хранит данные. Поведение — функции, триггеры, представления и материализованные
-- представления — лежит в sql/ (по файлу на объект, порядок в sql/manifest.txt) и применяется после версионных
-- миграций при каждом migrate, если файл изменился. Правила изменений — migrations/README.md.
-- Эта миграция — свёртка истории V1–V10 (декабрь 2026); база, созданная старыми миграциями, пересоздаётся.

-- ====================================================================================================
-- Основная схема
-- ====================================================================================================
-- Иерархия каталога: developers -> projects -> buildings -> apartments.
-- Сверх 12 таблиц исходного запроса добавлены:
--   developer_members  — кто из пользователей работает в какой компании-застройщике (права в кабинете);
--   leads              — заявки на обратный звонок: формула спроса использует leads_24h;
--   refresh_tokens     — ротируемые refresh-токены (хранится только хеш, семейство для обнаружения кражи);
--   moderation_status  — черновик -> на проверке -> опубликовано / отклонено у компаний, ЖК и квартир;
--   apartments.published_at — отсюда считается days_on_site;
--   pricing_runs       — журнал проходов динамического ценообразования;
--   audit_log          — кто, когда и что изменил (модерация, ручные цены, откаты).
-- ON DELETE: история цен, бронирования, события и заявки никогда не удаляются каскадом (RESTRICT);
-- каскадом удаляются только служебные строки пользователя (членство, refresh-токены).

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TYPE user_role AS ENUM ('buyer', 'developer', 'moderator');
COMMENT ON TYPE user_role IS 'Роль на платформе: покупатель, сотрудник застройщика, модератор ассоциации';

CREATE TYPE project_class AS ENUM ('econom', 'comfort', 'business', 'premium');
COMMENT ON TYPE project_class IS 'Класс жилья ЖК';

CREATE TYPE apartment_status AS ENUM ('available', 'booked', 'sold');
COMMENT ON TYPE apartment_status IS 'Статус продажи квартиры';

CREATE TYPE booking_status AS ENUM ('pending', 'confirmed', 'cancelled', 'expired');
COMMENT ON TYPE booking_status IS 'Статус онлайн-брони';

CREATE TYPE price_change_reason AS ENUM ('dynamic', 'manual', 'promo');
COMMENT ON TYPE price_change_reason IS 'Причина изменения цены: алгоритм, вручную, акция';

CREATE TYPE interest_event AS ENUM ('view', 'favourite');
COMMENT ON TYPE interest_event IS 'Тип события интереса к квартире';

CREATE TYPE moderation_status AS ENUM ('draft', 'pending_review', 'published', 'rejected');
COMMENT ON TYPE moderation_status IS 'Состояние модерации: черновик, на проверке, опубликовано, отклонено';

CREATE TYPE company_member_role AS ENUM ('owner', 'manager');
COMMENT ON TYPE company_member_role IS 'Роль сотрудника внутри компании-застройщика';

-- 1. Пользователи ---------------------------------------------------------------------------------
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT users_pkey PRIMARY KEY,
    email         text        NOT NULL CONSTRAINT users_email_format_check CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254),
    password_hash text        NOT NULL,
    role          user_role   NOT NULL DEFAULT 'buyer',
    display_name  text        NOT NULL CONSTRAINT users_display_name_check CHECK (length(btrim(display_name)) BETWEEN 1 AND 200),
    phone         text        CONSTRAINT users_phone_check CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    sessions_revoked_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
COMMENT ON TABLE users IS 'Аккаунты всех ролей: покупатели, сотрудники застройщиков, модераторы ассоциации';
COMMENT ON COLUMN users.id IS 'Идентификатор пользователя';
COMMENT ON COLUMN users.email IS 'Email для входа; уникален без учёта регистра (индекс users_email_key)';
COMMENT ON COLUMN users.password_hash IS 'Хеш пароля argon2id в формате PHC';
COMMENT ON COLUMN users.role IS 'Роль на платформе';
COMMENT ON COLUMN users.display_name IS 'Отображаемое имя';
COMMENT ON COLUMN users.phone IS 'Телефон в формате E.164, например +79161234567';
COMMENT ON COLUMN users.created_at IS 'Когда создан';
COMMENT ON COLUMN users.updated_at IS 'Когда изменён (триггер)';
COMMENT ON COLUMN users.sessions_revoked_at IS
    'Access-токены, выпущенные раньше этого момента (с точностью до секунды), недействительны: ставится при смене пароля';

-- 2. Застройщики ----------------------------------------------------------------------------------
CREATE TABLE developers (
    id                 bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT developers_pkey PRIMARY KEY,
    name               text              NOT NULL CONSTRAINT developers_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    legal_name         text              NOT NULL CONSTRAINT developers_legal_name_check CHECK (length(btrim(legal_name)) BETWEEN 1 AND 500),
    inn                text              NOT NULL CONSTRAINT developers_inn_format_check CHECK (inn ~ '^([0-9]{10}|[0-9]{12})$'),
    ogrn               text              NOT NULL CONSTRAINT developers_ogrn_format_check CHECK (ogrn ~ '^([0-9]{13}|[0-9]{15})$'),
    logo_url           text              CONSTRAINT developers_logo_url_check CHECK (logo_url ~ '^https?://'),
    website            text              CONSTRAINT developers_website_check CHECK (website ~ '^https?://'),
    verified           boolean           NOT NULL DEFAULT false,
    moderation_status  moderation_status NOT NULL DEFAULT 'draft',
    moderated_by       bigint            CONSTRAINT developers_moderated_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    moderated_at       timestamptz,
    moderation_comment text,
    created_at         timestamptz       NOT NULL DEFAULT now(),
    updated_at         timestamptz       NOT NULL DEFAULT now(),
    CONSTRAINT developers_inn_key UNIQUE (inn),
    CONSTRAINT developers_ogrn_key UNIQUE (ogrn)
);
CREATE INDEX developers_moderated_by_idx ON developers (moderated_by);
CREATE INDEX developers_moderation_status_idx ON developers (moderation_status);
COMMENT ON TABLE developers IS 'Карточка юрлица-застройщика';
COMMENT ON COLUMN developers.id IS 'Идентификатор застройщика';
COMMENT ON COLUMN developers.name IS 'Коммерческое название (бренд)';
COMMENT ON COLUMN developers.legal_name IS 'Полное юридическое наименование';
COMMENT ON COLUMN developers.inn IS 'ИНН: 10 цифр у юрлица, 12 у ИП; контрольные суммы проверяет API';
COMMENT ON COLUMN developers.ogrn IS 'ОГРН (13 цифр) или ОГРНИП (15 цифр)';
COMMENT ON COLUMN developers.logo_url IS 'Ссылка на логотип';
COMMENT ON COLUMN developers.website IS 'Сайт застройщика';
COMMENT ON COLUMN developers.verified IS 'Компания проверена ассоциацией';
COMMENT ON COLUMN developers.moderation_status IS 'Состояние модерации карточки';
COMMENT ON COLUMN developers.moderated_by IS 'Модератор, принявший последнее решение';
COMMENT ON COLUMN developers.moderated_at IS 'Когда принято последнее решение модерации';
COMMENT ON COLUMN developers.moderation_comment IS 'Комментарий модератора (причина отказа)';
COMMENT ON COLUMN developers.created_at IS 'Когда создана карточка';
COMMENT ON COLUMN developers.updated_at IS 'Когда изменена (триггер)';

CREATE TABLE developer_members (
    developer_id bigint              NOT NULL CONSTRAINT developer_members_developer_id_fkey REFERENCES developers (id) ON DELETE CASCADE,
    user_id      bigint              NOT NULL CONSTRAINT developer_members_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    company_role company_member_role NOT NULL DEFAULT 'manager',
    created_at   timestamptz         NOT NULL DEFAULT now(),
    CONSTRAINT developer_members_pkey PRIMARY KEY (developer_id, user_id)
);
CREATE INDEX developer_members_user_id_idx ON developer_members (user_id);
COMMENT ON TABLE developer_members IS 'Сотрудники компаний-застройщиков: пользователь действует только в пределах своих компаний';
COMMENT ON COLUMN developer_members.developer_id IS 'Компания-застройщик';
COMMENT ON COLUMN developer_members.user_id IS 'Пользователь с ролью developer';
COMMENT ON COLUMN developer_members.company_role IS 'Роль в компании: owner управляет сотрудниками, manager — объектами';
COMMENT ON COLUMN developer_members.created_at IS 'Когда добавлен в компанию';

-- 3. Проекты (ЖК) ---------------------------------------------------------------------------------
CREATE TABLE projects (
    id                 bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT projects_pkey PRIMARY KEY,
    developer_id       bigint                 NOT NULL CONSTRAINT projects_developer_id_fkey REFERENCES developers (id) ON DELETE RESTRICT,
    name               text                   NOT NULL CONSTRAINT projects_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    city               text                   NOT NULL CONSTRAINT projects_city_check CHECK (length(btrim(city)) BETWEEN 1 AND 100),
    region_code        text                   NOT NULL CONSTRAINT projects_region_code_check CHECK (region_code ~ '^RU-[A-Z]{2,3}$'),
    address            text                   NOT NULL CONSTRAINT projects_address_check CHECK (length(btrim(address)) BETWEEN 1 AND 500),
    geo                geography(Point, 4326) NOT NULL,
    class              project_class          NOT NULL,
    commissioning_date date                   NOT NULL,
    cover_image_url    text                   CONSTRAINT projects_cover_image_url_check CHECK (cover_image_url ~ '^https?://'),
    description        text,
    moderation_status  moderation_status      NOT NULL DEFAULT 'draft',
    moderated_by       bigint                 CONSTRAINT projects_moderated_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    moderated_at       timestamptz,
    moderation_comment text,
    published_at       timestamptz,
    created_at         timestamptz            NOT NULL DEFAULT now(),
    updated_at         timestamptz            NOT NULL DEFAULT now(),
    CONSTRAINT projects_published_at_check CHECK (moderation_status <> 'published' OR published_at IS NOT NULL)
);
CREATE INDEX projects_developer_id_idx ON projects (developer_id);
CREATE INDEX projects_moderated_by_idx ON projects (moderated_by);
CREATE INDEX projects_geo_idx ON projects USING gist (geo);
CREATE INDEX projects_region_code_idx ON projects (region_code);
CREATE INDEX projects_city_idx ON projects (lower(city));
CREATE INDEX projects_class_idx ON projects (class);
CREATE INDEX projects_commissioning_date_idx ON projects (commissioning_date);
CREATE INDEX projects_moderation_status_idx ON projects (moderation_status);
COMMENT ON TABLE projects IS 'Жилые комплексы (ЖК) — верхний уровень каталога';
COMMENT ON COLUMN projects.id IS 'Идентификатор ЖК';
COMMENT ON COLUMN projects.developer_id IS 'Застройщик';
COMMENT ON COLUMN projects.name IS 'Название ЖК';
COMMENT ON COLUMN projects.city IS 'Город';
COMMENT ON COLUMN projects.region_code IS 'Код субъекта РФ по ISO 3166-2, например RU-MOW';
COMMENT ON COLUMN projects.address IS 'Адрес';
COMMENT ON COLUMN projects.geo IS 'Точка на карте (WGS 84), индекс GiST projects_geo_idx';
COMMENT ON COLUMN projects.class IS 'Класс жилья';
COMMENT ON COLUMN projects.commissioning_date IS 'Плановая дата сдачи';
COMMENT ON COLUMN projects.cover_image_url IS 'Обложка ЖК';
COMMENT ON COLUMN projects.description IS 'Описание ЖК';
COMMENT ON COLUMN projects.moderation_status IS 'Состояние модерации; публично видны только published';
COMMENT ON COLUMN projects.moderated_by IS 'Модератор, принявший последнее решение';
COMMENT ON COLUMN projects.moderated_at IS 'Когда принято последнее решение модерации';
COMMENT ON COLUMN projects.moderation_comment IS 'Комментарий модератора';
COMMENT ON COLUMN projects.published_at IS 'Когда ЖК впервые опубликован';
COMMENT ON COLUMN projects.created_at IS 'Когда создан';
COMMENT ON COLUMN projects.updated_at IS 'Когда изменён (триггер)';

-- 4. Корпуса -------------------------------------------------------------------------------------
CREATE TABLE buildings (
    id                    bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT buildings_pkey PRIMARY KEY,
    project_id            bigint      NOT NULL CONSTRAINT buildings_project_id_fkey REFERENCES projects (id) ON DELETE RESTRICT,
    name                  text        NOT NULL CONSTRAINT buildings_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    number                text        CONSTRAINT buildings_number_check CHECK (length(btrim(number)) BETWEEN 1 AND 20),
    sections              integer     NOT NULL DEFAULT 1 CONSTRAINT buildings_sections_check CHECK (sections BETWEEN 1 AND 100),
    floors                integer     NOT NULL CONSTRAINT buildings_floors_check CHECK (floors BETWEEN 1 AND 200),
    commissioning_quarter smallint    CONSTRAINT buildings_commissioning_quarter_check CHECK (commissioning_quarter BETWEEN 1 AND 4),
    commissioning_year    smallint    CONSTRAINT buildings_commissioning_year_check CHECK (commissioning_year BETWEEN 1990 AND 2100),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT buildings_id_project_id_key UNIQUE (id, project_id)
);
CREATE INDEX buildings_project_id_idx ON buildings (project_id);
COMMENT ON TABLE buildings IS 'Корпуса (очереди, секции) внутри ЖК';
COMMENT ON COLUMN buildings.id IS 'Идентификатор корпуса';
COMMENT ON COLUMN buildings.project_id IS 'ЖК, к которому относится корпус';
COMMENT ON COLUMN buildings.name IS 'Название корпуса';
COMMENT ON COLUMN buildings.number IS 'Номер корпуса по проекту, например «2.1»';
COMMENT ON COLUMN buildings.sections IS 'Количество секций (подъездов)';
COMMENT ON COLUMN buildings.floors IS 'Этажность';
COMMENT ON COLUMN buildings.commissioning_quarter IS 'Квартал сдачи (1–4)';
COMMENT ON COLUMN buildings.commissioning_year IS 'Год сдачи';
COMMENT ON COLUMN buildings.created_at IS 'Когда создан';
COMMENT ON COLUMN buildings.updated_at IS 'Когда изменён (триггер)';

-- 5. Квартиры ------------------------------------------------------------------------------------
CREATE TABLE apartments (
    id                 bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT apartments_pkey PRIMARY KEY,
    building_id        bigint            NOT NULL,
    project_id         bigint            NOT NULL,
    code               text              NOT NULL CONSTRAINT apartments_code_check CHECK (length(btrim(code)) BETWEEN 1 AND 64),
    floor              integer           NOT NULL CONSTRAINT apartments_floor_check CHECK (floor BETWEEN -5 AND 200),
    rooms              smallint          NOT NULL CONSTRAINT apartments_rooms_check CHECK (rooms BETWEEN 0 AND 20),
    area_total         numeric(8, 2)     NOT NULL CONSTRAINT apartments_area_total_check CHECK (area_total > 0 AND area_total <= 10000),
    area_living        numeric(8, 2)     CONSTRAINT apartments_area_living_check CHECK (area_living > 0 AND area_living <= area_total),
    area_kitchen       numeric(8, 2)     CONSTRAINT apartments_area_kitchen_check CHECK (area_kitchen > 0 AND area_kitchen <= area_total),
    ceiling_height     numeric(4, 2)     CONSTRAINT apartments_ceiling_height_check CHECK (ceiling_height BETWEEN 2.00 AND 10.00),
    balcony            boolean           NOT NULL DEFAULT false,
    layout_image_url   text              CONSTRAINT apartments_layout_image_url_check CHECK (layout_image_url ~ '^https?://'),
    base_price         numeric(14, 2)    NOT NULL CONSTRAINT apartments_base_price_check CHECK (base_price > 0),
    current_price      numeric(14, 2)    NOT NULL CONSTRAINT apartments_current_price_check CHECK (current_price > 0),
    currency           char(3)           NOT NULL DEFAULT 'RUB' CONSTRAINT apartments_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    status             apartment_status  NOT NULL DEFAULT 'available',
    tour_url           text              CONSTRAINT apartments_tour_url_check CHECK (tour_url ~ '^https?://'),
    extra              jsonb             NOT NULL DEFAULT '{}' CONSTRAINT apartments_extra_check CHECK (jsonb_typeof(extra) = 'object'),
    moderation_status  moderation_status NOT NULL DEFAULT 'draft',
    moderated_by       bigint            CONSTRAINT apartments_moderated_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    moderated_at       timestamptz,
    moderation_comment text,
    published_at       timestamptz,
    created_at         timestamptz       NOT NULL DEFAULT now(),
    updated_at         timestamptz       NOT NULL DEFAULT now(),
    -- Ограничители прохода хранятся в самой квартире, чтобы проход по миллиону квартир не агрегировал
    -- price_history и bookings каждую минуту; ведут триггеры price_history и bookings.
    price_changed_at   timestamptz,
    last_booked_at     timestamptz,
    CONSTRAINT apartments_building_project_fkey FOREIGN KEY (building_id, project_id)
        REFERENCES buildings (id, project_id) ON DELETE RESTRICT,
    CONSTRAINT apartments_project_code_key UNIQUE (project_id, code),
    CONSTRAINT apartments_published_at_check CHECK (moderation_status <> 'published' OR published_at IS NOT NULL)
) WITH (fillfactor = 50);
-- Место на странице для новой версии строки: первый проход меняет цену у большинства квартир, и при fillfactor 70
-- около трети обновлений не помещались на свою страницу — не-HOT, по новой записи в каждый из 11 индексов
-- apartments. При 50 все 573 тыс. обновлений первого прохода на 1 млн квартир — HOT (docs/performance.md); таблица
-- больше на ~20 %. Действует для новых страниц; существующую таблицу переупаковывает VACUUM FULL apartments
-- (или pg_repack) в окно обслуживания.
CREATE INDEX apartments_building_id_idx ON apartments (building_id);
CREATE INDEX apartments_moderated_by_idx ON apartments (moderated_by);
CREATE INDEX apartments_on_sale_cluster_idx ON apartments (project_id, rooms)
    WHERE status = 'available' AND moderation_status = 'published';
CREATE INDEX apartments_rooms_idx ON apartments (rooms);
-- Индекса по current_price нет намеренно: цену меняет поминутный проход ценообразования, а индекс по ней запретил бы
-- HOT-обновления (каждое изменение цены вставляло бы записи во все индексы таблицы и раздувало WAL). Фильтр по цене
-- в каталоге идёт вместе с регионом, ЖК и комнатностью (apartments_on_sale_cluster_idx) и проверяется по строкам;
-- диапазон цен ЖК для карты — cluster_demand.min_price / max_price.
CREATE INDEX apartments_area_total_idx ON apartments (area_total);
CREATE INDEX apartments_status_idx ON apartments (status);
CREATE INDEX apartments_moderation_status_idx ON apartments (moderation_status) WHERE moderation_status <> 'published';

COMMENT ON TABLE apartments IS 'Квартиры — главная витрина каталога';
COMMENT ON COLUMN apartments.id IS 'Идентификатор квартиры';
COMMENT ON COLUMN apartments.building_id IS 'Корпус';
COMMENT ON COLUMN apartments.project_id IS 'ЖК (заполняется триггером по корпусу; нужен для кластеров ценообразования)';
COMMENT ON COLUMN apartments.code IS 'Внутренний артикул застройщика, уникален в пределах ЖК';
COMMENT ON COLUMN apartments.floor IS 'Этаж';
COMMENT ON COLUMN apartments.rooms IS 'Количество комнат, 0 — студия';
COMMENT ON COLUMN apartments.area_total IS 'Общая площадь, м²';
COMMENT ON COLUMN apartments.area_living IS 'Жилая площадь, м² (не больше общей)';
COMMENT ON COLUMN apartments.area_kitchen IS 'Площадь кухни, м² (не больше общей)';
COMMENT ON COLUMN apartments.ceiling_height IS 'Высота потолков, м';
COMMENT ON COLUMN apartments.balcony IS 'Есть балкон или лоджия';
COMMENT ON COLUMN apartments.layout_image_url IS 'Планировка';
COMMENT ON COLUMN apartments.base_price IS 'Базовая цена застройщика, от неё считается коридор ±PRICE_MAX_SHIFT';
COMMENT ON COLUMN apartments.current_price IS 'Текущая цена продажи (меняет алгоритм, застройщик или акция)';
COMMENT ON COLUMN apartments.currency IS 'Валюта ISO 4217, по умолчанию RUB';
COMMENT ON COLUMN apartments.status IS 'Статус продажи';
COMMENT ON COLUMN apartments.tour_url IS '3D-тур (Avalin)';
COMMENT ON COLUMN apartments.extra IS 'Дополнительные атрибуты: отделка, вид из окна и т. п.';
COMMENT ON COLUMN apartments.moderation_status IS 'Состояние модерации; в продаже и публично видны только published';
COMMENT ON COLUMN apartments.moderated_by IS 'Модератор, принявший последнее решение';
COMMENT ON COLUMN apartments.moderated_at IS 'Когда принято последнее решение модерации';
COMMENT ON COLUMN apartments.moderation_comment IS 'Комментарий модератора';
COMMENT ON COLUMN apartments.published_at IS 'Первая публикация; от неё считается days_on_site';
COMMENT ON COLUMN apartments.created_at IS 'Когда создана';
COMMENT ON COLUMN apartments.updated_at IS 'Когда строка последний раз изменена: ставит оператор (проход цен) или триггер apartments_set_updated_at';
COMMENT ON COLUMN apartments.price_changed_at IS 'Последнее изменение цены по любой причине = max(price_history.changed_at); ведёт триггер';
COMMENT ON COLUMN apartments.last_booked_at IS 'Последняя бронь любого статуса = max(bookings.booked_at); ведёт триггер';

-- Журнал проходов ценообразования: нужен истории цен для ссылки на проход (sql/pricing/).
CREATE TYPE pricing_trigger AS ENUM ('schedule', 'manual', 'cli');
COMMENT ON TYPE pricing_trigger IS 'Кто запустил проход ценообразования: расписание, модератор через API, CLI';

CREATE TABLE pricing_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pricing_runs_pkey PRIMARY KEY,
    trigger       pricing_trigger NOT NULL,
    scheduled_for timestamptz,
    started_by    bigint          CONSTRAINT pricing_runs_started_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    started_at    timestamptz     NOT NULL DEFAULT clock_timestamp(),
    finished_at   timestamptz,
    evaluated     integer         NOT NULL DEFAULT 0 CONSTRAINT pricing_runs_evaluated_check CHECK (evaluated >= 0),
    decisions     jsonb           NOT NULL DEFAULT '{}' CONSTRAINT pricing_runs_decisions_check CHECK (jsonb_typeof(decisions) = 'object'),
    raised        integer         NOT NULL DEFAULT 0 CONSTRAINT pricing_runs_raised_check CHECK (raised >= 0),
    lowered       integer         NOT NULL DEFAULT 0 CONSTRAINT pricing_runs_lowered_check CHECK (lowered >= 0),
    rolled_back_at timestamptz,
    rolled_back_by bigint         CONSTRAINT pricing_runs_rolled_back_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT pricing_runs_scheduled_for_key UNIQUE (scheduled_for),
    CONSTRAINT pricing_runs_scheduled_for_check CHECK ((trigger = 'schedule') = (scheduled_for IS NOT NULL))
);
CREATE INDEX pricing_runs_started_by_idx ON pricing_runs (started_by);
CREATE INDEX pricing_runs_rolled_back_by_idx ON pricing_runs (rolled_back_by);
CREATE INDEX pricing_runs_started_at_idx ON pricing_runs (started_at DESC);
COMMENT ON TABLE pricing_runs IS 'Журнал проходов динамического ценообразования: один проход — одна строка';
COMMENT ON COLUMN pricing_runs.id IS 'Идентификатор прохода';
COMMENT ON COLUMN pricing_runs.trigger IS 'Источник запуска';
COMMENT ON COLUMN pricing_runs.scheduled_for IS 'Слот расписания (начало минуты); уникален, чтобы несколько реплик не провели один слот дважды';
COMMENT ON COLUMN pricing_runs.started_by IS 'Пользователь, запустивший проход вручную';
COMMENT ON COLUMN pricing_runs.started_at IS 'Начало прохода';
COMMENT ON COLUMN pricing_runs.finished_at IS 'Окончание прохода';
COMMENT ON COLUMN pricing_runs.evaluated IS 'Сколько квартир в продаже оценено';
COMMENT ON COLUMN pricing_runs.decisions IS 'Количество решений по видам: {"raise": 3, "hold": 120, ...}';
COMMENT ON COLUMN pricing_runs.raised IS 'Сколько цен повышено';
COMMENT ON COLUMN pricing_runs.lowered IS 'Сколько цен понижено';
COMMENT ON COLUMN pricing_runs.rolled_back_at IS 'Когда изменения прохода откачены';
COMMENT ON COLUMN pricing_runs.rolled_back_by IS 'Кто откатил изменения прохода';

-- 6. История цен ---------------------------------------------------------------------------------
CREATE TABLE price_history (
    id                  bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT price_history_pkey PRIMARY KEY,
    apartment_id        bigint              NOT NULL,
    changed_at          timestamptz         NOT NULL DEFAULT now(),
    old_price           numeric(14, 2)      NOT NULL CONSTRAINT price_history_old_price_check CHECK (old_price > 0),
    new_price           numeric(14, 2)      NOT NULL CONSTRAINT price_history_new_price_check CHECK (new_price > 0),
    reason              price_change_reason NOT NULL,
    pricing_run_id      bigint,
    rollback_of_run_id  bigint              CONSTRAINT price_history_rollback_of_run_id_fkey REFERENCES pricing_runs (id) ON DELETE RESTRICT,
    changed_by          bigint              CONSTRAINT price_history_changed_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    inputs              jsonb,
    explanation         text,
    CONSTRAINT price_history_price_changed_check CHECK (new_price <> old_price),
    -- Входные данные решения прохода (reason = dynamic)
    views_24h           integer,
    favourites_24h      integer,
    leads_24h           integer,
    bookings_24h        integer,
    days_on_site        integer,
    demand              numeric,
    cluster_median      numeric,
    demand_norm         numeric,
    delta               numeric,
    max_shift           numeric,
    k1                  numeric,
    k2                  numeric,
    config_id           bigint,
    CONSTRAINT price_history_dynamic_run_check CHECK (reason <> 'dynamic' OR pricing_run_id IS NOT NULL),
    CONSTRAINT price_history_dynamic_inputs_check
        CHECK (reason <> 'dynamic' OR (views_24h IS NOT NULL AND demand IS NOT NULL AND config_id IS NOT NULL))
);
CREATE INDEX price_history_apartment_changed_at_idx ON price_history (apartment_id, changed_at DESC);
CREATE INDEX price_history_changed_at_idx ON price_history (changed_at);
CREATE INDEX price_history_pricing_run_id_idx ON price_history (pricing_run_id);
-- Почти у всех строк (каждое изменение цены проходом) эти ссылки пусты: частичные индексы не тратят запись на NULL
-- и по-прежнему обслуживают проверки внешних ключей (поиск по равенству).
CREATE INDEX price_history_rollback_of_run_id_idx ON price_history (rollback_of_run_id) WHERE rollback_of_run_id IS NOT NULL;
CREATE INDEX price_history_changed_by_idx ON price_history (changed_by) WHERE changed_by IS NOT NULL;
COMMENT ON TABLE price_history IS 'Все изменения цены квартиры — для отката, объяснения покупателю и аналитики';
COMMENT ON COLUMN price_history.id IS 'Идентификатор записи';
COMMENT ON COLUMN price_history.apartment_id IS
    'Квартира (apartments.id). Ссылку проверяет триггер price_history_check_references, удаление квартиры с историей '
    'запрещает apartments_keep_referenced (sql/pricing/price_history_check_references.sql)';
COMMENT ON COLUMN price_history.changed_at IS 'Когда изменилась цена';
COMMENT ON COLUMN price_history.old_price IS 'Цена до изменения';
COMMENT ON COLUMN price_history.new_price IS 'Цена после изменения';
COMMENT ON COLUMN price_history.reason IS 'Причина: dynamic — алгоритм, manual — вручную/откат, promo — акция';
COMMENT ON COLUMN price_history.pricing_run_id IS
    'Проход ценообразования (pricing_runs.id), для reason = dynamic обязателен. Ссылку проверяет '
    'price_history_check_references (sql/pricing/price_history_check_references.sql)';
COMMENT ON COLUMN price_history.rollback_of_run_id IS 'Если это откат: проход, изменения которого откачены';
COMMENT ON COLUMN price_history.changed_by IS 'Пользователь, изменивший цену вручную или запустивший откат';
COMMENT ON COLUMN price_history.inputs IS
    'Дополнительно для ручных изменений: комментарий сотрудника. Входные данные решения прохода — в столбцах views_24h…config_id';
COMMENT ON COLUMN price_history.explanation IS 'Понятное объяснение на русском, например «Цена изменилась +3 % из-за высокого спроса (34 просмотра за 24 ч)»';

-- 7. Логи интереса -------------------------------------------------------------------------------
CREATE TABLE views_log (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT views_log_pkey PRIMARY KEY,
    apartment_id bigint         NOT NULL,
    user_id      bigint         CONSTRAINT views_log_user_id_fkey REFERENCES users (id) ON DELETE SET NULL,
    visitor_id   text           CONSTRAINT views_log_visitor_id_check CHECK (length(visitor_id) BETWEEN 1 AND 128),
    event        interest_event NOT NULL,
    occurred_at  timestamptz    NOT NULL DEFAULT now(),
    recorded_xid xid8           NOT NULL DEFAULT pg_current_xact_id(),
    viewer       text GENERATED ALWAYS AS (
        CASE WHEN user_id IS NOT NULL THEN 'u:' || user_id::text
                      WHEN visitor_id IS NOT NULL THEN 'v:' || visitor_id END) STORED
);
CREATE INDEX views_log_apartment_occurred_at_idx ON views_log (apartment_id, occurred_at);
CREATE INDEX views_log_occurred_at_idx ON views_log (occurred_at);
CREATE INDEX views_log_recorded_xid_idx ON views_log (recorded_xid);
CREATE INDEX views_log_user_id_idx ON views_log (user_id) WHERE user_id IS NOT NULL;
COMMENT ON TABLE views_log IS 'Сырые события интереса (просмотры, избранное), на которых строится спрос';
COMMENT ON COLUMN views_log.id IS 'Идентификатор события';
COMMENT ON COLUMN views_log.apartment_id IS
    'Квартира (apartments.id). Ссылку проверяет триггер views_log_check_apartment одним запросом на оператор; '
    'удаление квартиры с событиями запрещает apartments_keep_referenced';
COMMENT ON COLUMN views_log.user_id IS 'Пользователь, если вошёл в систему';
COMMENT ON COLUMN views_log.visitor_id IS 'Анонимный идентификатор посетителя от фронтенда';
COMMENT ON COLUMN views_log.event IS 'Тип события';
COMMENT ON COLUMN views_log.occurred_at IS 'Когда произошло событие';
COMMENT ON COLUMN views_log.recorded_xid IS 'Транзакция записи: по ней инкрементальный пересчёт apartment_stats находит события, закоммиченные после прошлого пересчёта';

-- 8. Агрегаты спроса -----------------------------------------------------------------------------
CREATE TABLE apartment_stats (
    apartment_id   bigint      NOT NULL CONSTRAINT apartment_stats_pkey PRIMARY KEY,
    views_24h      integer     NOT NULL DEFAULT 0 CONSTRAINT apartment_stats_views_24h_check CHECK (views_24h >= 0),
    favourites_24h integer     NOT NULL DEFAULT 0 CONSTRAINT apartment_stats_favourites_24h_check CHECK (favourites_24h >= 0),
    leads_24h      integer     NOT NULL DEFAULT 0 CONSTRAINT apartment_stats_leads_24h_check CHECK (leads_24h >= 0),
    bookings_24h   integer     NOT NULL DEFAULT 0 CONSTRAINT apartment_stats_bookings_24h_check CHECK (bookings_24h >= 0),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- Копия полей квартиры, которые читают медианы и проход (источник правды — apartments)
    project_id       bigint         NOT NULL,
    rooms            smallint       NOT NULL,
    on_sale          boolean        NOT NULL,
    published_at     timestamptz,
    base_price       numeric(14, 2) NOT NULL,
    current_price    numeric(14, 2) NOT NULL,
    price_changed_at timestamptz,
    last_booked_at   timestamptz
) WITH (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);
-- apartment_stats читают целиком дважды в минуту (медианы и проход), а меняется в ней ~1 % строк в минуту и
-- больше половины — в первом проходе: мёртвые версии удлиняют оба чтения (на 1 млн квартир после первого прохода
-- seq scan читал 1,5 млн версий вместо 1 млн). Автоочистка — с 2 % мёртвых строк, а не с 20 %.
COMMENT ON TABLE apartment_stats IS
    'Рабочий набор ценообразования по квартире: показатели спроса за скользящие 24 ч (ведёт refresh_apartment_stats) '
    'и копия полей apartments, которые читают медианы и проход (ведёт sync_apartment_copies из триггеров '
    'apartments_sync_inserted_copies и apartments_sync_copies, проход и откат — сами). Строка есть у каждой квартиры; проход и '
    'cluster_demand читают только эту узкую таблицу';
COMMENT ON COLUMN apartment_stats.apartment_id IS
    'Квартира (apartments.id). Внешнего ключа нет намеренно: строку создаёт sync_apartment_copies при вставке квартиры '
    '(триггер apartments_sync_inserted_copies), удаляет apartments_forget_pricing_inputs, см. sql/catalog/apartment_copies.sql';
COMMENT ON COLUMN apartment_stats.views_24h IS 'Просмотров за 24 ч';
COMMENT ON COLUMN apartment_stats.favourites_24h IS 'Добавлений в избранное за 24 ч';
COMMENT ON COLUMN apartment_stats.leads_24h IS 'Заявок на звонок за 24 ч';
COMMENT ON COLUMN apartment_stats.bookings_24h IS 'Бронирований (любого статуса) за 24 ч';
COMMENT ON COLUMN apartment_stats.updated_at IS 'Когда показатели пересчитаны';

-- 9. Бронирования --------------------------------------------------------------------------------
CREATE TABLE bookings (
    id              bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT bookings_pkey PRIMARY KEY,
    apartment_id    bigint         NOT NULL CONSTRAINT bookings_apartment_id_fkey REFERENCES apartments (id) ON DELETE RESTRICT,
    user_id         bigint         NOT NULL CONSTRAINT bookings_user_id_fkey REFERENCES users (id) ON DELETE RESTRICT,
    status          booking_status NOT NULL DEFAULT 'pending',
    price           numeric(14, 2) NOT NULL CONSTRAINT bookings_price_check CHECK (price > 0),
    booked_at       timestamptz    NOT NULL DEFAULT now(),
    expires_at      timestamptz    NOT NULL,
    crm_external_id text           CONSTRAINT bookings_crm_external_id_check CHECK (length(crm_external_id) BETWEEN 1 AND 128),
    updated_at      timestamptz    NOT NULL DEFAULT now(),
    recorded_xid    xid8           NOT NULL DEFAULT pg_current_xact_id(),
    comment         text           CONSTRAINT bookings_comment_check CHECK (length(comment) <= 1000),
    CONSTRAINT bookings_expires_at_check CHECK (expires_at > booked_at)
);
CREATE UNIQUE INDEX bookings_one_active_per_apartment_key ON bookings (apartment_id) WHERE status IN ('pending', 'confirmed');
CREATE INDEX bookings_apartment_booked_at_idx ON bookings (apartment_id, booked_at);
CREATE INDEX bookings_booked_at_idx ON bookings (booked_at);
CREATE INDEX bookings_recorded_xid_idx ON bookings (recorded_xid);
CREATE INDEX bookings_user_id_idx ON bookings (user_id);
CREATE INDEX bookings_pending_expires_at_idx ON bookings (expires_at) WHERE status = 'pending';
COMMENT ON TABLE bookings IS 'Онлайн-брони квартир; не удаляются, любая бронь блокирует переоценку на 24 ч';
COMMENT ON COLUMN bookings.id IS 'Идентификатор брони';
COMMENT ON COLUMN bookings.apartment_id IS 'Квартира';
COMMENT ON COLUMN bookings.user_id IS 'Покупатель';
COMMENT ON COLUMN bookings.status IS 'Статус; активной (pending или confirmed) может быть только одна бронь на квартиру';
COMMENT ON COLUMN bookings.price IS 'Цена, зафиксированная в момент бронирования';
COMMENT ON COLUMN bookings.booked_at IS 'Когда создана бронь';
COMMENT ON COLUMN bookings.expires_at IS 'Когда истекает неподтверждённая бронь';
COMMENT ON COLUMN bookings.crm_external_id IS 'Идентификатор сделки в amoCRM / Битрикс24';
COMMENT ON COLUMN bookings.updated_at IS 'Когда изменена (триггер)';
COMMENT ON COLUMN bookings.recorded_xid IS 'Транзакция записи: по ней инкрементальный пересчёт apartment_stats находит брони, закоммиченные после прошлого пересчёта';

-- Заявки на обратный звонок ----------------------------------------------------------------------
CREATE TABLE leads (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT leads_pkey PRIMARY KEY,
    apartment_id bigint      NOT NULL CONSTRAINT leads_apartment_id_fkey REFERENCES apartments (id) ON DELETE RESTRICT,
    user_id      bigint      CONSTRAINT leads_user_id_fkey REFERENCES users (id) ON DELETE SET NULL,
    visitor_id   text        CONSTRAINT leads_visitor_id_check CHECK (length(visitor_id) BETWEEN 1 AND 128),
    name         text        NOT NULL CONSTRAINT leads_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    phone        text        NOT NULL CONSTRAINT leads_phone_check CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    comment      text        CONSTRAINT leads_comment_check CHECK (length(comment) <= 2000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    recorded_xid xid8        NOT NULL DEFAULT pg_current_xact_id(),
    viewer       text GENERATED ALWAYS AS (
        CASE WHEN user_id IS NOT NULL THEN 'u:' || user_id::text
                      WHEN visitor_id IS NOT NULL THEN 'v:' || visitor_id END) STORED
);
CREATE INDEX leads_apartment_created_at_idx ON leads (apartment_id, created_at);
CREATE INDEX leads_created_at_idx ON leads (created_at);
CREATE INDEX leads_recorded_xid_idx ON leads (recorded_xid);
CREATE INDEX leads_user_id_idx ON leads (user_id) WHERE user_id IS NOT NULL;
COMMENT ON TABLE leads IS 'Заявки покупателей на обратный звонок по квартире; входят в спрос как leads_24h';
COMMENT ON COLUMN leads.id IS 'Идентификатор заявки';
COMMENT ON COLUMN leads.apartment_id IS 'Квартира';
COMMENT ON COLUMN leads.user_id IS 'Покупатель, если вошёл в систему';
COMMENT ON COLUMN leads.visitor_id IS 'Анонимный идентификатор посетителя';
COMMENT ON COLUMN leads.name IS 'Как обращаться';
COMMENT ON COLUMN leads.phone IS 'Телефон в E.164';
COMMENT ON COLUMN leads.comment IS 'Комментарий покупателя';
COMMENT ON COLUMN leads.created_at IS 'Когда оставлена заявка';
COMMENT ON COLUMN leads.recorded_xid IS 'Транзакция записи: по ней инкрементальный пересчёт apartment_stats находит заявки, закоммиченные после прошлого пересчёта';

-- 10. Акции и скидки -----------------------------------------------------------------------------
CREATE TABLE promotions (
    id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT promotions_pkey PRIMARY KEY,
    developer_id     bigint        CONSTRAINT promotions_developer_id_fkey REFERENCES developers (id) ON DELETE RESTRICT,
    project_id       bigint        CONSTRAINT promotions_project_id_fkey REFERENCES projects (id) ON DELETE RESTRICT,
    name             text          NOT NULL CONSTRAINT promotions_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    discount_percent numeric(5, 2) NOT NULL CONSTRAINT promotions_discount_percent_check CHECK (discount_percent > 0 AND discount_percent <= 100),
    starts_at        timestamptz   NOT NULL,
    ends_at          timestamptz   NOT NULL,
    conditions       jsonb         NOT NULL DEFAULT '{}' CONSTRAINT promotions_conditions_check CHECK (jsonb_typeof(conditions) = 'object'),
    created_at       timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT promotions_period_check CHECK (ends_at > starts_at)
);
CREATE INDEX promotions_developer_id_idx ON promotions (developer_id);
CREATE INDEX promotions_project_id_idx ON promotions (project_id);
CREATE INDEX promotions_period_idx ON promotions (starts_at, ends_at);
COMMENT ON TABLE promotions IS 'Акции и скидки, например 5 % при покупке через платформу';
COMMENT ON COLUMN promotions.id IS 'Идентификатор акции';
COMMENT ON COLUMN promotions.developer_id IS 'Застройщик, если акция его (пусто — акция платформы)';
COMMENT ON COLUMN promotions.project_id IS 'ЖК, если акция только на него';
COMMENT ON COLUMN promotions.name IS 'Название акции';
COMMENT ON COLUMN promotions.discount_percent IS 'Скидка, % (0–100]';
COMMENT ON COLUMN promotions.starts_at IS 'Начало действия';
COMMENT ON COLUMN promotions.ends_at IS 'Окончание действия';
COMMENT ON COLUMN promotions.conditions IS 'Условия, например {"rooms": [0], "min_area_total": 25}';
COMMENT ON COLUMN promotions.created_at IS 'Когда создана';

-- 11. Входящие вебхуки CRM -----------------------------------------------------------------------
CREATE TABLE webhook_inbox (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT webhook_inbox_pkey PRIMARY KEY,
    source       text        NOT NULL CONSTRAINT webhook_inbox_source_check CHECK (source ~ '^[a-z0-9_]{1,32}$'),
    payload      jsonb       NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    processed    boolean     NOT NULL DEFAULT false,
    processed_at timestamptz,
    error        text
);
CREATE INDEX webhook_inbox_unprocessed_idx ON webhook_inbox (received_at) WHERE NOT processed;
CREATE INDEX webhook_inbox_source_received_at_idx ON webhook_inbox (source, received_at);
COMMENT ON TABLE webhook_inbox IS 'Всё, что прислали CRM (amoCRM, Битрикс24), как есть — чтобы можно было переобработать';
COMMENT ON COLUMN webhook_inbox.id IS 'Идентификатор вебхука';
COMMENT ON COLUMN webhook_inbox.source IS 'Источник: amo, bitrix и т. д.';
COMMENT ON COLUMN webhook_inbox.payload IS 'Тело запроса';
COMMENT ON COLUMN webhook_inbox.received_at IS 'Когда получен';
COMMENT ON COLUMN webhook_inbox.processed IS 'Обработан успешно';
COMMENT ON COLUMN webhook_inbox.processed_at IS 'Когда обработан';
COMMENT ON COLUMN webhook_inbox.error IS 'Ошибка последней попытки обработки';

-- Refresh-токены ---------------------------------------------------------------------------------
CREATE TABLE refresh_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT refresh_tokens_pkey PRIMARY KEY,
    user_id     bigint      NOT NULL CONSTRAINT refresh_tokens_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid        NOT NULL,
    token_hash  bytea       NOT NULL CONSTRAINT refresh_tokens_token_hash_key UNIQUE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    CONSTRAINT refresh_tokens_expires_at_check CHECK (expires_at > issued_at)
);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
COMMENT ON TABLE refresh_tokens IS 'Refresh-токены: хранится только SHA-256; повторное предъявление использованного токена отзывает всё семейство';
COMMENT ON COLUMN refresh_tokens.id IS 'Идентификатор токена';
COMMENT ON COLUMN refresh_tokens.user_id IS 'Владелец';
COMMENT ON COLUMN refresh_tokens.family_id IS 'Семейство: цепочка ротаций от одного входа';
COMMENT ON COLUMN refresh_tokens.token_hash IS 'SHA-256 от токена';
COMMENT ON COLUMN refresh_tokens.issued_at IS 'Когда выдан';
COMMENT ON COLUMN refresh_tokens.expires_at IS 'Когда истекает';
COMMENT ON COLUMN refresh_tokens.used_at IS 'Когда обменян на новую пару (ротация)';
COMMENT ON COLUMN refresh_tokens.revoked_at IS 'Когда отозван (выход, смена пароля, обнаружение кражи)';

-- Журнал аудита ----------------------------------------------------------------------------------
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT audit_log_pkey PRIMARY KEY,
    actor_user_id bigint      CONSTRAINT audit_log_actor_user_id_fkey REFERENCES users (id) ON DELETE SET NULL,
    action        text        NOT NULL CONSTRAINT audit_log_action_check CHECK (action ~ '^[a-z_.]{1,64}$'),
    entity        text        NOT NULL CONSTRAINT audit_log_entity_check CHECK (entity ~ '^[a-z_]{1,64}$'),
    entity_id     bigint,
    details       jsonb       NOT NULL DEFAULT '{}',
    occurred_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_actor_user_id_idx ON audit_log (actor_user_id);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, occurred_at DESC);
COMMENT ON TABLE audit_log IS 'Кто, когда и что сделал: модерация, ручные цены, настройки ценообразования, откаты';
COMMENT ON COLUMN audit_log.id IS 'Идентификатор записи';
COMMENT ON COLUMN audit_log.actor_user_id IS 'Кто сделал (пусто — система)';
COMMENT ON COLUMN audit_log.action IS 'Действие, например pricing.rollback';
COMMENT ON COLUMN audit_log.entity IS 'Тип объекта, например apartment';
COMMENT ON COLUMN audit_log.entity_id IS 'Идентификатор объекта';
COMMENT ON COLUMN audit_log.details IS 'Подробности в JSON';
COMMENT ON COLUMN audit_log.occurred_at IS 'Когда';

-- ====================================================================================================
-- Динамическое ценообразование: настройки и рабочий набор прохода
-- ====================================================================================================
--
-- Конвейер одной минуты (функции — sql/demand/ и sql/pricing/, запускает сервис):
--   1. refresh_demand_aggregates(now) — инкрементально обновляет apartment_stats (просмотры/избранное за 24 ч:
--      добавляет события новее водяного знака и вычитает вышедшие из окна; заявки и брони — точный пересчёт только
--      у задетых квартир) и обновляет материализованное представление cluster_demand (медианы кластеров)
--      CONCURRENTLY, не блокируя читателей;
--   2. reprice_apartments(now) — один set-based проход по всем квартирам в продаже со всеми ограничителями.
--
-- Почему так: на 1 млн квартир и 10 млн событий за 24 ч материализованное представление поверх сырых событий
-- обновляется ~9 с (~15 с CONCURRENTLY), а поминутная дельта — это ~7 тыс. событий. Медианы по ~10 тыс.
-- кластеров — маленький результат, его дёшево держать в материализованном представлении для аналитиков.
--
-- Рабочий набор прохода — apartment_stats: кроме счётчиков за 24 ч в ней лежит копия всего, что проход читает
-- у квартиры (ЖК, комнатность, «в продаже», цены, время публикации, последнего изменения цены и брони; копию
-- ведут триггеры apartments). Соединение двух таблиц по миллиону строк стоит здесь ~1 с, а и медианам, и проходу
-- нужна каждая квартира в продаже: поэтому оба читают одну узкую таблицу, а apartments проход трогает только
-- для изменённых цен. Спрос в горячем цикле считается в целых тысячных (веса numeric(8, 3)) — без numeric на строку.

-- 12. Конфигурация -------------------------------------------------------------------------------
CREATE TABLE dynamic_pricing_config (
    id                bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT dynamic_pricing_config_pkey PRIMARY KEY,
    developer_id      bigint        CONSTRAINT dynamic_pricing_config_developer_id_fkey REFERENCES developers (id) ON DELETE RESTRICT,
    project_id        bigint        CONSTRAINT dynamic_pricing_config_project_id_fkey REFERENCES projects (id) ON DELETE RESTRICT,
    k1                numeric(6, 3) NOT NULL DEFAULT 1.3 CONSTRAINT dynamic_pricing_config_k1_check CHECK (k1 > 0 AND k1 <= 100),
    k2                numeric(6, 3) NOT NULL DEFAULT 0.7 CONSTRAINT dynamic_pricing_config_k2_check CHECK (k2 > 0 AND k2 < k1),
    enabled           boolean       NOT NULL DEFAULT true,
    weight_views      numeric(8, 3) NOT NULL DEFAULT 0.5 CONSTRAINT dynamic_pricing_config_weight_views_check CHECK (weight_views >= 0 AND weight_views <= 1000),
    weight_favourites numeric(8, 3) NOT NULL DEFAULT 0 CONSTRAINT dynamic_pricing_config_weight_favourites_check CHECK (weight_favourites >= 0 AND weight_favourites <= 1000),
    weight_leads      numeric(8, 3) NOT NULL DEFAULT 2 CONSTRAINT dynamic_pricing_config_weight_leads_check CHECK (weight_leads >= 0 AND weight_leads <= 1000),
    weight_bookings   numeric(8, 3) NOT NULL DEFAULT 5 CONSTRAINT dynamic_pricing_config_weight_bookings_check CHECK (weight_bookings >= 0 AND weight_bookings <= 1000),
    step              numeric(6, 5) NOT NULL DEFAULT 0.03 CONSTRAINT dynamic_pricing_config_step_check CHECK (step > 0 AND step <= 0.5),
    elasticity_cap    numeric(6, 5) NOT NULL DEFAULT 0.03 CONSTRAINT dynamic_pricing_config_elasticity_cap_check CHECK (elasticity_cap > 0 AND elasticity_cap <= 0.5),
    max_shift         numeric(6, 5) NOT NULL DEFAULT 0.07 CONSTRAINT dynamic_pricing_config_max_shift_check CHECK (max_shift >= 0 AND max_shift <= 0.5),
    cooldown          interval      NOT NULL DEFAULT '24 hours' CONSTRAINT dynamic_pricing_config_cooldown_check CHECK (cooldown >= '0' AND cooldown <= '30 days'),
    booking_freeze    interval      NOT NULL DEFAULT '24 hours' CONSTRAINT dynamic_pricing_config_booking_freeze_check CHECK (booking_freeze >= '0' AND booking_freeze <= '30 days'),
    min_days_on_site  integer       NOT NULL DEFAULT 14 CONSTRAINT dynamic_pricing_config_min_days_on_site_check CHECK (min_days_on_site BETWEEN 0 AND 3650),
    comment           text          CONSTRAINT dynamic_pricing_config_comment_check CHECK (length(comment) <= 1000),
    created_by        bigint        CONSTRAINT dynamic_pricing_config_created_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz   NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT dynamic_pricing_config_scope_check CHECK (developer_id IS NULL OR project_id IS NULL)
);
CREATE INDEX dynamic_pricing_config_developer_id_idx ON dynamic_pricing_config (developer_id, created_at DESC);
CREATE INDEX dynamic_pricing_config_project_id_idx ON dynamic_pricing_config (project_id, created_at DESC);
CREATE INDEX dynamic_pricing_config_created_by_idx ON dynamic_pricing_config (created_by);
COMMENT ON TABLE dynamic_pricing_config IS
    'Коэффициенты динамического ценообразования без деплоя. Только добавление: каждая версия хранится (кто, когда). '
    'Действует последняя версия в своей области: глобальная (developer_id и project_id пусты), застройщика, ЖК. '
    'Для ЖК побеждает самая конкретная включённая версия; глобальная версия с enabled = false выключает всё. '
    'ELASTICITY_CAP и PRICE_MAX_SHIFT из окружения — потолки: таблица может их ужесточить, но не превысить';
COMMENT ON COLUMN dynamic_pricing_config.id IS 'Идентификатор версии';
COMMENT ON COLUMN dynamic_pricing_config.developer_id IS 'Область: застройщик (переопределение для всех его ЖК)';
COMMENT ON COLUMN dynamic_pricing_config.project_id IS 'Область: ЖК (самое конкретное переопределение)';
COMMENT ON COLUMN dynamic_pricing_config.k1 IS 'Верхний порог: demand_norm > k1 — цена растёт (1.3)';
COMMENT ON COLUMN dynamic_pricing_config.k2 IS 'Нижний порог: demand_norm < k2 и долго на сайте — цена снижается (0.7)';
COMMENT ON COLUMN dynamic_pricing_config.enabled IS 'Версия действует; глобальная с false отключает ценообразование полностью';
COMMENT ON COLUMN dynamic_pricing_config.weight_views IS 'Вес просмотра за 24 ч в спросе (0.5)';
COMMENT ON COLUMN dynamic_pricing_config.weight_favourites IS 'Вес добавления в избранное (0)';
COMMENT ON COLUMN dynamic_pricing_config.weight_leads IS 'Вес заявки на звонок (2)';
COMMENT ON COLUMN dynamic_pricing_config.weight_bookings IS 'Вес брони (5)';
COMMENT ON COLUMN dynamic_pricing_config.step IS 'Шаг изменения цены за проход, доля (0.03 = 3 %)';
COMMENT ON COLUMN dynamic_pricing_config.elasticity_cap IS 'Предел эластичности, доля: Δ = min(step, elasticity_cap, ELASTICITY_CAP)';
COMMENT ON COLUMN dynamic_pricing_config.max_shift IS 'Коридор от базовой цены, доля: min(max_shift, PRICE_MAX_SHIFT)';
COMMENT ON COLUMN dynamic_pricing_config.cooldown IS 'Не менять цену, если она менялась (по любой причине) за этот период';
COMMENT ON COLUMN dynamic_pricing_config.booking_freeze IS 'Не менять цену, если за этот период была бронь (любого статуса)';
COMMENT ON COLUMN dynamic_pricing_config.min_days_on_site IS 'Снижать цену только если квартира на сайте больше стольких дней';
COMMENT ON COLUMN dynamic_pricing_config.comment IS 'Зачем изменили настройки';
COMMENT ON COLUMN dynamic_pricing_config.created_by IS 'Кто создал версию';
COMMENT ON COLUMN dynamic_pricing_config.created_at IS 'Когда создана версия';

INSERT INTO dynamic_pricing_config (comment) VALUES ('Значения по умолчанию из ТЗ');

COMMENT ON COLUMN apartment_stats.project_id IS 'Копия apartments.project_id (кластер)';
COMMENT ON COLUMN apartment_stats.rooms IS 'Копия apartments.rooms (кластер)';
COMMENT ON COLUMN apartment_stats.on_sale IS 'Квартира в продаже: apartments.status = available и moderation_status = published';
COMMENT ON COLUMN apartment_stats.published_at IS 'Копия apartments.published_at (для days_on_site)';
COMMENT ON COLUMN apartment_stats.base_price IS 'Копия apartments.base_price (коридор цены)';
COMMENT ON COLUMN apartment_stats.current_price IS 'Копия apartments.current_price';
COMMENT ON COLUMN apartment_stats.price_changed_at IS 'Копия apartments.price_changed_at (пауза после изменения цены)';
COMMENT ON COLUMN apartment_stats.last_booked_at IS 'Копия apartments.last_booked_at (пауза после брони)';

CREATE INDEX apartment_stats_leads_bookings_idx ON apartment_stats (apartment_id) WHERE leads_24h > 0 OR bookings_24h > 0;

CREATE TABLE demand_aggregation_state (
    singleton       boolean     NOT NULL DEFAULT true CONSTRAINT demand_aggregation_state_pkey PRIMARY KEY
                                CONSTRAINT demand_aggregation_state_singleton_check CHECK (singleton),
    folded_snapshot pg_snapshot,
    window_end      timestamptz,
    refreshed_at    timestamptz
);
INSERT INTO demand_aggregation_state DEFAULT VALUES;
COMMENT ON TABLE demand_aggregation_state IS 'Водяной знак инкрементального пересчёта apartment_stats (одна строка)';
COMMENT ON COLUMN demand_aggregation_state.singleton IS 'Всегда true: таблица из одной строки';
COMMENT ON COLUMN demand_aggregation_state.folded_snapshot IS
    'Снимок последнего пересчёта: события views_log, видимые в нём, уже учтены; пусто — нужен полный пересчёт';
COMMENT ON COLUMN demand_aggregation_state.window_end IS 'Конец 24-часового окна последнего пересчёта';
COMMENT ON COLUMN demand_aggregation_state.refreshed_at IS 'Когда завершён последний пересчёт (время часов)';

-- Проход ценообразования --------------------------------------------------------------------------
-- Функции текста объявлены STABLE (как format и ||): тогда планировщик встраивает их в запрос прохода,
-- и объяснение для миллиона квартир не стоит миллиона вызовов функций.
CREATE TYPE pricing_decision AS ENUM (
    'raise', 'lower', 'hold', 'cooldown', 'recent_booking', 'at_limit', 'no_median', 'disabled', 'skipped'
);
COMMENT ON TYPE pricing_decision IS
    'Решение прохода: повысить, понизить, без изменений, пауза после изменения цены, недавняя бронь, '
    'упёрлись в коридор ±max_shift, нет медианы для сравнения, ценообразование выключено, проход пропущен';

CREATE TYPE pricing_outcome AS (
    apartment_id     bigint,
    project_id       bigint,
    rooms            smallint,
    views_24h        integer,
    favourites_24h   integer,
    leads_24h        integer,
    bookings_24h     integer,
    days_on_site     integer,
    demand           numeric,
    cluster_median   numeric,
    direction        integer,
    decision         pricing_decision,
    old_price        numeric(14, 2),
    new_price        numeric(14, 2),
    config_id        bigint,
    k1               numeric,
    k2               numeric,
    delta            numeric,
    max_shift        numeric,
    min_days_on_site integer
);
COMMENT ON TYPE pricing_outcome IS
    'Решение прохода по одной квартире со всеми входными данными: элемент массива, в который reprice_apartments '
    'собирает только нужные строки (изменения или всё при p_changes_only = false), не материализуя миллион строк';
COMMENT ON COLUMN pricing_outcome.apartment_id IS 'Квартира';
COMMENT ON COLUMN pricing_outcome.project_id IS 'ЖК';
COMMENT ON COLUMN pricing_outcome.rooms IS 'Комнатность';
COMMENT ON COLUMN pricing_outcome.views_24h IS 'Просмотров за 24 ч';
COMMENT ON COLUMN pricing_outcome.favourites_24h IS 'В избранное за 24 ч';
COMMENT ON COLUMN pricing_outcome.leads_24h IS 'Заявок за 24 ч';
COMMENT ON COLUMN pricing_outcome.bookings_24h IS 'Броней за 24 ч';
COMMENT ON COLUMN pricing_outcome.days_on_site IS 'Полных дней на сайте';
COMMENT ON COLUMN pricing_outcome.demand IS 'Спрос по весам ЖК';
COMMENT ON COLUMN pricing_outcome.cluster_median IS 'Медиана спроса в кластере (пусто — кластера нет в cluster_demand)';
COMMENT ON COLUMN pricing_outcome.direction IS '1 — спрос высокий, −1 — низкий и можно снижать, −2 — низкий, но квартира на сайте недолго, 0 — около медианы';
COMMENT ON COLUMN pricing_outcome.decision IS 'Решение';
COMMENT ON COLUMN pricing_outcome.old_price IS 'Цена до прохода';
COMMENT ON COLUMN pricing_outcome.new_price IS 'Цена после прохода (равна старой, если решение не raise и не lower)';
COMMENT ON COLUMN pricing_outcome.config_id IS 'Версия настроек, по которой принято решение';
COMMENT ON COLUMN pricing_outcome.k1 IS 'Верхний порог demand_norm';
COMMENT ON COLUMN pricing_outcome.k2 IS 'Нижний порог demand_norm';
COMMENT ON COLUMN pricing_outcome.delta IS 'Шаг Δ с учётом потолков, доля';
COMMENT ON COLUMN pricing_outcome.max_shift IS 'Коридор от базовой цены с учётом потолков, доля';
COMMENT ON COLUMN pricing_outcome.min_days_on_site IS 'Минимум дней на сайте для снижения';

-- ====================================================================================================
-- Доступ к API
-- ====================================================================================================
--   login_attempts              — неудачные (и ещё не завершённые) попытки входа: защита от перебора паролей
--                                 по email и по адресу клиента; общая для всех реплик сервиса;
--   register_login_attempt() (sql/auth/) проверяет лимит и пишет попытку под advisory-блокировкой;
--   users.sessions_revoked_at   — отзыв всех access-токенов пользователя (смена пароля);
--   refresh_tokens_expires_at_idx — уборка истёкших refresh-токенов.

CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);

-- Попытки входа ----------------------------------------------------------------------------------
CREATE TABLE login_attempts (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT login_attempts_pkey PRIMARY KEY,
    email        text        NOT NULL CONSTRAINT login_attempts_email_check CHECK (length(email) <= 254),
    client_ip    inet,
    attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email_attempted_at_idx ON login_attempts (email, attempted_at);
CREATE INDEX login_attempts_client_ip_attempted_at_idx ON login_attempts (client_ip, attempted_at) WHERE client_ip IS NOT NULL;
CREATE INDEX login_attempts_attempted_at_idx ON login_attempts (attempted_at);
COMMENT ON TABLE login_attempts IS
    'Попытки входа для защиты от перебора: строка появляется до проверки пароля и удаляется при успешном входе, '
    'так что остаются неудачные; строки старше окна удаляются при следующей попытке';
COMMENT ON COLUMN login_attempts.id IS 'Идентификатор попытки';
COMMENT ON COLUMN login_attempts.email IS 'Email, под которым пытались войти (в нижнем регистре; аккаунта может не быть)';
COMMENT ON COLUMN login_attempts.client_ip IS 'Адрес клиента: адрес сокета или первый X-Forwarded-For при TRUST_FORWARDED_FOR=true';
COMMENT ON COLUMN login_attempts.attempted_at IS 'Когда была попытка';

-- ====================================================================================================
-- Каталог, поиск и карта
-- ====================================================================================================
--   project_media           — фото, видео, 3D-тур и планировки квартир ЖК (ссылки с видом и порядком);
--   (этаж квартиры и этажность корпуса сверяют триггеры, публичная витрина catalog_apartments — в sql/catalog/);
--   индексы фильтров каталога.
-- Решение по фильтру цены (замеры — docs/performance.md): индекса по apartments.current_price нет и здесь.
-- У apartments больше десятка индексов: изменение цены, попавшей в любой из них, перестало бы быть HOT и вставляло
-- бы запись в каждый. Цена ищется по узкой копии apartment_stats (её ведут триггеры apartments для ценообразования):
-- индекс apartment_stats_on_sale_price_idx (ЖК, цена) INCLUDE (комнатность, id) только по квартирам в продаже.
-- HOT теряют лишь обновления, меняющие цену (их в минуту — доли процента каталога; поминутный пересчёт просмотров
-- цену не трогает и остаётся HOT), и стоят они одну лишнюю запись в индекс узкой таблицы, а не во все индексы
-- apartments. Каталог по квартирам «в продаже» без фильтров площади/этажа/корпуса и карта читают только этот индекс
-- и маленькую projects: счёт total и первая страница по цене не заходят в строки apartments.

CREATE TYPE media_kind AS ENUM ('photo', 'video', 'tour_3d', 'layout');
COMMENT ON TYPE media_kind IS 'Вид медиа ЖК: фото, видео, 3D-тур (Avalin), планировка квартиры';

CREATE TABLE project_media (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT project_media_pkey PRIMARY KEY,
    project_id   bigint      NOT NULL CONSTRAINT project_media_project_id_fkey REFERENCES projects (id) ON DELETE CASCADE,
    apartment_id bigint      CONSTRAINT project_media_apartment_id_fkey REFERENCES apartments (id) ON DELETE CASCADE,
    kind         media_kind  NOT NULL,
    url          text        NOT NULL CONSTRAINT project_media_url_check CHECK (url ~ '^https?://\S+$' AND length(url) <= 2000),
    title        text        CONSTRAINT project_media_title_check CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    position     smallint    NOT NULL CONSTRAINT project_media_position_check CHECK (position BETWEEN 0 AND 999),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT project_media_layout_check CHECK ((kind = 'layout') = (apartment_id IS NOT NULL)),
    CONSTRAINT project_media_position_key UNIQUE (project_id, kind, position)
);
CREATE INDEX project_media_apartment_id_idx ON project_media (apartment_id) WHERE apartment_id IS NOT NULL;
COMMENT ON TABLE project_media IS 'Медиа карточки ЖК: фото, видео, 3D-тур и планировки квартир; хранятся ссылки, порядок — position';
COMMENT ON COLUMN project_media.id IS 'Идентификатор медиа';
COMMENT ON COLUMN project_media.project_id IS 'ЖК (индекс — project_media_position_key, он начинается с project_id)';
COMMENT ON COLUMN project_media.apartment_id IS 'Квартира, если это её планировка (только для kind = layout)';
COMMENT ON COLUMN project_media.kind IS 'Вид: photo, video, tour_3d (Avalin), layout';
COMMENT ON COLUMN project_media.url IS 'Ссылка http(s)';
COMMENT ON COLUMN project_media.title IS 'Подпись';
COMMENT ON COLUMN project_media.position IS 'Порядок показа внутри вида, от 0';
COMMENT ON COLUMN project_media.created_at IS 'Когда добавлено';

-- Индексы фильтров каталога ----------------------------------------------------------------------------
-- Ни один не содержит current_price: проход ценообразования остаётся HOT.
-- Публичный поиск всегда ограничен опубликованными квартирами: частичный индекс с ЖК первым ключом отвечает на
-- «квартиры этих ЖК с такой комнатностью и статусом»; площадь и этаж — отдельные индексы для широких запросов.
CREATE INDEX apartments_published_search_idx ON apartments (project_id, rooms, status)
    WHERE moderation_status = 'published';
CREATE INDEX apartments_floor_idx ON apartments (floor);
CREATE INDEX apartment_stats_on_sale_price_idx ON apartment_stats (project_id, current_price) INCLUDE (rooms, apartment_id)
    WHERE on_sale;
-- Кабинет застройщика и модерация: квартиры корпуса по артикулу (bulk) уже покрыты apartments_project_code_key.
CREATE INDEX projects_published_idx ON projects (developer_id, commissioning_date)
    WHERE moderation_status = 'published';
CREATE INDEX developers_published_idx ON developers (id) WHERE moderation_status = 'published';
-- Карта: окно bbox в градусах WGS 84 — это прямоугольник на плоскости lon/lat, а не на сфере; индекс по
-- геометрии отвечает на «точки в окне» точно (у geography ребро окна шло бы по дуге большого круга).
CREATE INDEX projects_geom_idx ON projects USING gist ((geo::geometry));
CREATE INDEX buildings_commissioning_idx ON buildings (commissioning_year, commissioning_quarter);

-- ====================================================================================================
-- Сигналы спроса и онлайн-бронирование
-- ====================================================================================================
-- Честные сигналы спроса (просмотры, избранное, заявки, пакетный приём событий, защита от накруток)
-- и онлайн-бронирование (удержание, подтверждение, отмена, истечение, идемпотентность).
--
-- Решения:
-- * Повторный просмотр того же зрителя той же квартиры в окне (30 мин, настраивается) не пишется в views_log:
--   таблица view_dedup хранит момент последнего учтённого события пары «квартира × зритель × тип», и
--   INSERT … ON CONFLICT DO UPDATE … WHERE counted_at <= новое − окно атомарно решает «учесть или нет» даже при
--   одновременных запросах (строка пары блокируется, второй запрос видит уже обновлённое время).
-- * Частота зрителя считается в visitor_activity (события в минуту, включая повторы). Выше порога — строка в
--   flagged_visitors; события помеченного зрителя хранятся, но не входят в спрос. Смена пометки (пометили или
--   модератор снял) записывает changed_xid, и refresh_apartment_stats точно пересчитывает квартиры этого зрителя
--   за 24 ч — агрегаты остаются равными полному пересчёту.
-- * views_log не секционируется: секционирование по дню потребовало бы пересоздать таблицу, первичный ключ с
--   occurred_at и менять водяной знак recorded_xid. Вместо этого prune_interest_events() каждую минуту удаляет
--   порцию событий старше срока хранения по индексу views_log_occurred_at_idx (удаление идёт с начала индекса —
--   дёшево) и никогда не трогает события, которые ещё нужны инкрементальному пересчёту (окно + запас).

-- Зритель -----------------------------------------------------------------------------------------
CREATE INDEX views_log_viewer_occurred_at_idx ON views_log (viewer, occurred_at) WHERE viewer IS NOT NULL;
COMMENT ON COLUMN views_log.viewer IS
    'Кто смотрел: u:<id пользователя> или v:<id посетителя от фронтенда>; по нему работают окно повторов и пометка накрутки';

CREATE INDEX leads_viewer_created_at_idx ON leads (viewer, created_at) WHERE viewer IS NOT NULL;
COMMENT ON COLUMN leads.viewer IS
    'Кто оставил заявку (как views_log.viewer): заявки помеченного зрителя не входят в спрос, одна заявка зрителя по квартире в сутки';

-- Окно повторов -----------------------------------------------------------------------------------
CREATE TABLE view_dedup (
    apartment_id bigint         NOT NULL,
    viewer       text           NOT NULL CONSTRAINT view_dedup_viewer_check CHECK (length(viewer) BETWEEN 3 AND 130),
    event        interest_event NOT NULL,
    counted_at   timestamptz    NOT NULL,
    CONSTRAINT view_dedup_pkey PRIMARY KEY (apartment_id, viewer, event)
);
CREATE INDEX view_dedup_counted_at_idx ON view_dedup (counted_at);
COMMENT ON TABLE view_dedup IS
    'Последнее учтённое событие пары «квартира × зритель × тип»: повтор в окне (VIEW_DEDUP_WINDOW_SECONDS) не учитывается. '
    'Строки старше суток удаляет prune_interest_events()';
COMMENT ON COLUMN view_dedup.apartment_id IS
    'Квартира (apartments.id). Ссылку проверяет триггер view_dedup_check_apartment; строки удаляются вместе с квартирой '
    '(apartments_keep_referenced)';
COMMENT ON COLUMN view_dedup.viewer IS 'Зритель (как views_log.viewer)';
COMMENT ON COLUMN view_dedup.event IS 'Тип события';
COMMENT ON COLUMN view_dedup.counted_at IS 'Когда произошло последнее учтённое событие';

-- Частота и пометка накрутки ----------------------------------------------------------------------
CREATE TABLE visitor_activity (
    viewer text        NOT NULL CONSTRAINT visitor_activity_viewer_check CHECK (length(viewer) BETWEEN 3 AND 130),
    minute timestamptz NOT NULL,
    events integer     NOT NULL CONSTRAINT visitor_activity_events_check CHECK (events > 0),
    CONSTRAINT visitor_activity_pkey PRIMARY KEY (viewer, minute)
);
CREATE INDEX visitor_activity_minute_idx ON visitor_activity (minute);
COMMENT ON TABLE visitor_activity IS
    'Сколько событий (включая повторы) прислал зритель за минуту; хранится час. Строки ip:<адрес> — анонимные '
    'просмотры и заявки с одного адреса клиента (лимит ANONYMOUS_EVENTS_PER_IP_PER_MINUTE, ответ 429)';
COMMENT ON COLUMN visitor_activity.viewer IS 'Зритель (u:…, v:…) или адрес анонимного клиента (ip:…)';
COMMENT ON COLUMN visitor_activity.minute IS 'Минута приёма (начало)';
COMMENT ON COLUMN visitor_activity.events IS 'Событий за минуту';

CREATE TABLE flagged_visitors (
    id                     bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT flagged_visitors_pkey PRIMARY KEY,
    viewer                 text        NOT NULL CONSTRAINT flagged_visitors_viewer_key UNIQUE
                                       CONSTRAINT flagged_visitors_viewer_check CHECK (length(viewer) BETWEEN 3 AND 130),
    flagged                boolean     NOT NULL DEFAULT true,
    peak_events_per_minute integer     NOT NULL CONSTRAINT flagged_visitors_peak_events_per_minute_check CHECK (peak_events_per_minute > 0),
    flagged_at             timestamptz NOT NULL DEFAULT now(),
    unflagged_at           timestamptz,
    unflagged_by           bigint      CONSTRAINT flagged_visitors_unflagged_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    changed_xid            xid8        NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX flagged_visitors_flagged_at_idx ON flagged_visitors (flagged_at DESC);
CREATE INDEX flagged_visitors_unflagged_by_idx ON flagged_visitors (unflagged_by) WHERE unflagged_by IS NOT NULL;
CREATE INDEX flagged_visitors_changed_xid_idx ON flagged_visitors (changed_xid);
COMMENT ON TABLE flagged_visitors IS
    'Зрители, превысившие частоту событий (VISITOR_FLOOD_EVENTS_PER_MINUTE): пока flagged, их события хранятся, '
    'но не входят в спрос. Модератор видит список и может снять пометку';
COMMENT ON COLUMN flagged_visitors.id IS 'Идентификатор пометки';
COMMENT ON COLUMN flagged_visitors.viewer IS 'Зритель (как views_log.viewer)';
COMMENT ON COLUMN flagged_visitors.flagged IS 'Пометка действует: события исключены из спроса';
COMMENT ON COLUMN flagged_visitors.peak_events_per_minute IS 'Наибольшая замеченная частота, событий в минуту';
COMMENT ON COLUMN flagged_visitors.flagged_at IS 'Когда помечен (последний раз)';
COMMENT ON COLUMN flagged_visitors.unflagged_at IS 'Когда модератор снял пометку';
COMMENT ON COLUMN flagged_visitors.unflagged_by IS 'Модератор, снявший пометку';
COMMENT ON COLUMN flagged_visitors.changed_xid IS
    'Транзакция последней смены пометки: по ней refresh_apartment_stats находит зрителей, чьи квартиры надо пересчитать';

-- Избранное ----------------------------------------------------------------------------------------
CREATE TABLE favourites (
    user_id      bigint      NOT NULL CONSTRAINT favourites_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    apartment_id bigint      NOT NULL CONSTRAINT favourites_apartment_id_fkey REFERENCES apartments (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT favourites_pkey PRIMARY KEY (user_id, apartment_id)
);
CREATE INDEX favourites_apartment_id_idx ON favourites (apartment_id);
CREATE INDEX favourites_user_created_at_idx ON favourites (user_id, created_at DESC);
COMMENT ON TABLE favourites IS 'Избранные квартиры покупателей; добавление пишет событие favourite в views_log';
COMMENT ON COLUMN favourites.user_id IS 'Покупатель';
COMMENT ON COLUMN favourites.apartment_id IS 'Квартира';
COMMENT ON COLUMN favourites.created_at IS 'Когда добавлена в избранное';

-- Бронирование -------------------------------------------------------------------------------------
CREATE TYPE booking_action AS ENUM ('created', 'confirmed', 'cancelled', 'expired', 'sold');
COMMENT ON TYPE booking_action IS 'Шаг жизни брони: создана, подтверждена застройщиком, отменена, истекла, квартира продана';

CREATE TABLE booking_events (
    id          bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT booking_events_pkey PRIMARY KEY,
    booking_id  bigint         NOT NULL CONSTRAINT booking_events_booking_id_fkey REFERENCES bookings (id) ON DELETE CASCADE,
    action      booking_action NOT NULL,
    actor_id    bigint         CONSTRAINT booking_events_actor_id_fkey REFERENCES users (id) ON DELETE SET NULL,
    actor_role  user_role,
    comment     text           CONSTRAINT booking_events_comment_check CHECK (length(comment) <= 1000),
    occurred_at timestamptz    NOT NULL DEFAULT now()
);
CREATE INDEX booking_events_booking_id_idx ON booking_events (booking_id, occurred_at);
CREATE INDEX booking_events_actor_id_idx ON booking_events (actor_id) WHERE actor_id IS NOT NULL;
COMMENT ON TABLE booking_events IS 'История брони: каждый шаг (кто, когда); видна покупателю, застройщику и модераторам';
COMMENT ON COLUMN booking_events.id IS 'Идентификатор шага';
COMMENT ON COLUMN booking_events.booking_id IS 'Бронь';
COMMENT ON COLUMN booking_events.action IS 'Что произошло';
COMMENT ON COLUMN booking_events.actor_id IS 'Кто сделал; пусто — система (истечение по расписанию)';
COMMENT ON COLUMN booking_events.actor_role IS 'Роль того, кто сделал, на момент действия';
COMMENT ON COLUMN booking_events.comment IS 'Комментарий (например, причина отмены)';
COMMENT ON COLUMN booking_events.occurred_at IS 'Когда';

COMMENT ON COLUMN bookings.comment IS 'Комментарий покупателя к брони';
CREATE INDEX bookings_user_active_idx ON bookings (user_id) WHERE status IN ('pending', 'confirmed');
CREATE INDEX bookings_status_booked_at_idx ON bookings (status, booked_at DESC);

CREATE TABLE booking_idempotency_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT booking_idempotency_keys_pkey PRIMARY KEY,
    user_id      bigint      NOT NULL CONSTRAINT booking_idempotency_keys_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    key          text        NOT NULL CONSTRAINT booking_idempotency_keys_key_check CHECK (length(key) BETWEEN 1 AND 200),
    request_hash bytea       NOT NULL,
    booking_id   bigint      CONSTRAINT booking_idempotency_keys_booking_id_fkey REFERENCES bookings (id) ON DELETE CASCADE,
    response     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT booking_idempotency_keys_user_key_key UNIQUE (user_id, key)
);
CREATE INDEX booking_idempotency_keys_booking_id_idx ON booking_idempotency_keys (booking_id);
CREATE INDEX booking_idempotency_keys_created_at_idx ON booking_idempotency_keys (created_at);
COMMENT ON TABLE booking_idempotency_keys IS
    'Заголовок Idempotency-Key запросов брони: повтор с тем же ключом получает первый ответ, с другим телом — 422. '
    'Строка вставляется в транзакции брони: параллельный повтор ждёт её коммита (ON CONFLICT) и читает ответ';
COMMENT ON COLUMN booking_idempotency_keys.id IS 'Идентификатор';
COMMENT ON COLUMN booking_idempotency_keys.user_id IS 'Покупатель (ключи разных покупателей не пересекаются)';
COMMENT ON COLUMN booking_idempotency_keys.key IS 'Значение заголовка Idempotency-Key';
COMMENT ON COLUMN booking_idempotency_keys.request_hash IS 'SHA-256 квартиры и тела запроса';
COMMENT ON COLUMN booking_idempotency_keys.booking_id IS 'Созданная бронь';
COMMENT ON COLUMN booking_idempotency_keys.response IS 'Тело первого ответа (201)';
COMMENT ON COLUMN booking_idempotency_keys.created_at IS 'Когда получен первый запрос';

-- ====================================================================================================
-- Производные копии квартир без внешних ключей
-- ====================================================================================================
--
-- apartment_stats — производная копия (кеш) полей квартиры и счётчиков спроса, её ведут триггеры apartments.
-- Внешний ключ на такой таблице не защищает ничего, что не защищали бы триггеры, но стоит дорого: PostgreSQL
-- проверяет ключ при UPDATE строки, вставленной той же транзакцией, даже если apartment_id не менялся. Первый цикл
-- ценообразования может перестроить apartment_stats (TRUNCATE + INSERT) и в той же транзакции проход меняет цены
-- сотням тысяч квартир — триггер синхронизации обновляет их строки apartment_stats, и каждая строка проверялась
-- бы отдельным запросом к apartments (на 1 млн квартир: 573 тыс. проверок, десятки секунд первого прохода).
-- Каскадное удаление вместо ключа делает триггер на удаление квартир (sql/demand/apartments_forget_pricing_inputs.sql).

-- ====================================================================================================
-- Быстрый поиск по региону (цель: поиск p99 ≤ 50 мс при ≥ 1 000 запросов/с)
-- ====================================================================================================
--
-- Через projects_region_code_idx и apartment_stats_on_sale_price_idx (ЖК, цена) по каждому ЖК поиск собирал бы
-- и сортировал все подходящие квартиры региона (в Москве ~31 тыс.), чтобы отдать 20 самых дешёвых. catalog_offers — узкая копия квартир в
-- продаже с регионом ЖК, и её индекс catalog_offers_region_price_idx (регион, цена, id) отдаёт страницу по порядку
-- цены: чтение ~20–50 записей индекса. Число подходящих квартир (total) сервис кеширует на несколько секунд
-- (CATALOG_TOTAL_CACHE_SECONDS), а когда считает — считает по этой же таблице.
--
-- Почему отдельная таблица, а не колонка region_code в apartment_stats. В apartment_stats поминутно меняются
-- счётчики спроса у множества квартир: такие обновления HOT, но снимают с страниц признак «все строки видимы»
-- (visibility map), и подсчёт по индексу всё равно читает страницы таблицы — по всей таблице, потому что квартиры
-- региона разбросаны по ней (Москва 9–12 млн: ~5 800 страниц, 45–75 мс). В catalog_offers нет счётчиков: строки
-- меняются только при смене цены, статуса, комнатности, ЖК (в минуту — доли процента каталога), таблица
-- заполняется в порядке (регион, цена) и держит место для обновлений на той же странице (fillfactor 80), так что
-- квартиры одного региона и диапазона цен лежат на немногих соседних страницах, а частый autovacuum возвращает
-- страницам признак видимости.
--
-- Копию ведут sync_apartment_copies (вставка и изменение квартиры, sql/catalog/apartment_copies.sql),
-- catalog_offers_deleted (удаление), projects_sync_region_to_offers (регион ЖК), проход и откат цен (цена).

CREATE TABLE catalog_offers (
    apartment_id  bigint         CONSTRAINT catalog_offers_pkey PRIMARY KEY,
    project_id    bigint         NOT NULL,
    region_code   text           NOT NULL,
    rooms         smallint       NOT NULL,
    current_price numeric(14, 2) NOT NULL
) WITH (fillfactor = 80,
        autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
        autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 2000,
        autovacuum_analyze_scale_factor = 0.02);
COMMENT ON TABLE catalog_offers IS
    'Квартиры в продаже (status = available, moderation_status = published, как apartment_stats.on_sale) с регионом ЖК — '
    'узкая копия для поиска по региону в порядке цены и подсчёта total; без счётчиков спроса, поэтому страницы '
    'остаются «все видимы». Ведут sync_apartment_copies (вставка и изменение квартиры), catalog_offers_deleted '
    '(удаление), projects_sync_region_to_offers (регион ЖК), проход и откат (цена). '
    'Опубликованность ЖК и застройщика проверяет запрос';
COMMENT ON COLUMN catalog_offers.apartment_id IS
    'Квартира (apartments.id); внешнего ключа нет, как у apartment_stats: строки создают и удаляют триггеры apartments';
COMMENT ON COLUMN catalog_offers.project_id IS 'Копия apartments.project_id (ЖК)';
COMMENT ON COLUMN catalog_offers.region_code IS 'Копия projects.region_code ЖК квартиры';
COMMENT ON COLUMN catalog_offers.rooms IS 'Копия apartments.rooms';
COMMENT ON COLUMN catalog_offers.current_price IS 'Копия apartments.current_price';

-- Страница поиска по региону: регион = , диапазон цены, по порядку (цена, id) — без сортировки; комнатность и ЖК
-- (для проверки публикации ЖК и застройщика) лежат в INCLUDE.
CREATE INDEX catalog_offers_region_price_idx
    ON catalog_offers (region_code, current_price, apartment_id) INCLUDE (rooms, project_id);
COMMENT ON INDEX catalog_offers_region_price_idx IS
    'Поиск квартир в продаже по региону в порядке цены: страница — чтение записей индекса по порядку';

-- ====================================================================================================
-- Ссылки без построчных внешних ключей
-- ====================================================================================================
--
-- Почему (замеры на 1 млн квартир, первый проход меняет 573 тыс. цен):
-- * Внешний ключ проверяется отдельным запросом на КАЖДУЮ вставленную строку и ставит на строку квартиры
--   блокировку FOR KEY SHARE. Ключи price_history → apartments и → pricing_runs стоили первому проходу ~18 из 52 с.
--   На приёме событий ключи views_log и view_dedup → apartments — около трети времени пакета, а блокировки
--   FOR KEY SHARE от параллельных пакетов на одной квартире порождают мультитранзакции.
-- * Входные данные решения — типизированные столбцы price_history, а не jsonb (13 ключей с numeric на строку
--   стоили бы ~4 с), их же удобнее читать аналитикам.
--
-- Что вместо ключей. Ссылочную целостность держат триггеры (sql/common/, sql/pricing/): вставка проверяет
-- новые строки и падает той же ошибкой foreign_key_violation с тем же именем ограничения
-- (ответ API не меняется); удаление квартиры, на которую ссылаются история цен или события, запрещено так же, как
-- ON DELETE RESTRICT, а строки view_dedup удаляются вместе с квартирой, как ON DELETE CASCADE.
-- Гонка «удаление квартиры × вставка ссылки» закрыта блокировкой строки: все, кто пишет price_history (проход,
-- ручная цена, пакет, откат), в той же транзакции обновляют строку квартиры, и DELETE ждёт их фиксации, а затем
-- видит новые строки истории. События (views_log) строку квартиры не блокируют: при удалении квартиры в ту же
-- миллисекунду может остаться событие без квартиры; пересчёт спроса его не учтёт (строки apartment_stats нет),
-- очистка prune_interest_events удалит его по сроку.

COMMENT ON CONSTRAINT price_history_dynamic_inputs_check ON price_history IS
    'У строки прохода (reason = dynamic) входные данные решения заполнены';
COMMENT ON COLUMN price_history.views_24h IS 'Проход: просмотров за 24 ч на момент решения';
COMMENT ON COLUMN price_history.favourites_24h IS 'Проход: добавлений в избранное за 24 ч';
COMMENT ON COLUMN price_history.leads_24h IS 'Проход: заявок за 24 ч';
COMMENT ON COLUMN price_history.bookings_24h IS 'Проход: броней за 24 ч';
COMMENT ON COLUMN price_history.days_on_site IS 'Проход: полных дней на сайте';
COMMENT ON COLUMN price_history.demand IS 'Проход: спрос квартиры по весам ЖК';
COMMENT ON COLUMN price_history.cluster_median IS 'Проход: медиана спроса кластера «ЖК × комнатность»';
COMMENT ON COLUMN price_history.demand_norm IS 'Проход: demand / медиана кластера, 4 знака';
COMMENT ON COLUMN price_history.delta IS 'Проход: шаг Δ с учётом потолков из окружения, доля';
COMMENT ON COLUMN price_history.max_shift IS 'Проход: коридор от базовой цены с учётом потолков, доля';
COMMENT ON COLUMN price_history.k1 IS 'Проход: верхний порог demand_norm';
COMMENT ON COLUMN price_history.k2 IS 'Проход: нижний порог demand_norm';
COMMENT ON COLUMN price_history.config_id IS
    'Проход: версия настроек dynamic_pricing_config.id (таблица только дополняется, строки не удаляются)';

-- ====================================================================================================
-- Служебное: какие файлы sql/ применены
-- ====================================================================================================
CREATE TABLE sql_files_applied (
    path       text        CONSTRAINT sql_files_applied_pkey PRIMARY KEY,
    checksum   text        NOT NULL CONSTRAINT sql_files_applied_checksum_check CHECK (checksum ~ '^[0-9a-f]{64}$'),
    applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE sql_files_applied IS
    'Файлы sql/ (функции, триггеры, представления), применённые migrate: файл с той же суммой не применяется повторно, '
    'чтобы перезапуск сервиса не сбрасывал планы запросов. После любой новой версионной миграции применяются все файлы';
COMMENT ON COLUMN sql_files_applied.path IS 'Путь файла от sql/, например pricing/reprice_apartments.sql';
COMMENT ON COLUMN sql_files_applied.checksum IS 'SHA-256 текста файла (hex)';
COMMENT ON COLUMN sql_files_applied.applied_at IS 'Когда файл применён последний раз';
