//! `PUT /developers/{id}/apartments:bulk`: up to 5 000 apartments upserted by the developer's own code in one
//! transaction. Every row is checked first; one bad row rejects the whole request, so nothing is half-applied.

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::fields::{blank_to_none, ApartmentFields};
use super::holds;
use crate::audit;
use crate::auth::{require_company_member, CurrentUser};
use crate::catalog::ApartmentStatus;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::validation::FieldErrors;

pub const MAX_BULK_ROWS: usize = 5_000;
/// 5 000 rows of ~400 bytes do not fit the default 1 MiB body limit.
pub const MAX_BULK_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Квартира выгрузки: ключ — корпус (его ЖК) и артикул застройщика.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkApartment {
    /// Корпус своей компании
    #[schema(example = 31)]
    pub building_id: i64,
    /// Артикул застройщика: по нему (в пределах ЖК) квартира создаётся или обновляется
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "K2-S1-0512"
    )]
    pub code: String,
    /// Этаж: от -5 до этажности корпуса
    #[schema(minimum = -5, maximum = 200, example = 5)]
    pub floor: i32,
    /// Комнат, 0 — студия
    #[schema(minimum = 0, maximum = 20, example = 2)]
    pub rooms: i16,
    /// Общая площадь, м²
    #[schema(value_type = crate::openapi::Area, example = "54.30")]
    pub area_total: Decimal,
    /// Жилая площадь, м²
    #[schema(value_type = Option<crate::openapi::Area>, example = "30.10")]
    pub area_living: Option<Decimal>,
    /// Кухня, м²
    #[schema(value_type = Option<crate::openapi::Area>, example = "11.20")]
    pub area_kitchen: Option<Decimal>,
    /// Высота потолков, м
    #[schema(value_type = Option<crate::openapi::DecimalNumber>, example = "2.85")]
    pub ceiling_height: Option<Decimal>,
    /// Балкон или лоджия
    #[schema(example = true)]
    pub balcony: Option<bool>,
    /// Планировка
    #[schema(
        max_length = 2000,
        pattern = r"^https?://[^\s\x00-\x1F\x7F-\x9F]+$",
        example = "https://cdn.primer-dev.ru/layouts/k2-0512.png"
    )]
    pub layout_image_url: Option<String>,
    /// 3D-тур
    #[schema(
        max_length = 2000,
        pattern = r"^https?://[^\s\x00-\x1F\x7F-\x9F]+$",
        example = "https://avalin.ru/tour/k2-0512"
    )]
    pub tour_url: Option<String>,
    /// Базовая цена
    #[schema(value_type = crate::openapi::Money, example = "9200000.00")]
    pub base_price: Decimal,
    /// Текущая цена: у новой квартиры по умолчанию равна базовой, у существующей без поля не меняется
    #[schema(value_type = Option<crate::openapi::Money>, example = "9350000.00")]
    pub current_price: Option<Decimal>,
    /// Статус продажи: у новой квартиры по умолчанию `available`, у существующей без поля не меняется
    /// (как в PATCH: выгрузка без статуса не вернёт забронированную или проданную квартиру в продажу)
    #[schema(example = "available")]
    pub status: Option<ApartmentStatus>,
}

/// Выгрузка квартир компании.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    /// От 1 до 5 000 квартир; пара (ЖК корпуса, артикул) не повторяется
    #[schema(min_items = 1, max_items = 5000)]
    pub apartments: Vec<BulkApartment>,
}

/// Строка выгрузки и квартира, которой она стала.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkRow {
    /// Номер строки в запросе, с 0
    #[schema(example = 0)]
    pub index: usize,
    /// Идентификатор квартиры
    #[schema(example = 1001)]
    pub id: i64,
    /// Артикул
    #[schema(example = "K2-S1-0512")]
    pub code: String,
}

/// Итог выгрузки: применена целиком.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    /// Созданные квартиры (ушли на проверку модератору)
    pub created: Vec<BulkRow>,
    /// Обновлённые квартиры
    pub updated: Vec<BulkRow>,
    /// У скольких существующих квартир изменилась текущая цена (записано в историю цен, причина manual)
    #[schema(example = 12)]
    pub prices_changed: i64,
}

struct Building {
    project_id: i64,
    floors: i32,
}

