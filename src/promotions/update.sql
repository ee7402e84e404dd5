-- Изменение акции (строка уже заблокирована): все поля целиком; одобренная или приостановленная акция
-- возвращается на проверку. Шаг истории updated.
-- $1 id, $2 название, $3 описание, $4 вид, $5 размер, $6 суммируется, $7 начало, $8 окончание, $9 условия (jsonb),
-- $10 автор, $11 его роль. Выход: status — состояние после изменения
WITH changed AS (
    UPDATE promotions
       SET name = $2, description = $3, kind = $4::text::promotion_kind,
           discount_percent = CASE WHEN $4 = 'percent' THEN $5::numeric END,
           discount_amount = CASE WHEN $4 = 'fixed' THEN $5::numeric END,
           stacks = $6, starts_at = $7, ends_at = $8, conditions = jsonb_strip_nulls($9::jsonb),
           status = CASE WHEN status IN ('approved', 'paused') THEN 'pending_review'::promotion_status
                         ELSE status END
     WHERE id = $1
    RETURNING id, status
), journal AS (
    INSERT INTO promotion_history (promotion_id, action, actor_id, actor_role)
    SELECT id, 'updated', $10, $11::text::user_role FROM changed
)
SELECT status::text AS status FROM changed
