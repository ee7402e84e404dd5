//! Developer companies: registration, the company card, members and moderation.

mod types;

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit;
use crate::auth::{
    require_company_member, require_company_owner, CompanyRole, CurrentUser, MaybeUser, Role,
};
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{Json, Path, Query};
use crate::pagination::{fetch_page, LIST_PAGES};
use crate::state::AppState;
use crate::validation::{
    normalize_email, required_text, validate_http_url, validate_inn, validate_inn_matches_ogrn,
    validate_ogrn, FieldErrors,
};

pub use types::{
    AddMemberRequest, CreateDeveloperRequest, Developer, DeveloperListQuery, DeveloperPage, Member,
    ModerationDecision, ModerationRequest, ModerationStatus, UpdateDeveloperRequest,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_developer, list_developers))
        .routes(routes!(get_developer, update_developer))
        .routes(routes!(moderate_developer))
        .routes(routes!(list_members, add_member))
        .routes(routes!(remove_member))
}

const MAX_NAME_CHARS: usize = 200;
const MAX_LEGAL_NAME_CHARS: usize = 500;
const MAX_COMMENT_CHARS: usize = 2000;

macro_rules! developer_columns {
    () => {
        "id, name, legal_name, inn, ogrn, website, logo_url, verified,
         moderation_status::text AS moderation_status, moderation_comment, moderated_at,
         created_at, updated_at"
    };
}

fn identifier(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    check: fn(&str) -> Result<(), &'static str>,
) -> String {
    let value = value.trim().to_owned();
    errors.check(field, check(&value));
    value
}

fn optional_url(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<String> {
    let value = value.map(str::trim).filter(|value| !value.is_empty())?;
    errors.check(field, validate_http_url(value));
    Some(value.to_owned())
}

/// Регистрация компании-застройщика
///
/// Компания создаётся непроверенной (`pending_review`), вызывающий становится её владельцем;
/// покупатель при этом получает роль `developer`. Модератор компанию не регистрирует.
#[utoipa::path(post, path = "/developers", tag = "developers", security(("bearer" = [])),
    request_body = CreateDeveloperRequest,
    responses(
        (status = 201, description = "Компания зарегистрирована и ждёт проверки", body = Developer),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Модератор не может быть сотрудником компании", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Компания с таким ИНН или ОГРН уже есть", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректные поля: ИНН и ОГРН проверяются по контрольной сумме", body = Problem,
            content_type = "application/problem+json"),
    ))]
async fn create_developer(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(request): Json<CreateDeveloperRequest>,
) -> AppResult<(StatusCode, Json<Developer>)> {
    if caller.is_moderator() {
        return Err(AppError::Forbidden(
            "Модератор не может регистрировать компанию и быть её сотрудником".into(),
        ));
    }
    let mut errors = FieldErrors::default();
    let name = errors.check("name", required_text(&request.name, MAX_NAME_CHARS));
    let legal_name = errors.check(
        "legal_name",
        required_text(&request.legal_name, MAX_LEGAL_NAME_CHARS),
    );
    let inn = identifier(&mut errors, "inn", &request.inn, validate_inn);
    let ogrn = identifier(&mut errors, "ogrn", &request.ogrn, validate_ogrn);
    if validate_inn(&inn).is_ok() && validate_ogrn(&ogrn).is_ok() {
        errors.check("ogrn", validate_inn_matches_ogrn(&inn, &ogrn));
    }
    let website = optional_url(&mut errors, "website", request.website.as_deref());
    let logo_url = optional_url(&mut errors, "logo_url", request.logo_url.as_deref());
    errors.finish()?;

    let client = state.pool.get().await?;
    let row = client
        .query_one(
            include_str!("create.sql"),
            &[
                &name,
                &legal_name,
                &inn,
                &ogrn,
                &website,
                &logo_url,
                &caller.id,
            ],
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Developer::from_row(&row)?)))
}

