//! The picker's filter state: exactly the names and meanings of the `GET /apartments` query parameters.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::apartments::types::ApartmentSearchQuery;
use crate::catalog::CatalogFilters;
use crate::error::AppResult;

/// Фильтры подбора — текущее состояние разговора целиком. Имена и смысл полей те же, что у параметров
/// `GET /apartments`; `null` — фильтр не задан.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PickerFilters {
    /// Город, как он записан в каталоге
    #[schema(required = true, max_length = 100, example = "Казань")]
    pub city: Option<String>,
    /// Регион (ISO 3166-2), когда покупатель назвал область, а не город
    #[schema(required = true, max_length = 6, example = json!(null))]
    pub region: Option<String>,
    /// Комнатность, 0 — студия (0–20)
    #[schema(required = true, max_items = 21, example = json!([2]))]
    pub rooms: Option<Vec<i16>>,
    /// Классы жилья: econom, comfort, business, premium
    #[schema(required = true, max_items = 4, example = json!(["comfort", "business"]))]
    pub class: Option<Vec<String>>,
    /// Цена от, ₽
    #[schema(required = true, minimum = 1, example = 8000000)]
    pub price_min: Option<i64>,
    /// Цена до, ₽
    #[schema(required = true, minimum = 1, example = 12000000)]
    pub price_max: Option<i64>,
    /// Цена за м² от, ₽
    #[schema(required = true, minimum = 1, example = json!(null))]
    pub price_m2_min: Option<i64>,
    /// Цена за м² до, ₽
    #[schema(required = true, minimum = 1, example = 300000)]
    pub price_m2_max: Option<i64>,
    /// Общая площадь от, м²
    #[schema(required = true, example = 60.0)]
    pub area_min: Option<f64>,
    /// Общая площадь до, м²
    #[schema(required = true, example = json!(null))]
    pub area_max: Option<f64>,
    /// Кухня от, м²
    #[schema(required = true, example = 12.0)]
    pub kitchen_area_min: Option<f64>,
    /// Этаж от (от -5 до 200)
    #[schema(required = true, minimum = -5, maximum = 200, example = 2)]
    pub floor_min: Option<i32>,
    /// Этаж до (от -5 до 200)
    #[schema(required = true, minimum = -5, maximum = 200, example = json!(null))]
    pub floor_max: Option<i32>,
    /// Не последний этаж корпуса
    #[schema(required = true, example = true)]
    pub not_last_floor: Option<bool>,
    /// `true` — с балконом или лоджией, `false` — без
    #[schema(required = true, example = json!(null))]
    pub balcony: Option<bool>,
    /// Сдача ЖК не раньше этой даты
    #[schema(required = true, value_type = Option<String>, format = Date, example = "2027-01-01")]
    pub commissioning_from: Option<NaiveDate>,
    /// Сдача ЖК не позже этой даты
    #[schema(required = true, value_type = Option<String>, format = Date, example = "2027-12-31")]
    pub commissioning_to: Option<NaiveDate>,
    /// Только ЖК с действующей акцией
    #[schema(required = true, example = json!(null))]
    pub with_promotion: Option<bool>,
    /// Порядок, как `sort` у `GET /apartments`: `price`, `-price`, `price_per_m2`, `-area`, `commissioning`,
    /// `popularity`
    #[schema(required = true, max_length = 20, example = "price")]
    pub sort: Option<String>,
}

/// Names of the slots, in the order of [`PickerFilters`].
pub const SLOTS: [&str; 19] = [
    "city",
    "region",
    "rooms",
    "class",
    "price_min",
    "price_max",
    "price_m2_min",
    "price_m2_max",
    "area_min",
    "area_max",
    "kitchen_area_min",
    "floor_min",
    "floor_max",
    "not_last_floor",
    "balcony",
    "commissioning_from",
    "commissioning_to",
    "with_promotion",
    "sort",
];

fn decimal(value: Option<f64>) -> Option<Decimal> {
    value.and_then(|value| Decimal::try_from(value).ok())
}

impl PickerFilters {
    /// The filters as a JSON object with every slot.
    pub fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        }
    }

    /// `(slot, value)` of every slot that is set, values as JSON text: what precision and recall count.
    pub fn slots(&self) -> Vec<(String, String)> {
        self.to_map()
            .into_iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(slot, value)| (slot, value.to_string()))
            .collect()
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.slots().is_empty()
    }

    /// The same search query `GET /apartments` would get for these filters.
    pub fn search_query(&self) -> ApartmentSearchQuery {
        let join = |values: Vec<String>| values.join(",");
        ApartmentSearchQuery {
            region: self.region.clone(),
            city: self.city.clone(),
            rooms: self
                .rooms
                .as_ref()
                .map(|rooms| join(rooms.iter().map(i16::to_string).collect())),
            price_min: self.price_min.map(Decimal::from),
            price_max: self.price_max.map(Decimal::from),
            price_m2_min: self.price_m2_min.map(Decimal::from),
            price_m2_max: self.price_m2_max.map(Decimal::from),
            area_min: decimal(self.area_min),
            area_max: decimal(self.area_max),
            floor_min: self.floor_min,
            floor_max: self.floor_max,
            commissioning_from: self.commissioning_from,
            commissioning_to: self.commissioning_to,
            class: self.class.clone().map(join),
            with_promotion: self.with_promotion,
            kitchen_area_min: decimal(self.kitchen_area_min),
            not_last_floor: self.not_last_floor,
            balcony: self.balcony,
            sort: self.sort.clone(),
            ..ApartmentSearchQuery::default()
        }
    }

    /// Validated by the catalog's own filter code (the same 422 as `GET /apartments`).
    pub fn catalog_filters(&self) -> AppResult<CatalogFilters> {
        self.search_query().catalog_filters()
    }
}
