//! Market analytics for the association: region × city × class × month from `analytics_market_monthly`.
//! Moderators see every cell; a developer sees a cell's numbers only when at least three companies make it up.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};

use super::csv::{opt, respond, svg, CsvTable};
use super::{RawFilters, Scope, MIN_COMPANIES_PER_CELL};
use crate::auth::CurrentUser;
use crate::catalog::types::ProjectClass;
use crate::error::{AppResult, Problem};
use crate::extract::Query;
use crate::state::AppState;

/// Фильтры рынка.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MarketQuery {
    /// Начало периода: берутся месяцы с этого (включительно); по умолчанию — 29 дней до date_to. Период не длиннее
    /// 731 дня
    #[param(example = "2026-01-01")]
    pub date_from: Option<NaiveDate>,
    /// Конец периода (включительно); по умолчанию — сегодня
    #[param(example = "2026-11-30")]
    pub date_to: Option<NaiveDate>,
    /// Регион (код ISO 3166-2)
    #[param(value_type = Option<crate::openapi::RegionCode>, example = "RU-MOW")]
    pub region: Option<String>,
    /// Город, без учёта регистра, от 1 до 100 символов
    #[param(min_length = 1, max_length = 100, example = "Москва")]
    pub city: Option<String>,
    /// Класс жилья
    #[param(value_type = Option<ProjectClass>, example = "comfort")]
    pub class: Option<ProjectClass>,
}

impl MarketQuery {
    fn raw(&self) -> RawFilters<'_> {
        RawFilters {
            date_from: self.date_from,
            date_to: self.date_to,
            region: self.region.as_deref(),
            city: self.city.as_deref(),
            project_id: None,
            class: self.class,
        }
    }
}

/// Ячейка рынка: регион × город × класс × месяц. Показатели пусты, если ячейка скрыта (`suppressed`) или
/// знаменатель равен нулю.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MarketCell {
    /// Месяц (первое число)
    #[schema(example = "2026-11-01")]
    pub month: NaiveDate,
    /// Регион (ISO 3166-2)
    #[schema(example = "RU-MOW")]
    pub region_code: String,
    /// Город
    #[schema(example = "Москва")]
    pub city: String,
    /// Класс жилья
    pub class: ProjectClass,
    /// Ячейка скрыта от застройщика: в ней меньше 3 компаний, цифры выдали бы чужие данные
    #[schema(example = false)]
    pub suppressed: bool,
    /// Компаний в ячейке (пусто, если скрыта)
    #[schema(required = true, example = 5)]
    pub companies: Option<i32>,
    /// Предложение: квартир в продаже на конец месяца (последний снимок)
    #[schema(required = true, example = 1200)]
    pub lots_on_sale: Option<i64>,
    /// Предложение: площадь в продаже, м²
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "64000.00")]
    pub area_on_sale: Option<Decimal>,
    /// Средневзвешенная цена м² предложения = Σцен ÷ Σплощадей, ₽/м²
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "210000.00")]
    pub price_per_m2_on_sale: Option<Decimal>,
    /// Новое предложение: квартир впервые опубликовано за месяц
    #[schema(required = true, example = 80)]
    pub new_lots: Option<i64>,
    /// Темп продаж: сделок за месяц
    #[schema(required = true, example = 45)]
    pub sold: Option<i64>,
    /// Средневзвешенная цена м² в сделках, ₽/м²
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "205000.00")]
    pub price_per_m2_deals: Option<Decimal>,
    /// Средний темп продаж за 3 календарных месяца по этот включительно, квартир в месяц
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "40.33")]
    pub avg_monthly_sales: Option<Decimal>,
    /// Месяцев предложения = в продаже ÷ средний темп
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "29.8")]
    pub months_of_inventory: Option<Decimal>,
    /// Медианный срок экспозиции: от публикации до брони, дней (по броням месяца)
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "38.5")]
    pub median_exposure_days: Option<Decimal>,
    /// Распроданность = продано ÷ всего опубликовано, доля
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "0.35")]
    pub share_sold: Option<Decimal>,
    /// Спрос на лот = просмотров за месяц ÷ квартир в продаже
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "52.4")]
    pub demand_per_lot: Option<Decimal>,
    /// Повышений цены алгоритмом за месяц
    #[schema(required = true, example = 300)]
    pub price_raises: Option<i64>,
    /// Понижений цены алгоритмом за месяц
    #[schema(required = true, example = 120)]
    pub price_lowers: Option<i64>,
    /// Средний размер повышения, %
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "1.5")]
    pub avg_raise_pct: Option<Decimal>,
    /// Средний размер понижения по модулю, %
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "1.5")]
    pub avg_lower_pct: Option<Decimal>,
    /// Отменённых броней за месяц
    #[schema(required = true, example = 6)]
    pub cancelled: Option<i64>,
}

