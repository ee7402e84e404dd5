CREATE OR REPLACE VIEW analytics_price_elasticity AS
SELECT r.project_id,
       r.rooms,
       count(*)::integer                                                     AS responses,
       round(avg(r.elasticity), 3)                                           AS elasticity,
       round(stddev_samp(r.elasticity), 3)                                   AS elasticity_sd,
       round(avg(r.elasticity) - analytics_t95(count(*)::integer - 1) * stddev_samp(r.elasticity) / sqrt(count(*)::numeric), 3)
                                                                             AS ci_low,
       round(avg(r.elasticity) + analytics_t95(count(*)::integer - 1) * stddev_samp(r.elasticity) / sqrt(count(*)::numeric), 3)
                                                                             AS ci_high,
       count(*) >= 5                                                         AS enough_data,
       sum(r.views_before)::bigint                                           AS views_before,
       sum(r.views_after)::bigint                                            AS views_after,
       max(r.changed_at)                                                     AS last_change_at
FROM analytics_price_responses r
WHERE r.reason = 'dynamic' AND NOT r.overlapped AND r.elasticity IS NOT NULL
GROUP BY r.project_id, r.rooms;
COMMENT ON VIEW analytics_price_elasticity IS
    'Оценка эластичности просмотров по цене для кластера «ЖК × комнатность» по собственным изменениям цены алгоритмом '
    '(без пересекающихся): среднее дуговых эластичностей и 95 %-й доверительный интервал по Стьюденту. Меньше 5 '
    'изменений — «недостаточно данных». Свежесть — как analytics_price_responses (раз в час)';
COMMENT ON COLUMN analytics_price_elasticity.project_id IS 'ЖК';
COMMENT ON COLUMN analytics_price_elasticity.rooms IS 'Комнатность';
COMMENT ON COLUMN analytics_price_elasticity.responses IS 'Размер выборки n: изменений цены алгоритмом с измеренным откликом';
COMMENT ON COLUMN analytics_price_elasticity.elasticity IS 'Оценка: средняя эластичность (безразмерная; −2 — цена +1 % даёт −2 % просмотров)';
COMMENT ON COLUMN analytics_price_elasticity.elasticity_sd IS 'Выборочное стандартное отклонение эластичностей (пусто при n = 1)';
COMMENT ON COLUMN analytics_price_elasticity.ci_low IS 'Нижняя граница 95 %-го доверительного интервала (пусто при n = 1)';
COMMENT ON COLUMN analytics_price_elasticity.ci_high IS 'Верхняя граница 95 %-го доверительного интервала (пусто при n = 1)';
COMMENT ON COLUMN analytics_price_elasticity.enough_data IS 'n ≥ 5: оценке можно верить; иначе «недостаточно данных»';
COMMENT ON COLUMN analytics_price_elasticity.views_before IS 'Просмотров за 24 ч до изменений, сумма по выборке (измерение)';
COMMENT ON COLUMN analytics_price_elasticity.views_after IS 'Просмотров за 24 ч после изменений, сумма по выборке (измерение)';
COMMENT ON COLUMN analytics_price_elasticity.last_change_at IS 'Последнее изменение цены в выборке';

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analyst') THEN
        GRANT SELECT ON analytics_price_elasticity TO analyst;
    END IF;
END;
$$;
