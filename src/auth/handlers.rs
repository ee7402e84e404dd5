use axum::extract::State;
use axum::http::{header, StatusCode};
use deadpool_postgres::GenericClient;

use super::extractor::{ClientIp, CurrentUser, Role};
use super::login_limit::begin_attempt;
use super::password::{
    check_password_length, check_password_policy, hash_password, verify_password,
};
use super::tokens::{
    issue_token_pair, revoke_all_sessions, revoke_family_of, rotate_refresh_token,
};
use super::types::{
    CompanyMembership, CompanyRole, GrantModeratorRequest, LoginRequest, LogoutRequest,
    RefreshRequest, RegisterRequest, TokenResponse, UpdateMeRequest, UserProfile,
};
use crate::error::{AppError, AppResult, Problem};
use crate::extract::Json;
use crate::state::AppState;
use crate::validation::{
    normalize_email, normalize_phone, required_text, FieldErrors, MAX_EMAIL_LENGTH,
};

pub const MAX_DISPLAY_NAME_CHARS: usize = 200;

/// RFC 6749, 5.1: responses carrying tokens must not be cached.
const NO_STORE: [(header::HeaderName, &str); 2] = [
    (header::CACHE_CONTROL, "no-store"),
    (header::PRAGMA, "no-cache"),
];

