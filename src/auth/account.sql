-- Права вызывающего на момент запроса: роль, компании и момент отзыва сессий.
-- Один проход по первичному ключу users и индексу developer_members_user_id_idx.
-- Выход: role text, developer_ids bigint[], sessions_revoked_epoch bigint (0 — не отзывались)
SELECT u.role::text AS role,
       ARRAY(SELECT m.developer_id
               FROM developer_members m
              WHERE m.user_id = u.id
              ORDER BY m.developer_id) AS developer_ids,
       coalesce(floor(extract(epoch FROM u.sessions_revoked_at))::bigint, 0) AS sessions_revoked_epoch
  FROM users u
 WHERE u.id = $1
