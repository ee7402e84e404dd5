//! REST API of dynamic pricing: configuration, runs (preview, run now, journal, rollback), price
//! history and the per-apartment pricing preview.
use axum::extract::State;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::cycle::{run_cycle, CycleRequest, Trigger};
use super::types::*;
use crate::auth::{apartment_of_company, project_of_company, require_company_member, CurrentUser};
use crate::error::{AppError, AppResult, FieldError, Problem};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_config, put_config))
        .routes(routes!(start_run, list_runs))
        .routes(routes!(rollback_run))
        .routes(routes!(price_history))
        .routes(routes!(apartment_pricing))
}

const MAX_REPORTED_CHANGES: usize = 1000;

/// Настройки ценообразования
///
/// Модератор видит глобальную версию и все переопределения, сотрудник застройщика — глобальную
/// версию и переопределения своих компаний и их ЖК. Порядок применения: версия ЖК, иначе
/// застройщика, иначе глобальная (выключенные переопределения пропускаются; выключенная
/// глобальная версия останавливает всё). Потолки ELASTICITY_CAP и PRICE_MAX_SHIFT из окружения
/// сильнее любых версий.
#[utoipa::path(get, path = "/pricing/config", tag = "pricing", security(("bearer" = [])),
    responses(
        (status = 200, description = "Действующие настройки", body = PricingConfigOverview),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_config(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> AppResult<Json<PricingConfigOverview>> {
    caller.require_developer_or_moderator()?;
    let client = state.pool.get().await?;
    let rows = client
        .query(
            include_str!("config_current.sql"),
            &[&caller.is_moderator(), &caller.developer_ids],
        )
        .await?;
    let mut versions: Vec<PricingConfig> = rows.iter().map(PricingConfig::from_row).collect();
    let global_index = versions
        .iter()
        .position(|version| version.developer_id.is_none() && version.project_id.is_none())
        .ok_or_else(|| AppError::Internal("dynamic_pricing_config has no global row".into()))?;
    let global = versions.remove(global_index);
    Ok(Json(PricingConfigOverview {
        global,
        overrides: versions,
        ceilings: EnvironmentCeilings {
            elasticity_cap: state.pricing.elasticity_cap,
            max_shift: state.pricing.max_shift,
        },
    }))
}

/// Новая версия настроек
///
/// Добавляет версию для глобальной области (только модератор), застройщика или ЖК (сотрудник
/// своей компании или модератор). Прошлые версии не меняются: история хранится целиком.
/// Незаданные поля берутся из текущей версии области, для новой области — из действующих
/// настроек уровнем выше. Сотрудник застройщика не может задать шаг, предел эластичности и
/// коридор больше глобальных; потолки окружения применяются при каждом проходе.
#[utoipa::path(put, path = "/pricing/config", tag = "pricing", security(("bearer" = [])),
    request_body = PricingConfigChange,
    responses(
        (status = 201, description = "Версия добавлена и действует со следующего прохода", body = PricingConfig),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Глобальные настройки меняет только модератор; покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Застройщик или ЖК не найден или чужой", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректные значения; поле названо", body = Problem, content_type = "application/problem+json"),
    ))]
