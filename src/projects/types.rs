use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::ToSchema;

use crate::catalog::filters::catalog_query;
use crate::catalog::ProjectClass;
use crate::developers::ModerationStatus;
use crate::error::{AppError, AppResult};
use crate::pagination::page_of;

/// Предложение ЖК по одной комнатности (квартиры в продаже под фильтрами).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RoomOffer {
    /// Комнат, 0 — студия
    #[schema(example = 2)]
    pub rooms: i16,
    /// Квартир
    #[schema(example = 14)]
    pub apartments: i64,
    /// Минимальная цена
    #[schema(value_type = crate::openapi::Money, example = "9100000.00")]
    pub min_price: Decimal,
    /// Максимальная цена
    #[schema(value_type = crate::openapi::Money, example = "12400000.00")]
    pub max_price: Decimal,
    /// Минимальная площадь, м²
    #[schema(value_type = crate::openapi::Area, example = "52.10")]
    pub min_area: Decimal,
    /// Максимальная площадь, м²
    #[schema(value_type = crate::openapi::Area, example = "64.80")]
    pub max_area: Decimal,
    /// Минимальная цена за м²
    #[schema(value_type = crate::openapi::Money, example = "168000.00")]
    pub min_price_per_m2: Decimal,
    /// Минимальная итоговая цена с учётом акций
    #[schema(value_type = crate::openapi::Money, example = "8645000.00")]
    pub min_final_price: Decimal,
}

/// Застройщик в карточке ЖК.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeveloperSummary {
    /// Идентификатор застройщика
    #[schema(example = 7)]
    pub id: i64,
    /// Название
    #[schema(example = "ГК «Пример»")]
    pub name: String,
    /// Компания проверена ассоциацией
    #[schema(example = true)]
    pub verified: bool,
    /// Сайт
    #[schema(required = true, example = "https://primer-dev.ru")]
    pub website: Option<String>,
    /// Логотип
    #[schema(required = true, example = "https://primer-dev.ru/logo.svg")]
    pub logo_url: Option<String>,
}

/// ЖК в списке каталога с агрегатами по квартирам в продаже под фильтрами.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectListItem {
    /// Идентификатор ЖК
    #[schema(example = 12)]
    pub id: i64,
    /// Название
    #[schema(example = "ЖК «Северный парк»")]
    pub name: String,
    /// Город
    #[schema(example = "Москва")]
    pub city: String,
    /// Регион (ISO 3166-2)
    #[schema(example = "RU-MOW")]
    pub region_code: String,
    /// Адрес
    #[schema(example = "ул. Лесная, 5")]
    pub address: String,
    /// Широта
    #[schema(example = 55.75)]
    pub latitude: f64,
    /// Долгота
    #[schema(example = 37.62)]
    pub longitude: f64,
    /// Класс жилья
    #[schema(example = "comfort")]
    pub class: ProjectClass,
    /// Плановая сдача
    #[schema(example = "2027-06-30")]
    pub commissioning_date: NaiveDate,
    /// Обложка
    #[schema(required = true, example = "https://cdn.primer-dev.ru/sever/cover.jpg")]
    pub cover_image_url: Option<String>,
    /// Застройщик
    #[schema(example = 7)]
    pub developer_id: i64,
    /// Название застройщика
    #[schema(example = "ГК «Пример»")]
    pub developer_name: String,
    /// Квартир в продаже под фильтрами
    #[schema(example = 42)]
    pub apartments_on_sale: i64,
    /// Минимальная цена
    #[schema(required = true, value_type = Option<crate::openapi::Money>, example = "6100000.00")]
    pub min_price: Option<Decimal>,
    /// Максимальная цена
    #[schema(required = true, value_type = Option<crate::openapi::Money>, example = "18400000.00")]
    pub max_price: Option<Decimal>,
    /// Минимальная цена за м²
    #[schema(required = true, value_type = Option<crate::openapi::Money>, example = "168000.00")]
    pub min_price_per_m2: Option<Decimal>,
    /// Минимальная итоговая цена с учётом акций (квартиры в продаже под фильтрами)
    #[schema(required = true, value_type = Option<crate::openapi::Money>, example = "5795000.00")]
    pub min_final_price: Option<Decimal>,
    /// Квартиры по комнатности
    pub rooms: Vec<RoomOffer>,
}

