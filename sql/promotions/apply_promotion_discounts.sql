-- Скидки акций в копии для поиска (catalog_offers): пересчёт одним оператором для квартир в продаже ЖК
-- p_project_ids (пусто — всех), при p_only_stale — только тех, чья цена изменилась после прошлого расчёта
-- (проход цен, ручная цена, квартира снова в продаже). Пишутся только отличающиеся строки.
-- Порядок блокировок — как у прохода цен (docs/pricing.md): строки catalog_offers по возрастанию id; строки
-- apartments функция не блокирует.
CREATE OR REPLACE FUNCTION apply_promotion_discounts(p_project_ids bigint[], p_only_stale boolean,
                                                     p_at timestamptz, p_max_total_percent numeric,
                                                     p_floor_percent numeric)
RETURNS integer
LANGUAGE plpgsql AS $$
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
COMMENT ON FUNCTION apply_promotion_discounts(bigint[], boolean, timestamptz, numeric, numeric) IS
    'Пересчитывает скидки акций (discount, discounted_from, promotion_ids, а с ними final_price) в catalog_offers для '
    'ЖК p_project_ids (NULL — все); p_only_stale — только строки, чья цена изменилась после прошлого расчёта. '
    'Возвращает число изменённых строк';

-- ЖК, где могут измениться скидки, если изменились акции p_promotion_ids: их ЖК по условию (или все ЖК их
-- застройщика) и ЖК квартир, которые эти акции сейчас получают (условие могло сузиться). NULL — все ЖК (акция
-- платформы без условия на ЖК).
CREATE OR REPLACE FUNCTION promotion_scope_projects(p_promotion_ids bigint[]) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
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
COMMENT ON FUNCTION promotion_scope_projects(bigint[]) IS
    'ЖК, скидки которых зависят от акций p_promotion_ids (по условию, по застройщику и по квартирам, которые акции '
    'уже получают); NULL — все ЖК';
