-- Скидки акций для набора квартир — одним оператором на весь набор (правила — docs/promotions.md):
-- 1. Акция подходит квартире, если она одобрена, момент p_at в её окне [starts_at, ends_at), она платформы или
--    застройщика квартиры и все её условия выполнены; у «первых N броней» ещё есть свободные брони.
-- 2. Сумма акции: процент от current_price или фиксированная сумма (не больше цены).
-- 3. Несуммирующиеся акции не складываются: лучшая из них одна против суммы всех суммирующихся — покупатель
--    получает большее (при равенстве — одна акция).
-- 4. Потолок: скидка не больше p_max_total_percent % текущей цены (вниз до копейки). Пол: итоговая цена не ниже
--    p_floor_percent % базовой цены (вверх до копейки).
-- 5. Округление одно, в конце: итог = round(цена − скидка, 2) (половина копейки — вверх). Суммы по акциям — доли
--    скидки пропорционально их суммам, округлённые нарастающим итогом: их сумма ровно равна скидке.
-- Строка есть у каждой найденной квартиры (без акций — скидка 0 и пустой список).
CREATE OR REPLACE FUNCTION promotion_discounts(p_apartment_ids bigint[], p_at timestamptz,
                                               p_max_total_percent numeric, p_floor_percent numeric)
RETURNS TABLE (apartment_id bigint, list_price numeric, discount numeric, final_price numeric,
               promotion_ids bigint[], promotions jsonb)
LANGUAGE sql STABLE AS $$
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
COMMENT ON FUNCTION promotion_discounts(bigint[], timestamptz, numeric, numeric) IS
    'Скидки акций для квартир p_apartment_ids в момент p_at: цена до скидки, скидка, итоговая цена (копейки, '
    'половина — вверх, один раз), применённые акции и суммы по ним. p_max_total_percent — потолок скидки, % цены '
    '(PROMOTION_MAX_TOTAL_DISCOUNT_PERCENT), p_floor_percent — пол итоговой цены, % базовой '
    '(PROMOTION_FLOOR_SHARE_OF_BASE_PRICE). Правила — docs/promotions.md';
