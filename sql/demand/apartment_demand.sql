CREATE OR REPLACE VIEW apartment_demand AS
SELECT a.id                                                      AS apartment_id,
       a.project_id,
       a.rooms,
       a.base_price,
       a.current_price,
       coalesce(s.views_24h, 0)                                  AS views_24h,
       coalesce(s.favourites_24h, 0)                             AS favourites_24h,
       coalesce(s.leads_24h, 0)                                  AS leads_24h,
       coalesce(s.bookings_24h, 0)                               AS bookings_24h,
       floor(extract(epoch FROM now() - a.published_at) / 86400)::integer AS days_on_site,
       pricing_demand(coalesce(s.views_24h, 0), coalesce(s.favourites_24h, 0), coalesce(s.leads_24h, 0),
                      coalesce(s.bookings_24h, 0), c.weight_views, c.weight_favourites, c.weight_leads,
                      c.weight_bookings)                        AS demand,
       s.updated_at
FROM apartments a
JOIN project_pricing_config c ON c.project_id = a.project_id
LEFT JOIN apartment_stats s ON s.apartment_id = a.id
WHERE a.status = 'available' AND a.moderation_status = 'published';
COMMENT ON VIEW apartment_demand IS 'Квартиры в продаже с показателями за 24 ч и спросом (запрос apartment_stats для аналитиков)';
COMMENT ON COLUMN apartment_demand.apartment_id IS 'Квартира';
COMMENT ON COLUMN apartment_demand.project_id IS 'ЖК';
COMMENT ON COLUMN apartment_demand.rooms IS 'Комнатность (0 — студия)';
COMMENT ON COLUMN apartment_demand.base_price IS 'Базовая цена';
COMMENT ON COLUMN apartment_demand.current_price IS 'Текущая цена';
COMMENT ON COLUMN apartment_demand.views_24h IS 'Просмотров за 24 ч';
COMMENT ON COLUMN apartment_demand.favourites_24h IS 'В избранное за 24 ч';
COMMENT ON COLUMN apartment_demand.leads_24h IS 'Заявок за 24 ч';
COMMENT ON COLUMN apartment_demand.bookings_24h IS 'Броней за 24 ч';
COMMENT ON COLUMN apartment_demand.days_on_site IS 'Полных дней с первой публикации';
COMMENT ON COLUMN apartment_demand.demand IS 'Взвешенный спрос по действующим весам ЖК';
COMMENT ON COLUMN apartment_demand.updated_at IS 'Когда показатели квартиры последний раз менялись';
