-- Акции и скидки: что покупатель платит на самом деле (issue 16).
--
-- promotions получает вид скидки (процент или сумма в рублях), признак «суммируется», модерацию (как у ЖК),
-- условия только из известных ключей и счётчик «первых N броней». История акции —
-- promotion_history (только дополняется). Бронь запоминает цену до скидки (bookings.list_price), каждую
-- применённую акцию с суммой (booking_promotions) и итоговую цену (bookings.price, как и раньше — цена, по
-- которой держится бронь). catalog_offers хранит применённую скидку и итоговую цену для фильтра и сортировки
-- поиска. Функции — sql/promotions/ (расчёт скидок, применение к catalog_offers, минутная задача).

CREATE TYPE promotion_kind AS ENUM ('percent', 'fixed');
COMMENT ON TYPE promotion_kind IS 'Вид скидки акции: процент от текущей цены или фиксированная сумма в рублях';

CREATE TYPE promotion_status AS ENUM ('draft', 'pending_review', 'approved', 'rejected', 'paused', 'ended');
COMMENT ON TYPE promotion_status IS
    'Состояние акции: черновик, на проверке, одобрена (действует в своём окне времени), отклонена, '
    'приостановлена застройщиком, завершена досрочно';

CREATE TYPE promotion_action AS ENUM ('created', 'updated', 'submitted', 'approved', 'rejected', 'paused',
                                      'resumed', 'ended');
COMMENT ON TYPE promotion_action IS 'Шаг истории акции: создана, изменена, отправлена на проверку, одобрена, '
    'отклонена, приостановлена, возобновлена, завершена';

-- Акции ------------------------------------------------------------------------------------------------
-- Столбцы запроса (discount_percent, conditions jsonb) остаются: conditions — объект с известными ключами (проверяет
-- CHECK здесь и типизированная структура API PromotionConditions), discount_percent — у процентной акции,
-- discount_amount — у фиксированной.
ALTER TABLE promotions
    ADD COLUMN description        text,
    ADD COLUMN kind               promotion_kind   NOT NULL DEFAULT 'percent',
    ADD COLUMN discount_amount    numeric(14, 2),
    ADD COLUMN stacks             boolean          NOT NULL DEFAULT false,
    ADD COLUMN status             promotion_status NOT NULL DEFAULT 'draft',
    ADD COLUMN issued_bookings    integer          NOT NULL DEFAULT 0,
    ADD COLUMN created_by         bigint CONSTRAINT promotions_created_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN updated_at         timestamptz      NOT NULL DEFAULT now(),
    ADD COLUMN moderated_by       bigint CONSTRAINT promotions_moderated_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN moderated_at       timestamptz,
    ADD COLUMN moderation_comment text;

-- Прежние строки (демо-данные) уже действовали для покупателей: они одобрены, их условия — в новых ключах.
UPDATE promotions
   SET status     = 'approved',
       conditions = jsonb_strip_nulls(jsonb_build_object(
           'project_ids', CASE WHEN project_id IS NOT NULL THEN jsonb_build_array(project_id) END,
           'rooms', CASE WHEN jsonb_typeof(conditions -> 'rooms') = 'array' THEN conditions -> 'rooms' END,
           'area_min', CASE WHEN jsonb_typeof(conditions -> 'min_area_total') = 'number'
                            THEN conditions -> 'min_area_total' END,
           'only_platform_booking', CASE WHEN conditions ->> 'channel' = 'platform' THEN true END));

DROP INDEX promotions_project_id_idx;
ALTER TABLE promotions
    DROP COLUMN project_id,
    ALTER COLUMN discount_percent DROP NOT NULL,
    ADD CONSTRAINT promotions_description_check CHECK (length(description) <= 2000),
    ADD CONSTRAINT promotions_discount_amount_check CHECK (discount_amount > 0),
    ADD CONSTRAINT promotions_kind_value_check
        CHECK ((kind = 'percent') = (discount_percent IS NOT NULL) AND (kind = 'fixed') = (discount_amount IS NOT NULL)),
    ADD CONSTRAINT promotions_conditions_keys_check
        CHECK (conditions - ARRAY['project_ids', 'building_ids', 'rooms', 'area_min', 'area_max', 'floor_min',
                                  'floor_max', 'price_min', 'price_max', 'apartment_codes', 'only_platform_booking',
                                  'first_n_bookings'] = '{}'::jsonb),
    ADD CONSTRAINT promotions_issued_bookings_check
        CHECK (issued_bookings >= 0
               AND (NOT conditions ? 'first_n_bookings'
                    OR issued_bookings <= (conditions ->> 'first_n_bookings')::integer));

