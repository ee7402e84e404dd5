use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};

/// Версия настроек динамического ценообразования. Глобальная версия (без developer_id и project_id)
/// действует везде, переопределения застройщика и ЖК — для своих ЖК; самая конкретная включённая
/// версия побеждает. Потолки из окружения (ELASTICITY_CAP, PRICE_MAX_SHIFT) сильнее любых версий.
#[derive(Debug, Serialize, ToSchema)]
pub struct PricingConfig {
    /// Идентификатор версии
    #[schema(example = 12)]
    pub id: i64,
    /// Область: застройщик, если это его переопределение
    #[schema(required = true, example = json!(null))]
    pub developer_id: Option<i64>,
    /// Область: ЖК, если это его переопределение
    #[schema(required = true, example = 7)]
    pub project_id: Option<i64>,
    /// Версия действует; выключенная глобальная версия останавливает ценообразование полностью,
    /// выключенное переопределение не действует (берутся настройки уровнем выше)
    #[schema(example = true)]
    pub enabled: bool,
    /// Верхний порог demand_norm: выше — цена растёт
    #[schema(value_type = crate::openapi::DecimalNumber, example = "1.3")]
    pub k1: Decimal,
    /// Нижний порог demand_norm: ниже (и квартира на сайте дольше min_days_on_site) — цена снижается
    #[schema(value_type = crate::openapi::DecimalNumber, example = "0.7")]
    pub k2: Decimal,
    /// Вес просмотра за 24 ч в спросе
    #[schema(value_type = crate::openapi::DecimalNumber, example = "0.5")]
    pub weight_views: Decimal,
    /// Вес добавления в избранное за 24 ч
    #[schema(value_type = crate::openapi::DecimalNumber, example = "0")]
    pub weight_favourites: Decimal,
    /// Вес заявки на звонок за 24 ч
    #[schema(value_type = crate::openapi::DecimalNumber, example = "2")]
    pub weight_leads: Decimal,
    /// Вес брони за 24 ч
    #[schema(value_type = crate::openapi::DecimalNumber, example = "5")]
    pub weight_bookings: Decimal,
    /// Шаг изменения цены за проход, доля (0.03 = 3 %)
    #[schema(value_type = crate::openapi::DecimalNumber, example = "0.03")]
    pub step: Decimal,
    /// Предел эластичности, доля: Δ = min(step, elasticity_cap, ELASTICITY_CAP)
    #[schema(value_type = crate::openapi::DecimalNumber, example = "0.03")]
    pub elasticity_cap: Decimal,
    /// Коридор от базовой цены, доля: min(max_shift, PRICE_MAX_SHIFT)
    #[schema(value_type = crate::openapi::DecimalNumber, example = "0.07")]
    pub max_shift: Decimal,
    /// Пауза после любого изменения цены, часов
    #[schema(example = 24)]
    pub cooldown_hours: i32,
    /// Пауза после брони любого статуса, часов
    #[schema(example = 24)]
    pub booking_freeze_hours: i32,
    /// Снижать цену только если квартира на сайте больше стольких дней
    #[schema(example = 14)]
    pub min_days_on_site: i32,
    /// Зачем изменили настройки
    #[schema(required = true, example = "Весенняя распродажа: шаг 2 %")]
    pub comment: Option<String>,
    /// Кто создал версию
    #[schema(required = true, example = 3)]
    pub created_by: Option<i64>,
    /// Когда создана версия
    #[schema(example = "2026-11-23T10:00:00Z")]
    pub created_at: DateTime<Utc>,
}

impl PricingConfig {
    pub fn from_row(row: &Row) -> Self {
        Self {
            id: row.get("id"),
            developer_id: row.get("developer_id"),
            project_id: row.get("project_id"),
            enabled: row.get("enabled"),
            k1: row.get("k1"),
            k2: row.get("k2"),
            weight_views: row.get("weight_views"),
            weight_favourites: row.get("weight_favourites"),
            weight_leads: row.get("weight_leads"),
            weight_bookings: row.get("weight_bookings"),
            step: row.get("step"),
            elasticity_cap: row.get("elasticity_cap"),
            max_shift: row.get("max_shift"),
            cooldown_hours: row.get("cooldown_hours"),
            booking_freeze_hours: row.get("booking_freeze_hours"),
            min_days_on_site: row.get("min_days_on_site"),
            comment: row.get("comment"),
            created_by: row.get("created_by"),
            created_at: row.get("created_at"),
        }
    }
}

