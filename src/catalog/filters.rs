//! The catalog filter set, parsed once and turned into SQL conditions over the `catalog_apartments` view
//! (alias `c`) and `projects` (alias `p`). Only the filters actually given become conditions, so every
//! query gets a plan for exactly its filters instead of a generic `($1 IS NULL OR …)` plan.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tokio_postgres::types::ToSql;

use super::types::{ApartmentStatus, ProjectClass};
use crate::validation::{normalize_region_code, FieldErrors};

/// Declares a query-string struct with the catalog filters followed by the endpoint's own fields.
macro_rules! catalog_query {
    ($(#[$meta:meta])* pub struct $name:ident { $($extra:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// Регион (код ISO 3166-2), например `RU-MOW`
            #[param(value_type = Option<$crate::openapi::RegionCode>, example = "RU-MOW")]
            pub region: Option<String>,
            /// Город, без учёта регистра, до 100 символов
            #[param(min_length = 1, max_length = 100,
                    pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
                    example = "Москва")]
            pub city: Option<String>,
            /// Застройщик
            #[param(example = 7)]
            pub developer_id: Option<i64>,
            /// ЖК
            #[param(example = 12)]
            pub project_id: Option<i64>,
            /// Корпус
            #[param(example = 31)]
            pub building_id: Option<i64>,
            /// Комнатность, 0 — студия; несколько значений через запятую: `rooms=0,1,2`
            #[param(value_type = Option<Vec<$crate::catalog::types::RoomCount>>, style = Form, explode = false,
                    min_items = 1, max_items = 21, example = json!([1, 2]))]
            pub rooms: Option<String>,
            /// Цена от, ₽ (включительно)
            #[param(value_type = Option<crate::openapi::Money>, example = "8000000")]
            pub price_min: Option<rust_decimal::Decimal>,
            /// Цена до, ₽ (включительно)
            #[param(value_type = Option<crate::openapi::Money>, example = "12000000")]
            pub price_max: Option<rust_decimal::Decimal>,
            /// Цена за м² от, ₽
            #[param(value_type = Option<crate::openapi::Money>, example = "150000")]
            pub price_m2_min: Option<rust_decimal::Decimal>,
            /// Цена за м² до, ₽
            #[param(value_type = Option<crate::openapi::Money>, example = "350000")]
            pub price_m2_max: Option<rust_decimal::Decimal>,
            /// Общая площадь от, м²
            #[param(value_type = Option<crate::openapi::Area>, example = "35")]
            pub area_min: Option<rust_decimal::Decimal>,
            /// Общая площадь до, м²
            #[param(value_type = Option<crate::openapi::Area>, example = "80")]
            pub area_max: Option<rust_decimal::Decimal>,
            /// Этаж от (от -5 до 200)
            #[param(example = 2, minimum = -5, maximum = 200)]
            pub floor_min: Option<i32>,
            /// Этаж до (от -5 до 200)
            #[param(example = 20, minimum = -5, maximum = 200)]
            pub floor_max: Option<i32>,
            /// Сдача ЖК не раньше этой даты
            #[param(value_type = Option<String>, format = Date, example = "2026-01-01")]
            pub commissioning_from: Option<chrono::NaiveDate>,
            /// Сдача ЖК не позже этой даты
            #[param(value_type = Option<String>, format = Date, example = "2027-12-31")]
            pub commissioning_to: Option<chrono::NaiveDate>,
            /// Классы жилья; несколько значений через запятую: `class=comfort,business`
            #[param(value_type = Option<Vec<$crate::catalog::ProjectClass>>, style = Form, explode = false,
                    min_items = 1, max_items = 21, example = json!(["comfort", "business"]))]
            pub class: Option<String>,
            /// Статусы продажи; несколько значений через запятую: `status=available,booked`; по умолчанию
            /// `available` (в продаже)
            #[param(value_type = Option<Vec<$crate::catalog::ApartmentStatus>>, style = Form, explode = false,
                    min_items = 1, max_items = 21, example = json!(["available"]))]
            pub status: Option<String>,
            /// Итоговая цена (с учётом акций) от, ₽ (включительно)
            #[param(value_type = Option<crate::openapi::Money>, example = "7500000")]
            pub final_price_min: Option<rust_decimal::Decimal>,
            /// Итоговая цена (с учётом акций) до, ₽ (включительно)
            #[param(value_type = Option<crate::openapi::Money>, example = "11000000")]
            pub final_price_max: Option<rust_decimal::Decimal>,
            /// Только квартиры, к которым сейчас применяется акция (не просто ЖК с акцией)
            #[param(example = true)]
            pub with_promotion: Option<bool>,
            /// Кухня от, м²
            #[param(value_type = Option<crate::openapi::Area>, example = "12")]
            pub kitchen_area_min: Option<rust_decimal::Decimal>,
            /// Только не последний этаж корпуса (`true`); `false` — как без фильтра
            #[param(example = true)]
            pub not_last_floor: Option<bool>,
            /// `true` — только с балконом или лоджией, `false` — только без них
            #[param(example = true)]
            pub balcony: Option<bool>,
            $($extra)*
        }

        impl $name {
            /// The catalog filters of this query, validated; 422 names the field.
            pub fn catalog_filters(&self) -> $crate::error::AppResult<$crate::catalog::CatalogFilters> {
                $crate::catalog::filters::RawFilters {
                    region: self.region.as_deref(),
                    city: self.city.as_deref(),
                    developer_id: self.developer_id,
                    project_id: self.project_id,
                    building_id: self.building_id,
                    rooms: self.rooms.as_deref(),
                    price_min: self.price_min,
                    price_max: self.price_max,
                    price_m2_min: self.price_m2_min,
                    price_m2_max: self.price_m2_max,
                    area_min: self.area_min,
                    area_max: self.area_max,
                    floor_min: self.floor_min,
                    floor_max: self.floor_max,
                    commissioning_from: self.commissioning_from,
                    commissioning_to: self.commissioning_to,
                    class: self.class.as_deref(),
                    status: self.status.as_deref(),
                    final_price_min: self.final_price_min,
                    final_price_max: self.final_price_max,
                    with_promotion: self.with_promotion,
                    kitchen_area_min: self.kitchen_area_min,
                    not_last_floor: self.not_last_floor,
                    balcony: self.balcony,
                }
                .parse()
            }
        }
    };
}
pub(crate) use catalog_query;

