-- Акция с историей и признаком «действует сейчас»; условие, порядок и страницу дописывает вызывающий код.
-- Колонки: поля promotions (kind, status — текстом; conditions — jsonb), active, history (jsonb-массив шагов: action, actor_id,
--          actor_role, comment, occurred_at), total — число строк под условием (для страниц)
SELECT pr.id, pr.developer_id, pr.name, pr.description, pr.kind::text AS kind,
       coalesce(pr.discount_percent, pr.discount_amount) AS discount_value, pr.stacks,
       pr.status::text AS status, pr.starts_at, pr.ends_at,
       (pr.status = 'approved' AND pr.starts_at <= now() AND pr.ends_at > now()
        AND (NOT pr.conditions ? 'first_n_bookings'
             OR pr.issued_bookings < (pr.conditions ->> 'first_n_bookings')::integer)) AS active,
       pr.conditions, pr.issued_bookings, pr.moderation_comment, pr.created_at, pr.updated_at,
       coalesce((SELECT jsonb_agg(jsonb_build_object('action', h.action, 'actor_id', h.actor_id,
                                                     'actor_role', h.actor_role, 'comment', h.comment,
                                                     'occurred_at', h.occurred_at) ORDER BY h.occurred_at, h.id)
                   FROM promotion_history h WHERE h.promotion_id = pr.id), '[]'::jsonb) AS history,
       count(*) OVER () AS total
  FROM promotions pr
