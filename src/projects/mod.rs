//! Projects (ЖК): the public list and card, the developer cabinet (create, edit, delete, media) and moderation.

pub mod types;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use deadpool_postgres::GenericClient;
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit;
use crate::auth::{project_of_company, project_of_company_for_update, CurrentUser, MaybeUser};
use crate::catalog::moderation::{self, Moderated};
use crate::catalog::{ModerationDecisionRequest, ProjectClass, SqlParams};
use crate::developers::ModerationStatus;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{Json, Path, Query};
use crate::pagination::CATALOG_PAGES;
use crate::state::AppState;
use crate::validation::{
    normalize_region_code, required_text, validate_http_url, validate_latitude, validate_longitude,
    FieldErrors,
};

pub use types::{
    Building, CreateProjectRequest, DeveloperSummary, Media, MediaItem, MediaKind, ProjectCard,
    ProjectListItem, ProjectPage, ProjectSearchQuery, ProjectSort, PutMediaRequest, RoomOffer,
    UpdateProjectRequest,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project, update_project, delete_project))
        .routes(routes!(submit_project))
        .routes(routes!(moderate_project))
        .routes(routes!(put_media))
}

const MAX_NAME_CHARS: usize = 200;
const MAX_CITY_CHARS: usize = 100;
const MAX_ADDRESS_CHARS: usize = 500;
const MAX_DESCRIPTION_CHARS: usize = 10_000;
const MAX_MEDIA_ITEMS: usize = 200;
const MAX_TITLE_CHARS: usize = 200;

fn check_commissioning(errors: &mut FieldErrors, date: NaiveDate) {
    if !(2000..=2100).contains(&date.year()) {
        errors.add(
            "commissioning_date",
            "год сдачи должен быть от 2000 до 2100",
        );
    }
}

fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<String>,
    max_chars: usize,
) -> Option<String> {
    let value = value
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())?;
    if value.chars().count() > max_chars {
        errors.add(field, format!("не длиннее {max_chars} символов"));
    }
    Some(value)
}

fn optional_url(errors: &mut FieldErrors, field: &str, value: Option<String>) -> Option<String> {
    let value = value
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())?;
    errors.check(field, validate_http_url(&value));
    Some(value)
}

async fn load_card(client: &impl GenericClient, id: i64, staff: bool) -> AppResult<ProjectCard> {
    let row = client
        .query_opt(include_str!("card.sql"), &[&id])
        .await?
        .ok_or_else(|| AppError::not_found("ЖК не найден"))?;
    card_from(client, &row, staff).await
}

