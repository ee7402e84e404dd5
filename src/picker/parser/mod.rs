//! The deterministic Russian parser of the picker: a buyer's message → changes of the filter state, each with the
//! words it came from. Pure Rust, nothing outside the binary: our own grammar for numbers, ranges and dates, the
//! Russian Snowball stemmer (`rust-stemmers`) and an edit distance for city names. The rules are in docs/picker.md.

pub mod places;
pub mod tokens;

use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};

use super::filters::PickerFilters;
use crate::catalog::filters::MAX_ROOMS;
pub use places::{CityIndex, Place};
use tokens::{tokenize, Kind, Token};

/// What the parser needs besides the message.
pub struct Context<'a> {
    /// The catalog's cities.
    pub cities: &'a CityIndex,
    /// «Сегодня» for «в этом году», «уже сдан».
    pub today: NaiveDate,
}

/// One understood change: a slot of [`PickerFilters`], its new value (`null` — cleared) and the words.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub slot: &'static str,
    pub value: Value,
    pub words: String,
}

/// The parse of one message.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// «сбрось»: the state starts empty before the changes.
    pub reset: bool,
    pub changes: Vec<Change>,
    /// Phrases seen but not turned into filters (a monthly payment, a metro station, a lone number …).
    pub not_understood: Vec<String>,
    /// A city the catalog does not have.
    pub unknown_city: Option<String>,
}

/// Budget multiplier of a word: millions or thousands.
fn multiplier(token: &Token, value: Option<f64>) -> Option<f64> {
    if !token.is_word() {
        return None;
    }
    let word = token.text.as_str();
    if word.starts_with("млн")
        || word.starts_with("миллион")
        || word.starts_with("мил")
        || word.starts_with("лям")
        || word.starts_with("лимон")
        || word == "кк"
        || word == "m"
        || word == "mln"
    {
        return Some(1e6);
    }
    if word.starts_with("тыс")
        || word.starts_with("тыщ")
        || word.starts_with("косар")
        || word == "тр"
        || word == "т"
        || word == "k"
        || (word == "к" && value.is_none_or(|value| value >= 10.0))
    {
        return Some(1e3);
    }
    None
}

fn is_rub(token: &Token) -> bool {
    token.starts(&["руб", "рубл"]) || (token.is(&["р"]))
}

/// «м», «м2», «метров», «квадратов», «кв»: square metres (not «метро»).
fn is_area_unit(token: &Token) -> bool {
    token.is_word()
        && !is_metro(&token.text)
        && (token.is(&[
            "м",
            "м2",
            "м²",
            "кв",
            "квм",
            "кв-м",
            "m2",
            "квадрат",
            "квадрата",
        ]) || token.starts(&["метр", "квадрат", "кв.м", "квадр"]))
}

/// «метро» (not «метров»).
fn is_metro(word: &str) -> bool {
    word == "метро" || word.starts_with("метрополит") || word.starts_with("метростанц")
}

/// A word of a topic we do not search by.
fn unsupported_topic(word: &str, topics: &[&str]) -> bool {
    is_metro(word)
        || topics
            .iter()
            .any(|topic| *topic != "метро" && word.starts_with(topic))
}

fn is_floor_word(token: &Token) -> bool {
    token.starts(&["этаж"])
}

fn is_rooms_word(token: &Token) -> bool {
    token.starts(&["комнат", "комн", "ком-", "комнотн"]) || token.is(&["ком", "к", "кк", "комн"])
}

fn is_year_word(token: &Token) -> bool {
    token.starts(&["год"]) || token.is(&["г", "гг"])
}

/// Ordinal suffixes: «10-го», «5-м», «2-х».
fn is_ordinal_suffix(token: &Token) -> bool {
    token.is(&[
        "го", "й", "м", "ом", "ий", "ого", "ем", "х", "ти", "ух", "ех", "ой",
    ])
}

/// Ordinal words of floors.
fn ordinal(word: &str) -> Option<f64> {
    const ORDINALS: &[(&str, f64)] = &[
        ("перв", 1.0),
        ("втор", 2.0),
        ("трет", 3.0),
        ("четверт", 4.0),
        ("пят", 5.0),
        ("шест", 6.0),
        ("седьм", 7.0),
        ("восьм", 8.0),
        ("девят", 9.0),
        ("десят", 10.0),
        ("одиннадцат", 11.0),
        ("двенадцат", 12.0),
        ("пятнадцат", 15.0),
        ("двадцат", 20.0),
    ];
    ORDINALS
        .iter()
        .find(|(prefix, _)| word.starts_with(prefix))
        .map(|(_, value)| *value)
}

/// Room words: stem prefix → rooms.
const ROOM_WORDS: &[(&str, i16)] = &[
    ("студи", 0),
    ("однушк", 1),
    ("однокомнатн", 1),
    ("однокомнатк", 1),
    ("однокомн", 1),
    ("двушк", 2),
    ("двухкомнатн", 2),
    ("двухкомнатк", 2),
    ("двухкомн", 2),
    ("двухкомн", 2),
    ("двухкомантн", 2),
    ("трешк", 3),
    ("трехкомнатн", 3),
    ("трехкомн", 3),
    ("трешечк", 3),
    ("четырехкомнатн", 4),
    ("четырешк", 4),
    ("четырехкомн", 4),
    ("пятикомнатн", 5),
];

/// Classes: stem prefix → the catalog's value.
const CLASS_WORDS: &[(&str, &str)] = &[
    ("эконом", "econom"),
    ("экономк", "econom"),
    ("комфорт", "comfort"),
    ("бизнес", "business"),
    ("бизнесс", "business"),
    ("премиум", "premium"),
    ("премиал", "premium"),
    ("элит", "premium"),
    ("люкс", "premium"),
    ("делюкс", "premium"),
];
const CLASSES: [&str; 4] = ["econom", "comfort", "business", "premium"];

/// Topics we do not search by: the words and the number after them are reported as not understood.
const UNSUPPORTED_TOPICS: &[&str] = &[
    "ипотек",
    "платеж",
    "платить",
    "взнос",
    "зарплат",
    "доход",
    "кредит",
    "рассрочк",
    "маткапитал",
    "материнск",
    "метро",
    "школ",
    "садик",
    "детск",
    "парк",
    "ремонт",
    "отделк",
    "паркинг",
    "машиномест",
    "кладов",
    "вид ",
    "видом",
    "потолк",
    "санузл",
    "район",
    "центр",
    "мкад",
    "минут",
    "пешком",
    "последний",
    "последнем",
];

