use super::*;

fn ctx_cities() -> CityIndex {
    CityIndex::new(&[
        "Москва",
        "Санкт-Петербург",
        "Екатеринбург",
        "Новосибирск",
        "Казань",
        "Краснодар",
        "Нижний Новгород",
    ])
}

fn run(text: &str, current: &PickerFilters) -> (PickerFilters, Parsed) {
    let cities = ctx_cities();
    let ctx = Context {
        cities: &cities,
        today: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
    };
    let parsed = parse(text, current, &ctx);
    (apply(current, &parsed), parsed)
}

fn slots(text: &str) -> Vec<(String, String)> {
    run(text, &PickerFilters::default()).0.slots()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = expected
        .iter()
        .map(|(slot, value)| (slot.to_string(), value.to_string()))
        .collect();
    pairs.sort();
    pairs
}

fn check(text: &str, expected: &[(&str, &str)]) {
    let mut got = slots(text);
    got.sort();
    assert_eq!(got, pairs(expected), "{text}");
}

#[test]
fn budgets() {
    check("до 12 млн", &[("price_max", "12000000")]);
    check("12,5 млн", &[("price_max", "12500000")]);
    check(
        "от 8 до 10 миллионов",
        &[("price_min", "8000000"), ("price_max", "10000000")],
    );
    check("не дороже 9 500 000", &[("price_max", "9500000")]);
    check(
        "бюджет 7-8 лямов",
        &[("price_min", "7000000"), ("price_max", "8000000")],
    );
    check("тысяч 300 за метр", &[("price_m2_max", "300000")]);
    check("двенадцать миллионов", &[("price_max", "12000000")]);
}

#[test]
fn rooms_cities_and_floors() {
    check(
        "двушку в Казани",
        &[("rooms", "[2]"), ("city", "\"Казань\"")],
    );
    check("евродвушка", &[("rooms", "[1,2]")]);
    check(
        "4+ комнаты",
        &[("rooms", "[4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]")],
    );
    check(
        "не первый и не последний этаж",
        &[("floor_min", "2"), ("not_last_floor", "true")],
    );
    check("выше 10 этажа", &[("floor_min", "11")]);
    check("высокий этаж", &[("floor_min", "10")]);
    check("кухня не меньше 12", &[("kitchen_area_min", "12.0")]);
    check("от 60 метров", &[("area_min", "60.0")]);
}

#[test]
fn dates() {
    check(
        "сдача в 2027",
        &[
            ("commissioning_from", "\"2027-01-01\""),
            ("commissioning_to", "\"2027-12-31\""),
        ],
    );
    check("дом уже сдан", &[("commissioning_to", "\"2026-12-03\"")]);
    check(
        "до конца 2026 года",
        &[("commissioning_to", "\"2026-12-31\"")],
    );
    check(
        "в этом году",
        &[
            ("commissioning_from", "\"2026-01-01\""),
            ("commissioning_to", "\"2026-12-31\""),
        ],
    );
}

#[test]
fn follow_ups_refine_the_state() {
    let (state, _) = run("двушка в Москве до 12 млн", &PickerFilters::default());
    let (state, _) = run("а в Казани?", &state);
    assert_eq!(state.city.as_deref(), Some("Казань"));
    assert_eq!(state.rooms, Some(vec![2]));
    assert_eq!(state.price_max, Some(12_000_000));
    let (state, _) = run("подешевле", &state);
    assert_eq!(state.price_max, Some(10_800_000));
    assert_eq!(state.sort.as_deref(), Some("price"));
    let (state, _) = run("без первого этажа", &state);
    assert_eq!(state.floor_min, Some(2));
    let (state, _) = run("нет, лучше трёшку", &state);
    assert_eq!(state.rooms, Some(vec![3]));
    let (state, _) = run("не Казань", &state);
    assert_eq!(state.city, None);
    let (state, parsed) = run("сбрось", &state);
    assert!(parsed.reset);
    assert!(state.is_empty(), "{state:?}");
}

#[test]
fn unknown_cities_and_mortgage_payments_are_not_filters() {
    let (state, parsed) = run(
        "однушка в Омске, с ипотекой платёж до 60 тысяч",
        &PickerFilters::default(),
    );
    assert_eq!(state.rooms, Some(vec![1]));
    assert_eq!(state.city, None);
    assert_eq!(state.price_max, None);
    assert_eq!(parsed.unknown_city.as_deref(), Some("Омск"));
    assert!(
        parsed
            .not_understood
            .iter()
            .any(|phrase| phrase.contains("60 тысяч")),
        "{:?}",
        parsed.not_understood
    );
}

/// Slot-level precision and recall over tests/fixtures/picker_corpus.jsonl: a slot counts when both its name and
/// its value match. Fails below 95 %.
#[test]
fn corpus_precision_and_recall() {
    let corpus = include_str!("../../../tests/fixtures/picker_corpus.jsonl");
    let (mut predicted, mut expected, mut correct) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    let mut messages = 0;
    for line in corpus.lines().filter(|line| !line.trim().is_empty()) {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = row["text"].as_str().unwrap();
        let state: PickerFilters = row
            .get("state")
            .map(|state| serde_json::from_value(state.clone()).unwrap())
            .unwrap_or_default();
        let want: PickerFilters = serde_json::from_value(row["expected"].clone()).unwrap();
        let (got, _) = run(text, &state);
        let (got, want) = (got.slots(), want.slots());
        predicted += got.len();
        expected += want.len();
        correct += got.iter().filter(|slot| want.contains(slot)).count();
        if got != want {
            misses.push(format!("{text}\n    got:  {got:?}\n    want: {want:?}"));
        }
        messages += 1;
    }
    let precision = correct as f64 / predicted.max(1) as f64;
    let recall = correct as f64 / expected.max(1) as f64;
    println!(
        "picker corpus: {messages} messages, {expected} expected slots; precision {:.1} %, recall {:.1} %, \
         {} messages not exact",
        precision * 100.0,
        recall * 100.0,
        misses.len()
    );
    for miss in &misses {
        println!("  {miss}");
    }
    assert!(messages >= 200, "{messages} messages");
    assert!(precision >= 0.95, "precision {precision:.3}");
    assert!(recall >= 0.95, "recall {recall:.3}");
}

#[test]
fn long_messages_parse_quickly() {
    for text in [
        "а".repeat(1000),
        "двушку в Москве до 10 млн ".repeat(38),
        "1 ".repeat(500),
    ] {
        let started = std::time::Instant::now();
        let _ = slots(&text);
        assert!(
            started.elapsed() < std::time::Duration::from_millis(500),
            "{:?} for {} chars",
            started.elapsed(),
            text.chars().count()
        );
    }
}