CREATE INDEX promotions_active_idx ON promotions (starts_at, ends_at) WHERE status = 'approved';
CREATE INDEX promotions_status_idx ON promotions (status);
CREATE INDEX promotions_project_ids_idx ON promotions USING gin ((conditions -> 'project_ids'));
COMMENT ON INDEX promotions_project_ids_idx IS 'Акции с условием на ЖК: какие могут задеть квартиры этого ЖК';
CREATE INDEX promotions_unscoped_idx ON promotions (developer_id) WHERE NOT conditions ? 'project_ids';
COMMENT ON INDEX promotions_unscoped_idx IS 'Акции без условия на ЖК: застройщика (по developer_id) и платформы (NULL)';
CREATE INDEX promotions_created_by_idx ON promotions (created_by);
CREATE INDEX promotions_moderated_by_idx ON promotions (moderated_by);

COMMENT ON TABLE promotions IS
    'Акции и скидки: застройщика (на его ЖК) или платформы (developer_id пусто, скидку оплачивает платформа), '
    'например 5 % при покупке через платформу. Покупатели видят только одобренные акции в их окне времени; '
    'правила расчёта — docs/promotions.md, функция promotion_discounts';
COMMENT ON COLUMN promotions.developer_id IS 'Застройщик, чья акция (он её оплачивает); пусто — акция платформы';
COMMENT ON COLUMN promotions.description IS 'Описание для покупателей, до 2000 символов';
COMMENT ON COLUMN promotions.kind IS 'Вид скидки: percent — процент от текущей цены, fixed — сумма в рублях';
COMMENT ON COLUMN promotions.discount_percent IS 'Скидка процентной акции, % (0–100]; у фиксированной пусто';
COMMENT ON COLUMN promotions.discount_amount IS 'Скидка фиксированной акции, ₽; у процентной пусто';
COMMENT ON COLUMN promotions.stacks IS
    'Суммируется с другими суммирующимися акциями; несуммирующиеся не складываются — берётся лучшая для покупателя';
COMMENT ON COLUMN promotions.status IS 'Состояние модерации и действия акции';
COMMENT ON COLUMN promotions.starts_at IS 'Начало действия (включительно); покупателю показывается по Москве';
COMMENT ON COLUMN promotions.ends_at IS 'Окончание действия (не включительно)';
COMMENT ON COLUMN promotions.conditions IS
    'Условия — объект с ключами project_ids, building_ids, rooms (массивы), area_min/area_max (м²), floor_min/'
    'floor_max, price_min/price_max (₽, текущая цена), apartment_codes (артикулы), only_platform_booking, '
    'first_n_bookings; другие ключи запрещены (promotions_conditions_keys_check), типы проверяет API. '
    'Например {"rooms": [0], "area_min": 25}';
COMMENT ON COLUMN promotions.issued_bookings IS
    'Сколько броней уже получили эту акцию; растёт в транзакции брони под блокировкой строки акции';
COMMENT ON COLUMN promotions.created_by IS 'Кто создал акцию';
COMMENT ON COLUMN promotions.updated_at IS 'Когда акция изменена (триггер); входит в отпечаток действующих акций';
COMMENT ON COLUMN promotions.moderated_by IS 'Модератор, принявший последнее решение';
COMMENT ON COLUMN promotions.moderated_at IS 'Когда принято последнее решение модерации';
COMMENT ON COLUMN promotions.moderation_comment IS 'Комментарий модератора (причина отказа)';
COMMENT ON CONSTRAINT promotions_issued_bookings_check ON promotions IS
    'Счётчик «первых N броней» никогда не превышает N (conditions.first_n_bookings)';
