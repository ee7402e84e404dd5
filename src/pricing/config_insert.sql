-- Appends a pricing-config version for one scope (global: $1 and $2 NULL; developer $1; project $2).
-- Omitted knobs come from the scope's current version, else from the settings in effect one level up.
-- Parameters: $1 developer_id, $2 project_id, $3 enabled, $4 k1, $5 k2, $6 weight_views, $7 weight_favourites,
--             $8 weight_leads, $9 weight_bookings, $10 step, $11 elasticity_cap, $12 max_shift,
--             $13 cooldown_hours, $14 booking_freeze_hours, $15 min_days_on_site, $16 comment, $17 created_by.
-- Output columns: as config_current.sql.
WITH base AS (
    SELECT 1 AS priority, c.enabled, c.k1, c.k2, c.weight_views, c.weight_favourites, c.weight_leads,
           c.weight_bookings, c.step, c.elasticity_cap, c.max_shift, c.cooldown, c.booking_freeze, c.min_days_on_site
    FROM dynamic_pricing_config_current c
    WHERE c.developer_id IS NOT DISTINCT FROM $1::bigint AND c.project_id IS NOT DISTINCT FROM $2::bigint
    UNION ALL
    SELECT 2, true, e.k1, e.k2, e.weight_views, e.weight_favourites, e.weight_leads,
           e.weight_bookings, e.step, e.elasticity_cap, e.max_shift, e.cooldown, e.booking_freeze, e.min_days_on_site
    FROM project_pricing_config e
    WHERE e.project_id = $2::bigint
    UNION ALL
    SELECT 3, true, g.k1, g.k2, g.weight_views, g.weight_favourites, g.weight_leads,
           g.weight_bookings, g.step, g.elasticity_cap, g.max_shift, g.cooldown, g.booking_freeze, g.min_days_on_site
    FROM dynamic_pricing_config_current g
    WHERE g.developer_id IS NULL AND g.project_id IS NULL
    ORDER BY priority
    LIMIT 1
),
inserted AS (
    INSERT INTO dynamic_pricing_config (developer_id, project_id, enabled, k1, k2, weight_views, weight_favourites,
                                        weight_leads, weight_bookings, step, elasticity_cap, max_shift, cooldown,
                                        booking_freeze, min_days_on_site, comment, created_by)
    SELECT $1::bigint, $2::bigint,
           coalesce($3::boolean, base.enabled),
           coalesce($4::numeric, base.k1),
           coalesce($5::numeric, base.k2),
           coalesce($6::numeric, base.weight_views),
           coalesce($7::numeric, base.weight_favourites),
           coalesce($8::numeric, base.weight_leads),
           coalesce($9::numeric, base.weight_bookings),
           coalesce($10::numeric, base.step),
           coalesce($11::numeric, base.elasticity_cap),
           coalesce($12::numeric, base.max_shift),
           coalesce(make_interval(hours => $13::integer), base.cooldown),
           coalesce(make_interval(hours => $14::integer), base.booking_freeze),
           coalesce($15::integer, base.min_days_on_site),
           nullif($16::text, ''),
           $17::bigint
    FROM base
    RETURNING *
)
SELECT i.id, i.developer_id, i.project_id, i.enabled, i.k1, i.k2,
       i.weight_views, i.weight_favourites, i.weight_leads, i.weight_bookings,
       i.step, i.elasticity_cap, i.max_shift,
       (extract(epoch FROM i.cooldown) / 3600)::integer       AS cooldown_hours,
       (extract(epoch FROM i.booking_freeze) / 3600)::integer AS booking_freeze_hours,
       i.min_days_on_site, i.comment, i.created_by, i.created_at
FROM inserted i
