-- Квартиры кабинета: свои компании (или все для модератора) в любом состоянии модерации.
-- $1 вызывающий — модератор, $2 bigint[] его компании, $3 состояние модерации (NULL — любое),
-- $4 застройщик (NULL — любой), $5 ЖК (NULL — любой), $6 limit, $7 offset
-- Выход: total и id квартир страницы (одна строка с id = NULL, если страница пуста)
WITH matched AS MATERIALIZED (
    SELECT a.id
      FROM apartments a
      JOIN projects p ON p.id = a.project_id
     WHERE ($1 OR p.developer_id = ANY($2))
       AND ($3::text IS NULL OR a.moderation_status = $3::text::moderation_status)
       AND ($4::bigint IS NULL OR p.developer_id = $4)
       AND ($5::bigint IS NULL OR a.project_id = $5)
)
SELECT totals.total, page.id
  FROM (SELECT count(*) AS total FROM matched) totals
  LEFT JOIN LATERAL (SELECT m.id FROM matched m ORDER BY m.id LIMIT $6 OFFSET $7) page ON true
 ORDER BY page.id
