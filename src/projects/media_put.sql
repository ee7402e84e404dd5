-- Новый набор медиа ЖК целиком (старый набор удалён предыдущим оператором той же транзакции): вставка одним
-- оператором; порядок внутри вида — по порядку в запросе. Планировка принимается только для квартиры этого же ЖК (иначе строка не вставится, и код
-- ответит 422 по разнице числа строк).
-- $1 id ЖК, $2 jsonb — массив {ord, kind, url, title, apartment_id}
-- Выход: inserted — сколько вставлено
WITH items AS (
    SELECT r.ord, r.kind, r.url, r.title, r.apartment_id
      FROM jsonb_to_recordset($2::jsonb) AS r(ord integer, kind text, url text, title text, apartment_id bigint)
), inserted AS (
    INSERT INTO project_media (project_id, apartment_id, kind, url, title, position)
    SELECT $1, i.apartment_id, i.kind::media_kind, i.url, i.title,
           (row_number() OVER (PARTITION BY i.kind ORDER BY i.ord) - 1)::smallint
      FROM items i
     WHERE i.apartment_id IS NULL
        OR EXISTS (SELECT 1 FROM apartments a WHERE a.id = i.apartment_id AND a.project_id = $1)
    RETURNING id
)
SELECT count(*) AS inserted FROM inserted
