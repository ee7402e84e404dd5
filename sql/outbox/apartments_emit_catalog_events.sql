-- События квартир: apartment.published | unpublished | updated. Цену (current_price) несут события price.changed,
-- поэтому проход цен, меняющий только current_price и служебные отметки, сюда не попадает (WHEN триггера).
CREATE OR REPLACE FUNCTION apartment_event_payload(p_apartment apartments, p_changed text[]) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object(
        'apartment_id', p_apartment.id,
        'project_id', p_apartment.project_id,
        'building_id', p_apartment.building_id,
        'code', p_apartment.code,
        'status', p_apartment.status,
        'moderation_status', p_apartment.moderation_status,
        'current_price', p_apartment.current_price::text,
        'changed', to_jsonb(p_changed))
$$;
COMMENT ON FUNCTION apartment_event_payload(apartments, text[]) IS
    'Тело событий apartment.*: квартира, ЖК, корпус, номер, статус продажи и модерации, цена строкой, изменённые поля';

CREATE OR REPLACE FUNCTION apartments_emit_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_was_published boolean := OLD.moderation_status = 'published';
    v_is_published  boolean := NEW.moderation_status = 'published';
    v_changed       text[];
BEGIN
    IF NOT (v_was_published OR v_is_published) THEN
        RETURN NULL;
    END IF;
    v_changed := changed_columns(to_jsonb(OLD), to_jsonb(NEW), ARRAY[
        'current_price', 'price_changed_at', 'last_booked_at', 'updated_at', 'created_at', 'moderated_by',
        'moderated_at', 'moderation_comment', 'published_at']);
    INSERT INTO outbox_events (topic, event_type, aggregate_id, payload)
    VALUES ('catalog',
            CASE WHEN NOT v_was_published THEN 'apartment.published'
                 WHEN NOT v_is_published THEN 'apartment.unpublished'
                 ELSE 'apartment.updated' END,
            NEW.id, apartment_event_payload(NEW, v_changed));
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_emit_updated() IS
    'apartment.published (модерация опубликовала), apartment.unpublished (снята с публикации), apartment.updated '
    '(изменилась опубликованная квартира: поля, базовая цена, статус продажи); черновики молчат';

CREATE OR REPLACE TRIGGER apartments_emit_updated AFTER UPDATE ON apartments
    FOR EACH ROW
    WHEN ((OLD.moderation_status, OLD.building_id, OLD.code, OLD.floor, OLD.rooms, OLD.area_total, OLD.area_living,
           OLD.area_kitchen, OLD.ceiling_height, OLD.balcony, OLD.layout_image_url, OLD.base_price, OLD.status,
           OLD.tour_url, OLD.extra)
          IS DISTINCT FROM
          (NEW.moderation_status, NEW.building_id, NEW.code, NEW.floor, NEW.rooms, NEW.area_total, NEW.area_living,
           NEW.area_kitchen, NEW.ceiling_height, NEW.balcony, NEW.layout_image_url, NEW.base_price, NEW.status,
           NEW.tour_url, NEW.extra))
    EXECUTE FUNCTION apartments_emit_updated();
COMMENT ON TRIGGER apartments_emit_updated ON apartments IS
    'Событие каталога в outbox при изменении квартиры, видимой покупателям; проход цен (только current_price) не '
    'вызывает его ни для одной строки';

CREATE OR REPLACE FUNCTION apartments_emit_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox_events (topic, event_type, aggregate_id, payload)
    SELECT 'catalog', 'apartment.published', a.id, apartment_event_payload(a, '{}')
      FROM inserted_apartments a
     WHERE a.moderation_status = 'published'
     ORDER BY a.id;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION apartments_emit_inserted() IS
    'apartment.published для квартир, вставленных сразу опубликованными (демо-данные, перенос), одним оператором';

CREATE OR REPLACE TRIGGER apartments_emit_inserted AFTER INSERT ON apartments
    REFERENCING NEW TABLE AS inserted_apartments
    FOR EACH STATEMENT EXECUTE FUNCTION apartments_emit_inserted();
COMMENT ON TRIGGER apartments_emit_inserted ON apartments IS 'apartment.published для вставленных опубликованными';
