-- The current version of every pricing-config scope the caller may see: the global one always, overrides
-- of all companies for a moderator ($1), otherwise those of the caller's companies ($2) and their projects.
-- Output columns: id, developer_id, project_id, enabled, k1, k2, weight_views, weight_favourites, weight_leads,
--                 weight_bookings, step, elasticity_cap, max_shift, cooldown_hours, booking_freeze_hours,
--                 min_days_on_site, comment, created_by, created_at.
SELECT c.id, c.developer_id, c.project_id, c.enabled, c.k1, c.k2,
       c.weight_views, c.weight_favourites, c.weight_leads, c.weight_bookings,
       c.step, c.elasticity_cap, c.max_shift,
       (extract(epoch FROM c.cooldown) / 3600)::integer       AS cooldown_hours,
       (extract(epoch FROM c.booking_freeze) / 3600)::integer AS booking_freeze_hours,
       c.min_days_on_site, c.comment, c.created_by, c.created_at
FROM dynamic_pricing_config_current c
LEFT JOIN projects p ON p.id = c.project_id
WHERE (c.developer_id IS NULL AND c.project_id IS NULL)
   OR $1::boolean
   OR c.developer_id = ANY ($2::bigint[])
   OR p.developer_id = ANY ($2::bigint[])
ORDER BY c.developer_id NULLS FIRST, c.project_id NULLS FIRST