pub struct RawFilters<'a> {
    pub region: Option<&'a str>,
    pub city: Option<&'a str>,
    pub developer_id: Option<i64>,
    pub project_id: Option<i64>,
    pub building_id: Option<i64>,
    pub rooms: Option<&'a str>,
    pub price_min: Option<Decimal>,
    pub price_max: Option<Decimal>,
    pub price_m2_min: Option<Decimal>,
    pub price_m2_max: Option<Decimal>,
    pub area_min: Option<Decimal>,
    pub area_max: Option<Decimal>,
    pub floor_min: Option<i32>,
    pub floor_max: Option<i32>,
    pub commissioning_from: Option<NaiveDate>,
    pub commissioning_to: Option<NaiveDate>,
    pub class: Option<&'a str>,
    pub status: Option<&'a str>,
    pub final_price_min: Option<Decimal>,
    pub final_price_max: Option<Decimal>,
    pub with_promotion: Option<bool>,
    pub kitchen_area_min: Option<Decimal>,
    pub not_last_floor: Option<bool>,
    pub balcony: Option<bool>,
}

/// Validated catalog filters.
#[derive(Debug, Clone, Default)]
pub struct CatalogFilters {
    pub region: Option<String>,
    pub city: Option<String>,
    pub developer_id: Option<i64>,
    pub project_id: Option<i64>,
    pub building_id: Option<i64>,
    pub rooms: Vec<i16>,
    pub price: (Option<Decimal>, Option<Decimal>),
    pub price_m2: (Option<Decimal>, Option<Decimal>),
    pub area: (Option<Decimal>, Option<Decimal>),
    pub floor: (Option<i32>, Option<i32>),
    pub commissioning: (Option<NaiveDate>, Option<NaiveDate>),
    pub classes: Vec<String>,
    pub statuses: Vec<String>,
    /// The price after promotions (`final_price`), bounds included.
    pub final_price: (Option<Decimal>, Option<Decimal>),
    /// Only apartments a promotion applies to now.
    pub with_promotion: bool,
    /// Kitchen area at least this, m².
    pub kitchen_area_min: Option<Decimal>,
    /// Not on the top floor of its building.
    pub not_last_floor: bool,
    /// With (`Some(true)`) or without (`Some(false)`) a balcony.
    pub balcony: Option<bool>,
}

/// Values of one comma-joined filter (`maxItems` of `rooms`, `class`, `status`).
const MAX_LIST_ITEMS: usize = 21;
/// The most rooms an apartment has.
pub const MAX_ROOMS: i16 = 20;
/// Floors of the catalog filter: the lowest underground floor and the highest building.
pub const FLOORS: std::ops::RangeInclusive<i32> = -5..=200;

