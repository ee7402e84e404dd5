-- Разговор владельца, ещё не истёкший: $1 — id, $2 — visitor_id (или NULL), $3 — user_id (или NULL).
-- Столбцы: id, filters, strict_slots, created_at, expires_at.
SELECT c.id, c.filters, c.strict_slots, c.created_at, c.expires_at
  FROM picker_conversations c
 WHERE c.id = $1
   AND c.expires_at > now()
   AND (c.visitor_id = $2 OR c.user_id = $3)