async fn card_from(
    client: &impl GenericClient,
    row: &tokio_postgres::Row,
    staff: bool,
) -> AppResult<ProjectCard> {
    let id: i64 = row.get("id");
    let buildings = client
        .query(include_str!("buildings.sql"), &[&id])
        .await?
        .iter()
        .map(Building::from_row)
        .collect();
    let media = client
        .query(
            // A layout names its apartment: the public sees it only once that apartment is published.
            "SELECT m.id, m.kind::text AS kind, m.url, m.title, m.position, m.apartment_id
               FROM project_media m
               LEFT JOIN apartments a ON a.id = m.apartment_id
              WHERE m.project_id = $1
                AND ($2 OR m.apartment_id IS NULL OR a.moderation_status = 'published')
              ORDER BY m.kind, m.position",
            &[&id, &staff],
        )
        .await?
        .iter()
        .map(|row| {
            Ok(Media {
                id: row.get("id"),
                kind: MediaKind::from_db(row.get("kind"))?,
                url: row.get("url"),
                title: row.get("title"),
                position: row.get("position"),
                apartment_id: row.get("apartment_id"),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(ProjectCard {
        id,
        name: row.get("name"),
        city: row.get("city"),
        region_code: row.get("region_code"),
        address: row.get("address"),
        latitude: row.get("latitude"),
        longitude: row.get("longitude"),
        class: ProjectClass::from_db(row.get("class"))?,
        commissioning_date: row.get("commissioning_date"),
        cover_image_url: row.get("cover_image_url"),
        description: row.get("description"),
        moderation_status: ModerationStatus::from_db(row.get("moderation_status"))?,
        moderation_comment: if staff {
            row.get("moderation_comment")
        } else {
            None
        },
        published_at: row.get("published_at"),
        developer: DeveloperSummary {
            id: row.get("developer_id"),
            name: row.get("developer_name"),
            verified: row.get("verified"),
            website: row.get("website"),
            logo_url: row.get("logo_url"),
        },
        apartments_on_sale: row.get("apartments_on_sale"),
        min_price: row.get("min_price"),
        min_price_per_m2: row.get("min_price_per_m2"),
        min_final_price: row.get("min_final_price"),
        promotions: crate::promotions::PromotionSummary::list_from(row.get("promotions"))?,
        rooms: types::room_offers(row)?,
        buildings,
        media,
    })
}

fn sort_sql(sort: ProjectSort) -> &'static str {
    match sort {
        ProjectSort::Name => "m.name, m.id",
        ProjectSort::Price => "m.min_price NULLS LAST, m.id",
        ProjectSort::PriceDesc => "m.min_price DESC NULLS LAST, m.id",
        ProjectSort::Commissioning => "m.commissioning_date, m.id",
        ProjectSort::CommissioningDesc => "m.commissioning_date DESC, m.id",
    }
}

/// Список ЖК
///
/// Публичный каталог ЖК: только опубликованные ЖК опубликованных застройщиков. Принимает те же фильтры,
/// что `GET /apartments`: фильтры ЖК отбирают ЖК, фильтры квартир — квартиры, по которым считаются
/// агрегаты (в продаже, минимальная и максимальная цена, минимальная цена за м², квартирография); если
/// фильтры квартир заданы, ЖК без подходящих квартир не показываются. `total` — точное число ЖК.
/// Размер страницы не больше 100 (больше — 422).
#[utoipa::path(get, path = "/projects", tag = "catalog", security((), ("bearer" = [])),
    params(ProjectSearchQuery),
    responses(
        (status = 200, description = "Страница списка ЖК", body = ProjectPage),
        (status = 422, description = "Некорректный фильтр, сортировка или страница", body = Problem,
            content_type = "application/problem+json"),
    ))]
async fn list_projects(
    State(state): State<AppState>,
    Query(query): Query<ProjectSearchQuery>,
) -> AppResult<Json<ProjectPage>> {
    let filters = query.catalog_filters()?;
    let page = CATALOG_PAGES.page(query.limit, query.offset)?;
    let mut params = SqlParams::default();
    let mut project_conditions = filters.project_conditions(&mut params, "p", "p.id");
    project_conditions.push("true".into());
    let apartment_conditions = filters.apartment_conditions(&mut params);
    let order = sort_sql(ProjectSort::parse(query.sort.as_deref())?.unwrap_or(ProjectSort::Name));
    let limit_placeholder = params.push(page.limit);
    let offset_placeholder = params.push(page.offset);
    let sql = include_str!("list.sql")
        .replace(
            "{project_conditions}",
            &project_conditions.join("\n       AND "),
        )
        .replace(
            "{apartment_conditions}",
            &apartment_conditions.join("\n       AND "),
        )
        .replace(
            "{offers_join}",
            if filters.filters_apartments() {
                "JOIN"
            } else {
                "LEFT JOIN"
            },
        )
        .replace("{page_order}", &order.replace("m.", "page."))
        .replace("{order}", order)
        .replace("{limit}", &limit_placeholder)
        .replace("{offset}", &offset_placeholder);
    let client = state.pool.get().await?;
    let rows = client.query(sql.as_str(), &params.as_refs()).await?;
    let total: i64 = rows.first().map(|row| row.get("total")).unwrap_or(0);
    let items = rows
        .iter()
        .filter(|row| row.get::<_, Option<i64>>("id").is_some())
        .map(ProjectListItem::from_row)
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Json(ProjectPage::new(total, page, items)))
}

