use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::ToSchema;

use crate::catalog::filters::catalog_query;
use crate::catalog::{ApartmentStatus, Currency, ProjectClass};
use crate::developers::ModerationStatus;
use crate::error::AppResult;
use crate::pagination::page_of;

/// Последнее изменение цены квартиры.
#[derive(Debug, Serialize, ToSchema)]
pub struct LastPriceChange {
    /// Цена до изменения
    #[schema(value_type = crate::openapi::Money, example = "9200000.00")]
    pub old_price: Decimal,
    /// Цена после изменения
    #[schema(value_type = crate::openapi::Money, example = "9476000.00")]
    pub new_price: Decimal,
    /// Изменение в процентах со знаком, до сотых
    #[schema(value_type = crate::openapi::DecimalNumber, example = "3.00")]
    pub change_percent: Decimal,
    /// Когда изменилась
    #[schema(example = "2025-03-02T12:00:00Z")]
    pub changed_at: DateTime<Utc>,
    /// Причина: dynamic — алгоритм, manual — застройщик или откат, promo — акция
    #[schema(example = "dynamic")]
    pub reason: String,
}

/// Сводка ЖК в карточке квартиры.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectSummary {
    /// Идентификатор ЖК
    #[schema(example = 12)]
    pub id: i64,
    /// Название ЖК
    #[schema(example = "ЖК «Северный парк»")]
    pub name: String,
    /// Город
    #[schema(example = "Москва")]
    pub city: String,
    /// Регион (ISO 3166-2)
    #[schema(example = "RU-MOW")]
    pub region_code: String,
    /// Класс жилья
    #[schema(example = "comfort")]
    pub class: ProjectClass,
    /// Плановая сдача ЖК
    #[schema(example = "2027-06-30")]
    pub commissioning_date: NaiveDate,
    /// Застройщик
    #[schema(example = 7)]
    pub developer_id: i64,
    /// Название застройщика
    #[schema(example = "ГК «Пример»")]
    pub developer_name: String,
}

/// Сводка корпуса в карточке квартиры.
#[derive(Debug, Serialize, ToSchema)]
pub struct BuildingSummary {
    /// Идентификатор корпуса
    #[schema(example = 31)]
    pub id: i64,
    /// Название корпуса
    #[schema(example = "Корпус 2")]
    pub name: String,
    /// Номер по проекту
    #[schema(required = true, example = "2.1")]
    pub number: Option<String>,
    /// Этажность
    #[schema(example = 25)]
    pub floors: i32,
    /// Квартал сдачи (1–4)
    #[schema(required = true, example = 2)]
    pub commissioning_quarter: Option<i16>,
    /// Год сдачи
    #[schema(required = true, example = 2027)]
    pub commissioning_year: Option<i16>,
}

