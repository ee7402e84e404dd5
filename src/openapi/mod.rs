mod responses;
pub mod schemas;

pub use responses::document_common_responses;
pub use schemas::{Area, DecimalNumber, FilterValue, Latitude, Longitude, Money, RegionCode};

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub const BEARER: &str = "bearer";
pub const SERVICE_TOKEN: &str = "service_token";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Недвижимость 4.0 API",
        description = "REST API маркетплейса новостроек «Недвижимость 4.0»: каталог ЖК и квартир, \
            онлайн-бронирование, кабинет застройщика, модерация и динамическое ценообразование, \
            которое раз в минуту двигает цену каждой квартиры вслед за спросом.\n\n\
            Ошибки возвращаются в формате `application/problem+json` (RFC 9457). \
            Неизвестные поля в теле запроса отклоняются.",
    ),
    modifiers(&BearerSecurity),
    components(schemas(crate::error::Problem, crate::error::FieldError, crate::catalog::RoomCount)),
    tags(
        (name = "service", description = "Служебные эндпоинты: живость и готовность"),
        (name = "pricing", description = "Динамическое ценообразование: настройки, проходы, история цен, откат"),
        (name = "auth", description = "Аккаунты и вход: регистрация покупателя, access- и refresh-токены, профиль, модераторы"),
        (name = "developers", description = "Компании-застройщики: регистрация, карточка, сотрудники, проверка модератором"),
        (name = "events", description = "Сигналы спроса: просмотры, заявки на звонок, пакетный приём событий фронтенда, пометка накрутки"),
        (name = "favourites", description = "Избранные квартиры покупателя"),
        (name = "picker", description = "ИИ-подбор квартир: покупатель пишет по-русски, подборщик понимает, уточняет и подбирает"),
        (name = "bookings", description = "Онлайн-бронирование: удержание квартиры, подтверждение, отмена, истечение, продажа"),
        (name = "apartments", description = "Квартиры в кабинете застройщика: создание, изменение, ручная смена цены, выгрузка до 5 000 квартир, модерация"),
        (name = "projects", description = "ЖК и корпуса в кабинете застройщика: создание, изменение, медиа, модерация"),
        (name = "crm", description = "Интеграция с CRM застройщика (amoCRM, Битрикс24): подключение, доставки заявок и броней, входящие вебхуки"),
        (name = "analytics", description = "Аналитика: воронка спроса, что популярно, какие цены оптимальны, темп продаж (застройщику — свои данные), рынок по регионам (ассоциации); JSON, CSV и графики SVG"),
        (name = "catalog", description = "Публичный каталог: поиск квартир, список и карточки ЖК, карта России (GeoJSON)"),
        (name = "promotions", description = "Акции и скидки: кабинет застройщика, модерация ассоциацией, акции платформы, публичный список"),
    )
)]
pub struct ApiDoc;

struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Access-токен (JWT, 15 минут) из POST /auth/login. Одно правило для каждой операции, \
                         где указана эта схема: без заголовка Authorization запрос анонимный (операции только для \
                         вошедших отвечают 401); заголовок с недействительным или истёкшим токеном — всегда 401, \
                         даже там, где можно без входа: обновите токен через POST /auth/refresh. Операции без этой \
                         схемы (регистрация, вход, обновление и отзыв токенов, /health, /ready) заголовок не читают.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            SERVICE_TOKEN,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Service-Token",
                "Сервисный токен фронтенда NestJS (EVENTS_SERVICE_TOKEN) для POST /events:batch",
            ))),
        );
    }
}
