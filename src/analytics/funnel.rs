//! The demand funnel of a developer's apartments: views → favourites → leads → bookings → confirmed → sold, by
//! day, project, building or rooms, with conversion rates; bot traffic counted apart.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};

use super::csv::{opt, respond, svg, CsvTable};
use super::{ratio, refreshed_at, RawFilters, Scope};
use crate::auth::CurrentUser;
use crate::catalog::types::ProjectClass;
use crate::error::{AppResult, Problem};
use crate::extract::Query;
use crate::state::AppState;

/// The longest period of the finest grouping (a row per day × project × building × rooms), days.
pub const MAX_CELL_PERIOD_DAYS: i64 = 92;

/// Как сгруппировать воронку.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "project")]
pub enum FunnelGrouping {
    /// По суткам
    Day,
    /// По ЖК
    #[default]
    Project,
    /// По корпусам
    Building,
    /// По комнатности
    Rooms,
    /// Сутки × ЖК × корпус × комнатность
    Cell,
}

impl FunnelGrouping {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Project => "project",
            Self::Building => "building",
            Self::Rooms => "rooms",
            Self::Cell => "cell",
        }
    }
}

/// Фильтры воронки.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FunnelQuery {
    /// Начало периода (включительно), дата по Москве; по умолчанию — 29 дней до date_to. Период не длиннее 731 дня
    #[param(example = "2026-11-01")]
    pub date_from: Option<NaiveDate>,
    /// Конец периода (включительно), дата по Москве; по умолчанию — сегодня
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
    /// Группировка строк; по умолчанию по ЖК. С `cell` (сутки × ЖК × корпус × комнатность) период не длиннее 92 дней
    #[param(value_type = Option<FunnelGrouping>, example = "project")]
    pub group_by: Option<FunnelGrouping>,
}

impl FunnelQuery {
    fn raw(&self) -> RawFilters<'_> {
        RawFilters {
            date_from: self.date_from,
            date_to: self.date_to,
            region: self.region.as_deref(),
            city: None,
            project_id: self.project_id,
            class: self.class,
        }
    }
}

/// Конверсии между шагами воронки (доли, 4 знака); пусто, если знаменатель 0.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FunnelConversion {
    /// В избранное на просмотр = favourites ÷ views
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "0.05")]
    pub favourites_per_view: Option<Decimal>,
    /// Заявок на просмотр = leads ÷ views
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "0.02")]
    pub leads_per_view: Option<Decimal>,
    /// Броней на заявку = bookings ÷ leads
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "0.25")]
    pub bookings_per_lead: Option<Decimal>,
    /// Подтверждено из броней = confirmed ÷ bookings
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "0.5")]
    pub confirmed_per_booking: Option<Decimal>,
    /// Продано из подтверждённых = sold ÷ confirmed
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "1")]
    pub sold_per_confirmed: Option<Decimal>,
    /// Сквозная конверсия = sold ÷ views
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "0.0025")]
    pub sold_per_view: Option<Decimal>,
}

/// Строка воронки; колонки, не входящие в группировку, пусты.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FunnelRow {
    /// Сутки по Москве (группировки day и cell)
    #[schema(required = true, example = "2026-11-20")]
    pub day: Option<NaiveDate>,
    /// ЖК (группировки project, building, cell)
    #[schema(required = true, example = 12)]
    pub project_id: Option<i64>,
    /// Название ЖК
    #[schema(required = true, example = "ЖК «Речной»")]
    pub project_name: Option<String>,
    /// Корпус (группировки building, cell)
    #[schema(required = true, example = 31)]
    pub building_id: Option<i64>,
    /// Название корпуса
    #[schema(required = true, example = "Корпус 1")]
    pub building_name: Option<String>,
    /// Комнатность, 0 — студия (группировки rooms, cell)
    #[schema(required = true, example = 2)]
    pub rooms: Option<i16>,
    /// Просмотров без накрутки
    #[schema(example = 400)]
    pub views: i64,
    /// Уникальных зрителей: сумма по суткам и ячейкам «ЖК × корпус × комнатность» (человек считается в каждой)
    #[schema(example = 310)]
    pub unique_visitors: i64,
    /// Добавлений в избранное без накрутки
    #[schema(example = 20)]
    pub favourites: i64,
    /// Заявок на звонок без накрутки
    #[schema(example = 8)]
    pub leads: i64,
    /// Броней (любого исхода), созданных в периоде
    #[schema(example = 2)]
    pub bookings: i64,
    /// Подтверждений брони застройщиком
    #[schema(example = 1)]
    pub confirmed: i64,
    /// Продаж
    #[schema(example = 1)]
    pub sold: i64,
    /// Просмотров помеченных накрутчиков — отдельно, в воронку не входят
    #[schema(example = 50)]
    pub flagged_views: i64,
    /// Заявок помеченных накрутчиков — отдельно
    #[schema(example = 0)]
    pub flagged_leads: i64,
    /// Конверсии
    pub conversion: FunnelConversion,
}

