//! Ranking of the picker's matches: hard filters where the buyer said so, soft otherwise (budget ±5 %, area
//! −10 %); score = 0.6·fit + 0.2·demand + 0.2·value for money, explained in Russian per result.

use std::collections::HashMap;

use rust_decimal::prelude::ToPrimitive;

use super::filters::PickerFilters;
use super::types::PickerMatch;
use crate::apartments::ApartmentCard;

/// Budget tolerance of a soft price bound.
pub const PRICE_TOLERANCE: f64 = 0.05;
/// Near-miss tolerance of a soft area bound.
pub const AREA_TOLERANCE: f64 = 0.10;

/// Words that make a bound strict: «не дороже 12 млн», «минимум 60 метров», «строго до …».
const STRICT_WORDS: [&str; 10] = [
    "не дороже",
    "не больше",
    "не более",
    "максимум",
    "строго",
    "потолок",
    "не меньше",
    "не менее",
    "минимум",
    "жестко",
];

/// Whether the words of an understood bound make it strict.
pub fn is_strict(words: &str) -> bool {
    let words = words.to_lowercase().replace('ё', "е");
    STRICT_WORDS.iter().any(|strict| words.contains(strict))
}

/// The filters the search runs with: soft bounds widened by their tolerance.
pub fn relaxed(filters: &PickerFilters, strict: &[String]) -> PickerFilters {
    let soft = |slot: &str| !strict.iter().any(|s| s == slot);
    let mut relaxed = filters.clone();
    let scale = |value: i64, factor: f64| (value as f64 * factor).round() as i64;
    if soft("price_max") {
        relaxed.price_max = filters.price_max.map(|v| scale(v, 1.0 + PRICE_TOLERANCE));
    }
    if soft("price_min") {
        relaxed.price_min = filters.price_min.map(|v| scale(v, 1.0 - PRICE_TOLERANCE));
    }
    if soft("price_m2_max") {
        relaxed.price_m2_max = filters
            .price_m2_max
            .map(|v| scale(v, 1.0 + PRICE_TOLERANCE));
    }
    if soft("area_min") {
        relaxed.area_min = filters
            .area_min
            .map(|v| (v * (1.0 - AREA_TOLERANCE) * 100.0).round() / 100.0);
    }
    if soft("area_max") {
        relaxed.area_max = filters
            .area_max
            .map(|v| (v * (1.0 + AREA_TOLERANCE) * 100.0).round() / 100.0);
    }
    relaxed
}

/// «11,6 млн ₽», «300 тыс. ₽», «950 ₽».
pub fn rub(value: f64) -> String {
    let value = value.round();
    if value.abs() >= 1e6 {
        let millions = (value / 1e5).round() / 10.0;
        format!("{} млн ₽", trim_number(millions))
    } else if value.abs() >= 1e3 {
        format!("{} тыс. ₽", trim_number((value / 1e3).round()))
    } else {
        format!("{value} ₽")
    }
}

/// «11,6», «12» — a decimal comma, no trailing zeros.
fn trim_number(value: f64) -> String {
    let text = format!("{value:.1}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.replace('.', ",")
}

fn square_metres(value: f64) -> String {
    format!("{} м²", trim_number((value * 10.0).round() / 10.0))
}

fn rooms_name(rooms: i16) -> &'static str {
    match rooms {
        0 => "студия",
        1 => "однокомнатная",
        2 => "двухкомнатная",
        3 => "трёхкомнатная",
        _ => "многокомнатная",
    }
}

