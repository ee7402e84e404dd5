-- Следующие неопубликованные события по возрастанию id (частичный индекс outbox_events_unpublished_idx).
-- $1 — сколько. Столбцы: id, topic, event_type, aggregate_id, recorded_at, payload (JSON строкой; у price.changed —
-- из price_history).
SELECT e.id, e.topic::text AS topic, e.event_type, e.aggregate_id, e.recorded_at,
       outbox_event_payload(e)::text AS payload
FROM outbox_events e
WHERE e.published_at IS NULL
ORDER BY e.id
LIMIT $1
