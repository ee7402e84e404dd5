-- Приём событий одним вызовом -----------------------------------------------------------------------
CREATE OR REPLACE FUNCTION classify_interest_events(
    p_apartment_ids bigint[], p_user_ids bigint[], p_visitor_ids text[], p_events interest_event[],
    p_occurred_at timestamptz[]
) RETURNS TABLE (ord integer, apartment_id bigint, user_id bigint, visitor_id text, event interest_event,
                 occurred_at timestamptz, viewer text, reject text, flagged boolean)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT i.ord::integer, i.apartment_id, i.user_id, i.visitor_id, i.event,
           least(coalesce(i.occurred_at, now()), now()),
           v.viewer,
           CASE WHEN a.id IS NULL THEN 'unknown_apartment'
                WHEN a.moderation_status <> 'published' THEN 'not_published'
                WHEN v.viewer IS NULL THEN 'no_viewer'
                WHEN i.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = i.user_id) THEN 'unknown_user'
                WHEN i.occurred_at < now() - interval '24 hours' THEN 'stale' END,
           coalesce(f.flagged, false)
    FROM unnest(p_apartment_ids, p_user_ids, p_visitor_ids, p_events, p_occurred_at)
         WITH ORDINALITY AS i (apartment_id, user_id, visitor_id, event, occurred_at, ord)
    CROSS JOIN LATERAL (SELECT CASE WHEN i.user_id IS NOT NULL THEN 'u:' || i.user_id::text
                                    WHEN i.visitor_id IS NOT NULL THEN 'v:' || i.visitor_id END AS viewer) v
    LEFT JOIN apartments a ON a.id = i.apartment_id
    LEFT JOIN flagged_visitors f ON f.viewer = v.viewer;
END;
COMMENT ON FUNCTION classify_interest_events(bigint[], bigint[], text[], interest_event[], timestamptz[]) IS
    'Разбирает пакет событий: зритель (u:/v:), время (не позже now()), причина отказа (unknown_apartment, '
    'not_published, no_viewer, unknown_user, stale — старше 24 ч) и пометка накрутки зрителя';
