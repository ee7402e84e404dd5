-- ЖК кабинета: свои компании (или все для модератора) в любом состоянии модерации.
-- $1 вызывающий — модератор, $2 bigint[] его компании, $3 состояние модерации (NULL — любое),
-- $4 застройщик (NULL — любой), $5 ЖК (NULL — любой), $6 limit, $7 offset
-- Выход: total и колонки ЖК страницы (одна строка с id = NULL, если страница пуста)
WITH matched AS MATERIALIZED (
    SELECT p.id, p.developer_id, p.name, p.city, p.moderation_status::text AS moderation_status, p.moderation_comment
      FROM projects p
     WHERE ($1 OR p.developer_id = ANY($2))
       AND ($3::text IS NULL OR p.moderation_status = $3::text::moderation_status)
       AND ($4::bigint IS NULL OR p.developer_id = $4)
       AND ($5::bigint IS NULL OR p.id = $5)
)
SELECT totals.total, page.*,
       (SELECT count(*) FROM buildings b WHERE b.project_id = page.id) AS buildings,
       (SELECT count(*) FROM apartments a WHERE a.project_id = page.id) AS apartments
  FROM (SELECT count(*) AS total FROM matched) totals
  LEFT JOIN LATERAL (SELECT * FROM matched m ORDER BY m.id LIMIT $6 OFFSET $7) page ON true
 ORDER BY page.id
