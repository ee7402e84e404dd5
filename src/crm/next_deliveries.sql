-- До $2 следующих доставок подключения $1, которые можно отправлять: срок подошёл, и у того же объекта (заявки или
-- брони) нет более ранней недоставленной — шаги одной брони уходят строго по очереди (поэтому двух доставок одного
-- объекта среди выбранных не бывает, и их можно отправить одним пакетом). Строки блокируются до фиксации счётчика
-- попыток; занятые другими пропускаются. Столбцы: id, event_type, aggregate_id, attempts.
SELECT d.id, d.event_type, d.aggregate_id, d.attempts
FROM crm_deliveries d
WHERE d.connection_id = $1
  AND d.status = 'pending'
  AND d.next_attempt_at <= now()
  AND NOT EXISTS (
      SELECT 1 FROM crm_deliveries earlier
      WHERE earlier.connection_id = d.connection_id
        AND earlier.aggregate_id = d.aggregate_id
        AND split_part(earlier.event_type, '.', 1) = split_part(d.event_type, '.', 1)
        AND earlier.id < d.id
        AND earlier.status <> 'delivered')
ORDER BY d.id
LIMIT $2
FOR UPDATE OF d SKIP LOCKED
