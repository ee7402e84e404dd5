-- События ЖК: project.published | unpublished | updated.
CREATE OR REPLACE FUNCTION project_event_payload(p_project projects, p_changed text[]) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object(
        'project_id', p_project.id,
        'developer_id', p_project.developer_id,
        'name', p_project.name,
        'city', p_project.city,
        'region_code', p_project.region_code,
        'moderation_status', p_project.moderation_status,
        'changed', to_jsonb(p_changed))
$$;
COMMENT ON FUNCTION project_event_payload(projects, text[]) IS
    'Тело событий project.*: ЖК, застройщик, название, город, регион, статус модерации, изменённые поля';

CREATE OR REPLACE FUNCTION projects_emit_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_was_published boolean := OLD.moderation_status = 'published';
    v_is_published  boolean := NEW.moderation_status = 'published';
BEGIN
    IF NOT (v_was_published OR v_is_published) THEN
        RETURN NULL;
    END IF;
    INSERT INTO outbox_events (topic, event_type, aggregate_id, payload)
    VALUES ('catalog',
            CASE WHEN NOT v_was_published THEN 'project.published'
                 WHEN NOT v_is_published THEN 'project.unpublished'
                 ELSE 'project.updated' END,
            NEW.id,
            project_event_payload(NEW, changed_columns(to_jsonb(OLD), to_jsonb(NEW), ARRAY[
                'updated_at', 'created_at', 'moderated_by', 'moderated_at', 'moderation_comment', 'published_at'])));
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION projects_emit_updated() IS
    'project.published (модерация опубликовала), project.unpublished (снят), project.updated (изменился '
    'опубликованный ЖК); черновики молчат';

CREATE OR REPLACE TRIGGER projects_emit_updated AFTER UPDATE ON projects
    FOR EACH ROW
    WHEN ((OLD.moderation_status, OLD.developer_id, OLD.name, OLD.city, OLD.region_code, OLD.address, OLD.geo::text,
           OLD.class, OLD.commissioning_date, OLD.cover_image_url, OLD.description)
          IS DISTINCT FROM
          (NEW.moderation_status, NEW.developer_id, NEW.name, NEW.city, NEW.region_code, NEW.address, NEW.geo::text,
           NEW.class, NEW.commissioning_date, NEW.cover_image_url, NEW.description))
    EXECUTE FUNCTION projects_emit_updated();
COMMENT ON TRIGGER projects_emit_updated ON projects IS
    'Событие каталога в outbox при изменении ЖК, видимого покупателям';

CREATE OR REPLACE FUNCTION projects_emit_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox_events (topic, event_type, aggregate_id, payload)
    SELECT 'catalog', 'project.published', p.id, project_event_payload(p, '{}')
      FROM inserted_projects p
     WHERE p.moderation_status = 'published'
     ORDER BY p.id;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION projects_emit_inserted() IS 'project.published для ЖК, вставленных сразу опубликованными';

CREATE OR REPLACE TRIGGER projects_emit_inserted AFTER INSERT ON projects
    REFERENCING NEW TABLE AS inserted_projects
    FOR EACH STATEMENT EXECUTE FUNCTION projects_emit_inserted();
COMMENT ON TRIGGER projects_emit_inserted ON projects IS 'project.published для вставленных опубликованными';
