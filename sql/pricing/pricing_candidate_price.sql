CREATE OR REPLACE FUNCTION pricing_candidate_price(
    p_direction integer, p_current_price numeric, p_base_price numeric, p_delta numeric, p_max_shift numeric
) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE p_direction
    WHEN 1  THEN least(round(p_current_price * (1 + p_delta), 2), round(p_base_price * (1 + p_max_shift), 2))
    WHEN -1 THEN greatest(round(p_current_price * (1 - p_delta), 2), round(p_base_price * (1 - p_max_shift), 2))
    ELSE p_current_price
END;
COMMENT ON FUNCTION pricing_candidate_price(integer, numeric, numeric, numeric, numeric) IS
    'Цена после шага Δ в сторону direction (1 — вверх, −1 — вниз), округлённая до копеек и зажатая в коридор '
    'round(base × (1 ± max_shift), 2); при другом direction — текущая цена';
