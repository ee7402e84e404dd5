CREATE OR REPLACE VIEW project_pricing_config AS
SELECT p.id                                 AS project_id,
       chosen.id                            AS config_id,
       CASE WHEN chosen.project_id IS NOT NULL THEN 'project'
            WHEN chosen.developer_id IS NOT NULL THEN 'developer'
            ELSE 'global' END               AS scope,
       global_row.enabled AND chosen.enabled AS enabled,
       chosen.k1, chosen.k2,
       chosen.weight_views, chosen.weight_favourites, chosen.weight_leads, chosen.weight_bookings,
       chosen.step, chosen.elasticity_cap, chosen.max_shift,
       chosen.cooldown, chosen.booking_freeze, chosen.min_days_on_site,
       (chosen.weight_views * 1000)::bigint      AS views_weight_milli,
       (chosen.weight_favourites * 1000)::bigint AS favourites_weight_milli,
       (chosen.weight_leads * 1000)::bigint      AS leads_weight_milli,
       (chosen.weight_bookings * 1000)::bigint   AS bookings_weight_milli
FROM projects p
CROSS JOIN (SELECT * FROM dynamic_pricing_config_current WHERE developer_id IS NULL AND project_id IS NULL) global_row
CROSS JOIN LATERAL (
    SELECT c.*
    FROM dynamic_pricing_config_current c
    WHERE (c.project_id = p.id AND c.enabled)
       OR (c.developer_id = p.developer_id AND c.enabled)
       OR (c.developer_id IS NULL AND c.project_id IS NULL)
    ORDER BY (c.project_id IS NOT NULL) DESC, (c.developer_id IS NOT NULL) DESC
    LIMIT 1
) chosen;
COMMENT ON VIEW project_pricing_config IS 'Действующие настройки ценообразования для каждого ЖК: ЖК > застройщик > глобальные (без учёта потолков из окружения)';
COMMENT ON COLUMN project_pricing_config.project_id IS 'ЖК';
COMMENT ON COLUMN project_pricing_config.config_id IS 'Версия настроек, которая действует';
COMMENT ON COLUMN project_pricing_config.scope IS 'Откуда взята версия: project, developer или global';
COMMENT ON COLUMN project_pricing_config.enabled IS 'Ценообразование для ЖК включено';
COMMENT ON COLUMN project_pricing_config.k1 IS 'Верхний порог demand_norm';
COMMENT ON COLUMN project_pricing_config.k2 IS 'Нижний порог demand_norm';
COMMENT ON COLUMN project_pricing_config.weight_views IS 'Вес просмотра';
COMMENT ON COLUMN project_pricing_config.weight_favourites IS 'Вес избранного';
COMMENT ON COLUMN project_pricing_config.weight_leads IS 'Вес заявки';
COMMENT ON COLUMN project_pricing_config.weight_bookings IS 'Вес брони';
COMMENT ON COLUMN project_pricing_config.step IS 'Шаг, доля';
COMMENT ON COLUMN project_pricing_config.elasticity_cap IS 'Предел эластичности, доля';
COMMENT ON COLUMN project_pricing_config.max_shift IS 'Коридор от базовой цены, доля';
COMMENT ON COLUMN project_pricing_config.cooldown IS 'Пауза после любого изменения цены';
COMMENT ON COLUMN project_pricing_config.booking_freeze IS 'Пауза после брони';
COMMENT ON COLUMN project_pricing_config.min_days_on_site IS 'Минимум дней на сайте для снижения';
COMMENT ON COLUMN project_pricing_config.views_weight_milli IS 'Вес просмотра в тысячных (целое): спрос в тысячных считается без numeric';
COMMENT ON COLUMN project_pricing_config.favourites_weight_milli IS 'Вес избранного в тысячных (целое)';
COMMENT ON COLUMN project_pricing_config.leads_weight_milli IS 'Вес заявки в тысячных (целое)';
COMMENT ON COLUMN project_pricing_config.bookings_weight_milli IS 'Вес брони в тысячных (целое)';
