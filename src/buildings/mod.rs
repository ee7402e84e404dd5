//! Buildings (корпуса) of a project: create, edit, delete. A building has no moderation of its own: it is
//! public exactly when its project is.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{building_of_company_for_update, project_of_company, CurrentUser};
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{Json, Path};
use crate::projects::Building;
use crate::state::AppState;
use crate::validation::{required_text, FieldErrors};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_building))
        .routes(routes!(update_building, delete_building))
}

const MAX_NAME_CHARS: usize = 200;
const MAX_NUMBER_CHARS: usize = 20;

/// Новый корпус ЖК.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBuildingRequest {
    /// Название, до 200 символов
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"\S",
        example = "Корпус 2"
    )]
    pub name: String,
    /// Номер по проекту, до 20 символов
    #[schema(min_length = 1, max_length = 20, pattern = r"\S", example = "2.1")]
    pub number: Option<String>,
    /// Секций (1–100), по умолчанию 1
    #[schema(minimum = 1, maximum = 100, example = 3)]
    pub sections: Option<i32>,
    /// Этажность (1–200)
    #[schema(minimum = 1, maximum = 200, example = 25)]
    pub floors: i32,
    /// Квартал сдачи (1–4), вместе с годом
    #[schema(minimum = 1, maximum = 4, example = 2)]
    pub commissioning_quarter: Option<i16>,
    /// Год сдачи (2000–2100), вместе с кварталом
    #[schema(minimum = 2000, maximum = 2100, example = 2027)]
    pub commissioning_year: Option<i16>,
}

/// Изменение корпуса; переданы только меняемые поля.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBuildingRequest {
    /// Новое название
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"\S",
        example = "Корпус 2А"
    )]
    pub name: Option<String>,
    /// Новый номер; `null` — удалить
    #[serde(default, deserialize_with = "crate::auth::nullable")]
    #[schema(min_length = 1, max_length = 20, pattern = r"\S", value_type = Option<String>, example = "2.2")]
    pub number: Option<Option<String>>,
    /// Секций
    #[schema(minimum = 1, maximum = 100, example = 4)]
    pub sections: Option<i32>,
    /// Этажность: не ниже этажа любой квартиры корпуса
    #[schema(minimum = 1, maximum = 200, example = 27)]
    pub floors: Option<i32>,
    /// Квартал сдачи (1–4)
    #[schema(minimum = 1, maximum = 4, example = 3)]
    pub commissioning_quarter: Option<i16>,
    /// Год сдачи (2000–2100)
    #[schema(minimum = 2000, maximum = 2100, example = 2027)]
    pub commissioning_year: Option<i16>,
}

struct BuildingFields {
    name: String,
    number: Option<String>,
    sections: i32,
    floors: i32,
    commissioning_quarter: Option<i16>,
    commissioning_year: Option<i16>,
}

impl BuildingFields {
    fn validate(&self, errors: &mut FieldErrors) {
        if let Err(message) = required_text(&self.name, MAX_NAME_CHARS) {
            errors.add("name", message);
        }
        if let Some(number) = &self.number {
            if let Err(message) = required_text(number, MAX_NUMBER_CHARS) {
                errors.add("number", message);
            }
        }
        if !(1..=100).contains(&self.sections) {
            errors.add("sections", "от 1 до 100");
        }
        if !(1..=200).contains(&self.floors) {
            errors.add("floors", "от 1 до 200");
        }
        match (self.commissioning_quarter, self.commissioning_year) {
            (Some(quarter), _) if !(1..=4).contains(&quarter) => {
                errors.add("commissioning_quarter", "квартал от 1 до 4")
            }
            (_, Some(year)) if !(2000..=2100).contains(&year) => {
                errors.add("commissioning_year", "год от 2000 до 2100")
            }
            (Some(_), None) => {
                errors.add("commissioning_year", "укажите год сдачи вместе с кварталом")
            }
            (None, Some(_)) => errors.add(
                "commissioning_quarter",
                "укажите квартал сдачи вместе с годом",
            ),
            _ => {}
        }
    }
}

const BUILDING_SQL: &str = "
    SELECT b.id, b.project_id, b.name, b.number, b.sections, b.floors, b.commissioning_quarter, b.commissioning_year,
           (SELECT count(*) FROM apartments a
             WHERE a.building_id = b.id AND a.status = 'available' AND a.moderation_status = 'published') AS apartments_on_sale
      FROM buildings b WHERE b.id = $1";