/// A word that matches `key` (a stem prefix of five letters or more) with at most one typo.
fn fuzzy_prefix(word: &str, key: &str) -> bool {
    if word.starts_with(key) {
        return true;
    }
    let key_len = key.chars().count();
    if key_len < 5 {
        return false;
    }
    let chars: Vec<char> = word.chars().collect();
    (key_len.saturating_sub(1)..=key_len + 1)
        .filter(|len| *len <= chars.len() && *len >= 4)
        .any(|len| places::edits(&chars[..len].iter().collect::<String>(), key) <= 1)
}

/// How a number relates to its slot.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    /// «от», «не меньше», «с»; `true` — exclusive («выше 10 этажа», «после 2027»).
    Min(bool),
    /// «до», «не дороже»; `true` — exclusive («ниже 10 этажа»).
    Max(bool),
    /// «около», «примерно», «за», «бюджет».
    About,
    /// Nothing said.
    Bare,
}

/// A number with what surrounds it.
#[derive(Debug)]
struct Group {
    from: usize,
    to: usize,
    values: Vec<f64>,
    /// The second value was joined by «или» (a list, not a range).
    list: bool,
    multiplier: Option<f64>,
    op: Op,
    rub: bool,
    area_unit: bool,
    per_m2: bool,
    floor: bool,
    rooms: bool,
    year_word: bool,
    quarter: bool,
    kitchen: bool,
    area_context: bool,
    budget_context: bool,
}

struct Parser<'a> {
    chars: Vec<char>,
    t: Vec<Token>,
    used: Vec<bool>,
    ctx: &'a Context<'a>,
    current: PickerFilters,
    out: Parsed,
    rooms_yes: Vec<i16>,
    rooms_no: Vec<i16>,
    rooms_words: Vec<(usize, usize)>,
    additive: bool,
}

/// Parses `text` against the `current` state of the conversation.
pub fn parse(text: &str, current: &PickerFilters, ctx: &Context) -> Parsed {
    let (chars, t) = tokenize(text);
    let used = vec![false; t.len()];
    let mut parser = Parser {
        chars,
        t,
        used,
        ctx,
        current: current.clone(),
        out: Parsed::default(),
        rooms_yes: Vec::new(),
        rooms_no: Vec::new(),
        rooms_words: Vec::new(),
        additive: false,
    };
    parser.run();
    parser.out
}

/// The state after `parsed`: the changes over `current` (over nothing after «сбрось»), bounds kept consistent.
pub fn apply(current: &PickerFilters, parsed: &Parsed) -> PickerFilters {
    let mut map = if parsed.reset {
        PickerFilters::default().to_map()
    } else {
        current.to_map()
    };
    let changed: Vec<&str> = parsed.changes.iter().map(|change| change.slot).collect();
    for change in &parsed.changes {
        map.insert(change.slot.to_owned(), change.value.clone());
    }
    // A city replaces a region and the other way round.
    if changed.contains(&"city") && !changed.contains(&"region") {
        map.insert("region".into(), Value::Null);
    }
    if changed.contains(&"region") && !changed.contains(&"city") {
        map.insert("city".into(), Value::Null);
    }
    // A new bound that crosses an old one replaces it.
    for (min, max) in [
        ("price_min", "price_max"),
        ("price_m2_min", "price_m2_max"),
        ("area_min", "area_max"),
        ("floor_min", "floor_max"),
        ("commissioning_from", "commissioning_to"),
    ] {
        let crossed = match (&map[min], &map[max]) {
            (Value::Number(low), Value::Number(high)) => {
                low.as_f64().unwrap_or(0.0) > high.as_f64().unwrap_or(0.0)
            }
            (Value::String(low), Value::String(high)) => low > high,
            _ => false,
        };
        if crossed {
            let stale = if changed.contains(&max) { min } else { max };
            map.insert(stale.to_owned(), Value::Null);
        }
    }
    serde_json::from_value(Value::Object(map)).unwrap_or_default()
}

fn date(year: i32, month: u32, day: u32) -> Value {
    NaiveDate::from_ymd_opt(year, month, day)
        .map(|date| json!(date.format("%Y-%m-%d").to_string()))
        .unwrap_or(Value::Null)
}

fn money(value: f64) -> Value {
    json!(value.round() as i64)
}

fn area(value: f64) -> Value {
    json!((value * 100.0).round() / 100.0)
}