async fn put_config(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(change): Json<PricingConfigChange>,
) -> AppResult<(StatusCode, Json<PricingConfig>)> {
    caller.require_developer_or_moderator()?;
    if change.developer_id.is_some() && change.project_id.is_some() {
        return Err(AppError::field(
            "project_id",
            "укажите только одну область: developer_id или project_id",
        ));
    }
    validate_change(&change)?;
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    match (change.developer_id, change.project_id) {
        (None, None) => caller.require_moderator()?,
        (Some(developer_id), None) => {
            require_company_member(&transaction, &caller, developer_id).await?
        }
        (None, Some(project_id)) => {
            project_of_company(&transaction, &caller, project_id).await?;
        }
        (Some(_), Some(_)) => unreachable!("rejected above"),
    }
    // One writer per scope at a time, so two racing PUTs both land as ordered versions.
    transaction
        .execute(
            "SELECT pg_advisory_xact_lock(hashtext('dynamic_pricing_config'), coalesce($1::bigint, -$2::bigint, 0)::integer)",
            &[&change.developer_id, &change.project_id],
        )
        .await?;
    let row = transaction
        .query_one(
            include_str!("config_insert.sql"),
            &[
                &change.developer_id,
                &change.project_id,
                &change.enabled,
                &change.k1,
                &change.k2,
                &change.weight_views,
                &change.weight_favourites,
                &change.weight_leads,
                &change.weight_bookings,
                &change.step,
                &change.elasticity_cap,
                &change.max_shift,
                &change.cooldown_hours,
                &change.booking_freeze_hours,
                &change.min_days_on_site,
                &change.comment.as_deref().map(str::trim),
                &caller.id,
            ],
        )
        .await?;
    let version = PricingConfig::from_row(&row);
    if !caller.is_moderator() {
        let global = transaction
            .query_one(
                "SELECT step, elasticity_cap, max_shift FROM dynamic_pricing_config_current
                 WHERE developer_id IS NULL AND project_id IS NULL",
                &[],
            )
            .await?;
        let mut errors = Vec::new();
        for (field, value, ceiling) in [
            ("step", version.step, global.get::<_, Decimal>("step")),
            (
                "elasticity_cap",
                version.elasticity_cap,
                global.get("elasticity_cap"),
            ),
            ("max_shift", version.max_shift, global.get("max_shift")),
        ] {
            if value > ceiling {
                errors.push(FieldError::new(
                    field,
                    format!("не больше глобального значения {ceiling}"),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
    }
    transaction
        .execute(
            "INSERT INTO audit_log (actor_user_id, action, entity, entity_id, details)
             VALUES ($1, 'pricing.config_changed', 'dynamic_pricing_config', $2, jsonb_build_object('developer_id', $3::bigint, 'project_id', $4::bigint))",
            &[&caller.id, &version.id, &version.developer_id, &version.project_id],
        )
        .await?;
    transaction.commit().await?;
    tracing::info!(
        config_id = version.id,
        developer_id = version.developer_id,
        project_id = version.project_id,
        user_id = caller.id,
        "pricing config version added"
    );
    Ok((StatusCode::CREATED, Json(version)))
}

fn validate_change(change: &PricingConfigChange) -> AppResult<()> {
    let mut errors = Vec::new();
    let fraction =
        |field: &str, value: Option<Decimal>, allow_zero: bool, errors: &mut Vec<FieldError>| {
            if let Some(value) = value {
                let lower_ok = if allow_zero {
                    value >= Decimal::ZERO
                } else {
                    value > Decimal::ZERO
                };
                if !lower_ok || value > Decimal::new(5, 1) {
                    errors.push(FieldError::new(
                        field,
                        if allow_zero {
                            "доля от 0 до 0.5"
                        } else {
                            "доля больше 0 и не больше 0.5"
                        },
                    ));
                }
            }
        };
    fraction("step", change.step, false, &mut errors);
    fraction("elasticity_cap", change.elasticity_cap, false, &mut errors);
    fraction("max_shift", change.max_shift, true, &mut errors);
    for (field, value) in [
        ("weight_views", change.weight_views),
        ("weight_favourites", change.weight_favourites),
        ("weight_leads", change.weight_leads),
        ("weight_bookings", change.weight_bookings),
    ] {
        if value.is_some_and(|weight| weight < Decimal::ZERO || weight > Decimal::from(1000)) {
            errors.push(FieldError::new(field, "вес от 0 до 1000"));
        }
    }
    for (field, value) in [("k1", change.k1), ("k2", change.k2)] {
        if value
            .is_some_and(|threshold| threshold <= Decimal::ZERO || threshold > Decimal::from(100))
        {
            errors.push(FieldError::new(field, "порог больше 0 и не больше 100"));
        }
    }
    if let (Some(k1), Some(k2)) = (change.k1, change.k2) {
        if k2 >= k1 {
            errors.push(FieldError::new(
                "k2",
                "нижний порог должен быть меньше верхнего k1",
            ));
        }
    }
    for (field, value) in [
        ("cooldown_hours", change.cooldown_hours),
        ("booking_freeze_hours", change.booking_freeze_hours),
    ] {
        if value.is_some_and(|hours| !(0..=720).contains(&hours)) {
            errors.push(FieldError::new(field, "от 0 до 720 часов"));
        }
    }
    if change
        .min_days_on_site
        .is_some_and(|days| !(0..=3650).contains(&days))
    {
        errors.push(FieldError::new("min_days_on_site", "от 0 до 3650 дней"));
    }
    if change
        .comment
        .as_deref()
        .is_some_and(|comment| comment.chars().count() > 1000)
    {
        errors.push(FieldError::new("comment", "не длиннее 1000 символов"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Запустить проход сейчас или посмотреть, что он сделает
///
/// Пересчитывает агрегаты за 24 ч и проводит проход по всем квартирам в продаже (модератор).
/// `dry_run: true` показывает решения и объяснения, ничего не записывая. Если в этот момент
/// идёт другой проход (расписание, другая реплика), ответ содержит `skipped_reason`.
#[utoipa::path(post, path = "/pricing/runs", tag = "pricing", security(("bearer" = [])),
    request_body = PricingRunRequest,
    responses(
        (status = 200, description = "Итог прохода", body = PricingRunReport),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Только модератор", body = Problem, content_type = "application/problem+json"),
    ))]
async fn start_run(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(request): Json<PricingRunRequest>,
) -> AppResult<Json<PricingRunReport>> {
    caller.require_moderator()?;
    let mut client = state.pool.get().await?;
    let cycle = CycleRequest {
        dry_run: request.dry_run,
        started_by: Some(caller.id),
        ..CycleRequest::new(Trigger::Manual)
    };
    // The pass runs to its end even if the caller goes away: its batches commit one by one.
    let pricing = state.pricing.clone();
    let report = tokio::spawn(async move { run_cycle(&mut client, &pricing, &cycle).await })
        .await
        .map_err(|error| AppError::Internal(format!("проход цен прерван: {error}")))??;
    if !report.dry_run {
        super::log_report(&report);
    }
    Ok(Json(PricingRunReport {
        run_id: report.run_id,
        dry_run: report.dry_run,
        skipped_reason: report.skipped_reason.clone(),
        evaluated: report.evaluated(),
        changed: report.changes.len() as i64,
        decisions: report.decisions.clone(),
        changes: report
            .changes
            .into_iter()
            .take(MAX_REPORTED_CHANGES)
            .map(|change| PricingChange {
                apartment_id: change.apartment_id,
                decision: change.decision,
                old_price: change.old_price,
                new_price: change.new_price,
                explanation: change.explanation,
            })
            .collect(),
        aggregates_ms: report.aggregates_took.as_millis() as u64,
        pass_ms: report.pass_took.as_millis() as u64,
    }))
}

/// Журнал проходов
///
/// Новые первыми; следующая страница — `before_id` = id последней записи (модератор).
#[utoipa::path(get, path = "/pricing/runs", tag = "pricing", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "Проходы", body = Vec<PricingRun>),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Только модератор", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректные параметры страницы", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_runs(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(page): Query<PageQuery>,
) -> AppResult<Json<Vec<PricingRun>>> {
    caller.require_moderator()?;
    let limit = page.limit()?;
    let client = state.pool.get().await?;
    let rows = client
        .query(
            "SELECT id, trigger::text AS trigger, scheduled_for, started_by, started_at, finished_at, evaluated,
                    decisions, raised, lowered, rolled_back_at, rolled_back_by, status::text AS status,
                    batches, batches_done, workers
             FROM pricing_runs
             WHERE $1::bigint IS NULL OR id < $1
             ORDER BY id DESC
             LIMIT $2",
            &[&page.before_id, &limit],
        )
        .await?;
    Ok(Json(rows.iter().map(PricingRun::from_row).collect()))
}

/// Откатить проход
///
/// Возвращает старые цены тех изменений прохода, которые всё ещё действуют (после них цену никто
/// не менял); каждое возвращение пишется в историю цен как `manual` со ссылкой на проход.
/// Повторный откат ничего не меняет (модератор).
#[utoipa::path(post, path = "/pricing/runs/{id}/rollback", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор прохода", example = 42)),
    responses(
        (status = 200, description = "Цены возвращены (или проход уже был откачен)", body = RollbackReport),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Только модератор", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Прохода нет", body = Problem, content_type = "application/problem+json"),
    ))]
async fn rollback_run(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(run_id): Path<i64>,
) -> AppResult<Json<RollbackReport>> {
    caller.require_moderator()?;
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    let run = transaction
        .query_opt(
            "SELECT rolled_back_at IS NOT NULL AS rolled_back FROM pricing_runs WHERE id = $1 FOR UPDATE",
            &[&run_id],
        )
        .await?
        .ok_or_else(|| AppError::not_found("Прохода ценообразования с таким id нет"))?;
    let already_rolled_back: bool = run.get("rolled_back");
    let restored: Vec<RestoredPrice> = transaction
        .query(
            "SELECT apartment_id, restored_price, replaced_price FROM rollback_pricing_run($1, $2)",
            &[&run_id, &caller.id],
        )
        .await?
        .iter()
        .map(|row| RestoredPrice {
            apartment_id: row.get("apartment_id"),
            restored_price: row.get("restored_price"),
            replaced_price: row.get("replaced_price"),
        })
        .collect();
    if !already_rolled_back {
        transaction
            .execute(
                "INSERT INTO audit_log (actor_user_id, action, entity, entity_id, details)
                 VALUES ($1, 'pricing.rollback', 'pricing_run', $2, jsonb_build_object('restored', $3::integer))",
                &[&caller.id, &run_id, &(restored.len() as i32)],
            )
            .await?;
    }
    transaction.commit().await?;
    tracing::info!(
        run_id,
        user_id = caller.id,
        restored = restored.len(),
        "pricing run rolled back"
    );
    Ok(Json(RollbackReport {
        run_id,
        already_rolled_back,
        restored,
    }))
}

/// История цен квартиры
///
/// Публично для опубликованных квартир: дата, старая и новая цена, изменение в процентах, причина
/// и объяснение. Новые первыми, страницы через `before_id`.
#[utoipa::path(get, path = "/apartments/{id}/price-history", tag = "pricing", security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор квартиры", example = 1001), PageQuery),
    responses(
        (status = 200, description = "История цен", body = Vec<PriceHistoryEntry>),
        (status = 404, description = "Квартира не найдена или не опубликована", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректные параметры страницы", body = Problem, content_type = "application/problem+json"),
    ))]
async fn price_history(
    State(state): State<AppState>,
    Path(apartment_id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> AppResult<Json<Vec<PriceHistoryEntry>>> {
    let limit = page.limit()?;
    let client = state.pool.get().await?;
    let published = client
        .query_opt(
            "SELECT 1 FROM apartments WHERE id = $1 AND moderation_status = 'published'",
            &[&apartment_id],
        )
        .await?;
    if published.is_none() {
        return Err(AppError::not_found("Квартира не найдена"));
    }
    let rows = client
        .query(
            "SELECT id, changed_at, old_price, new_price, round((new_price - old_price) / old_price * 100, 2) AS change_percent,
                    reason::text AS reason, explanation
             FROM price_history
             WHERE apartment_id = $1 AND ($2::bigint IS NULL OR id < $2)
             ORDER BY changed_at DESC, id DESC
             LIMIT $3",
            &[&apartment_id, &page.before_id, &limit],
        )
        .await?;
    Ok(Json(
        rows.iter()
            .map(|row| PriceHistoryEntry {
                id: row.get("id"),
                changed_at: row.get("changed_at"),
                old_price: row.get("old_price"),
                new_price: row.get("new_price"),
                change_percent: row.get("change_percent"),
                reason: row.get("reason"),
                explanation: row.get("explanation"),
            })
            .collect(),
    ))
}

/// Ценообразование квартиры
///
/// Текущие входные данные (просмотры, заявки, брони за 24 ч, дни на сайте, спрос, медиана
/// кластера) и что сделает следующий проход и почему. Для сотрудников компании квартиры и
/// модераторов; квартира должна быть в продаже.
#[utoipa::path(get, path = "/apartments/{id}/pricing", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор квартиры", example = 1001)),
    responses(
        (status = 200, description = "Входные данные и решение следующего прохода", body = ApartmentPricing),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Квартиры нет, она чужая или не в продаже", body = Problem, content_type = "application/problem+json"),
    ))]
async fn apartment_pricing(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(apartment_id): Path<i64>,
) -> AppResult<Json<ApartmentPricing>> {
    let client = state.pool.get().await?;
    apartment_of_company(&client, &caller, apartment_id).await?;
    let row = client
        .query_opt(
            "SELECT apartment_id, views_24h, favourites_24h, leads_24h, bookings_24h, days_on_site, demand,
                    cluster_median, demand_norm, decision::text AS decision, old_price, new_price, explanation
             FROM reprice_apartments(p_dry_run => true, p_apartment_id => $1,
                                     p_elasticity_ceiling => $2, p_max_shift_ceiling => $3)",
            &[&apartment_id, &state.pricing.elasticity_cap, &state.pricing.max_shift],
        )
        .await?
        .ok_or_else(|| AppError::not_found("Квартира не в продаже: динамическое ценообразование её не касается"))?;
    Ok(Json(ApartmentPricing {
        apartment_id: row.get("apartment_id"),
        views_24h: row.get("views_24h"),
        favourites_24h: row.get("favourites_24h"),
        leads_24h: row.get("leads_24h"),
        bookings_24h: row.get("bookings_24h"),
        days_on_site: row.get("days_on_site"),
        demand: row.get("demand"),
        cluster_median: row.get("cluster_median"),
        demand_norm: row.get("demand_norm"),
        next_decision: row.get("decision"),
        current_price: row.get("old_price"),
        next_price: row.get("new_price"),
        explanation: row.get("explanation"),
    }))
}
