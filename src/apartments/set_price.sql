-- Ручная смена цены квартиры застройщиком или модератором; в рамках акции — причина promo и её название в объяснении.
-- Строка квартиры уже заблокирована (apartment_of_company_for_update) в этой же транзакции.
-- $1 apartment_id, $2 новая цена, $3 кто меняет (users.id), $4 комментарий (может быть NULL),
-- $5 акция (promotions.id; NULL — обычная ручная смена), $6 её название
-- Выход: old_price, current_price, base_price, currency, changed_at, explanation
WITH before AS (
    SELECT id, current_price AS old_price FROM apartments WHERE id = $1
), updated AS (
    UPDATE apartments a
       SET current_price = $2
      FROM before b
     WHERE a.id = b.id
    RETURNING a.id, b.old_price, a.current_price, a.base_price, a.currency::text AS currency
), history AS (
    INSERT INTO price_history (apartment_id, old_price, new_price, reason, changed_by, inputs, explanation)
    SELECT id, old_price, current_price,
           CASE WHEN $5::bigint IS NULL THEN 'manual' ELSE 'promo' END::price_change_reason, $3,
           jsonb_strip_nulls(jsonb_build_object('comment', $4::text, 'promotion_id', $5::bigint)),
           concat(CASE WHEN $5::bigint IS NULL THEN 'Цена изменена вручную ('
                       ELSE 'Цена изменена застройщиком в рамках акции «' || $6::text || '» (' END,
                  format_percent_change(old_price, current_price), ')', ': ' || $4::text)
      FROM updated
    RETURNING changed_at, explanation
), audit AS (
    INSERT INTO audit_log (actor_user_id, action, entity, entity_id, details)
    SELECT $3, 'apartment.price_manual', 'apartment', id,
           jsonb_strip_nulls(jsonb_build_object('old_price', old_price, 'new_price', current_price,
                                                'comment', $4::text, 'promotion_id', $5::bigint))
      FROM updated
)
SELECT u.old_price, u.current_price, u.base_price, u.currency, h.changed_at, h.explanation
  FROM updated u
 CROSS JOIN history h
