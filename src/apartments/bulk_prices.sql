-- Выгрузка квартир застройщиком, шаг 3: новые текущие цены существующих квартир одним оператором,
-- каждое изменение — в историю цен с причиной manual (как ручная смена цены; ставит паузу ценообразования).
-- $1 jsonb — массив {id, price}, $2 автор (users.id)
-- Выход: changed — сколько цен изменилось
WITH wanted AS (
    SELECT r.id, r.price FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, price numeric)
), before AS (
    SELECT a.id, a.current_price AS old_price
      FROM apartments a JOIN wanted w ON w.id = a.id
     WHERE a.current_price <> w.price
), updated AS (
    UPDATE apartments a
       SET current_price = w.price
      FROM wanted w JOIN before b ON b.id = w.id
     WHERE a.id = w.id
    RETURNING a.id, b.old_price, a.current_price
), history AS (
    INSERT INTO price_history (apartment_id, old_price, new_price, reason, changed_by, inputs, explanation)
    SELECT id, old_price, current_price, 'manual', $2, '{"source": "bulk"}'::jsonb,
           concat('Цена изменена вручную (', format_percent_change(old_price, current_price), '): выгрузка застройщика')
      FROM updated
)
SELECT count(*) AS changed FROM updated