fn float(value: rust_decimal::Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// Scores and explains `cards` (candidates of the relaxed search) against the buyer's `filters`; `medians` —
/// price per m² medians by (project, rooms). Ordered by score unless the buyer asked for an order.
pub fn rank(
    cards: Vec<ApartmentCard>,
    filters: &PickerFilters,
    medians: &HashMap<(i64, i16), f64>,
    limit: usize,
) -> Vec<PickerMatch> {
    let top_popularity = cards
        .iter()
        .map(|card| float(card.popularity_24h))
        .fold(0.0_f64, f64::max);
    let mut matches: Vec<PickerMatch> = cards
        .into_iter()
        .map(|card| score(card, filters, medians, top_popularity))
        .collect();
    if filters.sort.is_none() {
        matches.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.apartment.id.cmp(&b.apartment.id))
        });
    }
    matches.truncate(limit);
    matches
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn score(
    card: ApartmentCard,
    filters: &PickerFilters,
    medians: &HashMap<(i64, i16), f64>,
    top_popularity: f64,
) -> PickerMatch {
    let mut reasons = Vec::new();
    let mut shortfalls = Vec::new();
    let mut fit: f64 = 1.0;
    let price = float(card.current_price);
    let area = float(card.area_total);
    let price_m2 = float(card.price_per_m2);
    if filters.rooms.is_some() {
        reasons.push(format!("{}, как просили", rooms_name(card.rooms)));
    }
    if let Some(city) = &filters.city {
        reasons.push(format!("{city}, {}", card.project.name));
    }
    if let Some(max) = filters.price_max {
        let max = max as f64;
        if price <= max {
            reasons.push(format!(
                "в бюджете: {} при потолке {}",
                rub(price),
                rub(max)
            ));
        } else {
            let over = price - max;
            fit -= (over / max / PRICE_TOLERANCE).min(1.0) * 0.5;
            shortfalls.push(format!("на {} дороже бюджета", rub(over)));
        }
    }
    if let Some(min) = filters.price_min {
        let min = min as f64;
        if price < min {
            fit -= ((min - price) / min / PRICE_TOLERANCE).min(1.0) * 0.2;
            shortfalls.push(format!("на {} дешевле нижней границы", rub(min - price)));
        }
    }
    if let Some(max) = filters.price_m2_max {
        let max = max as f64;
        if price_m2 > max {
            fit -= ((price_m2 - max) / max / PRICE_TOLERANCE).min(1.0) * 0.3;
            shortfalls.push(format!(
                "метр на {} дороже желаемых {}",
                rub(price_m2 - max),
                rub(max)
            ));
        }
    }
    if let Some(min) = filters.area_min {
        if area >= min {
            reasons.push(format!("площадь {}", square_metres(area)));
        } else {
            fit -= ((min - area) / min / AREA_TOLERANCE).min(1.0) * 0.4;
            shortfalls.push(format!(
                "площадь {} — на {} меньше желаемых {}",
                square_metres(area),
                square_metres(min - area),
                square_metres(min)
            ));
        }
    }
    if let Some(max) = filters.area_max {
        if area > max {
            fit -= ((area - max) / max / AREA_TOLERANCE).min(1.0) * 0.2;
            shortfalls.push(format!(
                "площадь {} — больше желаемых {}",
                square_metres(area),
                square_metres(max)
            ));
        }
    }
    if let Some(kitchen) = card.area_kitchen.map(float) {
        if filters.kitchen_area_min.is_some() || kitchen >= 12.0 {
            reasons.push(format!("кухня {}", square_metres(kitchen)));
        }
    }
    if card.balcony && filters.balcony != Some(false) {
        reasons.push("есть балкон или лоджия".to_owned());
    }
    let value = match medians.get(&(card.project.id, card.rooms)) {
        Some(median) if *median > 0.0 => {
            let below = (median - price_m2) / median;
            if below >= 0.03 {
                reasons.push(format!(
                    "метр на {:.0} % дешевле медианы ЖК для такой комнатности",
                    below * 100.0
                ));
            } else if below <= -0.03 {
                shortfalls.push(format!(
                    "метр на {:.0} % дороже медианы ЖК для такой комнатности",
                    -below * 100.0
                ));
            }
            (0.5 + below * 5.0).clamp(0.0, 1.0)
        }
        _ => 0.5,
    };
    let popularity = float(card.popularity_24h);
    let demand = if top_popularity > 0.0 {
        popularity / top_popularity
    } else {
        0.0
    };
    if demand >= 0.5 {
        reasons.push("среди самых востребованных за сутки".to_owned());
    }
    let fit = fit.clamp(0.0, 1.0);
    let score = 0.6 * fit + 0.2 * demand + 0.2 * value;
    PickerMatch {
        apartment: card,
        score: round2(score),
        fit: round2(fit),
        demand: round2(demand),
        value: round2(value),
        reasons,
        shortfalls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_the_russian_way() {
        assert_eq!(rub(11_600_000.0), "11,6 млн ₽");
        assert_eq!(rub(12_000_000.0), "12 млн ₽");
        assert_eq!(rub(300_000.0), "300 тыс. ₽");
        assert_eq!(rub(950.0), "950 ₽");
    }

    #[test]
    fn soft_bounds_widen_and_strict_ones_stay() {
        let filters = PickerFilters {
            price_max: Some(12_000_000),
            area_min: Some(60.0),
            ..PickerFilters::default()
        };
        let soft = relaxed(&filters, &[]);
        assert_eq!(soft.price_max, Some(12_600_000));
        assert_eq!(soft.area_min, Some(54.0));
        let hard = relaxed(&filters, &["price_max".to_owned()]);
        assert_eq!(hard.price_max, Some(12_000_000));
        assert!(is_strict("не дороже 12 млн"));
        assert!(!is_strict("до 12 млн"));
    }
}
