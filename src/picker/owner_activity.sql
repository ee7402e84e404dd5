-- Сколько сообщений и новых разговоров у владельца за последнюю минуту: $1 — visitor_id, $2 — user_id.
-- Столбец: recent.
SELECT (SELECT count(*)
          FROM picker_messages m
          JOIN picker_conversations c ON c.id = m.conversation_id
         WHERE (c.visitor_id = $1 OR c.user_id = $2)
           AND m.created_at > now() - interval '1 minute')
     + (SELECT count(*)
          FROM picker_conversations c
         WHERE (c.visitor_id = $1 OR c.user_id = $2)
           AND c.created_at > now() - interval '1 minute') AS recent
