--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: postgis; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public;


--
-- Name: EXTENSION postgis; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION postgis IS 'PostGIS geometry and geography spatial types and functions';


--
-- Name: apartment_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.apartment_status AS ENUM (
    'available',
    'booked',
    'sold'
);


--
-- Name: TYPE apartment_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.apartment_status IS 'Статус продажи квартиры';


--
-- Name: booking_action; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.booking_action AS ENUM (
    'created',
    'confirmed',
    'cancelled',
    'expired',
    'sold'
);


--
-- Name: TYPE booking_action; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.booking_action IS 'Шаг жизни брони: создана, подтверждена застройщиком, отменена, истекла, квартира продана';


--
-- Name: booking_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.booking_status AS ENUM (
    'pending',
    'confirmed',
    'cancelled',
    'expired'
);


--
-- Name: TYPE booking_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.booking_status IS 'Статус онлайн-брони';


--
-- Name: company_member_role; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.company_member_role AS ENUM (
    'owner',
    'manager'
);


--
-- Name: TYPE company_member_role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.company_member_role IS 'Роль сотрудника внутри компании-застройщика';


--
-- Name: crm_delivery_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.crm_delivery_status AS ENUM (
    'pending',
    'delivered',
    'dead'
);


--
-- Name: TYPE crm_delivery_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.crm_delivery_status IS 'Доставка события в CRM: ждёт (в том числе повтора), доставлена, отложена после CRM_MAX_ATTEMPTS неудач (можно вернуть в очередь)';


--
-- Name: crm_kind; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.crm_kind AS ENUM (
    'amocrm',
    'bitrix24'
);


--
-- Name: TYPE crm_kind; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.crm_kind IS 'Какая CRM у застройщика: amoCRM (API v4) или Битрикс24 (REST)';


--
-- Name: interest_event; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.interest_event AS ENUM (
    'view',
    'favourite'
);


--
-- Name: TYPE interest_event; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.interest_event IS 'Тип события интереса к квартире';


--
-- Name: media_kind; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.media_kind AS ENUM (
    'photo',
    'video',
    'tour_3d',
    'layout'
);


--
-- Name: TYPE media_kind; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.media_kind IS 'Вид медиа ЖК: фото, видео, 3D-тур (Avalin), планировка квартиры';


--
-- Name: moderation_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.moderation_status AS ENUM (
    'draft',
    'pending_review',
    'published',
    'rejected'
);


--
-- Name: TYPE moderation_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.moderation_status IS 'Состояние модерации: черновик, на проверке, опубликовано, отклонено';


--
-- Name: outbox_topic; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.outbox_topic AS ENUM (
    'price',
    'booking',
    'catalog',
    'lead'
);


--
-- Name: TYPE outbox_topic; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.outbox_topic IS 'Тема события = поток Redis <префикс>:<тема>: price — цены квартир, booking — брони, catalog — квартиры и ЖК, lead — заявки на звонок (без личных данных)';


--
-- Name: price_change_reason; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.price_change_reason AS ENUM (
    'dynamic',
    'manual',
    'promo'
);


--
-- Name: TYPE price_change_reason; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.price_change_reason IS 'Причина изменения цены: алгоритм, вручную, акция';


--
-- Name: pricing_decision; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.pricing_decision AS ENUM (
    'raise',
    'lower',
    'hold',
    'cooldown',
    'recent_booking',
    'at_limit',
    'no_median',
    'disabled',
    'skipped'
);


--
-- Name: TYPE pricing_decision; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.pricing_decision IS 'Решение прохода: повысить, понизить, без изменений, пауза после изменения цены, недавняя бронь, упёрлись в коридор ±max_shift, нет медианы для сравнения, ценообразование выключено, проход пропущен';


--
-- Name: pricing_outcome; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.pricing_outcome AS (
	apartment_id bigint,
	project_id bigint,
	rooms smallint,
	views_24h integer,
	favourites_24h integer,
	leads_24h integer,
	bookings_24h integer,
	days_on_site integer,
	demand numeric,
	cluster_median numeric,
	direction integer,
	decision public.pricing_decision,
	old_price numeric(14,2),
	new_price numeric(14,2),
	config_id bigint,
	k1 numeric,
	k2 numeric,
	delta numeric,
	max_shift numeric,
	min_days_on_site integer
);


--
-- Name: TYPE pricing_outcome; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.pricing_outcome IS 'Решение прохода по одной квартире со всеми входными данными: элемент массива, в который reprice_apartments собирает только нужные строки (изменения или всё при p_changes_only = false), не материализуя миллион строк';


--
-- Name: COLUMN pricing_outcome.apartment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.apartment_id IS 'Квартира';


--
-- Name: COLUMN pricing_outcome.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.project_id IS 'ЖК';


--
-- Name: COLUMN pricing_outcome.rooms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.rooms IS 'Комнатность';


--
-- Name: COLUMN pricing_outcome.views_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.views_24h IS 'Просмотров за 24 ч';


--
-- Name: COLUMN pricing_outcome.favourites_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.favourites_24h IS 'В избранное за 24 ч';


--
-- Name: COLUMN pricing_outcome.leads_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.leads_24h IS 'Заявок за 24 ч';


--
-- Name: COLUMN pricing_outcome.bookings_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.bookings_24h IS 'Броней за 24 ч';


--
-- Name: COLUMN pricing_outcome.days_on_site; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.days_on_site IS 'Полных дней на сайте';


--
-- Name: COLUMN pricing_outcome.demand; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.demand IS 'Спрос по весам ЖК';


--
-- Name: COLUMN pricing_outcome.cluster_median; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.cluster_median IS 'Медиана спроса в кластере (пусто — кластера нет в cluster_demand)';


--
-- Name: COLUMN pricing_outcome.direction; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.direction IS '1 — спрос высокий, −1 — низкий и можно снижать, −2 — низкий, но квартира на сайте недолго, 0 — около медианы';


--
-- Name: COLUMN pricing_outcome.decision; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.decision IS 'Решение';


--
-- Name: COLUMN pricing_outcome.old_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.old_price IS 'Цена до прохода';


--
-- Name: COLUMN pricing_outcome.new_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.new_price IS 'Цена после прохода (равна старой, если решение не raise и не lower)';


--
-- Name: COLUMN pricing_outcome.config_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.config_id IS 'Версия настроек, по которой принято решение';


--
-- Name: COLUMN pricing_outcome.k1; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.k1 IS 'Верхний порог demand_norm';


--
-- Name: COLUMN pricing_outcome.k2; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.k2 IS 'Нижний порог demand_norm';


--
-- Name: COLUMN pricing_outcome.delta; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.delta IS 'Шаг Δ с учётом потолков, доля';


--
-- Name: COLUMN pricing_outcome.max_shift; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.max_shift IS 'Коридор от базовой цены с учётом потолков, доля';


--
-- Name: COLUMN pricing_outcome.min_days_on_site; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_outcome.min_days_on_site IS 'Минимум дней на сайте для снижения';


--
-- Name: pricing_run_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.pricing_run_status AS ENUM (
    'running',
    'completed',
    'interrupted'
);


--
-- Name: TYPE pricing_run_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.pricing_run_status IS 'Состояние прохода: идёт; завершён (все пачки применены); прерван (процесс или соединение умерли — готовые пачки остались применены, следующий проход просто продолжает)';


--
-- Name: pricing_trigger; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.pricing_trigger AS ENUM (
    'schedule',
    'manual',
    'cli'
);


--
-- Name: TYPE pricing_trigger; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.pricing_trigger IS 'Кто запустил проход ценообразования: расписание, модератор через API, CLI';


--
-- Name: project_class; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.project_class AS ENUM (
    'econom',
    'comfort',
    'business',
    'premium'
);


--
-- Name: TYPE project_class; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.project_class IS 'Класс жилья ЖК';


--
-- Name: promotion_action; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.promotion_action AS ENUM (
    'created',
    'updated',
    'submitted',
    'approved',
    'rejected',
    'paused',
    'resumed',
    'ended'
);


--
-- Name: TYPE promotion_action; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.promotion_action IS 'Шаг истории акции: создана, изменена, отправлена на проверку, одобрена, отклонена, приостановлена, возобновлена, завершена';


--
-- Name: promotion_kind; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.promotion_kind AS ENUM (
    'percent',
    'fixed'
);


--
-- Name: TYPE promotion_kind; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.promotion_kind IS 'Вид скидки акции: процент от текущей цены или фиксированная сумма в рублях';


--
-- Name: promotion_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.promotion_status AS ENUM (
    'draft',
    'pending_review',
    'approved',
    'rejected',
    'paused',
    'ended'
);


--
-- Name: TYPE promotion_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.promotion_status IS 'Состояние акции: черновик, на проверке, одобрена (действует в своём окне времени), отклонена, приостановлена застройщиком, завершена досрочно';


--
-- Name: user_role; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.user_role AS ENUM (
    'buyer',
    'developer',
    'moderator'
);


--
-- Name: TYPE user_role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.user_role IS 'Роль на платформе: покупатель, сотрудник застройщика, модератор ассоциации';


--
-- Name: webhook_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.webhook_status AS ENUM (
    'received',
    'processed',
    'ignored',
    'rejected',
    'failed'
);


--
-- Name: TYPE webhook_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.webhook_status IS 'Входящий вебхук: принят и ждёт обработки; обработан; ничего не меняет (неизвестный статус, эхо, повтор); отвергнут (подделка); обработка не удалась (ошибка сохранена, можно переобработать)';


--
-- Name: analytics_cluster_steering(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.analytics_cluster_steering(p_now timestamp with time zone DEFAULT now()) RETURNS TABLE(project_id bigint, rooms smallint, steering_shift numeric, lots_to_raise integer, lots_to_lower integer)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_elasticity_ceiling numeric;
    v_max_shift_ceiling  numeric;
BEGIN
    IF NOT coalesce((SELECT m.ispopulated FROM pg_matviews m
                      WHERE m.schemaname = current_schema() AND m.matviewname = 'cluster_demand'), false) THEN
        RETURN;
    END IF;
    SELECT r.elasticity_ceiling, r.max_shift_ceiling INTO v_elasticity_ceiling, v_max_shift_ceiling
      FROM pricing_runs r
     WHERE r.status = 'completed'
     ORDER BY r.id DESC
     LIMIT 1;
    RETURN QUERY
    -- clusters — MATERIALIZED: с видимой статистикой планировщик выбирает 10 тыс. проходов по индексу
    -- apartment_stats (project_id, rooms) вразброс по таблице (на 1 млн квартир вдвое дольше хеш-соединения с
    -- последовательным чтением). Группировка — хешем по всем квартирам в продаже: строка есть у каждого кластера.
    WITH clusters AS MATERIALIZED (  -- кластеры с медианой: пороги в тысячных спроса и шаг (выключенное правило — без порогов)
        SELECT cd.project_id, cd.rooms,
               cfg.views_weight_milli, cfg.favourites_weight_milli, cfg.leads_weight_milli, cfg.bookings_weight_milli,
               CASE WHEN cfg.enabled AND cd.median_demand > 0 THEN floor(cfg.k1 * cd.median_demand * 1000)::bigint END
                   AS raise_above_milli,
               CASE WHEN cfg.enabled AND cd.median_demand > 0 THEN ceil(cfg.k2 * cd.median_demand * 1000)::bigint END
                   AS lower_below_milli,
               least(cfg.step, cfg.elasticity_cap, coalesce(v_elasticity_ceiling, cfg.elasticity_cap)) AS delta,
               least(cfg.max_shift, coalesce(v_max_shift_ceiling, cfg.max_shift))                     AS max_shift,
               p_now - make_interval(secs => 86400 * (cfg.min_days_on_site + 1)) AS lowering_published_before
        FROM cluster_demand cd
        JOIN project_pricing_config cfg ON cfg.project_id = cd.project_id
    ),
    directions AS (
        SELECT s.project_id, s.rooms, s.current_price, s.base_price, c.delta, c.max_shift,
               pricing_direction(s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h,
                                 c.views_weight_milli, c.favourites_weight_milli,
                                 c.leads_weight_milli, c.bookings_weight_milli,
                                 c.raise_above_milli, c.lower_below_milli,
                                 s.published_at, c.lowering_published_before) AS direction
        FROM apartment_stats s
        JOIN clusters c ON c.project_id = s.project_id AND c.rooms = s.rooms
        WHERE s.on_sale
        OFFSET 0  -- направление считается один раз на квартиру, а не в каждом выражении ниже
    ),
    shifts AS (  -- сдвиг цены следующим шагом; в сторону направления — иначе квартира у границы коридора и стоит
        SELECT d.project_id, d.rooms, d.direction,
               CASE WHEN d.direction IN (1, -1)
                    THEN pricing_candidate_price(d.direction, d.current_price, d.base_price, d.delta, d.max_shift)
                         - d.current_price
               END AS shift
        FROM directions d
        OFFSET 0  -- цена после шага считается один раз, а не в каждом агрегате
    )
    SELECT sh.project_id, sh.rooms,
           coalesce(sum(sh.shift) FILTER (WHERE sign(sh.shift) = sh.direction), 0),
           count(*) FILTER (WHERE sh.direction = 1 AND sh.shift > 0)::integer,
           count(*) FILTER (WHERE sh.direction = -1 AND sh.shift < 0)::integer
    FROM shifts sh
    GROUP BY sh.project_id, sh.rooms;
END;
$$;


--
-- Name: FUNCTION analytics_cluster_steering(p_now timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.analytics_cluster_steering(p_now timestamp with time zone) IS 'Оценка по кластерам «ЖК × комнатность» с квартирами в продаже и медианой спроса: на сколько следующий шаг правила цены сдвинет сумму их цен (steering_shift, ₽; цена м², к которой ведёт правило, = (Σцен + steering_shift) ÷ Σплощадей), сколько квартир он повысит и понизит. Шаг — как у прохода цен (медианы cluster_demand, настройки ЖК, потолки последнего завершённого прохода, у границы коридора — стоит), без пауз после изменения цены и брони; при выключенном ценообразовании правило не двигает ничего. Пусто, пока cluster_demand не заполнено. Читает весь каталог: вызывается ежечасной свёрткой для analytics_daily_supply';


--
-- Name: analytics_t95(integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.analytics_t95(p_df integer) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN ((p_df IS NULL) OR (p_df < 1)) THEN NULL::numeric WHEN (p_df > 30) THEN 1.960 ELSE (ARRAY[12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042])[p_df] END;


--
-- Name: FUNCTION analytics_t95(p_df integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.analytics_t95(p_df integer) IS 'Двусторонний 95 %-й квантиль распределения Стьюдента с p_df степенями свободы (таблица до 30, дальше 1,96): полуширина доверительного интервала среднего = t · s ÷ √n';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: apartments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.apartments (
    id bigint NOT NULL,
    building_id bigint NOT NULL,
    project_id bigint NOT NULL,
    code text NOT NULL,
    floor integer NOT NULL,
    rooms smallint NOT NULL,
    area_total numeric(8,2) NOT NULL,
    area_living numeric(8,2),
    area_kitchen numeric(8,2),
    ceiling_height numeric(4,2),
    balcony boolean DEFAULT false NOT NULL,
    layout_image_url text,
    base_price numeric(14,2) NOT NULL,
    current_price numeric(14,2) NOT NULL,
    currency character(3) DEFAULT 'RUB'::bpchar NOT NULL,
    status public.apartment_status DEFAULT 'available'::public.apartment_status NOT NULL,
    tour_url text,
    extra jsonb DEFAULT '{}'::jsonb NOT NULL,
    moderation_status public.moderation_status DEFAULT 'draft'::public.moderation_status NOT NULL,
    moderated_by bigint,
    moderated_at timestamp with time zone,
    moderation_comment text,
    published_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    price_changed_at timestamp with time zone,
    last_booked_at timestamp with time zone,
    CONSTRAINT apartments_area_kitchen_check CHECK (((area_kitchen > (0)::numeric) AND (area_kitchen <= area_total))),
    CONSTRAINT apartments_area_living_check CHECK (((area_living > (0)::numeric) AND (area_living <= area_total))),
    CONSTRAINT apartments_area_total_check CHECK (((area_total > (0)::numeric) AND (area_total <= (10000)::numeric))),
    CONSTRAINT apartments_base_price_check CHECK ((base_price > (0)::numeric)),
    CONSTRAINT apartments_ceiling_height_check CHECK (((ceiling_height >= 2.00) AND (ceiling_height <= 10.00))),
    CONSTRAINT apartments_code_check CHECK (((length(btrim(code)) >= 1) AND (length(btrim(code)) <= 64))),
    CONSTRAINT apartments_currency_check CHECK ((currency ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT apartments_current_price_check CHECK ((current_price > (0)::numeric)),
    CONSTRAINT apartments_extra_check CHECK ((jsonb_typeof(extra) = 'object'::text)),
    CONSTRAINT apartments_floor_check CHECK (((floor >= '-5'::integer) AND (floor <= 200))),
    CONSTRAINT apartments_layout_image_url_check CHECK ((layout_image_url ~ '^https?://'::text)),
    CONSTRAINT apartments_published_at_check CHECK (((moderation_status <> 'published'::public.moderation_status) OR (published_at IS NOT NULL))),
    CONSTRAINT apartments_rooms_check CHECK (((rooms >= 0) AND (rooms <= 20))),
    CONSTRAINT apartments_tour_url_check CHECK ((tour_url ~ '^https?://'::text))
)
WITH (fillfactor='50');


--
-- Name: TABLE apartments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.apartments IS 'Квартиры — главная витрина каталога';


--
-- Name: COLUMN apartments.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.id IS 'Идентификатор квартиры';


--
-- Name: COLUMN apartments.building_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.building_id IS 'Корпус';


--
-- Name: COLUMN apartments.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.project_id IS 'ЖК (заполняется триггером по корпусу; нужен для кластеров ценообразования)';


--
-- Name: COLUMN apartments.code; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.code IS 'Внутренний артикул застройщика, уникален в пределах ЖК';


--
-- Name: COLUMN apartments.floor; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.floor IS 'Этаж';


--
-- Name: COLUMN apartments.rooms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.rooms IS 'Количество комнат, 0 — студия';


--
-- Name: COLUMN apartments.area_total; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.area_total IS 'Общая площадь, м²';


--
-- Name: COLUMN apartments.area_living; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.area_living IS 'Жилая площадь, м² (не больше общей)';


--
-- Name: COLUMN apartments.area_kitchen; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.area_kitchen IS 'Площадь кухни, м² (не больше общей)';


--
-- Name: COLUMN apartments.ceiling_height; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.ceiling_height IS 'Высота потолков, м';


--
-- Name: COLUMN apartments.balcony; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.balcony IS 'Есть балкон или лоджия';


--
-- Name: COLUMN apartments.layout_image_url; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.layout_image_url IS 'Планировка';


--
-- Name: COLUMN apartments.base_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.base_price IS 'Базовая цена застройщика, от неё считается коридор ±PRICE_MAX_SHIFT';


--
-- Name: COLUMN apartments.current_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.current_price IS 'Текущая цена продажи (меняет алгоритм, застройщик или акция)';


--
-- Name: COLUMN apartments.currency; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.currency IS 'Валюта ISO 4217, по умолчанию RUB';


--
-- Name: COLUMN apartments.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.status IS 'Статус продажи';


--
-- Name: COLUMN apartments.tour_url; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.tour_url IS '3D-тур (Avalin)';


--
-- Name: COLUMN apartments.extra; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.extra IS 'Дополнительные атрибуты: отделка, вид из окна и т. п.';


--
-- Name: COLUMN apartments.moderation_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.moderation_status IS 'Состояние модерации; в продаже и публично видны только published';


--
-- Name: COLUMN apartments.moderated_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.moderated_by IS 'Модератор, принявший последнее решение';


--
-- Name: COLUMN apartments.moderated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.moderated_at IS 'Когда принято последнее решение модерации';


--
-- Name: COLUMN apartments.moderation_comment; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.moderation_comment IS 'Комментарий модератора';


--
-- Name: COLUMN apartments.published_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.published_at IS 'Первая публикация; от неё считается days_on_site';


--
-- Name: COLUMN apartments.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.created_at IS 'Когда создана';


--
-- Name: COLUMN apartments.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.updated_at IS 'Когда строка последний раз изменена: ставит оператор (проход цен) или триггер apartments_set_updated_at';


--
-- Name: COLUMN apartments.price_changed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.price_changed_at IS 'Последнее изменение цены по любой причине = max(price_history.changed_at); ведёт триггер';


--
-- Name: COLUMN apartments.last_booked_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartments.last_booked_at IS 'Последняя бронь любого статуса = max(bookings.booked_at); ведёт триггер';


--
-- Name: apartment_event_payload(public.apartments, text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.apartment_event_payload(p_apartment public.apartments, p_changed text[]) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT jsonb_build_object(
        'apartment_id', p_apartment.id,
        'project_id', p_apartment.project_id,
        'building_id', p_apartment.building_id,
        'code', p_apartment.code,
        'status', p_apartment.status,
        'moderation_status', p_apartment.moderation_status,
        'current_price', p_apartment.current_price::text,
        'changed', to_jsonb(p_changed))
$$;


--
-- Name: FUNCTION apartment_event_payload(p_apartment public.apartments, p_changed text[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.apartment_event_payload(p_apartment public.apartments, p_changed text[]) IS 'Тело событий apartment.*: квартира, ЖК, корпус, номер, статус продажи и модерации, цена строкой, изменённые поля';


--
-- Name: apartments_check_floor(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.apartments_check_floor() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_floors integer;
BEGIN
    SELECT b.floors INTO v_floors FROM buildings b WHERE b.id = NEW.building_id;
    IF NEW.floor > v_floors THEN
        RAISE EXCEPTION 'floor % is above the building''s % floors', NEW.floor, v_floors
            USING ERRCODE = 'check_violation', TABLE = 'apartments', COLUMN = 'floor',
                  CONSTRAINT = 'apartments_floor_within_building_check';
    END IF;
    RETURN NEW;
END;
$$;


--
-- Name: FUNCTION apartments_check_floor(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.apartments_check_floor() IS 'Этаж квартиры не выше этажности корпуса; нарушение — check_violation apartments_floor_within_building_check (поле floor)';


--
-- Name: apartments_emit_inserted(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.apartments_emit_inserted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO outbox_events (topic, event_type, aggregate_id, payload)
    SELECT 'catalog', 'apartment.published', a.id, apartment_event_payload(a, '{}')
      FROM inserted_apartments a
     WHERE a.moderation_status = 'published'
     ORDER BY a.id;
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION apartments_emit_inserted(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.apartments_emit_inserted() IS 'apartment.published для квартир, вставленных сразу опубликованными (демо-данные, перенос), одним оператором';


--
-- Name: apartments_emit_updated(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.apartments_emit_updated() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_was_published boolean := OLD.moderation_status = 'published';
    v_is_published  boolean := NEW.moderation_status = 'published';
    v_changed       text[];
BEGIN
    IF NOT (v_was_published OR v_is_published) THEN
        RETURN NULL;
    END IF;
    v_changed := changed_columns(to_jsonb(OLD), to_jsonb(NEW), ARRAY[
        'current_price', 'price_changed_at', 'last_booked_at', 'updated_at', 'created_at', 'moderated_by',
        'moderated_at', 'moderation_comment', 'published_at']);
    INSERT INTO outbox_events (topic, event_type, aggregate_id, payload)
    VALUES ('catalog',
            CASE WHEN NOT v_was_published THEN 'apartment.published'
                 WHEN NOT v_is_published THEN 'apartment.unpublished'
                 ELSE 'apartment.updated' END,
            NEW.id, apartment_event_payload(NEW, v_changed));
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION apartments_emit_updated(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.apartments_emit_updated() IS 'apartment.published (модерация опубликовала), apartment.unpublished (снята с публикации), apartment.updated (изменилась опубликованная квартира: поля, базовая цена, статус продажи); черновики молчат';


--
-- Name: apartments_fill_project_id(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.apartments_fill_project_id() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: FUNCTION apartments_fill_project_id(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.apartments_fill_project_id() IS 'Заполняет apartments.project_id по корпусу: денормализация для кластеров «ЖК × комнатность» без JOIN; согласованность гарантирует составной FK apartments_building_project_fkey';


--
-- Name: apartments_forget_pricing_inputs(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.apartments_forget_pricing_inputs() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    DELETE FROM apartment_stats s
    USING deleted_apartments d
    WHERE s.apartment_id = d.id;
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION apartments_forget_pricing_inputs(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.apartments_forget_pricing_inputs() IS 'Удаляет строки apartment_stats удалённых квартир (одним оператором); заменяет ON DELETE CASCADE внешнего ключа, которого у производной таблицы apartment_stats нет';


--
-- Name: apartments_keep_referenced(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.apartments_keep_referenced() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_referenced bigint;
BEGIN
    SELECT d.id INTO v_referenced
    FROM deleted_apartments d
    WHERE EXISTS (SELECT 1 FROM price_history h WHERE h.apartment_id = d.id)
    LIMIT 1;
    IF v_referenced IS NOT NULL THEN
        RAISE EXCEPTION 'update or delete on table "apartments" violates foreign key constraint "price_history_apartment_id_fkey" on table "price_history"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'price_history_apartment_id_fkey', TABLE = 'price_history',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "price_history".', v_referenced);
    END IF;
    SELECT d.id INTO v_referenced
    FROM deleted_apartments d
    WHERE EXISTS (SELECT 1 FROM views_log v WHERE v.apartment_id = d.id)
    LIMIT 1;
    IF v_referenced IS NOT NULL THEN
        RAISE EXCEPTION 'update or delete on table "apartments" violates foreign key constraint "views_log_apartment_id_fkey" on table "views_log"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'views_log_apartment_id_fkey', TABLE = 'views_log',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "views_log".', v_referenced);
    END IF;
    DELETE FROM view_dedup v USING deleted_apartments d WHERE v.apartment_id = d.id;
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION apartments_keep_referenced(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.apartments_keep_referenced() IS 'Удаление квартир: запрещает удалить квартиру с историей цен или событиями (как ON DELETE RESTRICT) и удаляет её строки view_dedup (как ON DELETE CASCADE) — одним запросом на оператор';


--
-- Name: apartments_sync_copies(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.apartments_sync_copies() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM sync_apartment_copies(ARRAY[NEW.id]);
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION apartments_sync_copies(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.apartments_sync_copies() IS 'Копии изменённой квартиры (apartment_stats, catalog_offers, apartment_popularity) — sync_apartment_copies по её id';


--
-- Name: apartments_sync_inserted_copies(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.apartments_sync_inserted_copies() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM sync_apartment_copies(ARRAY(SELECT n.id FROM inserted_apartments n));
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION apartments_sync_inserted_copies(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.apartments_sync_inserted_copies() IS 'Копии вставленных квартир (apartment_stats, catalog_offers, apartment_popularity) — одним вызовом sync_apartment_copies на оператор';


--
-- Name: apartments_track_booking(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.apartments_track_booking() RETURNS trigger
    LANGUAGE plpgsql
    AS $_$
BEGIN
    EXECUTE $sql$
        UPDATE apartments a
        SET last_booked_at = latest.booked_at
        FROM inserted_bookings latest
        WHERE a.id = latest.apartment_id
          AND NOT EXISTS (SELECT 1 FROM inserted_bookings later
                          WHERE later.apartment_id = latest.apartment_id AND later.booked_at > latest.booked_at)
          AND (a.last_booked_at IS NULL OR a.last_booked_at < latest.booked_at)
    $sql$;
    RETURN NULL;
END;
$_$;


--
-- Name: FUNCTION apartments_track_booking(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.apartments_track_booking() IS 'Переносит max(booked_at) новых броней в apartments.last_booked_at (одним UPDATE на оператор)';


--
-- Name: apartments_track_price_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.apartments_track_price_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    UPDATE apartments a
       SET price_changed_at = NEW.changed_at
     WHERE a.id = NEW.apartment_id
       AND (a.price_changed_at IS NULL OR a.price_changed_at < NEW.changed_at);
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION apartments_track_price_change(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.apartments_track_price_change() IS 'Переносит changed_at новой строки price_history в apartments.price_changed_at, если оно позже (построчно); проход и откат ставят это поле сами';


--
-- Name: apply_promotion_discounts(bigint[], boolean, timestamp with time zone, numeric, numeric); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.apply_promotion_discounts(p_project_ids bigint[], p_only_stale boolean, p_at timestamp with time zone, p_max_total_percent numeric, p_floor_percent numeric) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_ids       bigint[];
    v_discounts numeric[];
    v_from      numeric[];
    v_promotions text[];
    v_changed   integer;
BEGIN
    SELECT array_agg(c.apartment_id ORDER BY c.apartment_id),
           array_agg(c.discount ORDER BY c.apartment_id),
           array_agg(c.list_price ORDER BY c.apartment_id),
           array_agg(c.promotion_ids::text ORDER BY c.apartment_id)
      INTO v_ids, v_discounts, v_from, v_promotions
      FROM promotion_discounts(
               ARRAY(SELECT o.apartment_id FROM catalog_offers o
                      WHERE (p_project_ids IS NULL OR o.project_id = ANY (p_project_ids))
                        AND (NOT p_only_stale OR o.discounted_from IS DISTINCT FROM o.current_price)),
               p_at, p_max_total_percent, p_floor_percent) c
      JOIN catalog_offers o ON o.apartment_id = c.apartment_id
     WHERE (o.discount, o.discounted_from, o.promotion_ids)
           IS DISTINCT FROM (c.discount, c.list_price, c.promotion_ids);
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM 1 FROM catalog_offers o WHERE o.apartment_id = ANY (v_ids) ORDER BY o.apartment_id FOR UPDATE;
    UPDATE catalog_offers o
       SET discount = u.discount, discounted_from = u.list_price, promotion_ids = u.promotion_ids::bigint[]
      FROM unnest(v_ids, v_discounts, v_from, v_promotions) AS u (apartment_id, discount, list_price, promotion_ids)
     WHERE o.apartment_id = u.apartment_id;
    GET DIAGNOSTICS v_changed = ROW_COUNT;
    RETURN v_changed;
END;
$$;


--
-- Name: FUNCTION apply_promotion_discounts(p_project_ids bigint[], p_only_stale boolean, p_at timestamp with time zone, p_max_total_percent numeric, p_floor_percent numeric); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.apply_promotion_discounts(p_project_ids bigint[], p_only_stale boolean, p_at timestamp with time zone, p_max_total_percent numeric, p_floor_percent numeric) IS 'Пересчитывает скидки акций (discount, discounted_from, promotion_ids, а с ними final_price) в catalog_offers для ЖК p_project_ids (NULL — все); p_only_stale — только строки, чья цена изменилась после прошлого расчёта. Возвращает число изменённых строк';


--
-- Name: begin_pricing_run(timestamp with time zone, public.pricing_trigger, timestamp with time zone, bigint, numeric, numeric, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.begin_pricing_run(p_now timestamp with time zone, p_trigger public.pricing_trigger, p_scheduled_for timestamp with time zone, p_started_by bigint, p_elasticity_ceiling numeric, p_max_shift_ceiling numeric, p_workers integer) RETURNS TABLE(run_id bigint, priced_at timestamp with time zone, skipped_reason text)
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: FUNCTION begin_pricing_run(p_now timestamp with time zone, p_trigger public.pricing_trigger, p_scheduled_for timestamp with time zone, p_started_by bigint, p_elasticity_ceiling numeric, p_max_shift_ceiling numeric, p_workers integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.begin_pricing_run(p_now timestamp with time zone, p_trigger public.pricing_trigger, p_scheduled_for timestamp with time zone, p_started_by bigint, p_elasticity_ceiling numeric, p_max_shift_ceiling numeric, p_workers integer) IS 'Шаг 1 цикла: берёт сессионную блокировку прохода (её снимает finish_pricing_run или обрыв соединения), помечает прерванными мёртвые проходы, продолжает прерванный проход того же слота расписания или создаёт новый. Если проход не идёт — skipped_reason по-русски, блокировка не удерживается';


--
-- Name: booking_events_emit(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.booking_events_emit() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_event_ids bigint[];
BEGIN
    WITH emitted AS (
        INSERT INTO outbox_events (topic, event_type, aggregate_id, payload)
        SELECT 'booking', 'booking.' || e.action, e.booking_id,
               jsonb_build_object(
                   'booking_id', b.id,
                   'apartment_id', b.apartment_id,
                   'project_id', a.project_id,
                   'developer_id', p.developer_id,
                   'buyer_id', b.user_id,
                   'action', e.action,
                   'status', b.status,
                   'price', b.price::text,
                   'expires_at', b.expires_at,
                   'occurred_at', e.occurred_at)
          FROM inserted_booking_events e
          JOIN bookings b ON b.id = e.booking_id
          JOIN apartments a ON a.id = b.apartment_id
          JOIN projects p ON p.id = a.project_id
         ORDER BY e.id
        RETURNING id
    )
    SELECT array_agg(emitted.id) INTO v_event_ids FROM emitted;
    PERFORM enqueue_crm_deliveries(v_event_ids);
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION booking_events_emit(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.booking_events_emit() IS 'События booking.created|confirmed|cancelled|expired|sold — по одному на новую строку истории брони booking_events, одним оператором на вставку, и их доставка в CRM застройщика (enqueue_crm_deliveries)';


--
-- Name: buildings_check_floors(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.buildings_check_floors() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM apartments a WHERE a.building_id = NEW.id AND a.floor > NEW.floors) THEN
        RAISE EXCEPTION 'building % has apartments above floor %', NEW.id, NEW.floors
            USING ERRCODE = 'check_violation', TABLE = 'buildings', COLUMN = 'floors',
                  CONSTRAINT = 'buildings_floors_above_apartments_check';
    END IF;
    RETURN NEW;
END;
$$;


--
-- Name: FUNCTION buildings_check_floors(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.buildings_check_floors() IS 'Этажность корпуса нельзя сделать ниже этажа его квартир; нарушение — check_violation buildings_floors_above_apartments_check (поле floors)';


--
-- Name: catalog_offers_deleted(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.catalog_offers_deleted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    DELETE FROM catalog_offers c
     USING deleted_apartments d
     WHERE c.apartment_id = d.id;
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION catalog_offers_deleted(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.catalog_offers_deleted() IS 'Удаляет из catalog_offers удалённые квартиры (одним оператором)';


--
-- Name: changed_columns(jsonb, jsonb, text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.changed_columns(p_old jsonb, p_new jsonb, p_ignored text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}')
      FROM jsonb_each(p_new) n
      JOIN jsonb_each(p_old) o ON o.key = n.key
     WHERE n.value IS DISTINCT FROM o.value
       AND n.key <> ALL (p_ignored)
$$;


--
-- Name: FUNCTION changed_columns(p_old jsonb, p_new jsonb, p_ignored text[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.changed_columns(p_old jsonb, p_new jsonb, p_ignored text[]) IS 'Имена столбцов, чьи значения в to_jsonb(NEW) и to_jsonb(OLD) различаются, кроме p_ignored, по алфавиту: поле changed событий *.updated, чтобы потребитель сбрасывал только то, что устарело';


--
-- Name: check_apartment_reference(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.check_apartment_reference() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_missing bigint;
BEGIN
    EXECUTE 'SELECT n.apartment_id FROM inserted_rows n
             WHERE NOT EXISTS (SELECT 1 FROM apartments a WHERE a.id = n.apartment_id) LIMIT 1'
        INTO v_missing;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert on table "%" violates foreign key constraint "%"', TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[0], TABLE = TG_TABLE_NAME,
                  DETAIL = format('Key (apartment_id)=(%s) is not present in table "apartments".', v_missing);
    END IF;
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION check_apartment_reference(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.check_apartment_reference() IS 'Проверка ссылки apartment_id всех вставленных оператором строк одним анти-соединением с apartments (вместо построчного внешнего ключа); ошибка — foreign_key_violation с именем ограничения из аргумента триггера';


--
-- Name: flagged_visitors; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.flagged_visitors (
    id bigint NOT NULL,
    viewer text NOT NULL,
    flagged boolean DEFAULT true NOT NULL,
    peak_events_per_minute integer NOT NULL,
    flagged_at timestamp with time zone DEFAULT now() NOT NULL,
    unflagged_at timestamp with time zone,
    unflagged_by bigint,
    changed_xid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    CONSTRAINT flagged_visitors_peak_events_per_minute_check CHECK ((peak_events_per_minute > 0)),
    CONSTRAINT flagged_visitors_viewer_check CHECK (((length(viewer) >= 3) AND (length(viewer) <= 130)))
);


--
-- Name: TABLE flagged_visitors; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.flagged_visitors IS 'Зрители, превысившие частоту событий (VISITOR_FLOOD_EVENTS_PER_MINUTE): пока flagged, их события хранятся, но не входят в спрос. Модератор видит список и может снять пометку';


--
-- Name: COLUMN flagged_visitors.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.flagged_visitors.id IS 'Идентификатор пометки';


--
-- Name: COLUMN flagged_visitors.viewer; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.flagged_visitors.viewer IS 'Зритель (как views_log.viewer)';


--
-- Name: COLUMN flagged_visitors.flagged; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.flagged_visitors.flagged IS 'Пометка действует: события исключены из спроса';


--
-- Name: COLUMN flagged_visitors.peak_events_per_minute; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.flagged_visitors.peak_events_per_minute IS 'Наибольшая замеченная частота, событий в минуту';


--
-- Name: COLUMN flagged_visitors.flagged_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.flagged_visitors.flagged_at IS 'Когда помечен (последний раз)';


--
-- Name: COLUMN flagged_visitors.unflagged_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.flagged_visitors.unflagged_at IS 'Когда модератор снял пометку';


--
-- Name: COLUMN flagged_visitors.unflagged_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.flagged_visitors.unflagged_by IS 'Модератор, снявший пометку';


--
-- Name: COLUMN flagged_visitors.changed_xid; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.flagged_visitors.changed_xid IS 'Транзакция последней смены пометки: по ней refresh_apartment_stats находит зрителей, чьи квартиры надо пересчитать';


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id bigint NOT NULL,
    email text NOT NULL,
    password_hash text NOT NULL,
    role public.user_role DEFAULT 'buyer'::public.user_role NOT NULL,
    display_name text NOT NULL,
    phone text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    sessions_revoked_at timestamp with time zone,
    CONSTRAINT users_display_name_check CHECK (((length(btrim(display_name)) >= 1) AND (length(btrim(display_name)) <= 200))),
    CONSTRAINT users_email_format_check CHECK (((email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'::text) AND (length(email) <= 254))),
    CONSTRAINT users_phone_check CHECK ((phone ~ '^\+[1-9][0-9]{6,14}$'::text))
);


--
-- Name: TABLE users; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.users IS 'Аккаунты всех ролей: покупатели, сотрудники застройщиков, модераторы ассоциации';


--
-- Name: COLUMN users.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.id IS 'Идентификатор пользователя';


--
-- Name: COLUMN users.email; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.email IS 'Email для входа; уникален без учёта регистра (индекс users_email_key)';


--
-- Name: COLUMN users.password_hash; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.password_hash IS 'Хеш пароля argon2id в формате PHC';


--
-- Name: COLUMN users.role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.role IS 'Роль на платформе';


--
-- Name: COLUMN users.display_name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.display_name IS 'Отображаемое имя';


--
-- Name: COLUMN users.phone; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.phone IS 'Телефон в формате E.164, например +79161234567';


--
-- Name: COLUMN users.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.created_at IS 'Когда создан';


--
-- Name: COLUMN users.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.updated_at IS 'Когда изменён (триггер)';


--
-- Name: COLUMN users.sessions_revoked_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.sessions_revoked_at IS 'Access-токены, выпущенные раньше этого момента (с точностью до секунды), недействительны: ставится при смене пароля';


--
-- Name: classify_interest_events(bigint[], bigint[], text[], public.interest_event[], timestamp with time zone[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.classify_interest_events(p_apartment_ids bigint[], p_user_ids bigint[], p_visitor_ids text[], p_events public.interest_event[], p_occurred_at timestamp with time zone[]) RETURNS TABLE(ord integer, apartment_id bigint, user_id bigint, visitor_id text, event public.interest_event, occurred_at timestamp with time zone, viewer text, reject text, flagged boolean)
    LANGUAGE sql STABLE
    BEGIN ATOMIC
 SELECT (i.ord)::integer AS ord,
     i.apartment_id,
     i.user_id,
     i.visitor_id,
     i.event,
     LEAST(COALESCE(i.occurred_at, now()), now()) AS "least",
     v.viewer,
         CASE
             WHEN (a.id IS NULL) THEN 'unknown_apartment'::text
             WHEN (a.moderation_status <> 'published'::public.moderation_status) THEN 'not_published'::text
             WHEN (v.viewer IS NULL) THEN 'no_viewer'::text
             WHEN ((i.user_id IS NOT NULL) AND (NOT (EXISTS ( SELECT 1
                FROM public.users u
               WHERE (u.id = i.user_id))))) THEN 'unknown_user'::text
             WHEN (i.occurred_at < (now() - '24:00:00'::interval)) THEN 'stale'::text
             ELSE NULL::text
         END AS "case",
     COALESCE(f.flagged, false) AS "coalesce"
    FROM (((UNNEST(classify_interest_events.p_apartment_ids, classify_interest_events.p_user_ids, classify_interest_events.p_visitor_ids, classify_interest_events.p_events, classify_interest_events.p_occurred_at) WITH ORDINALITY i(apartment_id, user_id, visitor_id, event, occurred_at, ord)
      CROSS JOIN LATERAL ( SELECT
                 CASE
                     WHEN (i.user_id IS NOT NULL) THEN ('u:'::text || (i.user_id)::text)
                     WHEN (i.visitor_id IS NOT NULL) THEN ('v:'::text || i.visitor_id)
                     ELSE NULL::text
                 END AS viewer) v)
      LEFT JOIN public.apartments a ON ((a.id = i.apartment_id)))
      LEFT JOIN public.flagged_visitors f ON ((f.viewer = v.viewer)));
END;


--
-- Name: FUNCTION classify_interest_events(p_apartment_ids bigint[], p_user_ids bigint[], p_visitor_ids text[], p_events public.interest_event[], p_occurred_at timestamp with time zone[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.classify_interest_events(p_apartment_ids bigint[], p_user_ids bigint[], p_visitor_ids text[], p_events public.interest_event[], p_occurred_at timestamp with time zone[]) IS 'Разбирает пакет событий: зритель (u:/v:), время (не позже now()), причина отказа (unknown_apartment, not_published, no_viewer, unknown_user, stale — старше 24 ч) и пометка накрутки зрителя';


--
-- Name: cluster_demand_refreshed_at(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cluster_demand_refreshed_at() RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_populated boolean;
BEGIN
    SELECT m.ispopulated INTO v_populated
      FROM pg_matviews m
     WHERE m.schemaname = current_schema() AND m.matviewname = 'cluster_demand';
    IF NOT coalesce(v_populated, false) THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT cd.refreshed_at FROM cluster_demand cd LIMIT 1);
END;
$$;


--
-- Name: FUNCTION cluster_demand_refreshed_at(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.cluster_demand_refreshed_at() IS 'Когда cluster_demand обновлено последний раз (у всех строк одно refreshed_at); NULL — не заполнено или пусто. По нему карта решает, можно ли взять минимальные цены ЖК из сводки (не старше MAP_SUMMARY_MAX_AGE_SECONDS)';


--
-- Name: dynamic_pricing_config_forbid_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.dynamic_pricing_config_forbid_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'dynamic_pricing_config is append-only: insert a new version instead of % on row %', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$;


--
-- Name: FUNCTION dynamic_pricing_config_forbid_change(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.dynamic_pricing_config_forbid_change() IS 'Запрещает UPDATE и DELETE версий настроек: история изменений неизменна';


--
-- Name: enqueue_crm_deliveries(bigint[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.enqueue_crm_deliveries(p_event_ids bigint[]) RETURNS void
    LANGUAGE sql
    AS $$
    INSERT INTO crm_deliveries (connection_id, outbox_event_id, event_type, aggregate_id, payload)
    SELECT c.id, e.id, e.event_type, e.aggregate_id, e.payload
      FROM outbox_events e
      JOIN crm_connections c ON c.developer_id = (e.payload ->> 'developer_id')::bigint AND c.enabled
     WHERE e.id = ANY (p_event_ids)
       AND e.topic IN ('lead', 'booking')
       -- Эхо: шаг брони, который пришёл из этой же CRM (её вебхук), обратно в неё не отправляется.
       AND c.id IS DISTINCT FROM nullif(current_setting('crm.origin_connection', true), '')::bigint
     ORDER BY e.id
$$;


--
-- Name: FUNCTION enqueue_crm_deliveries(p_event_ids bigint[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.enqueue_crm_deliveries(p_event_ids bigint[]) IS 'Второй получатель outbox: события заявок и броней (по id) → crm_deliveries для включённого подключения CRM их застройщика, в той же транзакции. Шаги, пришедшие из CRM (crm.origin_connection), в неё же не возвращаются';


--
-- Name: expire_overdue_bookings(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.expire_overdue_bookings(p_now timestamp with time zone DEFAULT now()) RETURNS TABLE(booking_id bigint, apartment_id bigint)
    LANGUAGE plpgsql
    AS $$
BEGIN
    -- Сначала квартиры (в порядке id), потом брони — тот же порядок блокировок, что у создания и отмены брони.
    PERFORM 1 FROM apartments a
    WHERE a.id IN (SELECT b.apartment_id FROM bookings b WHERE b.status = 'pending' AND b.expires_at <= p_now)
    ORDER BY a.id
    FOR UPDATE;

    RETURN QUERY
    WITH expired AS (
        UPDATE bookings b SET status = 'expired'
        WHERE b.status = 'pending' AND b.expires_at <= p_now
        RETURNING b.id, b.apartment_id
    ),
    released AS (
        UPDATE apartments a SET status = 'available'
        FROM expired e
        WHERE a.id = e.apartment_id AND a.status = 'booked'
        RETURNING a.id
    ),
    journal AS (
        INSERT INTO booking_events (booking_id, action, occurred_at)
        SELECT e.id, 'expired', p_now FROM expired e
    )
    SELECT e.id, e.apartment_id FROM expired e ORDER BY e.id;
END;
$$;


--
-- Name: FUNCTION expire_overdue_bookings(p_now timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.expire_overdue_bookings(p_now timestamp with time zone) IS 'Ежеминутно: неподтверждённые брони с истёкшим сроком → expired, квартиры → available, шаг в booking_events. Подтверждённые брони не истекают';


--
-- Name: pricing_runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pricing_runs (
    id bigint NOT NULL,
    trigger public.pricing_trigger NOT NULL,
    scheduled_for timestamp with time zone,
    started_by bigint,
    started_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    finished_at timestamp with time zone,
    evaluated integer DEFAULT 0 NOT NULL,
    decisions jsonb DEFAULT '{}'::jsonb NOT NULL,
    raised integer DEFAULT 0 NOT NULL,
    lowered integer DEFAULT 0 NOT NULL,
    rolled_back_at timestamp with time zone,
    rolled_back_by bigint,
    status public.pricing_run_status DEFAULT 'completed'::public.pricing_run_status NOT NULL,
    priced_at timestamp with time zone,
    elasticity_ceiling numeric,
    max_shift_ceiling numeric,
    planned_at timestamp with time zone,
    batch_apartments integer,
    batches integer DEFAULT 0 NOT NULL,
    batches_done integer DEFAULT 0 NOT NULL,
    workers integer,
    CONSTRAINT pricing_runs_batch_apartments_check CHECK ((batch_apartments >= 1)),
    CONSTRAINT pricing_runs_batches_check CHECK ((batches >= 0)),
    CONSTRAINT pricing_runs_batches_done_check CHECK ((batches_done >= 0)),
    CONSTRAINT pricing_runs_decisions_check CHECK ((jsonb_typeof(decisions) = 'object'::text)),
    CONSTRAINT pricing_runs_elasticity_ceiling_check CHECK ((elasticity_ceiling > (0)::numeric)),
    CONSTRAINT pricing_runs_evaluated_check CHECK ((evaluated >= 0)),
    CONSTRAINT pricing_runs_lowered_check CHECK ((lowered >= 0)),
    CONSTRAINT pricing_runs_max_shift_ceiling_check CHECK ((max_shift_ceiling >= (0)::numeric)),
    CONSTRAINT pricing_runs_raised_check CHECK ((raised >= 0)),
    CONSTRAINT pricing_runs_scheduled_for_check CHECK (((trigger = 'schedule'::public.pricing_trigger) = (scheduled_for IS NOT NULL))),
    CONSTRAINT pricing_runs_workers_check CHECK ((workers >= 1))
);


--
-- Name: TABLE pricing_runs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.pricing_runs IS 'Журнал проходов динамического ценообразования: один проход — одна строка';


--
-- Name: COLUMN pricing_runs.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.id IS 'Идентификатор прохода';


--
-- Name: COLUMN pricing_runs.trigger; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.trigger IS 'Источник запуска';


--
-- Name: COLUMN pricing_runs.scheduled_for; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.scheduled_for IS 'Слот расписания (начало минуты); уникален, чтобы несколько реплик не провели один слот дважды';


--
-- Name: COLUMN pricing_runs.started_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.started_by IS 'Пользователь, запустивший проход вручную';


--
-- Name: COLUMN pricing_runs.started_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.started_at IS 'Начало прохода';


--
-- Name: COLUMN pricing_runs.finished_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.finished_at IS 'Окончание прохода';


--
-- Name: COLUMN pricing_runs.evaluated; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.evaluated IS 'Сколько квартир в продаже оценено';


--
-- Name: COLUMN pricing_runs.decisions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.decisions IS 'Количество решений по видам: {"raise": 3, "hold": 120, ...}';


--
-- Name: COLUMN pricing_runs.raised; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.raised IS 'Сколько цен повышено';


--
-- Name: COLUMN pricing_runs.lowered; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.lowered IS 'Сколько цен понижено';


--
-- Name: COLUMN pricing_runs.rolled_back_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.rolled_back_at IS 'Когда изменения прохода откачены';


--
-- Name: COLUMN pricing_runs.rolled_back_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.rolled_back_by IS 'Кто откатил изменения прохода';


--
-- Name: COLUMN pricing_runs.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.status IS 'Идёт, завершён или прерван (см. тип pricing_run_status)';


--
-- Name: COLUMN pricing_runs.priced_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.priced_at IS 'Момент, на который считаются решения всех пачек прохода (окно 24 ч, паузы, дни на сайте)';


--
-- Name: COLUMN pricing_runs.elasticity_ceiling; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.elasticity_ceiling IS 'Потолок шага ELASTICITY_CAP из окружения на момент запуска, доля';


--
-- Name: COLUMN pricing_runs.max_shift_ceiling; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.max_shift_ceiling IS 'Потолок коридора PRICE_MAX_SHIFT из окружения на момент запуска, доля';


--
-- Name: COLUMN pricing_runs.planned_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.planned_at IS 'Когда пересчитаны показатели спроса и спланированы пачки: started_at…planned_at — пересчёт показателей, planned_at…finished_at — пересчёт цен';


--
-- Name: COLUMN pricing_runs.batch_apartments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.batch_apartments IS 'Квартир в продаже на пачку, выбранных для прохода (pricing_batch_apartments: крупнее, если изменений ожидается мало)';


--
-- Name: COLUMN pricing_runs.batches; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.batches IS 'Сколько пачек ЖК запланировано (0 — проход одним оператором reprice_apartments)';


--
-- Name: COLUMN pricing_runs.batches_done; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.batches_done IS 'Сколько пачек применено и зафиксировано';


--
-- Name: COLUMN pricing_runs.workers; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_runs.workers IS 'Сколько соединений обрабатывали пачки (PRICING_WORKERS)';


--
-- Name: finish_pricing_run(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.finish_pricing_run(p_run_id bigint) RETURNS public.pricing_runs
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_run pricing_runs := record_pricing_run_summary(p_run_id);
BEGIN
    PERFORM pg_advisory_unlock(pricing_pass_lock_key());
    RETURN v_run;
END;
$$;


--
-- Name: FUNCTION finish_pricing_run(p_run_id bigint); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.finish_pricing_run(p_run_id bigint) IS 'Шаг 5 цикла: итоги пачек — в pricing_runs (record_pricing_run_summary), сессионная блокировка прохода снята';


--
-- Name: forbid_reference_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.forbid_reference_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'на таблице "%" ссылка % не меняется после вставки', TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[1], TABLE = TG_TABLE_NAME;
END;
$$;


--
-- Name: FUNCTION forbid_reference_change(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.forbid_reference_change() IS 'Запрещает менять ссылочный столбец строки (аргументы триггера: столбец и имя прежнего внешнего ключа)';


--
-- Name: format_percent_change(numeric, numeric); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.format_percent_change(p_old numeric, p_new numeric) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN ((CASE WHEN (p_new > p_old) THEN '+'::text WHEN (p_new < p_old) THEN '−'::text ELSE ''::text END || replace((trim_scale(abs(round((((p_new - p_old) / p_old) * (100)::numeric), 1))))::text, '.'::text, ','::text)) || ' %'::text);


--
-- Name: FUNCTION format_percent_change(p_old numeric, p_new numeric); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.format_percent_change(p_old numeric, p_new numeric) IS 'Изменение цены в процентах для людей: +3 %, −2,5 % (знак минус U+2212, десятичная запятая)';


--
-- Name: ingest_interest_events(bigint[], bigint[], text[], public.interest_event[], timestamp with time zone[], interval, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ingest_interest_events(p_apartment_ids bigint[], p_user_ids bigint[], p_visitor_ids text[], p_events public.interest_event[], p_occurred_at timestamp with time zone[], p_dedup_window interval, p_flood_per_minute integer) RETURNS TABLE(ord integer, outcome text)
    LANGUAGE plpgsql
    AS $$
BEGIN
    -- 1. Частота зрителя (включая повторы) и пометка накрутки. Строки блокируются в порядке зрителя:
    --    параллельные пакеты не ждут друг друга по кругу.
    WITH items AS (
        SELECT * FROM classify_interest_events(p_apartment_ids, p_user_ids, p_visitor_ids, p_events, p_occurred_at)
    ),
    counted AS (
        INSERT INTO visitor_activity AS va (viewer, minute, events)
        SELECT i.viewer, date_trunc('minute', now()), count(*)
        FROM items i
        WHERE i.reject IS NULL
        GROUP BY i.viewer
        ORDER BY i.viewer
        ON CONFLICT (viewer, minute) DO UPDATE SET events = va.events + excluded.events
        RETURNING va.viewer, va.events
    )
    INSERT INTO flagged_visitors AS fv (viewer, peak_events_per_minute)
    SELECT c.viewer, c.events FROM counted c WHERE c.events > p_flood_per_minute
    ORDER BY c.viewer
    ON CONFLICT (viewer) DO UPDATE
        SET flagged                = true,
            peak_events_per_minute = greatest(fv.peak_events_per_minute, excluded.peak_events_per_minute),
            flagged_at             = CASE WHEN fv.flagged THEN fv.flagged_at ELSE now() END,
            changed_xid            = CASE WHEN fv.flagged THEN fv.changed_xid ELSE pg_current_xact_id() END;

    -- 2. Окно повторов и запись: учитывается первое событие пары в пакете, если прошлое учтённое старше окна.
    RETURN QUERY
    WITH items AS (
        SELECT * FROM classify_interest_events(p_apartment_ids, p_user_ids, p_visitor_ids, p_events, p_occurred_at)
    ),
    candidates AS (
        SELECT DISTINCT ON (i.apartment_id, i.viewer, i.event) i.*
        FROM items i
        WHERE i.reject IS NULL
        ORDER BY i.apartment_id, i.viewer, i.event, i.occurred_at, i.ord
    ),
    fresh AS (
        INSERT INTO view_dedup AS d (apartment_id, viewer, event, counted_at)
        SELECT c.apartment_id, c.viewer, c.event, c.occurred_at FROM candidates c
        ORDER BY c.apartment_id, c.viewer, c.event
        ON CONFLICT (apartment_id, viewer, event) DO UPDATE SET counted_at = excluded.counted_at
        WHERE d.counted_at <= excluded.counted_at - p_dedup_window
        RETURNING d.apartment_id, d.viewer, d.event
    ),
    stored AS (
        INSERT INTO views_log (apartment_id, user_id, visitor_id, event, occurred_at)
        SELECT c.apartment_id, c.user_id, c.visitor_id, c.event, c.occurred_at
        FROM candidates c
        JOIN fresh f ON (f.apartment_id, f.viewer, f.event) = (c.apartment_id, c.viewer, c.event)
        RETURNING views_log.apartment_id, views_log.viewer, views_log.event
    )
    SELECT i.ord,
           CASE WHEN i.reject IS NOT NULL THEN i.reject
                WHEN c.ord IS DISTINCT FROM i.ord OR s.apartment_id IS NULL THEN 'duplicate'
                WHEN i.flagged THEN 'flagged'
                ELSE 'counted' END
    FROM items i
    LEFT JOIN candidates c ON (c.apartment_id, c.viewer, c.event) = (i.apartment_id, i.viewer, i.event)
    LEFT JOIN stored s ON (s.apartment_id, s.viewer, s.event) = (i.apartment_id, i.viewer, i.event)
    ORDER BY i.ord;
END;
$$;


--
-- Name: FUNCTION ingest_interest_events(p_apartment_ids bigint[], p_user_ids bigint[], p_visitor_ids text[], p_events public.interest_event[], p_occurred_at timestamp with time zone[], p_dedup_window interval, p_flood_per_minute integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.ingest_interest_events(p_apartment_ids bigint[], p_user_ids bigint[], p_visitor_ids text[], p_events public.interest_event[], p_occurred_at timestamp with time zone[], p_dedup_window interval, p_flood_per_minute integer) IS 'Принимает пакет событий интереса одним вызовом (массивы одной длины, элемент i — событие i): считает частоту зрителя и помечает накрутку (> p_flood_per_minute в минуту), отбрасывает повторы пары «квартира × зритель × тип» в окне p_dedup_window (атомарно через view_dedup) и пишет остальное в views_log. Возвращает исход каждого события: counted, duplicate, flagged (записано, но не входит в спрос) или причину отказа';


--
-- Name: leads_emit_created(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.leads_emit_created() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_event_ids bigint[];
BEGIN
    WITH emitted AS (
        INSERT INTO outbox_events (topic, event_type, aggregate_id, payload)
        SELECT 'lead', 'lead.created', l.id,
               jsonb_build_object(
                   'lead_id', l.id,
                   'apartment_id', l.apartment_id,
                   'project_id', a.project_id,
                   'developer_id', p.developer_id,
                   'created_at', l.created_at)
          FROM inserted_leads l
          JOIN apartments a ON a.id = l.apartment_id
          JOIN projects p ON p.id = a.project_id
         ORDER BY l.id
        RETURNING id
    )
    SELECT array_agg(e.id) INTO v_event_ids FROM emitted e;
    PERFORM enqueue_crm_deliveries(v_event_ids);
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION leads_emit_created(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.leads_emit_created() IS 'Событие lead.created на каждую новую заявку на звонок (без имени и телефона — их CRM-доставка читает из leads при отправке) и его доставка в CRM застройщика';


--
-- Name: map_summary_fingerprint(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.map_summary_fingerprint() RETURNS text
    LANGUAGE sql STABLE
    AS $$
SELECT concat_ws(':',
                 coalesce(extract(epoch FROM cluster_demand_refreshed_at())::text, '-'),
                 (SELECT count(*) || '/' || coalesce(sum(p.xmin::text::bigint), 0) FROM projects p),
                 (SELECT count(*) || '/' || coalesce(sum(d.xmin::text::bigint), 0) FROM developers d))
$$;


--
-- Name: FUNCTION map_summary_fingerprint(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.map_summary_fingerprint() IS 'Отпечаток данных, от которых зависит карта по сводке: время обновления cluster_demand, число и сумма xmin строк projects и developers. Тот же отпечаток — тот же ответ карты (кеш ответов в сервисе)';


--
-- Name: outbox_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox_events (
    id bigint NOT NULL,
    topic public.outbox_topic NOT NULL,
    event_type text NOT NULL,
    aggregate_id bigint NOT NULL,
    payload jsonb,
    price_history_id bigint,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    published_at timestamp with time zone,
    CONSTRAINT outbox_events_body_check CHECK (((payload IS NULL) = (price_history_id IS NOT NULL))),
    CONSTRAINT outbox_events_event_type_check CHECK ((event_type ~ '^[a-z]+\.[a-z_]+$'::text)),
    CONSTRAINT outbox_events_payload_check CHECK ((jsonb_typeof(payload) = 'object'::text))
);


--
-- Name: TABLE outbox_events; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.outbox_events IS 'Outbox событий для фронтенда: строка пишется в транзакции самого изменения, ретранслятор публикует её в Redis Streams (хотя бы один раз, в порядке id) и отмечает published_at; опубликованные удаляются после срока хранения (OUTBOX_RETENTION_HOURS). Только вставка производителями, published_at ставит только ретранслятор';


--
-- Name: COLUMN outbox_events.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.outbox_events.id IS 'Идентификатор события (event_id в Redis): стабилен при повторной публикации — по нему потребитель убирает дубли';


--
-- Name: COLUMN outbox_events.topic; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.outbox_events.topic IS 'Тема = поток Redis <EVENTS_STREAM_PREFIX>:<тема>';


--
-- Name: COLUMN outbox_events.event_type; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.outbox_events.event_type IS 'Тип события: price.changed, booking.created, apartment.published …';


--
-- Name: COLUMN outbox_events.aggregate_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.outbox_events.aggregate_id IS 'id квартиры, брони или ЖК, о котором событие';


--
-- Name: COLUMN outbox_events.payload; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.outbox_events.payload IS 'Тело события (схема — в /asyncapi.json), деньги — строки с копейками; пусто у price.changed — его тело строится при публикации из строки price_history (outbox_event_payload): проход цен пишет сотни тысяч событий, и узкая строка без JSON в 5 раз дешевле';


--
-- Name: COLUMN outbox_events.price_history_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.outbox_events.price_history_id IS 'price.changed: строка price_history, записанная в той же транзакции (без внешнего ключа: история цен не удаляется, а проверка ключа на каждую строку прохода стоила бы времени)';


--
-- Name: COLUMN outbox_events.recorded_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.outbox_events.recorded_at IS 'Время транзакции, записавшей событие';


--
-- Name: COLUMN outbox_events.published_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.outbox_events.published_at IS 'Когда ретранслятор получил подтверждение XADD от Redis; пусто — ещё ждёт';


--
-- Name: outbox_event_payload(public.outbox_events); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.outbox_event_payload(p_event public.outbox_events) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT coalesce(
        p_event.payload,
        (SELECT price_changed_payload(h.apartment_id, a.project_id, h.old_price, h.new_price, h.reason,
                                      h.pricing_run_id, h.changed_at, h.explanation)
           FROM price_history h
           JOIN apartments a ON a.id = h.apartment_id
          WHERE h.id = p_event.price_history_id))
$$;


--
-- Name: FUNCTION outbox_event_payload(p_event public.outbox_events); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.outbox_event_payload(p_event public.outbox_events) IS 'Тело события для публикации: payload строки или, у price.changed, тело из её строки price_history (price_changed_payload). Так его читают ретранслятор и аналитики: SELECT outbox_event_payload(e) FROM outbox_events e';


--
-- Name: outbox_events_notify(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.outbox_events_notify() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_notify('outbox_events', '');
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION outbox_events_notify(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.outbox_events_notify() IS 'Будит ретранслятор (LISTEN outbox_events) при фиксации транзакции, записавшей события; одно уведомление на оператор, PostgreSQL сливает одинаковые в одно на транзакцию';


--
-- Name: outbox_relay_lock_key(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.outbox_relay_lock_key() RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 4242001700::bigint $$;


--
-- Name: FUNCTION outbox_relay_lock_key(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.outbox_relay_lock_key() IS 'Ключ сеансовой advisory-блокировки ретранслятора outbox: публикует только реплика, которая её держит; умерла реплика — соединение закрылось, блокировку берёт следующая';


--
-- Name: outbox_status(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.outbox_status(OUT pending_events bigint, OUT oldest_pending timestamp with time zone, OUT last_published timestamp with time zone, OUT relay_connected boolean) RETURNS record
    LANGUAGE sql STABLE
    AS $$
    SELECT (SELECT count(*) FROM outbox_events e WHERE e.published_at IS NULL),
           (SELECT e.recorded_at FROM outbox_events e WHERE e.published_at IS NULL ORDER BY e.id LIMIT 1),
           (SELECT max(e.published_at) FROM outbox_events e WHERE e.published_at IS NOT NULL),
           EXISTS (SELECT 1 FROM pg_locks l
                    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                      AND ((l.classid::bigint << 32) | l.objid::bigint) = outbox_relay_lock_key())
$$;


--
-- Name: FUNCTION outbox_status(OUT pending_events bigint, OUT oldest_pending timestamp with time zone, OUT last_published timestamp with time zone, OUT relay_connected boolean); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.outbox_status(OUT pending_events bigint, OUT oldest_pending timestamp with time zone, OUT last_published timestamp with time zone, OUT relay_connected boolean) IS 'Насколько отстаёт ретранслятор outbox: сколько событий ждут публикации, время самого старого из них, последняя публикация и держит ли какая-нибудь реплика блокировку ретранслятора (GET /outbox/status)';


--
-- Name: plan_pricing_batches(bigint, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.plan_pricing_batches(p_run_id bigint, p_batch_apartments integer) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: FUNCTION plan_pricing_batches(p_run_id bigint, p_batch_apartments integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.plan_pricing_batches(p_run_id bigint, p_batch_apartments integer) IS 'Шаг 3 цикла: делит ЖК с квартирами в продаже на пачки по возрастанию id примерно по pricing_batch_apartments() квартир (кластер не выходит за ЖК, поэтому пачка целых ЖК согласованна). Повторный вызов для прохода ничего не меняет. Возвращает число пачек';


--
-- Name: popularity_24h(integer, integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.popularity_24h(p_views integer, p_leads integer, p_bookings integer) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (((0.5 * (COALESCE(p_views, 0))::numeric) + ((2 * COALESCE(p_leads, 0)))::numeric) + ((5 * COALESCE(p_bookings, 0)))::numeric);


--
-- Name: FUNCTION popularity_24h(p_views integer, p_leads integer, p_bookings integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.popularity_24h(p_views integer, p_leads integer, p_bookings integer) IS 'Популярность для сортировки каталога: спрос за 24 ч с весами по умолчанию (0,5·просмотры + 2·заявки + 5·брони)';


--
-- Name: price_changed_payload(bigint, bigint, numeric, numeric, public.price_change_reason, bigint, timestamp with time zone, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.price_changed_payload(p_apartment_id bigint, p_project_id bigint, p_old_price numeric, p_new_price numeric, p_reason public.price_change_reason, p_pricing_run_id bigint, p_changed_at timestamp with time zone, p_explanation text) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT jsonb_build_object(
        'apartment_id', p_apartment_id,
        'project_id', p_project_id,
        'old_price', p_old_price::text,
        'new_price', p_new_price::text,
        'reason', p_reason,
        'pricing_run_id', p_pricing_run_id,
        'changed_at', p_changed_at,
        'explanation', p_explanation)
$$;


--
-- Name: FUNCTION price_changed_payload(p_apartment_id bigint, p_project_id bigint, p_old_price numeric, p_new_price numeric, p_reason public.price_change_reason, p_pricing_run_id bigint, p_changed_at timestamp with time zone, p_explanation text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.price_changed_payload(p_apartment_id bigint, p_project_id bigint, p_old_price numeric, p_new_price numeric, p_reason public.price_change_reason, p_pricing_run_id bigint, p_changed_at timestamp with time zone, p_explanation text) IS 'Тело события price.changed (одно на изменение цены): квартира, ЖК, старая и новая цена строками, причина, проход, объяснение по-русски. Единственное место, где задан его вид: его вызывает outbox_event_payload при публикации';


--
-- Name: price_history_check_references(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.price_history_check_references() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM apartments a WHERE a.id = NEW.apartment_id) THEN
        RAISE EXCEPTION 'insert on table "price_history" violates foreign key constraint "price_history_apartment_id_fkey"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'price_history_apartment_id_fkey', TABLE = 'price_history',
                  DETAIL = format('Key (apartment_id)=(%s) is not present in table "apartments".', NEW.apartment_id);
    END IF;
    IF NEW.pricing_run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pricing_runs r WHERE r.id = NEW.pricing_run_id) THEN
        RAISE EXCEPTION 'insert on table "price_history" violates foreign key constraint "price_history_pricing_run_id_fkey"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'price_history_pricing_run_id_fkey', TABLE = 'price_history',
                  DETAIL = format('Key (pricing_run_id)=(%s) is not present in table "pricing_runs".', NEW.pricing_run_id);
    END IF;
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION price_history_check_references(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.price_history_check_references() IS 'Проверка ссылок новой строки price_history на квартиру и проход (вместо внешних ключей); ошибка — foreign_key_violation с прежним именем ограничения. Построчно, по ключу';


--
-- Name: price_history_emit_price_changed(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.price_history_emit_price_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO outbox_events (topic, event_type, aggregate_id, price_history_id)
    VALUES ('price', 'price.changed', NEW.apartment_id, NEW.id);
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION price_history_emit_price_changed(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.price_history_emit_price_changed() IS 'Событие price.changed для строки price_history, записанной не проходом и не откатом (ручная цена застройщика, выгрузка цен): те пишут свои события сами одним оператором';


--
-- Name: dynamic_pricing_config; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dynamic_pricing_config (
    id bigint NOT NULL,
    developer_id bigint,
    project_id bigint,
    k1 numeric(6,3) DEFAULT 1.3 NOT NULL,
    k2 numeric(6,3) DEFAULT 0.7 NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    weight_views numeric(8,3) DEFAULT 0.5 NOT NULL,
    weight_favourites numeric(8,3) DEFAULT 0 NOT NULL,
    weight_leads numeric(8,3) DEFAULT 2 NOT NULL,
    weight_bookings numeric(8,3) DEFAULT 5 NOT NULL,
    step numeric(6,5) DEFAULT 0.03 NOT NULL,
    elasticity_cap numeric(6,5) DEFAULT 0.03 NOT NULL,
    max_shift numeric(6,5) DEFAULT 0.07 NOT NULL,
    cooldown interval DEFAULT '24:00:00'::interval NOT NULL,
    booking_freeze interval DEFAULT '24:00:00'::interval NOT NULL,
    min_days_on_site integer DEFAULT 14 NOT NULL,
    comment text,
    created_by bigint,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT dynamic_pricing_config_booking_freeze_check CHECK (((booking_freeze >= '00:00:00'::interval) AND (booking_freeze <= '30 days'::interval))),
    CONSTRAINT dynamic_pricing_config_comment_check CHECK ((length(comment) <= 1000)),
    CONSTRAINT dynamic_pricing_config_cooldown_check CHECK (((cooldown >= '00:00:00'::interval) AND (cooldown <= '30 days'::interval))),
    CONSTRAINT dynamic_pricing_config_elasticity_cap_check CHECK (((elasticity_cap > (0)::numeric) AND (elasticity_cap <= 0.5))),
    CONSTRAINT dynamic_pricing_config_k1_check CHECK (((k1 > (0)::numeric) AND (k1 <= (100)::numeric))),
    CONSTRAINT dynamic_pricing_config_k2_check CHECK (((k2 > (0)::numeric) AND (k2 < k1))),
    CONSTRAINT dynamic_pricing_config_max_shift_check CHECK (((max_shift >= (0)::numeric) AND (max_shift <= 0.5))),
    CONSTRAINT dynamic_pricing_config_min_days_on_site_check CHECK (((min_days_on_site >= 0) AND (min_days_on_site <= 3650))),
    CONSTRAINT dynamic_pricing_config_scope_check CHECK (((developer_id IS NULL) OR (project_id IS NULL))),
    CONSTRAINT dynamic_pricing_config_step_check CHECK (((step > (0)::numeric) AND (step <= 0.5))),
    CONSTRAINT dynamic_pricing_config_weight_bookings_check CHECK (((weight_bookings >= (0)::numeric) AND (weight_bookings <= (1000)::numeric))),
    CONSTRAINT dynamic_pricing_config_weight_favourites_check CHECK (((weight_favourites >= (0)::numeric) AND (weight_favourites <= (1000)::numeric))),
    CONSTRAINT dynamic_pricing_config_weight_leads_check CHECK (((weight_leads >= (0)::numeric) AND (weight_leads <= (1000)::numeric))),
    CONSTRAINT dynamic_pricing_config_weight_views_check CHECK (((weight_views >= (0)::numeric) AND (weight_views <= (1000)::numeric)))
);


--
-- Name: TABLE dynamic_pricing_config; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.dynamic_pricing_config IS 'Коэффициенты динамического ценообразования без деплоя. Только добавление: каждая версия хранится (кто, когда). Действует последняя версия в своей области: глобальная (developer_id и project_id пусты), застройщика, ЖК. Для ЖК побеждает самая конкретная включённая версия; глобальная версия с enabled = false выключает всё. ELASTICITY_CAP и PRICE_MAX_SHIFT из окружения — потолки: таблица может их ужесточить, но не превысить';


--
-- Name: COLUMN dynamic_pricing_config.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.id IS 'Идентификатор версии';


--
-- Name: COLUMN dynamic_pricing_config.developer_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.developer_id IS 'Область: застройщик (переопределение для всех его ЖК)';


--
-- Name: COLUMN dynamic_pricing_config.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.project_id IS 'Область: ЖК (самое конкретное переопределение)';


--
-- Name: COLUMN dynamic_pricing_config.k1; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.k1 IS 'Верхний порог: demand_norm > k1 — цена растёт (1.3)';


--
-- Name: COLUMN dynamic_pricing_config.k2; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.k2 IS 'Нижний порог: demand_norm < k2 и долго на сайте — цена снижается (0.7)';


--
-- Name: COLUMN dynamic_pricing_config.enabled; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.enabled IS 'Версия действует; глобальная с false отключает ценообразование полностью';


--
-- Name: COLUMN dynamic_pricing_config.weight_views; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.weight_views IS 'Вес просмотра за 24 ч в спросе (0.5)';


--
-- Name: COLUMN dynamic_pricing_config.weight_favourites; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.weight_favourites IS 'Вес добавления в избранное (0)';


--
-- Name: COLUMN dynamic_pricing_config.weight_leads; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.weight_leads IS 'Вес заявки на звонок (2)';


--
-- Name: COLUMN dynamic_pricing_config.weight_bookings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.weight_bookings IS 'Вес брони (5)';


--
-- Name: COLUMN dynamic_pricing_config.step; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.step IS 'Шаг изменения цены за проход, доля (0.03 = 3 %)';


--
-- Name: COLUMN dynamic_pricing_config.elasticity_cap; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.elasticity_cap IS 'Предел эластичности, доля: Δ = min(step, elasticity_cap, ELASTICITY_CAP)';


--
-- Name: COLUMN dynamic_pricing_config.max_shift; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.max_shift IS 'Коридор от базовой цены, доля: min(max_shift, PRICE_MAX_SHIFT)';


--
-- Name: COLUMN dynamic_pricing_config.cooldown; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.cooldown IS 'Не менять цену, если она менялась (по любой причине) за этот период';


--
-- Name: COLUMN dynamic_pricing_config.booking_freeze; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.booking_freeze IS 'Не менять цену, если за этот период была бронь (любого статуса)';


--
-- Name: COLUMN dynamic_pricing_config.min_days_on_site; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.min_days_on_site IS 'Снижать цену только если квартира на сайте больше стольких дней';


--
-- Name: COLUMN dynamic_pricing_config.comment; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.comment IS 'Зачем изменили настройки';


--
-- Name: COLUMN dynamic_pricing_config.created_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.created_by IS 'Кто создал версию';


--
-- Name: COLUMN dynamic_pricing_config.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config.created_at IS 'Когда создана версия';


--
-- Name: pricing_batch_apartments(bigint, integer, integer, interval); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.pricing_batch_apartments(p_run_id bigint, p_batch_apartments integer, p_max_batch_apartments integer DEFAULT 200000, p_history_window interval DEFAULT '00:10:00'::interval) RETURNS integer
    LANGUAGE sql STABLE
    BEGIN ATOMIC
 SELECT
         CASE
             WHEN (previous.change_ratio IS NULL) THEN pricing_batch_apartments.p_batch_apartments
             ELSE (LEAST(GREATEST(round((((pricing_batch_apartments.p_batch_apartments)::numeric * 0.6) / GREATEST(previous.change_ratio, 0.0001))), (pricing_batch_apartments.p_batch_apartments)::numeric), (GREATEST(pricing_batch_apartments.p_max_batch_apartments, pricing_batch_apartments.p_batch_apartments))::numeric))::integer
         END AS "least"
    FROM (public.pricing_runs this
      LEFT JOIN LATERAL ( SELECT (((r.raised + r.lowered))::numeric / (r.evaluated)::numeric) AS change_ratio
            FROM public.pricing_runs r
           WHERE ((r.id < this.id) AND (r.status = 'completed'::public.pricing_run_status) AND (r.evaluated > 0) AND (r.rolled_back_at IS NULL) AND (r.finished_at > (this.started_at - pricing_batch_apartments.p_history_window)) AND (NOT (EXISTS ( SELECT 1
                    FROM public.dynamic_pricing_config c
                   WHERE (c.created_at > r.started_at)))))
           ORDER BY r.id DESC
          LIMIT 1) previous ON (true))
   WHERE (this.id = pricing_batch_apartments.p_run_id);
END;


--
-- Name: FUNCTION pricing_batch_apartments(p_run_id bigint, p_batch_apartments integer, p_max_batch_apartments integer, p_history_window interval); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.pricing_batch_apartments(p_run_id bigint, p_batch_apartments integer, p_max_batch_apartments integer, p_history_window interval) IS 'Квартир в пачке прохода: p_batch_apartments, если доля изменений неизвестна или велика; крупнее в 0,6 / доля раз (до p_max_batch_apartments), если недавний завершённый проход с теми же настройками менял малую долю цен';


--
-- Name: pricing_candidate_price(integer, numeric, numeric, numeric, numeric); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.pricing_candidate_price(p_direction integer, p_current_price numeric, p_base_price numeric, p_delta numeric, p_max_shift numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE p_direction WHEN 1 THEN LEAST(round((p_current_price * ((1)::numeric + p_delta)), 2), round((p_base_price * ((1)::numeric + p_max_shift)), 2)) WHEN '-1'::integer THEN GREATEST(round((p_current_price * ((1)::numeric - p_delta)), 2), round((p_base_price * ((1)::numeric - p_max_shift)), 2)) ELSE p_current_price END;


--
-- Name: FUNCTION pricing_candidate_price(p_direction integer, p_current_price numeric, p_base_price numeric, p_delta numeric, p_max_shift numeric); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.pricing_candidate_price(p_direction integer, p_current_price numeric, p_base_price numeric, p_delta numeric, p_max_shift numeric) IS 'Цена после шага Δ в сторону direction (1 — вверх, −1 — вниз), округлённая до копеек и зажатая в коридор round(base × (1 ± max_shift), 2); при другом direction — текущая цена';


--
-- Name: pricing_demand(integer, integer, integer, integer, numeric, numeric, numeric, numeric); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.pricing_demand(p_views integer, p_favourites integer, p_leads integer, p_bookings integer, p_weight_views numeric, p_weight_favourites numeric, p_weight_leads numeric, p_weight_bookings numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ((((p_weight_views * (p_views)::numeric) + (p_weight_favourites * (p_favourites)::numeric)) + (p_weight_leads * (p_leads)::numeric)) + (p_weight_bookings * (p_bookings)::numeric));


--
-- Name: FUNCTION pricing_demand(p_views integer, p_favourites integer, p_leads integer, p_bookings integer, p_weight_views numeric, p_weight_favourites numeric, p_weight_leads numeric, p_weight_bookings numeric); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.pricing_demand(p_views integer, p_favourites integer, p_leads integer, p_bookings integer, p_weight_views numeric, p_weight_favourites numeric, p_weight_leads numeric, p_weight_bookings numeric) IS 'demand = 0.5·views_24h + 0·favourites_24h + 2·leads_24h + 5·bookings_24h (веса из настроек)';


--
-- Name: pricing_demand_milli(integer, integer, integer, integer, bigint, bigint, bigint, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.pricing_demand_milli(p_views integer, p_favourites integer, p_leads integer, p_bookings integer, p_views_weight_milli bigint, p_favourites_weight_milli bigint, p_leads_weight_milli bigint, p_bookings_weight_milli bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ((((p_views_weight_milli * p_views) + (p_favourites_weight_milli * p_favourites)) + (p_leads_weight_milli * p_leads)) + (p_bookings_weight_milli * p_bookings));


--
-- Name: FUNCTION pricing_demand_milli(p_views integer, p_favourites integer, p_leads integer, p_bookings integer, p_views_weight_milli bigint, p_favourites_weight_milli bigint, p_leads_weight_milli bigint, p_bookings_weight_milli bigint); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.pricing_demand_milli(p_views integer, p_favourites integer, p_leads integer, p_bookings integer, p_views_weight_milli bigint, p_favourites_weight_milli bigint, p_leads_weight_milli bigint, p_bookings_weight_milli bigint) IS 'Тот же спрос в целых тысячных: pricing_demand × 1000 точно (веса numeric(8, 3)). Медианы и проход сравнивают его целыми числами: на миллионе строк numeric-арифметика стоила бы сотни миллисекунд';


--
-- Name: pricing_direction(integer, integer, integer, integer, bigint, bigint, bigint, bigint, bigint, bigint, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.pricing_direction(p_views integer, p_favourites integer, p_leads integer, p_bookings integer, p_views_weight_milli bigint, p_favourites_weight_milli bigint, p_leads_weight_milli bigint, p_bookings_weight_milli bigint, p_raise_above_milli bigint, p_lower_below_milli bigint, p_published_at timestamp with time zone, p_lowering_published_before timestamp with time zone) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN (p_raise_above_milli IS NULL) THEN 0 WHEN (public.pricing_demand_milli(p_views, p_favourites, p_leads, p_bookings, p_views_weight_milli, p_favourites_weight_milli, p_leads_weight_milli, p_bookings_weight_milli) > p_raise_above_milli) THEN 1 WHEN (public.pricing_demand_milli(p_views, p_favourites, p_leads, p_bookings, p_views_weight_milli, p_favourites_weight_milli, p_leads_weight_milli, p_bookings_weight_milli) < p_lower_below_milli) THEN CASE WHEN (p_published_at <= p_lowering_published_before) THEN '-1'::integer ELSE '-2'::integer END ELSE 0 END;


--
-- Name: FUNCTION pricing_direction(p_views integer, p_favourites integer, p_leads integer, p_bookings integer, p_views_weight_milli bigint, p_favourites_weight_milli bigint, p_leads_weight_milli bigint, p_bookings_weight_milli bigint, p_raise_above_milli bigint, p_lower_below_milli bigint, p_published_at timestamp with time zone, p_lowering_published_before timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.pricing_direction(p_views integer, p_favourites integer, p_leads integer, p_bookings integer, p_views_weight_milli bigint, p_favourites_weight_milli bigint, p_leads_weight_milli bigint, p_bookings_weight_milli bigint, p_raise_above_milli bigint, p_lower_below_milli bigint, p_published_at timestamp with time zone, p_lowering_published_before timestamp with time zone) IS 'Куда тянет спрос: 1 — demand > k1·медиана, −1 — demand < k2·медиана и квартира на сайте дольше min_days_on_site, −2 — спрос низкий, но квартира на сайте недолго, 0 — около медианы или медианы нет. Пороги — в тысячных спроса (raise_above_milli = floor(k1·медиана·1000), lower_below_milli = ceil(k2·медиана·1000)): для целого спроса сравнение точное';


--
-- Name: ru_plural(bigint, text, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ru_plural(p_count bigint, p_one text, p_few text, p_many text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN ((p_count || ' '::text) || CASE WHEN (((abs(p_count) % (100)::bigint) >= 11) AND ((abs(p_count) % (100)::bigint) <= 14)) THEN p_many WHEN ((abs(p_count) % (10)::bigint) = 1) THEN p_one WHEN (((abs(p_count) % (10)::bigint) >= 2) AND ((abs(p_count) % (10)::bigint) <= 4)) THEN p_few ELSE p_many END);


--
-- Name: FUNCTION ru_plural(p_count bigint, p_one text, p_few text, p_many text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.ru_plural(p_count bigint, p_one text, p_few text, p_many text) IS 'Число с существительным в нужной форме: 1 просмотр, 2 просмотра, 5 просмотров, 21 просмотр';


--
-- Name: pricing_explanation(public.pricing_decision, numeric, numeric, integer, integer, integer, integer, integer, numeric, smallint, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.pricing_explanation(p_decision public.pricing_decision, p_old_price numeric, p_new_price numeric, p_views integer, p_leads integer, p_bookings integer, p_days_on_site integer, p_min_days_on_site integer, p_max_shift numeric, p_rooms smallint, p_direction integer) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN CASE p_decision WHEN 'raise'::public.pricing_decision THEN format('Цена изменилась %s из-за высокого спроса (%s за 24 ч)'::text, public.format_percent_change(p_old_price, p_new_price), concat_ws(', '::text, public.ru_plural((p_views)::bigint, 'просмотр'::text, 'просмотра'::text, 'просмотров'::text), CASE WHEN (p_leads > 0) THEN public.ru_plural((p_leads)::bigint, 'лид'::text, 'лида'::text, 'лидов'::text) ELSE NULL::text END, CASE WHEN (p_bookings > 0) THEN public.ru_plural((p_bookings)::bigint, 'бронь'::text, 'брони'::text, 'броней'::text) ELSE NULL::text END)) WHEN 'lower'::public.pricing_decision THEN format('Цена изменилась %s из-за низкого спроса (%s за 24 ч, %s на сайте)'::text, public.format_percent_change(p_old_price, p_new_price), concat_ws(', '::text, public.ru_plural((p_views)::bigint, 'просмотр'::text, 'просмотра'::text, 'просмотров'::text), CASE WHEN (p_leads > 0) THEN public.ru_plural((p_leads)::bigint, 'лид'::text, 'лида'::text, 'лидов'::text) ELSE NULL::text END, CASE WHEN (p_bookings > 0) THEN public.ru_plural((p_bookings)::bigint, 'бронь'::text, 'брони'::text, 'броней'::text) ELSE NULL::text END), public.ru_plural((p_days_on_site)::bigint, 'день'::text, 'дня'::text, 'дней'::text)) WHEN 'hold'::public.pricing_decision THEN CASE WHEN (p_direction < 0) THEN format('Цена без изменений: спрос низкий, но квартира на сайте всего %s (снижение — после %s)'::text, public.ru_plural((p_days_on_site)::bigint, 'день'::text, 'дня'::text, 'дней'::text), public.ru_plural((p_min_days_on_site)::bigint, 'дня'::text, 'дней'::text, 'дней'::text)) ELSE format('Цена без изменений: спрос близок к медиане кластера (%s за 24 ч)'::text, public.ru_plural((p_views)::bigint, 'просмотр'::text, 'просмотра'::text, 'просмотров'::text)) END WHEN 'cooldown'::public.pricing_decision THEN 'Цена без изменений: она уже менялась за последние 24 ч'::text WHEN 'recent_booking'::public.pricing_decision THEN 'Цена без изменений: по квартире была бронь за последние 24 ч'::text WHEN 'at_limit'::public.pricing_decision THEN format('Цена без изменений: достигнута граница %s от базовой цены'::text, ((CASE WHEN (p_direction > 0) THEN '+'::text ELSE '−'::text END || replace((trim_scale(round((p_max_shift * (100)::numeric), 2)))::text, '.'::text, ','::text)) || ' %'::text)) WHEN 'no_median'::public.pricing_decision THEN format('Цена без изменений: в кластере (%s) нет спроса для сравнения'::text, (CASE WHEN (p_rooms = 0) THEN 'студии'::text ELSE (p_rooms || '-комнатные'::text) END || ' этого ЖК'::text)) WHEN 'disabled'::public.pricing_decision THEN 'Цена без изменений: динамическое ценообразование отключено'::text ELSE 'Проход пропущен'::text END;


--
-- Name: FUNCTION pricing_explanation(p_decision public.pricing_decision, p_old_price numeric, p_new_price numeric, p_views integer, p_leads integer, p_bookings integer, p_days_on_site integer, p_min_days_on_site integer, p_max_shift numeric, p_rooms smallint, p_direction integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.pricing_explanation(p_decision public.pricing_decision, p_old_price numeric, p_new_price numeric, p_views integer, p_leads integer, p_bookings integer, p_days_on_site integer, p_min_days_on_site integer, p_max_shift numeric, p_rooms smallint, p_direction integer) IS 'Понятное объяснение решения на русском с правильными формами слов и фактическим изменением от старой цены';


--
-- Name: pricing_pass_lock_key(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.pricing_pass_lock_key() RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN '7310593858020254578'::bigint;


--
-- Name: FUNCTION pricing_pass_lock_key(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.pricing_pass_lock_key() IS 'Ключ транзакционной advisory-блокировки прохода ценообразования: одновременно идёт только один проход или откат';


--
-- Name: pricing_run_batches; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pricing_run_batches (
    run_id bigint NOT NULL,
    batch_no integer NOT NULL,
    project_ids bigint[] NOT NULL,
    apartments integer NOT NULL,
    done_at timestamp with time zone,
    took_ms integer,
    evaluated integer,
    raised integer,
    lowered integer,
    decisions jsonb,
    CONSTRAINT pricing_run_batches_apartments_check CHECK ((apartments >= 0)),
    CONSTRAINT pricing_run_batches_batch_no_check CHECK ((batch_no >= 1)),
    CONSTRAINT pricing_run_batches_decisions_check CHECK ((jsonb_typeof(decisions) = 'object'::text)),
    CONSTRAINT pricing_run_batches_done_check CHECK (((done_at IS NULL) = (evaluated IS NULL))),
    CONSTRAINT pricing_run_batches_evaluated_check CHECK ((evaluated >= 0)),
    CONSTRAINT pricing_run_batches_lowered_check CHECK ((lowered >= 0)),
    CONSTRAINT pricing_run_batches_project_ids_check CHECK ((cardinality(project_ids) >= 1)),
    CONSTRAINT pricing_run_batches_raised_check CHECK ((raised >= 0)),
    CONSTRAINT pricing_run_batches_took_ms_check CHECK ((took_ms >= 0))
);


--
-- Name: TABLE pricing_run_batches; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.pricing_run_batches IS 'Пачки целых ЖК одного прохода. Соединение берёт следующую незанятую пачку (FOR UPDATE SKIP LOCKED), пересчитывает её квартиры и отмечает готовой в той же транзакции: умерло соединение — пачка снова свободна';


--
-- Name: COLUMN pricing_run_batches.run_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_run_batches.run_id IS 'Проход';


--
-- Name: COLUMN pricing_run_batches.batch_no; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_run_batches.batch_no IS 'Номер пачки в проходе (по возрастанию id ЖК)';


--
-- Name: COLUMN pricing_run_batches.project_ids; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_run_batches.project_ids IS 'ЖК пачки';


--
-- Name: COLUMN pricing_run_batches.apartments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_run_batches.apartments IS 'Квартир в продаже в пачке на момент планирования';


--
-- Name: COLUMN pricing_run_batches.done_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_run_batches.done_at IS 'Когда пачка применена; пусто — ещё нет';


--
-- Name: COLUMN pricing_run_batches.took_ms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_run_batches.took_ms IS 'Сколько миллисекунд шла транзакция пачки (столько ждёт встречная запись квартиры)';


--
-- Name: COLUMN pricing_run_batches.evaluated; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_run_batches.evaluated IS 'Сколько квартир оценено';


--
-- Name: COLUMN pricing_run_batches.raised; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_run_batches.raised IS 'Сколько цен повышено';


--
-- Name: COLUMN pricing_run_batches.lowered; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_run_batches.lowered IS 'Сколько цен понижено';


--
-- Name: COLUMN pricing_run_batches.decisions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.pricing_run_batches.decisions IS 'Количество решений по видам, как pricing_runs.decisions';


--
-- Name: pricing_run_unfinished_batches(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.pricing_run_unfinished_batches(p_run_id bigint) RETURNS integer
    LANGUAGE sql
    BEGIN ATOMIC
 SELECT (count(*))::integer AS count
    FROM ( SELECT 1 AS "?column?"
            FROM public.pricing_run_batches b
           WHERE ((b.run_id = pricing_run_unfinished_batches.p_run_id) AND (b.done_at IS NULL))
          FOR UPDATE OF b) pending;
END;


--
-- Name: FUNCTION pricing_run_unfinished_batches(p_run_id bigint); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.pricing_run_unfinished_batches(p_run_id bigint) IS 'Ждёт пачки прохода, которые пересчитывают другие соединения, и возвращает, сколько пачек осталось неготовыми (больше нуля — соединение умерло посреди пачки, её надо пересчитать)';


--
-- Name: pricing_runs_keep_referenced(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.pricing_runs_keep_referenced() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM deleted_runs d JOIN price_history h ON h.pricing_run_id = d.id) THEN
        RAISE EXCEPTION 'update or delete on table "pricing_runs" violates foreign key constraint "price_history_pricing_run_id_fkey" on table "price_history"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'price_history_pricing_run_id_fkey', TABLE = 'price_history',
                  DETAIL = 'Key (id) is still referenced from table "price_history".';
    END IF;
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION pricing_runs_keep_referenced(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.pricing_runs_keep_referenced() IS 'Запрещает удалить проход ценообразования, на который ссылается история цен (как ON DELETE RESTRICT)';


--
-- Name: pricing_skip_reason(boolean, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.pricing_skip_reason(p_locked boolean, p_scheduled_for timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE
    BEGIN ATOMIC
 SELECT
         CASE
             WHEN (NOT p_locked) THEN 'Проход пропущен: другой проход ценообразования ещё выполняется'::text
             WHEN (EXISTS ( SELECT 1
                FROM public.pricing_runs r
               WHERE ((r.scheduled_for = pricing_skip_reason.p_scheduled_for) AND (r.status <> 'interrupted'::public.pricing_run_status)))) THEN format('Проход пропущен: слот расписания %s уже обработан'::text, p_scheduled_for)
             ELSE NULL::text
         END AS "case";
END;


--
-- Name: FUNCTION pricing_skip_reason(p_locked boolean, p_scheduled_for timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.pricing_skip_reason(p_locked boolean, p_scheduled_for timestamp with time zone) IS 'Почему проход не идёт (по-русски, для журнала) или NULL: блокировка прохода занята другим проходом, или слот расписания уже обработан (прерванный проход слота не в счёт — его продолжают)';


--
-- Name: projects; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.projects (
    id bigint NOT NULL,
    developer_id bigint NOT NULL,
    name text NOT NULL,
    city text NOT NULL,
    region_code text NOT NULL,
    address text NOT NULL,
    geo public.geography(Point,4326) NOT NULL,
    class public.project_class NOT NULL,
    commissioning_date date NOT NULL,
    cover_image_url text,
    description text,
    moderation_status public.moderation_status DEFAULT 'draft'::public.moderation_status NOT NULL,
    moderated_by bigint,
    moderated_at timestamp with time zone,
    moderation_comment text,
    published_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT projects_address_check CHECK (((length(btrim(address)) >= 1) AND (length(btrim(address)) <= 500))),
    CONSTRAINT projects_city_check CHECK (((length(btrim(city)) >= 1) AND (length(btrim(city)) <= 100))),
    CONSTRAINT projects_cover_image_url_check CHECK ((cover_image_url ~ '^https?://'::text)),
    CONSTRAINT projects_name_check CHECK (((length(btrim(name)) >= 1) AND (length(btrim(name)) <= 200))),
    CONSTRAINT projects_published_at_check CHECK (((moderation_status <> 'published'::public.moderation_status) OR (published_at IS NOT NULL))),
    CONSTRAINT projects_region_code_check CHECK ((region_code ~ '^RU-[A-Z]{2,3}$'::text))
);


--
-- Name: TABLE projects; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.projects IS 'Жилые комплексы (ЖК) — верхний уровень каталога';


--
-- Name: COLUMN projects.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.id IS 'Идентификатор ЖК';


--
-- Name: COLUMN projects.developer_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.developer_id IS 'Застройщик';


--
-- Name: COLUMN projects.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.name IS 'Название ЖК';


--
-- Name: COLUMN projects.city; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.city IS 'Город';


--
-- Name: COLUMN projects.region_code; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.region_code IS 'Код субъекта РФ по ISO 3166-2, например RU-MOW';


--
-- Name: COLUMN projects.address; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.address IS 'Адрес';


--
-- Name: COLUMN projects.geo; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.geo IS 'Точка на карте (WGS 84), индекс GiST projects_geo_idx';


--
-- Name: COLUMN projects.class; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.class IS 'Класс жилья';


--
-- Name: COLUMN projects.commissioning_date; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.commissioning_date IS 'Плановая дата сдачи';


--
-- Name: COLUMN projects.cover_image_url; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.cover_image_url IS 'Обложка ЖК';


--
-- Name: COLUMN projects.description; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.description IS 'Описание ЖК';


--
-- Name: COLUMN projects.moderation_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.moderation_status IS 'Состояние модерации; публично видны только published';


--
-- Name: COLUMN projects.moderated_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.moderated_by IS 'Модератор, принявший последнее решение';


--
-- Name: COLUMN projects.moderated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.moderated_at IS 'Когда принято последнее решение модерации';


--
-- Name: COLUMN projects.moderation_comment; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.moderation_comment IS 'Комментарий модератора';


--
-- Name: COLUMN projects.published_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.published_at IS 'Когда ЖК впервые опубликован';


--
-- Name: COLUMN projects.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.created_at IS 'Когда создан';


--
-- Name: COLUMN projects.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.updated_at IS 'Когда изменён (триггер)';


--
-- Name: project_event_payload(public.projects, text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.project_event_payload(p_project public.projects, p_changed text[]) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT jsonb_build_object(
        'project_id', p_project.id,
        'developer_id', p_project.developer_id,
        'name', p_project.name,
        'city', p_project.city,
        'region_code', p_project.region_code,
        'moderation_status', p_project.moderation_status,
        'changed', to_jsonb(p_changed))
$$;


--
-- Name: FUNCTION project_event_payload(p_project public.projects, p_changed text[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.project_event_payload(p_project public.projects, p_changed text[]) IS 'Тело событий project.*: ЖК, застройщик, название, город, регион, статус модерации, изменённые поля';


--
-- Name: projects_emit_inserted(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.projects_emit_inserted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO outbox_events (topic, event_type, aggregate_id, payload)
    SELECT 'catalog', 'project.published', p.id, project_event_payload(p, '{}')
      FROM inserted_projects p
     WHERE p.moderation_status = 'published'
     ORDER BY p.id;
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION projects_emit_inserted(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.projects_emit_inserted() IS 'project.published для ЖК, вставленных сразу опубликованными';


--
-- Name: projects_emit_updated(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.projects_emit_updated() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_was_published boolean := OLD.moderation_status = 'published';
    v_is_published  boolean := NEW.moderation_status = 'published';
BEGIN
    IF NOT (v_was_published OR v_is_published) THEN
        RETURN NULL;
    END IF;
    INSERT INTO outbox_events (topic, event_type, aggregate_id, payload)
    VALUES ('catalog',
            CASE WHEN NOT v_was_published THEN 'project.published'
                 WHEN NOT v_is_published THEN 'project.unpublished'
                 ELSE 'project.updated' END,
            NEW.id,
            project_event_payload(NEW, changed_columns(to_jsonb(OLD), to_jsonb(NEW), ARRAY[
                'updated_at', 'created_at', 'moderated_by', 'moderated_at', 'moderation_comment', 'published_at'])));
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION projects_emit_updated(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.projects_emit_updated() IS 'project.published (модерация опубликовала), project.unpublished (снят), project.updated (изменился опубликованный ЖК); черновики молчат';


--
-- Name: projects_sync_place_to_offers(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.projects_sync_place_to_offers() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    UPDATE catalog_offers c
       SET region_code = n.region_code, city_key = lower(n.city)
      FROM new_projects n
      JOIN old_projects o ON o.id = n.id
     WHERE (o.region_code, lower(o.city)) IS DISTINCT FROM (n.region_code, lower(n.city))
       AND c.project_id = n.id;
    UPDATE apartment_popularity o
       SET city_key = lower(n.city)
      FROM new_projects n
      JOIN old_projects prior ON prior.id = n.id
      JOIN apartments a ON a.project_id = n.id
     WHERE lower(prior.city) IS DISTINCT FROM lower(n.city)
       AND o.apartment_id = a.id;
    RETURN NULL;
END;
$$;


--
-- Name: FUNCTION projects_sync_place_to_offers(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.projects_sync_place_to_offers() IS 'Переносит новый регион и город ЖК в catalog_offers (region_code, city_key) и город — в apartment_popularity его квартир; по оператору на таблицу на UPDATE projects';


--
-- Name: promotion_discounts(bigint[], timestamp with time zone, numeric, numeric); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.promotion_discounts(p_apartment_ids bigint[], p_at timestamp with time zone, p_max_total_percent numeric, p_floor_percent numeric) RETURNS TABLE(apartment_id bigint, list_price numeric, discount numeric, final_price numeric, promotion_ids bigint[], promotions jsonb)
    LANGUAGE sql STABLE
    AS $$
WITH apt AS (
    SELECT a.id, a.project_id, a.building_id, p.developer_id, a.rooms, a.area_total, a.floor, a.code,
           a.current_price,
           greatest(least(floor(a.current_price * p_max_total_percent) / 100,
                          a.current_price - ceil(a.base_price * p_floor_percent) / 100), 0) AS max_discount
      FROM apartments a
      JOIN projects p ON p.id = a.project_id
     WHERE a.id = ANY (p_apartment_ids)
),
-- Кандидаты — действующие акции, которые могут задеть эти квартиры, по индексам, а не все действующие: с условием на ЖК
-- этих квартир (GIN promotions_project_ids_idx, по спуску на ЖК), без условия на ЖК — их застройщиков
-- (promotions_unscoped_idx) и платформы. Остальные условия разбираются из conditions в типы только у кандидатов: на
-- странице поиска это несколько акций.
candidates AS MATERIALIZED (
    SELECT pr.id, pr.developer_id, pr.name, pr.kind, coalesce(pr.discount_percent, pr.discount_amount) AS discount_value,
           pr.stacks, pr.conditions AS c,
           CASE WHEN pr.conditions ? 'project_ids'
                THEN ARRAY(SELECT DISTINCT jsonb_array_elements_text(pr.conditions -> 'project_ids')::bigint)
           END AS project_ids
      FROM (SELECT DISTINCT ON (scoped.id) scoped.*
              FROM (SELECT DISTINCT apt.project_id FROM apt) ap
             CROSS JOIN LATERAL (SELECT * FROM promotions
                                  WHERE conditions -> 'project_ids' @> to_jsonb(ap.project_id)) scoped
            UNION ALL
            SELECT * FROM promotions
             WHERE (developer_id = ANY (ARRAY(SELECT DISTINCT apt.developer_id FROM apt)) OR developer_id IS NULL)
               AND NOT conditions ? 'project_ids') pr
     WHERE pr.status = 'approved' AND pr.starts_at <= p_at AND pr.ends_at > p_at
       AND (NOT pr.conditions ? 'first_n_bookings'
            OR pr.issued_bookings < (pr.conditions ->> 'first_n_bookings')::integer)
),
active AS MATERIALIZED (
    SELECT k.id, k.developer_id, k.name, k.kind, k.discount_value, k.stacks, k.project_ids,
           CASE WHEN c ? 'building_ids'
                THEN ARRAY(SELECT jsonb_array_elements_text(c -> 'building_ids')::bigint) END    AS building_ids,
           CASE WHEN c ? 'rooms'
                THEN ARRAY(SELECT jsonb_array_elements_text(c -> 'rooms')::smallint) END         AS rooms,
           (c ->> 'area_min')::numeric AS area_min, (c ->> 'area_max')::numeric AS area_max,
           (c ->> 'floor_min')::integer AS floor_min, (c ->> 'floor_max')::integer AS floor_max,
           (c ->> 'price_min')::numeric AS price_min, (c ->> 'price_max')::numeric AS price_max,
           CASE WHEN c ? 'apartment_codes'
                THEN ARRAY(SELECT jsonb_array_elements_text(c -> 'apartment_codes')) END         AS apartment_codes
      FROM candidates k
     WHERE k.project_ids IS NULL OR k.project_ids && ARRAY(SELECT DISTINCT apt.project_id FROM apt)
),
-- Акции с условием на ЖК — по строке на ЖК: с квартирами они соединяются по равенству ЖК (хеш), самое узкое.
scoped AS MATERIALIZED (
    SELECT pr.id AS promotion_id, pr.developer_id, scope.project_id
      FROM active pr
     CROSS JOIN LATERAL unnest(pr.project_ids) AS scope (project_id)
),
-- Пары «квартира × акция, которая может к ней относиться»: по ЖК условия, по застройщику (акции без условия на ЖК),
-- акции платформы без условия на ЖК — со всеми квартирами.
pairs AS (
    SELECT apt.id AS apartment_id, sc.promotion_id
      FROM apt JOIN scoped sc ON sc.project_id = apt.project_id
     WHERE sc.developer_id IS NULL OR sc.developer_id = apt.developer_id
    UNION ALL
    SELECT apt.id, pr.id
      FROM apt JOIN active pr ON pr.developer_id = apt.developer_id
     WHERE pr.project_ids IS NULL
    UNION ALL
    SELECT apt.id, pr.id
      FROM apt JOIN active pr ON pr.developer_id IS NULL AND pr.project_ids IS NULL
),
matched AS (
    SELECT apt.id AS apartment_id, pr.id AS promotion_id, pr.name, pr.stacks,
           CASE pr.kind WHEN 'percent' THEN apt.current_price * pr.discount_value / 100
                        ELSE least(pr.discount_value, apt.current_price) END AS raw_amount
      FROM pairs
      JOIN apt ON apt.id = pairs.apartment_id
      JOIN active pr ON pr.id = pairs.promotion_id
     WHERE (pr.project_ids IS NULL OR apt.project_id = ANY (pr.project_ids))
       AND (pr.building_ids IS NULL OR apt.building_id = ANY (pr.building_ids))
       AND (pr.rooms IS NULL OR apt.rooms = ANY (pr.rooms))
       AND (pr.area_min IS NULL OR apt.area_total >= pr.area_min)
       AND (pr.area_max IS NULL OR apt.area_total <= pr.area_max)
       AND (pr.floor_min IS NULL OR apt.floor >= pr.floor_min)
       AND (pr.floor_max IS NULL OR apt.floor <= pr.floor_max)
       AND (pr.price_min IS NULL OR apt.current_price >= pr.price_min)
       AND (pr.price_max IS NULL OR apt.current_price <= pr.price_max)
       AND (pr.apartment_codes IS NULL OR apt.code = ANY (pr.apartment_codes))
),
ranked AS (
    SELECT m.*,
           coalesce(sum(m.raw_amount) FILTER (WHERE m.stacks) OVER w, 0)     AS stacking_total,
           coalesce(max(m.raw_amount) FILTER (WHERE NOT m.stacks) OVER w, 0) AS best_single,
           row_number() OVER (PARTITION BY m.apartment_id, m.stacks ORDER BY m.raw_amount DESC, m.promotion_id)
               AS rank_in_kind
      FROM matched m
    WINDOW w AS (PARTITION BY m.apartment_id)
),
chosen AS (
    SELECT r.apartment_id, r.promotion_id, r.name, r.raw_amount,
           sum(r.raw_amount) OVER (PARTITION BY r.apartment_id) AS raw_total,
           sum(r.raw_amount) OVER (PARTITION BY r.apartment_id ORDER BY r.raw_amount DESC, r.promotion_id
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running_raw
      FROM ranked r
     WHERE CASE WHEN r.best_single >= r.stacking_total THEN NOT r.stacks AND r.rank_in_kind = 1
                ELSE r.stacks END
),
totals AS (
    SELECT c.apartment_id, min(c.raw_total) AS raw_total FROM chosen c GROUP BY c.apartment_id
),
priced AS (
    SELECT apt.id, apt.current_price,
           round(apt.current_price - least(coalesce(t.raw_total, 0), apt.max_discount), 2) AS final_price
      FROM apt
      LEFT JOIN totals t ON t.apartment_id = apt.id
),
shares AS (
    SELECT c.apartment_id, c.promotion_id, c.name, c.raw_amount,
           round((pr.current_price - pr.final_price) * c.running_raw / c.raw_total, 2)
           - round((pr.current_price - pr.final_price) * (c.running_raw - c.raw_amount) / c.raw_total, 2) AS amount
      FROM chosen c
      JOIN priced pr ON pr.id = c.apartment_id
),
applied AS (
    SELECT s.apartment_id,
           array_agg(s.promotion_id ORDER BY s.promotion_id) AS promotion_ids,
           jsonb_agg(jsonb_build_object('id', s.promotion_id, 'name', s.name, 'amount', s.amount::text)
                     ORDER BY s.raw_amount DESC, s.promotion_id) AS promotions
      FROM shares s
     GROUP BY s.apartment_id
)
SELECT pr.id, pr.current_price, pr.current_price - pr.final_price, pr.final_price,
       coalesce(ap.promotion_ids, '{}'), coalesce(ap.promotions, '[]'::jsonb)
  FROM priced pr
  LEFT JOIN applied ap ON ap.apartment_id = pr.id
$$;


--
-- Name: FUNCTION promotion_discounts(p_apartment_ids bigint[], p_at timestamp with time zone, p_max_total_percent numeric, p_floor_percent numeric); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.promotion_discounts(p_apartment_ids bigint[], p_at timestamp with time zone, p_max_total_percent numeric, p_floor_percent numeric) IS 'Скидки акций для квартир p_apartment_ids в момент p_at: цена до скидки, скидка, итоговая цена (копейки, половина — вверх, один раз), применённые акции и суммы по ним. p_max_total_percent — потолок скидки, % цены (PROMOTION_MAX_TOTAL_DISCOUNT_PERCENT), p_floor_percent — пол итоговой цены, % базовой (PROMOTION_FLOOR_SHARE_OF_BASE_PRICE). Правила — docs/promotions.md';


--
-- Name: promotion_history_forbid_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.promotion_history_forbid_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'promotion_history is append-only: % on row % is not allowed', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$;


--
-- Name: FUNCTION promotion_history_forbid_change(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.promotion_history_forbid_change() IS 'Запрещает UPDATE и DELETE истории акций: она только дополняется';


--
-- Name: promotion_scope_projects(bigint[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.promotion_scope_projects(p_promotion_ids bigint[]) RETURNS bigint[]
    LANGUAGE sql STABLE
    AS $$
WITH scope AS (
    SELECT pr.developer_id,
           CASE WHEN pr.conditions ? 'project_ids'
                THEN ARRAY(SELECT jsonb_array_elements_text(pr.conditions -> 'project_ids')::bigint) END AS project_ids
      FROM promotions pr
     WHERE pr.id = ANY (p_promotion_ids)
)
SELECT CASE
       WHEN EXISTS (SELECT 1 FROM scope s WHERE s.developer_id IS NULL AND s.project_ids IS NULL) THEN NULL
       ELSE ARRAY(SELECT unnest(s.project_ids) FROM scope s WHERE s.project_ids IS NOT NULL
                  UNION
                  SELECT p.id FROM projects p JOIN scope s ON s.developer_id = p.developer_id
                   WHERE s.project_ids IS NULL
                  UNION
                  SELECT DISTINCT o.project_id FROM catalog_offers o WHERE o.promotion_ids && p_promotion_ids)
       END
$$;


--
-- Name: FUNCTION promotion_scope_projects(p_promotion_ids bigint[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.promotion_scope_projects(p_promotion_ids bigint[]) IS 'ЖК, скидки которых зависят от акций p_promotion_ids (по условию, по застройщику и по квартирам, которые акции уже получают); NULL — все ЖК';


--
-- Name: prune_booking_idempotency_keys(timestamp with time zone, interval, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.prune_booking_idempotency_keys(p_now timestamp with time zone, p_ttl interval, p_batch integer DEFAULT 10000) RETURNS bigint
    LANGUAGE sql
    AS $$
    WITH old AS (
        SELECT k.id FROM booking_idempotency_keys k
        WHERE k.created_at < p_now - p_ttl
        ORDER BY k.created_at
        LIMIT p_batch
        FOR UPDATE SKIP LOCKED
    ),
    deleted AS (
        DELETE FROM booking_idempotency_keys k USING old WHERE k.id = old.id RETURNING 1
    )
    SELECT count(*) FROM deleted
$$;


--
-- Name: FUNCTION prune_booking_idempotency_keys(p_now timestamp with time zone, p_ttl interval, p_batch integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.prune_booking_idempotency_keys(p_now timestamp with time zone, p_ttl interval, p_batch integer) IS 'Ежеминутно: удаляет ключи Idempotency-Key брони старше p_ttl (BOOKING_IDEMPOTENCY_KEY_TTL_HOURS), не больше p_batch за раз, по индексу created_at; повтор запроса с забытым ключом создаёт новую бронь. Возвращает число удалённых';


--
-- Name: prune_interest_events(timestamp with time zone, interval, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.prune_interest_events(p_now timestamp with time zone, p_retention interval, p_batch integer DEFAULT 50000) RETURNS TABLE(views_deleted bigint, dedup_deleted bigint, activity_deleted bigint)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_cutoff timestamptz;
BEGIN
    IF p_retention < interval '2 days' THEN
        RAISE EXCEPTION 'retention % is shorter than 2 days: the 24 h demand window still needs those events', p_retention
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Никогда не удаляем то, что может вычесть следующий инкрементальный пересчёт (окно прошлого пересчёта).
    SELECT least(p_now - p_retention, coalesce(s.window_end, p_now) - interval '25 hours')
    INTO v_cutoff FROM demand_aggregation_state s;

    RETURN QUERY
    WITH old_views AS (
        DELETE FROM views_log v
        WHERE v.id IN (SELECT o.id FROM views_log o WHERE o.occurred_at < v_cutoff ORDER BY o.occurred_at LIMIT p_batch)
        RETURNING 1
    ),
    old_dedup AS (
        DELETE FROM view_dedup d WHERE d.counted_at < p_now - interval '1 day' RETURNING 1
    ),
    old_activity AS (
        DELETE FROM visitor_activity a WHERE a.minute < p_now - interval '1 hour' RETURNING 1
    )
    SELECT (SELECT count(*) FROM old_views), (SELECT count(*) FROM old_dedup), (SELECT count(*) FROM old_activity);
END;
$$;


--
-- Name: FUNCTION prune_interest_events(p_now timestamp with time zone, p_retention interval, p_batch integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.prune_interest_events(p_now timestamp with time zone, p_retention interval, p_batch integer) IS 'Ежеминутная уборка: не больше p_batch событий views_log старше срока хранения (по индексу occurred_at, не ближе 25 ч к окну прошлого пересчёта спроса), записи окна повторов старше суток и частоты старше часа';


--
-- Name: prune_outbox_events(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.prune_outbox_events(p_published_before timestamp with time zone) RETURNS bigint
    LANGUAGE sql
    AS $$
    WITH pruned AS (
        DELETE FROM outbox_events e
         WHERE e.published_at < p_published_before
        RETURNING 1
    )
    SELECT count(*) FROM pruned
$$;


--
-- Name: FUNCTION prune_outbox_events(p_published_before timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.prune_outbox_events(p_published_before timestamp with time zone) IS 'Удаляет события, опубликованные раньше p_published_before (now() − OUTBOX_RETENTION_HOURS); неопубликованные не трогает никогда. Возвращает число удалённых';


--
-- Name: prune_picker_conversations(timestamp with time zone, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.prune_picker_conversations(p_now timestamp with time zone, p_batch integer DEFAULT 10000) RETURNS bigint
    LANGUAGE sql
    AS $$
    WITH old AS (
        SELECT c.id FROM picker_conversations c
        WHERE c.expires_at <= p_now
        ORDER BY c.expires_at
        LIMIT p_batch
        FOR UPDATE SKIP LOCKED
    ),
    deleted AS (
        DELETE FROM picker_conversations c USING old WHERE c.id = old.id RETURNING 1
    )
    SELECT count(*) FROM deleted
$$;


--
-- Name: FUNCTION prune_picker_conversations(p_now timestamp with time zone, p_batch integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.prune_picker_conversations(p_now timestamp with time zone, p_batch integer) IS 'Ежеминутно: удаляет разговоры подборщика с expires_at не позже p_now (не больше p_batch за раз, по индексу expires_at); сообщения уходят каскадом. Возвращает число удалённых разговоров';


--
-- Name: rebuild_apartment_stats(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rebuild_apartment_stats(p_now timestamp with time zone DEFAULT now()) RETURNS void
    LANGUAGE plpgsql
    SET work_mem TO '256MB'
    SET jit TO 'off'
    AS $$
BEGIN
    PERFORM 1 FROM demand_aggregation_state FOR UPDATE;
    TRUNCATE apartment_stats;
    WITH snapshot AS MATERIALIZED (
        SELECT pg_current_snapshot() AS taken
    ),
    counts AS (
        SELECT apartment_id, sum(views) AS views, sum(favourites) AS favourites,
               sum(leads) AS leads, sum(bookings) AS bookings
        FROM (
            SELECT v.apartment_id,
                   count(*) FILTER (WHERE v.event = 'view')      AS views,
                   count(*) FILTER (WHERE v.event = 'favourite') AS favourites,
                   0 AS leads, 0 AS bookings
            FROM views_log v
            WHERE v.occurred_at > p_now - interval '24 hours'
              AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = v.viewer AND f.flagged)
            GROUP BY v.apartment_id
            UNION ALL
            SELECT l.apartment_id, 0, 0, count(*), 0 FROM leads l
            WHERE l.created_at > p_now - interval '24 hours' AND l.created_at <= p_now
              AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = l.viewer AND f.flagged)
            GROUP BY l.apartment_id
            UNION ALL
            SELECT apartment_id, 0, 0, 0, count(*) FROM bookings
            WHERE booked_at > p_now - interval '24 hours' AND booked_at <= p_now GROUP BY apartment_id
        ) per_source
        GROUP BY apartment_id
    ),
    inserted AS (
        INSERT INTO apartment_stats (apartment_id, views_24h, favourites_24h, leads_24h, bookings_24h, updated_at,
                                     project_id, rooms, on_sale, published_at, base_price, current_price,
                                     price_changed_at, last_booked_at)
        SELECT a.id, coalesce(c.views, 0), coalesce(c.favourites, 0), coalesce(c.leads, 0), coalesce(c.bookings, 0), p_now,
               a.project_id, a.rooms, a.status = 'available' AND a.moderation_status = 'published', a.published_at,
               a.base_price, a.current_price, a.price_changed_at, a.last_booked_at
        FROM apartments a
        LEFT JOIN counts c ON c.apartment_id = a.id
    )
    UPDATE demand_aggregation_state
    SET folded_snapshot = (SELECT taken FROM snapshot), window_end = p_now, refreshed_at = clock_timestamp();
    -- Популярность переносит sync_apartment_popularity: все квартиры, у которых она могла измениться.
    UPDATE demand_aggregation_state
    SET popularity_pending = ARRAY(SELECT o.apartment_id FROM apartment_popularity o
                                    WHERE o.popularity <> 0
                                   UNION
                                   SELECT s.apartment_id FROM apartment_stats s
                                    WHERE s.views_24h > 0 OR s.leads_24h > 0 OR s.bookings_24h > 0);
    ANALYZE apartment_stats;
END;
$$;


--
-- Name: FUNCTION rebuild_apartment_stats(p_now timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.rebuild_apartment_stats(p_now timestamp with time zone) IS 'Полный пересчёт apartment_stats с нуля (первый запуск, сверка, восстановление): счётчики из событий за 24 ч (без событий и заявок помеченных зрителей) и копия полей apartments; квартиры, чья популярность могла измениться, — в demand_aggregation_state.popularity_pending. Дорого: читает все события за 24 ч';


--
-- Name: record_pricing_run_summary(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.record_pricing_run_summary(p_run_id bigint) RETURNS public.pricing_runs
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: FUNCTION record_pricing_run_summary(p_run_id bigint); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.record_pricing_run_summary(p_run_id bigint) IS 'Складывает итоги готовых пачек в строку pricing_runs: completed, если пачки спланированы и все готовы, иначе interrupted';


--
-- Name: refresh_analytics(timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refresh_analytics(p_now timestamp with time zone DEFAULT now(), p_keep_from timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS TABLE(skipped boolean, days_refolded integer, responses_added integer, took_ms integer)
    LANGUAGE plpgsql
    SET work_mem TO '256MB'
    SET jit TO 'off'
    AS $$
DECLARE
    v_state      analytics_refresh_state;
    v_started    timestamptz := clock_timestamp();
    v_snapshot   pg_snapshot := pg_current_snapshot();
    v_xmin       xid8;         -- события транзакций раньше него видны в v_snapshot без проверки
    v_today      date        := (p_now AT TIME ZONE 'Europe/Moscow')::date;
    v_first_day  date        := (p_keep_from AT TIME ZONE 'Europe/Moscow')::date + 1;
    v_folded     timestamptz;  -- views_folded_until прошлой свёртки: просмотры раньше уже сложены
    v_until      timestamptz;  -- новый views_folded_until
    v_last_day   date;
    v_sets_from  date;         -- первые сутки с набором зрителей analytics_daily_viewers
    v_days       date[];       -- сутки, строки которых переписываются
    v_full       date[];       -- из них сутки, просмотры которых пересчитываются по сырым событиям целиком
    v_flag_days  date[];       -- сутки событий зрителей со сменившейся пометкой накрутки
    v_day        date;
    v_partition  text;
    v_from       timestamptz;
    v_to         timestamptz;
    v_until_resp timestamptz := p_now - interval '24 hours';
    v_responses  integer;
    v_took_ms    integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('refresh_analytics')) THEN
        RETURN QUERY SELECT true, 0, 0, 0;
        RETURN;
    END IF;
    SELECT * INTO v_state FROM analytics_refresh_state FOR UPDATE;
    v_xmin      := pg_snapshot_xmin(v_snapshot);
    v_folded    := CASE WHEN v_state.folded_snapshot IS NOT NULL THEN v_state.views_folded_until END;
    v_until     := greatest(p_now, v_folded);
    v_last_day  := (v_until AT TIME ZONE 'Europe/Moscow')::date;
    v_sets_from := greatest(v_last_day - 1, v_first_day);

    -- 1. Сутки к пересчёту.
    IF v_state.folded_snapshot IS NULL THEN
        SELECT coalesce(array_agg(d ORDER BY d), '{}') INTO v_days
        FROM (SELECT (occurred_at AT TIME ZONE 'Europe/Moscow')::date FROM views_log
              UNION SELECT (created_at AT TIME ZONE 'Europe/Moscow')::date FROM leads
              UNION SELECT (booked_at AT TIME ZONE 'Europe/Moscow')::date FROM bookings
              UNION SELECT (occurred_at AT TIME ZONE 'Europe/Moscow')::date FROM booking_events
              UNION SELECT (changed_at AT TIME ZONE 'Europe/Moscow')::date FROM price_history WHERE reason = 'dynamic'
             ) AS touched (d)
        WHERE d <= v_last_day AND (v_first_day IS NULL OR d >= v_first_day);
        v_full := v_days;
    ELSE
        SELECT coalesce(array_agg(d ORDER BY d), '{}') INTO v_days
        FROM (SELECT generate_series(((least(v_state.refreshed_at, p_now) - interval '1 hour')
                                      AT TIME ZONE 'Europe/Moscow')::date, v_last_day, interval '1 day')::date
              UNION
              SELECT (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date FROM views_log v
               WHERE v.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(v.recorded_xid, v_state.folded_snapshot)
                 AND (v.recorded_xid < v_xmin OR pg_visible_in_snapshot(v.recorded_xid, v_snapshot))
              UNION
              SELECT (l.created_at AT TIME ZONE 'Europe/Moscow')::date FROM leads l
               WHERE l.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(l.recorded_xid, v_state.folded_snapshot)
              UNION
              SELECT (b.booked_at AT TIME ZONE 'Europe/Moscow')::date FROM bookings b
               WHERE b.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(b.recorded_xid, v_state.folded_snapshot)
             ) AS touched (d)
        WHERE d <= v_last_day AND (v_first_day IS NULL OR d >= v_first_day);
        -- Сутки зрителей со сменившейся пометкой накрутки: заявки пересчитываются, просмотры вчерашних и сегодняшних
        -- суток поправляет набор зрителей (шаг 2), более старых — пересчёт по сырым просмотрам целиком.
        SELECT coalesce(array_agg(d ORDER BY d), '{}') INTO v_flag_days
        FROM (SELECT (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date
                FROM flagged_visitors f JOIN views_log v ON v.viewer = f.viewer
               WHERE f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot)
              UNION
              SELECT (l.created_at AT TIME ZONE 'Europe/Moscow')::date
                FROM flagged_visitors f JOIN leads l ON l.viewer = f.viewer
               WHERE f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                 AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot)
             ) AS touched (d)
        WHERE d <= v_last_day AND (v_first_day IS NULL OR d >= v_first_day);
        SELECT coalesce(array_agg(d ORDER BY d), '{}') INTO v_days
        FROM (SELECT unnest(v_days) UNION SELECT unnest(v_flag_days)) AS touched (d);
        -- Целиком по сырым просмотрам: сутки без набора зрителей (старше вчерашних), а после перехода на почасовую
        -- свёртку (views_folded_until ещё пуст) — все затронутые.
        SELECT coalesce(array_agg(d ORDER BY d), '{}') INTO v_full
        FROM unnest(v_days) AS days (d)
        WHERE v_folded IS NULL OR d < v_sets_from;
    END IF;

    -- 2. Воронка этих суток: факты по квартире и суткам, затем ячейка «ЖК × корпус × комнатность».
    IF cardinality(v_days) > 0 THEN
        -- Наборы зрителей: раздел на сутки, вчерашние и сегодняшние; более старые разделы удаляются целиком.
        FOR v_partition IN
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'analytics_daily_viewers'::regclass
               AND to_date(right(c.relname, 8), 'YYYYMMDD') < v_sets_from
        LOOP
            EXECUTE format('DROP TABLE %I', v_partition);
        END LOOP;
        FOR v_day IN SELECT generate_series(v_sets_from, v_last_day, interval '1 day')::date LOOP
            v_partition := 'analytics_daily_viewers_' || to_char(v_day, 'YYYYMMDD');
            IF to_regclass(v_partition) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF analytics_daily_viewers FOR VALUES IN (%L)',
                               v_partition, v_day);
                EXECUTE format('COMMENT ON TABLE %I IS %L', v_partition,
                               'Раздел analytics_daily_viewers за ' || to_char(v_day, 'DD.MM.YYYY')
                               || ': удаляется свёрткой, когда сутки становятся позавчерашними');
            ELSIF v_day = ANY (v_full) THEN
                EXECUTE format('TRUNCATE %I', v_partition);
            END IF;
        END LOOP;

        -- Сутки, пересчитываемые целиком, — заново; у остальных заявки, брони и цены пересчитываются ниже.
        DELETE FROM analytics_daily_demand WHERE day = ANY (v_full);
        UPDATE analytics_daily_demand
           SET leads = 0, flagged_leads = 0, bookings = 0, confirmed = 0, sold = 0, cancelled = 0, expired = 0,
               deals_price_sum = 0, deals_area_sum = 0, price_raises = 0, price_lowers = 0, raise_pct_sum = 0,
               lower_pct_sum = 0
         WHERE day = ANY (v_days)
           AND (leads, flagged_leads, bookings, confirmed, sold, cancelled, expired, price_raises, price_lowers)
               <> (0, 0, 0, 0, 0, 0, 0, 0, 0);

        -- Пометка накрутки сменилась у зрителя из набора вчерашних и сегодняшних суток: его уже сложенные
        -- просмотры и избранное переходят между учтёнными и накруткой, посетитель ячейки прибавляется или убывает.
        -- Строка набора хранит, как зритель был учтён, поэтому поправка применяется ровно один раз.
        IF v_state.folded_snapshot IS NOT NULL THEN
            WITH changed AS MATERIALIZED (
                SELECT s.day, s.project_id, s.building_id, s.rooms, s.viewer, s.views, s.favourites,
                       s.flagged AS was_flagged
                FROM flagged_visitors f
                JOIN analytics_daily_viewers s ON s.viewer = f.viewer
                WHERE f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
                  AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot)
                  AND s.flagged <> f.flagged
                  AND s.day <> ALL (v_full)
            ),
            synced AS (
                UPDATE analytics_daily_viewers s
                   SET flagged = NOT c.was_flagged
                  FROM changed c
                 WHERE (s.day, s.project_id, s.building_id, s.rooms, s.viewer)
                     = (c.day, c.project_id, c.building_id, c.rooms, c.viewer)
            )
            UPDATE analytics_daily_demand t
               SET views           = t.views + d.views,
                   favourites      = t.favourites + d.favourites,
                   flagged_views   = t.flagged_views - d.views,
                   unique_visitors = t.unique_visitors + d.visitors,
                   refreshed_at    = p_now
              FROM (SELECT day, project_id, building_id, rooms,
                           sum(CASE WHEN was_flagged THEN views ELSE -views END)           AS views,
                           sum(CASE WHEN was_flagged THEN favourites ELSE -favourites END) AS favourites,
                           count(*) FILTER (WHERE views > 0 AND was_flagged)
                               - count(*) FILTER (WHERE views > 0 AND NOT was_flagged)     AS visitors
                    FROM changed
                    GROUP BY day, project_id, building_id, rooms) d
             WHERE (t.day, t.project_id, t.building_id, t.rooms) = (d.day, d.project_id, d.building_id, d.rooms);
        END IF;

        v_from := (v_days[1]::timestamp AT TIME ZONE 'Europe/Moscow');
        v_to   := ((v_days[cardinality(v_days)] + 1)::timestamp AT TIME ZONE 'Europe/Moscow');
        WITH new_views AS (  -- просмотры к сложению: все у суток v_full, новые с прошлой свёртки у остальных
            SELECT v.occurred_at, v.apartment_id, v.event, v.viewer
            FROM unnest(v_full) AS full_day (d)
            JOIN views_log v ON v.occurred_at >= (full_day.d::timestamp AT TIME ZONE 'Europe/Moscow')
                            AND v.occurred_at < least(v_until, (full_day.d + 1)::timestamp AT TIME ZONE 'Europe/Moscow')
            WHERE (v.recorded_xid < v_xmin OR pg_visible_in_snapshot(v.recorded_xid, v_snapshot))
            UNION ALL
            SELECT v.occurred_at, v.apartment_id, v.event, v.viewer
            FROM views_log v
            WHERE v_folded IS NOT NULL AND v.occurred_at >= v_folded AND v.occurred_at < v_until
              AND (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date <> ALL (v_full)
              AND (v.recorded_xid < v_xmin OR pg_visible_in_snapshot(v.recorded_xid, v_snapshot))
            UNION ALL
            SELECT v.occurred_at, v.apartment_id, v.event, v.viewer
            FROM views_log v
            WHERE v.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
              AND NOT pg_visible_in_snapshot(v.recorded_xid, v_state.folded_snapshot)
              AND v.occurred_at < v_folded
              AND (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date <> ALL (v_full)
              AND (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
              AND (v.recorded_xid < v_xmin OR pg_visible_in_snapshot(v.recorded_xid, v_snapshot))
        ),
        views AS MATERIALIZED (
            SELECT (v.occurred_at AT TIME ZONE 'Europe/Moscow')::date AS day, a.project_id, a.building_id, a.rooms,
                   v.event, v.viewer, f.viewer IS NOT NULL AS flagged
            FROM new_views v
            JOIN apartments a ON a.id = v.apartment_id
            LEFT JOIN flagged_visitors f ON f.viewer = v.viewer AND f.flagged
        ),
        per_viewer AS MATERIALIZED (  -- вчерашние и сегодняшние сутки: новые события по зрителю ячейки
            SELECT day, project_id, building_id, rooms, viewer,
                   count(*) FILTER (WHERE event = 'view')::integer      AS views,
                   count(*) FILTER (WHERE event = 'favourite')::integer AS favourites,
                   bool_or(flagged)                                     AS flagged
            FROM views
            WHERE day >= v_sets_from
            GROUP BY day, project_id, building_id, rooms, viewer
        ),
        judged AS MATERIALIZED (  -- пометка зрителя — как у его строки набора (её сменит только шаг пометок)
            SELECT n.day, n.project_id, n.building_id, n.rooms, n.viewer, n.views, n.favourites,
                   coalesce(s.flagged, n.flagged) AS flagged,
                   s.viewer IS NULL AND n.viewer IS NOT NULL AS is_new,
                   coalesce(s.views, 0) AS views_before
            FROM per_viewer n
            LEFT JOIN analytics_daily_viewers s
                   ON (s.day, s.project_id, s.building_id, s.rooms, s.viewer)
                    = (n.day, n.project_id, n.building_id, n.rooms, n.viewer)
        ),
        stored AS (
            INSERT INTO analytics_daily_viewers AS s (day, project_id, building_id, rooms, viewer, views, favourites,
                                                     flagged)
            SELECT day, project_id, building_id, rooms, viewer, views, favourites, flagged
            FROM judged
            WHERE viewer IS NOT NULL
            ON CONFLICT ON CONSTRAINT analytics_daily_viewers_pkey DO UPDATE
               SET views = s.views + excluded.views, favourites = s.favourites + excluded.favourites
        ),
        facts AS (
            SELECT day, project_id, building_id, rooms,  -- сутки старше вчерашних: только целиком
                   count(*) FILTER (WHERE event = 'view' AND NOT flagged)      AS views,
                   count(DISTINCT viewer) FILTER (WHERE event = 'view' AND NOT flagged) AS visitors,
                   count(*) FILTER (WHERE event = 'favourite' AND NOT flagged) AS favourites,
                   count(*) FILTER (WHERE event = 'view' AND flagged)          AS flagged_views,
                   0 AS leads, 0 AS flagged_leads, 0 AS bookings, 0 AS confirmed, 0 AS sold, 0 AS cancelled,
                   0 AS expired, 0::numeric AS deal_price, 0::numeric AS deal_area,
                   0 AS raises, 0 AS lowers, 0::numeric AS raise_pct, 0::numeric AS lower_pct
            FROM views
            WHERE day < v_sets_from
            GROUP BY day, project_id, building_id, rooms
            UNION ALL
            SELECT day, project_id, building_id, rooms,
                   coalesce(sum(views) FILTER (WHERE NOT flagged), 0),
                   count(*) FILTER (WHERE NOT flagged AND views > 0 AND (is_new OR views_before = 0)
                                    AND viewer IS NOT NULL),
                   coalesce(sum(favourites) FILTER (WHERE NOT flagged), 0),
                   coalesce(sum(views) FILTER (WHERE flagged), 0),
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            FROM judged
            GROUP BY day, project_id, building_id, rooms
            UNION ALL
            SELECT x.day, a.project_id, a.building_id, a.rooms, 0, 0, 0, 0, x.leads, x.flagged_leads, x.bookings,
                   x.confirmed, x.sold, x.cancelled, x.expired, x.deal_price, x.deal_area, x.raises, x.lowers,
                   x.raise_pct, x.lower_pct
            FROM (
                SELECT (l.created_at AT TIME ZONE 'Europe/Moscow')::date AS day, l.apartment_id,
                       CASE WHEN f.viewer IS NULL THEN 1 ELSE 0 END AS leads,
                       CASE WHEN f.viewer IS NULL THEN 0 ELSE 1 END AS flagged_leads,
                       0 AS bookings, 0 AS confirmed, 0 AS sold, 0 AS cancelled, 0 AS expired,
                       0::numeric AS deal_price, 0::numeric AS deal_area,
                       0 AS raises, 0 AS lowers, 0::numeric AS raise_pct, 0::numeric AS lower_pct
                FROM leads l
                LEFT JOIN flagged_visitors f ON f.viewer = l.viewer AND f.flagged
                WHERE l.created_at >= v_from AND l.created_at < v_to
                  AND (l.created_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
                UNION ALL
                SELECT (b.booked_at AT TIME ZONE 'Europe/Moscow')::date, b.apartment_id, 0, 0,
                       1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
                FROM bookings b
                WHERE b.booked_at >= v_from AND b.booked_at < v_to
                  AND (b.booked_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
                UNION ALL
                SELECT (e.occurred_at AT TIME ZONE 'Europe/Moscow')::date, b.apartment_id, 0, 0, 0,
                       (e.action = 'confirmed')::integer, (e.action = 'sold')::integer,
                       (e.action = 'cancelled')::integer, (e.action = 'expired')::integer,
                       CASE WHEN e.action = 'sold' THEN b.price ELSE 0 END,
                       CASE WHEN e.action = 'sold' THEN a.area_total ELSE 0 END, 0, 0, 0, 0
                FROM booking_events e
                JOIN bookings b ON b.id = e.booking_id
                JOIN apartments a ON a.id = b.apartment_id
                WHERE e.action IN ('confirmed', 'sold', 'cancelled', 'expired')
                  AND e.occurred_at >= v_from AND e.occurred_at < v_to
                  AND (e.occurred_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
                UNION ALL
                SELECT (h.changed_at AT TIME ZONE 'Europe/Moscow')::date, h.apartment_id, 0, 0, 0, 0, 0, 0, 0,
                       0, 0,
                       (h.new_price > h.old_price)::integer, (h.new_price < h.old_price)::integer,
                       CASE WHEN h.new_price > h.old_price THEN (h.new_price - h.old_price) / h.old_price * 100 ELSE 0 END,
                       CASE WHEN h.new_price < h.old_price THEN (h.old_price - h.new_price) / h.old_price * 100 ELSE 0 END
                FROM price_history h
                WHERE h.reason = 'dynamic' AND h.changed_at >= v_from AND h.changed_at < v_to
                  AND (h.changed_at AT TIME ZONE 'Europe/Moscow')::date = ANY (v_days)
            ) x
            JOIN apartments a ON a.id = x.apartment_id
        )
        INSERT INTO analytics_daily_demand AS t (day, project_id, building_id, rooms, views, unique_visitors,
                                                 favourites, leads, bookings, confirmed, sold, cancelled, expired,
                                                 deals_price_sum, deals_area_sum, flagged_views, flagged_leads,
                                                 price_raises, price_lowers, raise_pct_sum, lower_pct_sum,
                                                 refreshed_at)
        SELECT day, project_id, building_id, rooms,
               sum(views), sum(visitors), sum(favourites), sum(leads), sum(bookings), sum(confirmed), sum(sold),
               sum(cancelled), sum(expired), sum(deal_price), sum(deal_area), sum(flagged_views),
               sum(flagged_leads), sum(raises), sum(lowers), sum(raise_pct), sum(lower_pct), p_now
        FROM facts
        GROUP BY day, project_id, building_id, rooms
        ON CONFLICT ON CONSTRAINT analytics_daily_demand_pkey DO UPDATE
           SET views           = t.views + excluded.views,
               unique_visitors = t.unique_visitors + excluded.unique_visitors,
               favourites      = t.favourites + excluded.favourites,
               flagged_views   = t.flagged_views + excluded.flagged_views,
               leads           = excluded.leads,
               flagged_leads   = excluded.flagged_leads,
               bookings        = excluded.bookings,
               confirmed       = excluded.confirmed,
               sold            = excluded.sold,
               cancelled       = excluded.cancelled,
               expired         = excluded.expired,
               deals_price_sum = excluded.deals_price_sum,
               deals_area_sum  = excluded.deals_area_sum,
               price_raises    = excluded.price_raises,
               price_lowers    = excluded.price_lowers,
               raise_pct_sum   = excluded.raise_pct_sum,
               lower_pct_sum   = excluded.lower_pct_sum,
               refreshed_at    = excluded.refreshed_at;
    END IF;

    -- 3. Снимок предложения на сегодня (переписывается каждый час, прошлые сутки хранят последний снимок) и куда
    --    по нему ведёт цены правило (analytics_cluster_steering: пусто до первого цикла цен).
    DELETE FROM analytics_daily_supply WHERE day = v_today;
    INSERT INTO analytics_daily_supply (day, project_id, rooms, lots_total, lots_on_sale, lots_booked, lots_sold,
                                        area_on_sale, price_sum_on_sale, base_sum_on_sale, new_lots,
                                        steering_sum_on_sale, lots_to_raise, lots_to_lower, refreshed_at)
    SELECT v_today, lots.project_id, lots.rooms, lots.total, lots.on_sale, lots.booked, lots.sold, lots.area_on_sale,
           lots.price_sum_on_sale, lots.base_sum_on_sale, lots.new_lots,
           lots.price_sum_on_sale + st.steering_shift, st.lots_to_raise, st.lots_to_lower, p_now
    FROM (
        SELECT a.project_id, a.rooms,
               count(*) AS total,
               count(*) FILTER (WHERE a.status = 'available') AS on_sale,
               count(*) FILTER (WHERE a.status = 'booked')    AS booked,
               count(*) FILTER (WHERE a.status = 'sold')      AS sold,
               coalesce(sum(a.area_total) FILTER (WHERE a.status = 'available'), 0)    AS area_on_sale,
               coalesce(sum(a.current_price) FILTER (WHERE a.status = 'available'), 0) AS price_sum_on_sale,
               coalesce(sum(a.base_price) FILTER (WHERE a.status = 'available'), 0)    AS base_sum_on_sale,
               count(*) FILTER (WHERE (a.published_at AT TIME ZONE 'Europe/Moscow')::date = v_today) AS new_lots
        FROM apartments a
        WHERE a.moderation_status = 'published'
        GROUP BY a.project_id, a.rooms
    ) lots
    LEFT JOIN analytics_cluster_steering(p_now) st ON st.project_id = lots.project_id AND st.rooms = lots.rooms;

    -- 4. Отклик на изменения цены, после которых прошли сутки (каждое — один раз).
    v_from := greatest(coalesce(v_state.responses_until, '-infinity'), coalesce(p_keep_from + interval '24 hours', '-infinity'));
    IF v_until_resp > v_from THEN
        INSERT INTO analytics_price_responses (price_history_id, apartment_id, project_id, rooms, changed_at, reason,
                                               old_price, new_price, views_before, views_after, leads_before,
                                               leads_after, overlapped, elasticity)
        SELECT h.id, h.apartment_id, a.project_id, a.rooms, h.changed_at, h.reason, h.old_price, h.new_price,
               counts.views_before, counts.views_after, counts.leads_before, counts.leads_after,
               EXISTS (SELECT 1 FROM price_history o
                        WHERE o.apartment_id = h.apartment_id AND o.id <> h.id
                          AND o.changed_at > h.changed_at - interval '24 hours'
                          AND o.changed_at < h.changed_at + interval '24 hours'),
               round(ln((counts.views_after + 1)::numeric / (counts.views_before + 1))
                     / ln(h.new_price / h.old_price), 4)
        FROM price_history h
        JOIN apartments a ON a.id = h.apartment_id
        CROSS JOIN LATERAL (
            SELECT count(*) FILTER (WHERE v.occurred_at < h.changed_at)::integer  AS views_before,
                   count(*) FILTER (WHERE v.occurred_at >= h.changed_at)::integer AS views_after,
                   (SELECT count(*) FILTER (WHERE l.created_at < h.changed_at)
                      FROM leads l
                     WHERE l.apartment_id = h.apartment_id
                       AND l.created_at >= h.changed_at - interval '24 hours'
                       AND l.created_at < h.changed_at + interval '24 hours'
                       AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = l.viewer AND f.flagged)
                   )::integer AS leads_before,
                   (SELECT count(*) FILTER (WHERE l.created_at >= h.changed_at)
                      FROM leads l
                     WHERE l.apartment_id = h.apartment_id
                       AND l.created_at >= h.changed_at - interval '24 hours'
                       AND l.created_at < h.changed_at + interval '24 hours'
                       AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = l.viewer AND f.flagged)
                   )::integer AS leads_after
            FROM views_log v
            WHERE v.apartment_id = h.apartment_id AND v.event = 'view'
              AND v.occurred_at >= h.changed_at - interval '24 hours'
              AND v.occurred_at < h.changed_at + interval '24 hours'
              AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = v.viewer AND f.flagged)
        ) counts
        WHERE h.changed_at > v_from AND h.changed_at <= v_until_resp
        ON CONFLICT (price_history_id) DO NOTHING;
        GET DIAGNOSTICS v_responses = ROW_COUNT;
    ELSE
        v_responses := 0;
    END IF;

    -- 5. Рынок по месяцам — полный пересчёт из свёрток.
    IF (SELECT ispopulated FROM pg_matviews
         WHERE schemaname = current_schema() AND matviewname = 'analytics_market_monthly') THEN
        REFRESH MATERIALIZED VIEW CONCURRENTLY analytics_market_monthly;
    ELSE
        REFRESH MATERIALIZED VIEW analytics_market_monthly;
    END IF;

    v_took_ms := (extract(epoch FROM clock_timestamp() - v_started) * 1000)::integer;
    UPDATE analytics_refresh_state
       SET folded_snapshot = v_snapshot,
           refreshed_at = p_now,
           responses_until = greatest(v_until_resp, coalesce(responses_until, v_until_resp)),
           views_folded_until = v_until,
           days_refolded = cardinality(v_days),
           took_ms = v_took_ms;
    RETURN QUERY SELECT false, cardinality(v_days), v_responses, v_took_ms;
END;
$$;


--
-- Name: FUNCTION refresh_analytics(p_now timestamp with time zone, p_keep_from timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.refresh_analytics(p_now timestamp with time zone, p_keep_from timestamp with time zone) IS 'Ежечасная свёртка аналитики: к затронутым суткам analytics_daily_demand прибавляет только новые просмотры (уникальные зрители — через analytics_daily_viewers), заявки, брони и цены этих суток пересчитывает, снимок предложения на сегодня, отклики на изменения цены старше 24 ч и CONCURRENTLY analytics_market_monthly. p_keep_from — граница хранения сырых событий (now − VIEWS_LOG_RETENTION_DAYS): более ранние сутки не трогаются. Вторая одновременная свёртка пропускается (skipped)';


--
-- Name: refresh_apartment_stats(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refresh_apartment_stats(p_now timestamp with time zone DEFAULT now()) RETURNS void
    LANGUAGE plpgsql
    SET work_mem TO '256MB'
    SET jit TO 'off'
    AS $$
DECLARE
    v_state    demand_aggregation_state;
    v_start    timestamptz := p_now - interval '24 hours';
    v_snapshot pg_snapshot;
    v_recount  bigint[];
BEGIN
    SELECT * INTO v_state FROM demand_aggregation_state FOR UPDATE;
    IF v_state.folded_snapshot IS NULL OR p_now < v_state.window_end THEN
        PERFORM rebuild_apartment_stats(p_now);
        RETURN;
    END IF;

    -- Квартиры зрителей, чья пометка сменилась после прошлого снимка (события с начала ПРОШЛОГО окна — и те,
    -- что сейчас из него выходят): дельты к ним неприменимы (событие учли при одной пометке, а вычли бы при
    -- другой — счётчик ушёл бы в минус), их пересчитывают точно ниже.
    SELECT coalesce(array_agg(DISTINCT v.apartment_id), '{}') INTO v_recount
    FROM flagged_visitors f
    JOIN views_log v ON v.viewer = f.viewer AND v.occurred_at > v_state.window_end - interval '24 hours'
    WHERE f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
      AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot);

    -- Просмотры и избранное: + события, которых не было в прошлом снимке; − учтённые, что вышли из окна.
    -- События помеченных зрителей не учитываются ни в плюс, ни в минус (смену пометки чинит пересчёт ниже).
    WITH snapshot AS MATERIALIZED (
        SELECT pg_current_snapshot() AS taken
    ),
    deltas AS (
        SELECT v.apartment_id,
               count(*) FILTER (WHERE v.event = 'view')      AS views_delta,
               count(*) FILTER (WHERE v.event = 'favourite') AS favourites_delta
        FROM views_log v
        WHERE v.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
          AND NOT pg_visible_in_snapshot(v.recorded_xid, v_state.folded_snapshot)
          AND v.occurred_at > v_start
          AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = v.viewer AND f.flagged)
        GROUP BY v.apartment_id
        UNION ALL
        SELECT v.apartment_id,
               -count(*) FILTER (WHERE v.event = 'view'),
               -count(*) FILTER (WHERE v.event = 'favourite')
        FROM views_log v
        WHERE v.occurred_at > v_state.window_end - interval '24 hours' AND v.occurred_at <= v_start
          AND pg_visible_in_snapshot(v.recorded_xid, v_state.folded_snapshot)
          AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = v.viewer AND f.flagged)
        GROUP BY v.apartment_id
    ),
    net AS (
        SELECT apartment_id, sum(views_delta) AS views_delta, sum(favourites_delta) AS favourites_delta
        FROM deltas d
        WHERE NOT EXISTS (SELECT 1 FROM unnest(v_recount) AS r (apartment_id) WHERE r.apartment_id = d.apartment_id)
        GROUP BY apartment_id
        HAVING sum(views_delta) <> 0 OR sum(favourites_delta) <> 0
    ),
    updated AS (
        UPDATE apartment_stats s
        SET views_24h      = s.views_24h + net.views_delta,
            favourites_24h = s.favourites_24h + net.favourites_delta,
            updated_at     = p_now
        FROM net
        WHERE s.apartment_id = net.apartment_id
        RETURNING s.apartment_id
    )
    UPDATE demand_aggregation_state
    SET folded_snapshot = (SELECT taken FROM snapshot), window_end = p_now, refreshed_at = clock_timestamp(),
        popularity_pending = popularity_pending || ARRAY(SELECT apartment_id FROM updated)
    RETURNING folded_snapshot INTO v_snapshot;

    -- Зрители, чья пометка сменилась после прошлого снимка: их квартиры пересчитываются точно — по событиям,
    -- видимым в новом снимке (как и дельты выше), без событий помеченных сейчас зрителей.
    WITH changed_viewers AS (
        SELECT f.viewer FROM flagged_visitors f
        WHERE f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
          AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot)
    ),
    touched AS (
        SELECT v.apartment_id
        FROM views_log v
        JOIN changed_viewers c ON c.viewer = v.viewer
        WHERE v.occurred_at > v_state.window_end - interval '24 hours'
        UNION
        SELECT unnest(v_recount)
    ),
    recounted AS (
        SELECT t.apartment_id,
               count(v.apartment_id) FILTER (WHERE v.event = 'view')::integer      AS views,
               count(v.apartment_id) FILTER (WHERE v.event = 'favourite')::integer AS favourites
        FROM touched t
        LEFT JOIN views_log v
               ON v.apartment_id = t.apartment_id AND v.occurred_at > v_start
              AND pg_visible_in_snapshot(v.recorded_xid, v_snapshot)
              AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = v.viewer AND f.flagged)
        GROUP BY t.apartment_id
    ),
    updated AS (
        UPDATE apartment_stats s
        SET views_24h = r.views, favourites_24h = r.favourites, updated_at = p_now
        FROM recounted r
        WHERE s.apartment_id = r.apartment_id
          AND (s.views_24h, s.favourites_24h) IS DISTINCT FROM (r.views, r.favourites)
        RETURNING s.apartment_id
    )
    UPDATE demand_aggregation_state
    SET popularity_pending = popularity_pending || ARRAY(SELECT apartment_id FROM updated);

    -- Заявки и брони: точный пересчёт за 24 ч, но только у квартир, где что-то могло измениться (новые заявки и брони,
    -- плюс квартиры с заявками зрителей, чья пометка сменилась); заявки помеченных зрителей не входят в спрос.
    WITH touched AS (
        SELECT l.apartment_id FROM leads l
        WHERE l.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
          AND NOT pg_visible_in_snapshot(l.recorded_xid, v_state.folded_snapshot)
        UNION
        SELECT l.apartment_id FROM leads l
        WHERE l.created_at > v_state.window_end - interval '24 hours' AND l.created_at <= v_start
        UNION
        SELECT l.apartment_id FROM leads l WHERE l.created_at > v_state.window_end AND l.created_at <= p_now
        UNION
        SELECT l.apartment_id FROM leads l
        JOIN flagged_visitors f ON f.viewer = l.viewer
        WHERE l.created_at > v_state.window_end - interval '24 hours'
          AND f.changed_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
          AND NOT pg_visible_in_snapshot(f.changed_xid, v_state.folded_snapshot)
        UNION
        SELECT b.apartment_id FROM bookings b
        WHERE b.recorded_xid >= pg_snapshot_xmin(v_state.folded_snapshot)
          AND NOT pg_visible_in_snapshot(b.recorded_xid, v_state.folded_snapshot)
        UNION
        SELECT b.apartment_id FROM bookings b
        WHERE b.booked_at > v_state.window_end - interval '24 hours' AND b.booked_at <= v_start
        UNION
        SELECT b.apartment_id FROM bookings b WHERE b.booked_at > v_state.window_end AND b.booked_at <= p_now
    ),
    recounted AS (
        SELECT t.apartment_id,
               (SELECT count(*) FROM leads l
                WHERE l.apartment_id = t.apartment_id AND l.created_at > v_start AND l.created_at <= p_now
                  AND NOT EXISTS (SELECT 1 FROM flagged_visitors f WHERE f.viewer = l.viewer AND f.flagged))::integer AS leads,
               (SELECT count(*) FROM bookings b
                WHERE b.apartment_id = t.apartment_id AND b.booked_at > v_start AND b.booked_at <= p_now)::integer AS bookings
        FROM touched t
    ),
    updated AS (
        UPDATE apartment_stats s
        SET leads_24h = r.leads, bookings_24h = r.bookings, updated_at = p_now
        FROM recounted r
        WHERE s.apartment_id = r.apartment_id
          AND (s.leads_24h, s.bookings_24h) IS DISTINCT FROM (r.leads, r.bookings)
        RETURNING s.apartment_id
    )
    UPDATE demand_aggregation_state
    SET popularity_pending = popularity_pending || ARRAY(SELECT apartment_id FROM updated);
END;
$$;


--
-- Name: FUNCTION refresh_apartment_stats(p_now timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.refresh_apartment_stats(p_now timestamp with time zone) IS 'Инкрементально сдвигает 24-часовое окно apartment_stats к p_now (квартиры с изменившимися счётчиками добавляет в demand_aggregation_state.popularity_pending для sync_apartment_popularity): стоимость зависит от числа новых и выходящих из окна событий, а не от объёма за 24 ч. События и заявки помеченных зрителей (flagged_visitors) не входят в спрос; квартиры зрителей, чья пометка сменилась, пересчитываются точно. Если p_now раньше прошлого окна — полный пересчёт';


--
-- Name: refresh_demand_aggregates(timestamp with time zone, interval, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refresh_demand_aggregates(p_now timestamp with time zone DEFAULT now(), p_refresh_lock_timeout interval DEFAULT '00:00:00.2'::interval, p_attempts integer DEFAULT 5) RETURNS void
    LANGUAGE plpgsql
    SET work_mem TO '256MB'
    SET jit TO 'off'
    AS $$
DECLARE
    v_previous_lock_timeout text := current_setting('lock_timeout');
BEGIN
    PERFORM set_config('lock_timeout', (extract(epoch FROM p_refresh_lock_timeout) * 1000)::bigint::text, true);
    FOR attempt IN 1..greatest(p_attempts, 1) LOOP
        BEGIN
            PERFORM refresh_apartment_stats(p_now);
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            IF attempt >= p_attempts THEN
                RAISE;
            END IF;
            RAISE NOTICE 'refresh_apartment_stats: строка занята дольше %, попытка % из %',
                p_refresh_lock_timeout, attempt + 1, p_attempts;
            PERFORM pg_sleep(0.05 * attempt);
        END;
    END LOOP;
    PERFORM set_config('lock_timeout', v_previous_lock_timeout, true);
    IF (SELECT ispopulated FROM pg_matviews WHERE schemaname = current_schema() AND matviewname = 'cluster_demand') THEN
        REFRESH MATERIALIZED VIEW CONCURRENTLY cluster_demand;
    ELSE
        REFRESH MATERIALIZED VIEW cluster_demand;
    END IF;
    ANALYZE cluster_demand;  -- 10 тыс. строк: без статистики планировщик считает кластеры сотнями тысяч и сортирует проход
END;
$$;


--
-- Name: FUNCTION refresh_demand_aggregates(p_now timestamp with time zone, p_refresh_lock_timeout interval, p_attempts integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.refresh_demand_aggregates(p_now timestamp with time zone, p_refresh_lock_timeout interval, p_attempts integer) IS 'Шаг 2 поминутного цикла: apartment_stats к моменту p_now и медианы кластеров cluster_demand (без блокировки читателей). Чужую строку apartment_stats ждёт не дольше p_refresh_lock_timeout и повторяет пересчёт до p_attempts раз, поэтому не бывает участником взаимоблокировки';


--
-- Name: refresh_promotion_discounts(timestamp with time zone, numeric, numeric, boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refresh_promotion_discounts(p_at timestamp with time zone, p_max_total_percent numeric, p_floor_percent numeric, p_full boolean DEFAULT false) RETURNS TABLE(changed_promotions integer, repriced integer)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_state    promotion_refresh_state%ROWTYPE;
    v_full     boolean;
    v_previous text[];
    v_current  text[];
    v_changed  bigint[];
    v_scoped   integer := 0;
    v_stale    integer := 0;
BEGIN
    SELECT * INTO v_state FROM promotion_refresh_state s FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN  -- другая реплика уже пересчитывает
        RETURN QUERY SELECT 0, 0;
        RETURN;
    END IF;
    v_previous := v_state.active_keys;
    v_full := p_full
              OR v_state.max_total_discount_percent IS DISTINCT FROM p_max_total_percent
              OR v_state.floor_share_percent IS DISTINCT FROM p_floor_percent;
    SELECT coalesce(array_agg(pr.id || ':' || extract(epoch FROM pr.updated_at) || ':'
                              || (pr.conditions ? 'first_n_bookings'
                                  AND pr.issued_bookings >= (pr.conditions ->> 'first_n_bookings')::integer)
                              ORDER BY pr.id), '{}')
      INTO v_current
      FROM promotions pr
     WHERE pr.status = 'approved' AND pr.starts_at <= p_at AND pr.ends_at > p_at;
    SELECT array_agg(DISTINCT split_part(k.key, ':', 1)::bigint)
      INTO v_changed
      FROM ((SELECT unnest(v_current) EXCEPT SELECT unnest(v_previous))
            UNION
            (SELECT unnest(v_previous) EXCEPT SELECT unnest(v_current))) AS k (key);
    IF v_full THEN
        v_scoped := apply_promotion_discounts(NULL, false, p_at, p_max_total_percent, p_floor_percent);
    ELSIF v_changed IS NOT NULL THEN
        v_scoped := apply_promotion_discounts(promotion_scope_projects(v_changed), false, p_at,
                                              p_max_total_percent, p_floor_percent);
    END IF;
    IF cardinality(v_current) > 0 AND NOT v_full THEN
        v_stale := apply_promotion_discounts(NULL, true, p_at, p_max_total_percent, p_floor_percent);
    END IF;
    UPDATE promotion_refresh_state
       SET active_keys = v_current, refreshed_at = p_at,
           max_total_discount_percent = p_max_total_percent, floor_share_percent = p_floor_percent;
    RETURN QUERY SELECT coalesce(cardinality(v_changed), 0), v_scoped + v_stale;
END;
$$;


--
-- Name: FUNCTION refresh_promotion_discounts(p_at timestamp with time zone, p_max_total_percent numeric, p_floor_percent numeric, p_full boolean); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.refresh_promotion_discounts(p_at timestamp with time zone, p_max_total_percent numeric, p_floor_percent numeric, p_full boolean) IS 'Минутная задача акций: пересчитывает скидки catalog_offers в ЖК акций, чей набор изменился с прошлого запуска (началась, закончилась, приостановлена, изменена, исчерпана), и у квартир, чья цена сдвинулась. Возвращает число изменившихся акций и пересчитанных строк; все квартиры — при другом потолке или поле, чем в прошлый раз, или p_full';


--
-- Name: register_login_attempt(text, inet, interval, integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.register_login_attempt(p_email text, p_client_ip inet, p_window interval, p_max_per_email integer, p_max_per_ip integer) RETURNS TABLE(attempt_id bigint, retry_after_seconds integer)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_since      timestamptz := now() - p_window;
    v_email_wait integer;
    v_ip_wait    integer;
BEGIN
    -- Одновременные попытки с тем же email или адресом идут по очереди: лимит не обойти параллельными запросами.
    -- Порядок блокировок всегда email, затем адрес — взаимных блокировок нет.
    PERFORM pg_advisory_xact_lock(hashtext('login_attempts.email'), hashtext(p_email));
    IF p_client_ip IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('login_attempts.client_ip'), hashtext(host(p_client_ip)));
    END IF;

    DELETE FROM login_attempts WHERE attempted_at < v_since;

    -- Ждать, пока p_max-я по свежести попытка не выйдет из окна.
    SELECT ceil(extract(epoch FROM a.attempted_at + p_window - now()))::integer
      INTO v_email_wait
      FROM login_attempts a
     WHERE a.email = p_email AND a.attempted_at >= v_since
     ORDER BY a.attempted_at DESC
    OFFSET p_max_per_email - 1 LIMIT 1;

    IF p_client_ip IS NOT NULL THEN
        SELECT ceil(extract(epoch FROM a.attempted_at + p_window - now()))::integer
          INTO v_ip_wait
          FROM login_attempts a
         WHERE a.client_ip = p_client_ip AND a.attempted_at >= v_since
         ORDER BY a.attempted_at DESC
        OFFSET p_max_per_ip - 1 LIMIT 1;
    END IF;

    IF v_email_wait IS NOT NULL OR v_ip_wait IS NOT NULL THEN
        RETURN QUERY SELECT NULL::bigint, greatest(1, v_email_wait, v_ip_wait);
        RETURN;
    END IF;

    RETURN QUERY
        INSERT INTO login_attempts (email, client_ip) VALUES (p_email, p_client_ip)
        RETURNING login_attempts.id, NULL::integer;
END;
$$;


--
-- Name: FUNCTION register_login_attempt(p_email text, p_client_ip inet, p_window interval, p_max_per_email integer, p_max_per_ip integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.register_login_attempt(p_email text, p_client_ip inet, p_window interval, p_max_per_email integer, p_max_per_ip integer) IS 'Вход: если за окно p_window уже p_max_per_email попыток с этим email или p_max_per_ip с этого адреса — возвращает только retry_after_seconds (ответ 429); иначе записывает попытку и возвращает её attempt_id. После успешного входа попытку и прежние неудачи той же пары email + адрес удаляет приложение';


--
-- Name: reprice_apartments(timestamp with time zone, boolean, public.pricing_trigger, numeric, numeric, timestamp with time zone, bigint, bigint, boolean, bigint, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.reprice_apartments(p_now timestamp with time zone DEFAULT now(), p_dry_run boolean DEFAULT false, p_trigger public.pricing_trigger DEFAULT 'manual'::public.pricing_trigger, p_elasticity_ceiling numeric DEFAULT NULL::numeric, p_max_shift_ceiling numeric DEFAULT NULL::numeric, p_scheduled_for timestamp with time zone DEFAULT NULL::timestamp with time zone, p_started_by bigint DEFAULT NULL::bigint, p_apartment_id bigint DEFAULT NULL::bigint, p_changes_only boolean DEFAULT false, p_run_id bigint DEFAULT NULL::bigint, p_batch_no integer DEFAULT NULL::integer) RETURNS TABLE(run_id bigint, apartment_id bigint, project_id bigint, rooms smallint, views_24h integer, favourites_24h integer, leads_24h integer, bookings_24h integer, days_on_site integer, demand numeric, cluster_median numeric, demand_norm numeric, decision public.pricing_decision, old_price numeric, new_price numeric, explanation text)
    LANGUAGE plpgsql
    SET work_mem TO '256MB'
    SET jit TO 'off'
    SET plan_cache_mode TO 'force_custom_plan'
    AS $$
DECLARE
    v_run_id      bigint := p_run_id;
    v_project_ids bigint[];
    v_skip_reason text;
    v_min_rooms   integer;
    v_max_rooms   integer;
BEGIN
    IF p_run_id IS NOT NULL THEN
        SELECT b.project_ids INTO STRICT v_project_ids
          FROM pricing_run_batches b
         WHERE b.run_id = p_run_id AND b.batch_no = p_batch_no;
    ELSIF NOT p_dry_run THEN
        v_skip_reason := pricing_skip_reason(pg_try_advisory_xact_lock(pricing_pass_lock_key()), p_scheduled_for);
        IF v_skip_reason IS NOT NULL THEN
            RAISE NOTICE '%', v_skip_reason;
            RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::bigint, NULL::smallint, NULL::integer, NULL::integer,
                                NULL::integer, NULL::integer, NULL::integer, NULL::numeric, NULL::numeric, NULL::numeric,
                                'skipped'::pricing_decision, NULL::numeric(14, 2), NULL::numeric(14, 2), v_skip_reason;
            RETURN;
        END IF;
        INSERT INTO pricing_runs (trigger, scheduled_for, started_by, status, priced_at, elasticity_ceiling,
                                  max_shift_ceiling, workers)
        VALUES (p_trigger, p_scheduled_for, p_started_by, 'running', p_now, p_elasticity_ceiling, p_max_shift_ceiling, 1)
        RETURNING id INTO v_run_id;
        PERFORM set_config('pricing.run_id', v_run_id::text, true);
    END IF;

    -- Комнатности каталога (по apartments_rooms_idx) — константы в плане: планировщик точно знает число кластеров.
    SELECT min(a.rooms), max(a.rooms) INTO v_min_rooms, v_max_rooms FROM apartments a;

    -- Копии цены (apartment_stats, apartments.price_changed_at) этот оператор ведёт сам, одним UPDATE на таблицу:
    -- триггеры синхронизации видят флаг и не повторяют работу по сотням тысяч строк первого прохода.
    PERFORM set_config('pricing.copies_synced_by_pass', 'on', true);
    RETURN QUERY
    -- clusters — подзапрос с OFFSET 0, а не MATERIALIZED: выражения считаются один раз на кластер, а планировщику
    -- видна статистика ключей, и он хеширует кластеры (десятки тысяч строк), а не миллион квартир.
    WITH clusters AS NOT MATERIALIZED (  -- каждый ЖК × каждая комнатность: параметры ЖК и пороги кластера
        SELECT r.*, room.rooms::smallint AS rooms, cd.median_demand,
               -- пороги в тысячных спроса: для целого x  x > T ⇔ x > floor(T), x < T ⇔ x < ceil(T)
               CASE WHEN cd.median_demand > 0 THEN floor(r.k1 * cd.median_demand * 1000)::bigint END AS raise_above_milli,
               CASE WHEN cd.median_demand > 0 THEN ceil(r.k2 * cd.median_demand * 1000)::bigint END  AS lower_below_milli
        FROM (
            SELECT cfg.project_id, cfg.config_id, cfg.enabled, cfg.k1, cfg.k2, cfg.min_days_on_site,
                   cfg.weight_views, cfg.weight_favourites, cfg.weight_leads, cfg.weight_bookings,
                   cfg.views_weight_milli, cfg.favourites_weight_milli, cfg.leads_weight_milli, cfg.bookings_weight_milli,
                   least(cfg.step, cfg.elasticity_cap, coalesce(p_elasticity_ceiling, cfg.elasticity_cap)) AS delta,
                   least(cfg.max_shift, coalesce(p_max_shift_ceiling, cfg.max_shift))                     AS max_shift,
                   p_now - cfg.cooldown       AS cooldown_since,
                   p_now - cfg.booking_freeze AS booking_freeze_since,
                   -- days_on_site > min_days_on_site  ⇔  опубликована не позже p_now − (min_days_on_site + 1) суток
                   p_now - make_interval(secs => 86400 * (cfg.min_days_on_site + 1)) AS lowering_published_before
            FROM project_pricing_config cfg
            WHERE v_project_ids IS NULL OR cfg.project_id = ANY (v_project_ids)
            OFFSET 0
        ) r
        CROSS JOIN generate_series(v_min_rooms, v_max_rooms) AS room(rooms)
        LEFT JOIN cluster_demand cd ON cd.project_id = r.project_id AND cd.rooms = room.rooms
        OFFSET 0
    ),
    evaluated AS (  -- миллион строк одним уровнем: целые сравнения, время; цены — только у тех, кого можно двигать
        SELECT s.apartment_id, s.project_id, s.rooms, s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h,
               s.published_at, s.base_price, s.current_price,
               c.median_demand, c.raise_above_milli, c.lower_below_milli, c.lowering_published_before,
               c.views_weight_milli, c.favourites_weight_milli, c.leads_weight_milli, c.bookings_weight_milli,
               c.weight_views, c.weight_favourites, c.weight_leads, c.weight_bookings,
               c.config_id, c.k1, c.k2, c.min_days_on_site, c.delta, c.max_shift,
               CASE
                   WHEN NOT c.enabled                             THEN 'disabled'::pricing_decision
                   WHEN s.price_changed_at > c.cooldown_since     THEN 'cooldown'::pricing_decision
                   WHEN s.last_booked_at > c.booking_freeze_since THEN 'recent_booking'::pricing_decision
                   WHEN c.raise_above_milli IS NULL               THEN 'no_median'::pricing_decision
                   ELSE CASE pricing_direction(s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h,
                                               c.views_weight_milli, c.favourites_weight_milli,
                                               c.leads_weight_milli, c.bookings_weight_milli,
                                               c.raise_above_milli, c.lower_below_milli,
                                               s.published_at, c.lowering_published_before)
                       WHEN 1 THEN CASE
                           WHEN pricing_candidate_price(1, s.current_price, s.base_price, c.delta, c.max_shift) > s.current_price
                               THEN 'raise'::pricing_decision
                           ELSE 'at_limit'::pricing_decision END
                       WHEN -1 THEN CASE
                           WHEN pricing_candidate_price(-1, s.current_price, s.base_price, c.delta, c.max_shift) < s.current_price
                               THEN 'lower'::pricing_decision
                           ELSE 'at_limit'::pricing_decision END
                       ELSE 'hold'::pricing_decision
                   END
               END AS decision
        FROM apartment_stats s
        JOIN clusters c ON c.project_id = s.project_id AND c.rooms = s.rooms
        WHERE s.on_sale
          AND (p_apartment_id IS NULL OR s.apartment_id = p_apartment_id)
          AND (v_project_ids IS NULL OR s.project_id = ANY (v_project_ids))
        OFFSET 0  -- решение считается один раз на строку, а не в каждом FILTER ниже
    ),
    tally AS MATERIALIZED (  -- один проход по миллиону строк без сортировки: счётчики решений и строки для ответа
        SELECT count(*) AS evaluated,
               count(*) FILTER (WHERE e.decision = 'raise')          AS raise,
               count(*) FILTER (WHERE e.decision = 'lower')          AS lower,
               count(*) FILTER (WHERE e.decision = 'hold')           AS hold,
               count(*) FILTER (WHERE e.decision = 'cooldown')       AS cooldown,
               count(*) FILTER (WHERE e.decision = 'recent_booking') AS recent_booking,
               count(*) FILTER (WHERE e.decision = 'at_limit')       AS at_limit,
               count(*) FILTER (WHERE e.decision = 'no_median')      AS no_median,
               count(*) FILTER (WHERE e.decision = 'disabled')       AS disabled,
               array_agg(ROW(
                   e.apartment_id, e.project_id, e.rooms, e.views_24h, e.favourites_24h, e.leads_24h, e.bookings_24h,
                   floor(extract(epoch FROM p_now - e.published_at) / 86400)::integer,
                   pricing_demand(e.views_24h, e.favourites_24h, e.leads_24h, e.bookings_24h,
                                  e.weight_views, e.weight_favourites, e.weight_leads, e.weight_bookings),
                   e.median_demand,
                   pricing_direction(e.views_24h, e.favourites_24h, e.leads_24h, e.bookings_24h,
                                     e.views_weight_milli, e.favourites_weight_milli,
                                     e.leads_weight_milli, e.bookings_weight_milli,
                                     e.raise_above_milli, e.lower_below_milli,
                                     e.published_at, e.lowering_published_before),
                   e.decision, e.current_price,
                   CASE e.decision
                       WHEN 'raise' THEN pricing_candidate_price(1, e.current_price, e.base_price, e.delta, e.max_shift)
                       WHEN 'lower' THEN pricing_candidate_price(-1, e.current_price, e.base_price, e.delta, e.max_shift)
                       ELSE e.current_price END,
                   e.config_id, e.k1, e.k2, e.delta, e.max_shift, e.min_days_on_site
               )::pricing_outcome) FILTER (WHERE NOT p_changes_only OR e.decision IN ('raise', 'lower')) AS reported
        FROM evaluated e
    ),
    explained AS MATERIALIZED (  -- plain columns, so that pricing_explanation is inlined, not called per row
        SELECT o.*,
               pricing_explanation(o.decision, o.old_price, o.new_price, o.views_24h, o.leads_24h, o.bookings_24h,
                                   o.days_on_site, o.min_days_on_site, o.max_shift, o.rooms, o.direction) AS readable
        FROM tally t
        CROSS JOIN LATERAL unnest(t.reported) o
    ),
    -- Строки блокирует сам UPDATE — в порядке id (вложенный цикл по отсортированным изменениям и apartments_pkey,
    -- как у всех, кто меняет квартиры пачкой) и режимом FOR NO KEY UPDATE, который не конфликтует с FOR KEY SHARE
    -- вставок заявок и броней. Отдельного шага блокировки нет: он писал по записи WAL на строку и копировал
    -- полмиллиона широких строк ещё раз. Поиск по id, а не по ctid: квартиру, изменённую и закоммиченную после
    -- снимка оператора, UPDATE найдёт и через EvalPlanQual перепроверит цену и статус на последней версии.
    changed AS (
        UPDATE apartments a
        SET current_price = l.new_price, price_changed_at = p_now, updated_at = now()
        FROM (SELECT e.*
                FROM explained e
               WHERE NOT p_dry_run AND e.decision IN ('raise', 'lower')
               ORDER BY e.apartment_id) l
        WHERE a.id = l.apartment_id
          AND a.current_price = l.old_price AND a.status = 'available'
        RETURNING l.*
    ),
    stats_synced AS (  -- копия цены для следующих проходов и поиска; триггер синхронизации этот оператор пропускает
        UPDATE apartment_stats s
        SET current_price = c.new_price, price_changed_at = p_now
        FROM changed c
        WHERE s.apartment_id = c.apartment_id
    ),
    offers_synced AS (  -- копия цены для поиска по региону; квартира остаётся в продаже, меняется только цена
        UPDATE catalog_offers o
        SET current_price = c.new_price
        FROM changed c
        WHERE o.apartment_id = c.apartment_id
    ),
    history AS (
        INSERT INTO price_history (apartment_id, changed_at, old_price, new_price, reason, pricing_run_id, explanation,
                                   views_24h, favourites_24h, leads_24h, bookings_24h, days_on_site, demand,
                                   cluster_median, demand_norm, delta, max_shift, k1, k2, config_id)
        SELECT c.apartment_id, p_now, c.old_price, c.new_price, 'dynamic', v_run_id, c.readable,
               c.views_24h, c.favourites_24h, c.leads_24h, c.bookings_24h, c.days_on_site, c.demand,
               c.cluster_median, round(c.demand / c.cluster_median, 4), c.delta, c.max_shift, c.k1, c.k2, c.config_id
        FROM changed c
        RETURNING price_history.id AS history_id, price_history.apartment_id AS history_apartment_id
    ),
    price_events AS (  -- price.changed в outbox (docs/events.md): узкая строка на изменение, тело — из price_history
        INSERT INTO outbox_events (topic, event_type, aggregate_id, price_history_id)
        SELECT 'price', 'price.changed', h.history_apartment_id, h.history_id
        FROM history h
        ORDER BY h.history_apartment_id
    ),
    summary AS (
        SELECT t.evaluated,
               jsonb_strip_nulls(jsonb_build_object(
                   'raise', nullif(t.raise, 0), 'lower', nullif(t.lower, 0), 'hold', nullif(t.hold, 0),
                   'cooldown', nullif(t.cooldown, 0), 'recent_booking', nullif(t.recent_booking, 0),
                   'at_limit', nullif(t.at_limit, 0), 'no_median', nullif(t.no_median, 0),
                   'disabled', nullif(t.disabled, 0))) AS decisions,
               (SELECT count(*) FROM changed c WHERE c.decision = 'raise') AS raised,
               (SELECT count(*) FROM changed c WHERE c.decision = 'lower') AS lowered
        FROM tally t
    ),
    run_summary AS (  -- весь каталог одним оператором
        UPDATE pricing_runs r
        SET finished_at = clock_timestamp(), status = 'completed',
            evaluated = su.evaluated, decisions = su.decisions, raised = su.raised, lowered = su.lowered
        FROM summary su
        WHERE r.id = v_run_id AND p_run_id IS NULL
    ),
    batch_summary AS (  -- пачка прохода: итоги run_pricing_cycle сложит в pricing_runs
        UPDATE pricing_run_batches b
        SET done_at = clock_timestamp(),
            evaluated = su.evaluated, decisions = su.decisions, raised = su.raised, lowered = su.lowered
        FROM summary su
        WHERE b.run_id = p_run_id AND b.batch_no = p_batch_no
    )
    SELECT v_run_id, e.apartment_id, e.project_id, e.rooms, e.views_24h, e.favourites_24h, e.leads_24h, e.bookings_24h,
           e.days_on_site, e.demand, e.cluster_median,
           CASE WHEN e.cluster_median > 0 THEN round(e.demand / e.cluster_median, 4) END,
           e.decision, e.old_price, e.new_price, e.readable
    FROM explained e
    -- Предпросмотр (все квартиры) — по порядку id; изменения настоящего прохода — в порядке оценки, без сортировки
    -- полумиллиона строк первого прохода (порядок им задаёт журнал, а не ответ).
    ORDER BY CASE WHEN NOT p_changes_only THEN e.apartment_id END;
    PERFORM set_config('pricing.copies_synced_by_pass', 'off', true);
END;
$$;


--
-- Name: FUNCTION reprice_apartments(p_now timestamp with time zone, p_dry_run boolean, p_trigger public.pricing_trigger, p_elasticity_ceiling numeric, p_max_shift_ceiling numeric, p_scheduled_for timestamp with time zone, p_started_by bigint, p_apartment_id bigint, p_changes_only boolean, p_run_id bigint, p_batch_no integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.reprice_apartments(p_now timestamp with time zone, p_dry_run boolean, p_trigger public.pricing_trigger, p_elasticity_ceiling numeric, p_max_shift_ceiling numeric, p_scheduled_for timestamp with time zone, p_started_by bigint, p_apartment_id bigint, p_changes_only boolean, p_run_id bigint, p_batch_no integer) IS 'Шаг 2 поминутного цикла: один set-based проход по квартирам в продаже (status = available, published). demand_norm = demand / медиана кластера (cluster_demand); > k1 — +Δ, < k2 и дней на сайте > min_days_on_site — −Δ; Δ = min(step, elasticity_cap, p_elasticity_ceiling); цена округляется до копеек и ограничивается коридором round(base × (1 ± min(max_shift, p_max_shift_ceiling)), 2). Не трогает цену, менявшуюся за cooldown или с бронью за booking_freeze. Пишет price_history (reason = dynamic) и pricing_runs; p_dry_run — только показать решения. Одновременно идёт только один проход (pg_try_advisory_xact_lock): второй сразу возвращает строку decision = skipped. p_scheduled_for не даёт двум репликам провести один слот расписания дважды. Возвращает строку на каждую квартиру в продаже (p_changes_only — только изменённые, без сортировки; иначе по порядку id; итоги прохода в pricing_runs, его id — в current_setting(''pricing.run_id'') до конца транзакции). Строки квартир блокирует сам UPDATE по порядку id. С p_run_id и p_batch_no — пачка ЖК прохода run_pricing_cycle: без своей блокировки и строки pricing_runs, итоги — в pricing_run_batches';


--
-- Name: reprice_next_batch(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.reprice_next_batch(p_run_id bigint DEFAULT NULL::bigint) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: FUNCTION reprice_next_batch(p_run_id bigint); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.reprice_next_batch(p_run_id bigint) IS 'Шаг 4 цикла: берёт следующую свободную пачку прохода (без p_run_id — идущего прохода), пересчитывает её ЖК и отмечает готовой в той же транзакции; false — свободных пачек нет. Вызывают параллельно несколько соединений';


--
-- Name: rollback_pricing_run(bigint, bigint, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rollback_pricing_run(p_run_id bigint, p_user_id bigint DEFAULT NULL::bigint, p_now timestamp with time zone DEFAULT now()) RETURNS TABLE(apartment_id bigint, restored_price numeric, replaced_price numeric)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_run pricing_runs;
BEGIN
    -- Порядок блокировок прохода: сначала блокировка прохода, потом строка pricing_runs, потом квартиры.
    PERFORM pg_advisory_xact_lock(pricing_pass_lock_key());
    SELECT * INTO v_run FROM pricing_runs r WHERE r.id = p_run_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'pricing run % does not exist', p_run_id USING ERRCODE = 'no_data_found';
    END IF;
    IF v_run.rolled_back_at IS NOT NULL THEN
        RETURN;
    END IF;

    PERFORM set_config('pricing.copies_synced_by_pass', 'on', true);
    RETURN QUERY
    WITH still_current AS (
        SELECT h.apartment_id, h.old_price, h.new_price
        FROM price_history h
        JOIN apartments a ON a.id = h.apartment_id
        WHERE h.pricing_run_id = p_run_id
          AND a.current_price = h.new_price
          AND NOT EXISTS (SELECT 1 FROM price_history later
                          WHERE later.apartment_id = h.apartment_id AND later.id > h.id)
        ORDER BY h.apartment_id
        FOR UPDATE OF a
    ),
    restored AS (
        UPDATE apartments a SET current_price = sc.old_price, price_changed_at = p_now
        FROM still_current sc
        WHERE a.id = sc.apartment_id
        RETURNING a.id, sc.old_price, sc.new_price,
                  a.status = 'available' AND a.moderation_status = 'published' AS on_sale,
                  format('Цена возвращена: отмена прохода ценообразования №%s (%s)', p_run_id,
                         format_percent_change(sc.new_price, sc.old_price)) AS explanation
    ),
    stats_synced AS (
        UPDATE apartment_stats s
        SET current_price = r.old_price, price_changed_at = p_now
        FROM restored r
        WHERE s.apartment_id = r.id
    ),
    offers_synced AS (  -- только квартиры в продаже: остальных в копии нет, и откат их туда не возвращает
        UPDATE catalog_offers o
        SET current_price = r.old_price
        FROM restored r
        WHERE o.apartment_id = r.id AND r.on_sale
    ),
    history AS (
        INSERT INTO price_history (apartment_id, changed_at, old_price, new_price, reason, rollback_of_run_id, changed_by, explanation)
        SELECT r.id, p_now, r.new_price, r.old_price, 'manual', p_run_id, p_user_id, r.explanation
        FROM restored r
        RETURNING price_history.id AS history_id, price_history.apartment_id AS history_apartment_id
    ),
    price_events AS (  -- price.changed в outbox тем же оператором, как у прохода
        INSERT INTO outbox_events (topic, event_type, aggregate_id, price_history_id)
        SELECT 'price', 'price.changed', h.history_apartment_id, h.history_id
        FROM history h
        ORDER BY h.history_apartment_id
    ),
    marked AS (
        UPDATE pricing_runs r SET rolled_back_at = p_now, rolled_back_by = p_user_id
        WHERE r.id = p_run_id
    )
    SELECT r.id, r.old_price, r.new_price FROM restored r ORDER BY r.id;
    PERFORM set_config('pricing.copies_synced_by_pass', 'off', true);
END;
$$;


--
-- Name: FUNCTION rollback_pricing_run(p_run_id bigint, p_user_id bigint, p_now timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.rollback_pricing_run(p_run_id bigint, p_user_id bigint, p_now timestamp with time zone) IS 'Откат прохода: возвращает старые цены тех его изменений, которые всё ещё действуют (после них цену никто не менял), каждую записывает в price_history как manual со ссылкой rollback_of_run_id. Повторный вызов ничего не делает. Копии цены (apartment_stats, catalog_offers) и price_changed_at ведёт сам одним оператором, как проход';


--
-- Name: run_pricing_cycle(timestamp with time zone, public.pricing_trigger, timestamp with time zone, bigint, numeric, numeric, integer, integer, bigint, text); Type: PROCEDURE; Schema: public; Owner: -
--

CREATE PROCEDURE public.run_pricing_cycle(IN p_now timestamp with time zone DEFAULT NULL::timestamp with time zone, IN p_trigger public.pricing_trigger DEFAULT 'manual'::public.pricing_trigger, IN p_scheduled_for timestamp with time zone DEFAULT NULL::timestamp with time zone, IN p_started_by bigint DEFAULT NULL::bigint, IN p_elasticity_ceiling numeric DEFAULT NULL::numeric, IN p_max_shift_ceiling numeric DEFAULT NULL::numeric, IN p_batch_apartments integer DEFAULT 5000, IN p_workers integer DEFAULT 1, INOUT pricing_run bigint DEFAULT NULL::bigint, INOUT skipped_reason text DEFAULT NULL::text)
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: PROCEDURE run_pricing_cycle(IN p_now timestamp with time zone, IN p_trigger public.pricing_trigger, IN p_scheduled_for timestamp with time zone, IN p_started_by bigint, IN p_elasticity_ceiling numeric, IN p_max_shift_ceiling numeric, IN p_batch_apartments integer, IN p_workers integer, INOUT pricing_run bigint, INOUT skipped_reason text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON PROCEDURE public.run_pricing_cycle(IN p_now timestamp with time zone, IN p_trigger public.pricing_trigger, IN p_scheduled_for timestamp with time zone, IN p_started_by bigint, IN p_elasticity_ceiling numeric, IN p_max_shift_ceiling numeric, IN p_batch_apartments integer, IN p_workers integer, INOUT pricing_run bigint, INOUT skipped_reason text) IS 'Поминутный цикл ценообразования целиком (CALL вне транзакции: каждая пачка фиксируется сама). Сервис вызывает его в одном соединении, а ещё PRICING_WORKERS − 1 соединений тем временем вызывают reprice_next_batch(). Возвращает id прохода (итоги — pricing_runs, изменения — price_history) или skipped_reason';


--
-- Name: set_updated_at(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;


--
-- Name: FUNCTION set_updated_at(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.set_updated_at() IS 'Триггерная функция: проставляет updated_at при каждом UPDATE';


--
-- Name: sync_apartment_copies(bigint[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sync_apartment_copies(p_apartment_ids bigint[]) RETURNS void
    LANGUAGE plpgsql
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
BEGIN
    INSERT INTO apartment_stats AS s (apartment_id, project_id, rooms, on_sale, published_at, base_price, current_price,
                                      price_changed_at, last_booked_at)
    SELECT a.id, a.project_id, a.rooms, a.status = 'available' AND a.moderation_status = 'published',
           a.published_at, a.base_price, a.current_price, a.price_changed_at, a.last_booked_at
      FROM apartments a
     WHERE a.id = ANY (p_apartment_ids)
    ON CONFLICT (apartment_id) DO UPDATE
       SET project_id = EXCLUDED.project_id, rooms = EXCLUDED.rooms, on_sale = EXCLUDED.on_sale,
           published_at = EXCLUDED.published_at, base_price = EXCLUDED.base_price,
           current_price = EXCLUDED.current_price, price_changed_at = EXCLUDED.price_changed_at,
           last_booked_at = EXCLUDED.last_booked_at
     WHERE (s.project_id, s.rooms, s.on_sale, s.published_at, s.base_price, s.current_price,
            s.price_changed_at, s.last_booked_at)
           IS DISTINCT FROM
           (EXCLUDED.project_id, EXCLUDED.rooms, EXCLUDED.on_sale, EXCLUDED.published_at, EXCLUDED.base_price,
            EXCLUDED.current_price, EXCLUDED.price_changed_at, EXCLUDED.last_booked_at);
    DELETE FROM catalog_offers c
     USING apartments a
     WHERE a.id = ANY (p_apartment_ids) AND c.apartment_id = a.id
       AND NOT (a.status = 'available' AND a.moderation_status = 'published');
    -- В порядке региона и цены: соседние по цене квартиры региона — рядом на страницах.
    INSERT INTO catalog_offers AS c (apartment_id, project_id, region_code, city_key, rooms, current_price, building_id,
                                     floor, area_total, area_kitchen, balcony)
    SELECT a.id, a.project_id, p.region_code, lower(p.city), a.rooms, a.current_price, a.building_id, a.floor,
           a.area_total, a.area_kitchen, a.balcony
      FROM apartments a
      JOIN projects p ON p.id = a.project_id
     WHERE a.id = ANY (p_apartment_ids)
       AND a.status = 'available' AND a.moderation_status = 'published'
     ORDER BY p.region_code, a.current_price
    ON CONFLICT (apartment_id) DO UPDATE
       SET project_id = EXCLUDED.project_id, region_code = EXCLUDED.region_code, city_key = EXCLUDED.city_key,
           rooms = EXCLUDED.rooms, current_price = EXCLUDED.current_price, building_id = EXCLUDED.building_id, floor = EXCLUDED.floor,
           area_total = EXCLUDED.area_total, area_kitchen = EXCLUDED.area_kitchen, balcony = EXCLUDED.balcony
     WHERE (c.project_id, c.region_code, c.city_key, c.rooms, c.current_price, c.building_id, c.floor, c.area_total,
            c.area_kitchen, c.balcony)
           IS DISTINCT FROM
           (EXCLUDED.project_id, EXCLUDED.region_code, EXCLUDED.city_key, EXCLUDED.rooms, EXCLUDED.current_price,
            EXCLUDED.building_id, EXCLUDED.floor, EXCLUDED.area_total, EXCLUDED.area_kitchen, EXCLUDED.balcony);
    -- Популярность новой квартиры — 0 до пересчёта счётчиков; у прежней меняются только город и комнатность
    -- (без ON CONFLICT DO UPDATE: он блокировал бы строку и тогда, когда менять нечего — при каждой брони).
    INSERT INTO apartment_popularity (apartment_id, city_key, rooms)
    SELECT a.id, lower(p.city), a.rooms
      FROM apartments a
      JOIN projects p ON p.id = a.project_id
     WHERE a.id = ANY (p_apartment_ids)
    ON CONFLICT (apartment_id) DO NOTHING;
    UPDATE apartment_popularity o
       SET city_key = lower(p.city), rooms = a.rooms
      FROM apartments a
      JOIN projects p ON p.id = a.project_id
     WHERE a.id = ANY (p_apartment_ids) AND o.apartment_id = a.id
       AND (o.city_key, o.rooms) IS DISTINCT FROM (lower(p.city), a.rooms);
END;
$$;


--
-- Name: FUNCTION sync_apartment_copies(p_apartment_ids bigint[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.sync_apartment_copies(p_apartment_ids bigint[]) IS 'Приводит копии квартир к их текущим строкам apartments: apartment_stats (поля, которые читают медианы и проход), catalog_offers (в продаже — вставка или обновление вместе с полями квартирных фильтров поиска, иначе удаление) и apartment_popularity (город и комнатность); пишет только то, что отличается. Вызывают триггеры apartments при вставке (все строки оператора) и изменении (по строке); проход и откат ведут копии сами';


--
-- Name: sync_apartment_popularity(interval); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sync_apartment_popularity(p_lock_timeout interval DEFAULT '00:00:00.2'::interval) RETURNS integer
    LANGUAGE plpgsql
    SET jit TO 'off'
    AS $$
DECLARE
    v_previous_lock_timeout text := current_setting('lock_timeout');
    v_pending               bigint[];
    v_synced                integer;
BEGIN
    PERFORM set_config('lock_timeout', (extract(epoch FROM p_lock_timeout) * 1000)::bigint::text, true);
    BEGIN
        SELECT popularity_pending INTO v_pending FROM demand_aggregation_state FOR UPDATE;
        WITH pending AS (
            SELECT DISTINCT p.apartment_id FROM unnest(v_pending) AS p (apartment_id)
        ),
        current AS (
            SELECT s.apartment_id, popularity_24h(s.views_24h, s.leads_24h, s.bookings_24h) AS popularity
            FROM pending p
            JOIN apartment_stats s ON s.apartment_id = p.apartment_id
        )
        UPDATE apartment_popularity o
        SET popularity = c.popularity
        FROM current c
        WHERE o.apartment_id = c.apartment_id AND o.popularity <> c.popularity;
        GET DIAGNOSTICS v_synced = ROW_COUNT;
        UPDATE demand_aggregation_state SET popularity_pending = '{}';
    EXCEPTION WHEN lock_not_available THEN
        RAISE NOTICE 'sync_apartment_popularity: строка занята дольше %, перенос — в следующем цикле', p_lock_timeout;
        v_synced := NULL;
    END;
    PERFORM set_config('lock_timeout', v_previous_lock_timeout, true);
    RETURN v_synced;
END;
$$;


--
-- Name: FUNCTION sync_apartment_popularity(p_lock_timeout interval); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.sync_apartment_popularity(p_lock_timeout interval) IS 'Переносит popularity_24h(…) квартир из demand_aggregation_state.popularity_pending (их счётчики изменились) в apartment_popularity и очищает список; возвращает число изменённых строк, NULL — если чужая строка держалась дольше p_lock_timeout (список остаётся). Вызывает цикл цен после прохода';


--
-- Name: views_log_clamp_occurred_at(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.views_log_clamp_occurred_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.occurred_at := least(NEW.occurred_at, now());
    RETURN NEW;
END;
$$;


--
-- Name: FUNCTION views_log_clamp_occurred_at(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.views_log_clamp_occurred_at() IS 'События из будущего записываются текущим временем: иначе они держались бы в 24-часовом окне спроса дольше суток';


--
-- Name: analytics_daily_demand; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.analytics_daily_demand (
    day date NOT NULL,
    project_id bigint NOT NULL,
    building_id bigint NOT NULL,
    rooms smallint NOT NULL,
    views integer DEFAULT 0 NOT NULL,
    unique_visitors integer DEFAULT 0 NOT NULL,
    favourites integer DEFAULT 0 NOT NULL,
    leads integer DEFAULT 0 NOT NULL,
    bookings integer DEFAULT 0 NOT NULL,
    confirmed integer DEFAULT 0 NOT NULL,
    sold integer DEFAULT 0 NOT NULL,
    cancelled integer DEFAULT 0 NOT NULL,
    expired integer DEFAULT 0 NOT NULL,
    deals_price_sum numeric(18,2) DEFAULT 0 NOT NULL,
    deals_area_sum numeric(14,2) DEFAULT 0 NOT NULL,
    flagged_views integer DEFAULT 0 NOT NULL,
    flagged_leads integer DEFAULT 0 NOT NULL,
    price_raises integer DEFAULT 0 NOT NULL,
    price_lowers integer DEFAULT 0 NOT NULL,
    raise_pct_sum numeric DEFAULT 0 NOT NULL,
    lower_pct_sum numeric DEFAULT 0 NOT NULL,
    refreshed_at timestamp with time zone NOT NULL,
    CONSTRAINT analytics_daily_demand_bookings_check CHECK ((bookings >= 0)),
    CONSTRAINT analytics_daily_demand_cancelled_check CHECK ((cancelled >= 0)),
    CONSTRAINT analytics_daily_demand_confirmed_check CHECK ((confirmed >= 0)),
    CONSTRAINT analytics_daily_demand_deals_area_sum_check CHECK ((deals_area_sum >= (0)::numeric)),
    CONSTRAINT analytics_daily_demand_deals_price_sum_check CHECK ((deals_price_sum >= (0)::numeric)),
    CONSTRAINT analytics_daily_demand_expired_check CHECK ((expired >= 0)),
    CONSTRAINT analytics_daily_demand_favourites_check CHECK ((favourites >= 0)),
    CONSTRAINT analytics_daily_demand_flagged_leads_check CHECK ((flagged_leads >= 0)),
    CONSTRAINT analytics_daily_demand_flagged_views_check CHECK ((flagged_views >= 0)),
    CONSTRAINT analytics_daily_demand_leads_check CHECK ((leads >= 0)),
    CONSTRAINT analytics_daily_demand_lower_pct_sum_check CHECK ((lower_pct_sum >= (0)::numeric)),
    CONSTRAINT analytics_daily_demand_price_lowers_check CHECK ((price_lowers >= 0)),
    CONSTRAINT analytics_daily_demand_price_raises_check CHECK ((price_raises >= 0)),
    CONSTRAINT analytics_daily_demand_raise_pct_sum_check CHECK ((raise_pct_sum >= (0)::numeric)),
    CONSTRAINT analytics_daily_demand_sold_check CHECK ((sold >= 0)),
    CONSTRAINT analytics_daily_demand_unique_visitors_check CHECK ((unique_visitors >= 0)),
    CONSTRAINT analytics_daily_demand_views_check CHECK ((views >= 0))
);


--
-- Name: TABLE analytics_daily_demand; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.analytics_daily_demand IS 'Воронка спроса по суткам (Москва) × ЖК × корпус × комнатность: просмотры → избранное → заявки → брони → подтверждения → продажи, накрутка отдельно. Ведёт refresh_analytics() раз в час: пересчитываются целиком только сутки, которых коснулись новые события (и сутки зрителей со сменившейся пометкой накрутки), пока их сырые события хранятся (VIEWS_LOG_RETENTION_DAYS); более старые сутки окончательны. Свежесть — analytics_refresh_state.refreshed_at';


--
-- Name: COLUMN analytics_daily_demand.day; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.day IS 'Сутки по московскому времени (Europe/Moscow)';


--
-- Name: COLUMN analytics_daily_demand.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.project_id IS 'ЖК (projects.id) квартиры на момент пересчёта';


--
-- Name: COLUMN analytics_daily_demand.building_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.building_id IS 'Корпус (buildings.id) квартиры на момент пересчёта';


--
-- Name: COLUMN analytics_daily_demand.rooms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.rooms IS 'Комнатность квартиры, 0 — студия';


--
-- Name: COLUMN analytics_daily_demand.views; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.views IS 'Учтённых просмотров (views_log, event = view) без помеченных накрутчиков, шт.';


--
-- Name: COLUMN analytics_daily_demand.unique_visitors; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.unique_visitors IS 'Уникальных зрителей (viewer) ячейки за сутки без накрутчиков, чел.; сумма по ячейкам считает человека в каждой ячейке';


--
-- Name: COLUMN analytics_daily_demand.favourites; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.favourites IS 'Добавлений в избранное (views_log, event = favourite) без накрутчиков, шт.';


--
-- Name: COLUMN analytics_daily_demand.leads; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.leads IS 'Заявок на звонок (leads) без накрутчиков, шт.';


--
-- Name: COLUMN analytics_daily_demand.bookings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.bookings IS 'Броней любого статуса, созданных в эти сутки (bookings.booked_at), шт.';


--
-- Name: COLUMN analytics_daily_demand.confirmed; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.confirmed IS 'Подтверждений брони застройщиком (booking_events.action = confirmed), шт.';


--
-- Name: COLUMN analytics_daily_demand.sold; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.sold IS 'Продаж — сделок (booking_events.action = sold), шт.';


--
-- Name: COLUMN analytics_daily_demand.cancelled; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.cancelled IS 'Отменённых броней (booking_events.action = cancelled), шт.';


--
-- Name: COLUMN analytics_daily_demand.expired; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.expired IS 'Истёкших броней (booking_events.action = expired), шт.';


--
-- Name: COLUMN analytics_daily_demand.deals_price_sum; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.deals_price_sum IS 'Сумма цен сделок (bookings.price проданных броней), ₽';


--
-- Name: COLUMN analytics_daily_demand.deals_area_sum; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.deals_area_sum IS 'Сумма общих площадей проданных квартир, м²';


--
-- Name: COLUMN analytics_daily_demand.flagged_views; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.flagged_views IS 'Просмотров помеченных накрутчиков (flagged_visitors.flagged) — отдельно, в views не входят, шт.';


--
-- Name: COLUMN analytics_daily_demand.flagged_leads; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.flagged_leads IS 'Заявок помеченных накрутчиков — отдельно, в leads не входят, шт.';


--
-- Name: COLUMN analytics_daily_demand.price_raises; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.price_raises IS 'Повышений цены алгоритмом (price_history.reason = dynamic), шт.';


--
-- Name: COLUMN analytics_daily_demand.price_lowers; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.price_lowers IS 'Понижений цены алгоритмом, шт.';


--
-- Name: COLUMN analytics_daily_demand.raise_pct_sum; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.raise_pct_sum IS 'Сумма размеров повышений, % (среднее = raise_pct_sum ÷ price_raises)';


--
-- Name: COLUMN analytics_daily_demand.lower_pct_sum; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.lower_pct_sum IS 'Сумма размеров понижений по модулю, % (среднее = lower_pct_sum ÷ price_lowers)';


--
-- Name: COLUMN analytics_daily_demand.refreshed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_demand.refreshed_at IS 'Когда строка пересчитана';


--
-- Name: analytics_daily_supply; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.analytics_daily_supply (
    day date NOT NULL,
    project_id bigint NOT NULL,
    rooms smallint NOT NULL,
    lots_total integer NOT NULL,
    lots_on_sale integer NOT NULL,
    lots_booked integer NOT NULL,
    lots_sold integer NOT NULL,
    area_on_sale numeric(14,2) NOT NULL,
    price_sum_on_sale numeric(18,2) NOT NULL,
    base_sum_on_sale numeric(18,2) NOT NULL,
    new_lots integer NOT NULL,
    refreshed_at timestamp with time zone NOT NULL,
    steering_sum_on_sale numeric(18,2),
    lots_to_raise integer,
    lots_to_lower integer,
    CONSTRAINT analytics_daily_supply_area_on_sale_check CHECK ((area_on_sale >= (0)::numeric)),
    CONSTRAINT analytics_daily_supply_base_sum_on_sale_check CHECK ((base_sum_on_sale >= (0)::numeric)),
    CONSTRAINT analytics_daily_supply_lots_booked_check CHECK ((lots_booked >= 0)),
    CONSTRAINT analytics_daily_supply_lots_on_sale_check CHECK ((lots_on_sale >= 0)),
    CONSTRAINT analytics_daily_supply_lots_sold_check CHECK ((lots_sold >= 0)),
    CONSTRAINT analytics_daily_supply_lots_to_lower_check CHECK ((lots_to_lower >= 0)),
    CONSTRAINT analytics_daily_supply_lots_to_raise_check CHECK ((lots_to_raise >= 0)),
    CONSTRAINT analytics_daily_supply_lots_total_check CHECK ((lots_total >= 0)),
    CONSTRAINT analytics_daily_supply_new_lots_check CHECK ((new_lots >= 0)),
    CONSTRAINT analytics_daily_supply_price_sum_on_sale_check CHECK ((price_sum_on_sale >= (0)::numeric)),
    CONSTRAINT analytics_daily_supply_steered_lots_check CHECK (((lots_to_raise + lots_to_lower) <= lots_on_sale)),
    CONSTRAINT analytics_daily_supply_steering_sum_on_sale_check CHECK ((steering_sum_on_sale >= (0)::numeric))
);


--
-- Name: TABLE analytics_daily_supply; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.analytics_daily_supply IS 'Предложение — снимок опубликованных квартир на сутки (Москва) × ЖК × комнатность. refresh_analytics() раз в час переписывает строки текущих суток; прошлые сутки хранят последний снимок своего дня';


--
-- Name: COLUMN analytics_daily_supply.day; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.day IS 'Сутки снимка по московскому времени';


--
-- Name: COLUMN analytics_daily_supply.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.project_id IS 'ЖК (projects.id)';


--
-- Name: COLUMN analytics_daily_supply.rooms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.rooms IS 'Комнатность, 0 — студия';


--
-- Name: COLUMN analytics_daily_supply.lots_total; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.lots_total IS 'Опубликованных квартир всего (в продаже, в брони, проданных), шт.';


--
-- Name: COLUMN analytics_daily_supply.lots_on_sale; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.lots_on_sale IS 'Квартир в продаже (status = available), шт.';


--
-- Name: COLUMN analytics_daily_supply.lots_booked; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.lots_booked IS 'Квартир в брони (status = booked), шт.';


--
-- Name: COLUMN analytics_daily_supply.lots_sold; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.lots_sold IS 'Проданных квартир (status = sold), шт.';


--
-- Name: COLUMN analytics_daily_supply.area_on_sale; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.area_on_sale IS 'Общая площадь квартир в продаже, м²';


--
-- Name: COLUMN analytics_daily_supply.price_sum_on_sale; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.price_sum_on_sale IS 'Сумма текущих цен квартир в продаже, ₽ (цена м² = price_sum_on_sale ÷ area_on_sale)';


--
-- Name: COLUMN analytics_daily_supply.base_sum_on_sale; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.base_sum_on_sale IS 'Сумма базовых цен застройщика квартир в продаже, ₽ (куда алгоритм сдвинул цены — от неё)';


--
-- Name: COLUMN analytics_daily_supply.new_lots; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.new_lots IS 'Квартир, впервые опубликованных в эти сутки (новое предложение), шт.';


--
-- Name: COLUMN analytics_daily_supply.refreshed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.refreshed_at IS 'Когда снимок снят';


--
-- Name: COLUMN analytics_daily_supply.steering_sum_on_sale; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.steering_sum_on_sale IS 'Оценка: сумма цен квартир в продаже после следующего шага правила цены, ₽ (цена м², к которой ведёт правило, = steering_sum_on_sale ÷ area_on_sale). Шаг — как у прохода цен по медианам и настройкам на момент снимка: demand_norm > k1 — вверх на Δ, < k2 и на сайте дольше min_days_on_site — вниз, в коридоре ±max_shift; паузы после изменения цены и брони не учитываются. NULL — не оценено (медиан кластеров ещё нет, в кластере нет квартир в продаже или снимок до V12)';


--
-- Name: COLUMN analytics_daily_supply.lots_to_raise; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.lots_to_raise IS 'Оценка: квартир в продаже, которые правило повысит следующим шагом (спрос выше k1 × медиана, цена ниже верхней границы коридора), шт.; NULL — не оценено';


--
-- Name: COLUMN analytics_daily_supply.lots_to_lower; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_supply.lots_to_lower IS 'Оценка: квартир в продаже, которые правило понизит следующим шагом (спрос ниже k2 × медиана, на сайте дольше min_days_on_site, цена выше нижней границы коридора), шт.; NULL — не оценено';


--
-- Name: CONSTRAINT analytics_daily_supply_steered_lots_check ON analytics_daily_supply; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT analytics_daily_supply_steered_lots_check ON public.analytics_daily_supply IS 'Повышаемых и понижаемых вместе не больше, чем квартир в продаже';


--
-- Name: analytics_daily_viewers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.analytics_daily_viewers (
    day date NOT NULL,
    project_id bigint NOT NULL,
    building_id bigint NOT NULL,
    rooms smallint NOT NULL,
    viewer text NOT NULL,
    views integer NOT NULL,
    favourites integer NOT NULL,
    flagged boolean NOT NULL,
    CONSTRAINT analytics_daily_viewers_favourites_check CHECK ((favourites >= 0)),
    CONSTRAINT analytics_daily_viewers_views_check CHECK ((views >= 0))
)
PARTITION BY LIST (day);


--
-- Name: TABLE analytics_daily_viewers; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.analytics_daily_viewers IS 'Зрители ячеек «ЖК × корпус × комнатность» вчерашних и сегодняшних суток и их уже сложенные в analytics_daily_demand просмотры и избранное: новый просмотр прибавляет посетителя, только если у зрителя в ячейке ещё не было просмотров, а смена пометки накрутки переносит его события между учтёнными и накруткой без перечитывания суток. Раздел на сутки; refresh_analytics() создаёт разделы и удаляет позавчерашние. Персональные данные (идентификатор зрителя): роли analyst недоступна';


--
-- Name: COLUMN analytics_daily_viewers.day; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_viewers.day IS 'Сутки по московскому времени (ключ раздела)';


--
-- Name: COLUMN analytics_daily_viewers.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_viewers.project_id IS 'ЖК квартиры на момент свёртки';


--
-- Name: COLUMN analytics_daily_viewers.building_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_viewers.building_id IS 'Корпус квартиры на момент свёртки';


--
-- Name: COLUMN analytics_daily_viewers.rooms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_viewers.rooms IS 'Комнатность квартиры, 0 — студия';


--
-- Name: COLUMN analytics_daily_viewers.viewer; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_viewers.viewer IS 'Зритель (views_log.viewer: u:<пользователь> или v:<посетитель>)';


--
-- Name: COLUMN analytics_daily_viewers.views; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_viewers.views IS 'Просмотров зрителя в ячейке за сутки, уже сложенных в свёртку, шт.';


--
-- Name: COLUMN analytics_daily_viewers.favourites; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_viewers.favourites IS 'Добавлений в избранное зрителя в ячейке за сутки, уже сложенных, шт.';


--
-- Name: COLUMN analytics_daily_viewers.flagged; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_daily_viewers.flagged IS 'Как зритель учтён в analytics_daily_demand: true — как накрутчик (flagged_views), false — в views и unique_visitors';


--
-- Name: bookings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bookings (
    id bigint NOT NULL,
    apartment_id bigint NOT NULL,
    user_id bigint NOT NULL,
    status public.booking_status DEFAULT 'pending'::public.booking_status NOT NULL,
    price numeric(14,2) NOT NULL,
    booked_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    crm_external_id text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    recorded_xid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    comment text,
    list_price numeric(14,2) NOT NULL,
    CONSTRAINT bookings_comment_check CHECK ((length(comment) <= 1000)),
    CONSTRAINT bookings_crm_external_id_check CHECK (((length(crm_external_id) >= 1) AND (length(crm_external_id) <= 128))),
    CONSTRAINT bookings_expires_at_check CHECK ((expires_at > booked_at)),
    CONSTRAINT bookings_list_price_check CHECK ((list_price >= price)),
    CONSTRAINT bookings_price_check CHECK ((price > (0)::numeric))
);


--
-- Name: TABLE bookings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.bookings IS 'Онлайн-брони квартир; не удаляются, любая бронь блокирует переоценку на 24 ч';


--
-- Name: COLUMN bookings.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.bookings.id IS 'Идентификатор брони';


--
-- Name: COLUMN bookings.apartment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.bookings.apartment_id IS 'Квартира';


--
-- Name: COLUMN bookings.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.bookings.user_id IS 'Покупатель';


--
-- Name: COLUMN bookings.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.bookings.status IS 'Статус; активной (pending или confirmed) может быть только одна бронь на квартиру';


--
-- Name: COLUMN bookings.price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.bookings.price IS 'Итоговая цена, зафиксированная в момент бронирования: list_price минус скидки акций (booking_promotions); держится всё удержание, даже если акция закончилась или цена сдвинулась';


--
-- Name: COLUMN bookings.booked_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.bookings.booked_at IS 'Когда создана бронь';


--
-- Name: COLUMN bookings.expires_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.bookings.expires_at IS 'Когда истекает неподтверждённая бронь';


--
-- Name: COLUMN bookings.crm_external_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.bookings.crm_external_id IS 'Идентификатор сделки в amoCRM / Битрикс24';


--
-- Name: COLUMN bookings.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.bookings.updated_at IS 'Когда изменена (триггер)';


--
-- Name: COLUMN bookings.recorded_xid; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.bookings.recorded_xid IS 'Транзакция записи: по ней инкрементальный пересчёт apartment_stats находит брони, закоммиченные после прошлого пересчёта';


--
-- Name: COLUMN bookings.comment; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.bookings.comment IS 'Комментарий покупателя к брони';


--
-- Name: COLUMN bookings.list_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.bookings.list_price IS 'Цена квартиры до скидок (current_price) в момент бронирования';


--
-- Name: analytics_market_monthly; Type: MATERIALIZED VIEW; Schema: public; Owner: -
--

CREATE MATERIALIZED VIEW public.analytics_market_monthly AS
 WITH cells AS (
         SELECT p_1.id AS project_id,
            p_1.developer_id,
            p_1.region_code,
            p_1.city,
            p_1.class
           FROM public.projects p_1
        ), last_snapshot AS (
         SELECT (date_trunc('month'::text, (s.day)::timestamp with time zone))::date AS month,
            max(s.day) AS day
           FROM public.analytics_daily_supply s
          GROUP BY ((date_trunc('month'::text, (s.day)::timestamp with time zone))::date)
        ), supply AS (
         SELECT l.month,
            c.region_code,
            c.city,
            c.class,
            c.developer_id,
            sum(s.lots_total) AS lots_total,
            sum(s.lots_on_sale) AS lots_on_sale,
            sum(s.lots_sold) AS lots_sold,
            sum(s.area_on_sale) AS area_on_sale,
            sum(s.price_sum_on_sale) AS price_sum_on_sale
           FROM ((last_snapshot l
             JOIN public.analytics_daily_supply s ON ((s.day = l.day)))
             JOIN cells c ON ((c.project_id = s.project_id)))
          GROUP BY l.month, c.region_code, c.city, c.class, c.developer_id
        ), new_supply AS (
         SELECT (date_trunc('month'::text, (s.day)::timestamp with time zone))::date AS month,
            c.region_code,
            c.city,
            c.class,
            c.developer_id,
            sum(s.new_lots) AS new_lots
           FROM (public.analytics_daily_supply s
             JOIN cells c ON ((c.project_id = s.project_id)))
          GROUP BY ((date_trunc('month'::text, (s.day)::timestamp with time zone))::date), c.region_code, c.city, c.class, c.developer_id
        ), demand AS (
         SELECT (date_trunc('month'::text, (d.day)::timestamp with time zone))::date AS month,
            c.region_code,
            c.city,
            c.class,
            c.developer_id,
            sum(d.views) AS views,
            sum(d.leads) AS leads,
            sum(d.bookings) AS bookings,
            sum(d.sold) AS sold,
            sum(d.cancelled) AS cancelled,
            sum(d.deals_price_sum) AS deals_price_sum,
            sum(d.deals_area_sum) AS deals_area_sum,
            sum(d.price_raises) AS price_raises,
            sum(d.price_lowers) AS price_lowers,
            sum(d.raise_pct_sum) AS raise_pct_sum,
            sum(d.lower_pct_sum) AS lower_pct_sum
           FROM (public.analytics_daily_demand d
             JOIN cells c ON ((c.project_id = d.project_id)))
          GROUP BY ((date_trunc('month'::text, (d.day)::timestamp with time zone))::date), c.region_code, c.city, c.class, c.developer_id
        ), per_company AS (
         SELECT COALESCE(s.month, n.month, d.month) AS month,
            COALESCE(s.region_code, n.region_code, d.region_code) AS region_code,
            COALESCE(s.city, n.city, d.city) AS city,
            COALESCE(s.class, n.class, d.class) AS class,
            COALESCE(s.developer_id, n.developer_id, d.developer_id) AS developer_id,
            s.lots_total,
            s.lots_on_sale,
            s.lots_sold,
            s.area_on_sale,
            s.price_sum_on_sale,
            n.new_lots,
            d.views,
            d.leads,
            d.bookings,
            d.sold,
            d.cancelled,
            d.deals_price_sum,
            d.deals_area_sum,
            d.price_raises,
            d.price_lowers,
            d.raise_pct_sum,
            d.lower_pct_sum
           FROM ((supply s
             FULL JOIN new_supply n USING (month, region_code, city, class, developer_id))
             FULL JOIN demand d USING (month, region_code, city, class, developer_id))
        ), cell AS (
         SELECT per_company.month,
            per_company.region_code,
            per_company.city,
            per_company.class,
            (count(DISTINCT per_company.developer_id))::integer AS companies,
            (COALESCE(sum(per_company.lots_total), (0)::numeric))::bigint AS lots_total,
            (COALESCE(sum(per_company.lots_on_sale), (0)::numeric))::bigint AS lots_on_sale,
            (COALESCE(sum(per_company.lots_sold), (0)::numeric))::bigint AS lots_sold,
            COALESCE(sum(per_company.area_on_sale), (0)::numeric) AS area_on_sale,
            COALESCE(sum(per_company.price_sum_on_sale), (0)::numeric) AS price_sum_on_sale,
            (COALESCE(sum(per_company.new_lots), (0)::numeric))::bigint AS new_lots,
            (COALESCE(sum(per_company.views), (0)::numeric))::bigint AS views,
            (COALESCE(sum(per_company.leads), (0)::numeric))::bigint AS leads,
            (COALESCE(sum(per_company.bookings), (0)::numeric))::bigint AS bookings,
            (COALESCE(sum(per_company.sold), (0)::numeric))::bigint AS sold,
            (COALESCE(sum(per_company.cancelled), (0)::numeric))::bigint AS cancelled,
            COALESCE(sum(per_company.deals_price_sum), (0)::numeric) AS deals_price_sum,
            COALESCE(sum(per_company.deals_area_sum), (0)::numeric) AS deals_area_sum,
            (COALESCE(sum(per_company.price_raises), (0)::numeric))::bigint AS price_raises,
            (COALESCE(sum(per_company.price_lowers), (0)::numeric))::bigint AS price_lowers,
            COALESCE(sum(per_company.raise_pct_sum), (0)::numeric) AS raise_pct_sum,
            COALESCE(sum(per_company.lower_pct_sum), (0)::numeric) AS lower_pct_sum
           FROM per_company
          GROUP BY per_company.month, per_company.region_code, per_company.city, per_company.class
        ), exposure AS (
         SELECT (date_trunc('month'::text, (b.booked_at AT TIME ZONE 'Europe/Moscow'::text)))::date AS month,
            c.region_code,
            c.city,
            c.class,
            percentile_cont((0.5)::double precision) WITHIN GROUP (ORDER BY (((EXTRACT(epoch FROM (b.booked_at - a.published_at)) / (86400)::numeric))::double precision)) AS median_exposure_days
           FROM ((public.bookings b
             JOIN public.apartments a ON ((a.id = b.apartment_id)))
             JOIN cells c ON ((c.project_id = a.project_id)))
          WHERE ((a.published_at IS NOT NULL) AND (b.booked_at >= a.published_at))
          GROUP BY ((date_trunc('month'::text, (b.booked_at AT TIME ZONE 'Europe/Moscow'::text)))::date), c.region_code, c.city, c.class
        ), paced AS (
         SELECT cell.month,
            cell.region_code,
            cell.city,
            cell.class,
            cell.companies,
            cell.lots_total,
            cell.lots_on_sale,
            cell.lots_sold,
            cell.area_on_sale,
            cell.price_sum_on_sale,
            cell.new_lots,
            cell.views,
            cell.leads,
            cell.bookings,
            cell.sold,
            cell.cancelled,
            cell.deals_price_sum,
            cell.deals_area_sum,
            cell.price_raises,
            cell.price_lowers,
            cell.raise_pct_sum,
            cell.lower_pct_sum,
            (sum(cell.sold) OVER (PARTITION BY cell.region_code, cell.city, cell.class ORDER BY cell.month RANGE BETWEEN '2 mons'::interval PRECEDING AND CURRENT ROW) / 3.0) AS avg_monthly_sales
           FROM cell
        )
 SELECT p.month,
    p.region_code,
    p.city,
    p.class,
    p.companies,
    p.lots_on_sale,
    p.area_on_sale,
    p.price_sum_on_sale,
    round((p.price_sum_on_sale / NULLIF(p.area_on_sale, (0)::numeric)), 2) AS price_per_m2_on_sale,
    p.new_lots,
    p.sold,
    p.deals_price_sum,
    p.deals_area_sum,
    round((p.deals_price_sum / NULLIF(p.deals_area_sum, (0)::numeric)), 2) AS price_per_m2_deals,
    round(p.avg_monthly_sales, 2) AS avg_monthly_sales,
    round(((p.lots_on_sale)::numeric / NULLIF(p.avg_monthly_sales, (0)::numeric)), 1) AS months_of_inventory,
    round((e.median_exposure_days)::numeric, 1) AS median_exposure_days,
    p.lots_total,
    p.lots_sold,
    round(((p.lots_sold)::numeric / (NULLIF(p.lots_total, 0))::numeric), 4) AS share_sold,
    p.views,
    p.leads,
    p.bookings,
    round(((p.views)::numeric / (NULLIF(p.lots_on_sale, 0))::numeric), 2) AS demand_per_lot,
    p.price_raises,
    p.price_lowers,
    round((p.raise_pct_sum / (NULLIF(p.price_raises, 0))::numeric), 2) AS avg_raise_pct,
    round((p.lower_pct_sum / (NULLIF(p.price_lowers, 0))::numeric), 2) AS avg_lower_pct,
    p.cancelled,
    now() AS refreshed_at
   FROM (paced p
     LEFT JOIN exposure e USING (month, region_code, city, class))
  WITH NO DATA;


--
-- Name: MATERIALIZED VIEW analytics_market_monthly; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON MATERIALIZED VIEW public.analytics_market_monthly IS 'Рынок: регион × город × класс × месяц (по московскому времени). Полный пересчёт из свёрток analytics_daily_* и броней; refresh_analytics() обновляет CONCURRENTLY раз в час. Застройщикам ячейки, где меньше 3 компаний, API скрывает; роль analyst видит все';


--
-- Name: COLUMN analytics_market_monthly.month; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.month IS 'Месяц (первое число)';


--
-- Name: COLUMN analytics_market_monthly.region_code; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.region_code IS 'Регион ЖК, ISO 3166-2 (RU-MOW)';


--
-- Name: COLUMN analytics_market_monthly.city; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.city IS 'Город ЖК';


--
-- Name: COLUMN analytics_market_monthly.class; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.class IS 'Класс жилья ЖК';


--
-- Name: COLUMN analytics_market_monthly.companies; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.companies IS 'Компаний-застройщиков с предложением или спросом в ячейке (меньше 3 — ячейка скрыта от застройщиков)';


--
-- Name: COLUMN analytics_market_monthly.lots_on_sale; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.lots_on_sale IS 'Предложение: квартир в продаже на последний снимок месяца, шт.';


--
-- Name: COLUMN analytics_market_monthly.area_on_sale; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.area_on_sale IS 'Предложение: площадь в продаже на последний снимок месяца, м²';


--
-- Name: COLUMN analytics_market_monthly.price_sum_on_sale; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.price_sum_on_sale IS 'Сумма цен предложения на последний снимок месяца, ₽';


--
-- Name: COLUMN analytics_market_monthly.price_per_m2_on_sale; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.price_per_m2_on_sale IS 'Средневзвешенная цена м² предложения = Σцен ÷ Σплощадей, ₽/м²';


--
-- Name: COLUMN analytics_market_monthly.new_lots; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.new_lots IS 'Новое предложение: квартир впервые опубликовано за месяц, шт.';


--
-- Name: COLUMN analytics_market_monthly.sold; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.sold IS 'Темп продаж: сделок за месяц, шт./мес.';


--
-- Name: COLUMN analytics_market_monthly.deals_price_sum; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.deals_price_sum IS 'Сумма цен сделок за месяц, ₽';


--
-- Name: COLUMN analytics_market_monthly.deals_area_sum; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.deals_area_sum IS 'Сумма площадей сделок за месяц, м²';


--
-- Name: COLUMN analytics_market_monthly.price_per_m2_deals; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.price_per_m2_deals IS 'Средневзвешенная цена м² в сделках = Σцен ÷ Σплощадей, ₽/м²';


--
-- Name: COLUMN analytics_market_monthly.avg_monthly_sales; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.avg_monthly_sales IS 'Средний темп продаж за 3 календарных месяца по этот включительно = Σсделок ÷ 3, шт./мес.';


--
-- Name: COLUMN analytics_market_monthly.months_of_inventory; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.months_of_inventory IS 'Срок экспозиции остатка (месяцев предложения) = квартир в продаже ÷ средний темп продаж, мес.';


--
-- Name: COLUMN analytics_market_monthly.median_exposure_days; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.median_exposure_days IS 'Медианный срок экспозиции: от публикации квартиры до брони, по броням месяца, дней';


--
-- Name: COLUMN analytics_market_monthly.lots_total; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.lots_total IS 'Опубликованных квартир всего на последний снимок месяца, шт.';


--
-- Name: COLUMN analytics_market_monthly.lots_sold; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.lots_sold IS 'Проданных квартир на последний снимок месяца, шт.';


--
-- Name: COLUMN analytics_market_monthly.share_sold; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.share_sold IS 'Распроданность = проданных ÷ всех опубликованных, доля';


--
-- Name: COLUMN analytics_market_monthly.views; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.views IS 'Просмотров за месяц без накрутки, шт.';


--
-- Name: COLUMN analytics_market_monthly.leads; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.leads IS 'Заявок за месяц без накрутки, шт.';


--
-- Name: COLUMN analytics_market_monthly.bookings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.bookings IS 'Броней за месяц, шт.';


--
-- Name: COLUMN analytics_market_monthly.demand_per_lot; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.demand_per_lot IS 'Спрос на лот = просмотров за месяц ÷ квартир в продаже';


--
-- Name: COLUMN analytics_market_monthly.price_raises; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.price_raises IS 'Повышений цены алгоритмом за месяц, шт.';


--
-- Name: COLUMN analytics_market_monthly.price_lowers; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.price_lowers IS 'Понижений цены алгоритмом за месяц, шт.';


--
-- Name: COLUMN analytics_market_monthly.avg_raise_pct; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.avg_raise_pct IS 'Средний размер повышения, %';


--
-- Name: COLUMN analytics_market_monthly.avg_lower_pct; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.avg_lower_pct IS 'Средний размер понижения по модулю, %';


--
-- Name: COLUMN analytics_market_monthly.cancelled; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.cancelled IS 'Отменённых броней за месяц, шт.';


--
-- Name: COLUMN analytics_market_monthly.refreshed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_market_monthly.refreshed_at IS 'Когда представление пересчитано';


--
-- Name: analytics_price_responses; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.analytics_price_responses (
    price_history_id bigint NOT NULL,
    apartment_id bigint NOT NULL,
    project_id bigint NOT NULL,
    rooms smallint NOT NULL,
    changed_at timestamp with time zone NOT NULL,
    reason public.price_change_reason NOT NULL,
    old_price numeric(14,2) NOT NULL,
    new_price numeric(14,2) NOT NULL,
    views_before integer NOT NULL,
    views_after integer NOT NULL,
    leads_before integer NOT NULL,
    leads_after integer NOT NULL,
    overlapped boolean NOT NULL,
    elasticity numeric,
    CONSTRAINT analytics_price_responses_leads_after_check CHECK ((leads_after >= 0)),
    CONSTRAINT analytics_price_responses_leads_before_check CHECK ((leads_before >= 0)),
    CONSTRAINT analytics_price_responses_new_price_check CHECK ((new_price > (0)::numeric)),
    CONSTRAINT analytics_price_responses_old_price_check CHECK ((old_price > (0)::numeric)),
    CONSTRAINT analytics_price_responses_views_after_check CHECK ((views_after >= 0)),
    CONSTRAINT analytics_price_responses_views_before_check CHECK ((views_before >= 0))
);


--
-- Name: TABLE analytics_price_responses; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.analytics_price_responses IS 'Отклик спроса на каждое изменение цены: просмотры и заявки за 24 ч до и 24 ч после (без накрутчиков). Строка появляется, когда 24 ч после изменения прошли (refresh_analytics(), раз в час), и больше не меняется. Измерение — счётчики; эластичность — оценка';


--
-- Name: COLUMN analytics_price_responses.price_history_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.price_history_id IS 'Изменение цены (price_history.id)';


--
-- Name: COLUMN analytics_price_responses.apartment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.apartment_id IS 'Квартира';


--
-- Name: COLUMN analytics_price_responses.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.project_id IS 'ЖК квартиры (кластер — ЖК × комнатность)';


--
-- Name: COLUMN analytics_price_responses.rooms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.rooms IS 'Комнатность квартиры';


--
-- Name: COLUMN analytics_price_responses.changed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.changed_at IS 'Когда изменилась цена';


--
-- Name: COLUMN analytics_price_responses.reason; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.reason IS 'Причина: dynamic — алгоритм, manual — вручную, promo — акция';


--
-- Name: COLUMN analytics_price_responses.old_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.old_price IS 'Цена до, ₽';


--
-- Name: COLUMN analytics_price_responses.new_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.new_price IS 'Цена после, ₽';


--
-- Name: COLUMN analytics_price_responses.views_before; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.views_before IS 'Просмотров за 24 ч до изменения (измерение), шт.';


--
-- Name: COLUMN analytics_price_responses.views_after; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.views_after IS 'Просмотров за 24 ч после изменения (измерение), шт.';


--
-- Name: COLUMN analytics_price_responses.leads_before; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.leads_before IS 'Заявок за 24 ч до изменения, шт.';


--
-- Name: COLUMN analytics_price_responses.leads_after; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.leads_after IS 'Заявок за 24 ч после изменения, шт.';


--
-- Name: COLUMN analytics_price_responses.overlapped; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.overlapped IS 'В 24 ч до или после была другая смена цены этой квартиры: отклик смешан, в оценку эластичности не входит';


--
-- Name: COLUMN analytics_price_responses.elasticity; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_responses.elasticity IS 'Оценка дуговой эластичности просмотров по цене: ln((views_after + 1) ÷ (views_before + 1)) ÷ ln(new_price ÷ old_price), безразмерная';


--
-- Name: analytics_price_elasticity; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.analytics_price_elasticity AS
 SELECT r.project_id,
    r.rooms,
    (count(*))::integer AS responses,
    round(avg(r.elasticity), 3) AS elasticity,
    round(stddev_samp(r.elasticity), 3) AS elasticity_sd,
    round((avg(r.elasticity) - ((public.analytics_t95(((count(*))::integer - 1)) * stddev_samp(r.elasticity)) / sqrt((count(*))::numeric))), 3) AS ci_low,
    round((avg(r.elasticity) + ((public.analytics_t95(((count(*))::integer - 1)) * stddev_samp(r.elasticity)) / sqrt((count(*))::numeric))), 3) AS ci_high,
    (count(*) >= 5) AS enough_data,
    sum(r.views_before) AS views_before,
    sum(r.views_after) AS views_after,
    max(r.changed_at) AS last_change_at
   FROM public.analytics_price_responses r
  WHERE ((r.reason = 'dynamic'::public.price_change_reason) AND (NOT r.overlapped) AND (r.elasticity IS NOT NULL))
  GROUP BY r.project_id, r.rooms;


--
-- Name: VIEW analytics_price_elasticity; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.analytics_price_elasticity IS 'Оценка эластичности просмотров по цене для кластера «ЖК × комнатность» по собственным изменениям цены алгоритмом (без пересекающихся): среднее дуговых эластичностей и 95 %-й доверительный интервал по Стьюденту. Меньше 5 изменений — «недостаточно данных». Свежесть — как analytics_price_responses (раз в час)';


--
-- Name: COLUMN analytics_price_elasticity.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_elasticity.project_id IS 'ЖК';


--
-- Name: COLUMN analytics_price_elasticity.rooms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_elasticity.rooms IS 'Комнатность';


--
-- Name: COLUMN analytics_price_elasticity.responses; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_elasticity.responses IS 'Размер выборки n: изменений цены алгоритмом с измеренным откликом';


--
-- Name: COLUMN analytics_price_elasticity.elasticity; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_elasticity.elasticity IS 'Оценка: средняя эластичность (безразмерная; −2 — цена +1 % даёт −2 % просмотров)';


--
-- Name: COLUMN analytics_price_elasticity.elasticity_sd; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_elasticity.elasticity_sd IS 'Выборочное стандартное отклонение эластичностей (пусто при n = 1)';


--
-- Name: COLUMN analytics_price_elasticity.ci_low; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_elasticity.ci_low IS 'Нижняя граница 95 %-го доверительного интервала (пусто при n = 1)';


--
-- Name: COLUMN analytics_price_elasticity.ci_high; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_elasticity.ci_high IS 'Верхняя граница 95 %-го доверительного интервала (пусто при n = 1)';


--
-- Name: COLUMN analytics_price_elasticity.enough_data; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_elasticity.enough_data IS 'n ≥ 5: оценке можно верить; иначе «недостаточно данных»';


--
-- Name: COLUMN analytics_price_elasticity.views_before; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_elasticity.views_before IS 'Просмотров за 24 ч до изменений, сумма по выборке (измерение)';


--
-- Name: COLUMN analytics_price_elasticity.views_after; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_elasticity.views_after IS 'Просмотров за 24 ч после изменений, сумма по выборке (измерение)';


--
-- Name: COLUMN analytics_price_elasticity.last_change_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_price_elasticity.last_change_at IS 'Последнее изменение цены в выборке';


--
-- Name: analytics_refresh_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.analytics_refresh_state (
    singleton boolean DEFAULT true NOT NULL,
    folded_snapshot pg_snapshot,
    refreshed_at timestamp with time zone,
    responses_until timestamp with time zone,
    days_refolded integer,
    took_ms integer,
    views_folded_until timestamp with time zone,
    CONSTRAINT analytics_refresh_state_days_refolded_check CHECK ((days_refolded >= 0)),
    CONSTRAINT analytics_refresh_state_singleton_check CHECK (singleton),
    CONSTRAINT analytics_refresh_state_took_ms_check CHECK ((took_ms >= 0))
);


--
-- Name: TABLE analytics_refresh_state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.analytics_refresh_state IS 'Водяные знаки свёртки аналитики (одна строка): что уже свёрнуто, чтобы ежечасный пересчёт не перечитывал историю';


--
-- Name: COLUMN analytics_refresh_state.singleton; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_refresh_state.singleton IS 'Всегда true: строка одна';


--
-- Name: COLUMN analytics_refresh_state.folded_snapshot; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_refresh_state.folded_snapshot IS 'Снимок транзакций прошлой свёртки: события (recorded_xid), которых в нём не было, — новые, их сутки пересчитываются';


--
-- Name: COLUMN analytics_refresh_state.refreshed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_refresh_state.refreshed_at IS 'Момент (p_now) прошлой свёртки; пусто — свёрток ещё не было';


--
-- Name: COLUMN analytics_refresh_state.responses_until; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_refresh_state.responses_until IS 'Изменения цены до этого момента включительно уже в analytics_price_responses';


--
-- Name: COLUMN analytics_refresh_state.days_refolded; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_refresh_state.days_refolded IS 'Сколько суток пересчитала прошлая свёртка';


--
-- Name: COLUMN analytics_refresh_state.took_ms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_refresh_state.took_ms IS 'Сколько миллисекунд шла прошлая свёртка';


--
-- Name: COLUMN analytics_refresh_state.views_folded_until; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.analytics_refresh_state.views_folded_until IS 'Просмотры с occurred_at раньше этого момента, видимые в folded_snapshot, уже сложены в analytics_daily_demand; следующая свёртка прибавляет только более поздние и запоздавшие. Пусто — свёртка ещё не складывала по часам, затронутые сутки пересчитываются целиком';


--
-- Name: apartment_stats; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.apartment_stats (
    apartment_id bigint NOT NULL,
    views_24h integer DEFAULT 0 NOT NULL,
    favourites_24h integer DEFAULT 0 NOT NULL,
    leads_24h integer DEFAULT 0 NOT NULL,
    bookings_24h integer DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    project_id bigint NOT NULL,
    rooms smallint NOT NULL,
    on_sale boolean NOT NULL,
    published_at timestamp with time zone,
    base_price numeric(14,2) NOT NULL,
    current_price numeric(14,2) NOT NULL,
    price_changed_at timestamp with time zone,
    last_booked_at timestamp with time zone,
    CONSTRAINT apartment_stats_bookings_24h_check CHECK ((bookings_24h >= 0)),
    CONSTRAINT apartment_stats_favourites_24h_check CHECK ((favourites_24h >= 0)),
    CONSTRAINT apartment_stats_leads_24h_check CHECK ((leads_24h >= 0)),
    CONSTRAINT apartment_stats_views_24h_check CHECK ((views_24h >= 0))
)
WITH (fillfactor='90', autovacuum_vacuum_scale_factor='0.02', autovacuum_analyze_scale_factor='0.05');


--
-- Name: TABLE apartment_stats; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.apartment_stats IS 'Рабочий набор ценообразования по квартире: показатели спроса за скользящие 24 ч (ведёт refresh_apartment_stats) и копия полей apartments, которые читают медианы и проход (ведёт sync_apartment_copies из триггеров apartments_sync_inserted_copies и apartments_sync_copies, проход и откат — сами). Строка есть у каждой квартиры; проход и cluster_demand читают только эту узкую таблицу';


--
-- Name: COLUMN apartment_stats.apartment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.apartment_id IS 'Квартира (apartments.id). Внешнего ключа нет намеренно: строку создаёт sync_apartment_copies при вставке квартиры (триггер apartments_sync_inserted_copies), удаляет apartments_forget_pricing_inputs, см. sql/catalog/apartment_copies.sql';


--
-- Name: COLUMN apartment_stats.views_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.views_24h IS 'Просмотров за 24 ч';


--
-- Name: COLUMN apartment_stats.favourites_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.favourites_24h IS 'Добавлений в избранное за 24 ч';


--
-- Name: COLUMN apartment_stats.leads_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.leads_24h IS 'Заявок на звонок за 24 ч';


--
-- Name: COLUMN apartment_stats.bookings_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.bookings_24h IS 'Бронирований (любого статуса) за 24 ч';


--
-- Name: COLUMN apartment_stats.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.updated_at IS 'Когда показатели пересчитаны';


--
-- Name: COLUMN apartment_stats.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.project_id IS 'Копия apartments.project_id (кластер)';


--
-- Name: COLUMN apartment_stats.rooms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.rooms IS 'Копия apartments.rooms (кластер)';


--
-- Name: COLUMN apartment_stats.on_sale; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.on_sale IS 'Квартира в продаже: apartments.status = available и moderation_status = published';


--
-- Name: COLUMN apartment_stats.published_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.published_at IS 'Копия apartments.published_at (для days_on_site)';


--
-- Name: COLUMN apartment_stats.base_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.base_price IS 'Копия apartments.base_price (коридор цены)';


--
-- Name: COLUMN apartment_stats.current_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.current_price IS 'Копия apartments.current_price';


--
-- Name: COLUMN apartment_stats.price_changed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.price_changed_at IS 'Копия apartments.price_changed_at (пауза после изменения цены)';


--
-- Name: COLUMN apartment_stats.last_booked_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_stats.last_booked_at IS 'Копия apartments.last_booked_at (пауза после брони)';


--
-- Name: dynamic_pricing_config_current; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.dynamic_pricing_config_current AS
 SELECT DISTINCT ON (dynamic_pricing_config.developer_id, dynamic_pricing_config.project_id) dynamic_pricing_config.id,
    dynamic_pricing_config.developer_id,
    dynamic_pricing_config.project_id,
    dynamic_pricing_config.k1,
    dynamic_pricing_config.k2,
    dynamic_pricing_config.enabled,
    dynamic_pricing_config.weight_views,
    dynamic_pricing_config.weight_favourites,
    dynamic_pricing_config.weight_leads,
    dynamic_pricing_config.weight_bookings,
    dynamic_pricing_config.step,
    dynamic_pricing_config.elasticity_cap,
    dynamic_pricing_config.max_shift,
    dynamic_pricing_config.cooldown,
    dynamic_pricing_config.booking_freeze,
    dynamic_pricing_config.min_days_on_site,
    dynamic_pricing_config.comment,
    dynamic_pricing_config.created_by,
    dynamic_pricing_config.created_at
   FROM public.dynamic_pricing_config
  ORDER BY dynamic_pricing_config.developer_id, dynamic_pricing_config.project_id, dynamic_pricing_config.created_at DESC, dynamic_pricing_config.id DESC;


--
-- Name: VIEW dynamic_pricing_config_current; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.dynamic_pricing_config_current IS 'Последняя версия настроек в каждой области (глобальная, застройщик, ЖК)';


--
-- Name: COLUMN dynamic_pricing_config_current.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.id IS 'Как dynamic_pricing_config.id';


--
-- Name: COLUMN dynamic_pricing_config_current.developer_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.developer_id IS 'Как dynamic_pricing_config.developer_id';


--
-- Name: COLUMN dynamic_pricing_config_current.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.project_id IS 'Как dynamic_pricing_config.project_id';


--
-- Name: COLUMN dynamic_pricing_config_current.k1; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.k1 IS 'Как dynamic_pricing_config.k1';


--
-- Name: COLUMN dynamic_pricing_config_current.k2; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.k2 IS 'Как dynamic_pricing_config.k2';


--
-- Name: COLUMN dynamic_pricing_config_current.enabled; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.enabled IS 'Как dynamic_pricing_config.enabled';


--
-- Name: COLUMN dynamic_pricing_config_current.weight_views; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.weight_views IS 'Как dynamic_pricing_config.weight_views';


--
-- Name: COLUMN dynamic_pricing_config_current.weight_favourites; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.weight_favourites IS 'Как dynamic_pricing_config.weight_favourites';


--
-- Name: COLUMN dynamic_pricing_config_current.weight_leads; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.weight_leads IS 'Как dynamic_pricing_config.weight_leads';


--
-- Name: COLUMN dynamic_pricing_config_current.weight_bookings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.weight_bookings IS 'Как dynamic_pricing_config.weight_bookings';


--
-- Name: COLUMN dynamic_pricing_config_current.step; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.step IS 'Как dynamic_pricing_config.step';


--
-- Name: COLUMN dynamic_pricing_config_current.elasticity_cap; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.elasticity_cap IS 'Как dynamic_pricing_config.elasticity_cap';


--
-- Name: COLUMN dynamic_pricing_config_current.max_shift; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.max_shift IS 'Как dynamic_pricing_config.max_shift';


--
-- Name: COLUMN dynamic_pricing_config_current.cooldown; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.cooldown IS 'Как dynamic_pricing_config.cooldown';


--
-- Name: COLUMN dynamic_pricing_config_current.booking_freeze; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.booking_freeze IS 'Как dynamic_pricing_config.booking_freeze';


--
-- Name: COLUMN dynamic_pricing_config_current.min_days_on_site; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.min_days_on_site IS 'Как dynamic_pricing_config.min_days_on_site';


--
-- Name: COLUMN dynamic_pricing_config_current.comment; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.comment IS 'Как dynamic_pricing_config.comment';


--
-- Name: COLUMN dynamic_pricing_config_current.created_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.created_by IS 'Как dynamic_pricing_config.created_by';


--
-- Name: COLUMN dynamic_pricing_config_current.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.dynamic_pricing_config_current.created_at IS 'Как dynamic_pricing_config.created_at';


--
-- Name: project_pricing_config; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.project_pricing_config AS
 SELECT p.id AS project_id,
    chosen.id AS config_id,
        CASE
            WHEN (chosen.project_id IS NOT NULL) THEN 'project'::text
            WHEN (chosen.developer_id IS NOT NULL) THEN 'developer'::text
            ELSE 'global'::text
        END AS scope,
    (global_row.enabled AND chosen.enabled) AS enabled,
    chosen.k1,
    chosen.k2,
    chosen.weight_views,
    chosen.weight_favourites,
    chosen.weight_leads,
    chosen.weight_bookings,
    chosen.step,
    chosen.elasticity_cap,
    chosen.max_shift,
    chosen.cooldown,
    chosen.booking_freeze,
    chosen.min_days_on_site,
    ((chosen.weight_views * (1000)::numeric))::bigint AS views_weight_milli,
    ((chosen.weight_favourites * (1000)::numeric))::bigint AS favourites_weight_milli,
    ((chosen.weight_leads * (1000)::numeric))::bigint AS leads_weight_milli,
    ((chosen.weight_bookings * (1000)::numeric))::bigint AS bookings_weight_milli
   FROM ((public.projects p
     CROSS JOIN ( SELECT dynamic_pricing_config_current.id,
            dynamic_pricing_config_current.developer_id,
            dynamic_pricing_config_current.project_id,
            dynamic_pricing_config_current.k1,
            dynamic_pricing_config_current.k2,
            dynamic_pricing_config_current.enabled,
            dynamic_pricing_config_current.weight_views,
            dynamic_pricing_config_current.weight_favourites,
            dynamic_pricing_config_current.weight_leads,
            dynamic_pricing_config_current.weight_bookings,
            dynamic_pricing_config_current.step,
            dynamic_pricing_config_current.elasticity_cap,
            dynamic_pricing_config_current.max_shift,
            dynamic_pricing_config_current.cooldown,
            dynamic_pricing_config_current.booking_freeze,
            dynamic_pricing_config_current.min_days_on_site,
            dynamic_pricing_config_current.comment,
            dynamic_pricing_config_current.created_by,
            dynamic_pricing_config_current.created_at
           FROM public.dynamic_pricing_config_current
          WHERE ((dynamic_pricing_config_current.developer_id IS NULL) AND (dynamic_pricing_config_current.project_id IS NULL))) global_row)
     CROSS JOIN LATERAL ( SELECT c.id,
            c.developer_id,
            c.project_id,
            c.k1,
            c.k2,
            c.enabled,
            c.weight_views,
            c.weight_favourites,
            c.weight_leads,
            c.weight_bookings,
            c.step,
            c.elasticity_cap,
            c.max_shift,
            c.cooldown,
            c.booking_freeze,
            c.min_days_on_site,
            c.comment,
            c.created_by,
            c.created_at
           FROM public.dynamic_pricing_config_current c
          WHERE (((c.project_id = p.id) AND c.enabled) OR ((c.developer_id = p.developer_id) AND c.enabled) OR ((c.developer_id IS NULL) AND (c.project_id IS NULL)))
          ORDER BY (c.project_id IS NOT NULL) DESC, (c.developer_id IS NOT NULL) DESC
         LIMIT 1) chosen);


--
-- Name: VIEW project_pricing_config; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.project_pricing_config IS 'Действующие настройки ценообразования для каждого ЖК: ЖК > застройщик > глобальные (без учёта потолков из окружения)';


--
-- Name: COLUMN project_pricing_config.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.project_id IS 'ЖК';


--
-- Name: COLUMN project_pricing_config.config_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.config_id IS 'Версия настроек, которая действует';


--
-- Name: COLUMN project_pricing_config.scope; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.scope IS 'Откуда взята версия: project, developer или global';


--
-- Name: COLUMN project_pricing_config.enabled; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.enabled IS 'Ценообразование для ЖК включено';


--
-- Name: COLUMN project_pricing_config.k1; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.k1 IS 'Верхний порог demand_norm';


--
-- Name: COLUMN project_pricing_config.k2; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.k2 IS 'Нижний порог demand_norm';


--
-- Name: COLUMN project_pricing_config.weight_views; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.weight_views IS 'Вес просмотра';


--
-- Name: COLUMN project_pricing_config.weight_favourites; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.weight_favourites IS 'Вес избранного';


--
-- Name: COLUMN project_pricing_config.weight_leads; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.weight_leads IS 'Вес заявки';


--
-- Name: COLUMN project_pricing_config.weight_bookings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.weight_bookings IS 'Вес брони';


--
-- Name: COLUMN project_pricing_config.step; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.step IS 'Шаг, доля';


--
-- Name: COLUMN project_pricing_config.elasticity_cap; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.elasticity_cap IS 'Предел эластичности, доля';


--
-- Name: COLUMN project_pricing_config.max_shift; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.max_shift IS 'Коридор от базовой цены, доля';


--
-- Name: COLUMN project_pricing_config.cooldown; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.cooldown IS 'Пауза после любого изменения цены';


--
-- Name: COLUMN project_pricing_config.booking_freeze; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.booking_freeze IS 'Пауза после брони';


--
-- Name: COLUMN project_pricing_config.min_days_on_site; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.min_days_on_site IS 'Минимум дней на сайте для снижения';


--
-- Name: COLUMN project_pricing_config.views_weight_milli; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.views_weight_milli IS 'Вес просмотра в тысячных (целое): спрос в тысячных считается без numeric';


--
-- Name: COLUMN project_pricing_config.favourites_weight_milli; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.favourites_weight_milli IS 'Вес избранного в тысячных (целое)';


--
-- Name: COLUMN project_pricing_config.leads_weight_milli; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.leads_weight_milli IS 'Вес заявки в тысячных (целое)';


--
-- Name: COLUMN project_pricing_config.bookings_weight_milli; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_pricing_config.bookings_weight_milli IS 'Вес брони в тысячных (целое)';


--
-- Name: apartment_demand; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.apartment_demand AS
 SELECT a.id AS apartment_id,
    a.project_id,
    a.rooms,
    a.base_price,
    a.current_price,
    COALESCE(s.views_24h, 0) AS views_24h,
    COALESCE(s.favourites_24h, 0) AS favourites_24h,
    COALESCE(s.leads_24h, 0) AS leads_24h,
    COALESCE(s.bookings_24h, 0) AS bookings_24h,
    (floor((EXTRACT(epoch FROM (now() - a.published_at)) / (86400)::numeric)))::integer AS days_on_site,
    public.pricing_demand(COALESCE(s.views_24h, 0), COALESCE(s.favourites_24h, 0), COALESCE(s.leads_24h, 0), COALESCE(s.bookings_24h, 0), c.weight_views, c.weight_favourites, c.weight_leads, c.weight_bookings) AS demand,
    s.updated_at
   FROM ((public.apartments a
     JOIN public.project_pricing_config c ON ((c.project_id = a.project_id)))
     LEFT JOIN public.apartment_stats s ON ((s.apartment_id = a.id)))
  WHERE ((a.status = 'available'::public.apartment_status) AND (a.moderation_status = 'published'::public.moderation_status));


--
-- Name: VIEW apartment_demand; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.apartment_demand IS 'Квартиры в продаже с показателями за 24 ч и спросом (запрос apartment_stats для аналитиков)';


--
-- Name: COLUMN apartment_demand.apartment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_demand.apartment_id IS 'Квартира';


--
-- Name: COLUMN apartment_demand.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_demand.project_id IS 'ЖК';


--
-- Name: COLUMN apartment_demand.rooms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_demand.rooms IS 'Комнатность (0 — студия)';


--
-- Name: COLUMN apartment_demand.base_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_demand.base_price IS 'Базовая цена';


--
-- Name: COLUMN apartment_demand.current_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_demand.current_price IS 'Текущая цена';


--
-- Name: COLUMN apartment_demand.views_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_demand.views_24h IS 'Просмотров за 24 ч';


--
-- Name: COLUMN apartment_demand.favourites_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_demand.favourites_24h IS 'В избранное за 24 ч';


--
-- Name: COLUMN apartment_demand.leads_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_demand.leads_24h IS 'Заявок за 24 ч';


--
-- Name: COLUMN apartment_demand.bookings_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_demand.bookings_24h IS 'Броней за 24 ч';


--
-- Name: COLUMN apartment_demand.days_on_site; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_demand.days_on_site IS 'Полных дней с первой публикации';


--
-- Name: COLUMN apartment_demand.demand; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_demand.demand IS 'Взвешенный спрос по действующим весам ЖК';


--
-- Name: COLUMN apartment_demand.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_demand.updated_at IS 'Когда показатели квартиры последний раз менялись';


--
-- Name: apartment_popularity; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.apartment_popularity (
    apartment_id bigint NOT NULL,
    city_key text NOT NULL,
    rooms smallint NOT NULL,
    popularity numeric DEFAULT 0 NOT NULL,
    CONSTRAINT apartment_popularity_popularity_check CHECK ((popularity >= (0)::numeric))
)
WITH (fillfactor='90', autovacuum_vacuum_scale_factor='0.02', autovacuum_analyze_scale_factor='0.05');


--
-- Name: TABLE apartment_popularity; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.apartment_popularity IS 'Популярность каждой квартиры за 24 ч с городом и комнатностью — для поиска по городу в порядке популярности по индексу. Копия: источник правды — apartment_stats (счётчики) и apartments / projects (комнатность, город); ведут sync_apartment_popularity (популярность после цикла цен), sync_apartment_copies и projects_sync_place_to_offers (город и комнатность)';


--
-- Name: COLUMN apartment_popularity.apartment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_popularity.apartment_id IS 'Квартира';


--
-- Name: COLUMN apartment_popularity.city_key; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_popularity.city_key IS 'Город ЖК в нижнем регистре (lower(projects.city)) — ключ фильтра city';


--
-- Name: COLUMN apartment_popularity.rooms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_popularity.rooms IS 'Копия apartments.rooms (комнатность, 0 — студия)';


--
-- Name: COLUMN apartment_popularity.popularity; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.apartment_popularity.popularity IS 'popularity_24h(views_24h, leads_24h, bookings_24h) из apartment_stats на конец последнего цикла цен (переносит sync_apartment_popularity)';


--
-- Name: apartments_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.apartments ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.apartments_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    actor_user_id bigint,
    action text NOT NULL,
    entity text NOT NULL,
    entity_id bigint,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT audit_log_action_check CHECK ((action ~ '^[a-z_.]{1,64}$'::text)),
    CONSTRAINT audit_log_entity_check CHECK ((entity ~ '^[a-z_]{1,64}$'::text))
);


--
-- Name: TABLE audit_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.audit_log IS 'Кто, когда и что сделал: модерация, ручные цены, настройки ценообразования, откаты';


--
-- Name: COLUMN audit_log.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.id IS 'Идентификатор записи';


--
-- Name: COLUMN audit_log.actor_user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.actor_user_id IS 'Кто сделал (пусто — система)';


--
-- Name: COLUMN audit_log.action; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.action IS 'Действие, например pricing.rollback';


--
-- Name: COLUMN audit_log.entity; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.entity IS 'Тип объекта, например apartment';


--
-- Name: COLUMN audit_log.entity_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.entity_id IS 'Идентификатор объекта';


--
-- Name: COLUMN audit_log.details; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.details IS 'Подробности в JSON';


--
-- Name: COLUMN audit_log.occurred_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.occurred_at IS 'Когда';


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: booking_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.booking_events (
    id bigint NOT NULL,
    booking_id bigint NOT NULL,
    action public.booking_action NOT NULL,
    actor_id bigint,
    actor_role public.user_role,
    comment text,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT booking_events_comment_check CHECK ((length(comment) <= 1000))
);


--
-- Name: TABLE booking_events; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.booking_events IS 'История брони: каждый шаг (кто, когда); видна покупателю, застройщику и модераторам';


--
-- Name: COLUMN booking_events.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_events.id IS 'Идентификатор шага';


--
-- Name: COLUMN booking_events.booking_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_events.booking_id IS 'Бронь';


--
-- Name: COLUMN booking_events.action; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_events.action IS 'Что произошло';


--
-- Name: COLUMN booking_events.actor_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_events.actor_id IS 'Кто сделал; пусто — система (истечение по расписанию)';


--
-- Name: COLUMN booking_events.actor_role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_events.actor_role IS 'Роль того, кто сделал, на момент действия';


--
-- Name: COLUMN booking_events.comment; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_events.comment IS 'Комментарий (например, причина отмены)';


--
-- Name: COLUMN booking_events.occurred_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_events.occurred_at IS 'Когда';


--
-- Name: booking_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.booking_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.booking_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: booking_idempotency_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.booking_idempotency_keys (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    booking_id bigint,
    response jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT booking_idempotency_keys_key_check CHECK (((length(key) >= 1) AND (length(key) <= 200)))
);


--
-- Name: TABLE booking_idempotency_keys; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.booking_idempotency_keys IS 'Заголовок Idempotency-Key запросов брони: повтор с тем же ключом получает первый ответ, с другим телом — 422. Строка вставляется в транзакции брони: параллельный повтор ждёт её коммита (ON CONFLICT) и читает ответ';


--
-- Name: COLUMN booking_idempotency_keys.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_idempotency_keys.id IS 'Идентификатор';


--
-- Name: COLUMN booking_idempotency_keys.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_idempotency_keys.user_id IS 'Покупатель (ключи разных покупателей не пересекаются)';


--
-- Name: COLUMN booking_idempotency_keys.key; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_idempotency_keys.key IS 'Значение заголовка Idempotency-Key';


--
-- Name: COLUMN booking_idempotency_keys.request_hash; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_idempotency_keys.request_hash IS 'SHA-256 квартиры и тела запроса';


--
-- Name: COLUMN booking_idempotency_keys.booking_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_idempotency_keys.booking_id IS 'Созданная бронь';


--
-- Name: COLUMN booking_idempotency_keys.response; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_idempotency_keys.response IS 'Тело первого ответа (201)';


--
-- Name: COLUMN booking_idempotency_keys.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_idempotency_keys.created_at IS 'Когда получен первый запрос';


--
-- Name: booking_idempotency_keys_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.booking_idempotency_keys ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.booking_idempotency_keys_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: booking_promotions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.booking_promotions (
    booking_id bigint NOT NULL,
    promotion_id bigint NOT NULL,
    name text NOT NULL,
    amount numeric(14,2) NOT NULL,
    CONSTRAINT booking_promotions_amount_check CHECK ((amount >= (0)::numeric)),
    CONSTRAINT booking_promotions_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200)))
);


--
-- Name: TABLE booking_promotions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.booking_promotions IS 'Снимок акций брони: каждая применённая акция и её сумма на момент брони';


--
-- Name: COLUMN booking_promotions.booking_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_promotions.booking_id IS 'Бронь';


--
-- Name: COLUMN booking_promotions.promotion_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_promotions.promotion_id IS 'Акция';


--
-- Name: COLUMN booking_promotions.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_promotions.name IS 'Название акции на момент брони';


--
-- Name: COLUMN booking_promotions.amount; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.booking_promotions.amount IS 'Скидка по этой акции, ₽ (до копеек)';


--
-- Name: bookings_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.bookings ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.bookings_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: buildings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.buildings (
    id bigint NOT NULL,
    project_id bigint NOT NULL,
    name text NOT NULL,
    number text,
    sections integer DEFAULT 1 NOT NULL,
    floors integer NOT NULL,
    commissioning_quarter smallint,
    commissioning_year smallint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT buildings_commissioning_quarter_check CHECK (((commissioning_quarter >= 1) AND (commissioning_quarter <= 4))),
    CONSTRAINT buildings_commissioning_year_check CHECK (((commissioning_year >= 1990) AND (commissioning_year <= 2100))),
    CONSTRAINT buildings_floors_check CHECK (((floors >= 1) AND (floors <= 200))),
    CONSTRAINT buildings_name_check CHECK (((length(btrim(name)) >= 1) AND (length(btrim(name)) <= 200))),
    CONSTRAINT buildings_number_check CHECK (((length(btrim(number)) >= 1) AND (length(btrim(number)) <= 20))),
    CONSTRAINT buildings_sections_check CHECK (((sections >= 1) AND (sections <= 100)))
);


--
-- Name: TABLE buildings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.buildings IS 'Корпуса (очереди, секции) внутри ЖК';


--
-- Name: COLUMN buildings.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.buildings.id IS 'Идентификатор корпуса';


--
-- Name: COLUMN buildings.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.buildings.project_id IS 'ЖК, к которому относится корпус';


--
-- Name: COLUMN buildings.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.buildings.name IS 'Название корпуса';


--
-- Name: COLUMN buildings.number; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.buildings.number IS 'Номер корпуса по проекту, например «2.1»';


--
-- Name: COLUMN buildings.sections; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.buildings.sections IS 'Количество секций (подъездов)';


--
-- Name: COLUMN buildings.floors; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.buildings.floors IS 'Этажность';


--
-- Name: COLUMN buildings.commissioning_quarter; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.buildings.commissioning_quarter IS 'Квартал сдачи (1–4)';


--
-- Name: COLUMN buildings.commissioning_year; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.buildings.commissioning_year IS 'Год сдачи';


--
-- Name: COLUMN buildings.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.buildings.created_at IS 'Когда создан';


--
-- Name: COLUMN buildings.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.buildings.updated_at IS 'Когда изменён (триггер)';


--
-- Name: buildings_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.buildings ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.buildings_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: catalog_offers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_offers (
    apartment_id bigint NOT NULL,
    project_id bigint NOT NULL,
    region_code text NOT NULL,
    rooms smallint NOT NULL,
    current_price numeric(14,2) NOT NULL,
    discount numeric(14,2) DEFAULT 0 NOT NULL,
    discounted_from numeric(14,2),
    promotion_ids bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    final_price numeric(14,2) GENERATED ALWAYS AS (
CASE
    WHEN ((discount = (0)::numeric) OR (discounted_from IS NULL)) THEN current_price
    WHEN (discounted_from = current_price) THEN (current_price - discount)
    ELSE (current_price - round(((discount * current_price) / discounted_from), 2))
END) STORED,
    city_key text NOT NULL,
    building_id bigint NOT NULL,
    floor integer NOT NULL,
    area_total numeric(8,2) NOT NULL,
    area_kitchen numeric(8,2),
    balcony boolean NOT NULL,
    CONSTRAINT catalog_offers_discount_check CHECK ((discount >= (0)::numeric)),
    CONSTRAINT catalog_offers_discounted_from_check CHECK ((discounted_from > (0)::numeric))
)
WITH (fillfactor='80', autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='2000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='2000', autovacuum_analyze_scale_factor='0.02');


--
-- Name: TABLE catalog_offers; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.catalog_offers IS 'Квартиры в продаже (status = available, moderation_status = published, как apartment_stats.on_sale) с регионом и городом ЖК и полями квартиры, по которым фильтрует поиск, — узкая копия для поиска в порядке цены и подсчёта total; без счётчиков спроса, поэтому страницы остаются «все видимы». Ведут sync_apartment_copies (вставка и изменение квартиры), catalog_offers_deleted (удаление), projects_sync_place_to_offers (регион и город ЖК), проход и откат (цена). Опубликованность ЖК и застройщика проверяет запрос';


--
-- Name: COLUMN catalog_offers.apartment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.apartment_id IS 'Квартира (apartments.id); внешнего ключа нет, как у apartment_stats: строки создают и удаляют триггеры apartments';


--
-- Name: COLUMN catalog_offers.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.project_id IS 'Копия apartments.project_id (ЖК)';


--
-- Name: COLUMN catalog_offers.region_code; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.region_code IS 'Копия projects.region_code ЖК квартиры';


--
-- Name: COLUMN catalog_offers.rooms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.rooms IS 'Копия apartments.rooms';


--
-- Name: COLUMN catalog_offers.current_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.current_price IS 'Копия apartments.current_price';


--
-- Name: COLUMN catalog_offers.discount; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.discount IS 'Скидка акций, ₽, посчитанная от цены discounted_from (promotion_discounts, apply_promotion_discounts)';


--
-- Name: COLUMN catalog_offers.discounted_from; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.discounted_from IS 'Цена, от которой посчитана скидка; отличается от current_price, пока минутная задача акций не пересчитала скидку после смены цены; пусто — скидка ещё не считалась';


--
-- Name: COLUMN catalog_offers.promotion_ids; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.promotion_ids IS 'Применённые акции (пусто — ни одна акция к квартире не относится)';


--
-- Name: COLUMN catalog_offers.final_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.final_price IS 'Итоговая цена для фильтра и сортировки поиска: current_price минус скидка (до пересчёта — пропорционально новой цене)';


--
-- Name: COLUMN catalog_offers.city_key; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.city_key IS 'Город ЖК в нижнем регистре (lower(projects.city)) — ключ фильтра city';


--
-- Name: COLUMN catalog_offers.building_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.building_id IS 'Копия apartments.building_id (корпус)';


--
-- Name: COLUMN catalog_offers.floor; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.floor IS 'Копия apartments.floor (этаж)';


--
-- Name: COLUMN catalog_offers.area_total; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.area_total IS 'Копия apartments.area_total (общая площадь, м²)';


--
-- Name: COLUMN catalog_offers.area_kitchen; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.area_kitchen IS 'Копия apartments.area_kitchen (кухня, м²; пусто — не указана)';


--
-- Name: COLUMN catalog_offers.balcony; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_offers.balcony IS 'Копия apartments.balcony (балкон или лоджия)';


--
-- Name: developers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.developers (
    id bigint NOT NULL,
    name text NOT NULL,
    legal_name text NOT NULL,
    inn text NOT NULL,
    ogrn text NOT NULL,
    logo_url text,
    website text,
    verified boolean DEFAULT false NOT NULL,
    moderation_status public.moderation_status DEFAULT 'draft'::public.moderation_status NOT NULL,
    moderated_by bigint,
    moderated_at timestamp with time zone,
    moderation_comment text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT developers_inn_format_check CHECK ((inn ~ '^([0-9]{10}|[0-9]{12})$'::text)),
    CONSTRAINT developers_legal_name_check CHECK (((length(btrim(legal_name)) >= 1) AND (length(btrim(legal_name)) <= 500))),
    CONSTRAINT developers_logo_url_check CHECK ((logo_url ~ '^https?://'::text)),
    CONSTRAINT developers_name_check CHECK (((length(btrim(name)) >= 1) AND (length(btrim(name)) <= 200))),
    CONSTRAINT developers_ogrn_format_check CHECK ((ogrn ~ '^([0-9]{13}|[0-9]{15})$'::text)),
    CONSTRAINT developers_website_check CHECK ((website ~ '^https?://'::text))
);


--
-- Name: TABLE developers; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.developers IS 'Карточка юрлица-застройщика';


--
-- Name: COLUMN developers.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.id IS 'Идентификатор застройщика';


--
-- Name: COLUMN developers.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.name IS 'Коммерческое название (бренд)';


--
-- Name: COLUMN developers.legal_name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.legal_name IS 'Полное юридическое наименование';


--
-- Name: COLUMN developers.inn; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.inn IS 'ИНН: 10 цифр у юрлица, 12 у ИП; контрольные суммы проверяет API';


--
-- Name: COLUMN developers.ogrn; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.ogrn IS 'ОГРН (13 цифр) или ОГРНИП (15 цифр)';


--
-- Name: COLUMN developers.logo_url; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.logo_url IS 'Ссылка на логотип';


--
-- Name: COLUMN developers.website; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.website IS 'Сайт застройщика';


--
-- Name: COLUMN developers.verified; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.verified IS 'Компания проверена ассоциацией';


--
-- Name: COLUMN developers.moderation_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.moderation_status IS 'Состояние модерации карточки';


--
-- Name: COLUMN developers.moderated_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.moderated_by IS 'Модератор, принявший последнее решение';


--
-- Name: COLUMN developers.moderated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.moderated_at IS 'Когда принято последнее решение модерации';


--
-- Name: COLUMN developers.moderation_comment; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.moderation_comment IS 'Комментарий модератора (причина отказа)';


--
-- Name: COLUMN developers.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.created_at IS 'Когда создана карточка';


--
-- Name: COLUMN developers.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developers.updated_at IS 'Когда изменена (триггер)';


--
-- Name: catalog_apartments; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.catalog_apartments AS
 SELECT a.id,
    a.building_id,
    a.project_id,
    p.developer_id,
    a.code,
    a.floor,
    a.rooms,
    a.area_total,
    a.area_living,
    a.area_kitchen,
    a.ceiling_height,
    a.balcony,
    a.layout_image_url,
    a.tour_url,
    a.base_price,
    a.current_price,
    round((a.current_price / a.area_total), 2) AS price_per_m2,
    a.currency,
    a.status,
    a.published_at,
    a.price_changed_at,
    p.region_code,
    p.city,
    p.class,
    p.commissioning_date,
    p.geo,
    COALESCE(o.final_price, a.current_price) AS final_price,
    COALESCE(o.promotion_ids, '{}'::bigint[]) AS promotion_ids
   FROM (((public.apartments a
     JOIN public.projects p ON ((p.id = a.project_id)))
     JOIN public.developers d ON ((d.id = p.developer_id)))
     LEFT JOIN public.catalog_offers o ON ((o.apartment_id = a.id)))
  WHERE ((a.moderation_status = 'published'::public.moderation_status) AND (p.moderation_status = 'published'::public.moderation_status) AND (d.moderation_status = 'published'::public.moderation_status));


--
-- Name: VIEW catalog_apartments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.catalog_apartments IS 'Публичная витрина: квартиры, опубликованные вместе со своим ЖК и застройщиком (только их видит GET /apartments)';


--
-- Name: COLUMN catalog_apartments.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.id IS 'Квартира';


--
-- Name: COLUMN catalog_apartments.building_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.building_id IS 'Корпус';


--
-- Name: COLUMN catalog_apartments.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.project_id IS 'ЖК';


--
-- Name: COLUMN catalog_apartments.developer_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.developer_id IS 'Застройщик';


--
-- Name: COLUMN catalog_apartments.code; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.code IS 'Артикул застройщика';


--
-- Name: COLUMN catalog_apartments.floor; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.floor IS 'Этаж';


--
-- Name: COLUMN catalog_apartments.rooms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.rooms IS 'Комнат, 0 — студия';


--
-- Name: COLUMN catalog_apartments.area_total; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.area_total IS 'Общая площадь, м²';


--
-- Name: COLUMN catalog_apartments.area_living; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.area_living IS 'Жилая площадь, м²';


--
-- Name: COLUMN catalog_apartments.area_kitchen; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.area_kitchen IS 'Кухня, м²';


--
-- Name: COLUMN catalog_apartments.ceiling_height; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.ceiling_height IS 'Высота потолков, м';


--
-- Name: COLUMN catalog_apartments.balcony; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.balcony IS 'Балкон или лоджия';


--
-- Name: COLUMN catalog_apartments.layout_image_url; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.layout_image_url IS 'Планировка';


--
-- Name: COLUMN catalog_apartments.tour_url; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.tour_url IS '3D-тур';


--
-- Name: COLUMN catalog_apartments.base_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.base_price IS 'Базовая цена';


--
-- Name: COLUMN catalog_apartments.current_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.current_price IS 'Текущая цена';


--
-- Name: COLUMN catalog_apartments.price_per_m2; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.price_per_m2 IS 'Текущая цена за м², округлена до копеек';


--
-- Name: COLUMN catalog_apartments.currency; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.currency IS 'Валюта';


--
-- Name: COLUMN catalog_apartments.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.status IS 'Статус продажи';


--
-- Name: COLUMN catalog_apartments.published_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.published_at IS 'Первая публикация квартиры';


--
-- Name: COLUMN catalog_apartments.price_changed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.price_changed_at IS 'Последнее изменение цены';


--
-- Name: COLUMN catalog_apartments.region_code; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.region_code IS 'Регион ЖК (ISO 3166-2)';


--
-- Name: COLUMN catalog_apartments.city; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.city IS 'Город ЖК';


--
-- Name: COLUMN catalog_apartments.class; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.class IS 'Класс жилья';


--
-- Name: COLUMN catalog_apartments.commissioning_date; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.commissioning_date IS 'Плановая сдача ЖК';


--
-- Name: COLUMN catalog_apartments.geo; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.geo IS 'Точка ЖК на карте';


--
-- Name: COLUMN catalog_apartments.final_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.final_price IS 'Итоговая цена с учётом акций (catalog_offers.final_price); у квартир не в продаже — текущая цена';


--
-- Name: COLUMN catalog_apartments.promotion_ids; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.catalog_apartments.promotion_ids IS 'Акции, которые сейчас применяются к квартире (catalog_offers.promotion_ids); у квартир не в продаже — пусто';


--
-- Name: cluster_demand; Type: MATERIALIZED VIEW; Schema: public; Owner: -
--

CREATE MATERIALIZED VIEW public.cluster_demand AS
 WITH weights AS (
         SELECT project_pricing_config.project_id,
            project_pricing_config.views_weight_milli,
            project_pricing_config.favourites_weight_milli,
            project_pricing_config.leads_weight_milli,
            project_pricing_config.bookings_weight_milli
           FROM public.project_pricing_config
         OFFSET 0
        ), clusters AS (
         SELECT s.project_id,
            s.rooms,
            (count(*))::integer AS apartments_on_sale,
            array_agg(public.pricing_demand_milli(s.views_24h, s.favourites_24h, s.leads_24h, s.bookings_24h, w.views_weight_milli, w.favourites_weight_milli, w.leads_weight_milli, w.bookings_weight_milli)) AS demands_milli,
            sum(s.views_24h) AS views_24h,
            sum(s.favourites_24h) AS favourites_24h,
            sum(s.leads_24h) AS leads_24h,
            sum(s.bookings_24h) AS bookings_24h,
            min(s.current_price) AS min_price,
            max(s.current_price) AS max_price
           FROM (public.apartment_stats s
             JOIN weights w ON ((w.project_id = s.project_id)))
          WHERE s.on_sale
          GROUP BY s.project_id, s.rooms
        )
 SELECT c.project_id,
    c.rooms,
    c.apartments_on_sale,
    ( SELECT trim_scale(((percentile_cont((0.5)::double precision) WITHIN GROUP (ORDER BY ((demand_milli.demand_milli)::double precision)))::numeric / (1000)::numeric)) AS trim_scale
           FROM unnest(c.demands_milli) demand_milli(demand_milli)) AS median_demand,
    c.views_24h,
    c.favourites_24h,
    c.leads_24h,
    c.bookings_24h,
    c.min_price,
    c.max_price,
    now() AS refreshed_at
   FROM clusters c
  WITH NO DATA;


--
-- Name: MATERIALIZED VIEW cluster_demand; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON MATERIALIZED VIEW public.cluster_demand IS 'Кластеры «ЖК × комнатность» среди квартир в продаже: медиана спроса (percentile_cont, нули учитываются) и итоги за 24 ч. Обновляется refresh_demand_aggregates() каждую минуту CONCURRENTLY';


--
-- Name: COLUMN cluster_demand.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cluster_demand.project_id IS 'ЖК';


--
-- Name: COLUMN cluster_demand.rooms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cluster_demand.rooms IS 'Комнатность';


--
-- Name: COLUMN cluster_demand.apartments_on_sale; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cluster_demand.apartments_on_sale IS 'Квартир в продаже в кластере';


--
-- Name: COLUMN cluster_demand.median_demand; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cluster_demand.median_demand IS 'Медиана спроса в кластере: percentile_cont(0.5) по спросу в тысячных (точно: целые и половины), делённая на 1000';


--
-- Name: COLUMN cluster_demand.views_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cluster_demand.views_24h IS 'Просмотров за 24 ч по кластеру';


--
-- Name: COLUMN cluster_demand.favourites_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cluster_demand.favourites_24h IS 'В избранное за 24 ч по кластеру';


--
-- Name: COLUMN cluster_demand.leads_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cluster_demand.leads_24h IS 'Заявок за 24 ч по кластеру';


--
-- Name: COLUMN cluster_demand.bookings_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cluster_demand.bookings_24h IS 'Броней за 24 ч по кластеру';


--
-- Name: COLUMN cluster_demand.min_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cluster_demand.min_price IS 'Минимальная текущая цена в кластере';


--
-- Name: COLUMN cluster_demand.max_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cluster_demand.max_price IS 'Максимальная текущая цена в кластере';


--
-- Name: COLUMN cluster_demand.refreshed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cluster_demand.refreshed_at IS 'Когда представление обновлено';


--
-- Name: crm_connections; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.crm_connections (
    id bigint NOT NULL,
    developer_id bigint NOT NULL,
    kind public.crm_kind NOT NULL,
    account text NOT NULL,
    api_base_url text NOT NULL,
    amo_account_id bigint,
    credentials_ciphertext bytea NOT NULL,
    credentials_nonce bytea NOT NULL,
    credentials_key_id text NOT NULL,
    webhook_secret_sha256 bytea NOT NULL,
    status_map jsonb DEFAULT '{}'::jsonb NOT NULL,
    pipeline_id text,
    enabled boolean DEFAULT true NOT NULL,
    last_checked_at timestamp with time zone,
    last_check_result text,
    reconciled_until timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT crm_connections_account_check CHECK ((account ~ '^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?$'::text)),
    CONSTRAINT crm_connections_api_base_url_check CHECK ((api_base_url ~ '^https?://[^/?#]+(/[^?#]*)?$'::text)),
    CONSTRAINT crm_connections_credentials_key_id_check CHECK ((credentials_key_id ~ '^[0-9a-f]{16}$'::text)),
    CONSTRAINT crm_connections_credentials_nonce_check CHECK ((length(credentials_nonce) = 12)),
    CONSTRAINT crm_connections_pipeline_id_check CHECK (((length(pipeline_id) >= 1) AND (length(pipeline_id) <= 64))),
    CONSTRAINT crm_connections_status_map_check CHECK ((jsonb_typeof(status_map) = 'object'::text)),
    CONSTRAINT crm_connections_webhook_secret_sha256_check CHECK ((length(webhook_secret_sha256) = 32))
);


--
-- Name: TABLE crm_connections; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.crm_connections IS 'Подключение компании-застройщика к её CRM (одно на компанию). Учётные данные зашифрованы AES-256-GCM ключом из CRM_SECRETS_KEY_FILE и никогда не отдаются API и не пишутся в журнал';


--
-- Name: COLUMN crm_connections.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.id IS 'Идентификатор подключения (часть адресов входящих вебхуков)';


--
-- Name: COLUMN crm_connections.developer_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.developer_id IS 'Компания-застройщик';


--
-- Name: COLUMN crm_connections.kind; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.kind IS 'amocrm или bitrix24';


--
-- Name: COLUMN crm_connections.account; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.account IS 'Поддомен amoCRM (example → example.amocrm.ru) или адрес портала Битрикс24 (example.bitrix24.ru)';


--
-- Name: COLUMN crm_connections.api_base_url; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.api_base_url IS 'Куда ходит сервис: https://<поддомен>.amocrm.ru или адрес входящего вебхука Битрикс24 без секрета; хост — только из CRM_ALLOWED_HOSTS';


--
-- Name: COLUMN crm_connections.amo_account_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.amo_account_id IS 'id аккаунта amoCRM (из проверки подключения): входящий вебхук с другим account[id] отвергается';


--
-- Name: COLUMN crm_connections.credentials_ciphertext; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.credentials_ciphertext IS 'Учётные данные (JSON) в шифре AES-256-GCM';


--
-- Name: COLUMN crm_connections.credentials_nonce; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.credentials_nonce IS 'Одноразовый номер AES-GCM (12 байт), свой у каждой записи шифра';


--
-- Name: COLUMN crm_connections.credentials_key_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.credentials_key_id IS 'Каким ключом зашифровано: первые 8 байт SHA-256 ключа в hex; после смены ключа задача перешифровывает строки со старым';


--
-- Name: COLUMN crm_connections.webhook_secret_sha256; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.webhook_secret_sha256 IS 'SHA-256 секрета из адреса входящего вебхука amoCRM; сам секрет показывается один раз при подключении';


--
-- Name: COLUMN crm_connections.status_map; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.status_map IS 'Соответствие шагов брони этапам CRM: {"created": "…", "confirmed": "…", "cancelled": "…", "sold": "…"} (id статуса amoCRM или STAGE_ID Битрикс24); обратное соответствие ведёт входящие изменения к шагам брони';


--
-- Name: COLUMN crm_connections.pipeline_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.pipeline_id IS 'Воронка amoCRM (pipeline_id) или направление сделок Битрикс24 (CATEGORY_ID); пусто — основная';


--
-- Name: COLUMN crm_connections.enabled; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.enabled IS 'Выключенное подключение ничего не отправляет и отвергает вебхуки';


--
-- Name: COLUMN crm_connections.last_checked_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.last_checked_at IS 'Когда последний раз проверяли подключение';


--
-- Name: COLUMN crm_connections.last_check_result; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.last_check_result IS 'Итог последней проверки по-русски';


--
-- Name: COLUMN crm_connections.reconciled_until; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.reconciled_until IS 'Битрикс24: до какого момента изменённые сделки уже сверены (он не повторяет вебхуки)';


--
-- Name: COLUMN crm_connections.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.created_at IS 'Когда подключено';


--
-- Name: COLUMN crm_connections.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_connections.updated_at IS 'Когда изменено';


--
-- Name: crm_connections_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.crm_connections ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.crm_connections_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: crm_deliveries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.crm_deliveries (
    id bigint NOT NULL,
    connection_id bigint NOT NULL,
    outbox_event_id bigint NOT NULL,
    event_type text NOT NULL,
    aggregate_id bigint NOT NULL,
    payload jsonb NOT NULL,
    status public.crm_delivery_status DEFAULT 'pending'::public.crm_delivery_status NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    last_error text,
    crm_external_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    delivered_at timestamp with time zone,
    CONSTRAINT crm_deliveries_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT crm_deliveries_delivered_check CHECK (((status = 'delivered'::public.crm_delivery_status) = (delivered_at IS NOT NULL)))
);


--
-- Name: TABLE crm_deliveries; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.crm_deliveries IS 'Очередь отправки в CRM: строка на событие outbox_events (заявка, шаги брони) для подключения его застройщика, записанная в той же транзакции, что и событие. Диспетчер берёт по одному подключению (advisory-блокировка), строки в порядке id, события одного объекта — строго по очереди';


--
-- Name: COLUMN crm_deliveries.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_deliveries.id IS 'Идентификатор доставки';


--
-- Name: COLUMN crm_deliveries.connection_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_deliveries.connection_id IS 'Подключение CRM';


--
-- Name: COLUMN crm_deliveries.outbox_event_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_deliveries.outbox_event_id IS 'Событие outbox_events (строка outbox может быть уже удалена после публикации)';


--
-- Name: COLUMN crm_deliveries.event_type; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_deliveries.event_type IS 'lead.created или booking.created|confirmed|cancelled|expired|sold';


--
-- Name: COLUMN crm_deliveries.aggregate_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_deliveries.aggregate_id IS 'id заявки или брони';


--
-- Name: COLUMN crm_deliveries.payload; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_deliveries.payload IS 'Тело события outbox (без личных данных; контакт заявки читается при отправке)';


--
-- Name: COLUMN crm_deliveries.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_deliveries.status IS 'pending — ждёт, delivered — доставлена, dead — отложена после CRM_MAX_ATTEMPTS неудач';


--
-- Name: COLUMN crm_deliveries.attempts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_deliveries.attempts IS 'Сколько раз пробовали отправить';


--
-- Name: COLUMN crm_deliveries.next_attempt_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_deliveries.next_attempt_at IS 'Раньше этого момента не отправлять (экспоненциальная пауза со случайной добавкой)';


--
-- Name: COLUMN crm_deliveries.last_error; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_deliveries.last_error IS 'Последняя ошибка по-русски (без учётных данных)';


--
-- Name: COLUMN crm_deliveries.crm_external_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_deliveries.crm_external_id IS 'id сделки или заявки в CRM, с которым доставка завершилась';


--
-- Name: COLUMN crm_deliveries.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_deliveries.created_at IS 'Когда событие попало в очередь';


--
-- Name: COLUMN crm_deliveries.delivered_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.crm_deliveries.delivered_at IS 'Когда CRM подтвердила';


--
-- Name: crm_deliveries_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.crm_deliveries ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.crm_deliveries_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: demand_aggregation_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.demand_aggregation_state (
    singleton boolean DEFAULT true NOT NULL,
    folded_snapshot pg_snapshot,
    window_end timestamp with time zone,
    refreshed_at timestamp with time zone,
    popularity_pending bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    CONSTRAINT demand_aggregation_state_singleton_check CHECK (singleton)
);


--
-- Name: TABLE demand_aggregation_state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.demand_aggregation_state IS 'Водяной знак инкрементального пересчёта apartment_stats (одна строка)';


--
-- Name: COLUMN demand_aggregation_state.singleton; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.demand_aggregation_state.singleton IS 'Всегда true: таблица из одной строки';


--
-- Name: COLUMN demand_aggregation_state.folded_snapshot; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.demand_aggregation_state.folded_snapshot IS 'Снимок последнего пересчёта: события views_log, видимые в нём, уже учтены; пусто — нужен полный пересчёт';


--
-- Name: COLUMN demand_aggregation_state.window_end; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.demand_aggregation_state.window_end IS 'Конец 24-часового окна последнего пересчёта';


--
-- Name: COLUMN demand_aggregation_state.refreshed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.demand_aggregation_state.refreshed_at IS 'Когда завершён последний пересчёт (время часов)';


--
-- Name: COLUMN demand_aggregation_state.popularity_pending; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.demand_aggregation_state.popularity_pending IS 'Квартиры, чьи счётчики изменились после последнего переноса популярности в apartment_popularity (id могут повторяться); пополняют refresh_apartment_stats и rebuild_apartment_stats, очищает sync_apartment_popularity';


--
-- Name: developer_members; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.developer_members (
    developer_id bigint NOT NULL,
    user_id bigint NOT NULL,
    company_role public.company_member_role DEFAULT 'manager'::public.company_member_role NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE developer_members; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.developer_members IS 'Сотрудники компаний-застройщиков: пользователь действует только в пределах своих компаний';


--
-- Name: COLUMN developer_members.developer_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developer_members.developer_id IS 'Компания-застройщик';


--
-- Name: COLUMN developer_members.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developer_members.user_id IS 'Пользователь с ролью developer';


--
-- Name: COLUMN developer_members.company_role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developer_members.company_role IS 'Роль в компании: owner управляет сотрудниками, manager — объектами';


--
-- Name: COLUMN developer_members.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.developer_members.created_at IS 'Когда добавлен в компанию';


--
-- Name: developers_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.developers ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.developers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: dynamic_pricing_config_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.dynamic_pricing_config ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.dynamic_pricing_config_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: favourites; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.favourites (
    user_id bigint NOT NULL,
    apartment_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE favourites; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.favourites IS 'Избранные квартиры покупателей; добавление пишет событие favourite в views_log';


--
-- Name: COLUMN favourites.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.favourites.user_id IS 'Покупатель';


--
-- Name: COLUMN favourites.apartment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.favourites.apartment_id IS 'Квартира';


--
-- Name: COLUMN favourites.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.favourites.created_at IS 'Когда добавлена в избранное';


--
-- Name: flagged_visitors_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.flagged_visitors ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.flagged_visitors_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: leads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.leads (
    id bigint NOT NULL,
    apartment_id bigint NOT NULL,
    user_id bigint,
    visitor_id text,
    name text NOT NULL,
    phone text NOT NULL,
    comment text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    recorded_xid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    viewer text GENERATED ALWAYS AS (
CASE
    WHEN (user_id IS NOT NULL) THEN ('u:'::text || (user_id)::text)
    WHEN (visitor_id IS NOT NULL) THEN ('v:'::text || visitor_id)
    ELSE NULL::text
END) STORED,
    crm_external_id text,
    CONSTRAINT leads_comment_check CHECK ((length(comment) <= 2000)),
    CONSTRAINT leads_crm_external_id_check CHECK (((length(crm_external_id) >= 1) AND (length(crm_external_id) <= 128))),
    CONSTRAINT leads_name_check CHECK (((length(btrim(name)) >= 1) AND (length(btrim(name)) <= 200))),
    CONSTRAINT leads_phone_check CHECK ((phone ~ '^\+[1-9][0-9]{6,14}$'::text)),
    CONSTRAINT leads_visitor_id_check CHECK (((length(visitor_id) >= 1) AND (length(visitor_id) <= 128)))
);


--
-- Name: TABLE leads; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.leads IS 'Заявки покупателей на обратный звонок по квартире; входят в спрос как leads_24h';


--
-- Name: COLUMN leads.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.leads.id IS 'Идентификатор заявки';


--
-- Name: COLUMN leads.apartment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.leads.apartment_id IS 'Квартира';


--
-- Name: COLUMN leads.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.leads.user_id IS 'Покупатель, если вошёл в систему';


--
-- Name: COLUMN leads.visitor_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.leads.visitor_id IS 'Анонимный идентификатор посетителя';


--
-- Name: COLUMN leads.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.leads.name IS 'Как обращаться';


--
-- Name: COLUMN leads.phone; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.leads.phone IS 'Телефон в E.164';


--
-- Name: COLUMN leads.comment; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.leads.comment IS 'Комментарий покупателя';


--
-- Name: COLUMN leads.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.leads.created_at IS 'Когда оставлена заявка';


--
-- Name: COLUMN leads.recorded_xid; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.leads.recorded_xid IS 'Транзакция записи: по ней инкрементальный пересчёт apartment_stats находит заявки, закоммиченные после прошлого пересчёта';


--
-- Name: COLUMN leads.viewer; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.leads.viewer IS 'Кто оставил заявку (как views_log.viewer): заявки помеченного зрителя не входят в спрос, одна заявка зрителя по квартире в сутки';


--
-- Name: COLUMN leads.crm_external_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.leads.crm_external_id IS 'id сделки (amoCRM) или лида (Битрикс24), созданного по заявке';


--
-- Name: leads_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.leads ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.leads_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: login_attempts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.login_attempts (
    id bigint NOT NULL,
    email text NOT NULL,
    client_ip inet,
    attempted_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT login_attempts_email_check CHECK ((length(email) <= 254))
);


--
-- Name: TABLE login_attempts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.login_attempts IS 'Попытки входа для защиты от перебора: строка появляется до проверки пароля и удаляется при успешном входе, так что остаются неудачные; строки старше окна удаляются при следующей попытке';


--
-- Name: COLUMN login_attempts.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.login_attempts.id IS 'Идентификатор попытки';


--
-- Name: COLUMN login_attempts.email; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.login_attempts.email IS 'Email, под которым пытались войти (в нижнем регистре; аккаунта может не быть)';


--
-- Name: COLUMN login_attempts.client_ip; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.login_attempts.client_ip IS 'Адрес клиента: адрес сокета или первый X-Forwarded-For при TRUST_FORWARDED_FOR=true';


--
-- Name: COLUMN login_attempts.attempted_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.login_attempts.attempted_at IS 'Когда была попытка';


--
-- Name: login_attempts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.login_attempts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.login_attempts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: outbox_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.outbox_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.outbox_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: picker_conversations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.picker_conversations (
    id bigint NOT NULL,
    visitor_id text,
    user_id bigint,
    filters jsonb DEFAULT '{}'::jsonb NOT NULL,
    strict_slots text[] DEFAULT '{}'::text[] NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT picker_conversations_expiry_check CHECK ((expires_at > created_at)),
    CONSTRAINT picker_conversations_filters_check CHECK ((jsonb_typeof(filters) = 'object'::text)),
    CONSTRAINT picker_conversations_owner_check CHECK (((visitor_id IS NULL) <> (user_id IS NULL))),
    CONSTRAINT picker_conversations_visitor_id_check CHECK (((length(visitor_id) >= 1) AND (length(visitor_id) <= 128)))
);


--
-- Name: TABLE picker_conversations; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.picker_conversations IS 'Разговор покупателя с ИИ-подборщиком: текущее состояние фильтров целиком; удаляется после expires_at';


--
-- Name: COLUMN picker_conversations.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.picker_conversations.id IS 'Идентификатор разговора';


--
-- Name: COLUMN picker_conversations.visitor_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.picker_conversations.visitor_id IS 'Анонимный посетитель (id от фронтенда); пусто у вошедшего покупателя';


--
-- Name: COLUMN picker_conversations.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.picker_conversations.user_id IS 'Вошедший покупатель; пусто у анонимного разговора';


--
-- Name: COLUMN picker_conversations.filters; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.picker_conversations.filters IS 'Текущие фильтры разговора: объект с именами параметров GET /apartments (city, rooms, price_max …)';


--
-- Name: COLUMN picker_conversations.strict_slots; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.picker_conversations.strict_slots IS 'Фильтры, которые покупатель назвал строгими («не дороже», «минимум»): ранжирование не смягчает их';


--
-- Name: COLUMN picker_conversations.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.picker_conversations.created_at IS 'Начало разговора';


--
-- Name: COLUMN picker_conversations.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.picker_conversations.updated_at IS 'Последнее сообщение';


--
-- Name: COLUMN picker_conversations.expires_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.picker_conversations.expires_at IS 'Когда разговор удаляется: последнее сообщение + PICKER_CONVERSATION_TTL_DAYS';


--
-- Name: CONSTRAINT picker_conversations_expiry_check ON picker_conversations; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT picker_conversations_expiry_check ON public.picker_conversations IS 'Срок жизни положителен';


--
-- Name: CONSTRAINT picker_conversations_filters_check ON picker_conversations; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT picker_conversations_filters_check ON public.picker_conversations IS 'Фильтры — JSON-объект';


--
-- Name: CONSTRAINT picker_conversations_owner_check ON picker_conversations; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT picker_conversations_owner_check ON public.picker_conversations IS 'Владелец — ровно один: анонимный посетитель или покупатель';


--
-- Name: CONSTRAINT picker_conversations_visitor_id_check ON picker_conversations; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT picker_conversations_visitor_id_check ON public.picker_conversations IS 'visitor_id от 1 до 128 символов';


--
-- Name: picker_conversations_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.picker_conversations ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.picker_conversations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: picker_messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.picker_messages (
    id bigint NOT NULL,
    conversation_id bigint NOT NULL,
    text text NOT NULL,
    answer jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT picker_messages_answer_check CHECK ((jsonb_typeof(answer) = 'object'::text)),
    CONSTRAINT picker_messages_text_check CHECK (((char_length(text) >= 1) AND (char_length(text) <= 1000)))
);


--
-- Name: TABLE picker_messages; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.picker_messages IS 'Сообщения покупателя подборщику и ответы на них; удаляются вместе с разговором';


--
-- Name: COLUMN picker_messages.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.picker_messages.id IS 'Идентификатор сообщения';


--
-- Name: COLUMN picker_messages.conversation_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.picker_messages.conversation_id IS 'Разговор';


--
-- Name: COLUMN picker_messages.text; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.picker_messages.text IS 'Текст покупателя (до 1000 символов)';


--
-- Name: COLUMN picker_messages.answer; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.picker_messages.answer IS 'Ответ подборщика целиком: что понято, фильтры после сообщения, вопрос, непонятое, подобранные квартиры';


--
-- Name: COLUMN picker_messages.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.picker_messages.created_at IS 'Когда сообщение пришло';


--
-- Name: CONSTRAINT picker_messages_answer_check ON picker_messages; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT picker_messages_answer_check ON public.picker_messages IS 'Ответ — JSON-объект';


--
-- Name: CONSTRAINT picker_messages_text_check ON picker_messages; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT picker_messages_text_check ON public.picker_messages IS 'Текст от 1 до 1000 символов';


--
-- Name: picker_messages_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.picker_messages ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.picker_messages_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: price_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.price_history (
    id bigint NOT NULL,
    apartment_id bigint NOT NULL,
    changed_at timestamp with time zone DEFAULT now() NOT NULL,
    old_price numeric(14,2) NOT NULL,
    new_price numeric(14,2) NOT NULL,
    reason public.price_change_reason NOT NULL,
    pricing_run_id bigint,
    rollback_of_run_id bigint,
    changed_by bigint,
    inputs jsonb,
    explanation text,
    views_24h integer,
    favourites_24h integer,
    leads_24h integer,
    bookings_24h integer,
    days_on_site integer,
    demand numeric,
    cluster_median numeric,
    demand_norm numeric,
    delta numeric,
    max_shift numeric,
    k1 numeric,
    k2 numeric,
    config_id bigint,
    CONSTRAINT price_history_dynamic_inputs_check CHECK (((reason <> 'dynamic'::public.price_change_reason) OR ((views_24h IS NOT NULL) AND (demand IS NOT NULL) AND (config_id IS NOT NULL)))),
    CONSTRAINT price_history_dynamic_run_check CHECK (((reason <> 'dynamic'::public.price_change_reason) OR (pricing_run_id IS NOT NULL))),
    CONSTRAINT price_history_new_price_check CHECK ((new_price > (0)::numeric)),
    CONSTRAINT price_history_old_price_check CHECK ((old_price > (0)::numeric)),
    CONSTRAINT price_history_price_changed_check CHECK ((new_price <> old_price))
);


--
-- Name: TABLE price_history; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.price_history IS 'Все изменения цены квартиры — для отката, объяснения покупателю и аналитики';


--
-- Name: COLUMN price_history.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.id IS 'Идентификатор записи';


--
-- Name: COLUMN price_history.apartment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.apartment_id IS 'Квартира (apartments.id). Ссылку проверяет триггер price_history_check_references, удаление квартиры с историей запрещает apartments_keep_referenced (sql/pricing/price_history_check_references.sql)';


--
-- Name: COLUMN price_history.changed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.changed_at IS 'Когда изменилась цена';


--
-- Name: COLUMN price_history.old_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.old_price IS 'Цена до изменения';


--
-- Name: COLUMN price_history.new_price; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.new_price IS 'Цена после изменения';


--
-- Name: COLUMN price_history.reason; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.reason IS 'Причина: dynamic — алгоритм, manual — вручную/откат, promo — акция';


--
-- Name: COLUMN price_history.pricing_run_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.pricing_run_id IS 'Проход ценообразования (pricing_runs.id), для reason = dynamic обязателен. Ссылку проверяет price_history_check_references (sql/pricing/price_history_check_references.sql)';


--
-- Name: COLUMN price_history.rollback_of_run_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.rollback_of_run_id IS 'Если это откат: проход, изменения которого откачены';


--
-- Name: COLUMN price_history.changed_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.changed_by IS 'Пользователь, изменивший цену вручную или запустивший откат';


--
-- Name: COLUMN price_history.inputs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.inputs IS 'Дополнительно для ручных изменений: комментарий сотрудника. Входные данные решения прохода — в столбцах views_24h…config_id';


--
-- Name: COLUMN price_history.explanation; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.explanation IS 'Понятное объяснение на русском, например «Цена изменилась +3 % из-за высокого спроса (34 просмотра за 24 ч)»';


--
-- Name: COLUMN price_history.views_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.views_24h IS 'Проход: просмотров за 24 ч на момент решения';


--
-- Name: COLUMN price_history.favourites_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.favourites_24h IS 'Проход: добавлений в избранное за 24 ч';


--
-- Name: COLUMN price_history.leads_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.leads_24h IS 'Проход: заявок за 24 ч';


--
-- Name: COLUMN price_history.bookings_24h; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.bookings_24h IS 'Проход: броней за 24 ч';


--
-- Name: COLUMN price_history.days_on_site; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.days_on_site IS 'Проход: полных дней на сайте';


--
-- Name: COLUMN price_history.demand; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.demand IS 'Проход: спрос квартиры по весам ЖК';


--
-- Name: COLUMN price_history.cluster_median; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.cluster_median IS 'Проход: медиана спроса кластера «ЖК × комнатность»';


--
-- Name: COLUMN price_history.demand_norm; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.demand_norm IS 'Проход: demand / медиана кластера, 4 знака';


--
-- Name: COLUMN price_history.delta; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.delta IS 'Проход: шаг Δ с учётом потолков из окружения, доля';


--
-- Name: COLUMN price_history.max_shift; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.max_shift IS 'Проход: коридор от базовой цены с учётом потолков, доля';


--
-- Name: COLUMN price_history.k1; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.k1 IS 'Проход: верхний порог demand_norm';


--
-- Name: COLUMN price_history.k2; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.k2 IS 'Проход: нижний порог demand_norm';


--
-- Name: COLUMN price_history.config_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.price_history.config_id IS 'Проход: версия настроек dynamic_pricing_config.id (таблица только дополняется, строки не удаляются)';


--
-- Name: CONSTRAINT price_history_dynamic_inputs_check ON price_history; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT price_history_dynamic_inputs_check ON public.price_history IS 'У строки прохода (reason = dynamic) входные данные решения заполнены';


--
-- Name: price_history_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.price_history ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.price_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: pricing_runs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.pricing_runs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.pricing_runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: project_media; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_media (
    id bigint NOT NULL,
    project_id bigint NOT NULL,
    apartment_id bigint,
    kind public.media_kind NOT NULL,
    url text NOT NULL,
    title text,
    "position" smallint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT project_media_layout_check CHECK (((kind = 'layout'::public.media_kind) = (apartment_id IS NOT NULL))),
    CONSTRAINT project_media_position_check CHECK ((("position" >= 0) AND ("position" <= 999))),
    CONSTRAINT project_media_title_check CHECK (((length(btrim(title)) >= 1) AND (length(btrim(title)) <= 200))),
    CONSTRAINT project_media_url_check CHECK (((url ~ '^https?://\S+$'::text) AND (length(url) <= 2000)))
);


--
-- Name: TABLE project_media; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.project_media IS 'Медиа карточки ЖК: фото, видео, 3D-тур и планировки квартир; хранятся ссылки, порядок — position';


--
-- Name: COLUMN project_media.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_media.id IS 'Идентификатор медиа';


--
-- Name: COLUMN project_media.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_media.project_id IS 'ЖК (индекс — project_media_position_key, он начинается с project_id)';


--
-- Name: COLUMN project_media.apartment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_media.apartment_id IS 'Квартира, если это её планировка (только для kind = layout)';


--
-- Name: COLUMN project_media.kind; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_media.kind IS 'Вид: photo, video, tour_3d (Avalin), layout';


--
-- Name: COLUMN project_media.url; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_media.url IS 'Ссылка http(s)';


--
-- Name: COLUMN project_media.title; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_media.title IS 'Подпись';


--
-- Name: COLUMN project_media."position"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_media."position" IS 'Порядок показа внутри вида, от 0';


--
-- Name: COLUMN project_media.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.project_media.created_at IS 'Когда добавлено';


--
-- Name: project_media_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.project_media ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.project_media_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: projects_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.projects ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.projects_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: promotion_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.promotion_history (
    id bigint NOT NULL,
    promotion_id bigint NOT NULL,
    action public.promotion_action NOT NULL,
    actor_id bigint,
    actor_role public.user_role,
    comment text,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT promotion_history_comment_check CHECK ((length(comment) <= 2000))
);


--
-- Name: TABLE promotion_history; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.promotion_history IS 'История акции: кто, что и когда сделал (создал, изменил, одобрил, приостановил, завершил); только дополняется (триггер promotion_history_append_only)';


--
-- Name: COLUMN promotion_history.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotion_history.id IS 'Идентификатор шага';


--
-- Name: COLUMN promotion_history.promotion_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotion_history.promotion_id IS 'Акция';


--
-- Name: COLUMN promotion_history.action; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotion_history.action IS 'Что произошло';


--
-- Name: COLUMN promotion_history.actor_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotion_history.actor_id IS 'Кто сделал';


--
-- Name: COLUMN promotion_history.actor_role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotion_history.actor_role IS 'Роль того, кто сделал, на момент действия';


--
-- Name: COLUMN promotion_history.comment; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotion_history.comment IS 'Комментарий (например, причина отказа)';


--
-- Name: COLUMN promotion_history.occurred_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotion_history.occurred_at IS 'Когда';


--
-- Name: promotion_history_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.promotion_history ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.promotion_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: promotion_refresh_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.promotion_refresh_state (
    id boolean DEFAULT true NOT NULL,
    active_keys text[] DEFAULT '{}'::text[] NOT NULL,
    max_total_discount_percent numeric,
    floor_share_percent numeric,
    refreshed_at timestamp with time zone,
    CONSTRAINT promotion_refresh_state_single_row_check CHECK (id)
);


--
-- Name: TABLE promotion_refresh_state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.promotion_refresh_state IS 'Одна строка: какие акции действовали при последнем пересчёте скидок (refresh_promotion_discounts). Разница с текущим набором (началась, закончилась, приостановлена, изменена, исчерпана) — ЖК, где скидки пересчитываются';


--
-- Name: COLUMN promotion_refresh_state.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotion_refresh_state.id IS 'Всегда true: строка одна';


--
-- Name: COLUMN promotion_refresh_state.active_keys; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotion_refresh_state.active_keys IS 'Ключи действовавших акций «id:updated_at:исчерпана» на момент последнего пересчёта';


--
-- Name: COLUMN promotion_refresh_state.max_total_discount_percent; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotion_refresh_state.max_total_discount_percent IS 'Потолок скидки (PROMOTION_MAX_TOTAL_DISCOUNT_PERCENT), с которым считались скидки; другой — пересчитать все';


--
-- Name: COLUMN promotion_refresh_state.floor_share_percent; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotion_refresh_state.floor_share_percent IS 'Пол итоговой цены (PROMOTION_FLOOR_SHARE_OF_BASE_PRICE), с которым считались скидки; другой — пересчитать все';


--
-- Name: COLUMN promotion_refresh_state.refreshed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotion_refresh_state.refreshed_at IS 'Когда скидки последний раз пересчитаны минутной задачей';


--
-- Name: promotions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.promotions (
    id bigint NOT NULL,
    developer_id bigint,
    name text NOT NULL,
    discount_percent numeric(5,2),
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    conditions jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    description text,
    kind public.promotion_kind DEFAULT 'percent'::public.promotion_kind NOT NULL,
    discount_amount numeric(14,2),
    stacks boolean DEFAULT false NOT NULL,
    status public.promotion_status DEFAULT 'draft'::public.promotion_status NOT NULL,
    issued_bookings integer DEFAULT 0 NOT NULL,
    created_by bigint,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    moderated_by bigint,
    moderated_at timestamp with time zone,
    moderation_comment text,
    CONSTRAINT promotions_conditions_check CHECK ((jsonb_typeof(conditions) = 'object'::text)),
    CONSTRAINT promotions_conditions_keys_check CHECK (((conditions - ARRAY['project_ids'::text, 'building_ids'::text, 'rooms'::text, 'area_min'::text, 'area_max'::text, 'floor_min'::text, 'floor_max'::text, 'price_min'::text, 'price_max'::text, 'apartment_codes'::text, 'only_platform_booking'::text, 'first_n_bookings'::text]) = '{}'::jsonb)),
    CONSTRAINT promotions_description_check CHECK ((length(description) <= 2000)),
    CONSTRAINT promotions_discount_amount_check CHECK ((discount_amount > (0)::numeric)),
    CONSTRAINT promotions_discount_percent_check CHECK (((discount_percent > (0)::numeric) AND (discount_percent <= (100)::numeric))),
    CONSTRAINT promotions_issued_bookings_check CHECK (((issued_bookings >= 0) AND ((NOT (conditions ? 'first_n_bookings'::text)) OR (issued_bookings <= ((conditions ->> 'first_n_bookings'::text))::integer)))),
    CONSTRAINT promotions_kind_value_check CHECK ((((kind = 'percent'::public.promotion_kind) = (discount_percent IS NOT NULL)) AND ((kind = 'fixed'::public.promotion_kind) = (discount_amount IS NOT NULL)))),
    CONSTRAINT promotions_name_check CHECK (((length(btrim(name)) >= 1) AND (length(btrim(name)) <= 200))),
    CONSTRAINT promotions_period_check CHECK ((ends_at > starts_at))
);


--
-- Name: TABLE promotions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.promotions IS 'Акции и скидки: застройщика (на его ЖК) или платформы (developer_id пусто, скидку оплачивает платформа), например 5 % при покупке через платформу. Покупатели видят только одобренные акции в их окне времени; правила расчёта — docs/promotions.md, функция promotion_discounts';


--
-- Name: COLUMN promotions.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.id IS 'Идентификатор акции';


--
-- Name: COLUMN promotions.developer_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.developer_id IS 'Застройщик, чья акция (он её оплачивает); пусто — акция платформы';


--
-- Name: COLUMN promotions.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.name IS 'Название акции';


--
-- Name: COLUMN promotions.discount_percent; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.discount_percent IS 'Скидка процентной акции, % (0–100]; у фиксированной пусто';


--
-- Name: COLUMN promotions.starts_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.starts_at IS 'Начало действия (включительно); покупателю показывается по Москве';


--
-- Name: COLUMN promotions.ends_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.ends_at IS 'Окончание действия (не включительно)';


--
-- Name: COLUMN promotions.conditions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.conditions IS 'Условия — объект с ключами project_ids, building_ids, rooms (массивы), area_min/area_max (м²), floor_min/floor_max, price_min/price_max (₽, текущая цена), apartment_codes (артикулы), only_platform_booking, first_n_bookings; другие ключи запрещены (promotions_conditions_keys_check), типы проверяет API. Например {"rooms": [0], "area_min": 25}';


--
-- Name: COLUMN promotions.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.created_at IS 'Когда создана';


--
-- Name: COLUMN promotions.description; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.description IS 'Описание для покупателей, до 2000 символов';


--
-- Name: COLUMN promotions.kind; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.kind IS 'Вид скидки: percent — процент от текущей цены, fixed — сумма в рублях';


--
-- Name: COLUMN promotions.discount_amount; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.discount_amount IS 'Скидка фиксированной акции, ₽; у процентной пусто';


--
-- Name: COLUMN promotions.stacks; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.stacks IS 'Суммируется с другими суммирующимися акциями; несуммирующиеся не складываются — берётся лучшая для покупателя';


--
-- Name: COLUMN promotions.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.status IS 'Состояние модерации и действия акции';


--
-- Name: COLUMN promotions.issued_bookings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.issued_bookings IS 'Сколько броней уже получили эту акцию; растёт в транзакции брони под блокировкой строки акции';


--
-- Name: COLUMN promotions.created_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.created_by IS 'Кто создал акцию';


--
-- Name: COLUMN promotions.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.updated_at IS 'Когда акция изменена (триггер); входит в отпечаток действующих акций';


--
-- Name: COLUMN promotions.moderated_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.moderated_by IS 'Модератор, принявший последнее решение';


--
-- Name: COLUMN promotions.moderated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.moderated_at IS 'Когда принято последнее решение модерации';


--
-- Name: COLUMN promotions.moderation_comment; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.promotions.moderation_comment IS 'Комментарий модератора (причина отказа)';


--
-- Name: CONSTRAINT promotions_conditions_keys_check ON promotions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT promotions_conditions_keys_check ON public.promotions IS 'В условиях только известные ключи: неизвестный ключ — ошибка, а не молча игнорируемое условие';


--
-- Name: CONSTRAINT promotions_issued_bookings_check ON promotions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT promotions_issued_bookings_check ON public.promotions IS 'Счётчик «первых N броней» никогда не превышает N (conditions.first_n_bookings)';


--
-- Name: promotions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.promotions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.promotions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: refinery_schema_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.refinery_schema_history (
    version integer NOT NULL,
    name character varying(255),
    applied_on character varying(255),
    checksum character varying(255)
);


--
-- Name: refresh_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.refresh_tokens (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    family_id uuid NOT NULL,
    token_hash bytea NOT NULL,
    issued_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    CONSTRAINT refresh_tokens_expires_at_check CHECK ((expires_at > issued_at))
);


--
-- Name: TABLE refresh_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.refresh_tokens IS 'Refresh-токены: хранится только SHA-256; повторное предъявление использованного токена отзывает всё семейство';


--
-- Name: COLUMN refresh_tokens.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.refresh_tokens.id IS 'Идентификатор токена';


--
-- Name: COLUMN refresh_tokens.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.refresh_tokens.user_id IS 'Владелец';


--
-- Name: COLUMN refresh_tokens.family_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.refresh_tokens.family_id IS 'Семейство: цепочка ротаций от одного входа';


--
-- Name: COLUMN refresh_tokens.token_hash; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.refresh_tokens.token_hash IS 'SHA-256 от токена';


--
-- Name: COLUMN refresh_tokens.issued_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.refresh_tokens.issued_at IS 'Когда выдан';


--
-- Name: COLUMN refresh_tokens.expires_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.refresh_tokens.expires_at IS 'Когда истекает';


--
-- Name: COLUMN refresh_tokens.used_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.refresh_tokens.used_at IS 'Когда обменян на новую пару (ротация)';


--
-- Name: COLUMN refresh_tokens.revoked_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.refresh_tokens.revoked_at IS 'Когда отозван (выход, смена пароля, обнаружение кражи)';


--
-- Name: refresh_tokens_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.refresh_tokens ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.refresh_tokens_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: sql_files_applied; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sql_files_applied (
    path text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sql_files_applied_checksum_check CHECK ((checksum ~ '^[0-9a-f]{64}$'::text))
);


--
-- Name: TABLE sql_files_applied; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.sql_files_applied IS 'Файлы sql/ (функции, триггеры, представления), применённые migrate: файл с той же суммой не применяется повторно, чтобы перезапуск сервиса не сбрасывал планы запросов. После любой новой версионной миграции применяются все файлы';


--
-- Name: COLUMN sql_files_applied.path; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.sql_files_applied.path IS 'Путь файла от sql/, например pricing/reprice_apartments.sql';


--
-- Name: COLUMN sql_files_applied.checksum; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.sql_files_applied.checksum IS 'SHA-256 текста файла (hex)';


--
-- Name: COLUMN sql_files_applied.applied_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.sql_files_applied.applied_at IS 'Когда файл применён последний раз';


--
-- Name: users_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.users ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.users_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: view_dedup; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.view_dedup (
    apartment_id bigint NOT NULL,
    viewer text NOT NULL,
    event public.interest_event NOT NULL,
    counted_at timestamp with time zone NOT NULL,
    CONSTRAINT view_dedup_viewer_check CHECK (((length(viewer) >= 3) AND (length(viewer) <= 130)))
);


--
-- Name: TABLE view_dedup; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.view_dedup IS 'Последнее учтённое событие пары «квартира × зритель × тип»: повтор в окне (VIEW_DEDUP_WINDOW_SECONDS) не учитывается. Строки старше суток удаляет prune_interest_events()';


--
-- Name: COLUMN view_dedup.apartment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.view_dedup.apartment_id IS 'Квартира (apartments.id). Ссылку проверяет триггер view_dedup_check_apartment; строки удаляются вместе с квартирой (apartments_keep_referenced)';


--
-- Name: COLUMN view_dedup.viewer; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.view_dedup.viewer IS 'Зритель (как views_log.viewer)';


--
-- Name: COLUMN view_dedup.event; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.view_dedup.event IS 'Тип события';


--
-- Name: COLUMN view_dedup.counted_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.view_dedup.counted_at IS 'Когда произошло последнее учтённое событие';


--
-- Name: views_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.views_log (
    id bigint NOT NULL,
    apartment_id bigint NOT NULL,
    user_id bigint,
    visitor_id text,
    event public.interest_event NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    recorded_xid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    viewer text GENERATED ALWAYS AS (
CASE
    WHEN (user_id IS NOT NULL) THEN ('u:'::text || (user_id)::text)
    WHEN (visitor_id IS NOT NULL) THEN ('v:'::text || visitor_id)
    ELSE NULL::text
END) STORED,
    CONSTRAINT views_log_visitor_id_check CHECK (((length(visitor_id) >= 1) AND (length(visitor_id) <= 128)))
);


--
-- Name: TABLE views_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.views_log IS 'Сырые события интереса (просмотры, избранное), на которых строится спрос';


--
-- Name: COLUMN views_log.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.views_log.id IS 'Идентификатор события';


--
-- Name: COLUMN views_log.apartment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.views_log.apartment_id IS 'Квартира (apartments.id). Ссылку проверяет триггер views_log_check_apartment одним запросом на оператор; удаление квартиры с событиями запрещает apartments_keep_referenced';


--
-- Name: COLUMN views_log.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.views_log.user_id IS 'Пользователь, если вошёл в систему';


--
-- Name: COLUMN views_log.visitor_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.views_log.visitor_id IS 'Анонимный идентификатор посетителя от фронтенда';


--
-- Name: COLUMN views_log.event; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.views_log.event IS 'Тип события';


--
-- Name: COLUMN views_log.occurred_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.views_log.occurred_at IS 'Когда произошло событие';


--
-- Name: COLUMN views_log.recorded_xid; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.views_log.recorded_xid IS 'Транзакция записи: по ней инкрементальный пересчёт apartment_stats находит события, закоммиченные после прошлого пересчёта';


--
-- Name: COLUMN views_log.viewer; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.views_log.viewer IS 'Кто смотрел: u:<id пользователя> или v:<id посетителя от фронтенда>; по нему работают окно повторов и пометка накрутки';


--
-- Name: views_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.views_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.views_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: visitor_activity; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.visitor_activity (
    viewer text NOT NULL,
    minute timestamp with time zone NOT NULL,
    events integer NOT NULL,
    CONSTRAINT visitor_activity_events_check CHECK ((events > 0)),
    CONSTRAINT visitor_activity_viewer_check CHECK (((length(viewer) >= 3) AND (length(viewer) <= 130)))
);


--
-- Name: TABLE visitor_activity; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.visitor_activity IS 'Сколько событий (включая повторы) прислал зритель за минуту; хранится час. Строки ip:<адрес> — анонимные просмотры и заявки с одного адреса клиента (лимит ANONYMOUS_EVENTS_PER_IP_PER_MINUTE, ответ 429)';


--
-- Name: COLUMN visitor_activity.viewer; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.visitor_activity.viewer IS 'Зритель (u:…, v:…) или адрес анонимного клиента (ip:…)';


--
-- Name: COLUMN visitor_activity.minute; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.visitor_activity.minute IS 'Минута приёма (начало)';


--
-- Name: COLUMN visitor_activity.events; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.visitor_activity.events IS 'Событий за минуту';


--
-- Name: webhook_inbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_inbox (
    id bigint NOT NULL,
    source text NOT NULL,
    payload jsonb NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    processed boolean DEFAULT false NOT NULL,
    processed_at timestamp with time zone,
    error text,
    connection_id bigint,
    status public.webhook_status DEFAULT 'received'::public.webhook_status NOT NULL,
    headers jsonb DEFAULT '{}'::jsonb NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    outcome text,
    CONSTRAINT webhook_inbox_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT webhook_inbox_headers_check CHECK ((jsonb_typeof(headers) = 'object'::text)),
    CONSTRAINT webhook_inbox_source_check CHECK ((source ~ '^[a-z0-9_]{1,32}$'::text))
);


--
-- Name: TABLE webhook_inbox; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.webhook_inbox IS 'Всё, что прислали CRM (amoCRM, Битрикс24), как есть — чтобы можно было переобработать';


--
-- Name: COLUMN webhook_inbox.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_inbox.id IS 'Идентификатор вебхука';


--
-- Name: COLUMN webhook_inbox.source; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_inbox.source IS 'Источник: amo, bitrix и т. д.';


--
-- Name: COLUMN webhook_inbox.payload; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_inbox.payload IS 'Тело запроса';


--
-- Name: COLUMN webhook_inbox.received_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_inbox.received_at IS 'Когда получен';


--
-- Name: COLUMN webhook_inbox.processed; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_inbox.processed IS 'Обработан успешно';


--
-- Name: COLUMN webhook_inbox.processed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_inbox.processed_at IS 'Когда обработан';


--
-- Name: COLUMN webhook_inbox.error; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_inbox.error IS 'Ошибка последней попытки обработки';


--
-- Name: COLUMN webhook_inbox.connection_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_inbox.connection_id IS 'Подключение CRM из адреса запроса (пусто — подключения уже нет)';


--
-- Name: COLUMN webhook_inbox.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_inbox.status IS 'received → processed | ignored | failed; rejected — подделка, не обрабатывается';


--
-- Name: COLUMN webhook_inbox.headers; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_inbox.headers IS 'Заголовки, которые важны для разбора: Content-Type, User-Agent, X-Forwarded-For';


--
-- Name: COLUMN webhook_inbox.attempts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_inbox.attempts IS 'Сколько раз обрабатывали';


--
-- Name: COLUMN webhook_inbox.outcome; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_inbox.outcome IS 'Что сделала обработка, по-русски (какая бронь, какой шаг или почему ничего)';


--
-- Name: webhook_inbox_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.webhook_inbox ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.webhook_inbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: analytics_daily_demand analytics_daily_demand_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.analytics_daily_demand
    ADD CONSTRAINT analytics_daily_demand_pkey PRIMARY KEY (day, project_id, building_id, rooms);


--
-- Name: analytics_daily_supply analytics_daily_supply_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.analytics_daily_supply
    ADD CONSTRAINT analytics_daily_supply_pkey PRIMARY KEY (day, project_id, rooms);


--
-- Name: analytics_daily_viewers analytics_daily_viewers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.analytics_daily_viewers
    ADD CONSTRAINT analytics_daily_viewers_pkey PRIMARY KEY (day, project_id, building_id, rooms, viewer);


--
-- Name: analytics_price_responses analytics_price_responses_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.analytics_price_responses
    ADD CONSTRAINT analytics_price_responses_pkey PRIMARY KEY (price_history_id);


--
-- Name: analytics_refresh_state analytics_refresh_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.analytics_refresh_state
    ADD CONSTRAINT analytics_refresh_state_pkey PRIMARY KEY (singleton);


--
-- Name: apartment_popularity apartment_popularity_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.apartment_popularity
    ADD CONSTRAINT apartment_popularity_pkey PRIMARY KEY (apartment_id);


--
-- Name: apartment_stats apartment_stats_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.apartment_stats
    ADD CONSTRAINT apartment_stats_pkey PRIMARY KEY (apartment_id);


--
-- Name: apartments apartments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.apartments
    ADD CONSTRAINT apartments_pkey PRIMARY KEY (id);


--
-- Name: apartments apartments_project_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.apartments
    ADD CONSTRAINT apartments_project_code_key UNIQUE (project_id, code);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: booking_events booking_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.booking_events
    ADD CONSTRAINT booking_events_pkey PRIMARY KEY (id);


--
-- Name: booking_idempotency_keys booking_idempotency_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.booking_idempotency_keys
    ADD CONSTRAINT booking_idempotency_keys_pkey PRIMARY KEY (id);


--
-- Name: booking_idempotency_keys booking_idempotency_keys_user_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.booking_idempotency_keys
    ADD CONSTRAINT booking_idempotency_keys_user_key_key UNIQUE (user_id, key);


--
-- Name: booking_promotions booking_promotions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.booking_promotions
    ADD CONSTRAINT booking_promotions_pkey PRIMARY KEY (booking_id, promotion_id);


--
-- Name: bookings bookings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookings
    ADD CONSTRAINT bookings_pkey PRIMARY KEY (id);


--
-- Name: buildings buildings_id_project_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.buildings
    ADD CONSTRAINT buildings_id_project_id_key UNIQUE (id, project_id);


--
-- Name: buildings buildings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.buildings
    ADD CONSTRAINT buildings_pkey PRIMARY KEY (id);


--
-- Name: catalog_offers catalog_offers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_offers
    ADD CONSTRAINT catalog_offers_pkey PRIMARY KEY (apartment_id);


--
-- Name: crm_connections crm_connections_developer_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_connections
    ADD CONSTRAINT crm_connections_developer_id_key UNIQUE (developer_id);


--
-- Name: crm_connections crm_connections_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_connections
    ADD CONSTRAINT crm_connections_pkey PRIMARY KEY (id);


--
-- Name: crm_deliveries crm_deliveries_event_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_deliveries
    ADD CONSTRAINT crm_deliveries_event_key UNIQUE (connection_id, outbox_event_id);


--
-- Name: crm_deliveries crm_deliveries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_deliveries
    ADD CONSTRAINT crm_deliveries_pkey PRIMARY KEY (id);


--
-- Name: demand_aggregation_state demand_aggregation_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.demand_aggregation_state
    ADD CONSTRAINT demand_aggregation_state_pkey PRIMARY KEY (singleton);


--
-- Name: developer_members developer_members_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.developer_members
    ADD CONSTRAINT developer_members_pkey PRIMARY KEY (developer_id, user_id);


--
-- Name: developers developers_inn_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.developers
    ADD CONSTRAINT developers_inn_key UNIQUE (inn);


--
-- Name: developers developers_ogrn_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.developers
    ADD CONSTRAINT developers_ogrn_key UNIQUE (ogrn);


--
-- Name: developers developers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.developers
    ADD CONSTRAINT developers_pkey PRIMARY KEY (id);


--
-- Name: dynamic_pricing_config dynamic_pricing_config_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dynamic_pricing_config
    ADD CONSTRAINT dynamic_pricing_config_pkey PRIMARY KEY (id);


--
-- Name: favourites favourites_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.favourites
    ADD CONSTRAINT favourites_pkey PRIMARY KEY (user_id, apartment_id);


--
-- Name: flagged_visitors flagged_visitors_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.flagged_visitors
    ADD CONSTRAINT flagged_visitors_pkey PRIMARY KEY (id);


--
-- Name: flagged_visitors flagged_visitors_viewer_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.flagged_visitors
    ADD CONSTRAINT flagged_visitors_viewer_key UNIQUE (viewer);


--
-- Name: leads leads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_pkey PRIMARY KEY (id);


--
-- Name: login_attempts login_attempts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.login_attempts
    ADD CONSTRAINT login_attempts_pkey PRIMARY KEY (id);


--
-- Name: outbox_events outbox_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox_events
    ADD CONSTRAINT outbox_events_pkey PRIMARY KEY (id);


--
-- Name: picker_conversations picker_conversations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.picker_conversations
    ADD CONSTRAINT picker_conversations_pkey PRIMARY KEY (id);


--
-- Name: picker_messages picker_messages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.picker_messages
    ADD CONSTRAINT picker_messages_pkey PRIMARY KEY (id);


--
-- Name: price_history price_history_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.price_history
    ADD CONSTRAINT price_history_pkey PRIMARY KEY (id);


--
-- Name: pricing_run_batches pricing_run_batches_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pricing_run_batches
    ADD CONSTRAINT pricing_run_batches_pkey PRIMARY KEY (run_id, batch_no);


--
-- Name: pricing_runs pricing_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pricing_runs
    ADD CONSTRAINT pricing_runs_pkey PRIMARY KEY (id);


--
-- Name: pricing_runs pricing_runs_scheduled_for_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pricing_runs
    ADD CONSTRAINT pricing_runs_scheduled_for_key UNIQUE (scheduled_for);


--
-- Name: project_media project_media_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_media
    ADD CONSTRAINT project_media_pkey PRIMARY KEY (id);


--
-- Name: project_media project_media_position_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_media
    ADD CONSTRAINT project_media_position_key UNIQUE (project_id, kind, "position");


--
-- Name: projects projects_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_pkey PRIMARY KEY (id);


--
-- Name: promotion_history promotion_history_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.promotion_history
    ADD CONSTRAINT promotion_history_pkey PRIMARY KEY (id);


--
-- Name: promotion_refresh_state promotion_refresh_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.promotion_refresh_state
    ADD CONSTRAINT promotion_refresh_state_pkey PRIMARY KEY (id);


--
-- Name: promotions promotions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.promotions
    ADD CONSTRAINT promotions_pkey PRIMARY KEY (id);


--
-- Name: refinery_schema_history refinery_schema_history_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refinery_schema_history
    ADD CONSTRAINT refinery_schema_history_pkey PRIMARY KEY (version);


--
-- Name: refresh_tokens refresh_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refresh_tokens
    ADD CONSTRAINT refresh_tokens_pkey PRIMARY KEY (id);


--
-- Name: refresh_tokens refresh_tokens_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refresh_tokens
    ADD CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash);


--
-- Name: sql_files_applied sql_files_applied_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sql_files_applied
    ADD CONSTRAINT sql_files_applied_pkey PRIMARY KEY (path);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: view_dedup view_dedup_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.view_dedup
    ADD CONSTRAINT view_dedup_pkey PRIMARY KEY (apartment_id, viewer, event);


--
-- Name: views_log views_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.views_log
    ADD CONSTRAINT views_log_pkey PRIMARY KEY (id);


--
-- Name: visitor_activity visitor_activity_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.visitor_activity
    ADD CONSTRAINT visitor_activity_pkey PRIMARY KEY (viewer, minute);


--
-- Name: webhook_inbox webhook_inbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_inbox
    ADD CONSTRAINT webhook_inbox_pkey PRIMARY KEY (id);


--
-- Name: analytics_daily_demand_project_day_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX analytics_daily_demand_project_day_idx ON public.analytics_daily_demand USING btree (project_id, day) INCLUDE (building_id, rooms, views, unique_visitors, favourites, leads, bookings, confirmed, sold, deals_price_sum, deals_area_sum, flagged_views, flagged_leads);


--
-- Name: INDEX analytics_daily_demand_project_day_idx; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON INDEX public.analytics_daily_demand_project_day_idx IS 'Строки ЖК за период для /analytics/funnel и /analytics/sales: покрывающий (index-only scan), без чтения таблицы';


--
-- Name: analytics_daily_supply_project_day_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX analytics_daily_supply_project_day_idx ON public.analytics_daily_supply USING btree (project_id, day);


--
-- Name: analytics_daily_viewers_viewer_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX analytics_daily_viewers_viewer_idx ON ONLY public.analytics_daily_viewers USING btree (viewer);


--
-- Name: INDEX analytics_daily_viewers_viewer_idx; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON INDEX public.analytics_daily_viewers_viewer_idx IS 'Строки зрителя, чья пометка накрутки сменилась';


--
-- Name: analytics_market_monthly_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX analytics_market_monthly_key ON public.analytics_market_monthly USING btree (month, region_code, city, class);


--
-- Name: analytics_market_monthly_region_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX analytics_market_monthly_region_idx ON public.analytics_market_monthly USING btree (region_code, month);


--
-- Name: analytics_price_responses_changed_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX analytics_price_responses_changed_at_idx ON public.analytics_price_responses USING btree (changed_at);


--
-- Name: analytics_price_responses_cluster_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX analytics_price_responses_cluster_idx ON public.analytics_price_responses USING btree (project_id, rooms, changed_at);


--
-- Name: apartment_popularity_city_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX apartment_popularity_city_idx ON public.apartment_popularity USING btree (city_key, popularity DESC, apartment_id) INCLUDE (rooms);


--
-- Name: INDEX apartment_popularity_city_idx; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON INDEX public.apartment_popularity_city_idx IS 'Квартиры города от самых популярных (при равенстве — по id, как сортирует каталог); комнатность проверяется по записи индекса';


--
-- Name: apartment_stats_leads_bookings_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX apartment_stats_leads_bookings_idx ON public.apartment_stats USING btree (apartment_id) WHERE ((leads_24h > 0) OR (bookings_24h > 0));


--
-- Name: apartment_stats_on_sale_price_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX apartment_stats_on_sale_price_idx ON public.apartment_stats USING btree (project_id, current_price) INCLUDE (rooms, apartment_id) WHERE on_sale;


--
-- Name: apartment_stats_project_rooms_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX apartment_stats_project_rooms_idx ON public.apartment_stats USING btree (project_id, rooms);


--
-- Name: INDEX apartment_stats_project_rooms_idx; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON INDEX public.apartment_stats_project_rooms_idx IS 'Квартиры ЖК (и комнатности) в рабочем наборе: /analytics/popular и /analytics/prices/clusters читают только ЖК застройщика. Столбцы не меняются при пересчёте спроса, обновления apartment_stats остаются HOT';


--
-- Name: apartments_area_total_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX apartments_area_total_idx ON public.apartments USING btree (area_total);


--
-- Name: apartments_building_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX apartments_building_id_idx ON public.apartments USING btree (building_id);


--
-- Name: apartments_floor_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX apartments_floor_idx ON public.apartments USING btree (floor);


--
-- Name: apartments_moderated_by_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX apartments_moderated_by_idx ON public.apartments USING btree (moderated_by);


--
-- Name: apartments_moderation_status_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX apartments_moderation_status_idx ON public.apartments USING btree (moderation_status) WHERE (moderation_status <> 'published'::public.moderation_status);


--
-- Name: apartments_on_sale_cluster_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX apartments_on_sale_cluster_idx ON public.apartments USING btree (project_id, rooms) WHERE ((status = 'available'::public.apartment_status) AND (moderation_status = 'published'::public.moderation_status));


--
-- Name: apartments_published_search_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX apartments_published_search_idx ON public.apartments USING btree (project_id, rooms, status) WHERE (moderation_status = 'published'::public.moderation_status);


--
-- Name: apartments_rooms_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX apartments_rooms_idx ON public.apartments USING btree (rooms);


--
-- Name: apartments_status_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX apartments_status_idx ON public.apartments USING btree (status);


--
-- Name: audit_log_actor_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_actor_user_id_idx ON public.audit_log USING btree (actor_user_id);


--
-- Name: audit_log_entity_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_entity_idx ON public.audit_log USING btree (entity, entity_id, occurred_at DESC);


--
-- Name: booking_events_actor_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX booking_events_actor_id_idx ON public.booking_events USING btree (actor_id) WHERE (actor_id IS NOT NULL);


--
-- Name: booking_events_booking_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX booking_events_booking_id_idx ON public.booking_events USING btree (booking_id, occurred_at);


--
-- Name: booking_events_occurred_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX booking_events_occurred_at_idx ON public.booking_events USING btree (occurred_at);


--
-- Name: INDEX booking_events_occurred_at_idx; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON INDEX public.booking_events_occurred_at_idx IS 'Шаги броней за сутки для свёртки аналитики (refresh_analytics): без него каждая свёртка читала всю таблицу';


--
-- Name: booking_idempotency_keys_booking_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX booking_idempotency_keys_booking_id_idx ON public.booking_idempotency_keys USING btree (booking_id);


--
-- Name: booking_idempotency_keys_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX booking_idempotency_keys_created_at_idx ON public.booking_idempotency_keys USING btree (created_at);


--
-- Name: booking_promotions_promotion_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX booking_promotions_promotion_id_idx ON public.booking_promotions USING btree (promotion_id);


--
-- Name: bookings_apartment_booked_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bookings_apartment_booked_at_idx ON public.bookings USING btree (apartment_id, booked_at);


--
-- Name: bookings_booked_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bookings_booked_at_idx ON public.bookings USING btree (booked_at);


--
-- Name: bookings_one_active_per_apartment_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX bookings_one_active_per_apartment_key ON public.bookings USING btree (apartment_id) WHERE (status = ANY (ARRAY['pending'::public.booking_status, 'confirmed'::public.booking_status]));


--
-- Name: bookings_pending_expires_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bookings_pending_expires_at_idx ON public.bookings USING btree (expires_at) WHERE (status = 'pending'::public.booking_status);


--
-- Name: bookings_recorded_xid_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bookings_recorded_xid_idx ON public.bookings USING btree (recorded_xid);


--
-- Name: bookings_status_booked_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bookings_status_booked_at_idx ON public.bookings USING btree (status, booked_at DESC);


--
-- Name: bookings_user_active_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bookings_user_active_idx ON public.bookings USING btree (user_id) WHERE (status = ANY (ARRAY['pending'::public.booking_status, 'confirmed'::public.booking_status]));


--
-- Name: bookings_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bookings_user_id_idx ON public.bookings USING btree (user_id);


--
-- Name: buildings_commissioning_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX buildings_commissioning_idx ON public.buildings USING btree (commissioning_year, commissioning_quarter);


--
-- Name: buildings_project_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX buildings_project_id_idx ON public.buildings USING btree (project_id);


--
-- Name: catalog_offers_city_rooms_price_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX catalog_offers_city_rooms_price_idx ON public.catalog_offers USING btree (city_key, rooms, current_price, apartment_id) INCLUDE (project_id, area_total, floor, area_kitchen, balcony, building_id, final_price, promotion_ids);


--
-- Name: INDEX catalog_offers_city_rooms_price_idx; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON INDEX public.catalog_offers_city_rooms_price_idx IS 'Поиск квартир в продаже по городу и комнатности в порядке цены с квартирными фильтрами (площадь, этаж, кухня, балкон, корпус), итоговой ценой и акциями: страница — чтение записей индекса по порядку, total — сканирование индекса без чтения таблицы';


--
-- Name: catalog_offers_project_final_price_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX catalog_offers_project_final_price_idx ON public.catalog_offers USING btree (project_id, final_price, apartment_id);


--
-- Name: INDEX catalog_offers_project_final_price_idx; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON INDEX public.catalog_offers_project_final_price_idx IS 'Итоговая цена внутри ЖК: поиск без региона и пересчёт скидок по ЖК акции';


--
-- Name: catalog_offers_region_final_price_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX catalog_offers_region_final_price_idx ON public.catalog_offers USING btree (region_code, final_price, apartment_id) INCLUDE (rooms, project_id);


--
-- Name: INDEX catalog_offers_region_final_price_idx; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON INDEX public.catalog_offers_region_final_price_idx IS 'Поиск квартир в продаже по региону в порядке итоговой цены (sort=final_price, final_price_min/max)';


--
-- Name: catalog_offers_region_price_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX catalog_offers_region_price_idx ON public.catalog_offers USING btree (region_code, current_price, apartment_id) INCLUDE (rooms, project_id);


--
-- Name: INDEX catalog_offers_region_price_idx; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON INDEX public.catalog_offers_region_price_idx IS 'Поиск квартир в продаже по региону в порядке цены: страница — чтение записей индекса по порядку';


--
-- Name: cluster_demand_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX cluster_demand_key ON public.cluster_demand USING btree (project_id, rooms);


--
-- Name: crm_deliveries_aggregate_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX crm_deliveries_aggregate_idx ON public.crm_deliveries USING btree (connection_id, aggregate_id, id);


--
-- Name: crm_deliveries_dead_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX crm_deliveries_dead_idx ON public.crm_deliveries USING btree (connection_id, id) WHERE (status = 'dead'::public.crm_delivery_status);


--
-- Name: crm_deliveries_pending_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX crm_deliveries_pending_idx ON public.crm_deliveries USING btree (connection_id, id) WHERE (status = 'pending'::public.crm_delivery_status);


--
-- Name: developer_members_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX developer_members_user_id_idx ON public.developer_members USING btree (user_id);


--
-- Name: developers_moderated_by_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX developers_moderated_by_idx ON public.developers USING btree (moderated_by);


--
-- Name: developers_moderation_status_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX developers_moderation_status_idx ON public.developers USING btree (moderation_status);


--
-- Name: developers_published_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX developers_published_idx ON public.developers USING btree (id) WHERE (moderation_status = 'published'::public.moderation_status);


--
-- Name: dynamic_pricing_config_created_by_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dynamic_pricing_config_created_by_idx ON public.dynamic_pricing_config USING btree (created_by);


--
-- Name: dynamic_pricing_config_developer_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dynamic_pricing_config_developer_id_idx ON public.dynamic_pricing_config USING btree (developer_id, created_at DESC);


--
-- Name: dynamic_pricing_config_project_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dynamic_pricing_config_project_id_idx ON public.dynamic_pricing_config USING btree (project_id, created_at DESC);


--
-- Name: favourites_apartment_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX favourites_apartment_id_idx ON public.favourites USING btree (apartment_id);


--
-- Name: favourites_user_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX favourites_user_created_at_idx ON public.favourites USING btree (user_id, created_at DESC);


--
-- Name: flagged_visitors_changed_xid_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX flagged_visitors_changed_xid_idx ON public.flagged_visitors USING btree (changed_xid);


--
-- Name: flagged_visitors_flagged_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX flagged_visitors_flagged_at_idx ON public.flagged_visitors USING btree (flagged_at DESC);


--
-- Name: flagged_visitors_unflagged_by_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX flagged_visitors_unflagged_by_idx ON public.flagged_visitors USING btree (unflagged_by) WHERE (unflagged_by IS NOT NULL);


--
-- Name: leads_apartment_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX leads_apartment_created_at_idx ON public.leads USING btree (apartment_id, created_at);


--
-- Name: leads_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX leads_created_at_idx ON public.leads USING btree (created_at);


--
-- Name: leads_recorded_xid_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX leads_recorded_xid_idx ON public.leads USING btree (recorded_xid);


--
-- Name: leads_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX leads_user_id_idx ON public.leads USING btree (user_id) WHERE (user_id IS NOT NULL);


--
-- Name: leads_viewer_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX leads_viewer_created_at_idx ON public.leads USING btree (viewer, created_at) WHERE (viewer IS NOT NULL);


--
-- Name: login_attempts_attempted_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX login_attempts_attempted_at_idx ON public.login_attempts USING btree (attempted_at);


--
-- Name: login_attempts_client_ip_attempted_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX login_attempts_client_ip_attempted_at_idx ON public.login_attempts USING btree (client_ip, attempted_at) WHERE (client_ip IS NOT NULL);


--
-- Name: login_attempts_email_attempted_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX login_attempts_email_attempted_at_idx ON public.login_attempts USING btree (email, attempted_at);


--
-- Name: outbox_events_published_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_events_published_at_idx ON public.outbox_events USING btree (published_at) WHERE (published_at IS NOT NULL);


--
-- Name: outbox_events_unpublished_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_events_unpublished_idx ON public.outbox_events USING btree (id) WHERE (published_at IS NULL);


--
-- Name: picker_conversations_expires_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX picker_conversations_expires_at_idx ON public.picker_conversations USING btree (expires_at);


--
-- Name: picker_conversations_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX picker_conversations_user_id_idx ON public.picker_conversations USING btree (user_id) WHERE (user_id IS NOT NULL);


--
-- Name: picker_conversations_visitor_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX picker_conversations_visitor_id_idx ON public.picker_conversations USING btree (visitor_id) WHERE (visitor_id IS NOT NULL);


--
-- Name: picker_messages_conversation_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX picker_messages_conversation_id_created_at_idx ON public.picker_messages USING btree (conversation_id, created_at);


--
-- Name: price_history_apartment_changed_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX price_history_apartment_changed_at_idx ON public.price_history USING btree (apartment_id, changed_at DESC);


--
-- Name: price_history_changed_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX price_history_changed_at_idx ON public.price_history USING btree (changed_at);


--
-- Name: price_history_changed_by_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX price_history_changed_by_idx ON public.price_history USING btree (changed_by) WHERE (changed_by IS NOT NULL);


--
-- Name: price_history_pricing_run_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX price_history_pricing_run_id_idx ON public.price_history USING btree (pricing_run_id);


--
-- Name: price_history_rollback_of_run_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX price_history_rollback_of_run_id_idx ON public.price_history USING btree (rollback_of_run_id) WHERE (rollback_of_run_id IS NOT NULL);


--
-- Name: pricing_run_batches_pending_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX pricing_run_batches_pending_idx ON public.pricing_run_batches USING btree (run_id, batch_no) WHERE (done_at IS NULL);


--
-- Name: pricing_runs_rolled_back_by_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX pricing_runs_rolled_back_by_idx ON public.pricing_runs USING btree (rolled_back_by);


--
-- Name: pricing_runs_running_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX pricing_runs_running_idx ON public.pricing_runs USING btree (id) WHERE (status = 'running'::public.pricing_run_status);


--
-- Name: pricing_runs_started_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX pricing_runs_started_at_idx ON public.pricing_runs USING btree (started_at DESC);


--
-- Name: pricing_runs_started_by_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX pricing_runs_started_by_idx ON public.pricing_runs USING btree (started_by);


--
-- Name: project_media_apartment_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX project_media_apartment_id_idx ON public.project_media USING btree (apartment_id) WHERE (apartment_id IS NOT NULL);


--
-- Name: projects_city_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX projects_city_idx ON public.projects USING btree (lower(city));


--
-- Name: projects_class_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX projects_class_idx ON public.projects USING btree (class);


--
-- Name: projects_commissioning_date_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX projects_commissioning_date_idx ON public.projects USING btree (commissioning_date);


--
-- Name: projects_developer_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX projects_developer_id_idx ON public.projects USING btree (developer_id);


--
-- Name: projects_geo_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX projects_geo_idx ON public.projects USING gist (geo);


--
-- Name: projects_geom_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX projects_geom_idx ON public.projects USING gist (((geo)::public.geometry));


--
-- Name: projects_moderated_by_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX projects_moderated_by_idx ON public.projects USING btree (moderated_by);


--
-- Name: projects_moderation_status_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX projects_moderation_status_idx ON public.projects USING btree (moderation_status);


--
-- Name: projects_published_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX projects_published_idx ON public.projects USING btree (developer_id, commissioning_date) WHERE (moderation_status = 'published'::public.moderation_status);


--
-- Name: projects_region_code_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX projects_region_code_idx ON public.projects USING btree (region_code);


--
-- Name: promotion_history_actor_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX promotion_history_actor_id_idx ON public.promotion_history USING btree (actor_id) WHERE (actor_id IS NOT NULL);


--
-- Name: promotion_history_promotion_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX promotion_history_promotion_id_idx ON public.promotion_history USING btree (promotion_id, occurred_at);


--
-- Name: promotions_active_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX promotions_active_idx ON public.promotions USING btree (starts_at, ends_at) WHERE (status = 'approved'::public.promotion_status);


--
-- Name: promotions_created_by_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX promotions_created_by_idx ON public.promotions USING btree (created_by);


--
-- Name: promotions_developer_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX promotions_developer_id_idx ON public.promotions USING btree (developer_id);


--
-- Name: promotions_moderated_by_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX promotions_moderated_by_idx ON public.promotions USING btree (moderated_by);


--
-- Name: promotions_period_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX promotions_period_idx ON public.promotions USING btree (starts_at, ends_at);


--
-- Name: promotions_project_ids_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX promotions_project_ids_idx ON public.promotions USING gin (((conditions -> 'project_ids'::text)));


--
-- Name: INDEX promotions_project_ids_idx; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON INDEX public.promotions_project_ids_idx IS 'Акции с условием на ЖК: какие могут задеть квартиры этого ЖК';


--
-- Name: promotions_status_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX promotions_status_idx ON public.promotions USING btree (status);


--
-- Name: promotions_unscoped_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX promotions_unscoped_idx ON public.promotions USING btree (developer_id) WHERE (NOT (conditions ? 'project_ids'::text));


--
-- Name: INDEX promotions_unscoped_idx; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON INDEX public.promotions_unscoped_idx IS 'Акции без условия на ЖК: застройщика (по developer_id) и платформы (NULL)';


--
-- Name: refresh_tokens_expires_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX refresh_tokens_expires_at_idx ON public.refresh_tokens USING btree (expires_at);


--
-- Name: refresh_tokens_family_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX refresh_tokens_family_id_idx ON public.refresh_tokens USING btree (family_id);


--
-- Name: refresh_tokens_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX refresh_tokens_user_id_idx ON public.refresh_tokens USING btree (user_id);


--
-- Name: users_email_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX users_email_key ON public.users USING btree (lower(email));


--
-- Name: view_dedup_counted_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX view_dedup_counted_at_idx ON public.view_dedup USING btree (counted_at);


--
-- Name: views_log_apartment_occurred_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX views_log_apartment_occurred_at_idx ON public.views_log USING btree (apartment_id, occurred_at);


--
-- Name: views_log_occurred_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX views_log_occurred_at_idx ON public.views_log USING btree (occurred_at);


--
-- Name: views_log_recorded_xid_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX views_log_recorded_xid_idx ON public.views_log USING btree (recorded_xid);


--
-- Name: views_log_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX views_log_user_id_idx ON public.views_log USING btree (user_id) WHERE (user_id IS NOT NULL);


--
-- Name: views_log_viewer_occurred_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX views_log_viewer_occurred_at_idx ON public.views_log USING btree (viewer, occurred_at) WHERE (viewer IS NOT NULL);


--
-- Name: visitor_activity_minute_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX visitor_activity_minute_idx ON public.visitor_activity USING btree (minute);


--
-- Name: webhook_inbox_connection_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_inbox_connection_id_idx ON public.webhook_inbox USING btree (connection_id, id);


--
-- Name: webhook_inbox_received_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_inbox_received_idx ON public.webhook_inbox USING btree (id) WHERE (status = 'received'::public.webhook_status);


--
-- Name: webhook_inbox_source_received_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_inbox_source_received_at_idx ON public.webhook_inbox USING btree (source, received_at);


--
-- Name: webhook_inbox_unprocessed_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_inbox_unprocessed_idx ON public.webhook_inbox USING btree (received_at) WHERE (NOT processed);


--
-- Name: apartments apartments_check_floor; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER apartments_check_floor BEFORE INSERT OR UPDATE OF floor, building_id ON public.apartments FOR EACH ROW EXECUTE FUNCTION public.apartments_check_floor();


--
-- Name: apartments apartments_emit_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER apartments_emit_inserted AFTER INSERT ON public.apartments REFERENCING NEW TABLE AS inserted_apartments FOR EACH STATEMENT EXECUTE FUNCTION public.apartments_emit_inserted();


--
-- Name: TRIGGER apartments_emit_inserted ON apartments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER apartments_emit_inserted ON public.apartments IS 'apartment.published для вставленных опубликованными';


--
-- Name: apartments apartments_emit_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER apartments_emit_updated AFTER UPDATE ON public.apartments FOR EACH ROW WHEN ((((((((((((((((old.moderation_status IS DISTINCT FROM new.moderation_status) OR (old.building_id IS DISTINCT FROM new.building_id)) OR (old.code IS DISTINCT FROM new.code)) OR (old.floor IS DISTINCT FROM new.floor)) OR (old.rooms IS DISTINCT FROM new.rooms)) OR (old.area_total IS DISTINCT FROM new.area_total)) OR (old.area_living IS DISTINCT FROM new.area_living)) OR (old.area_kitchen IS DISTINCT FROM new.area_kitchen)) OR (old.ceiling_height IS DISTINCT FROM new.ceiling_height)) OR (old.balcony IS DISTINCT FROM new.balcony)) OR (old.layout_image_url IS DISTINCT FROM new.layout_image_url)) OR (old.base_price IS DISTINCT FROM new.base_price)) OR (old.status IS DISTINCT FROM new.status)) OR (old.tour_url IS DISTINCT FROM new.tour_url)) OR (old.extra IS DISTINCT FROM new.extra))) EXECUTE FUNCTION public.apartments_emit_updated();


--
-- Name: TRIGGER apartments_emit_updated ON apartments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER apartments_emit_updated ON public.apartments IS 'Событие каталога в outbox при изменении квартиры, видимой покупателям; проход цен (только current_price) не вызывает его ни для одной строки';


--
-- Name: apartments apartments_fill_project_id; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER apartments_fill_project_id BEFORE INSERT OR UPDATE OF building_id ON public.apartments FOR EACH ROW EXECUTE FUNCTION public.apartments_fill_project_id();


--
-- Name: apartments apartments_forget_pricing_inputs; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER apartments_forget_pricing_inputs AFTER DELETE ON public.apartments REFERENCING OLD TABLE AS deleted_apartments FOR EACH STATEMENT EXECUTE FUNCTION public.apartments_forget_pricing_inputs();


--
-- Name: apartments apartments_keep_referenced; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER apartments_keep_referenced AFTER DELETE ON public.apartments REFERENCING OLD TABLE AS deleted_apartments FOR EACH STATEMENT EXECUTE FUNCTION public.apartments_keep_referenced();


--
-- Name: TRIGGER apartments_keep_referenced ON apartments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER apartments_keep_referenced ON public.apartments IS 'Квартиру с историей цен или событиями не удалить; её строки view_dedup удаляются';


--
-- Name: apartments apartments_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER apartments_set_updated_at BEFORE UPDATE ON public.apartments FOR EACH ROW WHEN ((NOT (old.updated_at IS DISTINCT FROM new.updated_at))) EXECUTE FUNCTION public.set_updated_at();


--
-- Name: TRIGGER apartments_set_updated_at ON apartments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER apartments_set_updated_at ON public.apartments IS 'updated_at = now(), если UPDATE не задал его сам';


--
-- Name: apartments apartments_sync_copies; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER apartments_sync_copies AFTER UPDATE ON public.apartments FOR EACH ROW WHEN ((((((((((((((((old.project_id IS DISTINCT FROM new.project_id) OR (old.rooms IS DISTINCT FROM new.rooms)) OR (old.status IS DISTINCT FROM new.status)) OR (old.moderation_status IS DISTINCT FROM new.moderation_status)) OR (old.published_at IS DISTINCT FROM new.published_at)) OR (old.base_price IS DISTINCT FROM new.base_price)) OR (old.current_price IS DISTINCT FROM new.current_price)) OR (old.price_changed_at IS DISTINCT FROM new.price_changed_at)) OR (old.last_booked_at IS DISTINCT FROM new.last_booked_at)) OR (old.building_id IS DISTINCT FROM new.building_id)) OR (old.floor IS DISTINCT FROM new.floor)) OR (old.area_total IS DISTINCT FROM new.area_total)) OR (old.area_kitchen IS DISTINCT FROM new.area_kitchen)) OR (old.balcony IS DISTINCT FROM new.balcony)) AND (current_setting('pricing.copies_synced_by_pass'::text, true) IS DISTINCT FROM 'on'::text))) EXECUTE FUNCTION public.apartments_sync_copies();


--
-- Name: TRIGGER apartments_sync_copies ON apartments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER apartments_sync_copies ON public.apartments IS 'Смена цены, статуса, модерации, даты публикации, комнатности, ЖК (в т. ч. через смену корпуса), базовой цены, пауз, корпуса, этажа, площадей или балкона переносится в apartment_stats, catalog_offers и apartment_popularity; строки прохода и отката (флаг pricing.copies_synced_by_pass) не ставятся в очередь. Разошедшуюся вручную копию чинит следующее изменение этих полей или rebuild_apartment_stats()';


--
-- Name: apartments apartments_sync_inserted_copies; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER apartments_sync_inserted_copies AFTER INSERT ON public.apartments REFERENCING NEW TABLE AS inserted_apartments FOR EACH STATEMENT EXECUTE FUNCTION public.apartments_sync_inserted_copies();


--
-- Name: TRIGGER apartments_sync_inserted_copies ON apartments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER apartments_sync_inserted_copies ON public.apartments IS 'Новые квартиры получают строки apartment_stats и apartment_popularity и, если в продаже, строку catalog_offers';


--
-- Name: booking_events booking_events_emit; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER booking_events_emit AFTER INSERT ON public.booking_events REFERENCING NEW TABLE AS inserted_booking_events FOR EACH STATEMENT EXECUTE FUNCTION public.booking_events_emit();


--
-- Name: TRIGGER booking_events_emit ON booking_events; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER booking_events_emit ON public.booking_events IS 'Каждый шаг брони (его пишут создание, подтверждение, отмена, истечение, продажа) — событие в outbox в той же транзакции';


--
-- Name: bookings bookings_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER bookings_set_updated_at BEFORE UPDATE ON public.bookings FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: bookings bookings_track_booking; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER bookings_track_booking AFTER INSERT ON public.bookings REFERENCING NEW TABLE AS inserted_bookings FOR EACH STATEMENT EXECUTE FUNCTION public.apartments_track_booking();


--
-- Name: buildings buildings_check_floors; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER buildings_check_floors BEFORE UPDATE OF floors ON public.buildings FOR EACH ROW EXECUTE FUNCTION public.buildings_check_floors();


--
-- Name: buildings buildings_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER buildings_set_updated_at BEFORE UPDATE ON public.buildings FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: apartments catalog_offers_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER catalog_offers_deleted AFTER DELETE ON public.apartments REFERENCING OLD TABLE AS deleted_apartments FOR EACH STATEMENT EXECUTE FUNCTION public.catalog_offers_deleted();


--
-- Name: TRIGGER catalog_offers_deleted ON apartments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER catalog_offers_deleted ON public.apartments IS 'Удалённые квартиры уходят из catalog_offers';


--
-- Name: developers developers_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER developers_set_updated_at BEFORE UPDATE ON public.developers FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: dynamic_pricing_config dynamic_pricing_config_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER dynamic_pricing_config_append_only BEFORE DELETE OR UPDATE ON public.dynamic_pricing_config FOR EACH ROW EXECUTE FUNCTION public.dynamic_pricing_config_forbid_change();


--
-- Name: leads leads_emit_created; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER leads_emit_created AFTER INSERT ON public.leads REFERENCING NEW TABLE AS inserted_leads FOR EACH STATEMENT EXECUTE FUNCTION public.leads_emit_created();


--
-- Name: TRIGGER leads_emit_created ON leads; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER leads_emit_created ON public.leads IS 'lead.created в outbox в транзакции заявки';


--
-- Name: outbox_events outbox_events_notify; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER outbox_events_notify AFTER INSERT ON public.outbox_events FOR EACH STATEMENT EXECUTE FUNCTION public.outbox_events_notify();


--
-- Name: TRIGGER outbox_events_notify ON outbox_events; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER outbox_events_notify ON public.outbox_events IS 'NOTIFY outbox_events после вставки событий; доставляется только после COMMIT, откат не будит никого';


--
-- Name: price_history price_history_check_references; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER price_history_check_references AFTER INSERT ON public.price_history FOR EACH ROW WHEN ((current_setting('pricing.copies_synced_by_pass'::text, true) IS DISTINCT FROM 'on'::text)) EXECUTE FUNCTION public.price_history_check_references();


--
-- Name: TRIGGER price_history_check_references ON price_history; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER price_history_check_references ON public.price_history IS 'Квартира и проход новой строки истории существуют; строки прохода и отката (флаг pricing.copies_synced_by_pass) верны по построению и не проверяются';


--
-- Name: price_history price_history_emit_price_changed; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER price_history_emit_price_changed AFTER INSERT ON public.price_history FOR EACH ROW WHEN ((current_setting('pricing.copies_synced_by_pass'::text, true) IS DISTINCT FROM 'on'::text)) EXECUTE FUNCTION public.price_history_emit_price_changed();


--
-- Name: TRIGGER price_history_emit_price_changed ON price_history; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER price_history_emit_price_changed ON public.price_history IS 'price.changed в outbox для ручных изменений цены; строки прохода и отката пропускает (флаг pricing.copies_synced_by_pass): их события пишет сам оператор прохода, без построчного триггера';


--
-- Name: price_history price_history_keep_references; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER price_history_keep_references BEFORE UPDATE OF apartment_id, pricing_run_id ON public.price_history FOR EACH ROW WHEN (((old.apartment_id IS DISTINCT FROM new.apartment_id) OR (old.pricing_run_id IS DISTINCT FROM new.pricing_run_id))) EXECUTE FUNCTION public.forbid_reference_change('apartment_id/pricing_run_id', 'price_history_apartment_id_fkey');


--
-- Name: TRIGGER price_history_keep_references ON price_history; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER price_history_keep_references ON public.price_history IS 'Ссылки строки истории на квартиру и проход не меняются';


--
-- Name: price_history price_history_track_price_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER price_history_track_price_change AFTER INSERT ON public.price_history FOR EACH ROW WHEN ((current_setting('pricing.copies_synced_by_pass'::text, true) IS DISTINCT FROM 'on'::text)) EXECUTE FUNCTION public.apartments_track_price_change();


--
-- Name: TRIGGER price_history_track_price_change ON price_history; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER price_history_track_price_change ON public.price_history IS 'apartments.price_changed_at = max(changed_at) истории квартиры (пауза после изменения цены); строки прохода и отката не ставятся в очередь';


--
-- Name: pricing_runs pricing_runs_keep_referenced; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER pricing_runs_keep_referenced AFTER DELETE ON public.pricing_runs REFERENCING OLD TABLE AS deleted_runs FOR EACH STATEMENT EXECUTE FUNCTION public.pricing_runs_keep_referenced();


--
-- Name: TRIGGER pricing_runs_keep_referenced ON pricing_runs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER pricing_runs_keep_referenced ON public.pricing_runs IS 'Проход, на который ссылается история цен, не удалить';


--
-- Name: projects projects_emit_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER projects_emit_inserted AFTER INSERT ON public.projects REFERENCING NEW TABLE AS inserted_projects FOR EACH STATEMENT EXECUTE FUNCTION public.projects_emit_inserted();


--
-- Name: TRIGGER projects_emit_inserted ON projects; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER projects_emit_inserted ON public.projects IS 'project.published для вставленных опубликованными';


--
-- Name: projects projects_emit_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER projects_emit_updated AFTER UPDATE ON public.projects FOR EACH ROW WHEN ((((((((((((old.moderation_status IS DISTINCT FROM new.moderation_status) OR (old.developer_id IS DISTINCT FROM new.developer_id)) OR (old.name IS DISTINCT FROM new.name)) OR (old.city IS DISTINCT FROM new.city)) OR (old.region_code IS DISTINCT FROM new.region_code)) OR (old.address IS DISTINCT FROM new.address)) OR ((old.geo)::text IS DISTINCT FROM (new.geo)::text)) OR (old.class IS DISTINCT FROM new.class)) OR (old.commissioning_date IS DISTINCT FROM new.commissioning_date)) OR (old.cover_image_url IS DISTINCT FROM new.cover_image_url)) OR (old.description IS DISTINCT FROM new.description))) EXECUTE FUNCTION public.projects_emit_updated();


--
-- Name: TRIGGER projects_emit_updated ON projects; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER projects_emit_updated ON public.projects IS 'Событие каталога в outbox при изменении ЖК, видимого покупателям';


--
-- Name: projects projects_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER projects_set_updated_at BEFORE UPDATE ON public.projects FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: projects projects_sync_place_to_offers; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER projects_sync_place_to_offers AFTER UPDATE ON public.projects REFERENCING OLD TABLE AS old_projects NEW TABLE AS new_projects FOR EACH STATEMENT EXECUTE FUNCTION public.projects_sync_place_to_offers();


--
-- Name: TRIGGER projects_sync_place_to_offers ON projects; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER projects_sync_place_to_offers ON public.projects IS 'ЖК сменил регион или город: catalog_offers (и apartment_popularity — город) его квартир получает их одним оператором';


--
-- Name: promotion_history promotion_history_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER promotion_history_append_only BEFORE DELETE OR UPDATE ON public.promotion_history FOR EACH ROW EXECUTE FUNCTION public.promotion_history_forbid_change();


--
-- Name: TRIGGER promotion_history_append_only ON promotion_history; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER promotion_history_append_only ON public.promotion_history IS 'История акций только дополняется';


--
-- Name: promotions promotions_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER promotions_set_updated_at BEFORE UPDATE ON public.promotions FOR EACH ROW WHEN ((NOT (old.issued_bookings IS DISTINCT FROM new.issued_bookings))) EXECUTE FUNCTION public.set_updated_at();


--
-- Name: TRIGGER promotions_set_updated_at ON promotions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER promotions_set_updated_at ON public.promotions IS 'updated_at = now() при любом изменении акции, кроме счётчика броней: бронь не меняет условия акции';


--
-- Name: users users_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: view_dedup view_dedup_check_apartment; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER view_dedup_check_apartment AFTER INSERT ON public.view_dedup REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION public.check_apartment_reference('view_dedup_apartment_id_fkey');


--
-- Name: TRIGGER view_dedup_check_apartment ON view_dedup; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER view_dedup_check_apartment ON public.view_dedup IS 'Квартиры вставленных строк окна повторов существуют';


--
-- Name: view_dedup view_dedup_keep_apartment; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER view_dedup_keep_apartment BEFORE UPDATE OF apartment_id ON public.view_dedup FOR EACH ROW WHEN ((old.apartment_id IS DISTINCT FROM new.apartment_id)) EXECUTE FUNCTION public.forbid_reference_change('apartment_id', 'view_dedup_apartment_id_fkey');


--
-- Name: TRIGGER view_dedup_keep_apartment ON view_dedup; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER view_dedup_keep_apartment ON public.view_dedup IS 'Квартира строки окна повторов не меняется';


--
-- Name: views_log views_log_check_apartment; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER views_log_check_apartment AFTER INSERT ON public.views_log REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION public.check_apartment_reference('views_log_apartment_id_fkey');


--
-- Name: TRIGGER views_log_check_apartment ON views_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER views_log_check_apartment ON public.views_log IS 'Квартиры вставленных событий существуют (вместо построчного внешнего ключа)';


--
-- Name: views_log views_log_clamp_occurred_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER views_log_clamp_occurred_at BEFORE INSERT ON public.views_log FOR EACH ROW WHEN ((new.occurred_at > now())) EXECUTE FUNCTION public.views_log_clamp_occurred_at();


--
-- Name: TRIGGER views_log_clamp_occurred_at ON views_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER views_log_clamp_occurred_at ON public.views_log IS 'Событие из будущего записывается текущим временем (вызывается только для него)';


--
-- Name: views_log views_log_keep_apartment; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER views_log_keep_apartment BEFORE UPDATE OF apartment_id ON public.views_log FOR EACH ROW WHEN ((old.apartment_id IS DISTINCT FROM new.apartment_id)) EXECUTE FUNCTION public.forbid_reference_change('apartment_id', 'views_log_apartment_id_fkey');


--
-- Name: TRIGGER views_log_keep_apartment ON views_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TRIGGER views_log_keep_apartment ON public.views_log IS 'Квартира события не меняется';


--
-- Name: apartment_popularity apartment_popularity_apartment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.apartment_popularity
    ADD CONSTRAINT apartment_popularity_apartment_id_fkey FOREIGN KEY (apartment_id) REFERENCES public.apartments(id) ON DELETE CASCADE;


--
-- Name: apartments apartments_building_project_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.apartments
    ADD CONSTRAINT apartments_building_project_fkey FOREIGN KEY (building_id, project_id) REFERENCES public.buildings(id, project_id) ON DELETE RESTRICT;


--
-- Name: apartments apartments_moderated_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.apartments
    ADD CONSTRAINT apartments_moderated_by_fkey FOREIGN KEY (moderated_by) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: audit_log audit_log_actor_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_actor_user_id_fkey FOREIGN KEY (actor_user_id) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: booking_events booking_events_actor_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.booking_events
    ADD CONSTRAINT booking_events_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: booking_events booking_events_booking_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.booking_events
    ADD CONSTRAINT booking_events_booking_id_fkey FOREIGN KEY (booking_id) REFERENCES public.bookings(id) ON DELETE CASCADE;


--
-- Name: booking_idempotency_keys booking_idempotency_keys_booking_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.booking_idempotency_keys
    ADD CONSTRAINT booking_idempotency_keys_booking_id_fkey FOREIGN KEY (booking_id) REFERENCES public.bookings(id) ON DELETE CASCADE;


--
-- Name: booking_idempotency_keys booking_idempotency_keys_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.booking_idempotency_keys
    ADD CONSTRAINT booking_idempotency_keys_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: booking_promotions booking_promotions_booking_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.booking_promotions
    ADD CONSTRAINT booking_promotions_booking_id_fkey FOREIGN KEY (booking_id) REFERENCES public.bookings(id) ON DELETE RESTRICT;


--
-- Name: booking_promotions booking_promotions_promotion_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.booking_promotions
    ADD CONSTRAINT booking_promotions_promotion_id_fkey FOREIGN KEY (promotion_id) REFERENCES public.promotions(id) ON DELETE RESTRICT;


--
-- Name: bookings bookings_apartment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookings
    ADD CONSTRAINT bookings_apartment_id_fkey FOREIGN KEY (apartment_id) REFERENCES public.apartments(id) ON DELETE RESTRICT;


--
-- Name: bookings bookings_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookings
    ADD CONSTRAINT bookings_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE RESTRICT;


--
-- Name: buildings buildings_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.buildings
    ADD CONSTRAINT buildings_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE RESTRICT;


--
-- Name: crm_connections crm_connections_developer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_connections
    ADD CONSTRAINT crm_connections_developer_id_fkey FOREIGN KEY (developer_id) REFERENCES public.developers(id) ON DELETE CASCADE;


--
-- Name: crm_deliveries crm_deliveries_connection_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_deliveries
    ADD CONSTRAINT crm_deliveries_connection_id_fkey FOREIGN KEY (connection_id) REFERENCES public.crm_connections(id) ON DELETE CASCADE;


--
-- Name: developer_members developer_members_developer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.developer_members
    ADD CONSTRAINT developer_members_developer_id_fkey FOREIGN KEY (developer_id) REFERENCES public.developers(id) ON DELETE CASCADE;


--
-- Name: developer_members developer_members_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.developer_members
    ADD CONSTRAINT developer_members_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: developers developers_moderated_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.developers
    ADD CONSTRAINT developers_moderated_by_fkey FOREIGN KEY (moderated_by) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: dynamic_pricing_config dynamic_pricing_config_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dynamic_pricing_config
    ADD CONSTRAINT dynamic_pricing_config_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: dynamic_pricing_config dynamic_pricing_config_developer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dynamic_pricing_config
    ADD CONSTRAINT dynamic_pricing_config_developer_id_fkey FOREIGN KEY (developer_id) REFERENCES public.developers(id) ON DELETE RESTRICT;


--
-- Name: dynamic_pricing_config dynamic_pricing_config_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dynamic_pricing_config
    ADD CONSTRAINT dynamic_pricing_config_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE RESTRICT;


--
-- Name: favourites favourites_apartment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.favourites
    ADD CONSTRAINT favourites_apartment_id_fkey FOREIGN KEY (apartment_id) REFERENCES public.apartments(id) ON DELETE CASCADE;


--
-- Name: favourites favourites_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.favourites
    ADD CONSTRAINT favourites_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: flagged_visitors flagged_visitors_unflagged_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.flagged_visitors
    ADD CONSTRAINT flagged_visitors_unflagged_by_fkey FOREIGN KEY (unflagged_by) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: leads leads_apartment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_apartment_id_fkey FOREIGN KEY (apartment_id) REFERENCES public.apartments(id) ON DELETE RESTRICT;


--
-- Name: leads leads_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: picker_conversations picker_conversations_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.picker_conversations
    ADD CONSTRAINT picker_conversations_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: picker_messages picker_messages_conversation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.picker_messages
    ADD CONSTRAINT picker_messages_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES public.picker_conversations(id) ON DELETE CASCADE;


--
-- Name: price_history price_history_changed_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.price_history
    ADD CONSTRAINT price_history_changed_by_fkey FOREIGN KEY (changed_by) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: price_history price_history_rollback_of_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.price_history
    ADD CONSTRAINT price_history_rollback_of_run_id_fkey FOREIGN KEY (rollback_of_run_id) REFERENCES public.pricing_runs(id) ON DELETE RESTRICT;


--
-- Name: pricing_run_batches pricing_run_batches_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pricing_run_batches
    ADD CONSTRAINT pricing_run_batches_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.pricing_runs(id) ON DELETE CASCADE;


--
-- Name: pricing_runs pricing_runs_rolled_back_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pricing_runs
    ADD CONSTRAINT pricing_runs_rolled_back_by_fkey FOREIGN KEY (rolled_back_by) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: pricing_runs pricing_runs_started_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pricing_runs
    ADD CONSTRAINT pricing_runs_started_by_fkey FOREIGN KEY (started_by) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: project_media project_media_apartment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_media
    ADD CONSTRAINT project_media_apartment_id_fkey FOREIGN KEY (apartment_id) REFERENCES public.apartments(id) ON DELETE CASCADE;


--
-- Name: project_media project_media_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_media
    ADD CONSTRAINT project_media_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;


--
-- Name: projects projects_developer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_developer_id_fkey FOREIGN KEY (developer_id) REFERENCES public.developers(id) ON DELETE RESTRICT;


--
-- Name: projects projects_moderated_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_moderated_by_fkey FOREIGN KEY (moderated_by) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: promotion_history promotion_history_actor_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.promotion_history
    ADD CONSTRAINT promotion_history_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: promotion_history promotion_history_promotion_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.promotion_history
    ADD CONSTRAINT promotion_history_promotion_id_fkey FOREIGN KEY (promotion_id) REFERENCES public.promotions(id) ON DELETE RESTRICT;


--
-- Name: promotions promotions_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.promotions
    ADD CONSTRAINT promotions_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: promotions promotions_developer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.promotions
    ADD CONSTRAINT promotions_developer_id_fkey FOREIGN KEY (developer_id) REFERENCES public.developers(id) ON DELETE RESTRICT;


--
-- Name: promotions promotions_moderated_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.promotions
    ADD CONSTRAINT promotions_moderated_by_fkey FOREIGN KEY (moderated_by) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: refresh_tokens refresh_tokens_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refresh_tokens
    ADD CONSTRAINT refresh_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: views_log views_log_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.views_log
    ADD CONSTRAINT views_log_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: webhook_inbox webhook_inbox_connection_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_inbox
    ADD CONSTRAINT webhook_inbox_connection_id_fkey FOREIGN KEY (connection_id) REFERENCES public.crm_connections(id) ON DELETE SET NULL;


--
-- PostgreSQL database dump complete
--