impl FunnelRow {
    fn from_row(row: &Row) -> Self {
        Self::with_counts(
            row.get("day"),
            row.get("project_id"),
            row.get("project_name"),
            row.get("building_id"),
            row.get("building_name"),
            row.get("rooms"),
            [
                row.get("views"),
                row.get("unique_visitors"),
                row.get("favourites"),
                row.get("leads"),
                row.get("bookings"),
                row.get("confirmed"),
                row.get("sold"),
                row.get("flagged_views"),
                row.get("flagged_leads"),
            ],
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn with_counts(
        day: Option<NaiveDate>,
        project_id: Option<i64>,
        project_name: Option<String>,
        building_id: Option<i64>,
        building_name: Option<String>,
        rooms: Option<i16>,
        counts: [i64; 9],
    ) -> Self {
        let [views, unique_visitors, favourites, leads, bookings, confirmed, sold, flagged_views, flagged_leads] =
            counts;
        Self {
            day,
            project_id,
            project_name,
            building_id,
            building_name,
            rooms,
            views,
            unique_visitors,
            favourites,
            leads,
            bookings,
            confirmed,
            sold,
            flagged_views,
            flagged_leads,
            conversion: FunnelConversion {
                favourites_per_view: ratio(favourites, views, 4),
                leads_per_view: ratio(leads, views, 4),
                bookings_per_lead: ratio(bookings, leads, 4),
                confirmed_per_booking: ratio(confirmed, bookings, 4),
                sold_per_confirmed: ratio(sold, confirmed, 4),
                sold_per_view: ratio(sold, views, 4),
            },
        }
    }

    fn counts(&self) -> [i64; 9] {
        [
            self.views,
            self.unique_visitors,
            self.favourites,
            self.leads,
            self.bookings,
            self.confirmed,
            self.sold,
            self.flagged_views,
            self.flagged_leads,
        ]
    }
}

/// Воронка спроса за период.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FunnelReport {
    /// Начало периода
    #[schema(example = "2026-11-01")]
    pub date_from: NaiveDate,
    /// Конец периода
    #[schema(example = "2026-11-30")]
    pub date_to: NaiveDate,
    /// Группировка строк
    pub group_by: FunnelGrouping,
    /// Когда свёртки аналитики последний раз пересчитаны (раз в час); пусто — ещё ни разу
    #[schema(required = true, example = "2026-11-30T12:00:03Z")]
    pub refreshed_at: Option<DateTime<Utc>>,
    /// Итог по всем строкам
    pub total: FunnelRow,
    /// Строки по группировке
    pub rows: Vec<FunnelRow>,
}

impl CsvTable for FunnelReport {
    fn headers() -> &'static [&'static str] {
        &[
            "Сутки",
            "ЖК",
            "Название ЖК",
            "Корпус",
            "Название корпуса",
            "Комнат",
            "Просмотры",
            "Уникальные зрители",
            "В избранное",
            "Заявки",
            "Брони",
            "Подтверждено",
            "Продано",
            "Просмотры накрутки",
            "Заявки накрутки",
            "Заявок на просмотр",
            "Броней на заявку",
            "Продаж на просмотр",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|row| {
                vec![
                    opt(&row.day),
                    opt(&row.project_id),
                    opt(&row.project_name),
                    opt(&row.building_id),
                    opt(&row.building_name),
                    opt(&row.rooms),
                    row.views.to_string(),
                    row.unique_visitors.to_string(),
                    row.favourites.to_string(),
                    row.leads.to_string(),
                    row.bookings.to_string(),
                    row.confirmed.to_string(),
                    row.sold.to_string(),
                    row.flagged_views.to_string(),
                    row.flagged_leads.to_string(),
                    opt(&row.conversion.leads_per_view),
                    opt(&row.conversion.bookings_per_lead),
                    opt(&row.conversion.sold_per_view),
                ]
            })
            .collect()
    }

