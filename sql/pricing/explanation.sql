CREATE OR REPLACE FUNCTION ru_plural(p_count bigint, p_one text, p_few text, p_many text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN p_count || ' ' || CASE
    WHEN abs(p_count) % 100 BETWEEN 11 AND 14 THEN p_many
    WHEN abs(p_count) % 10 = 1 THEN p_one
    WHEN abs(p_count) % 10 BETWEEN 2 AND 4 THEN p_few
    ELSE p_many END;
COMMENT ON FUNCTION ru_plural(bigint, text, text, text) IS 'Число с существительным в нужной форме: 1 просмотр, 2 просмотра, 5 просмотров, 21 просмотр';

CREATE OR REPLACE FUNCTION format_percent_change(p_old numeric, p_new numeric) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE WHEN p_new > p_old THEN '+' WHEN p_new < p_old THEN '−' ELSE '' END
    || replace(trim_scale(abs(round((p_new - p_old) / p_old * 100, 1)))::text, '.', ',') || ' %';
COMMENT ON FUNCTION format_percent_change(numeric, numeric) IS 'Изменение цены в процентах для людей: +3 %, −2,5 % (знак минус U+2212, десятичная запятая)';

CREATE OR REPLACE FUNCTION pricing_explanation(
    p_decision pricing_decision, p_old_price numeric, p_new_price numeric,
    p_views integer, p_leads integer, p_bookings integer, p_days_on_site integer,
    p_min_days_on_site integer, p_max_shift numeric, p_rooms smallint, p_direction integer
) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE p_decision
    WHEN 'raise' THEN format('Цена изменилась %s из-за высокого спроса (%s за 24 ч)',
        format_percent_change(p_old_price, p_new_price),
        concat_ws(', ', ru_plural(p_views, 'просмотр', 'просмотра', 'просмотров'),
                  CASE WHEN p_leads > 0 THEN ru_plural(p_leads, 'лид', 'лида', 'лидов') END,
                  CASE WHEN p_bookings > 0 THEN ru_plural(p_bookings, 'бронь', 'брони', 'броней') END))
    WHEN 'lower' THEN format('Цена изменилась %s из-за низкого спроса (%s за 24 ч, %s на сайте)',
        format_percent_change(p_old_price, p_new_price),
        concat_ws(', ', ru_plural(p_views, 'просмотр', 'просмотра', 'просмотров'),
                  CASE WHEN p_leads > 0 THEN ru_plural(p_leads, 'лид', 'лида', 'лидов') END,
                  CASE WHEN p_bookings > 0 THEN ru_plural(p_bookings, 'бронь', 'брони', 'броней') END),
        ru_plural(p_days_on_site, 'день', 'дня', 'дней'))
    WHEN 'hold' THEN CASE
        WHEN p_direction < 0
            THEN format('Цена без изменений: спрос низкий, но квартира на сайте всего %s (снижение — после %s)',
                        ru_plural(p_days_on_site, 'день', 'дня', 'дней'), ru_plural(p_min_days_on_site, 'дня', 'дней', 'дней'))
        ELSE format('Цена без изменений: спрос близок к медиане кластера (%s за 24 ч)',
                    ru_plural(p_views, 'просмотр', 'просмотра', 'просмотров')) END
    WHEN 'cooldown' THEN 'Цена без изменений: она уже менялась за последние 24 ч'
    WHEN 'recent_booking' THEN 'Цена без изменений: по квартире была бронь за последние 24 ч'
    WHEN 'at_limit' THEN format('Цена без изменений: достигнута граница %s от базовой цены',
        CASE WHEN p_direction > 0 THEN '+' ELSE '−' END
        || replace(trim_scale(round(p_max_shift * 100, 2))::text, '.', ',') || ' %')
    WHEN 'no_median' THEN format('Цена без изменений: в кластере (%s) нет спроса для сравнения',
        CASE WHEN p_rooms = 0 THEN 'студии' ELSE p_rooms || '-комнатные' END || ' этого ЖК')
    WHEN 'disabled' THEN 'Цена без изменений: динамическое ценообразование отключено'
    ELSE 'Проход пропущен'
END;
COMMENT ON FUNCTION pricing_explanation(pricing_decision, numeric, numeric, integer, integer, integer, integer, integer, numeric, smallint, integer) IS
    'Понятное объяснение решения на русском с правильными формами слов и фактическим изменением от старой цены';
