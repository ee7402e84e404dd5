CREATE OR REPLACE FUNCTION leads_emit_created() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_event_ids bigint[];
BEGIN
    WITH emitted AS (
        INSERT INTO outbox_events (topic, event_type, aggregate_id, payload)
        SELECT 'lead', 'lead.created', l.id,
               jsonb_build_object(
                   'lead_id', l.id,
                   'apartment_id', l.apartment_id,
                   'project_id', a.project_id,
                   'developer_id', p.developer_id,
                   'created_at', l.created_at)
          FROM inserted_leads l
          JOIN apartments a ON a.id = l.apartment_id
          JOIN projects p ON p.id = a.project_id
         ORDER BY l.id
        RETURNING id
    )
    SELECT array_agg(e.id) INTO v_event_ids FROM emitted e;
    PERFORM enqueue_crm_deliveries(v_event_ids);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION leads_emit_created() IS
    'Событие lead.created на каждую новую заявку на звонок (без имени и телефона — их CRM-доставка читает из leads при '
    'отправке) и его доставка в CRM застройщика';

CREATE OR REPLACE TRIGGER leads_emit_created AFTER INSERT ON leads
    REFERENCING NEW TABLE AS inserted_leads
    FOR EACH STATEMENT EXECUTE FUNCTION leads_emit_created();
COMMENT ON TRIGGER leads_emit_created ON leads IS 'lead.created в outbox в транзакции заявки';
