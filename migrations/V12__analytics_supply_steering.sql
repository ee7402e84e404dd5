-- «Куда ведёт правило цены» — в часовом снимке предложения, а не на каждый запрос.
--
-- /analytics/prices/clusters решал следующий шаг цены каждой квартиры застройщика на каждый запрос: на 1 млн квартир
-- застройщик с 40 тыс. квартир — 40 тыс. строк apartment_stats по индексу ЖК, p99 197–208 мс при цели 200 мс, и
-- время росло с размером компании. Цена м² кластера и базовая цена м² и так брались из часового снимка
-- analytics_daily_supply; теперь ежечасная свёртка (refresh_analytics, шаг 3) в том же снимке решает и шаг правила
-- для всего каталога одним проходом по apartment_stats — пороги кластеров из cluster_demand, настройки ЖК и потолки
-- последнего прохода цен, — а запрос читает строки кластеров.
--
-- Снимки до этой версии и снимки, снятые до первого цикла цен (медиан кластеров ещё нет), хранят NULL: «не оценено».

ALTER TABLE analytics_daily_supply
    ADD COLUMN steering_sum_on_sale numeric(18,2)
        CONSTRAINT analytics_daily_supply_steering_sum_on_sale_check CHECK (steering_sum_on_sale >= 0),
    ADD COLUMN lots_to_raise integer
        CONSTRAINT analytics_daily_supply_lots_to_raise_check CHECK (lots_to_raise >= 0),
    ADD COLUMN lots_to_lower integer
        CONSTRAINT analytics_daily_supply_lots_to_lower_check CHECK (lots_to_lower >= 0),
    ADD CONSTRAINT analytics_daily_supply_steered_lots_check CHECK (lots_to_raise + lots_to_lower <= lots_on_sale);

COMMENT ON COLUMN analytics_daily_supply.steering_sum_on_sale IS
    'Оценка: сумма цен квартир в продаже после следующего шага правила цены, ₽ (цена м², к которой ведёт правило, = '
    'steering_sum_on_sale ÷ area_on_sale). Шаг — как у прохода цен по медианам и настройкам на момент снимка: '
    'demand_norm > k1 — вверх на Δ, < k2 и на сайте дольше min_days_on_site — вниз, в коридоре ±max_shift; паузы '
    'после изменения цены и брони не учитываются. NULL — не оценено (медиан кластеров ещё нет, в кластере нет квартир в '
    'продаже или снимок до V12)';
COMMENT ON COLUMN analytics_daily_supply.lots_to_raise IS
    'Оценка: квартир в продаже, которые правило повысит следующим шагом (спрос выше k1 × медиана, цена ниже верхней '
    'границы коридора), шт.; NULL — не оценено';
COMMENT ON COLUMN analytics_daily_supply.lots_to_lower IS
    'Оценка: квартир в продаже, которые правило понизит следующим шагом (спрос ниже k2 × медиана, на сайте дольше '
    'min_days_on_site, цена выше нижней границы коридора), шт.; NULL — не оценено';
COMMENT ON CONSTRAINT analytics_daily_supply_steered_lots_check ON analytics_daily_supply IS
    'Повышаемых и понижаемых вместе не больше, чем квартир в продаже';

-- Поправка к V11 (её текст не меняется после выпуска): популярность в apartment_popularity с тех пор переносит
-- sync_apartment_popularity после цикла цен, а не пересчёт счётчиков.
COMMENT ON TABLE apartment_popularity IS
    'Популярность каждой квартиры за 24 ч с городом и комнатностью — для поиска по городу в порядке популярности '
    'по индексу. Копия: источник правды — apartment_stats (счётчики) и apartments / projects (комнатность, город); '
    'ведут sync_apartment_popularity (популярность после цикла цен), sync_apartment_copies и '
    'projects_sync_place_to_offers (город и комнатность)';
