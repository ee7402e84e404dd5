CREATE OR REPLACE FUNCTION changed_columns(p_old jsonb, p_new jsonb, p_ignored text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}')
      FROM jsonb_each(p_new) n
      JOIN jsonb_each(p_old) o ON o.key = n.key
     WHERE n.value IS DISTINCT FROM o.value
       AND n.key <> ALL (p_ignored)
$$;
COMMENT ON FUNCTION changed_columns(jsonb, jsonb, text[]) IS
    'Имена столбцов, чьи значения в to_jsonb(NEW) и to_jsonb(OLD) различаются, кроме p_ignored, по алфавиту: поле '
    'changed событий *.updated, чтобы потребитель сбрасывал только то, что устарело';
