-- Регистрация компании-застройщика: карточка уходит на проверку, автор становится её владельцем,
-- покупатель при этом получает роль developer. Один оператор — всё или ничего.
-- $1 name, $2 legal_name, $3 inn, $4 ogrn, $5 website, $6 logo_url, $7 автор (users.id)
-- Выход: колонки карточки developers
WITH company AS (
    INSERT INTO developers (name, legal_name, inn, ogrn, website, logo_url, moderation_status)
    VALUES ($1, $2, $3, $4, $5, $6, 'pending_review')
    RETURNING *
), owner AS (
    INSERT INTO developer_members (developer_id, user_id, company_role)
    SELECT id, $7, 'owner' FROM company
), promoted AS (
    UPDATE users SET role = 'developer' WHERE id = $7 AND role = 'buyer'
), audit AS (
    INSERT INTO audit_log (actor_user_id, action, entity, entity_id, details)
    SELECT $7, 'developer.register', 'developer', id, jsonb_build_object('inn', inn, 'ogrn', ogrn)
      FROM company
)
SELECT id, name, legal_name, inn, ogrn, website, logo_url, verified,
       moderation_status::text AS moderation_status, moderation_comment, moderated_at,
       created_at, updated_at
  FROM company
