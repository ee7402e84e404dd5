CREATE OR REPLACE FUNCTION outbox_event_payload(p_event outbox_events) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        p_event.payload,
        (SELECT price_changed_payload(h.apartment_id, a.project_id, h.old_price, h.new_price, h.reason,
                                      h.pricing_run_id, h.changed_at, h.explanation)
           FROM price_history h
           JOIN apartments a ON a.id = h.apartment_id
          WHERE h.id = p_event.price_history_id))
$$;
COMMENT ON FUNCTION outbox_event_payload(outbox_events) IS
    'Тело события для публикации: payload строки или, у price.changed, тело из её строки price_history '
    '(price_changed_payload). Так его читают ретранслятор и аналитики: SELECT outbox_event_payload(e) FROM outbox_events e';
