//! Schemas of values that are plain strings or numbers in Rust but have one documented representation for every
//! client: money and areas are decimal strings with a pattern, so a generated client never sees them as free text
//! or as a floating-point number. A field keeps its Rust type and names the schema: `#[schema(value_type = Money)]`.

use utoipa::openapi::schema::{
    KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// A positive amount of roubles with at most 12 digits before the point and 2 after: what the catalog stores.
pub const MONEY_PATTERN: &str = r"^([1-9][0-9]{0,11}(\.[0-9]{1,2})?|0\.(0[1-9]|[1-9][0-9]?))$";
/// A positive area up to 10 000 m² with at most 2 digits after the point.
pub const AREA_PATTERN: &str =
    r"^([1-9][0-9]{0,3}(\.[0-9]{1,2})?|10000(\.00?)?|0\.(0[1-9]|[1-9][0-9]?))$";
/// Any decimal number with a point, never an exponent: what `rust_decimal` writes.
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";

fn decimal_string(pattern: &str, description: &str, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::Custom("decimal".into())))
        .pattern(Some(pattern))
        .description(Some(description))
        .examples([example])
        .into()
}

/// Сумма в рублях.
pub struct Money;

impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        decimal_string(
            MONEY_PATTERN,
            "Сумма в рублях: десятичное число строкой, больше нуля, до 12 цифр до точки и не больше 2 после",
            "9200000.00",
        )
    }
}

impl ToSchema for Money {}

/// Площадь в м².
pub struct Area;

impl PartialSchema for Area {
    fn schema() -> RefOr<Schema> {
        decimal_string(
            AREA_PATTERN,
            "Площадь, м²: десятичное число строкой, больше нуля, до 10 000, не больше 2 знаков после точки",
            "54.30",
        )
    }
}

impl ToSchema for Area {}

/// Десятичное число (доля, процент, коэффициент, высота).
pub struct DecimalNumber;

impl PartialSchema for DecimalNumber {
    fn schema() -> RefOr<Schema> {
        decimal_string(
            DECIMAL_PATTERN,
            "Десятичное число строкой, с точкой и без экспоненты",
            "0.03",
        )
    }
}

impl ToSchema for DecimalNumber {}

/// Код субъекта РФ.
pub struct RegionCode;

impl PartialSchema for RegionCode {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(crate::validation::RU_REGION_CODES))
            .description(Some(
                "Код субъекта РФ по ISO 3166-2 (и RU-CR, RU-SEV), например RU-MOW; регистр букв не важен",
            ))
            .examples(["RU-MOW"])
            .into()
    }
}

impl ToSchema for RegionCode {}

fn degrees(minimum: f64, maximum: f64) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Number)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double)))
        .minimum(Some(minimum))
        .maximum(Some(maximum))
}

/// Широта точки в России.
pub struct Latitude;

impl PartialSchema for Latitude {
    fn schema() -> RefOr<Schema> {
        let (minimum, maximum) = crate::validation::RUSSIAN_LATITUDES;
        degrees(minimum, maximum)
            .description(Some("Широта в градусах WGS 84, в пределах России"))
            .examples([55.75])
            .into()
    }
}

impl ToSchema for Latitude {}

/// Долгота точки в России: два отрезка, Чукотка лежит за антимеридианом.
pub struct Longitude;

impl PartialSchema for Longitude {
    fn schema() -> RefOr<Schema> {
        let [(west, east), (beyond_west, beyond_east)] = crate::validation::RUSSIAN_LONGITUDES;
        OneOfBuilder::new()
            .item(degrees(west, east))
            .item(degrees(beyond_west, beyond_east))
            .description(Some(
                "Долгота в градусах WGS 84, в пределах России (Чукотка — за антимеридианом)",
            ))
            .examples([37.62])
            .into()
    }
}

impl ToSchema for Longitude {}

/// Значение фильтра подборщика: любого типа своего поля `filters`.
pub struct FilterValue;

impl PartialSchema for FilterValue {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
            .description(Some(
                "Значение фильтра того же типа, что поле `filters` с этим именем: строка, число, массив, \
                 логическое значение или `null` (фильтр снят)",
            ))
            .examples([serde_json::json!(12000000)])
            .into()
    }
}

impl ToSchema for FilterValue {}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(text)
    }

    #[test]
    fn money_and_area_accept_what_the_catalog_stores() {
        for money in ["9200000.00", "1", "0.5", "0.05", "999999999999.99", "10.1"] {
            assert!(matches(MONEY_PATTERN, money), "{money}");
        }
        for not_money in ["0", "0.00", "-1", "1e6", "1.234", "", "01", "1000000000000"] {
            assert!(!matches(MONEY_PATTERN, not_money), "{not_money}");
        }
        for area in ["54.30", "10000", "10000.00", "0.5", "9999.99"] {
            assert!(matches(AREA_PATTERN, area), "{area}");
        }
        for not_area in ["10000.01", "0", "12345", "54.301"] {
            assert!(!matches(AREA_PATTERN, not_area), "{not_area}");
        }
        for decimal in ["0.03", "-3.00", "17.5", "0"] {
            assert!(matches(DECIMAL_PATTERN, decimal), "{decimal}");
        }
        assert!(!matches(DECIMAL_PATTERN, "1E-7"));
    }
}