/// Карточка ЖК
///
/// Описание, медиа, корпуса, квартиры в продаже по комнатности, застройщик. Опубликованный ЖК
/// опубликованного застройщика видят все; остальные — только сотрудники застройщика и модераторы.
#[utoipa::path(get, path = "/projects/{id}", tag = "catalog", security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор ЖК", example = 12)),
    responses(
        (status = 200, description = "Карточка ЖК", body = ProjectCard),
        (status = 404, description = "ЖК нет или он не опубликован", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_project(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ProjectCard>> {
    let client = state.pool.get().await?;
    let statement = client.prepare_cached(include_str!("card.sql")).await?;
    let row = client
        .query_opt(&statement, &[&id])
        .await?
        .ok_or_else(|| AppError::not_found("ЖК не найден"))?;
    let staff = caller
        .as_ref()
        .is_some_and(|caller| caller.can_manage_developer(row.get("developer_id")));
    if !staff && !row.get::<_, bool>("public") {
        return Err(AppError::not_found("ЖК не найден"));
    }
    Ok(Json(card_from(&client, &row, staff).await?))
}

/// Новый ЖК
///
/// Доступно сотрудникам застройщика (для своей компании) и модераторам. ЖК создаётся черновиком.
#[utoipa::path(post, path = "/projects", tag = "projects", security(("bearer" = [])),
    request_body = CreateProjectRequest,
    responses(
        (status = 201, description = "ЖК создан черновиком", body = ProjectCard),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Компании нет или вызывающий не её сотрудник", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректные поля: регион ISO 3166-2, координаты в пределах России, ссылки", body = Problem,
            content_type = "application/problem+json"),
    ))]
async fn create_project(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(request): Json<CreateProjectRequest>,
) -> AppResult<(StatusCode, Json<ProjectCard>)> {
    caller.require_developer_or_moderator()?;
    if !caller.can_manage_developer(request.developer_id) {
        return Err(AppError::not_found(
            "Компания-застройщик не найдена или вы не её сотрудник",
        ));
    }
    let mut errors = FieldErrors::default();
    let name = errors.check("name", required_text(&request.name, MAX_NAME_CHARS));
    let city = errors.check("city", required_text(&request.city, MAX_CITY_CHARS));
    let region_code = errors.check("region_code", normalize_region_code(&request.region_code));
    let address = errors.check(
        "address",
        required_text(&request.address, MAX_ADDRESS_CHARS),
    );
    errors.check("latitude", validate_latitude(request.latitude));
    errors.check("longitude", validate_longitude(request.longitude));
    check_commissioning(&mut errors, request.commissioning_date);
    let cover_image_url = optional_url(&mut errors, "cover_image_url", request.cover_image_url);
    let description = optional_text(
        &mut errors,
        "description",
        request.description,
        MAX_DESCRIPTION_CHARS,
    );
    errors.finish()?;
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    let id: i64 = transaction
        .query_one(
            "INSERT INTO projects (developer_id, name, city, region_code, address, geo, class, commissioning_date,
                                   cover_image_url, description)
             VALUES ($1, $2, $3, $4, $5, ST_SetSRID(ST_MakePoint($6, $7), 4326)::geography, $8::text::project_class,
                     $9, $10, $11)
             RETURNING id",
            &[
                &request.developer_id,
                &name,
                &city,
                &region_code,
                &address,
                &request.longitude,
                &request.latitude,
                &request.class.as_str(),
                &request.commissioning_date,
                &cover_image_url,
                &description,
            ],
        )
        .await?
        .get(0);
    audit::record(
        &transaction,
        caller.id,
        "project.create",
        "project",
        id,
        json!({}),
    )
    .await?;
    transaction.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(load_card(&client, id, true).await?),
    ))
}

