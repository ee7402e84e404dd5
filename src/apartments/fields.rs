//! Every field of an apartment, validated together: the same rules for create, update and bulk upsert.

use rust_decimal::Decimal;

use super::types::CreateApartmentRequest;
use crate::catalog::ApartmentStatus;
use crate::validation::{validate_http_url, FieldErrors};

const MAX_CODE_CHARS: usize = 64;

pub fn max_price() -> Decimal {
    Decimal::new(99_999_999_999_999, 2)
}

/// The complete state of an apartment as the caller wants it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApartmentFields {
    pub code: String,
    pub floor: i32,
    pub rooms: i16,
    pub area_total: Decimal,
    pub area_living: Option<Decimal>,
    pub area_kitchen: Option<Decimal>,
    pub ceiling_height: Option<Decimal>,
    pub balcony: bool,
    pub layout_image_url: Option<String>,
    pub tour_url: Option<String>,
    pub base_price: Decimal,
    pub current_price: Decimal,
    pub status: ApartmentStatus,
}

impl ApartmentFields {
    pub fn from_create(request: CreateApartmentRequest) -> Self {
        Self {
            code: request.code.trim().to_owned(),
            floor: request.floor,
            rooms: request.rooms,
            area_total: request.area_total,
            area_living: request.area_living,
            area_kitchen: request.area_kitchen,
            ceiling_height: request.ceiling_height,
            balcony: request.balcony.unwrap_or(false),
            layout_image_url: blank_to_none(request.layout_image_url),
            tour_url: blank_to_none(request.tour_url),
            base_price: request.base_price,
            current_price: request.current_price.unwrap_or(request.base_price),
            status: request.status.unwrap_or(ApartmentStatus::Available),
        }
    }

    /// Whether anything but the prices and the sale status differs: such an edit goes back to review.
    pub fn description_differs(&self, other: &Self) -> bool {
        let strip = |fields: &Self| Self {
            base_price: Decimal::ZERO,
            current_price: Decimal::ZERO,
            status: ApartmentStatus::Available,
            ..fields.clone()
        };
        strip(self) != strip(other)
    }

    /// Records every problem under `{prefix}{field}`; `floors` is the building's number of floors.
    pub fn validate(&self, floors: i32, prefix: &str, errors: &mut FieldErrors) {
        let field = |name: &str| format!("{prefix}{name}");
        if self.code.is_empty() || self.code.chars().count() > MAX_CODE_CHARS {
            errors.add(&field("code"), format!("от 1 до {MAX_CODE_CHARS} символов"));
        } else if self.code.chars().any(char::is_control) {
            errors.add(
                &field("code"),
                "артикул не может содержать управляющие символы",
            );
        }
        if self.floor < -5 || self.floor > floors {
            errors.add(
                &field("floor"),
                format!("этаж должен быть от -5 до этажности корпуса ({floors})"),
            );
        }
        if !(0..=20).contains(&self.rooms) {
            errors.add(&field("rooms"), "от 0 (студия) до 20");
        }
        let area_limit = Decimal::new(10_000, 0);
        let area = |errors: &mut FieldErrors, name: &str, value: Decimal| {
            if value <= Decimal::ZERO || value > area_limit || value.normalize().scale() > 2 {
                errors.add(
                    &field(name),
                    "площадь должна быть больше нуля, до 10 000 м² и не больше двух знаков после запятой",
                );
                false
            } else {
                true
            }
        };
        let total_ok = area(errors, "area_total", self.area_total);
        let living_ok = self
            .area_living
            .is_none_or(|value| area(errors, "area_living", value));
        let kitchen_ok = self
            .area_kitchen
            .is_none_or(|value| area(errors, "area_kitchen", value));
        if total_ok && living_ok && kitchen_ok {
            let parts =
                self.area_living.unwrap_or_default() + self.area_kitchen.unwrap_or_default();
            if parts > self.area_total {
                let name = if self.area_living.is_some() {
                    "area_living"
                } else {
                    "area_kitchen"
                };
                errors.add(
                    &field(name),
                    "жилая площадь вместе с кухней не может быть больше общей",
                );
            }
        }
        if self.ceiling_height.is_some_and(|height| {
            height < Decimal::new(2, 0) || height > Decimal::new(10, 0) || height.scale() > 2
        }) {
            errors.add(&field("ceiling_height"), "от 2 до 10 м");
        }
        for (name, url) in [
            ("layout_image_url", &self.layout_image_url),
            ("tour_url", &self.tour_url),
        ] {
            if let Some(url) = url {
                if url.chars().any(char::is_control) {
                    errors.add(&field(name), "некорректная ссылка");
                } else {
                    errors.check::<(), _>(&field(name), validate_http_url(url));
                }
            }
        }
        for (name, price) in [
            ("base_price", self.base_price),
            ("current_price", self.current_price),
        ] {
            if let Err(message) = validate_price(price) {
                errors.add(&field(name), message);
            }
        }
    }
}

pub fn validate_price(price: Decimal) -> Result<(), &'static str> {
    if price <= Decimal::ZERO {
        return Err("цена должна быть больше нуля");
    }
    if price.normalize().scale() > 2 {
        return Err("не больше двух знаков после запятой");
    }
    if price > max_price() {
        return Err("слишком большая цена");
    }
    Ok(())
}

pub fn blank_to_none(value: Option<String>) -> Option<String> {
    value
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}
