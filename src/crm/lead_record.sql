-- Заявка $1 для CRM: контакт (имя, телефон) читается только здесь, при отправке, в outbox его нет.
-- Столбцы: title, price (рубли строкой), name, phone, comment, crm_external_id.
SELECT format('Заявка на звонок: квартира %s, %s', a.code, p.name) AS title,
       a.current_price::text AS price, l.name, l.phone, l.comment, l.crm_external_id
FROM leads l
JOIN apartments a ON a.id = l.apartment_id
JOIN projects p ON p.id = a.project_id
WHERE l.id = $1