type TokenReply = (
    StatusCode,
    [(header::HeaderName, &'static str); 2],
    Json<TokenResponse>,
);

fn token_reply(status: StatusCode, tokens: TokenResponse) -> TokenReply {
    (status, NO_STORE, Json(tokens))
}

fn wrong_credentials() -> AppError {
    AppError::Unauthorized("Неверный email или пароль".into())
}

/// Регистрация покупателя
///
/// Создаёт аккаунт с ролью `buyer` и сразу выдаёт пару токенов. Роль, компанию и прочие служебные
/// поля задать нельзя: неизвестные поля отклоняются.
#[utoipa::path(post, path = "/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Аккаунт создан, пользователь вошёл", body = TokenResponse),
        (status = 409, description = "Такой email уже зарегистрирован", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректные поля (email, пароль, имя, телефон)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register(
    State(state): State<AppState>,
    Json(request): Json<RegisterRequest>,
) -> AppResult<TokenReply> {
    let mut errors = FieldErrors::default();
    let email = errors.check("email", normalize_email(&request.email));
    let display_name = errors.check(
        "display_name",
        required_text(&request.display_name, MAX_DISPLAY_NAME_CHARS),
    );
    let phone = errors.check(
        "phone",
        request.phone.as_deref().map(normalize_phone).transpose(),
    );
    errors.check("password", check_password_policy(&request.password, &email));
    errors.finish()?;

    let password_hash = hash_password(request.password).await?;
    let client = state.pool.get().await?;
    let user_id: i64 = client
        .query_one(
            "INSERT INTO users (email, password_hash, display_name, phone)
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[&email, &password_hash, &display_name, &phone],
        )
        .await?
        .get("id");
    let tokens = issue_token_pair(&client, &state.auth, user_id, None).await?;
    Ok(token_reply(StatusCode::CREATED, tokens))
}

/// Вход по email и паролю
///
/// Неверный email и неверный пароль дают одинаковый ответ 401. После нескольких неудач подряд
/// для одного email или одного адреса клиента вход временно блокируется: 429 с `Retry-After`.
#[utoipa::path(post, path = "/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Вход выполнен", body = TokenResponse),
        (status = 401, description = "Неверный email или пароль", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Слишком много неудачных попыток; повторить через `Retry-After` секунд", body = Problem,
            content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Через сколько секунд можно повторить"))),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client_ip): ClientIp,
    Json(request): Json<LoginRequest>,
) -> AppResult<TokenReply> {
    let email = request.email.trim().to_lowercase();
    let mut errors = FieldErrors::default();
    if email.is_empty() || email.chars().count() > MAX_EMAIL_LENGTH {
        errors.add("email", "укажите email длиной до 254 символов");
    }
    // The registration limit, before any hashing: an oversized password is a 422, not an argon2 pass.
    errors.check("password", check_password_length(&request.password));
    errors.finish()?;
    let client = state.pool.get().await?;
    let attempt = begin_attempt(&client, state.auth.settings(), &email, client_ip).await?;
    let account = client
        .query_opt(
            "SELECT id, password_hash FROM users WHERE lower(email) = lower($1)",
            &[&email],
        )
        .await?;
    let (user_id, stored_hash) = match account {
        Some(row) => (
            Some(row.get::<_, i64>("id")),
            Some(row.get("password_hash")),
        ),
        None => (None, None),
    };
    let password_matches = verify_password(request.password, stored_hash).await?;
    let Some(user_id) = user_id.filter(|_| password_matches) else {
        return Err(wrong_credentials());
    };
    attempt.succeeded(&client).await?;
    let tokens = issue_token_pair(&client, &state.auth, user_id, None).await?;
    Ok(token_reply(StatusCode::OK, tokens))
}

/// Обновление пары токенов
///
/// Refresh-токен одноразовый: в ответе новый. Повторное предъявление уже использованного токена
/// считается кражей — отзывается вся цепочка токенов этого входа.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "Новая пара токенов", body = TokenResponse),
        (status = 401, description = "Токен неизвестен, истёк, отозван или уже использован", body = Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    Json(request): Json<RefreshRequest>,
) -> AppResult<TokenReply> {
    let mut client = state.pool.get().await?;
    let tokens = rotate_refresh_token(&mut client, &state.auth, &request.refresh_token).await?;
    Ok(token_reply(StatusCode::OK, tokens))
}

/// Выход
///
/// Отзывает refresh-токен и всю его цепочку. Ответ одинаковый для любого токена.
/// Access-токен перестаёт приниматься не позже чем через 15 минут.
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    request_body = LogoutRequest,
    responses((status = 204, description = "Сессия завершена")))]
pub async fn logout(
    State(state): State<AppState>,
    Json(request): Json<LogoutRequest>,
) -> AppResult<StatusCode> {
    let client = state.pool.get().await?;
    revoke_family_of(&client, &request.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn load_profile(client: &impl GenericClient, user_id: i64) -> AppResult<UserProfile> {
    let user = client
        .query_opt(
            "SELECT id, email, display_name, phone, role::text AS role, created_at
               FROM users WHERE id = $1",
            &[&user_id],
        )
        .await?
        .ok_or_else(|| AppError::not_found("Пользователь не найден"))?;
    let companies = client
        .query(
            "SELECT m.developer_id, d.name, m.company_role::text AS company_role, d.verified
               FROM developer_members m
               JOIN developers d ON d.id = m.developer_id
              WHERE m.user_id = $1
              ORDER BY m.developer_id",
            &[&user_id],
        )
        .await?
        .iter()
        .map(|row| {
            Ok(CompanyMembership {
                developer_id: row.get("developer_id"),
                name: row.get("name"),
                company_role: CompanyRole::from_db(row.get("company_role"))?,
                verified: row.get("verified"),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(UserProfile {
        id: user.get("id"),
        email: user.get("email"),
        display_name: user.get("display_name"),
        phone: user.get("phone"),
        role: Role::from_db(user.get("role"))?,
        companies,
        created_at: user.get("created_at"),
    })
}

/// Мой профиль
#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "Профиль, роль и компании текущего пользователя", body = UserProfile),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> AppResult<Json<UserProfile>> {
    let client = state.pool.get().await?;
    Ok(Json(load_profile(&client, caller.id).await?))
}

/// Изменение профиля
///
/// Меняются только переданные поля. Для смены пароля нужен текущий пароль; после смены все
/// refresh- и access-токены отзываются, нужно войти заново. Роль и email здесь не меняются.
#[utoipa::path(patch, path = "/auth/me", tag = "auth", security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses(
        (status = 200, description = "Профиль изменён", body = UserProfile),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректные поля или неверный текущий пароль", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Слишком много неверных паролей подряд", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_me(
    State(state): State<AppState>,
    caller: CurrentUser,
    ClientIp(client_ip): ClientIp,
    Json(request): Json<UpdateMeRequest>,
) -> AppResult<Json<UserProfile>> {
    let mut client = state.pool.get().await?;
    let user = client
        .query_one(
            "SELECT email, password_hash FROM users WHERE id = $1",
            &[&caller.id],
        )
        .await?;
    let email: String = user.get("email");

    let mut errors = FieldErrors::default();
    let display_name = request
        .display_name
        .as_deref()
        .map(|name| errors.check("display_name", required_text(name, MAX_DISPLAY_NAME_CHARS)));
    let phone = request.phone.as_ref().map(|phone| {
        phone
            .as_deref()
            .map(|phone| errors.check("phone", normalize_phone(phone)))
    });
    if let Some(new_password) = &request.new_password {
        errors.check("new_password", check_password_policy(new_password, &email));
        match &request.current_password {
            None => errors.add("current_password", "обязателен при смене пароля"),
            Some(current) => errors.check("current_password", check_password_length(current)),
        }
    }
    errors.finish()?;

    let new_password_hash = match (request.new_password, request.current_password) {
        (Some(new_password), Some(current_password)) => {
            let attempt = begin_attempt(&client, state.auth.settings(), &email, client_ip).await?;
            if !verify_password(current_password, Some(user.get("password_hash"))).await? {
                return Err(AppError::field(
                    "current_password",
                    "неверный текущий пароль",
                ));
            }
            attempt.succeeded(&client).await?;
            Some(hash_password(new_password).await?)
        }
        _ => None,
    };

    let phone_given = phone.is_some();
    let phone = phone.flatten();
    let transaction = client.transaction().await?;
    transaction
        .execute(
            "UPDATE users
                SET display_name = coalesce($2, display_name),
                    phone = CASE WHEN $3 THEN $4 ELSE phone END,
                    password_hash = coalesce($5, password_hash)
              WHERE id = $1",
            &[
                &caller.id,
                &display_name,
                &phone_given,
                &phone,
                &new_password_hash,
            ],
        )
        .await?;
    if new_password_hash.is_some() {
        revoke_all_sessions(&transaction, caller.id).await?;
    }
    let profile = load_profile(&transaction, caller.id).await?;
    transaction.commit().await?;
    Ok(Json(profile))
}

/// Назначение модератора
///
/// Модератор выдаёт роль `moderator` зарегистрированному пользователю.
/// Первого модератора создаёт команда `nedvizhimost create-moderator`.
#[utoipa::path(post, path = "/auth/moderators", tag = "auth", security(("bearer" = [])),
    request_body = GrantModeratorRequest,
    responses(
        (status = 200, description = "Роль выдана; профиль пользователя", body = UserProfile),
        (status = 403, description = "Вызывающий не модератор", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Пользователь с таким email не зарегистрирован", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn grant_moderator(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(request): Json<GrantModeratorRequest>,
) -> AppResult<Json<UserProfile>> {
    caller.require_moderator()?;
    let email =
        normalize_email(&request.email).map_err(|message| AppError::field("email", message))?;
    let client = state.pool.get().await?;
    let row = client
        .query_opt(
            "WITH promoted AS (
                 UPDATE users SET role = 'moderator' WHERE lower(email) = lower($1) RETURNING id
             ), audit AS (
                 INSERT INTO audit_log (actor_user_id, action, entity, entity_id)
                 SELECT $2, 'user.grant_moderator', 'user', id FROM promoted
             )
             SELECT id FROM promoted",
            &[&email, &caller.id],
        )
        .await?
        .ok_or_else(|| AppError::field("email", "пользователь с таким email не зарегистрирован"))?;
    Ok(Json(load_profile(&client, row.get("id")).await?))
}