/// Изменение ЖК
///
/// Доступно сотрудникам застройщика ЖК и модераторам. Изменение опубликованного (или отклонённого) ЖК
/// сотрудником застройщика возвращает его на проверку (`pending_review`): до новой публикации ЖК и его
/// квартиры не видны в каталоге. Правка модератора состояние не меняет.
#[utoipa::path(patch, path = "/projects/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор ЖК", example = 12)),
    request_body = UpdateProjectRequest,
    responses(
        (status = 200, description = "ЖК изменён", body = ProjectCard),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ЖК нет или он другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректные поля", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_project(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<UpdateProjectRequest>,
) -> AppResult<Json<ProjectCard>> {
    let mut errors = FieldErrors::default();
    let name = request
        .name
        .as_deref()
        .map(|name| errors.check("name", required_text(name, MAX_NAME_CHARS)));
    let city = request
        .city
        .as_deref()
        .map(|city| errors.check("city", required_text(city, MAX_CITY_CHARS)));
    let region_code = request
        .region_code
        .as_deref()
        .map(|code| errors.check("region_code", normalize_region_code(code)));
    let address = request
        .address
        .as_deref()
        .map(|address| errors.check("address", required_text(address, MAX_ADDRESS_CHARS)));
    match (request.latitude, request.longitude) {
        (Some(latitude), Some(longitude)) => {
            errors.check("latitude", validate_latitude(latitude));
            errors.check("longitude", validate_longitude(longitude));
        }
        (None, None) => {}
        (None, Some(_)) => errors.add("latitude", "координаты меняются парой: укажите и широту"),
        (Some(_), None) => errors.add("longitude", "координаты меняются парой: укажите и долготу"),
    }
    if let Some(date) = request.commissioning_date {
        check_commissioning(&mut errors, date);
    }
    let cover_image_url = request
        .cover_image_url
        .map(|url| optional_url(&mut errors, "cover_image_url", url));
    let description = request.description.map(|description| {
        optional_text(
            &mut errors,
            "description",
            description,
            MAX_DESCRIPTION_CHARS,
        )
    });
    errors.finish()?;
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    project_of_company_for_update(&transaction, &caller, id).await?;
    let back_to_review = !caller.is_moderator();
    transaction
        .execute(
            "UPDATE projects
                SET name = coalesce($2, name),
                    city = coalesce($3, city),
                    region_code = coalesce($4, region_code),
                    address = coalesce($5, address),
                    geo = CASE WHEN $6::float8 IS NULL THEN geo
                               ELSE ST_SetSRID(ST_MakePoint($7, $6), 4326)::geography END,
                    class = coalesce($8::text::project_class, class),
                    commissioning_date = coalesce($9, commissioning_date),
                    cover_image_url = CASE WHEN $10 THEN $11 ELSE cover_image_url END,
                    description = CASE WHEN $12 THEN $13 ELSE description END,
                    moderation_status = CASE WHEN $14 AND moderation_status IN ('published', 'rejected')
                                             THEN 'pending_review' ELSE moderation_status END
              WHERE id = $1",
            &[
                &id,
                &name,
                &city,
                &region_code,
                &address,
                &request.latitude,
                &request.longitude,
                &request.class.map(ProjectClass::as_str),
                &request.commissioning_date,
                &cover_image_url.is_some(),
                &cover_image_url.flatten(),
                &description.is_some(),
                &description.flatten(),
                &back_to_review,
            ],
        )
        .await?;
    audit::record(
        &transaction,
        caller.id,
        "project.update",
        "project",
        id,
        json!({ "back_to_review": back_to_review }),
    )
    .await?;
    transaction.commit().await?;
    Ok(Json(load_card(&client, id, true).await?))
}

/// Удаление ЖК
///
/// Удалить можно только ЖК без корпусов (иначе 409): опубликованные данные с историей не удаляются.
#[utoipa::path(delete, path = "/projects/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор ЖК", example = 12)),
    responses(
        (status = 204, description = "ЖК удалён"),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ЖК нет или он другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "У ЖК есть корпуса, акции или настройки цен", body = Problem, content_type = "application/problem+json"),
    ))]
async fn delete_project(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    project_of_company_for_update(&transaction, &caller, id).await?;
    transaction
        .execute("DELETE FROM projects WHERE id = $1", &[&id])
        .await?;
    audit::record(
        &transaction,
        caller.id,
        "project.delete",
        "project",
        id,
        json!({}),
    )
    .await?;
    transaction.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Отправка ЖК на проверку
///
/// Черновик или отклонённый ЖК переходит в `pending_review`.
#[utoipa::path(post, path = "/projects/{id}/submit", tag = "projects", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор ЖК", example = 12)),
    responses(
        (status = 200, description = "ЖК ждёт проверки", body = ProjectCard),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ЖК нет или он другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "ЖК уже на проверке или опубликован", body = Problem, content_type = "application/problem+json"),
    ))]
