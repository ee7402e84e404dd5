//! "What is popular": a developer's apartments ranked by demand with demand_norm in their cluster, days on site
//! and time to booking; the clusters with the longest exposure; apartments stuck at the corridor's floor.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};

use super::csv::{opt, respond, CsvTable};
use super::{RawFilters, Scope};
use crate::auth::CurrentUser;
use crate::catalog::types::ProjectClass;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::Query;
use crate::state::AppState;

/// Фильтры «что пользуется спросом».
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PopularQuery {
    /// Регион ЖК (код ISO 3166-2)
    #[param(value_type = Option<crate::openapi::RegionCode>, example = "RU-MOW")]
    pub region: Option<String>,
    /// ЖК своей компании (чужой — 404)
    #[param(example = 12)]
    pub project_id: Option<i64>,
    /// Класс жилья ЖК
    #[param(value_type = Option<ProjectClass>, example = "comfort")]
    pub class: Option<ProjectClass>,
    /// Комнатность, 0 — студия
    #[param(minimum = 0, maximum = 20, example = 2)]
    pub rooms: Option<i16>,
    /// Сколько строк в каждом списке: от 1 до 200, по умолчанию 20
    #[param(minimum = 1, maximum = 200, example = 20)]
    pub limit: Option<i64>,
}

/// Квартира в рейтинге спроса.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PopularApartment {
    /// Квартира
    #[schema(example = 1001)]
    pub apartment_id: i64,
    /// ЖК
    #[schema(example = 12)]
    pub project_id: i64,
    /// Название ЖК
    #[schema(example = "ЖК «Речной»")]
    pub project_name: String,
    /// Корпус
    #[schema(example = 31)]
    pub building_id: i64,
    /// Комнатность, 0 — студия
    #[schema(example = 2)]
    pub rooms: i16,
    /// Статус продажи: available, booked, sold
    #[schema(example = "available")]
    pub status: String,
    /// Общая площадь, м²
    #[schema(value_type = crate::openapi::Area, example = "54.30")]
    pub area_total: Decimal,
    /// Базовая цена застройщика
    #[schema(value_type = crate::openapi::Money, example = "9300000.00")]
    pub base_price: Decimal,
    /// Текущая цена
    #[schema(value_type = crate::openapi::Money, example = "9579000.00")]
    pub current_price: Decimal,
    /// Просмотров за 24 ч (измерение)
    #[schema(example = 34)]
    pub views_24h: i32,
    /// В избранное за 24 ч
    #[schema(example = 2)]
    pub favourites_24h: i32,
    /// Заявок за 24 ч
    #[schema(example = 1)]
    pub leads_24h: i32,
    /// Броней за 24 ч
    #[schema(example = 0)]
    pub bookings_24h: i32,
    /// Спрос по весам ЖК: 0.5·просмотры + 0·избранное + 2·заявки + 5·брони (веса — настройки ЖК)
    #[schema(value_type = crate::openapi::DecimalNumber, example = "19")]
    pub demand: Decimal,
    /// Медиана спроса кластера «ЖК × комнатность» среди квартир в продаже; пусто — кластер ещё не посчитан
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "12.5")]
    pub cluster_median: Option<Decimal>,
    /// demand ÷ медиана кластера, 4 знака; пусто при нулевой медиане
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "1.52")]
    pub demand_norm: Option<Decimal>,
    /// Полных дней на сайте с первой публикации
    #[schema(required = true, example = 45)]
    pub days_on_site: Option<i32>,
    /// Дней от публикации до первой брони; пусто — брони не было
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "12.5")]
    pub days_to_booking: Option<Decimal>,
    /// В продаже и на нижней границе коридора (base × (1 − max_shift)): алгоритм больше не снижает цену
    #[schema(example = false)]
    pub at_floor: bool,
}

impl PopularApartment {
    fn from_row(row: &Row) -> Self {
        Self {
            apartment_id: row.get("apartment_id"),
            project_id: row.get("project_id"),
            project_name: row.get("project_name"),
            building_id: row.get("building_id"),
            rooms: row.get("rooms"),
            status: row.get("status"),
            area_total: row.get("area_total"),
            base_price: row.get("base_price"),
            current_price: row.get("current_price"),
            views_24h: row.get("views_24h"),
            favourites_24h: row.get("favourites_24h"),
            leads_24h: row.get("leads_24h"),
            bookings_24h: row.get("bookings_24h"),
            demand: row.get("demand"),
            cluster_median: row.get("cluster_median"),
            demand_norm: row.get("demand_norm"),
            days_on_site: row.get("days_on_site"),
            days_to_booking: row.get("days_to_booking"),
            at_floor: row.get("at_floor"),
        }
    }
}

/// Кластер «ЖК × комнатность» с долгой экспозицией.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlowCluster {
    /// ЖК
    #[schema(example = 12)]
    pub project_id: i64,
    /// Название ЖК
    #[schema(example = "ЖК «Речной»")]
    pub project_name: String,
    /// Комнатность
    #[schema(example = 3)]
    pub rooms: i16,
    /// Квартир в продаже
    #[schema(example = 14)]
    pub on_sale: i64,
    /// Средний срок на сайте квартир в продаже, дней
    #[schema(value_type = crate::openapi::DecimalNumber, example = "96.4")]
    pub avg_days_on_site: Decimal,
    /// Наибольший срок на сайте, полных дней
    #[schema(example = 180)]
    pub max_days_on_site: i32,
}

/// Что пользуется спросом, а что нет.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PopularReport {
    /// Квартиры по убыванию спроса за 24 ч (измерение: счётчики apartment_stats, обновляются каждую минуту)
    pub apartments: Vec<PopularApartment>,
    /// Кластеры с самой долгой экспозицией, дольше — первыми
    pub slow_clusters: Vec<SlowCluster>,
    /// Квартиры в продаже на нижней границе коридора цены, дольше на сайте — первыми: одна цена их не продаёт
    pub stuck_at_floor: Vec<PopularApartment>,
}