/// Карточка квартиры: в каталоге, в кабинете застройщика и в ответах на изменения.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApartmentCard {
    /// Идентификатор квартиры
    #[schema(example = 1001)]
    pub id: i64,
    /// Артикул застройщика (уникален в ЖК)
    #[schema(example = "K2-S1-0512")]
    pub code: String,
    /// Комнат, 0 — студия
    #[schema(example = 2)]
    pub rooms: i16,
    /// Этаж
    #[schema(example = 5)]
    pub floor: i32,
    /// Общая площадь, м²
    #[schema(value_type = crate::openapi::Area, example = "54.30")]
    pub area_total: Decimal,
    /// Жилая площадь, м²
    #[schema(required = true, value_type = Option<crate::openapi::Area>, example = "30.10")]
    pub area_living: Option<Decimal>,
    /// Кухня, м²
    #[schema(required = true, value_type = Option<crate::openapi::Area>, example = "11.20")]
    pub area_kitchen: Option<Decimal>,
    /// Высота потолков, м
    #[schema(required = true, value_type = Option<crate::openapi::DecimalNumber>, example = "2.85")]
    pub ceiling_height: Option<Decimal>,
    /// Балкон или лоджия
    #[schema(example = true)]
    pub balcony: bool,
    /// Планировка
    #[schema(
        required = true,
        example = "https://cdn.primer-dev.ru/layouts/k2-0512.png"
    )]
    pub layout_image_url: Option<String>,
    /// 3D-тур
    #[schema(required = true, example = "https://avalin.ru/tour/k2-0512")]
    pub tour_url: Option<String>,
    /// Текущая цена
    #[schema(value_type = crate::openapi::Money, example = "9476000.00")]
    pub current_price: Decimal,
    /// Базовая цена застройщика
    #[schema(value_type = crate::openapi::Money, example = "9200000.00")]
    pub base_price: Decimal,
    /// Акции, которые сейчас применяются к квартире в продаже, и скидка по каждой, ₽
    pub promotions: Vec<crate::promotions::AppliedPromotion>,
    /// Итоговая цена: текущая минус скидки акций (с потолком и полом, до копеек); без акций — равна текущей
    #[schema(value_type = crate::openapi::Money, example = "9011000.00")]
    pub final_price: Decimal,
    /// Текущая цена за м², до копеек
    #[schema(value_type = crate::openapi::Money, example = "174511.97")]
    pub price_per_m2: Decimal,
    /// Валюта ISO 4217
    pub currency: Currency,
    /// Статус продажи
    #[schema(example = "available")]
    pub status: ApartmentStatus,
    /// Популярность за 24 ч: 0,5·просмотры + 2·заявки + 5·брони
    #[schema(value_type = crate::openapi::DecimalNumber, example = "17.5")]
    pub popularity_24h: Decimal,
    /// Последнее изменение цены; нет, если цена не менялась
    #[schema(required = true)]
    pub last_change: Option<LastPriceChange>,
    /// ЖК
    pub project: ProjectSummary,
    /// Корпус
    pub building: BuildingSummary,
    /// Состояние модерации квартиры
    #[schema(example = "published")]
    pub moderation_status: ModerationStatus,
    /// Комментарий модератора; виден только сотрудникам застройщика и модераторам
    #[schema(required = true, example = json!(null))]
    pub moderation_comment: Option<String>,
}

impl ApartmentCard {
    /// A row of `card.sql`; the moderation comment only for staff.
    pub fn from_row(row: &Row, staff: bool) -> AppResult<Self> {
        let last_change = match (
            row.get::<_, Option<Decimal>>("last_old_price"),
            row.get::<_, Option<Decimal>>("last_new_price"),
        ) {
            (Some(old_price), Some(new_price)) => Some(LastPriceChange {
                old_price,
                new_price,
                change_percent: {
                    let mut percent =
                        ((new_price - old_price) * Decimal::ONE_HUNDRED / old_price).round_dp(2);
                    percent.rescale(2);
                    percent
                },
                changed_at: row.get("last_changed_at"),
                reason: row.get("last_reason"),
            }),
            _ => None,
        };
        Ok(Self {
            id: row.get("id"),
            code: row.get("code"),
            rooms: row.get("rooms"),
            floor: row.get("floor"),
            area_total: row.get("area_total"),
            area_living: row.get("area_living"),
            area_kitchen: row.get("area_kitchen"),
            ceiling_height: row.get("ceiling_height"),
            balcony: row.get("balcony"),
            layout_image_url: row.get("layout_image_url"),
            tour_url: row.get("tour_url"),
            current_price: row.get("current_price"),
            base_price: row.get("base_price"),
            promotions: serde_json::from_value(row.get("promotions")).map_err(|error| {
                crate::error::AppError::Internal(format!("card promotions: {error}"))
            })?,
            final_price: row.get("final_price"),
            price_per_m2: row.get("price_per_m2"),
            currency: Currency::from_db(row.get("currency"))?,
            status: ApartmentStatus::from_db(row.get("status"))?,
            popularity_24h: row.get("popularity_24h"),
            last_change,
            project: ProjectSummary {
                id: row.get("project_id"),
                name: row.get("project_name"),
                city: row.get("city"),
                region_code: row.get("region_code"),
                class: ProjectClass::from_db(row.get("class"))?,
                commissioning_date: row.get("commissioning_date"),
                developer_id: row.get("developer_id"),
                developer_name: row.get("developer_name"),
            },
            building: BuildingSummary {
                id: row.get("building_id"),
                name: row.get("building_name"),
                number: row.get("building_number"),
                floors: row.get("floors"),
                commissioning_quarter: row.get("commissioning_quarter"),
                commissioning_year: row.get("commissioning_year"),
            },
            moderation_status: ModerationStatus::from_db(row.get("moderation_status"))?,
            moderation_comment: if staff {
                row.get("moderation_comment")
            } else {
                None
            },
        })
    }
}