COMMENT ON CONSTRAINT promotions_conditions_keys_check ON promotions IS
    'В условиях только известные ключи: неизвестный ключ — ошибка, а не молча игнорируемое условие';

-- История акции --------------------------------------------------------------------------------------
CREATE TABLE promotion_history (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT promotion_history_pkey PRIMARY KEY,
    promotion_id bigint           NOT NULL CONSTRAINT promotion_history_promotion_id_fkey
                                  REFERENCES promotions (id) ON DELETE RESTRICT,
    action       promotion_action NOT NULL,
    actor_id     bigint           CONSTRAINT promotion_history_actor_id_fkey REFERENCES users (id) ON DELETE SET NULL,
    actor_role   user_role,
    comment      text             CONSTRAINT promotion_history_comment_check CHECK (length(comment) <= 2000),
    occurred_at  timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX promotion_history_promotion_id_idx ON promotion_history (promotion_id, occurred_at);
CREATE INDEX promotion_history_actor_id_idx ON promotion_history (actor_id) WHERE actor_id IS NOT NULL;
COMMENT ON TABLE promotion_history IS
    'История акции: кто, что и когда сделал (создал, изменил, одобрил, приостановил, завершил); только дополняется '
    '(триггер promotion_history_append_only)';
COMMENT ON COLUMN promotion_history.id IS 'Идентификатор шага';
COMMENT ON COLUMN promotion_history.promotion_id IS 'Акция';
COMMENT ON COLUMN promotion_history.action IS 'Что произошло';
COMMENT ON COLUMN promotion_history.actor_id IS 'Кто сделал';
COMMENT ON COLUMN promotion_history.actor_role IS 'Роль того, кто сделал, на момент действия';
COMMENT ON COLUMN promotion_history.comment IS 'Комментарий (например, причина отказа)';
COMMENT ON COLUMN promotion_history.occurred_at IS 'Когда';

INSERT INTO promotion_history (promotion_id, action, comment, occurred_at)
SELECT id, 'approved', 'Перенесена из прежней схемы акций', created_at FROM promotions;

-- Бронь: цена до скидки и применённые акции -----------------------------------------------------------
ALTER TABLE bookings ADD COLUMN list_price numeric(14, 2);
UPDATE bookings SET list_price = price;
ALTER TABLE bookings
    ALTER COLUMN list_price SET NOT NULL,
    ADD CONSTRAINT bookings_list_price_check CHECK (list_price >= price);
COMMENT ON COLUMN bookings.list_price IS 'Цена квартиры до скидок (current_price) в момент бронирования';
COMMENT ON COLUMN bookings.price IS
    'Итоговая цена, зафиксированная в момент бронирования: list_price минус скидки акций (booking_promotions); '
    'держится всё удержание, даже если акция закончилась или цена сдвинулась';

CREATE TABLE booking_promotions (
    booking_id   bigint         NOT NULL CONSTRAINT booking_promotions_booking_id_fkey
                                REFERENCES bookings (id) ON DELETE RESTRICT,
    promotion_id bigint         NOT NULL CONSTRAINT booking_promotions_promotion_id_fkey
                                REFERENCES promotions (id) ON DELETE RESTRICT,
    name         text           NOT NULL CONSTRAINT booking_promotions_name_check CHECK (length(name) BETWEEN 1 AND 200),
    amount       numeric(14, 2) NOT NULL CONSTRAINT booking_promotions_amount_check CHECK (amount >= 0),
    CONSTRAINT booking_promotions_pkey PRIMARY KEY (booking_id, promotion_id)
);
CREATE INDEX booking_promotions_promotion_id_idx ON booking_promotions (promotion_id);
COMMENT ON TABLE booking_promotions IS 'Снимок акций брони: каждая применённая акция и её сумма на момент брони';
COMMENT ON COLUMN booking_promotions.booking_id IS 'Бронь';
COMMENT ON COLUMN booking_promotions.promotion_id IS 'Акция';
COMMENT ON COLUMN booking_promotions.name IS 'Название акции на момент брони';
COMMENT ON COLUMN booking_promotions.amount IS 'Скидка по этой акции, ₽ (до копеек)';

-- Скидка в копии для поиска -------------------------------------------------------------------------
-- final_price — столбец, который считает сама база: если цену уже сдвинул проход ценообразования, а минутная
-- задача акций ещё не пересчитала скидку, скидка масштабируется пропорционально новой цене (для процентных акций
-- это точный ответ), поэтому проход цен о скидках не знает и их не трогает.
ALTER TABLE catalog_offers
    ADD COLUMN discount        numeric(14, 2) NOT NULL DEFAULT 0 CONSTRAINT catalog_offers_discount_check CHECK (discount >= 0),
    ADD COLUMN discounted_from numeric(14, 2) CONSTRAINT catalog_offers_discounted_from_check CHECK (discounted_from > 0),
    ADD COLUMN promotion_ids   bigint[]       NOT NULL DEFAULT '{}',
    ADD COLUMN final_price     numeric(14, 2) GENERATED ALWAYS AS (
        CASE WHEN discount = 0 OR discounted_from IS NULL THEN current_price
             WHEN discounted_from = current_price THEN current_price - discount
             ELSE current_price - round(discount * current_price / discounted_from, 2) END) STORED;
COMMENT ON COLUMN catalog_offers.discount IS
    'Скидка акций, ₽, посчитанная от цены discounted_from (promotion_discounts, apply_promotion_discounts)';
COMMENT ON COLUMN catalog_offers.discounted_from IS
    'Цена, от которой посчитана скидка; отличается от current_price, пока минутная задача акций не пересчитала '
    'скидку после смены цены; пусто — скидка ещё не считалась';
COMMENT ON COLUMN catalog_offers.promotion_ids IS 'Применённые акции (пусто — ни одна акция к квартире не относится)';
COMMENT ON COLUMN catalog_offers.final_price IS
    'Итоговая цена для фильтра и сортировки поиска: current_price минус скидка (до пересчёта — пропорционально '
    'новой цене)';

CREATE INDEX catalog_offers_region_final_price_idx
    ON catalog_offers (region_code, final_price, apartment_id) INCLUDE (rooms, project_id);
COMMENT ON INDEX catalog_offers_region_final_price_idx IS
    'Поиск квартир в продаже по региону в порядке итоговой цены (sort=final_price, final_price_min/max)';
CREATE INDEX catalog_offers_project_final_price_idx ON catalog_offers (project_id, final_price, apartment_id);
COMMENT ON INDEX catalog_offers_project_final_price_idx IS
    'Итоговая цена внутри ЖК: поиск без региона и пересчёт скидок по ЖК акции';

-- Состояние минутной задачи акций ---------------------------------------------------------------------
CREATE TABLE promotion_refresh_state (
    id           boolean     CONSTRAINT promotion_refresh_state_pkey PRIMARY KEY DEFAULT true
                             CONSTRAINT promotion_refresh_state_single_row_check CHECK (id),
    active_keys  text[]      NOT NULL DEFAULT '{}',
    max_total_discount_percent numeric,
    floor_share_percent        numeric,
    refreshed_at timestamptz
);
INSERT INTO promotion_refresh_state DEFAULT VALUES;
COMMENT ON TABLE promotion_refresh_state IS
    'Одна строка: какие акции действовали при последнем пересчёте скидок (refresh_promotion_discounts). Разница с '
    'текущим набором (началась, закончилась, приостановлена, изменена, исчерпана) — ЖК, где скидки пересчитываются';
COMMENT ON COLUMN promotion_refresh_state.id IS 'Всегда true: строка одна';
COMMENT ON COLUMN promotion_refresh_state.active_keys IS
    'Ключи действовавших акций «id:updated_at:исчерпана» на момент последнего пересчёта';
COMMENT ON COLUMN promotion_refresh_state.max_total_discount_percent IS
    'Потолок скидки (PROMOTION_MAX_TOTAL_DISCOUNT_PERCENT), с которым считались скидки; другой — пересчитать все';
COMMENT ON COLUMN promotion_refresh_state.floor_share_percent IS
    'Пол итоговой цены (PROMOTION_FLOOR_SHARE_OF_BASE_PRICE), с которым считались скидки; другой — пересчитать все';
COMMENT ON COLUMN promotion_refresh_state.refreshed_at IS 'Когда скидки последний раз пересчитаны минутной задачей';
