-- Сообщение и новое состояние разговора одной командой: $1 — разговор, $2 — текст, $3 — ответ (jsonb),
-- $4 — фильтры, $5 — строгие фильтры, $6 — срок жизни в секундах. Столбцы: id, created_at, expires_at.
WITH conversation AS (
    UPDATE picker_conversations c
       SET filters = $4, strict_slots = $5, updated_at = now(),
           expires_at = now() + make_interval(secs => $6)
     WHERE c.id = $1
    RETURNING c.id, c.expires_at
)
INSERT INTO picker_messages (conversation_id, text, answer)
SELECT conversation.id, $2, $3 FROM conversation
RETURNING id, created_at, (SELECT expires_at FROM conversation) AS expires_at