/// Потолки, заданные эксплуатацией через окружение: настройки в базе могут их только ужесточить.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnvironmentCeilings {
    /// ELASTICITY_CAP: наибольший шаг изменения цены за проход, доля
    #[schema(value_type = crate::openapi::DecimalNumber, example = "0.03")]
    pub elasticity_cap: Decimal,
    /// PRICE_MAX_SHIFT: наибольшее отклонение от базовой цены, доля
    #[schema(value_type = crate::openapi::DecimalNumber, example = "0.07")]
    pub max_shift: Decimal,
}

/// Действующие настройки: глобальная версия, видимые вызывающему переопределения и потолки окружения.
#[derive(Debug, Serialize, ToSchema)]
pub struct PricingConfigOverview {
    /// Текущая глобальная версия
    pub global: PricingConfig,
    /// Текущие переопределения застройщиков и ЖК (сотрудник видит только своей компании)
    pub overrides: Vec<PricingConfig>,
    /// Потолки из окружения
    pub ceilings: EnvironmentCeilings,
}

/// Новая версия настроек для области. Незаданные поля берутся из текущей версии этой области
/// (для новой области — из действующих настроек уровнем выше). Без developer_id и project_id —
/// глобальная версия (только модератор).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PricingConfigChange {
    /// Область: застройщик (его сотрудник или модератор)
    #[schema(example = json!(null))]
    pub developer_id: Option<i64>,
    /// Область: ЖК (сотрудник застройщика этого ЖК или модератор)
    #[schema(example = 7)]
    pub project_id: Option<i64>,
    /// Версия действует
    #[schema(example = true)]
    pub enabled: Option<bool>,
    /// Верхний порог demand_norm, больше k2
    #[schema(value_type = Option<crate::openapi::DecimalNumber>, example = "1.25")]
    pub k1: Option<Decimal>,
    /// Нижний порог demand_norm, больше 0 и меньше k1
    #[schema(value_type = Option<crate::openapi::DecimalNumber>, example = "0.7")]
    pub k2: Option<Decimal>,
    /// Вес просмотра, 0–1000
    #[schema(value_type = Option<crate::openapi::DecimalNumber>, example = "0.5")]
    pub weight_views: Option<Decimal>,
    /// Вес избранного, 0–1000
    #[schema(value_type = Option<crate::openapi::DecimalNumber>, example = "0")]
    pub weight_favourites: Option<Decimal>,
    /// Вес заявки, 0–1000
    #[schema(value_type = Option<crate::openapi::DecimalNumber>, example = "2")]
    pub weight_leads: Option<Decimal>,
    /// Вес брони, 0–1000
    #[schema(value_type = Option<crate::openapi::DecimalNumber>, example = "5")]
    pub weight_bookings: Option<Decimal>,
    /// Шаг за проход, доля (0, 0.5]
    #[schema(value_type = Option<crate::openapi::DecimalNumber>, example = "0.02")]
    pub step: Option<Decimal>,
    /// Предел эластичности, доля (0, 0.5]
    #[schema(value_type = Option<crate::openapi::DecimalNumber>, example = "0.03")]
    pub elasticity_cap: Option<Decimal>,
    /// Коридор от базовой цены, доля [0, 0.5]
    #[schema(value_type = Option<crate::openapi::DecimalNumber>, example = "0.07")]
    pub max_shift: Option<Decimal>,
    /// Пауза после изменения цены, часов (0–720)
    #[schema(minimum = 0, maximum = 720, example = 24)]
    pub cooldown_hours: Option<i32>,
    /// Пауза после брони, часов (0–720)
    #[schema(minimum = 0, maximum = 720, example = 24)]
    pub booking_freeze_hours: Option<i32>,
    /// Минимум дней на сайте для снижения, 0–3650
    #[schema(minimum = 0, maximum = 3650, example = 14)]
    pub min_days_on_site: Option<i32>,
    /// Зачем меняем настройки, до 1000 символов
    #[schema(max_length = 1000, example = "Весенняя распродажа: шаг 2 %")]
    pub comment: Option<String>,
}

/// Запуск прохода ценообразования вручную.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PricingRunRequest {
    /// Только показать, что изменилось бы и почему, ничего не записывая
    #[serde(default)]
    #[schema(example = true)]
    pub dry_run: bool,
}

/// Изменение цены в проходе.
#[derive(Debug, Serialize, ToSchema)]
pub struct PricingChange {
    /// Квартира
    #[schema(example = 1001)]
    pub apartment_id: i64,
    /// Решение: `raise` или `lower`
    #[schema(example = "raise")]
    pub decision: String,
    /// Цена до прохода
    #[schema(value_type = crate::openapi::Money, example = "10000000.00")]
    pub old_price: Decimal,
    /// Цена после прохода
    #[schema(value_type = crate::openapi::Money, example = "10300000.00")]
    pub new_price: Decimal,
    /// Объяснение для людей
    #[schema(example = "Цена изменилась +3 % из-за высокого спроса (34 просмотра за 24 ч)")]
    pub explanation: String,
}

