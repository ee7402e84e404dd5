-- Журнал вебхуков без секретов: до этой версии события Битрикс24 сохранялись в webhook_inbox целиком, вместе с
-- auth[application_token] (и auth[access_token] / auth[refresh_token] событий приложений), а строки журнала читают
-- модераторы (GET /moderation/webhook-inbox/{id}). Сервис больше не сохраняет эти поля (вместо значения — «…»);
-- здесь так же затираются уже сохранённые строки. Остальные поля строки не меняются, повторная обработка
-- токен не использует (он проверяется только при приёме).
UPDATE webhook_inbox w
   SET payload = (SELECT jsonb_object_agg(field.key,
                                          CASE WHEN field.key LIKE 'auth[%token%' THEN to_jsonb('…'::text)
                                               ELSE field.value END)
                    FROM jsonb_each(w.payload) AS field)
 WHERE w.source = 'bitrix24'
   AND jsonb_typeof(w.payload) = 'object'
   AND EXISTS (SELECT 1 FROM jsonb_object_keys(w.payload) AS name WHERE name LIKE 'auth[%token%');
