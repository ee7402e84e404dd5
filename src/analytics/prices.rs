//! "Which prices are optimal": per cluster, the measured price per m² against the same class in the same city,
//! where the pricing rule is steering, and the estimated response of demand to the platform's own price moves.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};

use super::csv::{opt, respond, CsvTable};
use super::{RawFilters, Scope, MIN_COMPANIES_PER_CELL};
use crate::auth::CurrentUser;
use crate::catalog::types::ProjectClass;
use crate::error::{AppResult, Problem};
use crate::extract::Query;
use crate::state::AppState;

/// Фильтры кластеров цен.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PriceClustersQuery {
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

/// Оценка эластичности спроса по цене в кластере.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ElasticityEstimate {
    /// Размер выборки n: изменений цены алгоритмом с измеренным откликом за 24 ч до и после (без пересекающихся)
    #[schema(example = 12)]
    pub responses: i32,
    /// Хватает ли данных (n ≥ 5); иначе оценка и интервал пусты
    #[schema(example = true)]
    pub enough_data: bool,
    /// Оценка: средняя дуговая эластичность просмотров по цене (−2: цена +1 % → просмотров −2 %)
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "-1.8")]
    pub elasticity: Option<Decimal>,
    /// Нижняя граница 95 %-го доверительного интервала (t Стьюдента)
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "-3.1")]
    pub ci_low: Option<Decimal>,
    /// Верхняя граница 95 %-го доверительного интервала
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "-0.5")]
    pub ci_high: Option<Decimal>,
    /// Что это значит, по-русски
    #[schema(
        example = "Оценка по 12 изменениям цены: при росте цены на 1 % просмотров в среднем −1.8 % (95 % ДИ от −3.1 до −0.5)"
    )]
    pub summary: String,
}

/// Кластер «ЖК × комнатность»: цены и отклик спроса.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriceCluster {
    /// ЖК
    #[schema(example = 12)]
    pub project_id: i64,
    /// Название ЖК
    #[schema(example = "ЖК «Речной»")]
    pub project_name: String,
    /// Город ЖК
    #[schema(example = "Москва")]
    pub city: String,
    /// Класс ЖК
    pub class: ProjectClass,
    /// Комнатность
    #[schema(example = 2)]
    pub rooms: i16,
    /// Измерение: квартир в продаже (снимок часовой свёртки)
    #[schema(example = 14)]
    pub on_sale: i64,
    /// Измерение: цена м² кластера = Σтекущих цен ÷ Σплощадей квартир в продаже (снимок часовой свёртки), ₽/м²
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "176000.00")]
    pub price_per_m2: Option<Decimal>,
    /// Измерение: базовая цена м² застройщика = Σбазовых цен ÷ Σплощадей (снимок часовой свёртки), ₽/м²
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "171000.00")]
    pub base_price_per_m2: Option<Decimal>,
    /// Оценка: цена м² после следующего шага правила (demand_norm против порогов k1/k2, в коридоре ±max_shift, без
    /// учёта пауз; решено часовой свёрткой по её снимку) — куда правило ведёт цену, ₽/м²; пусто — ещё не оценено
    /// (снимок снят до первого цикла цен)
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "177200.00")]
    pub steering_price_per_m2: Option<Decimal>,
    /// Оценка: квартир, которые правило повысит следующим шагом (по снимку часовой свёртки); пусто — не оценено
    #[schema(required = true, example = 3)]
    pub to_raise: Option<i64>,
    /// Оценка: квартир, которые правило понизит следующим шагом (по снимку часовой свёртки); пусто — не оценено
    #[schema(required = true, example = 1)]
    pub to_lower: Option<i64>,
    /// Измерение: цена м² предложения того же класса в том же городе (все компании, снимок часовой свёртки), ₽/м²;
    /// пусто, если компаний там меньше 3 (застройщику)
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "181500.00")]
    pub market_price_per_m2: Option<Decimal>,
    /// Отклик спроса на собственные изменения цены платформой
    pub elasticity: ElasticityEstimate,
}