impl ProjectListItem {
    pub fn from_row(row: &Row) -> AppResult<Self> {
        Ok(Self {
            id: row.get("id"),
            name: row.get("name"),
            city: row.get("city"),
            region_code: row.get("region_code"),
            address: row.get("address"),
            latitude: row.get("latitude"),
            longitude: row.get("longitude"),
            class: ProjectClass::from_db(row.get("class"))?,
            commissioning_date: row.get("commissioning_date"),
            cover_image_url: row.get("cover_image_url"),
            developer_id: row.get("developer_id"),
            developer_name: row.get("developer_name"),
            apartments_on_sale: row.get("apartments_on_sale"),
            min_price: row.get("min_price"),
            max_price: row.get("max_price"),
            min_price_per_m2: row.get("min_price_per_m2"),
            min_final_price: row.get("min_final_price"),
            rooms: room_offers(row)?,
        })
    }
}

pub fn room_offers(row: &Row) -> AppResult<Vec<RoomOffer>> {
    let value: serde_json::Value = row.get("room_mix");
    serde_json::from_value(value)
        .map_err(|error| AppError::Internal(format!("room_mix does not parse: {error}")))
}

/// Порядок списка ЖК.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[schema(example = "price")]
pub enum ProjectSort {
    /// По названию
    #[serde(rename = "name")]
    Name,
    /// Минимальная цена по возрастанию (ЖК без квартир под фильтрами — в конце)
    #[serde(rename = "price")]
    Price,
    /// Минимальная цена по убыванию
    #[serde(rename = "-price")]
    PriceDesc,
    /// Сдача: сначала ранние
    #[serde(rename = "commissioning")]
    Commissioning,
    /// Сдача: сначала поздние
    #[serde(rename = "-commissioning")]
    CommissioningDesc,
}

catalog_query! {
    /// Фильтры, сортировка и страница списка ЖК. Фильтры квартир (комнатность, цена, площадь, этаж, корпус)
    /// оставляют ЖК, где есть хоть одна такая квартира, и определяют агрегаты.
    pub struct ProjectSearchQuery {
        /// Порядок: `name` (по умолчанию), `price`, `-price`, `commissioning`, `-commissioning`; при равенстве — по id
        #[param(value_type = Option<ProjectSort>, inline, example = "price")]
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
    /// Страница списка ЖК.
    ProjectPage, ProjectListItem,
    total = "Точное число ЖК под фильтрами",
    items = "ЖК страницы"
}

/// Вид медиа.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "photo")]
pub enum MediaKind {
    /// Фотография
    Photo,
    /// Видео
    Video,
    /// 3D-тур (Avalin)
    #[serde(rename = "tour_3d")]
    Tour3d,
    /// Планировка квартиры (нужен apartment_id)
    Layout,
}

impl MediaKind {
    /// The value of the PostgreSQL enum `media_kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Video => "video",
            MediaKind::Tour3d => "tour_3d",
            MediaKind::Layout => "layout",
        }
    }

    pub fn from_db(value: &str) -> AppResult<Self> {
        match value {
            "photo" => Ok(Self::Photo),
            "video" => Ok(Self::Video),
            "tour_3d" => Ok(Self::Tour3d),
            "layout" => Ok(Self::Layout),
            other => Err(AppError::Internal(format!("unknown media_kind {other:?}"))),
        }
    }
}

/// Медиа ЖК.
#[derive(Debug, Serialize, ToSchema)]
pub struct Media {
    /// Идентификатор
    #[schema(example = 5)]
    pub id: i64,
    /// Вид
    #[schema(example = "photo")]
    pub kind: MediaKind,
    /// Ссылка
    #[schema(example = "https://cdn.primer-dev.ru/sever/1.jpg")]
    pub url: String,
    /// Подпись
    #[schema(required = true, example = "Вид со двора")]
    pub title: Option<String>,
    /// Порядок внутри вида, от 0
    #[schema(example = 0)]
    pub position: i16,
    /// Квартира (для планировки)
    #[schema(required = true, example = json!(null))]
    pub apartment_id: Option<i64>,
}

/// Одно медиа в новом наборе.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaItem {
    /// Вид
    #[schema(example = "photo")]
    pub kind: MediaKind,
    /// Ссылка http(s)
    #[schema(
        max_length = 2000,
        pattern = r"^https?://[^\s\x00-\x1F\x7F-\x9F]+$",
        example = "https://cdn.primer-dev.ru/sever/1.jpg"
    )]
    pub url: String,
    /// Подпись, до 200 символов
    #[schema(max_length = 200, example = "Вид со двора")]
    pub title: Option<String>,
    /// Квартира этого ЖК: обязательна для `layout`, запрещена для остальных видов
    #[schema(example = json!(null))]
    pub apartment_id: Option<i64>,
}

