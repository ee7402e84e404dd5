-- Снять пометку: события зрителя снова входят в спрос (следующий пересчёт apartment_stats учтёт их точно),
-- счётчик частоты обнуляется, чтобы действующая минута не пометила зрителя снова. $1 id пометки, $2 модератор.
WITH cleared AS (
    UPDATE flagged_visitors
    SET flagged = false, unflagged_at = now(), unflagged_by = $2, changed_xid = pg_current_xact_id()
    WHERE id = $1 AND flagged
    RETURNING viewer
)
DELETE FROM visitor_activity a USING cleared c WHERE a.viewer = c.viewer
