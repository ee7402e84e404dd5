CREATE OR REPLACE FUNCTION enqueue_crm_deliveries(p_event_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO crm_deliveries (connection_id, outbox_event_id, event_type, aggregate_id, payload)
    SELECT c.id, e.id, e.event_type, e.aggregate_id, e.payload
      FROM outbox_events e
      JOIN crm_connections c ON c.developer_id = (e.payload ->> 'developer_id')::bigint AND c.enabled
     WHERE e.id = ANY (p_event_ids)
       AND e.topic IN ('lead', 'booking')
       -- Эхо: шаг брони, который пришёл из этой же CRM (её вебхук), обратно в неё не отправляется.
       AND c.id IS DISTINCT FROM nullif(current_setting('crm.origin_connection', true), '')::bigint
     ORDER BY e.id
$$;
COMMENT ON FUNCTION enqueue_crm_deliveries(bigint[]) IS
    'Второй получатель outbox: события заявок и броней (по id) → crm_deliveries для включённого подключения CRM их '
    'застройщика, в той же транзакции. Шаги, пришедшие из CRM (crm.origin_connection), в неё же не возвращаются';