impl PriceCluster {
    fn from_row(row: &Row, hide_small_markets: bool) -> AppResult<Self> {
        let companies: Option<i32> = row.get("market_companies");
        let market_visible = !hide_small_markets
            || companies.is_some_and(|companies| companies >= MIN_COMPANIES_PER_CELL);
        let responses: i32 = row.get("responses");
        let enough_data: bool = row.get("enough_data");
        let (elasticity, ci_low, ci_high): (Option<Decimal>, Option<Decimal>, Option<Decimal>) =
            if enough_data {
                (row.get("elasticity"), row.get("ci_low"), row.get("ci_high"))
            } else {
                (None, None, None)
            };
        let summary = match (elasticity, ci_low, ci_high) {
            (Some(value), Some(low), Some(high)) => format!(
                "Оценка по {responses} изменениям цены: при росте цены на 1 % просмотров в среднем {value:+} % \
                 (95 % ДИ от {low} до {high})"
            ),
            _ => format!(
                "Недостаточно данных: изменений цены с измеренным откликом {responses}, нужно не меньше 5"
            ),
        };
        Ok(Self {
            project_id: row.get("project_id"),
            project_name: row.get("project_name"),
            city: row.get("city"),
            class: ProjectClass::from_db(row.get("class"))?,
            rooms: row.get("rooms"),
            on_sale: row.get("on_sale"),
            price_per_m2: row.get("price_per_m2"),
            base_price_per_m2: row.get("base_price_per_m2"),
            steering_price_per_m2: row.get("steering_price_per_m2"),
            to_raise: row.get("to_raise"),
            to_lower: row.get("to_lower"),
            market_price_per_m2: if market_visible {
                row.get("market_price_per_m2")
            } else {
                None
            },
            elasticity: ElasticityEstimate {
                responses,
                enough_data,
                elasticity,
                ci_low,
                ci_high,
                summary,
            },
        })
    }
}

/// Кластеры цен.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriceClustersReport {
    /// Когда снят снимок, по которому посчитаны кластеры (свёртка раз в час); пусто — ещё ни разу
    #[schema(required = true, example = "2026-11-30T12:00:03Z")]
    pub refreshed_at: Option<DateTime<Utc>>,
    /// Кластеры по ЖК и комнатности
    pub clusters: Vec<PriceCluster>,
}

impl CsvTable for PriceClustersReport {
    fn headers() -> &'static [&'static str] {
        &[
            "ЖК",
            "Название ЖК",
            "Город",
            "Класс",
            "Комнат",
            "В продаже",
            "Цена м², ₽",
            "Базовая цена м², ₽",
            "Цена м² после шага правила (оценка), ₽",
            "Повысить",
            "Понизить",
            "Цена м² рынка, ₽",
            "Изменений цены в выборке",
            "Эластичность (оценка)",
            "ДИ 95 % от",
            "ДИ 95 % до",
            "Вывод",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.clusters
            .iter()
            .map(|c| {
                vec![
                    c.project_id.to_string(),
                    c.project_name.clone(),
                    c.city.clone(),
                    c.class.as_str().to_owned(),
                    c.rooms.to_string(),
                    c.on_sale.to_string(),
                    opt(&c.price_per_m2),
                    opt(&c.base_price_per_m2),
                    opt(&c.steering_price_per_m2),
                    opt(&c.to_raise),
                    opt(&c.to_lower),
                    opt(&c.market_price_per_m2),
                    c.elasticity.responses.to_string(),
                    opt(&c.elasticity.elasticity),
                    opt(&c.elasticity.ci_low),
                    opt(&c.elasticity.ci_high),
                    c.elasticity.summary.clone(),
                ]
            })
            .collect()
    }

    fn file_name() -> &'static str {
        "price-clusters.csv"
    }
}

/// Какие цены оптимальны
///
/// Для каждого кластера «ЖК × комнатность» своей компании (модератор — всех): цена м² против того же класса в
/// том же городе (рынок скрыт, если там меньше 3 компаний), куда ведёт цену правило (оценка) и как спрос отвечал
/// на собственные изменения цены платформой: эластичность с размером выборки и 95 %-м доверительным интервалом
/// или «недостаточно данных». Что измерено, а что оценено — в описании каждого поля. Всё — по снимку часовой
/// свёртки (`refreshed_at`). `Accept: text/csv` — CSV.
#[utoipa::path(get, path = "/analytics/prices/clusters", tag = "analytics", security(("bearer" = [])),
    params(PriceClustersQuery),
    responses(
        (status = 200, description = "Кластеры цен", content(
            (PriceClustersReport = "application/json"),
            (String = "text/csv", example = "\u{feff}ЖК;Название ЖК;…\r\n")
        )),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ЖК не найден или принадлежит другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректный фильтр; поле названо", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn price_clusters(
    State(state): State<AppState>,
    caller: CurrentUser,
    headers: HeaderMap,
    Query(query): Query<PriceClustersQuery>,
) -> AppResult<Response> {
    let client = state.pool.get().await?;
    let raw = RawFilters {
        region: query.region.as_deref(),
        project_id: query.project_id,
        class: query.class,
        ..RawFilters::default()
    };
    let scope = Scope::of(&client, &caller, raw).await?;
    let clusters = client
        .query(include_str!("price_clusters.sql"), &scope.params())
        .await?
        .iter()
        .map(|row| PriceCluster::from_row(row, !caller.is_moderator()))
        .collect::<AppResult<Vec<_>>>()?;
    let refreshed_at = super::refreshed_at(&client).await?;
    Ok(respond(
        &headers,
        PriceClustersReport {
            refreshed_at,
            clusters,
        },
    ))
}
