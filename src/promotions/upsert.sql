-- Новая акция черновиком с первым шагом истории.
-- $1 застройщик (NULL — платформа), $2 название, $3 описание, $4 вид ('percent' | 'fixed'), $5 размер (проценты или
-- рубли), $6 суммируется, $7 начало, $8 окончание, $9 условия (jsonb, проверенные API), $10 автор, $11 его роль.
-- Выход: id
WITH created AS (
    INSERT INTO promotions (developer_id, name, description, kind, discount_percent, discount_amount, stacks,
                            starts_at, ends_at, conditions, created_by)
    VALUES ($1, $2, $3, $4::text::promotion_kind,
            CASE WHEN $4 = 'percent' THEN $5::numeric END, CASE WHEN $4 = 'fixed' THEN $5::numeric END,
            $6, $7, $8, jsonb_strip_nulls($9::jsonb), $10)
    RETURNING id
), journal AS (
    INSERT INTO promotion_history (promotion_id, action, actor_id, actor_role)
    SELECT id, 'created', $10, $11::text::user_role FROM created
)
SELECT id FROM created
