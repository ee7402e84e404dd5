-- Сколько сообщений и новых разговоров у владельца за последнюю минуту: $1 — visitor_id, $2 — user_id.
-- Разговоры владельца — по его индексу; сообщения читаются только у разговоров с сообщением за минуту (updated_at) и
-- по индексу (разговор, время) каждого: стоимость не растёт с числом сообщений всех посетителей за минуту.
-- Столбец: recent.
SELECT coalesce(sum((SELECT count(*)
                       FROM picker_messages m
                      WHERE m.conversation_id = c.id
                        AND m.created_at > now() - interval '1 minute')
                    + (c.created_at > now() - interval '1 minute')::integer), 0)::bigint AS recent
  FROM picker_conversations c
 WHERE (c.visitor_id = $1 OR c.user_id = $2)
   AND c.updated_at > now() - interval '1 minute'