/// Новый корпус
///
/// Доступно сотрудникам застройщика ЖК и модераторам.
#[utoipa::path(post, path = "/projects/{id}/buildings", tag = "projects", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор ЖК", example = 12)),
    request_body = CreateBuildingRequest,
    responses(
        (status = 201, description = "Корпус создан", body = Building),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ЖК нет или он другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректные поля: этажность, квартал сдачи 1–4", body = Problem,
            content_type = "application/problem+json"),
    ))]
async fn create_building(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(project_id): Path<i64>,
    Json(request): Json<CreateBuildingRequest>,
) -> AppResult<(StatusCode, Json<Building>)> {
    let fields = BuildingFields {
        name: request.name.trim().to_owned(),
        number: request.number.map(|number| number.trim().to_owned()),
        sections: request.sections.unwrap_or(1),
        floors: request.floors,
        commissioning_quarter: request.commissioning_quarter,
        commissioning_year: request.commissioning_year,
    };
    let mut errors = FieldErrors::default();
    fields.validate(&mut errors);
    errors.finish()?;
    let client = state.pool.get().await?;
    project_of_company(&client, &caller, project_id).await?;
    let id: i64 = client
        .query_one(
            "INSERT INTO buildings (project_id, name, number, sections, floors, commissioning_quarter, commissioning_year)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                &project_id,
                &fields.name,
                &fields.number,
                &fields.sections,
                &fields.floors,
                &fields.commissioning_quarter,
                &fields.commissioning_year,
            ],
        )
        .await?
        .get(0);
    let row = client.query_one(BUILDING_SQL, &[&id]).await?;
    Ok((StatusCode::CREATED, Json(Building::from_row(&row))))
}

/// Изменение корпуса
///
/// Этажность нельзя сделать ниже этажа любой квартиры корпуса (422, поле `floors`).
#[utoipa::path(patch, path = "/buildings/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор корпуса", example = 31)),
    request_body = UpdateBuildingRequest,
    responses(
        (status = 200, description = "Корпус изменён", body = Building),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Корпуса нет или он другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректные поля", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_building(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<UpdateBuildingRequest>,
) -> AppResult<Json<Building>> {
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    building_of_company_for_update(&transaction, &caller, id).await?;
    let current = transaction.query_one(BUILDING_SQL, &[&id]).await?;
    let fields = BuildingFields {
        name: request
            .name
            .map(|name| name.trim().to_owned())
            .unwrap_or_else(|| current.get("name")),
        number: request
            .number
            .map(|number| number.map(|number| number.trim().to_owned()))
            .unwrap_or_else(|| current.get("number")),
        sections: request.sections.unwrap_or_else(|| current.get("sections")),
        floors: request.floors.unwrap_or_else(|| current.get("floors")),
        commissioning_quarter: request
            .commissioning_quarter
            .or_else(|| current.get("commissioning_quarter")),
        commissioning_year: request
            .commissioning_year
            .or_else(|| current.get("commissioning_year")),
    };
    let mut errors = FieldErrors::default();
    fields.validate(&mut errors);
    errors.finish()?;
    transaction
        .execute(
            "UPDATE buildings SET name = $2, number = $3, sections = $4, floors = $5, commissioning_quarter = $6,
                    commissioning_year = $7
              WHERE id = $1",
            &[
                &id,
                &fields.name,
                &fields.number,
                &fields.sections,
                &fields.floors,
                &fields.commissioning_quarter,
                &fields.commissioning_year,
            ],
        )
        .await?;
    let row = transaction.query_one(BUILDING_SQL, &[&id]).await?;
    transaction.commit().await?;
    Ok(Json(Building::from_row(&row)))
}

/// Удаление корпуса
///
/// Удалить можно только корпус без квартир (иначе 409).
#[utoipa::path(delete, path = "/buildings/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор корпуса", example = 31)),
    responses(
        (status = 204, description = "Корпус удалён"),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Корпуса нет или он другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "В корпусе есть квартиры", body = Problem, content_type = "application/problem+json"),
    ))]
async fn delete_building(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    building_of_company_for_update(&transaction, &caller, id).await?;
    let deleted = transaction
        .execute("DELETE FROM buildings WHERE id = $1", &[&id])
        .await?;
    if deleted == 0 {
        return Err(AppError::not_found("Корпус не найден"));
    }
    transaction.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
