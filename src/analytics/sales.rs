//! Sales pace of a developer's projects: sold per month, months of inventory, share sold.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::csv::{opt, respond, svg, CsvTable};
use super::{ratio, RawFilters, Scope};
use crate::auth::CurrentUser;
use crate::catalog::types::ProjectClass;
use crate::error::{AppResult, Problem};
use crate::extract::Query;
use crate::state::AppState;

/// Фильтры темпа продаж.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SalesQuery {
    /// Начало периода помесячных продаж (включительно), дата по Москве; по умолчанию — 29 дней до date_to.
    /// Период не длиннее 731 дня
    #[param(example = "2026-06-01")]
    pub date_from: Option<NaiveDate>,
    /// Конец периода (включительно); от него же считаются 90 дней среднего темпа. По умолчанию — сегодня
    #[param(example = "2026-11-30")]
    pub date_to: Option<NaiveDate>,
    /// Регион ЖК (код ISO 3166-2)
    #[param(value_type = Option<crate::openapi::RegionCode>, example = "RU-MOW")]
    pub region: Option<String>,
    /// ЖК своей компании (чужой — 404)
    #[param(example = 12)]
    pub project_id: Option<i64>,
    /// Класс жилья ЖК
    #[param(value_type = Option<ProjectClass>, example = "comfort")]
    pub class: Option<ProjectClass>,
}

/// Продажи ЖК за месяц.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthlySales {
    /// Месяц (первое число)
    #[schema(example = "2026-11-01")]
    pub month: NaiveDate,
    /// Сделок за месяц (в пределах периода)
    #[schema(example = 4)]
    pub sold: i64,
    /// Средневзвешенная цена м² в сделках = Σцен ÷ Σплощадей, ₽/м²; пусто без сделок
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "215000.00")]
    pub deals_price_per_m2: Option<Decimal>,
}

/// Темп продаж ЖК.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectSales {
    /// ЖК
    #[schema(example = 12)]
    pub project_id: i64,
    /// Название ЖК
    #[schema(example = "ЖК «Речной»")]
    pub project_name: String,
    /// Опубликованных квартир всего (сейчас)
    #[schema(example = 200)]
    pub lots_total: i64,
    /// В продаже сейчас
    #[schema(example = 150)]
    pub lots_on_sale: i64,
    /// Продано (сейчас)
    #[schema(example = 40)]
    pub lots_sold: i64,
    /// Распроданность = продано ÷ всего, доля
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "0.2")]
    pub share_sold: Option<Decimal>,
    /// Продаж за 90 дней по date_to включительно
    #[schema(example = 12)]
    pub sold_90_days: i64,
    /// Средний темп продаж = продаж за 90 дней ÷ 3, квартир в месяц
    #[schema(value_type = crate::openapi::DecimalNumber, example = "4")]
    pub avg_monthly_sales: Decimal,
    /// Месяцев предложения = в продаже ÷ средний темп; пусто, если продаж не было
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "37.5")]
    pub months_of_inventory: Option<Decimal>,
    /// Продажи по месяцам периода
    pub months: Vec<MonthlySales>,
}

/// Темп продаж.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SalesReport {
    /// Начало периода
    #[schema(example = "2026-06-01")]
    pub date_from: NaiveDate,
    /// Конец периода
    #[schema(example = "2026-11-30")]
    pub date_to: NaiveDate,
    /// ЖК по возрастанию id
    pub projects: Vec<ProjectSales>,
}

impl CsvTable for SalesReport {
    fn headers() -> &'static [&'static str] {
        &[
            "ЖК",
            "Название ЖК",
            "Всего квартир",
            "В продаже",
            "Продано",
            "Распроданность",
            "Продаж за 90 дней",
            "Средний темп, кв./мес.",
            "Месяцев предложения",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.projects
            .iter()
            .map(|p| {
                vec![
                    p.project_id.to_string(),
                    p.project_name.clone(),
                    p.lots_total.to_string(),
                    p.lots_on_sale.to_string(),
                    p.lots_sold.to_string(),
                    opt(&p.share_sold),
                    p.sold_90_days.to_string(),
                    p.avg_monthly_sales.to_string(),
                    opt(&p.months_of_inventory),
                ]
            })
            .collect()
    }

    fn file_name() -> &'static str {
        "sales.csv"
    }
}

