-- Отправка ЖК или квартиры на проверку: черновик или отклонённый объект становится pending_review.
-- «table» / «entity» подставляет код (projects/project или apartments/apartment), не пользователь.
-- Строка блокируется, чтобы два одновременных запроса не прошли проверку состояния оба.
-- $1 id объекта, $2 автор (users.id)
-- Выход: before — состояние до запроса, submitted — перешёл ли объект на проверку; пусто, если объекта нет
WITH current_state AS (
    SELECT id, moderation_status FROM {table} WHERE id = $1 FOR UPDATE
), submitted AS (
    UPDATE {table} t
       SET moderation_status = 'pending_review', moderation_comment = NULL
      FROM current_state c
     WHERE t.id = c.id AND c.moderation_status IN ('draft', 'rejected')
    RETURNING t.id
), audit AS (
    INSERT INTO audit_log (actor_user_id, action, entity, entity_id)
    SELECT $2, '{entity}.submit', '{entity}', id FROM submitted
)
SELECT c.moderation_status::text AS before, EXISTS (SELECT 1 FROM submitted) AS submitted
  FROM current_state c
