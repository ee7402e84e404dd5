-- Решение модератора по карточке компании с записью в журнал аудита.
-- $1 developer id, $2 решение: 'verify' | 'reject', $3 комментарий, $4 модератор (users.id)
-- Выход: колонки карточки developers; пусто, если компании нет
WITH decided AS (
    UPDATE developers
       SET verified           = ($2 = 'verify'),
           moderation_status  = CASE WHEN $2 = 'verify' THEN 'published' ELSE 'rejected' END::moderation_status,
           moderation_comment = $3,
           moderated_by       = $4,
           moderated_at       = now()
     WHERE id = $1
    RETURNING *
), audit AS (
    INSERT INTO audit_log (actor_user_id, action, entity, entity_id, details)
    SELECT $4, 'developer.' || $2, 'developer', id, jsonb_build_object('comment', $3::text)
      FROM decided
)
SELECT id, name, legal_name, inn, ogrn, website, logo_url, verified,
       moderation_status::text AS moderation_status, moderation_comment, moderated_at,
       created_at, updated_at
  FROM decided