fn list<T>(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    expected: &str,
) -> Vec<T> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    let items: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect();
    if items.is_empty() || items.len() > MAX_LIST_ITEMS {
        errors.add(field, format!("ожидается список через запятую: {expected}"));
        return Vec::new();
    }
    let mut parsed = Vec::with_capacity(items.len());
    for item in items {
        match parse(item) {
            Some(value) => parsed.push(value),
            None => {
                errors.add(
                    field,
                    format!("недопустимое значение «{item}»: ожидается {expected}"),
                );
                return Vec::new();
            }
        }
    }
    parsed
}

/// `field_min` and its `_max`: each `allowed`, else the error says `expected`; the lower not above the upper.
fn range<T: PartialOrd + Copy>(
    errors: &mut FieldErrors,
    field_min: &str,
    (min, max): (Option<T>, Option<T>),
    allowed: impl Fn(T) -> bool,
    expected: &str,
) -> (Option<T>, Option<T>) {
    for (field, value) in [
        (field_min.to_owned(), min),
        (field_min.replace("_min", "_max"), max),
    ] {
        if value.is_some_and(|value| !allowed(value)) {
            errors.add(&field, expected);
        }
    }
    if let (Some(min), Some(max)) = (min, max) {
        if min > max {
            errors.add(field_min, "нижняя граница больше верхней");
        }
    }
    (min, max)
}

impl RawFilters<'_> {
    pub fn parse(self) -> crate::error::AppResult<CatalogFilters> {
        let mut errors = FieldErrors::default();
        let region = self
            .region
            .map(|region| errors.check("region", normalize_region_code(region)));
        let city = self.city.map(str::trim).map(str::to_owned);
        if city
            .as_deref()
            .is_some_and(|city| city.is_empty() || city.chars().count() > 100)
        {
            errors.add("city", "от 1 до 100 символов");
        } else if city
            .as_deref()
            .is_some_and(|city| city.chars().any(char::is_control))
        {
            errors.add(
                "city",
                "название города не может содержать управляющие символы",
            );
        }
        let rooms = list(
            &mut errors,
            "rooms",
            self.rooms,
            |item| {
                item.parse::<i16>()
                    .ok()
                    .filter(|rooms| (0..=MAX_ROOMS).contains(rooms))
            },
            "числа от 0 до 20, например 0,1,2",
        );
        let positive = |value: Decimal| value > Decimal::ZERO;
        const POSITIVE: &str = "ожидается число больше нуля";
        let price = range(
            &mut errors,
            "price_min",
            (self.price_min, self.price_max),
            positive,
            POSITIVE,
        );
        let price_m2 = range(
            &mut errors,
            "price_m2_min",
            (self.price_m2_min, self.price_m2_max),
            positive,
            POSITIVE,
        );
        let final_price = range(
            &mut errors,
            "final_price_min",
            (self.final_price_min, self.final_price_max),
            positive,
            POSITIVE,
        );
        let area = range(
            &mut errors,
            "area_min",
            (self.area_min, self.area_max),
            positive,
            POSITIVE,
        );
        let floor = range(
            &mut errors,
            "floor_min",
            (self.floor_min, self.floor_max),
            |floor: i32| FLOORS.contains(&floor),
            &format!("ожидается этаж от {} до {}", FLOORS.start(), FLOORS.end()),
        );
        if self.kitchen_area_min.is_some_and(|value| !positive(value)) {
            errors.add("kitchen_area_min", POSITIVE);
        }
        if let (Some(from), Some(to)) = (self.commissioning_from, self.commissioning_to) {
            if from > to {
                errors.add("commissioning_from", "дата «с» позже даты «по»");
            }
        }
        let classes = list(
            &mut errors,
            "class",
            self.class,
            |item| ProjectClass::parse(item).map(|class| class.as_str().to_owned()),
            "econom, comfort, business или premium",
        );
        let mut statuses = list(
            &mut errors,
            "status",
            self.status,
            |item| ApartmentStatus::parse(item).map(|status| status.as_str().to_owned()),
            "available, booked или sold",
        );
        if self.status.is_none() {
            statuses.push(ApartmentStatus::Available.as_str().to_owned());
        }
        errors.finish()?;
        Ok(CatalogFilters {
            region: region.filter(|region| !region.is_empty()),
            city,
            developer_id: self.developer_id,
            project_id: self.project_id,
            building_id: self.building_id,
            rooms,
            price,
            price_m2,
            area,
            floor,
            commissioning: (self.commissioning_from, self.commissioning_to),
            classes,
            statuses,
            final_price,
            with_promotion: self.with_promotion.unwrap_or(false),
            kitchen_area_min: self.kitchen_area_min,
            not_last_floor: self.not_last_floor.unwrap_or(false),
            balcony: self.balcony,
        })
    }
}

