-- Выгрузка квартир застройщиком, шаг 1: блокировка уже существующих квартир выгрузки в порядке id,
-- чтобы две одновременные выгрузки одной компании не взаимоблокировались.
-- $1 jsonb — массив {project_id, code}
-- Выход: id, project_id, code, current_price, status заблокированных квартир
SELECT a.id, a.project_id, a.code, a.current_price, a.status::text AS status
  FROM apartments a
  JOIN jsonb_to_recordset($1::jsonb) AS r(project_id bigint, code text)
    ON a.project_id = r.project_id AND a.code = r.code
 ORDER BY a.id
   FOR UPDATE OF a