impl CsvTable for PopularReport {
    fn headers() -> &'static [&'static str] {
        &[
            "Квартира",
            "ЖК",
            "Название ЖК",
            "Корпус",
            "Комнат",
            "Статус",
            "Площадь, м²",
            "Базовая цена, ₽",
            "Текущая цена, ₽",
            "Просмотры за 24 ч",
            "Заявки за 24 ч",
            "Спрос",
            "Медиана кластера",
            "Спрос к медиане",
            "Дней на сайте",
            "Дней до брони",
            "На нижней границе",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.apartments
            .iter()
            .map(|a| {
                vec![
                    a.apartment_id.to_string(),
                    a.project_id.to_string(),
                    a.project_name.clone(),
                    a.building_id.to_string(),
                    a.rooms.to_string(),
                    a.status.clone(),
                    a.area_total.to_string(),
                    a.base_price.to_string(),
                    a.current_price.to_string(),
                    a.views_24h.to_string(),
                    a.leads_24h.to_string(),
                    a.demand.to_string(),
                    opt(&a.cluster_median),
                    opt(&a.demand_norm),
                    opt(&a.days_on_site),
                    opt(&a.days_to_booking),
                    if a.at_floor { "да" } else { "нет" }.to_owned(),
                ]
            })
            .collect()
    }

    fn file_name() -> &'static str {
        "popular.csv"
    }
}

/// Apartments by demand (`order` = "demand") or those stuck at the floor (`order` = "floor").
async fn ranked(
    client: &impl deadpool_postgres::GenericClient,
    state: &AppState,
    scope: &Scope,
    query: &PopularQuery,
    limit: i64,
    order: &str,
) -> AppResult<Vec<PopularApartment>> {
    let mut params = scope.params().to_vec();
    params.extend_from_slice(&[
        &query.rooms,
        &limit,
        &state.pricing.elasticity_cap,
        &state.pricing.max_shift,
        &order,
    ]);
    let sql = include_str!("popular_apartments.sql").replace(
        "{cluster_demand}",
        super::cluster_demand_source(client).await?,
    );
    Ok(client
        .query(sql.as_str(), &params)
        .await?
        .iter()
        .map(PopularApartment::from_row)
        .collect())
}

/// Clusters of apartments on sale by their average exposure, longest first.
async fn slow(
    client: &impl deadpool_postgres::GenericClient,
    scope: &Scope,
    query: &PopularQuery,
    limit: i64,
) -> AppResult<Vec<SlowCluster>> {
    let mut params = scope.params().to_vec();
    params.extend_from_slice(&[&query.rooms, &limit]);
    Ok(client
        .query(include_str!("popular_clusters.sql"), &params)
        .await?
        .iter()
        .map(|row| SlowCluster {
            project_id: row.get("project_id"),
            project_name: row.get("project_name"),
            rooms: row.get("rooms"),
            on_sale: row.get("on_sale"),
            avg_days_on_site: row.get("avg_days_on_site"),
            max_days_on_site: row.get("max_days_on_site"),
        })
        .collect())
}

/// Что пользуется спросом
///
/// Квартиры своей компании (модератор — всех) по убыванию спроса за 24 ч, их `demand_norm` в кластере «ЖК ×
/// комнатность», дни на сайте и до первой брони; кластеры с самой долгой экспозицией; квартиры на нижней границе
/// коридора цены (−`max_shift` от базовой), которые не продаются и одной ценой. Счётчики — живые (обновляются
/// каждую минуту циклом цен). `Accept: text/csv` — рейтинг квартир таблицей CSV с русскими заголовками.
#[utoipa::path(get, path = "/analytics/popular", tag = "analytics", security(("bearer" = [])),
    params(PopularQuery),
    responses(
        (status = 200, description = "Рейтинг спроса", content(
            (PopularReport = "application/json"),
            (String = "text/csv", example = "\u{feff}Квартира;ЖК;Название ЖК;…\r\n")
        )),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ЖК не найден или принадлежит другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректный фильтр; поле названо", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn popular(
    State(state): State<AppState>,
    caller: CurrentUser,
    headers: HeaderMap,
    Query(query): Query<PopularQuery>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let limit = query.limit.unwrap_or(20);
    if !(1..=200).contains(&limit) {
        errors.push(crate::error::FieldError::new("limit", "от 1 до 200"));
    }
    if query.rooms.is_some_and(|rooms| !(0..=20).contains(&rooms)) {
        errors.push(crate::error::FieldError::new("rooms", "от 0 до 20"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let client = state.pool.get().await?;
    let raw = RawFilters {
        region: query.region.as_deref(),
        project_id: query.project_id,
        class: query.class,
        ..RawFilters::default()
    };
    let scope = Scope::of(&client, &caller, raw).await?;
    drop(client);
    // Three independent reads: each on its own pooled connection, so the answer waits for the slowest, not the sum.
    let (by_demand, stuck_at_floor, slow_clusters) = tokio::try_join!(
        async {
            let client = state.pool.get().await?;
            ranked(&client, &state, &scope, &query, limit, "demand").await
        },
        async {
            let client = state.pool.get().await?;
            ranked(&client, &state, &scope, &query, limit, "floor").await
        },
        async {
            let client = state.pool.get().await?;
            slow(&client, &scope, &query, limit).await
        },
    )?;
    Ok(respond(
        &headers,
        PopularReport {
            apartments: by_demand,
            slow_clusters,
            stuck_at_floor,
        },
    ))
}