/// Новый набор медиа ЖК целиком: порядок в массиве — порядок показа внутри каждого вида.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutMediaRequest {
    /// До 200 медиа
    #[schema(max_items = 200)]
    pub items: Vec<MediaItem>,
}

/// Корпус в карточке ЖК.
#[derive(Debug, Serialize, ToSchema)]
pub struct Building {
    /// Идентификатор корпуса
    #[schema(example = 31)]
    pub id: i64,
    /// ЖК
    #[schema(example = 12)]
    pub project_id: i64,
    /// Название
    #[schema(example = "Корпус 2")]
    pub name: String,
    /// Номер по проекту
    #[schema(required = true, example = "2.1")]
    pub number: Option<String>,
    /// Секций
    #[schema(example = 3)]
    pub sections: i32,
    /// Этажность
    #[schema(example = 25)]
    pub floors: i32,
    /// Квартал сдачи (1–4)
    #[schema(required = true, example = 2)]
    pub commissioning_quarter: Option<i16>,
    /// Год сдачи
    #[schema(required = true, example = 2027)]
    pub commissioning_year: Option<i16>,
    /// Опубликованных квартир в продаже
    #[schema(example = 120)]
    pub apartments_on_sale: i64,
}

impl Building {
    pub fn from_row(row: &Row) -> Self {
        Self {
            id: row.get("id"),
            project_id: row.get("project_id"),
            name: row.get("name"),
            number: row.get("number"),
            sections: row.get("sections"),
            floors: row.get("floors"),
            commissioning_quarter: row.get("commissioning_quarter"),
            commissioning_year: row.get("commissioning_year"),
            apartments_on_sale: row.get("apartments_on_sale"),
        }
    }
}

/// Полная карточка ЖК.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectCard {
    /// Идентификатор ЖК
    #[schema(example = 12)]
    pub id: i64,
    /// Название
    #[schema(example = "ЖК «Северный парк»")]
    pub name: String,
    /// Город
    #[schema(example = "Москва")]
    pub city: String,
    /// Регион (ISO 3166-2)
    #[schema(example = "RU-MOW")]
    pub region_code: String,
    /// Адрес
    #[schema(example = "ул. Лесная, 5")]
    pub address: String,
    /// Широта
    #[schema(example = 55.75)]
    pub latitude: f64,
    /// Долгота
    #[schema(example = 37.62)]
    pub longitude: f64,
    /// Класс жилья
    #[schema(example = "comfort")]
    pub class: ProjectClass,
    /// Плановая сдача
    #[schema(example = "2027-06-30")]
    pub commissioning_date: NaiveDate,
    /// Обложка
    #[schema(required = true, example = "https://cdn.primer-dev.ru/sever/cover.jpg")]
    pub cover_image_url: Option<String>,
    /// Описание
    #[schema(required = true, example = "Квартал у парка, своя школа и детский сад")]
    pub description: Option<String>,
    /// Состояние модерации
    #[schema(example = "published")]
    pub moderation_status: ModerationStatus,
    /// Комментарий модератора; виден только сотрудникам застройщика и модераторам
    #[schema(required = true, example = json!(null))]
    pub moderation_comment: Option<String>,
    /// Первая публикация
    #[schema(required = true, example = "2025-03-02T12:00:00Z")]
    pub published_at: Option<DateTime<Utc>>,
    /// Застройщик
    pub developer: DeveloperSummary,
    /// Квартир в продаже (опубликованных)
    #[schema(example = 420)]
    pub apartments_on_sale: i64,
    /// Минимальная цена
    #[schema(required = true, value_type = Option<crate::openapi::Money>, example = "6100000.00")]
    pub min_price: Option<Decimal>,
    /// Минимальная цена за м²
    #[schema(required = true, value_type = Option<crate::openapi::Money>, example = "168000.00")]
    pub min_price_per_m2: Option<Decimal>,
    /// Минимальная итоговая цена с учётом акций
    #[schema(required = true, value_type = Option<crate::openapi::Money>, example = "5795000.00")]
    pub min_final_price: Option<Decimal>,
    /// Действующие акции, которые могут относиться к квартирам ЖК (к какой квартире какая и на сколько — в
    /// карточке квартиры)
    pub promotions: Vec<crate::promotions::PromotionSummary>,
    /// Квартиры в продаже по комнатности
    pub rooms: Vec<RoomOffer>,
    /// Корпуса
    pub buildings: Vec<Building>,
    /// Фото, видео, 3D-тур, планировки
    pub media: Vec<Media>,
}

