-- V1: основная схема «Недвижимость 4.0».
-- Иерархия каталога: developers -> projects -> buildings -> apartments.
-- Сверх 12 таблиц исходного запроса добавлены:
--   developer_members  — кто из пользователей работает в какой компании-застройщике (права в кабинете);
--   leads              — заявки на обратный звонок: формула спроса использует leads_24h;
--   refresh_tokens     — ротируемые refresh-токены (хранится только хеш, семейство для обнаружения кражи);
--   moderation_status  — черновик -> на проверке -> опубликовано / отклонено у компаний, ЖК и квартир;
--   apartments.published_at — отсюда считается days_on_site;
--   pricing_runs       — журнал проходов динамического ценообразования (см. V2);
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

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION set_updated_at() IS 'Триггерная функция: проставляет updated_at при каждом UPDATE';

-- 1. Пользователи ---------------------------------------------------------------------------------
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT users_pkey PRIMARY KEY,
    email         text        NOT NULL CONSTRAINT users_email_format_check CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254),
    password_hash text        NOT NULL,
    role          user_role   NOT NULL DEFAULT 'buyer',
    display_name  text        NOT NULL CONSTRAINT users_display_name_check CHECK (length(btrim(display_name)) BETWEEN 1 AND 200),
    phone         text        CONSTRAINT users_phone_check CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
COMMENT ON TABLE users IS 'Аккаунты всех ролей: покупатели, сотрудники застройщиков, модераторы ассоциации';
COMMENT ON COLUMN users.id IS 'Идентификатор пользователя';
COMMENT ON COLUMN users.email IS 'Email для входа; уникален без учёта регистра (индекс users_email_key)';
COMMENT ON COLUMN users.password_hash IS 'Хеш пароля argon2id в формате PHC';
COMMENT ON COLUMN users.role IS 'Роль на платформе';
COMMENT ON COLUMN users.display_name IS 'Отображаемое имя';
COMMENT ON COLUMN users.phone IS 'Телефон в формате E.164, например +79161234567';
COMMENT ON COLUMN users.created_at IS 'Когда создан';
COMMENT ON COLUMN users.updated_at IS 'Когда изменён (триггер)';

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
CREATE TRIGGER developers_set_updated_at BEFORE UPDATE ON developers FOR EACH ROW EXECUTE FUNCTION set_updated_at();
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
CREATE TRIGGER projects_set_updated_at BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION set_updated_at();
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
CREATE TRIGGER buildings_set_updated_at BEFORE UPDATE ON buildings FOR EACH ROW EXECUTE FUNCTION set_updated_at();
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
    CONSTRAINT apartments_building_project_fkey FOREIGN KEY (building_id, project_id)
        REFERENCES buildings (id, project_id) ON DELETE RESTRICT,
    CONSTRAINT apartments_project_code_key UNIQUE (project_id, code),
    CONSTRAINT apartments_published_at_check CHECK (moderation_status <> 'published' OR published_at IS NOT NULL)
) WITH (fillfactor = 70);  -- место на странице для HOT-обновлений цены: первый проход меняет больше половины квартир
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

CREATE FUNCTION apartments_fill_project_id() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT b.project_id INTO NEW.project_id FROM buildings b WHERE b.id = NEW.building_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'building % does not exist', NEW.building_id
            USING ERRCODE = 'foreign_key_violation', TABLE = 'apartments', COLUMN = 'building_id',
                  CONSTRAINT = 'apartments_building_project_fkey';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION apartments_fill_project_id() IS
    'Заполняет apartments.project_id по корпусу: денормализация для кластеров «ЖК × комнатность» без JOIN; согласованность гарантирует составной FK apartments_building_project_fkey';
CREATE TRIGGER apartments_fill_project_id BEFORE INSERT OR UPDATE OF building_id ON apartments
    FOR EACH ROW EXECUTE FUNCTION apartments_fill_project_id();
CREATE TRIGGER apartments_set_updated_at BEFORE UPDATE ON apartments FOR EACH ROW EXECUTE FUNCTION set_updated_at();

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
COMMENT ON COLUMN apartments.updated_at IS 'Когда изменена (триггер)';

