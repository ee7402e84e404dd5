CREATE OR REPLACE FUNCTION analytics_t95(p_df integer) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN p_df IS NULL OR p_df < 1 THEN NULL
    WHEN p_df > 30 THEN 1.960
    ELSE (ARRAY[12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042])[p_df]
END;
COMMENT ON FUNCTION analytics_t95(integer) IS
    'Двусторонний 95 %-й квантиль распределения Стьюдента с p_df степенями свободы (таблица до 30, дальше 1,96): '
    'полуширина доверительного интервала среднего = t · s ÷ √n';