/// Итог прохода ценообразования, запущенного вручную.
#[derive(Debug, Serialize, ToSchema)]
pub struct PricingRunReport {
    /// Идентификатор прохода (пусто для пробного прохода и пропущенного)
    #[schema(required = true, example = 42)]
    pub run_id: Option<i64>,
    /// Пробный проход: ничего не записано
    #[schema(example = false)]
    pub dry_run: bool,
    /// Почему проход пропущен (другой проход ещё идёт)
    #[schema(required = true, example = json!(null))]
    pub skipped_reason: Option<String>,
    /// Сколько квартир в продаже оценено
    #[schema(example = 3120)]
    pub evaluated: i64,
    /// Число решений каждого вида
    #[schema(example = json!({"raise": 12, "lower": 4, "hold": 3000, "cooldown": 104}))]
    pub decisions: BTreeMap<String, i64>,
    /// Сколько цен изменено (или изменилось бы)
    #[schema(example = 16)]
    pub changed: i64,
    /// Изменения, не больше 1000 первых по номеру квартиры
    pub changes: Vec<PricingChange>,
    /// Время пересчёта агрегатов, мс
    #[schema(example = 120)]
    pub aggregates_ms: u64,
    /// Время прохода, мс
    #[schema(example = 480)]
    pub pass_ms: u64,
}

/// Проход ценообразования из журнала.
#[derive(Debug, Serialize, ToSchema)]
pub struct PricingRun {
    /// Идентификатор прохода
    #[schema(example = 42)]
    pub id: i64,
    /// Кто запустил: schedule, manual или cli
    #[schema(example = "schedule")]
    pub trigger: String,
    /// Слот расписания
    #[schema(required = true, example = "2026-11-23T10:00:00Z")]
    pub scheduled_for: Option<DateTime<Utc>>,
    /// Пользователь, запустивший вручную
    #[schema(required = true, example = json!(null))]
    pub started_by: Option<i64>,
    /// Начало
    #[schema(example = "2026-11-23T10:00:00.120Z")]
    pub started_at: DateTime<Utc>,
    /// Окончание
    #[schema(required = true, example = "2026-11-23T10:00:00.610Z")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Оценено квартир в продаже
    #[schema(example = 3120)]
    pub evaluated: i32,
    /// Число решений каждого вида
    #[schema(example = json!({"raise": 12, "lower": 4, "hold": 3000, "cooldown": 104}))]
    pub decisions: BTreeMap<String, i64>,
    /// Повышено цен
    #[schema(example = 12)]
    pub raised: i32,
    /// Понижено цен
    #[schema(example = 4)]
    pub lowered: i32,
    /// Когда изменения прохода откачены
    #[schema(required = true, example = json!(null))]
    pub rolled_back_at: Option<DateTime<Utc>>,
    /// Кто откатил
    #[schema(required = true, example = json!(null))]
    pub rolled_back_by: Option<i64>,
    /// Состояние: running — идёт, completed — все пачки применены, interrupted — прерван (готовые пачки применены,
    /// следующий проход продолжает)
    #[schema(example = "completed")]
    pub status: PricingRunStatus,
    /// Сколько пачек целых ЖК запланировано (0 — проход одним оператором)
    #[schema(example = 200, minimum = 0)]
    pub batches: i32,
    /// Сколько пачек применено
    #[schema(example = 200, minimum = 0)]
    pub batches_done: i32,
    /// Сколько соединений пересчитывали пачки
    #[schema(required = true, example = 2, minimum = 1)]
    pub workers: Option<i32>,
}

/// Состояние прохода ценообразования.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PricingRunStatus {
    Running,
    Completed,
    Interrupted,
}

impl PricingRunStatus {
    fn from_sql(status: &str) -> Self {
        match status {
            "running" => Self::Running,
            "interrupted" => Self::Interrupted,
            _ => Self::Completed,
        }
    }
}

impl PricingRun {
    pub fn from_row(row: &Row) -> Self {
        Self {
            id: row.get("id"),
            trigger: row.get("trigger"),
            scheduled_for: row.get("scheduled_for"),
            started_by: row.get("started_by"),
            started_at: row.get("started_at"),
            finished_at: row.get("finished_at"),
            evaluated: row.get("evaluated"),
            decisions: serde_json::from_value(row.get("decisions")).unwrap_or_default(),
            raised: row.get("raised"),
            lowered: row.get("lowered"),
            rolled_back_at: row.get("rolled_back_at"),
            rolled_back_by: row.get("rolled_back_by"),
            status: PricingRunStatus::from_sql(row.get("status")),
            batches: row.get("batches"),
            batches_done: row.get("batches_done"),
            workers: row.get("workers"),
        }
    }
}