/// Список компаний
///
/// Модератор видит все компании (например, очередь `moderation_status=pending_review`),
/// сотрудник застройщика — свои.
#[utoipa::path(get, path = "/developers", tag = "developers", security(("bearer" = [])),
    params(DeveloperListQuery),
    responses(
        (status = 200, description = "Страница компаний по возрастанию id", body = DeveloperPage),
        (status = 403, description = "Покупателю список недоступен", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_developers(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(query): Query<DeveloperListQuery>,
) -> AppResult<Json<DeveloperPage>> {
    caller.require_developer_or_moderator()?;
    let page = LIST_PAGES.page(query.limit, query.offset)?;
    let status = query.moderation_status.map(ModerationStatus::as_str);
    let client = state.pool.get().await?;
    let (total, rows) = fetch_page(
        &client,
        concat!(
            "SELECT count(*) OVER () AS total, ",
            developer_columns!(),
            " FROM developers
             WHERE ($1 OR id = ANY($2))
               AND ($3::text IS NULL OR moderation_status = $3::text::moderation_status)
             ORDER BY id
             LIMIT $4 OFFSET $5"
        ),
        &[&caller.is_moderator(), &caller.developer_ids, &status],
        page,
    )
    .await?;
    let items = rows
        .iter()
        .map(Developer::from_row)
        .collect::<AppResult<_>>()?;
    Ok(Json(DeveloperPage::new(total, page, items)))
}

/// Карточка компании
///
/// Проверенную компанию видят все; непроверенную или отклонённую — только её сотрудники и
/// модераторы, остальным ответ 404.
#[utoipa::path(get, path = "/developers/{id}", tag = "developers", security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор застройщика", example = 7)),
    responses(
        (status = 200, description = "Карточка компании", body = Developer),
        (status = 404, description = "Компании нет или она не опубликована", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_developer(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Developer>> {
    let client = state.pool.get().await?;
    let row = client
        .query_opt(
            concat!(
                "SELECT ",
                developer_columns!(),
                " FROM developers WHERE id = $1"
            ),
            &[&id],
        )
        .await?;
    let staff = caller
        .as_ref()
        .is_some_and(|caller| caller.can_manage_developer(id));
    let mut developer = match row {
        Some(row) => Developer::from_row(&row)?,
        None => return Err(AppError::not_found("Компания-застройщик не найдена")),
    };
    if !staff {
        if developer.moderation_status != ModerationStatus::Published {
            return Err(AppError::not_found("Компания-застройщик не найдена"));
        }
        developer.moderation_comment = None;
    }
    Ok(Json(developer))
}

/// Изменение карточки компании
///
/// Доступно владельцу компании и модератору. Статус проверки здесь не меняется (поля `verified`
/// и `moderation_status` отклоняются); смена наименования, ИНН или ОГРН владельцем возвращает
/// компанию на проверку.
#[utoipa::path(patch, path = "/developers/{id}", tag = "developers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор застройщика", example = 7)),
    request_body = UpdateDeveloperRequest,
    responses(
        (status = 200, description = "Карточка изменена", body = Developer),
        (status = 403, description = "Вызывающий — не владелец компании (или покупатель)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Компании нет или она чужая", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "ИНН или ОГРН уже занят другой компанией", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректные поля", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_developer(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<UpdateDeveloperRequest>,
) -> AppResult<Json<Developer>> {
    let mut client = state.pool.get().await?;
    require_company_owner(&client, &caller, id).await?;

    let mut errors = FieldErrors::default();
    let name = request
        .name
        .as_deref()
        .map(|name| errors.check("name", required_text(name, MAX_NAME_CHARS)));
    let legal_name = request.legal_name.as_deref().map(|legal_name| {
        errors.check(
            "legal_name",
            required_text(legal_name, MAX_LEGAL_NAME_CHARS),
        )
    });
    let inn = request
        .inn
        .as_deref()
        .map(|inn| identifier(&mut errors, "inn", inn, validate_inn));
    let ogrn = request
        .ogrn
        .as_deref()
        .map(|ogrn| identifier(&mut errors, "ogrn", ogrn, validate_ogrn));
    let website = request
        .website
        .as_ref()
        .map(|website| optional_url(&mut errors, "website", website.as_deref()));
    let logo_url = request
        .logo_url
        .as_ref()
        .map(|logo_url| optional_url(&mut errors, "logo_url", logo_url.as_deref()));
    errors.finish()?;

    let transaction = client.transaction().await?;
    let current = transaction
        .query_one(
            "SELECT legal_name, inn, ogrn FROM developers WHERE id = $1 FOR UPDATE",
            &[&id],
        )
        .await?;
    let final_inn = inn.clone().unwrap_or_else(|| current.get("inn"));
    let final_ogrn = ogrn.clone().unwrap_or_else(|| current.get("ogrn"));
    validate_inn_matches_ogrn(&final_inn, &final_ogrn)
        .map_err(|message| AppError::field(if ogrn.is_some() { "ogrn" } else { "inn" }, message))?;
    let legal_identity_changed = final_inn != current.get::<_, String>("inn")
        || final_ogrn != current.get::<_, String>("ogrn")
        || legal_name
            .as_ref()
            .is_some_and(|legal_name| *legal_name != current.get::<_, String>("legal_name"));
    let needs_review = legal_identity_changed && !caller.is_moderator();
    let row = transaction
        .query_one(
            concat!(
                "UPDATE developers
                    SET name = coalesce($2, name),
                        legal_name = coalesce($3, legal_name),
                        inn = $4,
                        ogrn = $5,
                        website = CASE WHEN $6 THEN $7 ELSE website END,
                        logo_url = CASE WHEN $8 THEN $9 ELSE logo_url END,
                        verified = verified AND NOT $10,
                        moderation_status = CASE WHEN $10 THEN 'pending_review' ELSE moderation_status END
                  WHERE id = $1
                  RETURNING ",
                developer_columns!()
            ),
            &[
                &id,
                &name,
                &legal_name,
                &final_inn,
                &final_ogrn,
                &website.is_some(),
                &website.flatten(),
                &logo_url.is_some(),
                &logo_url.flatten(),
                &needs_review,
            ],
        )
        .await?;
    audit::record(
        &transaction,
        caller.id,
        "developer.update",
        "developer",
        id,
        json!({ "needs_review": needs_review }),
    )
    .await?;
    transaction.commit().await?;
    Ok(Json(Developer::from_row(&row)?))
}

/// Проверка компании модератором
///
/// `verify` — компания проверена и опубликована; `reject` — отклонена, комментарий обязателен.
#[utoipa::path(post, path = "/developers/{id}/moderation", tag = "developers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор застройщика", example = 7)),
    request_body = ModerationRequest,
    responses(
        (status = 200, description = "Решение сохранено", body = Developer),
        (status = 403, description = "Вызывающий не модератор", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Компании нет", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Нет комментария при отказе", body = Problem, content_type = "application/problem+json"),
    ))]
async fn moderate_developer(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<ModerationRequest>,
) -> AppResult<Json<Developer>> {
    caller.require_moderator()?;
    let comment = match request.comment.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(comment) => Some(
            required_text(comment, MAX_COMMENT_CHARS)
                .map_err(|message| AppError::field("comment", message))?,
        ),
    };
    let decision = match request.decision {
        ModerationDecision::Verify => "verify",
        ModerationDecision::Reject if comment.is_none() => {
            return Err(AppError::field("comment", "укажите причину отказа"));
        }
        ModerationDecision::Reject => "reject",
    };
    let client = state.pool.get().await?;
    let row = client
        .query_opt(
            include_str!("moderate.sql"),
            &[&id, &decision, &comment, &caller.id],
        )
        .await?
        .ok_or_else(|| AppError::not_found("Компания-застройщик не найдена"))?;
    Ok(Json(Developer::from_row(&row)?))
}

/// Сотрудники компании
#[utoipa::path(get, path = "/developers/{id}/members", tag = "developers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор застройщика", example = 7)),
    responses(
        (status = 200, description = "Сотрудники в порядке добавления", body = Vec<Member>),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Компании нет или она чужая", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_members(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<Member>>> {
    let client = state.pool.get().await?;
    require_company_member(&client, &caller, id).await?;
    let rows = client
        .query(
            "SELECT m.user_id, u.email, u.display_name, m.company_role::text AS company_role,
                    m.created_at AS added_at
               FROM developer_members m
               JOIN users u ON u.id = m.user_id
              WHERE m.developer_id = $1
              ORDER BY m.created_at, m.user_id",
            &[&id],
        )
        .await?;
    rows.iter()
        .map(Member::from_row)
        .collect::<AppResult<Vec<_>>>()
        .map(Json)
}

/// Приглашение сотрудника
///
/// Владелец компании (или модератор) добавляет зарегистрированного пользователя с ролью в компании.
#[utoipa::path(post, path = "/developers/{id}/members", tag = "developers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор застройщика", example = 7)),
    request_body = AddMemberRequest,
    responses(
        (status = 201, description = "Сотрудник добавлен", body = Member),
        (status = 403, description = "Вызывающий — не владелец компании", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Компании нет или она чужая", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Пользователь уже сотрудник компании", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Пользователь не зарегистрирован или он модератор", body = Problem, content_type = "application/problem+json"),
    ))]
async fn add_member(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<AddMemberRequest>,
) -> AppResult<(StatusCode, Json<Member>)> {
    let email =
        normalize_email(&request.email).map_err(|message| AppError::field("email", message))?;
    let mut client = state.pool.get().await?;
    require_company_owner(&client, &caller, id).await?;
    let transaction = client.transaction().await?;
    let user = transaction
        .query_opt(
            "SELECT id, role::text AS role FROM users WHERE lower(email) = lower($1) FOR UPDATE",
            &[&email],
        )
        .await?
        .ok_or_else(|| AppError::field("email", "пользователь с таким email не зарегистрирован"))?;
    let user_id: i64 = user.get("id");
    if Role::from_db(user.get("role"))? == Role::Moderator {
        return Err(AppError::field(
            "email",
            "модератор не может быть сотрудником компании",
        ));
    }
    let row = transaction
        .query_opt(
            "WITH added AS (
                 INSERT INTO developer_members (developer_id, user_id, company_role)
                 VALUES ($1, $2, $3::text::company_member_role)
                 ON CONFLICT ON CONSTRAINT developer_members_pkey DO NOTHING
                 RETURNING user_id, company_role, created_at
             )
             SELECT a.user_id, u.email, u.display_name, a.company_role::text AS company_role,
                    a.created_at AS added_at
               FROM added a JOIN users u ON u.id = a.user_id",
            &[&id, &user_id, &request.company_role.as_str()],
        )
        .await?
        .ok_or_else(|| AppError::Conflict {
            detail: "Пользователь уже сотрудник этой компании".into(),
            field: Some("email".into()),
        })?;
    transaction
        .execute(
            "UPDATE users SET role = 'developer' WHERE id = $1 AND role = 'buyer'",
            &[&user_id],
        )
        .await?;
    audit::record(
        &transaction,
        caller.id,
        "developer.member_add",
        "developer",
        id,
        json!({ "user_id": user_id, "company_role": request.company_role.as_str() }),
    )
    .await?;
    transaction.commit().await?;
    Ok((StatusCode::CREATED, Json(Member::from_row(&row)?)))
}

/// Удаление сотрудника
///
/// Владелец компании (или модератор) удаляет сотрудника. Последнего владельца удалить нельзя.
#[utoipa::path(delete, path = "/developers/{id}/members/{user_id}", tag = "developers", security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Идентификатор застройщика", example = 7),
        ("user_id" = i64, Path, description = "Идентификатор сотрудника", example = 42),
    ),
    responses(
        (status = 204, description = "Сотрудник удалён из компании"),
        (status = 403, description = "Вызывающий — не владелец компании", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Компании или сотрудника нет, или компания чужая", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Это последний владелец компании", body = Problem, content_type = "application/problem+json"),
    ))]
