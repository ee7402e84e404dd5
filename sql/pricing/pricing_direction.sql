CREATE OR REPLACE FUNCTION pricing_direction(
    p_views integer, p_favourites integer, p_leads integer, p_bookings integer,
    p_views_weight_milli bigint, p_favourites_weight_milli bigint, p_leads_weight_milli bigint, p_bookings_weight_milli bigint,
    p_raise_above_milli bigint, p_lower_below_milli bigint, p_published_at timestamptz, p_lowering_published_before timestamptz
) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN p_raise_above_milli IS NULL THEN 0
    WHEN pricing_demand_milli(p_views, p_favourites, p_leads, p_bookings, p_views_weight_milli, p_favourites_weight_milli,
                              p_leads_weight_milli, p_bookings_weight_milli) > p_raise_above_milli THEN 1
    WHEN pricing_demand_milli(p_views, p_favourites, p_leads, p_bookings, p_views_weight_milli, p_favourites_weight_milli,
                              p_leads_weight_milli, p_bookings_weight_milli) < p_lower_below_milli
        THEN CASE WHEN p_published_at <= p_lowering_published_before THEN -1 ELSE -2 END
    ELSE 0
END;
COMMENT ON FUNCTION pricing_direction(integer, integer, integer, integer, bigint, bigint, bigint, bigint, bigint, bigint, timestamptz, timestamptz) IS
    'Куда тянет спрос: 1 — demand > k1·медиана, −1 — demand < k2·медиана и квартира на сайте дольше min_days_on_site, '
    '−2 — спрос низкий, но квартира на сайте недолго, 0 — около медианы или медианы нет. Пороги — в тысячных спроса '
    '(raise_above_milli = floor(k1·медиана·1000), lower_below_milli = ceil(k2·медиана·1000)): для целого спроса сравнение точное';
