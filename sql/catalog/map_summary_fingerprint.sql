-- Ответ карты по сводке зависит только от cluster_demand (меняется при обновлении, refreshed_at новое) и от
-- projects / developers (публикация, точка, название, класс). Отпечаток этих данных: пока он тот же, тот же и ответ,
-- и сервис отдаёт его из памяти. Любое изменение строки ЖК или застройщика даёт ей новый xmin и меняет сумму;
-- вставка и удаление меняют и число строк. Считается в снимке запроса: незакоммиченное изменение не видно ни
-- отпечатку, ни ответу, закоммиченное — меняет отпечаток, и ответ считается заново (снятый с публикации ЖК не
-- задерживается в памяти ни на один запрос).
CREATE OR REPLACE FUNCTION map_summary_fingerprint() RETURNS text
LANGUAGE sql STABLE AS $$
SELECT concat_ws(':',
                 coalesce(extract(epoch FROM cluster_demand_refreshed_at())::text, '-'),
                 (SELECT count(*) || '/' || coalesce(sum(p.xmin::text::bigint), 0) FROM projects p),
                 (SELECT count(*) || '/' || coalesce(sum(d.xmin::text::bigint), 0) FROM developers d))
$$;
COMMENT ON FUNCTION map_summary_fingerprint() IS
    'Отпечаток данных, от которых зависит карта по сводке: время обновления cluster_demand, число и сумма xmin строк '
    'projects и developers. Тот же отпечаток — тот же ответ карты (кеш ответов в сервисе)';