impl Parser<'_> {
    fn run(&mut self) {
        self.reset();
        self.unsupported_topics();
        self.room_words();
        self.floor_phrases();
        self.ordinal_floors();
        self.numbers();
        self.finish_rooms();
        self.classes();
        self.regions();
        self.cities();
        self.commissioning_phrases();
        self.balcony_and_promotion();
        self.order();
        self.leftovers();
    }

    fn len(&self) -> usize {
        self.t.len()
    }

    fn word(&self, i: usize) -> &str {
        self.t.get(i).map(|token| token.text.as_str()).unwrap_or("")
    }

    fn is_free_word(&self, i: usize) -> bool {
        i < self.len() && !self.used[i] && self.t[i].is_word()
    }

    /// The original text of tokens `from..=to`.
    fn words(&self, from: usize, to: usize) -> String {
        let start = self.t[from].start;
        let end = self.t[to].end;
        self.chars[start..end].iter().collect()
    }

    fn take(&mut self, from: usize, to: usize) {
        for used in &mut self.used[from..=to.min(self.t.len() - 1)] {
            *used = true;
        }
    }

    fn set(&mut self, slot: &'static str, value: Value, from: usize, to: usize) {
        let words = self.words(from, to);
        self.out.changes.retain(|change| change.slot != slot);
        self.out.changes.push(Change { slot, value, words });
        self.take(from, to);
    }

    /// The first token of the clause `i` is in.
    fn clause_start(&self, i: usize) -> usize {
        (0..i)
            .rev()
            .find(|&j| self.t[j].kind == Kind::Punct && self.t[j].text != ".")
            .map(|j| j + 1)
            .unwrap_or(0)
    }

    fn clause_end(&self, i: usize) -> usize {
        (i..self.len())
            .find(|&j| self.t[j].kind == Kind::Punct && self.t[j].text != ".")
            .map(|j| j.saturating_sub(1))
            .unwrap_or(self.len().saturating_sub(1))
    }

    /// Whether the word at `i` is negated: «не», «без», «кроме», «исключая» right before it, a preposition or
    /// «только»/«на» between allowed. Answers where the negation starts.
    fn negation(&self, i: usize) -> Option<usize> {
        let mut j = i;
        for _ in 0..3 {
            if j == 0 {
                return None;
            }
            j -= 1;
            let token = &self.t[j];
            if token.is(&[
                "не",
                "без",
                "кроме",
                "исключая",
                "исключить",
                "никаких",
                "ни",
            ]) {
                return Some(j);
            }
            if !token.is(&[
                "в",
                "во",
                "на",
                "из",
                "с",
                "со",
                "по",
                "и",
                "только",
                "в-",
                "хочу",
            ]) {
                return None;
            }
        }
        None
    }

    /// «первый этаж не предлагать», «студия не нужна»: a refusal right after the words `..=to`; answers its
    /// last token.
    fn refusal_after(&self, to: usize) -> Option<usize> {
        let next = to + 1;
        (next + 1 < self.len()
            && self.t[next].is(&["не"])
            && self.t[next + 1].starts(&[
                "предлаг",
                "нуж",
                "надо",
                "хоч",
                "интерес",
                "рассматр",
                "подход",
                "вариант",
                "показыв",
            ]))
        .then_some(next + 1)
    }

    fn reset(&mut self) {
        for i in 0..self.len() {
            if self.t[i].starts(&[
                "сброс",
                "сбрась",
                "очист",
                "заново",
                "сначала",
                "забуд",
                "обнул",
            ]) || (self.t[i].is(&["начнем", "начать", "начни"])
                && i + 1 < self.len()
                && self.t[i + 1].starts(&["снач", "занов"]))
            {
                self.out.reset = true;
                self.current = PickerFilters::default();
                let to = if i + 1 < self.len()
                    && self.t[i + 1].starts(&["снач", "занов", "все", "фильтр"])
                {
                    i + 1
                } else {
                    i
                };
                self.take(i, to);
            }
        }
    }

    /// «ипотека, платёж до 60 тысяч» and the like: not a filter; the topic and its number are reported.
    fn unsupported_topics(&mut self) {
        for i in 0..self.len() {
            if self.used[i] || !self.t[i].is_word() {
                continue;
            }
            let word = self.t[i].text.clone();
            let money_topic = [
                "ипотек",
                "платеж",
                "платить",
                "взнос",
                "зарплат",
                "доход",
                "кредит",
                "рассрочк",
                "маткапитал",
                "материнск",
            ]
            .iter()
            .any(|topic| word.starts_with(topic))
                || (word == "в" && i + 1 < self.len() && self.t[i + 1].starts(&["месяц"]));
            let other = unsupported_topic(
                &word,
                &[
                    "школ",
                    "садик",
                    "парк",
                    "ремонт",
                    "отделк",
                    "паркинг",
                    "машиномест",
                    "кладов",
                    "потолк",
                    "санузл",
                    "мкад",
                    "минут",
                    "пешком",
                ],
            );
            if !money_topic && !other {
                continue;
            }
            // The topic, and for money topics the numbers of the rest of the clause.
            let mut to = i;
            if money_topic {
                let end = self.clause_end(i);
                let mut j = i + 1;
                while j <= end && j < self.len() {
                    let token = &self.t[j];
                    if token.num().is_some()
                        || multiplier(token, None).is_some()
                        || is_rub(token)
                        || token.is(&[
                            "до",
                            "от",
                            "не",
                            "больше",
                            "дороже",
                            "около",
                            "в",
                            "месяц",
                            "тысяч",
                            "платеж",
                            "ежемесячный",
                            "ежемесячно",
                            "первоначальный",
                            "взнос",
                            "с",
                            "примерно",
                        ])
                        || token.kind == Kind::Dash
                    {
                        to = j;
                        j += 1;
                    } else {
                        break;
                    }
                }
                // «платёж до 60 тысяч»: a number right before the topic belongs to it too.
            }
            let mut from = i;
            if money_topic
                && i > 0
                && self.t[i - 1].is(&[
                    "ежемесячный",
                    "ежемесячно",
                    "первоначальный",
                    "с",
                    "под",
                    "в",
                ])
            {
                from = i - 1;
            }
            let phrase = self.words(from, to);
            self.out.not_understood.push(phrase);
            self.take(from, to);
        }
    }

    /// «студия», «двушка», «евродвушка», «2к», «трёхкомнатная» …
    fn room_words(&mut self) {
        for i in 0..self.len() {
            if !self.is_free_word(i) {
                continue;
            }
            let word = self.t[i].text.clone();
            let (euro, bare) = match word.strip_prefix("евро") {
                Some(rest) => (true, rest.trim_start_matches('-').to_owned()),
                None => (false, word.clone()),
            };
            let mut rooms: Option<Vec<i16>> = None;
            if bare.starts_with("многокомнатн") {
                rooms = Some((4..=MAX_ROOMS).collect());
            } else if let Some(&(_, n)) =
                ROOM_WORDS.iter().find(|(key, _)| fuzzy_prefix(&bare, key))
            {
                rooms = Some(vec![n]);
            }
            let mut from = i;
            if rooms.is_none() && word == "евро" && i + 1 < self.len() {
                // «евро двушка», «евро-трешка»
                let next = if self.t[i + 1].kind == Kind::Dash {
                    i + 2
                } else {
                    i + 1
                };
                if let Some(&(_, n)) = ROOM_WORDS.iter().find(|(key, _)| {
                    self.is_free_word(next) && fuzzy_prefix(&self.t[next].text, key)
                }) {
                    self.take(i, next);
                    from = i;
                    let to = next;
                    self.room_mention(euro_rooms(n), from, to);
                }
                continue;
            }
            let Some(mut rooms) = rooms else { continue };
            if euro {
                rooms = euro_rooms(rooms[0]);
            }
            // «студию или однушку»: separate mentions, joined by finish_rooms.
            if i > 0 && self.t[i - 1].is(&["евро"]) && !self.used[i - 1] {
                rooms = euro_rooms(rooms[0]);
                from = i - 1;
            }
            self.room_mention(rooms, from, i);
        }
    }

    fn room_mention(&mut self, rooms: Vec<i16>, from: usize, to: usize) {
        let (negated, to) = match (self.negation(from), self.refusal_after(to)) {
            (None, Some(end)) => (Some(from), end),
            (negated, _) => (negated, to),
        };
        let from = negated.unwrap_or(from);
        if negated.is_some() {
            self.rooms_no.extend(rooms);
        } else {
            self.rooms_yes.extend(rooms);
        }
        self.rooms_words.push((from, to));
        self.take(from, to);
    }

    /// Rooms of the message: mentions joined; «тоже», «ещё» add to the current rooms; «не студия» removes.
    fn finish_rooms(&mut self) {
        if self.rooms_words.is_empty() {
            return;
        }
        self.additive = self
            .t
            .iter()
            .any(|token| token.is(&["тоже", "также", "еще", "плюс"]));
        let mut rooms: Vec<i16> = if self.additive || self.rooms_yes.is_empty() {
            self.current.rooms.clone().unwrap_or_default()
        } else {
            Vec::new()
        };
        rooms.extend(self.rooms_yes.iter().copied());
        rooms.retain(|room| !self.rooms_no.contains(room));
        rooms.sort_unstable();
        rooms.dedup();
        let from = self
            .rooms_words
            .iter()
            .map(|(from, _)| *from)
            .min()
            .unwrap_or(0);
        let to = self
            .rooms_words
            .iter()
            .map(|(_, to)| *to)
            .max()
            .unwrap_or(0);
        let words = self
            .rooms_words
            .iter()
            .map(|(from, to)| self.words(*from, *to))
            .collect::<Vec<_>>()
            .join(", ");
        if rooms.is_empty() && self.rooms_yes.is_empty() {
            if self.current.rooms.is_some() {
                self.out.changes.push(Change {
                    slot: "rooms",
                    value: Value::Null,
                    words,
                });
            } else {
                self.out.not_understood.push(words);
            }
            let _ = (from, to);
            return;
        }
        self.out.changes.retain(|change| change.slot != "rooms");
        self.out.changes.push(Change {
            slot: "rooms",
            value: json!(rooms),
            words,
        });
    }

    /// «не первый», «не последний», «высокий этаж», «на первом этаже».
    fn floor_phrases(&mut self) {
        for i in 0..self.len() {
            if !self.is_free_word(i) {
                continue;
            }
            let word = self.t[i].text.clone();
            let floor_next = i + 1 < self.len() && is_floor_word(&self.t[i + 1]);
            let to = if floor_next { i + 1 } else { i };
            let first = word.starts_with("перв") && !word.starts_with("первонач");
            let last = word.starts_with("последн")
                || word.starts_with("верхн") && floor_next && word.ends_with("ий");
            if first || word.starts_with("последн") {
                // «кроме первого и последнего»: the negation of the first covers the second.
                let negated = self.negation(i).or_else(|| {
                    (i >= 2 && self.t[i - 1].is(&["и"]) && self.t[i - 2].starts(&["перв"]))
                        .then(|| self.negation(i - 2))
                        .flatten()
                        .map(|_| i - 1)
                });
                let floor_near = floor_next
                    || self.refusal_after(to).is_some()
                    || (i > 0 && is_floor_word(&self.t[i - 1]))
                    || (negated.is_some() && (first || last));
                if !floor_near {
                    continue;
                }
                let (negated, to) = match (negated, self.refusal_after(to)) {
                    (None, Some(end)) => (Some(i), end),
                    (negated, _) => (negated, to),
                };
                match (first, negated) {
                    (true, Some(from)) => self.set("floor_min", json!(2), from, to),
                    (true, None) => {
                        self.set("floor_min", json!(1), i, to);
                        self.set("floor_max", json!(1), i, to);
                    }
                    (false, Some(from)) => self.set("not_last_floor", json!(true), from, to),
                    (false, None) => {
                        self.out.not_understood.push(self.words(i, to));
                        self.take(i, to);
                    }
                }
                continue;
            }
            let high = word.starts_with("высок") || word.starts_with("верхн") || word == "повыше";
            let low = (word.starts_with("низк")
                || word.starts_with("нижн")
                || word.starts_with("невысок")
                || word == "пониже")
                && floor_next;
            let high = high
                && (floor_next
                    || word == "повыше" && i + 1 < self.len() && is_floor_word(&self.t[i + 1]))
                || (word == "повыше" && i > 0 && is_floor_word(&self.t[i - 1]));
            if high && self.negation(i).is_none() {
                let from = if i > 0 && is_floor_word(&self.t[i - 1]) {
                    i - 1
                } else {
                    i
                };
                self.set("floor_min", json!(HIGH_FLOOR), from, to);
            } else if low || (high && self.negation(i).is_some()) {
                let from = self.negation(i).unwrap_or(i);
                self.set("floor_max", json!(LOW_FLOOR), from, to);
            }
        }
    }

    /// «выше десятого этажа»: ordinal words before «этаж» become numbers for [`Self::numbers`].
    fn ordinal_floors(&mut self) {
        for i in 0..self.len() {
            let floor_after = i + 1 < self.len() && is_floor_word(&self.t[i + 1]);
            // «этаж не выше пятого»: the floor word a few words before, the word with an ordinal's ending.
            let floor_before = (i.saturating_sub(3)..i).any(|j| is_floor_word(&self.t[j]))
                && ["ого", "ом", "ый", "ой", "ий", "ем"]
                    .iter()
                    .any(|ending| self.t[i].text.ends_with(ending));
            if self.is_free_word(i) && (floor_after || floor_before) {
                if let Some(value) = ordinal(&self.t[i].text) {
                    self.t[i].kind = Kind::Num(value);
                }
            }
        }
    }

    /// The words before `i` in its clause, nearest first, at most `n`, stopping at used tokens and numbers.
    fn before(&self, i: usize, n: usize) -> Vec<usize> {
        let start = self.clause_start(i);
        (start..i)
            .rev()
            .take(n)
            .take_while(|&j| !self.used[j] && self.t[j].num().is_none())
            .collect()
    }

    fn op_before(&self, i: usize) -> (Op, usize) {
        let idx = self.before(i, 4);
        let words: Vec<&str> = idx.iter().map(|&j| self.word(j)).collect();
        let w = |k: usize| words.get(k).copied().unwrap_or("");
        // Skip fillers between the operator and the number: «до конца 2026», «до 12».
        let skip = usize::from(matches!(w(0), "конца" | "середины" | "где-то" | "уровне"));
        let a = w(skip);
        let b = w(skip + 1);
        let at = |k: usize| idx.get(k).copied().unwrap_or(i);
        let two = |op| (op, at(skip + 1));
        let one = |op| (op, at(skip));
        match (b, a) {
            ("не", "дороже" | "больше" | "более" | "выше" | "позже" | "позднее" | "превышая") => {
                two(Op::Max(false))
            }
            ("не", "меньше" | "менее" | "ниже" | "раньше" | "ранее" | "дешевле") => {
                two(Op::Min(false))
            }
            ("в", "пределах" | "районе") => two(if a == "пределах" {
                Op::Max(false)
            } else {
                Op::About
            }),
            ("до", "конца") => two(Op::Max(false)),
            _ => match a {
                "до" | "максимум" | "макс" | "потолок" | "дешевле" | "пределах" | "по"
                | "всего" => one(Op::Max(false)),
                "меньше" | "ниже" | "раньше" => one(Op::Max(true)),
                "от" | "минимум" | "мин" | "с" | "со" | "начиная" => {
                    one(Op::Min(false))
                }
                "больше" | "более" | "свыше" | "выше" | "после" | "позже" | "дороже" => {
                    one(Op::Min(true))
                }
                "около"
                | "примерно"
                | "порядка"
                | "приблизительно"
                | "где-то"
                | "за"
                | "на"
                | "в" => one(Op::About),
                _ => (Op::Bare, i),
            },
        }
    }

    /// Every number of the message, with its operator, range, multiplier and unit, turned into a slot.
    fn numbers(&mut self) {
        let mut i = 0;
        while i < self.len() {
            if self.used[i] || self.t[i].num().is_none() {
                i += 1;
                continue;
            }
            let Some(group) = self.group(i) else {
                i += 1;
                continue;
            };
            let next = group.to + 1;
            self.assign(group);
            i = next;
        }
    }

    fn group(&mut self, i: usize) -> Option<Group> {
        let n = self.len();
        let value = self.t[i].num()?;
        let (mut op, mut from) = self.op_before(i);
        let mut j = i + 1;
        let skip_ordinal = |j: &mut usize, t: &[Token]| {
            if *j + 1 < n && t[*j].kind == Kind::Dash && is_ordinal_suffix(&t[*j + 1]) {
                *j += 2;
            } else if *j < n && t[*j].glued && is_ordinal_suffix(&t[*j]) && t[*j].text != "м" {
                *j += 1;
            }
        };
        skip_ordinal(&mut j, &self.t);
        let mut mult = None;
        // «тысяч 300 за метр»: the multiplier before the number.
        if i > 0 && !self.used[i - 1] && multiplier(&self.t[i - 1], None).is_some() {
            mult = multiplier(&self.t[i - 1], None);
            from = from.min(i - 1);
        } else if i > 1
            && self.t[i - 1].is(&["за", "по"])
            && !self.used[i - 2]
            && multiplier(&self.t[i - 2], None).is_some()
        {
            // «тысяч за 300»
            mult = multiplier(&self.t[i - 2], None);
            from = from.min(i - 2);
        }
        let mut rooms = false;
        if j < n && multiplier(&self.t[j], Some(value)).is_some() {
            mult = multiplier(&self.t[j], Some(value));
            j += 1;
        } else if j < n && self.t[j].is(&["к"]) && self.t[j].glued {
            rooms = true;
            j += 1;
        }
        let mut values = vec![value];
        let mut list = false;
        // A second value: «7-8», «от 8 до 10», «1 или 2».
        let ranged = matches!(op, Op::Min(_)) || values.len() == 1;
        if j + 1 < n && ranged {
            let joiner = &self.t[j];
            let joins = joiner.kind == Kind::Dash
                || (matches!(op, Op::Min(_)) && joiner.is(&["до", "по"]))
                || joiner.is(&["или"]);
            if joins {
                if let Some(second) = self.t[j + 1].num() {
                    list = joiner.is(&["или"]);
                    values.push(second);
                    if matches!(op, Op::Min(_)) {
                        op = Op::Bare;
                    }
                    j += 2;
                    skip_ordinal(&mut j, &self.t);
                    if j < n && multiplier(&self.t[j], Some(second)).is_some() {
                        mult = multiplier(&self.t[j], Some(second));
                        j += 1;
                    }
                }
            }
        }
        // Units and words after the number.
        let mut group = Group {
            from,
            to: j.saturating_sub(1),
            values,
            list,
            multiplier: mult,
            op,
            rub: false,
            area_unit: false,
            per_m2: false,
            floor: false,
            rooms,
            year_word: false,
            quarter: false,
            kitchen: false,
            area_context: false,
            budget_context: false,
        };
        let mut k = j;
        let mut steps = 0;
        while k < n && steps < 4 && self.t[k].kind != Kind::Punct && !self.used[k] {
            let token = &self.t[k];
            if token.kind == Kind::Plus {
                group.op = Op::Min(false);
            } else if is_rub(token) {
                group.rub = true;
            } else if token.is(&["за", "на"]) && k + 1 < n && is_area_unit(&self.t[k + 1]) {
                group.per_m2 = true;
                k += 1;
            } else if token.is(&["за", "на"])
                && k + 2 < n
                && self.t[k + 1].is(&["квадратный", "кв", "1", "один"])
                && is_area_unit(&self.t[k + 2])
            {
                group.per_m2 = true;
                k += 2;
            } else if is_area_unit(token) {
                if group.multiplier.is_some() || group.rub {
                    group.per_m2 = true;
                } else {
                    group.area_unit = true;
                }
            } else if is_floor_word(token) {
                group.floor = true;
            } else if is_rooms_word(token) || (token.starts(&["комнатн"])) {
                group.rooms = true;
            } else if token.starts(&["квартал"])
                || (token.is(&["кв"])
                    && k + 1 < n
                    && self.t[k + 1]
                        .num()
                        .is_some_and(|v| (2020.0..=2040.0).contains(&v)))
            {
                group.quarter = true;
            } else if is_year_word(token) {
                group.year_word = true;
            } else if token.is(&["и", "или"])
                && k + 1 < n
                && self.t[k + 1].is(&["больше", "более", "выше", "старше"])
            {
                group.op = Op::Min(false);
                k += 1;
            } else if token.is(&["и", "или"])
                && k + 1 < n
                && self.t[k + 1].is(&["меньше", "менее", "ниже", "дешевле"])
            {
                group.op = Op::Max(false);
                k += 1;
            } else if token.is(&["максимум", "макс", "max"]) {
                group.op = Op::Max(false);
            } else if token.is(&["минимум", "мин"]) {
                group.op = Op::Min(false);
            } else if token.is(&["кв", "квадратных", "квадратный", "х", "-"])
                || token.kind == Kind::Dash
                || token.is(&["м"])
            {
                // «60 кв м», «2-х комнатная»
            } else {
                break;
            }
            group.to = k;
            k += 1;
            steps += 1;
        }
        // Context words before the number in its clause.
        let start = self.clause_start(i);
        for c in (start..i).rev().take(6) {
            let token = &self.t[c];
            if token.starts(&["кухн", "кухон"]) {
                group.kitchen = true;
            } else if token.starts(&["площад", "метраж", "квадратур", "размер"])
            {
                group.area_context = true;
            } else if is_area_unit(token) && !self.used[c] {
                // «цена за метр до 250 тысяч», «метр не дороже 300к»
                group.per_m2 = group.per_m2 || group.multiplier.is_some() || value >= 20_000.0;
                group.area_context = true;
            } else if token.starts(&[
                "бюджет",
                "цен",
                "стоимост",
                "денег",
                "деньг",
                "рубл",
                "стоит",
                "стоящ",
                "дороже",
                "дешевле",
                "миллион",
                "потрат",
                "располага",
                "имею",
                "есть",
            ]) {
                group.budget_context = true;
            } else if is_floor_word(token) && c + 3 >= i {
                group.floor = true;
            } else if token.starts(&[
                "сдач",
                "сдан",
                "срок",
                "ввод",
                "заселен",
                "ключ",
                "достро",
                "постро",
                "готов",
            ]) {
                group.year_word = true;
            }
        }
        Some(group)
    }

    fn assign(&mut self, g: Group) {
        let (from, to) = (g.from, g.to);
        let v1 = g.values[0];
        let v2 = g.values.get(1).copied();
        let scaled = |value: f64| value * g.multiplier.unwrap_or(1.0);
        let whole = |value: f64| value.fract() == 0.0;
        let year_like = |value: f64| whole(value) && (2020.0..=2040.0).contains(&value);
        // Rooms: «2 комнаты», «1-2 комнаты», «3+ комнаты», «2к».
        if g.rooms
            && g.multiplier.is_none()
            && g.values
                .iter()
                .all(|v| whole(*v) && *v <= f64::from(MAX_ROOMS))
        {
            let low = v1 as i16;
            let rooms: Vec<i16> = match (v2, g.op) {
                (Some(high), _) if g.list => vec![low, high as i16],
                (Some(high), _) => (low..=high as i16).collect(),
                (None, Op::Min(_)) => (low..=MAX_ROOMS).collect(),
                (None, _) => vec![low],
            };
            let negated = self.negation(from);
            let from = negated.unwrap_or(from);
            if negated.is_some() {
                self.rooms_no.extend(rooms);
            } else {
                self.rooms_yes.extend(rooms);
            }
            self.rooms_words.push((from, to));
            self.take(from, to);
            return;
        }
        // «4+» alone.
        if g.op == Op::Min(false)
            && v2.is_none()
            && g.multiplier.is_none()
            && to > 0
            && self.t[to].kind == Kind::Plus
            && whole(v1)
            && (1.0..=9.0).contains(&v1)
            && !g.floor
            && !g.area_unit
        {
            self.rooms_yes.extend((v1 as i16)..=MAX_ROOMS);
            self.rooms_words.push((from, to));
            self.take(from, to);
            return;
        }
        // Quarters: «3 квартал 2027», «до 2 кв. 2027».
        if g.quarter && whole(v1) && (1.0..=4.0).contains(&v1) && to + 1 < self.len() {
            let year_at = to + 1;
            if let Some(year) = self.t[year_at].num().filter(|v| year_like(*v)) {
                let mut end = year_at;
                if end + 1 < self.len() && is_year_word(&self.t[end + 1]) {
                    end += 1;
                }
                let year = year as i32;
                let quarter = v1 as u32;
                let first = date(year, quarter * 3 - 2, 1);
                let last = quarter_end(year, quarter);
                match g.op {
                    Op::Max(_) => self.set("commissioning_to", last, from, end),
                    Op::Min(_) => self.set("commissioning_from", first, from, end),
                    _ => {
                        self.set("commissioning_from", first, from, end);
                        self.set("commissioning_to", last, from, end);
                    }
                }
                return;
            }
        }
        // Floors.
        if g.floor
            && g.multiplier.is_none()
            && g.values
                .iter()
                .all(|v| whole(*v) && (-5.0..=200.0).contains(v))
        {
            let v1 = v1 as i32;
            match (v2, g.op) {
                (Some(high), _) => {
                    self.set("floor_min", json!(v1), from, to);
                    self.set("floor_max", json!(high as i32), from, to);
                }
                (None, Op::Min(exclusive)) => {
                    self.set("floor_min", json!(v1 + i32::from(exclusive)), from, to)
                }
                (None, Op::Max(exclusive)) => {
                    self.set("floor_max", json!(v1 - i32::from(exclusive)), from, to)
                }
                (None, _) => {
                    self.set("floor_min", json!(v1), from, to);
                    self.set("floor_max", json!(v1), from, to);
                }
            }
            return;
        }
        // Years of commissioning.
        if g.multiplier.is_none()
            && !g.rub
            && !g.area_unit
            && g.values.iter().all(|v| year_like(*v))
        {
            let y1 = v1 as i32;
            match (v2, g.op) {
                (Some(y2), _) => {
                    self.set("commissioning_from", date(y1, 1, 1), from, to);
                    self.set("commissioning_to", date(y2 as i32, 12, 31), from, to);
                }
                (None, Op::Max(exclusive)) => self.set(
                    "commissioning_to",
                    date(y1 - i32::from(exclusive), 12, 31),
                    from,
                    to,
                ),
                (None, Op::Min(exclusive)) => self.set(
                    "commissioning_from",
                    date(y1 + i32::from(exclusive), 1, 1),
                    from,
                    to,
                ),
                (None, _) => {
                    self.set("commissioning_from", date(y1, 1, 1), from, to);
                    self.set("commissioning_to", date(y1, 12, 31), from, to);
                }
            }
            return;
        }
        // Price per m².
        let big = |value: f64| value >= 20_000.0;
        if g.per_m2 && (g.multiplier.is_some() || g.rub || big(scaled(v1))) {
            let low = scaled(v1);
            match (v2, g.op) {
                (Some(high), _) => {
                    self.set("price_m2_min", money(low), from, to);
                    self.set("price_m2_max", money(scaled(high)), from, to);
                }
                (None, Op::Min(_)) => self.set("price_m2_min", money(low), from, to),
                (None, _) => self.set("price_m2_max", money(low), from, to),
            }
            return;
        }
        // Kitchen.
        if g.kitchen && g.multiplier.is_none() && !g.rub && v1 <= 60.0 {
            match g.op {
                Op::Max(_) => {
                    self.out.not_understood.push(self.words(from, to));
                    self.take(from, to);
                }
                _ => self.set("kitchen_area_min", area(v1), from, to),
            }
            return;
        }
        // Area.
        if (g.area_unit || (g.area_context && !g.budget_context))
            && g.multiplier.is_none()
            && !g.rub
            && v1 <= 1000.0
        {
            match (v2, g.op) {
                (Some(high), _) => {
                    self.set("area_min", area(v1), from, to);
                    self.set("area_max", area(high), from, to);
                }
                (None, Op::Max(_)) => self.set("area_max", area(v1), from, to),
                (None, _) => self.set("area_min", area(v1), from, to),
            }
            return;
        }
        // Price: a multiplier, roubles, a big number, or a small one where a budget is meant.
        let mut mult = g.multiplier;
        // A bare small number in a follow-up after a budget («а если 15?») is the new budget too.
        let budget_before = self.current.price_max.is_some() || self.current.price_min.is_some();
        let budget_op = !matches!(g.op, Op::Bare) || g.budget_context || budget_before;
        if mult.is_none()
            && !g.rub
            && v1 < 1000.0
            && budget_op
            && v1 >= 1.0
            && v2.is_none_or(|v| v <= 300.0)
            && v1 <= 300.0
        {
            // «до 12», «бюджет 10»: millions.
            mult = Some(1e6);
        }
        let value = v1 * mult.unwrap_or(1.0);
        if (mult.is_some() || g.rub || value >= 100_000.0) && value >= 300_000.0 {
            let high = v2.map(|v| v * mult.unwrap_or(1.0));
            match (high, g.op) {
                (Some(high), _) => {
                    self.set("price_min", money(value), from, to);
                    self.set("price_max", money(high), from, to);
                }
                (None, Op::Min(_)) => self.set("price_min", money(value), from, to),
                (None, _) => self.set("price_max", money(value), from, to),
            }
            return;
        }
        self.out.not_understood.push(self.words(from, to));
        self.take(from, to);
    }

    fn classes(&mut self) {
        let mut yes: Vec<&'static str> = Vec::new();
        let mut no: Vec<&'static str> = Vec::new();
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for i in 0..self.len() {
            if !self.is_free_word(i) {
                continue;
            }
            let word = self.t[i].text.clone();
            let Some(&(_, class)) = CLASS_WORDS
                .iter()
                .find(|(key, _)| fuzzy_prefix(&word, key) && !word.starts_with("бизнес-центр"))
            else {
                continue;
            };
            let mut to = i;
            if i + 1 < self.len() && self.t[i + 1].starts(&["класс", "клас"]) {
                to = i + 1;
            }
            if to + 1 < self.len() && self.t[to + 1].kind == Kind::Plus {
                to += 1;
            }
            let negated = self.negation(i);
            if negated.is_some() {
                no.push(class);
            } else {
                yes.push(class);
            }
            let from = negated.unwrap_or(i);
            spans.push((from, to));
            self.take(from, to);
        }
        if spans.is_empty() {
            return;
        }
        let mut classes: Vec<&str> = if yes.is_empty() {
            CLASSES
                .iter()
                .copied()
                .filter(|class| !no.contains(class))
                .collect()
        } else {
            CLASSES
                .iter()
                .copied()
                .filter(|class| yes.contains(class) && !no.contains(class))
                .collect()
        };
        classes.dedup();
        let words = spans
            .iter()
            .map(|(from, to)| self.words(*from, *to))
            .collect::<Vec<_>>()
            .join(", ");
        self.out.changes.push(Change {
            slot: "class",
            value: json!(classes),
            words,
        });
    }

    fn regions(&mut self) {
        for i in 0..self.len() {
            if !self.is_free_word(i) {
                continue;
            }
            let word = self.t[i].text.clone();
            for (prefix, needs_word, code) in places::REGIONS {
                if !word.starts_with(prefix) {
                    continue;
                }
                let region_word = |j: usize| {
                    j < self.len() && self.t[j].starts(&["обл", "кра", "республик", "регион"])
                };
                let to = if region_word(i + 1) { i + 1 } else { i };
                if *needs_word && to == i {
                    continue;
                }
                match self.negation(i) {
                    Some(from) => {
                        if self.current.region.as_deref() == Some(*code) {
                            self.set("region", Value::Null, from, to);
                        } else {
                            self.take(from, to);
                        }
                    }
                    None => self.set("region", json!(code), i, to),
                }
                break;
            }
        }
    }

    fn cities(&mut self) {
        let mut i = 0;
        let mut chosen: Option<(String, usize, usize)> = None;
        while i < self.len() {
            if !self.is_free_word(i) {
                i += 1;
                continue;
            }
            let words: Vec<&str> = (i..self.len().min(i + 3))
                .take_while(|&j| self.is_free_word(j))
                .map(|j| self.word(j))
                .collect();
            let Some((place, taken)) = self.ctx.cities.match_at(&words) else {
                i += 1;
                continue;
            };
            let to = i + taken - 1;
            let negated = self.negation(i);
            match place {
                Place::Known(city) => match negated {
                    Some(from) => {
                        if self
                            .current
                            .city
                            .as_deref()
                            .is_some_and(|current| current == city)
                            || chosen
                                .as_ref()
                                .is_some_and(|(chosen, _, _)| *chosen == city)
                        {
                            chosen = None;
                            self.set("city", Value::Null, from, to);
                        } else {
                            self.take(from, to);
                        }
                    }
                    None => {
                        chosen = Some((city, i, to));
                        self.take(i, to);
                    }
                },
                Place::Unknown(city) => {
                    let from = negated.unwrap_or(i);
                    if negated.is_none() {
                        self.out.unknown_city = Some(city);
                        self.out.not_understood.push(self.words(from, to));
                    }
                    self.take(from, to);
                }
            }
            i = to + 1;
        }
        if let Some((city, from, to)) = chosen {
            // «в пределах Москвы», «по Москве»: the preposition belongs to the words.
            let from = if from > 0 && self.t[from - 1].is(&["в", "во", "по", "из"]) {
                from - 1
            } else {
                from
            };
            self.set("city", json!(city), from, to);
        }
    }

    fn commissioning_phrases(&mut self) {
        let today = self.ctx.today;
        let year = today.year();
        for i in 0..self.len() {
            if !self.is_free_word(i) {
                continue;
            }
            let word = self.t[i].text.clone();
            let next = |k: usize| self.word(i + k).to_owned();
            // «уже сдан», «сданный дом», «готовое жильё», «ключи сразу».
            let ready = (word.starts_with("сдан") || word.starts_with("сданн"))
                && !next(1).starts_with("в")
                || word.starts_with("готов")
                    && (next(1).starts_with("дом")
                        || next(1).starts_with("жиль")
                        || next(1).starts_with("квартир")
                        || next(1).starts_with("новостро")
                        || self.t.iter().any(|t| t.starts(&["сдан", "дом"])))
                || word.starts_with("построенн")
                || (word == "ключи" && next(1) == "сразу");
            if ready && self.negation(i).is_none() {
                let from = if i > 0 && self.t[i - 1].is(&["уже", "дом"]) {
                    i - 1
                } else {
                    i
                };
                let to = if next(1) == "сразу" || next(1).starts_with("дом") {
                    i + 1
                } else {
                    i
                };
                self.set("commissioning_to", json!(today.to_string()), from, to);
                continue;
            }
            if ready && self.negation(i).is_some() {
                // «ещё не сдан»: строится.
                let from = self.negation(i).unwrap_or(i);
                self.set(
                    "commissioning_from",
                    json!(today.succ_opt().unwrap_or(today).to_string()),
                    from,
                    i,
                );
                continue;
            }
            // «в этом году», «в следующем году», «до конца года».
            let this =
                word.starts_with("этом") || word.starts_with("этого") || word.starts_with("текущ");
            let following = word.starts_with("следующ");
            if (this || following) && self.t.get(i + 1).is_some_and(is_year_word) {
                let target = if this { year } else { year + 1 };
                let from = if i > 0 && self.t[i - 1].is(&["в", "на"]) {
                    i - 1
                } else {
                    i
                };
                let until = i >= 2 && self.t[i - 2].is(&["до"]) && self.t[i - 1].is(&["конца"]);
                if until {
                    self.set("commissioning_to", date(target, 12, 31), i - 2, i + 1);
                } else {
                    self.set("commissioning_from", date(target, 1, 1), from, i + 1);
                    self.set("commissioning_to", date(target, 12, 31), from, i + 1);
                }
                continue;
            }
            if word == "конца"
                && i > 0
                && self.t[i - 1].is(&["до", "к"])
                && self.t.get(i + 1).is_some_and(is_year_word)
            {
                self.set("commissioning_to", date(year, 12, 31), i - 1, i + 1);
            }
        }
    }

    fn balcony_and_promotion(&mut self) {
        for i in 0..self.len() {
            if !self.is_free_word(i) {
                continue;
            }
            let word = self.t[i].text.clone();
            if word.starts_with("балкон") || word.starts_with("лоджи") {
                let negated = self.negation(i).or_else(|| {
                    (i + 2 < self.len()
                        && self.t[i + 1].is(&["не"])
                        && self.t[i + 2].starts(&["нуж", "обязат", "важ"]))
                    .then_some(i)
                });
                match negated {
                    Some(from) if from < i => self.set("balcony", json!(false), from, i),
                    Some(_) => self.set("balcony", Value::Null, i, i + 2),
                    None => {
                        let from = if i > 0 && self.t[i - 1].is(&["с", "со", "есть", "и"]) {
                            i - 1
                        } else {
                            i
                        };
                        self.set("balcony", json!(true), from, i);
                    }
                }
            } else if word.starts_with("скидк")
                || (word.starts_with("акци") && !word.starts_with("акционер"))
                || word.starts_with("спецпредлож")
                || word.starts_with("распродаж")
                || word.starts_with("промо")
            {
                match self.negation(i) {
                    Some(from) => self.set("with_promotion", Value::Null, from, i),
                    None => {
                        let from = if i > 0 && self.t[i - 1].is(&["со", "с", "по", "есть"])
                        {
                            i - 1
                        } else {
                            i
                        };
                        self.set("with_promotion", json!(true), from, i);
                    }
                }
            }
        }
    }

    /// «подешевле», «самые популярные», «побольше площадь», «поскорее сдача».
    fn order(&mut self) {
        for i in 0..self.len() {
            if !self.is_free_word(i) {
                continue;
            }
            let word = self.t[i].text.clone();
            let near = |prefixes: &[&str]| {
                (i.saturating_sub(2)..(i + 3).min(self.len()))
                    .any(|j| j != i && self.t[j].starts(prefixes))
            };
            let sort = if word == "подешевле"
                || word == "дешевле"
                || word.starts_with("дешев")
                || word.starts_with("недорог")
                || word.starts_with("самые-дешев")
            {
                if near(&["метр", "квадрат", "м2"]) {
                    Some("price_per_m2")
                } else {
                    Some("price")
                }
            } else if (word == "подороже" || word.starts_with("дорог"))
                && !(i > 0 && self.t[i - 1].is(&["и", "можно"]))
            {
                // «можно и подороже» allows a higher price; it is not an order.
                Some("-price")
            } else if word.starts_with("популярн")
                || word.starts_with("востребован")
                || word.starts_with("ходов")
                || word.starts_with("хит")
            {
                Some("popularity")
            } else if word == "побольше"
                || word == "попросторнее"
                || word.starts_with("просторн")
                || ((word.starts_with("больш") || word.starts_with("крупн"))
                    && near(&["площад", "метраж", "самы"]))
            {
                if near(&["кухн", "этаж"]) {
                    None
                } else {
                    Some("-area")
                }
            } else if (word == "поскорее"
                || word == "побыстрее"
                || word.starts_with("скорее")
                || word.starts_with("ближайш")
                || word.starts_with("быстрее")
                || word.starts_with("раньше"))
                && near(&["сдач", "сдан", "засел", "ввод", "въех"])
            {
                Some("commissioning")
            } else {
                None
            };
            let Some(sort) = sort else { continue };
            let from = if i > 0
                && self.t[i - 1].is(&["самые", "самое", "самую", "самых", "максимально", "по"])
            {
                i - 1
            } else {
                i
            };
            let mut to = i;
            if i + 1 < self.len() && self.t[i + 1].starts(&["площад", "метраж", "сдач"])
            {
                to = i + 1;
            }
            // «подешевле» in a follow-up also tightens the budget: 10 % below the current ceiling.
            if sort == "price"
                && word == "подешевле"
                && !self.out.changes.iter().any(|c| c.slot == "price_max")
            {
                if let Some(max) = self.current.price_max {
                    let lowered = ((max as f64 * 0.9) / 10_000.0).round() * 10_000.0;
                    self.set("price_max", money(lowered), from, to);
                }
            }
            self.set("sort", json!(sort), from, to);
        }
    }

    /// Unused numbers and words of topics we know but do not search by.
    fn leftovers(&mut self) {
        let mut i = 0;
        while i < self.len() {
            if self.used[i] {
                i += 1;
                continue;
            }
            let token = &self.t[i];
            let interesting = token.num().is_some()
                || (token.is_word() && unsupported_topic(&token.text, UNSUPPORTED_TOPICS));
            if interesting {
                let from = i;
                let mut to = i;
                while to + 1 < self.len()
                    && !self.used[to + 1]
                    && self.t[to + 1].kind != Kind::Punct
                    && to < i + 3
                {
                    to += 1;
                }
                self.out.not_understood.push(self.words(from, to));
                self.take(from, to);
                i = to + 1;
            } else {
                i += 1;
            }
        }
    }
}

/// «евро-N»: a kitchen-living room and N−1 bedrooms; catalogs list it as N−1 or N rooms, so both.
fn euro_rooms(n: i16) -> Vec<i16> {
    if n <= 1 {
        vec![n]
    } else {
        vec![n - 1, n]
    }
}

fn quarter_end(year: i32, quarter: u32) -> Value {
    match quarter {
        1 => date(year, 3, 31),
        2 => date(year, 6, 30),
        3 => date(year, 9, 30),
        _ => date(year, 12, 31),
    }
}

/// «высокий этаж»: from this floor up.
pub const HIGH_FLOOR: i32 = 10;
/// «низкий этаж»: up to this floor.
pub const LOW_FLOOR: i32 = 5;

#[cfg(test)]
mod tests;