-- Журнал проходов ценообразования: нужен истории цен для ссылки на проход (подробности в V2).
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
    apartment_id        bigint              NOT NULL CONSTRAINT price_history_apartment_id_fkey REFERENCES apartments (id) ON DELETE RESTRICT,
    changed_at          timestamptz         NOT NULL DEFAULT now(),
    old_price           numeric(14, 2)      NOT NULL CONSTRAINT price_history_old_price_check CHECK (old_price > 0),
    new_price           numeric(14, 2)      NOT NULL CONSTRAINT price_history_new_price_check CHECK (new_price > 0),
    reason              price_change_reason NOT NULL,
    pricing_run_id      bigint              CONSTRAINT price_history_pricing_run_id_fkey REFERENCES pricing_runs (id) ON DELETE RESTRICT,
    rollback_of_run_id  bigint              CONSTRAINT price_history_rollback_of_run_id_fkey REFERENCES pricing_runs (id) ON DELETE RESTRICT,
    changed_by          bigint              CONSTRAINT price_history_changed_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    inputs              jsonb,
    explanation         text,
    CONSTRAINT price_history_price_changed_check CHECK (new_price <> old_price),
    CONSTRAINT price_history_dynamic_run_check CHECK (reason <> 'dynamic' OR pricing_run_id IS NOT NULL)
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
COMMENT ON COLUMN price_history.apartment_id IS 'Квартира';
COMMENT ON COLUMN price_history.changed_at IS 'Когда изменилась цена';
COMMENT ON COLUMN price_history.old_price IS 'Цена до изменения';
COMMENT ON COLUMN price_history.new_price IS 'Цена после изменения';
COMMENT ON COLUMN price_history.reason IS 'Причина: dynamic — алгоритм, manual — вручную/откат, promo — акция';
COMMENT ON COLUMN price_history.pricing_run_id IS 'Проход ценообразования, который изменил цену (для reason = dynamic)';
COMMENT ON COLUMN price_history.rollback_of_run_id IS 'Если это откат: проход, изменения которого откачены';
COMMENT ON COLUMN price_history.changed_by IS 'Пользователь, изменивший цену вручную или запустивший откат';
COMMENT ON COLUMN price_history.inputs IS 'Входные данные решения: просмотры, лиды, брони за 24 ч, дни на сайте, спрос, медиана кластера, параметры';
COMMENT ON COLUMN price_history.explanation IS 'Понятное объяснение на русском, например «Цена изменилась +3 % из-за высокого спроса (34 просмотра за 24 ч)»';

-- 7. Логи интереса -------------------------------------------------------------------------------
CREATE TABLE views_log (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT views_log_pkey PRIMARY KEY,
    apartment_id bigint         NOT NULL CONSTRAINT views_log_apartment_id_fkey REFERENCES apartments (id) ON DELETE RESTRICT,
    user_id      bigint         CONSTRAINT views_log_user_id_fkey REFERENCES users (id) ON DELETE SET NULL,
    visitor_id   text           CONSTRAINT views_log_visitor_id_check CHECK (length(visitor_id) BETWEEN 1 AND 128),
    event        interest_event NOT NULL,
    occurred_at  timestamptz    NOT NULL DEFAULT now(),
    recorded_xid xid8           NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX views_log_apartment_occurred_at_idx ON views_log (apartment_id, occurred_at);
CREATE INDEX views_log_occurred_at_idx ON views_log (occurred_at);
CREATE INDEX views_log_recorded_xid_idx ON views_log (recorded_xid);
CREATE INDEX views_log_user_id_idx ON views_log (user_id) WHERE user_id IS NOT NULL;
COMMENT ON TABLE views_log IS 'Сырые события интереса (просмотры, избранное), на которых строится спрос';
COMMENT ON COLUMN views_log.id IS 'Идентификатор события';
COMMENT ON COLUMN views_log.apartment_id IS 'Квартира';
COMMENT ON COLUMN views_log.user_id IS 'Пользователь, если вошёл в систему';
COMMENT ON COLUMN views_log.visitor_id IS 'Анонимный идентификатор посетителя от фронтенда';
COMMENT ON COLUMN views_log.event IS 'Тип события';
COMMENT ON COLUMN views_log.occurred_at IS 'Когда произошло событие';
COMMENT ON COLUMN views_log.recorded_xid IS 'Транзакция записи: по ней инкрементальный пересчёт apartment_stats находит события, закоммиченные после прошлого пересчёта';

-- 8. Агрегаты спроса -----------------------------------------------------------------------------
CREATE TABLE apartment_stats (
    apartment_id   bigint      NOT NULL CONSTRAINT apartment_stats_pkey PRIMARY KEY
                               CONSTRAINT apartment_stats_apartment_id_fkey REFERENCES apartments (id) ON DELETE CASCADE,
    views_24h      integer     NOT NULL DEFAULT 0 CONSTRAINT apartment_stats_views_24h_check CHECK (views_24h >= 0),
    favourites_24h integer     NOT NULL DEFAULT 0 CONSTRAINT apartment_stats_favourites_24h_check CHECK (favourites_24h >= 0),
    leads_24h      integer     NOT NULL DEFAULT 0 CONSTRAINT apartment_stats_leads_24h_check CHECK (leads_24h >= 0),
    bookings_24h   integer     NOT NULL DEFAULT 0 CONSTRAINT apartment_stats_bookings_24h_check CHECK (bookings_24h >= 0),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE apartment_stats IS 'Показатели спроса за скользящие 24 ч по квартире; поддерживаются инкрементально (V2, refresh_apartment_stats)';
COMMENT ON COLUMN apartment_stats.apartment_id IS 'Квартира';
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
    CONSTRAINT bookings_expires_at_check CHECK (expires_at > booked_at)
);
CREATE UNIQUE INDEX bookings_one_active_per_apartment_key ON bookings (apartment_id) WHERE status IN ('pending', 'confirmed');
CREATE INDEX bookings_apartment_booked_at_idx ON bookings (apartment_id, booked_at);
CREATE INDEX bookings_booked_at_idx ON bookings (booked_at);
CREATE INDEX bookings_recorded_xid_idx ON bookings (recorded_xid);
CREATE INDEX bookings_user_id_idx ON bookings (user_id);
CREATE INDEX bookings_pending_expires_at_idx ON bookings (expires_at) WHERE status = 'pending';
CREATE TRIGGER bookings_set_updated_at BEFORE UPDATE ON bookings FOR EACH ROW EXECUTE FUNCTION set_updated_at();
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
    recorded_xid xid8        NOT NULL DEFAULT pg_current_xact_id()
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