async fn report(
    state: &AppState,
    caller: &CurrentUser,
    query: &SalesQuery,
) -> AppResult<SalesReport> {
    let client = state.pool.get().await?;
    let raw = RawFilters {
        date_from: query.date_from,
        date_to: query.date_to,
        region: query.region.as_deref(),
        city: None,
        project_id: query.project_id,
        class: query.class,
    };
    let scope = Scope::of(&client, caller, raw).await?;
    let params = scope.params();
    let mut months: BTreeMap<i64, Vec<MonthlySales>> = BTreeMap::new();
    for row in client
        .query(include_str!("sales_months.sql"), &params)
        .await?
    {
        let price: Decimal = row.get("deals_price_sum");
        let area: Decimal = row.get("deals_area_sum");
        months
            .entry(row.get("project_id"))
            .or_default()
            .push(MonthlySales {
                month: row.get("month"),
                sold: row.get("sold"),
                deals_price_per_m2: (!area.is_zero()).then(|| (price / area).round_dp(2)),
            });
    }
    let projects = client
        .query(include_str!("sales.sql"), &params)
        .await?
        .iter()
        .map(|row| {
            let project_id: i64 = row.get("project_id");
            let lots_total: i64 = row.get("lots_total");
            let lots_on_sale: i64 = row.get("lots_on_sale");
            let lots_sold: i64 = row.get("lots_sold");
            let sold_90_days: i64 = row.get("sold_90_days");
            let avg_monthly_sales = (Decimal::from(sold_90_days) / Decimal::from(3)).round_dp(2);
            ProjectSales {
                project_id,
                project_name: row.get("project_name"),
                lots_total,
                lots_on_sale,
                lots_sold,
                share_sold: ratio(lots_sold, lots_total, 4),
                sold_90_days,
                avg_monthly_sales,
                months_of_inventory: (sold_90_days > 0).then(|| {
                    (Decimal::from(lots_on_sale) * Decimal::from(3) / Decimal::from(sold_90_days))
                        .round_dp(1)
                }),
                months: months.remove(&project_id).unwrap_or_default(),
            }
        })
        .collect();
    Ok(SalesReport {
        date_from: scope.date_from,
        date_to: scope.date_to,
        projects,
    })
}

/// Темп продаж
///
/// По каждому ЖК своей компании (модератор — всех): продажи по месяцам периода, средний темп за 90 дней, месяцев
/// предложения (остаток ÷ средний темп) и распроданность. Остаток — на сейчас, продажи — из часовой свёртки.
/// `Accept: text/csv` — таблица по ЖК с русскими заголовками.
#[utoipa::path(get, path = "/analytics/sales", tag = "analytics", security(("bearer" = [])),
    params(SalesQuery),
    responses(
        (status = 200, description = "Темп продаж", content(
            (SalesReport = "application/json"),
            (String = "text/csv", example = "\u{feff}ЖК;Название ЖК;…\r\n")
        )),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ЖК не найден или принадлежит другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректный фильтр; поле названо", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sales(
    State(state): State<AppState>,
    caller: CurrentUser,
    headers: HeaderMap,
    Query(query): Query<SalesQuery>,
) -> AppResult<Response> {
    Ok(respond(&headers, report(&state, &caller, &query).await?))
}

/// Темп продаж: график
///
/// Продажи по месяцам периода (все ЖК под фильтром вместе) столбцами в SVG с русскими подписями.
#[utoipa::path(get, path = "/analytics/sales/chart.svg", tag = "analytics", security(("bearer" = [])),
    params(SalesQuery),
    responses(
        (status = 200, description = "График SVG", body = String, content_type = "image/svg+xml"),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ЖК не найден или принадлежит другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректный фильтр; поле названо", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sales_chart(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(query): Query<SalesQuery>,
) -> AppResult<Response> {
    let report = report(&state, &caller, &query).await?;
    let mut per_month: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for month in report.projects.iter().flat_map(|project| &project.months) {
        *per_month.entry(month.month).or_default() += month.sold;
    }
    let labels: Vec<String> = per_month
        .keys()
        .map(|month| month.format("%m.%Y").to_string())
        .collect();
    let bars: Vec<(&str, i64)> = labels
        .iter()
        .map(String::as_str)
        .zip(per_month.values().copied())
        .collect();
    Ok(svg(super::chart::bars(
        "Темп продаж по месяцам",
        "продано квартир",
        &bars,
    )?))
}
