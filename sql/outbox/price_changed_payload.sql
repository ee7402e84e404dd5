CREATE OR REPLACE FUNCTION price_changed_payload(
    p_apartment_id   bigint,
    p_project_id     bigint,
    p_old_price      numeric,
    p_new_price      numeric,
    p_reason         price_change_reason,
    p_pricing_run_id bigint,
    p_changed_at     timestamptz,
    p_explanation    text
) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object(
        'apartment_id', p_apartment_id,
        'project_id', p_project_id,
        'old_price', p_old_price::text,
        'new_price', p_new_price::text,
        'reason', p_reason,
        'pricing_run_id', p_pricing_run_id,
        'changed_at', p_changed_at,
        'explanation', p_explanation)
$$;
COMMENT ON FUNCTION price_changed_payload(bigint, bigint, numeric, numeric, price_change_reason, bigint, timestamptz, text) IS
    'Тело события price.changed (одно на изменение цены): квартира, ЖК, старая и новая цена строками, причина, проход, '
    'объяснение по-русски. Единственное место, где задан его вид: его вызывает outbox_event_payload при публикации';
