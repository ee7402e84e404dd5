CREATE OR REPLACE VIEW dynamic_pricing_config_current AS
SELECT DISTINCT ON (developer_id, project_id) *
FROM dynamic_pricing_config
ORDER BY developer_id, project_id, created_at DESC, id DESC;
COMMENT ON VIEW dynamic_pricing_config_current IS 'Последняя версия настроек в каждой области (глобальная, застройщик, ЖК)';
COMMENT ON COLUMN dynamic_pricing_config_current.id IS 'Как dynamic_pricing_config.id';
COMMENT ON COLUMN dynamic_pricing_config_current.developer_id IS 'Как dynamic_pricing_config.developer_id';
COMMENT ON COLUMN dynamic_pricing_config_current.project_id IS 'Как dynamic_pricing_config.project_id';
COMMENT ON COLUMN dynamic_pricing_config_current.k1 IS 'Как dynamic_pricing_config.k1';
COMMENT ON COLUMN dynamic_pricing_config_current.k2 IS 'Как dynamic_pricing_config.k2';
COMMENT ON COLUMN dynamic_pricing_config_current.enabled IS 'Как dynamic_pricing_config.enabled';
COMMENT ON COLUMN dynamic_pricing_config_current.weight_views IS 'Как dynamic_pricing_config.weight_views';
COMMENT ON COLUMN dynamic_pricing_config_current.weight_favourites IS 'Как dynamic_pricing_config.weight_favourites';
COMMENT ON COLUMN dynamic_pricing_config_current.weight_leads IS 'Как dynamic_pricing_config.weight_leads';
COMMENT ON COLUMN dynamic_pricing_config_current.weight_bookings IS 'Как dynamic_pricing_config.weight_bookings';
COMMENT ON COLUMN dynamic_pricing_config_current.step IS 'Как dynamic_pricing_config.step';
COMMENT ON COLUMN dynamic_pricing_config_current.elasticity_cap IS 'Как dynamic_pricing_config.elasticity_cap';
COMMENT ON COLUMN dynamic_pricing_config_current.max_shift IS 'Как dynamic_pricing_config.max_shift';
COMMENT ON COLUMN dynamic_pricing_config_current.cooldown IS 'Как dynamic_pricing_config.cooldown';
COMMENT ON COLUMN dynamic_pricing_config_current.booking_freeze IS 'Как dynamic_pricing_config.booking_freeze';
COMMENT ON COLUMN dynamic_pricing_config_current.min_days_on_site IS 'Как dynamic_pricing_config.min_days_on_site';
COMMENT ON COLUMN dynamic_pricing_config_current.comment IS 'Как dynamic_pricing_config.comment';
COMMENT ON COLUMN dynamic_pricing_config_current.created_by IS 'Как dynamic_pricing_config.created_by';
COMMENT ON COLUMN dynamic_pricing_config_current.created_at IS 'Как dynamic_pricing_config.created_at';