/// Страница журнала: новые проходы первыми.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Сколько записей вернуть, 1–100 (по умолчанию 20)
    #[param(example = 20, minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Вернуть записи с идентификатором меньше этого (курсор следующей страницы)
    #[param(example = 1234)]
    pub before_id: Option<i64>,
}

impl PageQuery {
    pub const MAX_LIMIT: i64 = 100;

    pub fn limit(&self) -> Result<i64, crate::error::AppError> {
        match self.limit {
            None => Ok(20),
            Some(limit) if (1..=Self::MAX_LIMIT).contains(&limit) => Ok(limit),
            Some(_) => Err(crate::error::AppError::field(
                "limit",
                format!("ожидается целое число от 1 до {}", Self::MAX_LIMIT),
            )),
        }
    }
}

/// Откат прохода.
#[derive(Debug, Serialize, ToSchema)]
pub struct RollbackReport {
    /// Откаченный проход
    #[schema(example = 42)]
    pub run_id: i64,
    /// Проход уже был откачен раньше: ничего не изменено
    #[schema(example = false)]
    pub already_rolled_back: bool,
    /// Восстановленные цены (изменения, которые после прохода никто не трогал)
    pub restored: Vec<RestoredPrice>,
}

/// Восстановленная цена квартиры.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestoredPrice {
    /// Квартира
    #[schema(example = 1001)]
    pub apartment_id: i64,
    /// Цена, которая снова действует (до прохода)
    #[schema(value_type = crate::openapi::DecimalNumber, example = "10000000.00")]
    pub restored_price: Decimal,
    /// Цена, которую выставил проход
    #[schema(value_type = crate::openapi::DecimalNumber, example = "10300000.00")]
    pub replaced_price: Decimal,
}

/// Запись истории цен квартиры.
#[derive(Debug, Serialize, ToSchema)]
pub struct PriceHistoryEntry {
    /// Идентификатор записи
    #[schema(example = 77)]
    pub id: i64,
    /// Когда изменилась цена
    #[schema(example = "2026-11-23T10:00:00Z")]
    pub changed_at: DateTime<Utc>,
    /// Цена до
    #[schema(value_type = crate::openapi::Money, example = "10000000.00")]
    pub old_price: Decimal,
    /// Цена после
    #[schema(value_type = crate::openapi::Money, example = "10300000.00")]
    pub new_price: Decimal,
    /// Изменение в процентах от старой цены, до сотых
    #[schema(value_type = crate::openapi::DecimalNumber, example = "3.00")]
    pub change_percent: Decimal,
    /// Причина: dynamic — алгоритм, manual — вручную или откат, promo — акция
    #[schema(example = "dynamic")]
    pub reason: String,
    /// Объяснение для покупателя
    #[schema(
        required = true,
        example = "Цена изменилась +3 % из-за высокого спроса (34 просмотра за 24 ч)"
    )]
    pub explanation: Option<String>,
}

/// Входные данные ценообразования квартиры и что сделает следующий проход.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApartmentPricing {
    /// Квартира
    #[schema(example = 1001)]
    pub apartment_id: i64,
    /// Просмотров за 24 ч
    #[schema(example = 34)]
    pub views_24h: i32,
    /// В избранное за 24 ч
    #[schema(example = 3)]
    pub favourites_24h: i32,
    /// Заявок за 24 ч
    #[schema(example = 1)]
    pub leads_24h: i32,
    /// Броней за 24 ч
    #[schema(example = 0)]
    pub bookings_24h: i32,
    /// Полных дней на сайте
    #[schema(example = 21)]
    pub days_on_site: i32,
    /// Взвешенный спрос
    #[schema(value_type = crate::openapi::DecimalNumber, example = "19.0")]
    pub demand: Decimal,
    /// Медиана спроса в кластере «ЖК × комнатность»
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "12.5")]
    pub cluster_median: Option<Decimal>,
    /// demand / медиана
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "1.52")]
    pub demand_norm: Option<Decimal>,
    /// Что сделает следующий проход: raise, lower, hold, cooldown, recent_booking, at_limit, no_median, disabled
    #[schema(example = "raise")]
    pub next_decision: String,
    /// Текущая цена
    #[schema(value_type = crate::openapi::Money, example = "10000000.00")]
    pub current_price: Decimal,
    /// Цена после следующего прохода
    #[schema(value_type = crate::openapi::DecimalNumber, example = "10300000.00")]
    pub next_price: Decimal,
    /// Объяснение решения
    #[schema(example = "Цена изменилась +3 % из-за высокого спроса (34 просмотра за 24 ч)")]
    pub explanation: String,
}