/// Новая квартира в корпусе. Создаётся черновиком; цена — базовая, если текущая не указана.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApartmentRequest {
    /// Артикул застройщика, уникален в ЖК, до 64 символов
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
    /// Комнат, 0 — студия (0–20)
    #[schema(minimum = 0, maximum = 20, example = 2)]
    pub rooms: i16,
    /// Общая площадь, м², больше нуля
    #[schema(value_type = crate::openapi::Area, example = "54.30")]
    pub area_total: Decimal,
    /// Жилая площадь, м²: больше нуля, вместе с кухней не больше общей
    #[schema(value_type = Option<crate::openapi::Area>, example = "30.10")]
    pub area_living: Option<Decimal>,
    /// Кухня, м²: больше нуля, вместе с жилой не больше общей
    #[schema(value_type = Option<crate::openapi::Area>, example = "11.20")]
    pub area_kitchen: Option<Decimal>,
    /// Высота потолков, м (2–10)
    #[schema(value_type = Option<crate::openapi::DecimalNumber>, example = "2.85")]
    pub ceiling_height: Option<Decimal>,
    /// Балкон или лоджия
    #[schema(example = true)]
    pub balcony: Option<bool>,
    /// Планировка, ссылка http(s)
    #[schema(
        max_length = 2000,
        pattern = r"^https?://[^\s\x00-\x1F\x7F-\x9F]+$",
        example = "https://cdn.primer-dev.ru/layouts/k2-0512.png"
    )]
    pub layout_image_url: Option<String>,
    /// 3D-тур (Avalin), ссылка http(s)
    #[schema(
        max_length = 2000,
        pattern = r"^https?://[^\s\x00-\x1F\x7F-\x9F]+$",
        example = "https://avalin.ru/tour/k2-0512"
    )]
    pub tour_url: Option<String>,
    /// Базовая цена, больше нуля, до копеек
    #[schema(value_type = crate::openapi::Money, example = "9200000.00")]
    pub base_price: Decimal,
    /// Текущая цена; по умолчанию равна базовой
    #[schema(value_type = Option<crate::openapi::Money>, example = "9200000.00")]
    pub current_price: Option<Decimal>,
    /// Статус продажи; по умолчанию `available`
    #[schema(example = "available")]
    pub status: Option<ApartmentStatus>,
}

/// Изменение квартиры; переданы только меняемые поля. Цена и статус опубликованной квартиры меняются сразу
/// (цена — с записью в историю, причина `manual`); изменение остальных полей опубликованной квартиры
/// возвращает её на проверку.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateApartmentRequest {
    /// Новый артикул
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "K2-S1-0512"
    )]
    pub code: Option<String>,
    /// Новый этаж
    #[schema(minimum = -5, maximum = 200, example = 6)]
    pub floor: Option<i32>,
    /// Новая комнатность
    #[schema(minimum = 0, maximum = 20, example = 2)]
    pub rooms: Option<i16>,
    /// Новая общая площадь, м²
    #[schema(value_type = Option<crate::openapi::Area>, example = "54.30")]
    pub area_total: Option<Decimal>,
    /// Новая жилая площадь, м²; `null` — удалить
    #[serde(default, deserialize_with = "crate::auth::nullable")]
    #[schema(value_type = Option<crate::openapi::Area>, example = "30.10")]
    pub area_living: Option<Option<Decimal>>,
    /// Новая площадь кухни, м²; `null` — удалить
    #[serde(default, deserialize_with = "crate::auth::nullable")]
    #[schema(value_type = Option<crate::openapi::Area>, example = "11.20")]
    pub area_kitchen: Option<Option<Decimal>>,
    /// Новая высота потолков, м; `null` — удалить
    #[serde(default, deserialize_with = "crate::auth::nullable")]
    #[schema(value_type = Option<crate::openapi::DecimalNumber>, example = "2.85")]
    pub ceiling_height: Option<Option<Decimal>>,
    /// Балкон или лоджия
    #[schema(example = true)]
    pub balcony: Option<bool>,
    /// Новая планировка; `null` — удалить
    #[serde(default, deserialize_with = "crate::auth::nullable")]
    #[schema(max_length = 2000, pattern = r"^https?://[^\s\x00-\x1F\x7F-\x9F]+$", value_type = Option<String>, example = "https://cdn.primer-dev.ru/layouts/k2-0512.png")]
    pub layout_image_url: Option<Option<String>>,
    /// Новый 3D-тур; `null` — удалить
    #[serde(default, deserialize_with = "crate::auth::nullable")]
    #[schema(max_length = 2000, pattern = r"^https?://[^\s\x00-\x1F\x7F-\x9F]+$", value_type = Option<String>, example = "https://avalin.ru/tour/k2-0512")]
    pub tour_url: Option<Option<String>>,
    /// Новая базовая цена
    #[schema(value_type = Option<crate::openapi::Money>, example = "9300000.00")]
    pub base_price: Option<Decimal>,
    /// Новая текущая цена: применяется сразу и пишется в историю цен (причина `manual`)
    #[schema(value_type = Option<crate::openapi::Money>, example = "9500000.00")]
    pub current_price: Option<Decimal>,
    /// Новый статус продажи: применяется сразу
    #[schema(example = "booked")]
    pub status: Option<ApartmentStatus>,
}

