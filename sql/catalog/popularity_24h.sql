CREATE OR REPLACE FUNCTION popularity_24h(p_views integer, p_leads integer, p_bookings integer) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 0.5 * coalesce(p_views, 0) + 2 * coalesce(p_leads, 0) + 5 * coalesce(p_bookings, 0);
COMMENT ON FUNCTION popularity_24h(integer, integer, integer) IS
    'Популярность для сортировки каталога: спрос за 24 ч с весами по умолчанию (0,5·просмотры + 2·заявки + 5·брони)';
