//! The cabinet lists: a developer sees its own companies' projects and apartments in every moderation state,
//! a moderator sees all of them — for example the review queue, `moderation_status=pending_review`.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::apartments::search::cards_in_order;
use crate::apartments::ApartmentCard;
use crate::auth::CurrentUser;
use crate::developers::ModerationStatus;
use crate::error::{AppResult, Problem};
use crate::extract::{Json, Query};
use crate::pagination::{page_of, CATALOG_PAGES};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(cabinet_projects))
        .routes(routes!(cabinet_apartments))
}

/// Фильтры списков кабинета.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CabinetQuery {
    /// Только объекты в этом состоянии модерации, например `pending_review` — очередь модератора
    #[param(example = "pending_review")]
    pub moderation_status: Option<ModerationStatus>,
    /// Только этот застройщик (модератору — любой, сотруднику — свой)
    #[param(example = 7)]
    pub developer_id: Option<i64>,
    /// Только этот ЖК (для списка квартир)
    #[param(example = 12)]
    pub project_id: Option<i64>,
    /// Размер страницы: 1–100, по умолчанию 20; больше 100 — ошибка 422
    #[param(example = 20, minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Сколько записей пропустить: 0–10000
    #[param(example = 0, minimum = 0, maximum = 10000)]
    pub offset: Option<i64>,
}

/// ЖК в кабинете.
#[derive(Debug, Serialize, ToSchema)]
pub struct CabinetProject {
    /// Идентификатор ЖК
    #[schema(example = 12)]
    pub id: i64,
    /// Застройщик
    #[schema(example = 7)]
    pub developer_id: i64,
    /// Название
    #[schema(example = "ЖК «Северный парк»")]
    pub name: String,
    /// Город
    #[schema(example = "Москва")]
    pub city: String,
    /// Состояние модерации
    #[schema(example = "pending_review")]
    pub moderation_status: ModerationStatus,
    /// Комментарий модератора
    #[schema(required = true, example = json!(null))]
    pub moderation_comment: Option<String>,
    /// Корпусов
    #[schema(example = 3)]
    pub buildings: i64,
    /// Квартир в любом состоянии
    #[schema(example = 420)]
    pub apartments: i64,
}

page_of! {
    /// Страница ЖК кабинета.
    CabinetProjectPage, CabinetProject,
    total = "Точное число ЖК под фильтрами",
    items = "ЖК страницы по возрастанию id"
}

page_of! {
    /// Страница квартир кабинета.
    CabinetApartmentPage, ApartmentCard,
    total = "Точное число квартир под фильтрами",
    items = "Квартиры страницы по возрастанию id"
}

/// ЖК в кабинете
///
/// Сотрудник застройщика видит ЖК своих компаний в любом состоянии, модератор — все ЖК (очередь проверки —
/// `moderation_status=pending_review`).
#[utoipa::path(get, path = "/cabinet/projects", tag = "projects", security(("bearer" = [])),
    params(CabinetQuery),
    responses(
        (status = 200, description = "ЖК по возрастанию id", body = CabinetProjectPage),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректный фильтр или страница", body = Problem, content_type = "application/problem+json"),
    ))]
async fn cabinet_projects(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(query): Query<CabinetQuery>,
) -> AppResult<Json<CabinetProjectPage>> {
    caller.require_developer_or_moderator()?;
    let page = CATALOG_PAGES.page(query.limit, query.offset)?;
    let status = query.moderation_status.map(ModerationStatus::as_str);
    let client = state.pool.get().await?;
    let rows = client
        .query(
            include_str!("cabinet_projects.sql"),
            &[
                &caller.is_moderator(),
                &caller.developer_ids,
                &status,
                &query.developer_id,
                &query.project_id,
                &page.limit,
                &page.offset,
            ],
        )
        .await?;
    let total = rows.first().map(|row| row.get("total")).unwrap_or(0);
    let items = rows
        .iter()
        .filter(|row| row.get::<_, Option<i64>>("id").is_some())
        .map(|row| {
            Ok(CabinetProject {
                id: row.get("id"),
                developer_id: row.get("developer_id"),
                name: row.get("name"),
                city: row.get("city"),
                moderation_status: ModerationStatus::from_db(row.get("moderation_status"))?,
                moderation_comment: row.get("moderation_comment"),
                buildings: row.get("buildings"),
                apartments: row.get("apartments"),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Json(CabinetProjectPage::new(total, page, items)))
}

/// Квартиры в кабинете
///
/// Сотрудник застройщика видит квартиры своих компаний в любом состоянии, модератор — все (очередь проверки —
/// `moderation_status=pending_review`).
#[utoipa::path(get, path = "/cabinet/apartments", tag = "apartments", security(("bearer" = [])),
    params(CabinetQuery),
    responses(
        (status = 200, description = "Квартиры по возрастанию id", body = CabinetApartmentPage),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректный фильтр или страница", body = Problem, content_type = "application/problem+json"),
    ))]
async fn cabinet_apartments(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(query): Query<CabinetQuery>,
) -> AppResult<Json<CabinetApartmentPage>> {
    caller.require_developer_or_moderator()?;
    let page = CATALOG_PAGES.page(query.limit, query.offset)?;
    let status = query.moderation_status.map(ModerationStatus::as_str);
    let client = state.pool.get().await?;
    let rows = client
        .query(
            include_str!("cabinet_apartments.sql"),
            &[
                &caller.is_moderator(),
                &caller.developer_ids,
                &status,
                &query.developer_id,
                &query.project_id,
                &page.limit,
                &page.offset,
            ],
        )
        .await?;
    let total = rows.first().map(|row| row.get("total")).unwrap_or(0);
    let ids: Vec<i64> = rows
        .iter()
        .filter_map(|row| row.get::<_, Option<i64>>("id"))
        .collect();
    let items = cards_in_order(&client, &ids, true, &state.promotions).await?;
    Ok(Json(CabinetApartmentPage::new(total, page, items)))
}
