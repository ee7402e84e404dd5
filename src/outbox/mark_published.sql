-- События $1 (id) подтверждены Redis: больше не публикуются, через срок хранения удаляются.
UPDATE outbox_events e
SET published_at = now()
WHERE e.id = ANY ($1::bigint[]) AND e.published_at IS NULL