async fn submit_project(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ProjectCard>> {
    let client = state.pool.get().await?;
    project_of_company(&client, &caller, id).await?;
    moderation::submit(&client, Moderated::Project, id, &caller).await?;
    Ok(Json(load_card(&client, id, true).await?))
}

/// Решение модератора по ЖК
///
/// `publish` — ЖК публикуется (виден в каталоге, если опубликован и застройщик); `reject` — отклонён,
/// комментарий обязателен.
#[utoipa::path(post, path = "/projects/{id}/moderation", tag = "projects", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор ЖК", example = 12)),
    request_body = ModerationDecisionRequest,
    responses(
        (status = 200, description = "Решение сохранено", body = ProjectCard),
        (status = 403, description = "Вызывающий не модератор", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ЖК нет", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Нет комментария при отказе", body = Problem, content_type = "application/problem+json"),
    ))]
async fn moderate_project(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<ModerationDecisionRequest>,
) -> AppResult<Json<ProjectCard>> {
    let client = state.pool.get().await?;
    moderation::decide(&client, Moderated::Project, id, &caller, &request).await?;
    Ok(Json(load_card(&client, id, true).await?))
}

/// Медиа ЖК
///
/// Заменяет набор медиа ЖК целиком: фото, видео, 3D-тур (Avalin) и планировки квартир этого ЖК.
/// Порядок в массиве — порядок показа внутри каждого вида. До 200 медиа.
#[utoipa::path(put, path = "/projects/{id}/media", tag = "projects", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор ЖК", example = 12)),
    request_body = PutMediaRequest,
    responses(
        (status = 200, description = "Новый набор медиа сохранён", body = ProjectCard),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ЖК нет или он другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректная ссылка, подпись или квартира планировки", body = Problem,
            content_type = "application/problem+json"),
    ))]
async fn put_media(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<PutMediaRequest>,
) -> AppResult<Json<ProjectCard>> {
    if request.items.len() > MAX_MEDIA_ITEMS {
        return Err(AppError::field(
            "items",
            format!("не больше {MAX_MEDIA_ITEMS} медиа"),
        ));
    }
    let mut errors = FieldErrors::default();
    let mut items = Vec::with_capacity(request.items.len());
    for (index, item) in request.items.into_iter().enumerate() {
        let field = |name: &str| format!("items[{index}].{name}");
        let url = item.url.trim().to_owned();
        errors.check(&field("url"), validate_http_url(&url));
        let title = optional_text(&mut errors, &field("title"), item.title, MAX_TITLE_CHARS);
        match (item.kind, item.apartment_id) {
            (MediaKind::Layout, None) => {
                errors.add(&field("apartment_id"), "планировке нужна квартира")
            }
            (MediaKind::Layout, Some(_)) | (_, None) => {}
            (_, Some(_)) => errors.add(
                &field("apartment_id"),
                "квартира указывается только для планировки",
            ),
        }
        items.push(json!({
            "ord": index, "kind": item.kind.as_str(), "url": url, "title": title,
            "apartment_id": item.apartment_id,
        }));
    }
    errors.finish()?;
    let expected = items.len() as i64;
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    project_of_company_for_update(&transaction, &caller, id).await?;
    transaction
        .execute("DELETE FROM project_media WHERE project_id = $1", &[&id])
        .await?;
    let inserted: i64 = transaction
        .query_one(
            include_str!("media_put.sql"),
            &[&id, &serde_json::Value::Array(items)],
        )
        .await?
        .get("inserted");
    if inserted != expected {
        return Err(AppError::field(
            "items",
            "планировка ссылается на квартиру другого ЖК или несуществующую квартиру",
        ));
    }
    transaction.commit().await?;
    Ok(Json(load_card(&client, id, true).await?))
}