async fn remove_member(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path((id, user_id)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    let mut client = state.pool.get().await?;
    require_company_owner(&client, &caller, id).await?;
    let transaction = client.transaction().await?;
    let members = transaction
        .query(
            "SELECT user_id, company_role::text AS company_role
               FROM developer_members
              WHERE developer_id = $1
              ORDER BY user_id
                FOR UPDATE",
            &[&id],
        )
        .await?;
    let role_of = |row: &tokio_postgres::Row| CompanyRole::from_db(row.get("company_role"));
    let target = members
        .iter()
        .find(|row| row.get::<_, i64>("user_id") == user_id)
        .ok_or_else(|| AppError::not_found("Такого сотрудника в компании нет"))?;
    let owners = members
        .iter()
        .map(role_of)
        .collect::<AppResult<Vec<_>>>()?
        .into_iter()
        .filter(|role| *role == CompanyRole::Owner)
        .count();
    if role_of(target)? == CompanyRole::Owner && owners == 1 {
        return Err(AppError::Conflict {
            detail: "Нельзя удалить последнего владельца компании".into(),
            field: None,
        });
    }
    transaction
        .execute(
            "DELETE FROM developer_members WHERE developer_id = $1 AND user_id = $2",
            &[&id, &user_id],
        )
        .await?;
    audit::record(
        &transaction,
        caller.id,
        "developer.member_remove",
        "developer",
        id,
        json!({ "user_id": user_id }),
    )
    .await?;
    transaction.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