/// Новый ЖК. Создаётся черновиком; публикует модератор.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProjectRequest {
    /// Застройщик: своя компания (модератор — любая)
    #[schema(example = 7)]
    pub developer_id: i64,
    /// Название, до 200 символов
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"\S",
        example = "ЖК «Северный парк»"
    )]
    pub name: String,
    /// Город, до 100 символов
    #[schema(min_length = 1, max_length = 100, pattern = r"\S", example = "Москва")]
    pub city: String,
    /// Код субъекта РФ по ISO 3166-2
    #[schema(value_type = crate::openapi::RegionCode, example = "RU-MOW")]
    pub region_code: String,
    /// Адрес, до 500 символов
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"\S",
        example = "ул. Лесная, 5"
    )]
    pub address: String,
    /// Широта: в пределах России (41,1…82)
    #[schema(value_type = crate::openapi::Latitude, example = 55.75)]
    pub latitude: f64,
    /// Долгота: в пределах России (19,6…180 или -180…-168,9)
    #[schema(value_type = crate::openapi::Longitude, example = 37.62)]
    pub longitude: f64,
    /// Класс жилья
    #[schema(example = "comfort")]
    pub class: ProjectClass,
    /// Плановая сдача (2000–2100)
    #[schema(
        pattern = r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$",
        example = "2027-06-30"
    )]
    pub commissioning_date: NaiveDate,
    /// Обложка, ссылка http(s)
    #[schema(
        max_length = 2000,
        pattern = r"^https?://[^\s\x00-\x1F\x7F-\x9F]+$",
        example = "https://cdn.primer-dev.ru/sever/cover.jpg"
    )]
    pub cover_image_url: Option<String>,
    /// Описание, до 10 000 символов
    #[schema(
        max_length = 10000,
        example = "Квартал у парка, своя школа и детский сад"
    )]
    pub description: Option<String>,
}

/// Изменение ЖК; переданы только меняемые поля. Изменение опубликованного ЖК сотрудником застройщика
/// возвращает его на проверку.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProjectRequest {
    /// Новое название
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"\S",
        example = "ЖК «Северный парк 2»"
    )]
    pub name: Option<String>,
    /// Новый город
    #[schema(min_length = 1, max_length = 100, pattern = r"\S", example = "Москва")]
    pub city: Option<String>,
    /// Новый код субъекта РФ
    #[schema(value_type = Option<crate::openapi::RegionCode>, example = "RU-MOS")]
    pub region_code: Option<String>,
    /// Новый адрес
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"\S",
        example = "ул. Лесная, 7"
    )]
    pub address: Option<String>,
    /// Новая широта (вместе с долготой)
    #[schema(value_type = Option<crate::openapi::Latitude>, example = 55.76)]
    pub latitude: Option<f64>,
    /// Новая долгота (вместе с широтой)
    #[schema(value_type = Option<crate::openapi::Longitude>, example = 37.63)]
    pub longitude: Option<f64>,
    /// Новый класс
    #[schema(example = "business")]
    pub class: Option<ProjectClass>,
    /// Новая дата сдачи
    #[schema(
        pattern = r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$",
        example = "2027-09-30"
    )]
    pub commissioning_date: Option<NaiveDate>,
    /// Новая обложка; `null` — удалить
    #[serde(default, deserialize_with = "crate::auth::nullable")]
    #[schema(max_length = 2000, pattern = r"^https?://[^\s\x00-\x1F\x7F-\x9F]+$", value_type = Option<String>, example = "https://cdn.primer-dev.ru/sever/cover2.jpg")]
    pub cover_image_url: Option<Option<String>>,
    /// Новое описание; `null` — удалить
    #[serde(default, deserialize_with = "crate::auth::nullable")]
    #[schema(max_length = 10000, value_type = Option<String>, example = "Квартал у парка")]
    pub description: Option<Option<String>>,
}

impl ProjectSort {
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