/// Выгрузка квартир застройщика
///
/// До 5 000 квартир одной транзакцией; ключ — артикул застройщика в пределах ЖК. Новые квартиры создаются
/// и уходят на проверку (`pending_review`); у существующих обновляются все поля, текущая цена — с записью в
/// историю цен (причина `manual`). Сначала проверяются все строки: если хоть одна отклонена, не применяется
/// ничего, и ответ 422 перечисляет отклонённые строки с причинами (`errors[].field` вида `apartments[3].floor`).
/// Статус квартиры, которую держит активная бронь, выгрузка не меняет: строка с другим `status` отклоняется
/// (`apartments[3].status`, в причине — номер брони); без `status` квартира сохраняет свой.
#[utoipa::path(put, path = "/developers/{id}/apartments:bulk", tag = "apartments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор застройщика", example = 7)),
    request_body = BulkRequest,
    responses(
        (status = 200, description = "Выгрузка применена целиком", body = BulkResult),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Компании нет или вызывающий не её сотрудник", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Тело запроса больше 8 МиБ", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Отклонённые строки с причинами; ничего не применено", body = Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn bulk_upsert(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(developer_id): Path<i64>,
    Json(request): Json<BulkRequest>,
) -> AppResult<Json<BulkResult>> {
    let mut client = state.pool.get().await?;
    require_company_member(&client, &caller, developer_id).await?;
    let rows = request.apartments;
    if rows.is_empty() || rows.len() > MAX_BULK_ROWS {
        return Err(AppError::field(
            "apartments",
            format!("от 1 до {MAX_BULK_ROWS} квартир за запрос"),
        ));
    }
    let building_ids: Vec<i64> = rows
        .iter()
        .map(|row| row.building_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let buildings: HashMap<i64, Building> = client
        .query(
            "SELECT b.id, b.project_id, b.floors
               FROM buildings b JOIN projects p ON p.id = b.project_id
              WHERE b.id = ANY($1) AND p.developer_id = $2",
            &[&building_ids, &developer_id],
        )
        .await?
        .iter()
        .map(|row| {
            (
                row.get("id"),
                Building {
                    project_id: row.get("project_id"),
                    floors: row.get("floors"),
                },
            )
        })
        .collect();

    let mut errors = FieldErrors::default();
    let mut seen = HashSet::new();
    let mut payload = Vec::with_capacity(rows.len());
    let mut keys = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let prefix = format!("apartments[{index}].");
        let Some(building) = buildings.get(&row.building_id) else {
            errors.add(
                &format!("{prefix}building_id"),
                "корпус не найден или принадлежит другой компании",
            );
            continue;
        };
        let fields = ApartmentFields {
            code: row.code.trim().to_owned(),
            floor: row.floor,
            rooms: row.rooms,
            area_total: row.area_total,
            area_living: row.area_living,
            area_kitchen: row.area_kitchen,
            ceiling_height: row.ceiling_height,
            balcony: row.balcony.unwrap_or(false),
            layout_image_url: blank_to_none(row.layout_image_url.clone()),
            tour_url: blank_to_none(row.tour_url.clone()),
            base_price: row.base_price,
            current_price: row.current_price.unwrap_or(row.base_price),
            status: row.status.unwrap_or(ApartmentStatus::Available),
        };
        fields.validate(building.floors, &prefix, &mut errors);
        if !seen.insert((building.project_id, fields.code.clone())) {
            errors.add(
                &format!("{prefix}code"),
                "артикул повторяется в выгрузке в пределах одного ЖК",
            );
        }
        keys.push(json!({"project_id": building.project_id, "code": fields.code}));
        payload.push((
            (building.project_id, fields.code.clone()),
            json!({
            "building_id": row.building_id,
            "code": fields.code,
            "floor": fields.floor,
            "rooms": fields.rooms,
            "area_total": fields.area_total,
            "area_living": fields.area_living,
            "area_kitchen": fields.area_kitchen,
            "ceiling_height": fields.ceiling_height,
            "balcony": fields.balcony,
            "layout_image_url": fields.layout_image_url,
            "tour_url": fields.tour_url,
            "base_price": fields.base_price,
            "current_price": fields.current_price,
            "status": row.status.map(|_| fields.status.as_str()),
            }),
        ));
    }
    errors.finish()?;
    // Two uploads that insert the same new codes in different orders would wait on each other's unique
    // index entries and deadlock: insert in one global order, (project, code), like the lock step's id order.
    payload.sort_by(|(left, _), (right, _)| left.cmp(right));

    let transaction = client.transaction().await?;
    let locked = transaction
        .query(
            include_str!("bulk_lock.sql"),
            &[&serde_json::Value::Array(keys)],
        )
        .await?;
    let existing: HashMap<(i64, String), i64> = locked
        .iter()
        .map(|row| ((row.get("project_id"), row.get("code")), row.get("id")))
        .collect();
    // The same rule as PATCH /apartments/{id}: the price of an apartment that is and stays sold is history.
    let sold_prices: HashMap<(i64, String), Decimal> = locked
        .iter()
        .filter(|row| row.get::<_, &str>("status") == "sold")
        .map(|row| {
            (
                (row.get("project_id"), row.get("code")),
                row.get("current_price"),
            )
        })
        .collect();
    let kept_statuses: HashMap<(i64, String), String> = locked
        .iter()
        .map(|row| ((row.get("project_id"), row.get("code")), row.get("status")))
        .collect();
    let held = holds::active_bookings(
        &transaction,
        &existing.values().copied().collect::<Vec<_>>(),
    )
    .await?;
    let mut errors = FieldErrors::default();
    for (index, row) in rows.iter().enumerate() {
        let key = (
            buildings[&row.building_id].project_id,
            row.code.trim().to_owned(),
        );
        // The same rule as PATCH /apartments/{id}: only the booking's own steps move a held apartment.
        if let (Some(wanted), Some(booking)) =
            (row.status, existing.get(&key).and_then(|id| held.get(id)))
        {
            if kept_statuses.get(&key).map(String::as_str) != Some(wanted.as_str()) {
                errors.add(&format!("apartments[{index}].status"), booking.refusal());
            }
        }
        // Without `status` an existing apartment keeps its own, so a sold one stays sold.
        if let (Some(old_price), Some(new_price), ApartmentStatus::Sold) = (
            sold_prices.get(&key),
            row.current_price,
            row.status.unwrap_or(ApartmentStatus::Sold),
        ) {
            if *old_price != new_price {
                errors.add(
                    &format!("apartments[{index}].current_price"),
                    "квартира продана, её цену менять нельзя",
                );
            }
        }
    }
    errors.finish()?;
    let payload: Vec<serde_json::Value> = payload
        .into_iter()
        .map(|(key, mut row)| {
            if row["status"].is_null() {
                row["status"] = json!(kept_statuses
                    .get(&key)
                    .map_or(ApartmentStatus::Available.as_str(), String::as_str));
            }
            row
        })
        .collect();
    let upserted = transaction
        .query(
            include_str!("bulk_upsert.sql"),
            &[&serde_json::Value::Array(payload)],
        )
        .await?;
    let index_of: HashMap<(i64, String), usize> = rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            (
                (
                    buildings[&row.building_id].project_id,
                    row.code.trim().to_owned(),
                ),
                index,
            )
        })
        .collect();
    let mut created = Vec::new();
    let mut updated = Vec::new();
    let mut new_prices = Vec::new();
    for row in &upserted {
        let key: (i64, String) = (row.get("project_id"), row.get("code"));
        let index = index_of[&key];
        let bulk_row = BulkRow {
            index,
            id: row.get("id"),
            code: key.1.clone(),
        };
        if row.get::<_, bool>("inserted") && !existing.contains_key(&key) {
            created.push(bulk_row);
        } else {
            if let Some(price) = rows[index].current_price {
                new_prices.push(json!({"id": bulk_row.id, "price": price}));
            }
            updated.push(bulk_row);
        }
    }
    let prices_changed: i64 = if new_prices.is_empty() {
        0
    } else {
        transaction
            .query_one(
                include_str!("bulk_prices.sql"),
                &[&serde_json::Value::Array(new_prices), &caller.id],
            )
            .await?
            .get("changed")
    };
    audit::record(
        &transaction,
        caller.id,
        "apartment.bulk_upsert",
        "developer",
        developer_id,
        json!({ "created": created.len(), "updated": updated.len(), "prices_changed": prices_changed }),
    )
    .await?;
    transaction.commit().await?;
    created.sort_by_key(|row| row.index);
    updated.sort_by_key(|row| row.index);
    Ok(Json(BulkResult {
        created,
        updated,
        prices_changed,
    }))
}