    fn file_name() -> &'static str {
        "funnel.csv"
    }
}

async fn report(
    state: &AppState,
    caller: &CurrentUser,
    query: &FunnelQuery,
) -> AppResult<FunnelReport> {
    let client = state.pool.get().await?;
    let scope = Scope::of(&client, caller, query.raw()).await?;
    let group_by = query.group_by.unwrap_or_default();
    if group_by == FunnelGrouping::Cell
        && (scope.date_to - scope.date_from).num_days() + 1 > MAX_CELL_PERIOD_DAYS
    {
        return Err(crate::error::AppError::field(
            "group_by",
            format!("с группировкой cell период не длиннее {MAX_CELL_PERIOD_DAYS} дней"),
        ));
    }
    let grouping = group_by.as_str();
    let mut params = scope.params().to_vec();
    params.push(&grouping);
    let rows: Vec<FunnelRow> = client
        .query(include_str!("funnel.sql"), &params)
        .await?
        .iter()
        .map(FunnelRow::from_row)
        .collect();
    let mut sums = [0_i64; 9];
    for row in &rows {
        for (sum, count) in sums.iter_mut().zip(row.counts()) {
            *sum += count;
        }
    }
    Ok(FunnelReport {
        date_from: scope.date_from,
        date_to: scope.date_to,
        group_by,
        refreshed_at: refreshed_at(&client).await?,
        total: FunnelRow::with_counts(None, None, None, None, None, None, sums),
        rows,
    })
}

/// Воронка спроса
///
/// Просмотры → избранное → заявки → брони → подтверждения → продажи квартир своей компании (модератор — всех) по
/// суткам, ЖК, корпусам или комнатности, с конверсиями. Накрутка (помеченные зрители) — отдельными колонками и в
/// воронку не входит. Данные — свёртка, пересчитываемая раз в час (`refreshed_at`). `Accept: text/csv` — таблица
/// CSV (UTF-8 с BOM, разделитель «;») с русскими заголовками.
#[utoipa::path(get, path = "/analytics/funnel", tag = "analytics", security(("bearer" = [])),
    params(FunnelQuery),
    responses(
        (status = 200, description = "Воронка", content(
            (FunnelReport = "application/json"),
            (String = "text/csv", example = "\u{feff}Сутки;ЖК;Название ЖК;…\r\n")
        )),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ЖК не найден или принадлежит другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректный фильтр; поле названо", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn funnel(
    State(state): State<AppState>,
    caller: CurrentUser,
    headers: HeaderMap,
    Query(query): Query<FunnelQuery>,
) -> AppResult<Response> {
    Ok(respond(&headers, report(&state, &caller, &query).await?))
}

/// Воронка спроса: график
///
/// Столбцы воронки за период (итог по фильтрам, как `total` у `/analytics/funnel`) в SVG с русскими подписями —
/// для встраивания `<img src>` на фронтенде.
#[utoipa::path(get, path = "/analytics/funnel/chart.svg", tag = "analytics", security(("bearer" = [])),
    params(FunnelQuery),
    responses(
        (status = 200, description = "График SVG", body = String, content_type = "image/svg+xml"),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ЖК не найден или принадлежит другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректный фильтр; поле названо", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn funnel_chart(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(query): Query<FunnelQuery>,
) -> AppResult<Response> {
    let report = report(&state, &caller, &query).await?;
    let total = &report.total;
    let bars = [
        ("Просмотры", total.views),
        ("Избранное", total.favourites),
        ("Заявки", total.leads),
        ("Брони", total.bookings),
        ("Подтверждено", total.confirmed),
        ("Продано", total.sold),
    ];
    let title = format!(
        "Воронка спроса {} — {}",
        report.date_from.format("%d.%m.%Y"),
        report.date_to.format("%d.%m.%Y")
    );
    Ok(svg(super::chart::bars(&title, "событий", &bars)?))
}
