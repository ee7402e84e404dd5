-- Помеченные зрители с числом событий за 24 ч. $1 id пометки или NULL, $2 только действующие, $3 limit, $4 offset.
-- Колонки: total (сколько пометок под условием), id, viewer, flagged, peak_events_per_minute, events_24h, apartments_24h,
--          flagged_at, unflagged_at, unflagged_by
SELECT count(*) OVER () AS total, f.id, f.viewer, f.flagged, f.peak_events_per_minute, e.events_24h, e.apartments_24h,
       f.flagged_at, f.unflagged_at, f.unflagged_by
FROM flagged_visitors f
CROSS JOIN LATERAL (
    SELECT count(*) AS events_24h, count(DISTINCT v.apartment_id) AS apartments_24h
    FROM views_log v
    WHERE v.viewer = f.viewer AND v.occurred_at > now() - interval '24 hours'
) e
WHERE ($1::bigint IS NULL OR f.id = $1) AND (NOT $2 OR f.flagged)
ORDER BY f.flagged_at DESC, f.id DESC
LIMIT $3 OFFSET $4