/// Query parameters collected while the SQL text is assembled.
#[derive(Default)]
pub struct SqlParams {
    values: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl SqlParams {
    /// Adds a parameter and answers its placeholder, `$n`.
    pub fn push(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.values.push(Box::new(value));
        format!("${}", self.values.len())
    }

    /// How many parameters there are so far.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn as_refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.values
            .iter()
            .map(|value| value.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

/// `column >= min` and `column <= max` for the bounds that are set.
fn push_bounds<T: ToSql + Sync + Send + 'static>(
    conditions: &mut Vec<String>,
    params: &mut SqlParams,
    column: &str,
    (min, max): (Option<T>, Option<T>),
) {
    if let Some(min) = min {
        conditions.push(format!("{column} >= {}", params.push(min)));
    }
    if let Some(max) = max {
        conditions.push(format!("{column} <= {}", params.push(max)));
    }
}

impl CatalogFilters {
    /// Conditions on the project, joined with AND; empty when there are none. `alias` is a row with the
    /// project's columns (`projects p`, or `catalog_apartments c` which repeats them), `id` its project id.
    pub fn project_conditions(&self, params: &mut SqlParams, alias: &str, id: &str) -> Vec<String> {
        let mut conditions = Vec::new();
        if let Some(region) = &self.region {
            conditions.push(format!(
                "{alias}.region_code = {}",
                params.push(region.clone())
            ));
        }
        if let Some(city) = &self.city {
            conditions.push(format!(
                "lower({alias}.city) = lower({})",
                params.push(city.clone())
            ));
        }
        if let Some(developer_id) = self.developer_id {
            conditions.push(format!(
                "{alias}.developer_id = {}",
                params.push(developer_id)
            ));
        }
        if let Some(project_id) = self.project_id {
            conditions.push(format!("{id} = {}", params.push(project_id)));
        }
        if let Some(from) = self.commissioning.0 {
            conditions.push(format!(
                "{alias}.commissioning_date >= {}",
                params.push(from)
            ));
        }
        if let Some(to) = self.commissioning.1 {
            conditions.push(format!("{alias}.commissioning_date <= {}", params.push(to)));
        }
        if !self.classes.is_empty() {
            conditions.push(format!(
                "{alias}.class = ANY({}::text[]::project_class[])",
                params.push(self.classes.clone())
            ));
        }
        conditions
    }

    /// Conditions on the apartment (`c`, a row of `catalog_apartments`), joined with AND.
    pub fn apartment_conditions(&self, params: &mut SqlParams) -> Vec<String> {
        let mut conditions = self.rooms_and_price_conditions(params, "c");
        conditions.push(format!(
            "c.status = ANY({}::text[]::apartment_status[])",
            params.push(self.statuses.clone())
        ));
        push_bounds(&mut conditions, params, "c.final_price", self.final_price);
        if self.with_promotion {
            conditions.push("c.promotion_ids <> '{}'".to_owned());
        }
        conditions.extend(self.unit_conditions(params, "c", "c.price_per_m2"));
        conditions
    }

    /// Conditions on the apartment itself (building, price per m², area, floor, kitchen, balcony, not the last
    /// floor) over a row of `alias` with the columns `building_id`, `floor`, `area_total`, `area_kitchen` and
    /// `balcony`: `catalog_apartments` or `catalog_offers`; `price_per_m2` — the expression of its price per m².
    pub fn unit_conditions(
        &self,
        params: &mut SqlParams,
        alias: &str,
        price_per_m2: &str,
    ) -> Vec<String> {
        let mut conditions = Vec::new();
        if let Some(building_id) = self.building_id {
            conditions.push(format!(
                "{alias}.building_id = {}",
                params.push(building_id)
            ));
        }
        push_bounds(&mut conditions, params, price_per_m2, self.price_m2);
        push_bounds(
            &mut conditions,
            params,
            &format!("{alias}.area_total"),
            self.area,
        );
        push_bounds(
            &mut conditions,
            params,
            &format!("{alias}.floor"),
            self.floor,
        );
        if let Some(min) = self.kitchen_area_min {
            conditions.push(format!("{alias}.area_kitchen >= {}", params.push(min)));
        }
        if self.not_last_floor {
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM buildings b WHERE b.id = {alias}.building_id AND {alias}.floor < b.floors)"
            ));
        }
        if let Some(balcony) = self.balcony {
            conditions.push(format!("{alias}.balcony = {}", params.push(balcony)));
        }
        conditions
    }

    /// Whether a filter of [`Self::unit_conditions`] is set: `apartment_stats` cannot answer it, `catalog_offers`
    /// and `catalog_apartments` can.
    pub fn filters_units(&self) -> bool {
        self.building_id.is_some()
            || self.price_m2 != (None, None)
            || self.area != (None, None)
            || self.floor != (None, None)
            || self.kitchen_area_min.is_some()
            || self.not_last_floor
            || self.balcony.is_some()
    }

    /// Only apartments on sale (the default status): the search can read the copy `catalog_offers`, which has
    /// every column the filters need, instead of the catalog view.
    pub fn on_sale_only(&self) -> bool {
        self.statuses == ["available"]
    }

    /// Only apartments on sale, filtered at most by rooms and price: the search can read the narrow
    /// `apartment_stats` (`on_sale` = available and published) through `apartment_stats_on_sale_price_idx`.
    pub fn on_sale_by_rooms_and_price(&self) -> bool {
        self.on_sale_offers() && self.final_price == (None, None) && !self.with_promotion
    }

    /// Only apartments on sale, filtered at most by rooms, price, final price and promotions (no
    /// [`Self::unit_conditions`]).
    pub fn on_sale_offers(&self) -> bool {
        self.on_sale_only() && !self.filters_units()
    }

    /// Rooms and price conditions on `apartment_stats s` or `catalog_offers s` (see
    /// [`Self::on_sale_by_rooms_and_price`]); `apartment_stats` needs `s.on_sale` besides.
    pub fn on_sale_conditions(&self, params: &mut SqlParams) -> Vec<String> {
        self.rooms_and_price_conditions(params, "s")
    }

    /// Rooms and price conditions on a row of `alias` with the columns `rooms` and `current_price`.
    pub fn rooms_and_price_conditions(&self, params: &mut SqlParams, alias: &str) -> Vec<String> {
        let mut conditions = Vec::new();
        match self.rooms.as_slice() {
            [] => {}
            // An equality, not `= ANY` of one element: only then can an index (…, rooms, price) give rows in price
            // order.
            [rooms] => {
                conditions.push(format!("{alias}.rooms = {}::smallint", params.push(*rooms)))
            }
            rooms => conditions.push(format!(
                "{alias}.rooms = ANY({}::smallint[])",
                params.push(rooms.to_vec())
            )),
        }
        push_bounds(
            &mut conditions,
            params,
            &format!("{alias}.current_price"),
            self.price,
        );
        conditions
    }

    /// Final price and promotion conditions on `catalog_offers s` (only that table has them).
    pub fn offer_conditions(&self, params: &mut SqlParams) -> Vec<String> {
        let mut conditions = Vec::new();
        push_bounds(&mut conditions, params, "s.final_price", self.final_price);
        if self.with_promotion {
            conditions.push("s.promotion_ids <> '{}'".to_owned());
        }
        conditions
    }

    /// Only project-level filters and rooms over apartments on sale: the per-project summary `cluster_demand`
    /// (project × rooms: count and price range on sale) answers it without touching apartments.
    pub fn on_sale_by_rooms_only(&self) -> bool {
        self.on_sale_by_rooms_and_price() && self.price == (None, None)
    }

    /// The normalised filter set, everything that decides which apartments match (not sort or page): two
    /// queries with the same key have the same `total`.
    pub fn cache_key(&self) -> String {
        let mut key = self.clone();
        key.city = key.city.map(|city| city.to_lowercase());
        for list in [&mut key.classes, &mut key.statuses] {
            list.sort_unstable();
            list.dedup();
        }
        key.rooms.sort_unstable();
        key.rooms.dedup();
        key.kitchen_area_min = key.kitchen_area_min.map(|value| value.normalize());
        for (min, max) in [
            &mut key.price,
            &mut key.price_m2,
            &mut key.area,
            &mut key.final_price,
        ] {
            *min = min.map(|value| value.normalize());
            *max = max.map(|value| value.normalize());
        }
        format!("{key:?}")
    }

    /// Whether any filter narrows the apartments beyond the default status.
    pub fn filters_apartments(&self) -> bool {
        self.building_id.is_some()
            || !self.rooms.is_empty()
            || self.price != (None, None)
            || self.price_m2 != (None, None)
            || self.area != (None, None)
            || self.floor != (None, None)
            || self.final_price != (None, None)
            || self.with_promotion
            || self.kitchen_area_min.is_some()
            || self.not_last_floor
            || self.balcony.is_some()
    }
}