/// Порядок выдачи каталога квартир.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[schema(example = "price")]
pub enum ApartmentSort {
    /// Цена по возрастанию
    #[serde(rename = "price")]
    Price,
    /// Цена по убыванию
    #[serde(rename = "-price")]
    PriceDesc,
    /// Цена за м² по возрастанию
    #[serde(rename = "price_per_m2")]
    PricePerM2,
    /// Цена за м² по убыванию
    #[serde(rename = "-price_per_m2")]
    PricePerM2Desc,
    /// Площадь по возрастанию
    #[serde(rename = "area")]
    Area,
    /// Площадь по убыванию
    #[serde(rename = "-area")]
    AreaDesc,
    /// Сдача ЖК: сначала ранние
    #[serde(rename = "commissioning")]
    Commissioning,
    /// Сдача ЖК: сначала поздние
    #[serde(rename = "-commissioning")]
    CommissioningDesc,
    /// Популярность за 24 ч: сначала самые востребованные
    #[serde(rename = "popularity")]
    Popularity,
    /// Итоговая цена (с учётом акций) по возрастанию
    #[serde(rename = "final_price")]
    FinalPrice,
    /// Итоговая цена (с учётом акций) по убыванию
    #[serde(rename = "-final_price")]
    FinalPriceDesc,
}

catalog_query! {
    /// Фильтры, сортировка и страница каталога квартир.
    pub struct ApartmentSearchQuery {
        /// Порядок: `price` (по умолчанию), `-price`, `price_per_m2`, `-price_per_m2`, `area`, `-area`,
        /// `commissioning`, `-commissioning`, `popularity`, `final_price`, `-final_price`; при равенстве — по id,
        /// порядок стабилен
        #[param(value_type = Option<ApartmentSort>, inline, example = "price")]
        pub sort: Option<String>,
        /// Размер страницы: 1–100, по умолчанию 20; больше 100 — ошибка 422
        #[param(example = 20, minimum = 1, maximum = 100)]
        pub limit: Option<i64>,
        /// Сколько записей пропустить: 0–10000
        #[param(example = 0, minimum = 0, maximum = 10000)]
        pub offset: Option<i64>,
    }
}

page_of! {
    /// Страница каталога квартир.
    ApartmentPage, ApartmentCard,
    total = "Число квартир под фильтрами, точное на момент подсчёта; для того же набора фильтров сервис повторяет \
             его до `CATALOG_TOTAL_CACHE_SECONDS` секунд, поэтому оно может быть старше страницы на это время",
    items = "Квартиры страницы"
}

impl ApartmentSort {
    /// The `sort` query parameter; 422 names the field.
    pub fn parse(raw: Option<&str>) -> crate::error::AppResult<Option<Self>> {
        raw.map(|raw| {
            serde_json::from_value(serde_json::Value::String(raw.trim().to_owned())).map_err(|_| {
                crate::error::AppError::field("sort", format!("недопустимый порядок «{raw}»"))
            })
        })
        .transpose()
    }
}
