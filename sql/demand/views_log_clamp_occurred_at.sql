CREATE OR REPLACE FUNCTION views_log_clamp_occurred_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.occurred_at := least(NEW.occurred_at, now());
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION views_log_clamp_occurred_at() IS
    'События из будущего записываются текущим временем: иначе они держались бы в 24-часовом окне спроса дольше суток';

CREATE OR REPLACE TRIGGER views_log_clamp_occurred_at BEFORE INSERT ON views_log FOR EACH ROW
    WHEN (NEW.occurred_at > now())
    EXECUTE FUNCTION views_log_clamp_occurred_at();
COMMENT ON TRIGGER views_log_clamp_occurred_at ON views_log IS 'Событие из будущего записывается текущим временем (вызывается только для него)';
