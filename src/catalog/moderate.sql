-- Решение модератора по ЖК или квартире с записью в журнал аудита.
-- «table» / «entity» подставляет код (projects/project или apartments/apartment), не пользователь.
-- published_at ставится при первой публикации и дальше не меняется (от него считается days_on_site).
-- $1 id объекта, $2 решение: 'publish' | 'reject', $3 комментарий, $4 модератор (users.id)
-- Выход: id; пусто, если объекта нет
WITH decided AS (
    UPDATE {table}
       SET moderation_status  = CASE WHEN $2 = 'publish' THEN 'published' ELSE 'rejected' END::moderation_status,
           moderation_comment = $3,
           moderated_by       = $4,
           moderated_at       = now(),
           published_at       = CASE WHEN $2 = 'publish' THEN coalesce(published_at, now()) ELSE published_at END
     WHERE id = $1
    RETURNING id
), audit AS (
    INSERT INTO audit_log (actor_user_id, action, entity, entity_id, details)
    SELECT $4, '{entity}.' || $2, '{entity}', id, jsonb_strip_nulls(jsonb_build_object('comment', $3::text))
      FROM decided
)
SELECT id FROM decided