impl MarketCell {
    fn from_row(row: &Row, hide: bool) -> AppResult<Self> {
        let companies: i32 = row.get("companies");
        let suppressed = hide && companies < MIN_COMPANIES_PER_CELL;
        let shown = |column: &str| -> Option<Decimal> {
            if suppressed {
                None
            } else {
                row.get(column)
            }
        };
        let count = |column: &str| -> Option<i64> { (!suppressed).then(|| row.get(column)) };
        Ok(Self {
            month: row.get("month"),
            region_code: row.get("region_code"),
            city: row.get("city"),
            class: ProjectClass::from_db(row.get("class_name"))?,
            suppressed,
            companies: (!suppressed).then_some(companies),
            lots_on_sale: count("lots_on_sale"),
            area_on_sale: shown("area_on_sale"),
            price_per_m2_on_sale: shown("price_per_m2_on_sale"),
            new_lots: count("new_lots"),
            sold: count("sold"),
            price_per_m2_deals: shown("price_per_m2_deals"),
            avg_monthly_sales: shown("avg_monthly_sales"),
            months_of_inventory: shown("months_of_inventory"),
            median_exposure_days: shown("median_exposure_days"),
            share_sold: shown("share_sold"),
            demand_per_lot: shown("demand_per_lot"),
            price_raises: count("price_raises"),
            price_lowers: count("price_lowers"),
            avg_raise_pct: shown("avg_raise_pct"),
            avg_lower_pct: shown("avg_lower_pct"),
            cancelled: count("cancelled"),
        })
    }
}

/// Рынок по месяцам.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MarketReport {
    /// Когда срез пересчитан (раз в час); пусто — ещё ни разу
    #[schema(required = true, example = "2026-11-30T12:00:03Z")]
    pub refreshed_at: Option<DateTime<Utc>>,
    /// Ячейки по месяцу, региону, городу, классу
    pub cells: Vec<MarketCell>,
}

impl CsvTable for MarketReport {
    fn headers() -> &'static [&'static str] {
        &[
            "Месяц",
            "Регион",
            "Город",
            "Класс",
            "Скрыто",
            "Компаний",
            "Лотов в продаже",
            "Площадь в продаже, м²",
            "Цена м² предложения, ₽",
            "Новое предложение",
            "Продано",
            "Цена м² в сделках, ₽",
            "Средний темп, кв./мес.",
            "Месяцев предложения",
            "Медианная экспозиция, дней",
            "Распроданность",
            "Спрос на лот",
            "Повышений цены",
            "Понижений цены",
            "Среднее повышение, %",
            "Среднее понижение, %",
            "Отменено броней",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.cells
            .iter()
            .map(|c| {
                vec![
                    c.month.format("%Y-%m").to_string(),
                    c.region_code.clone(),
                    c.city.clone(),
                    c.class.as_str().to_owned(),
                    if c.suppressed { "да" } else { "нет" }.to_owned(),
                    opt(&c.companies),
                    opt(&c.lots_on_sale),
                    opt(&c.area_on_sale),
                    opt(&c.price_per_m2_on_sale),
                    opt(&c.new_lots),
                    opt(&c.sold),
                    opt(&c.price_per_m2_deals),
                    opt(&c.avg_monthly_sales),
                    opt(&c.months_of_inventory),
                    opt(&c.median_exposure_days),
                    opt(&c.share_sold),
                    opt(&c.demand_per_lot),
                    opt(&c.price_raises),
                    opt(&c.price_lowers),
                    opt(&c.avg_raise_pct),
                    opt(&c.avg_lower_pct),
                    opt(&c.cancelled),
                ]
            })
            .collect()
    }

    fn file_name() -> &'static str {
        "market.csv"
    }
}

