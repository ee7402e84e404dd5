CREATE OR REPLACE FUNCTION outbox_status(
    OUT pending_events   bigint,
    OUT oldest_pending   timestamptz,
    OUT last_published   timestamptz,
    OUT relay_connected  boolean
)
LANGUAGE sql STABLE AS $$
    SELECT (SELECT count(*) FROM outbox_events e WHERE e.published_at IS NULL),
           (SELECT e.recorded_at FROM outbox_events e WHERE e.published_at IS NULL ORDER BY e.id LIMIT 1),
           (SELECT max(e.published_at) FROM outbox_events e WHERE e.published_at IS NOT NULL),
           EXISTS (SELECT 1 FROM pg_locks l
                    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                      AND ((l.classid::bigint << 32) | l.objid::bigint) = outbox_relay_lock_key())
$$;
COMMENT ON FUNCTION outbox_status() IS
    'Насколько отстаёт ретранслятор outbox: сколько событий ждут публикации, время самого старого из них, последняя '
    'публикация и держит ли какая-нибудь реплика блокировку ретранслятора (GET /outbox/status)';
