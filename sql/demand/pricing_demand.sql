-- Спрос -------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION pricing_demand(
    p_views integer, p_favourites integer, p_leads integer, p_bookings integer,
    p_weight_views numeric, p_weight_favourites numeric, p_weight_leads numeric, p_weight_bookings numeric
) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p_weight_views * p_views + p_weight_favourites * p_favourites
     + p_weight_leads * p_leads + p_weight_bookings * p_bookings;
COMMENT ON FUNCTION pricing_demand(integer, integer, integer, integer, numeric, numeric, numeric, numeric) IS
    'demand = 0.5·views_24h + 0·favourites_24h + 2·leads_24h + 5·bookings_24h (веса из настроек)';

CREATE OR REPLACE FUNCTION pricing_demand_milli(
    p_views integer, p_favourites integer, p_leads integer, p_bookings integer,
    p_views_weight_milli bigint, p_favourites_weight_milli bigint, p_leads_weight_milli bigint, p_bookings_weight_milli bigint
) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p_views_weight_milli * p_views + p_favourites_weight_milli * p_favourites
     + p_leads_weight_milli * p_leads + p_bookings_weight_milli * p_bookings;
COMMENT ON FUNCTION pricing_demand_milli(integer, integer, integer, integer, bigint, bigint, bigint, bigint) IS
    'Тот же спрос в целых тысячных: pricing_demand × 1000 точно (веса numeric(8, 3)). Медианы и проход сравнивают '
    'его целыми числами: на миллионе строк numeric-арифметика стоила бы сотни миллисекунд';