async fn report(
    state: &AppState,
    caller: &CurrentUser,
    query: &MarketQuery,
) -> AppResult<MarketReport> {
    let client = state.pool.get().await?;
    let scope = Scope::of(&client, caller, query.raw()).await?;
    let populated: bool = client
        .query_one(
            "SELECT coalesce((SELECT ispopulated FROM pg_matviews
                               WHERE schemaname = current_schema() AND matviewname = 'analytics_market_monthly'), false)",
            &[],
        )
        .await?
        .get(0);
    let mut cells = Vec::new();
    let mut refreshed_at = None;
    if populated {
        for row in client
            .query(include_str!("market.sql"), &scope.params())
            .await?
        {
            refreshed_at = refreshed_at.max(row.get::<_, Option<DateTime<Utc>>>("refreshed_at"));
            cells.push(MarketCell::from_row(&row, !caller.is_moderator())?);
        }
    }
    Ok(MarketReport {
        refreshed_at: match refreshed_at {
            Some(at) => Some(at),
            None => super::refreshed_at(&client).await?,
        },
        cells,
    })
}

/// Рынок по регионам
///
/// Регион × город × класс × месяц: цена м² предложения и сделок, предложение и новое предложение, темп продаж,
/// месяцев предложения, медианная экспозиция, распроданность, спрос на лот, число и размер ценовых сдвигов
/// алгоритма, отмены броней. Модератор ассоциации видит все ячейки; застройщик — только ячейки, где не меньше 3
/// компаний (остальные — `suppressed: true` без цифр). Формулы — docs/analytics.md. `Accept: text/csv` — таблица
/// CSV с русскими заголовками.
#[utoipa::path(get, path = "/analytics/market", tag = "analytics", security(("bearer" = [])),
    params(MarketQuery),
    responses(
        (status = 200, description = "Рынок по месяцам", content(
            (MarketReport = "application/json"),
            (String = "text/csv", example = "\u{feff}Месяц;Регион;Город;…\r\n")
        )),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректный фильтр; поле названо", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn market(
    State(state): State<AppState>,
    caller: CurrentUser,
    headers: HeaderMap,
    Query(query): Query<MarketQuery>,
) -> AppResult<Response> {
    Ok(respond(&headers, report(&state, &caller, &query).await?))
}

/// Рынок: цена м² по классам, график
///
/// Средневзвешенная цена м² предложения по месяцам, линия на класс (ячейки под фильтром вместе: Σцен ÷ Σплощадей;
/// застройщику — только не скрытые ячейки), SVG с русскими подписями.
#[utoipa::path(get, path = "/analytics/market/chart.svg", tag = "analytics", security(("bearer" = [])),
    params(MarketQuery),
    responses(
        (status = 200, description = "График SVG", body = String, content_type = "image/svg+xml"),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректный фильтр; поле названо", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn market_chart(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(query): Query<MarketQuery>,
) -> AppResult<Response> {
    let report = report(&state, &caller, &query).await?;
    // class → month → (Σprice, Σarea)
    let mut sums: BTreeMap<&'static str, BTreeMap<NaiveDate, (Decimal, Decimal)>> = BTreeMap::new();
    let mut months: Vec<NaiveDate> = Vec::new();
    for cell in report.cells.iter().filter(|cell| !cell.suppressed) {
        let (Some(area), Some(price_per_m2)) = (cell.area_on_sale, cell.price_per_m2_on_sale)
        else {
            continue;
        };
        let entry = sums
            .entry(class_name(cell.class))
            .or_default()
            .entry(cell.month)
            .or_default();
        entry.0 += price_per_m2 * area;
        entry.1 += area;
        if !months.contains(&cell.month) {
            months.push(cell.month);
        }
    }
    months.sort();
    let labels: Vec<String> = months
        .iter()
        .map(|month| month.format("%m.%Y").to_string())
        .collect();
    let series: Vec<(String, Vec<Option<f64>>)> = sums
        .into_iter()
        .map(|(class, by_month)| {
            let points = months
                .iter()
                .map(|month| {
                    by_month
                        .get(month)
                        .filter(|(_, area)| !area.is_zero())
                        .and_then(|(price, area)| (price / area).to_f64())
                })
                .collect();
            (class.to_owned(), points)
        })
        .collect();
    Ok(svg(super::chart::lines(
        "Цена м² предложения по классам",
        "₽ за м²",
        &labels,
        &series,
    )?))
}

/// The class as the market names it.
fn class_name(class: ProjectClass) -> &'static str {
    match class {
        ProjectClass::Econom => "эконом",
        ProjectClass::Comfort => "комфорт",
        ProjectClass::Business => "бизнес",
        ProjectClass::Premium => "премиум",
    }
}
