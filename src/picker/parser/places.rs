//! Cities of the catalog (as `projects.city` spells them), their short names, regions and the big cities the
//! catalog does not have. A word matches a city when their Russian Snowball stems are equal or, for stems of five
//! letters and more, one edit apart (a typo or a transposition).

use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Russian));

/// The Russian Snowball stem of a normalised word.
pub fn stem(word: &str) -> String {
    STEMMER.stem(word).into_owned()
}

/// Optimal string alignment distance (a transposition counts as one edit).
pub fn edits(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Whether two stems are the same word: equal, or one edit apart when both have five letters or more.
pub fn stems_match(word: &str, known: &str) -> bool {
    word == known
        || (known.chars().count() >= 5 && word.chars().count() >= 5 && edits(word, known) <= 1)
}

/// Short and colloquial names (normalised, matched by stem) → the usual spelling of the city.
const ALIASES: &[(&str, &str)] = &[
    ("питер", "Санкт-Петербург"),
    ("спб", "Санкт-Петербург"),
    ("петербург", "Санкт-Петербург"),
    ("питербург", "Санкт-Петербург"),
    ("ленинград", "Санкт-Петербург"),
    ("мск", "Москва"),
    ("столица", "Москва"),
    ("екб", "Екатеринбург"),
    ("екат", "Екатеринбург"),
    ("ебург", "Екатеринбург"),
    ("екатеринбург", "Екатеринбург"),
    ("нск", "Новосибирск"),
    ("новосиб", "Новосибирск"),
    ("нн", "Нижний Новгород"),
    ("нижний-новгород", "Нижний Новгород"),
    ("кзн", "Казань"),
    ("крд", "Краснодар"),
    ("кдр", "Краснодар"),
    ("ростов", "Ростов-на-Дону"),
    ("рнд", "Ростов-на-Дону"),
];

/// Big cities, by stem, that a buyer may name; said «нет в каталоге» unless the catalog has them.
const OTHER_CITIES: &[(&str, &str)] = &[
    ("омск", "Омск"),
    ("самар", "Самара"),
    ("челябинск", "Челябинск"),
    ("уф", "Уфа"),
    ("перм", "Пермь"),
    ("воронеж", "Воронеж"),
    ("волгоград", "Волгоград"),
    ("красноярск", "Красноярск"),
    ("саратов", "Саратов"),
    ("тюмен", "Тюмень"),
    ("тольятт", "Тольятти"),
    ("ижевск", "Ижевск"),
    ("барнаул", "Барнаул"),
    ("ульяновск", "Ульяновск"),
    ("иркутск", "Иркутск"),
    ("хабаровск", "Хабаровск"),
    ("ярославл", "Ярославль"),
    ("владивосток", "Владивосток"),
    ("махачкал", "Махачкала"),
    ("томск", "Томск"),
    ("оренбург", "Оренбург"),
    ("кемеров", "Кемерово"),
    ("рязан", "Рязань"),
    ("астрахан", "Астрахань"),
    ("пенз", "Пенза"),
    ("липецк", "Липецк"),
    ("калининград", "Калининград"),
    ("тул", "Тула"),
    ("киров", "Киров"),
    ("чебоксар", "Чебоксары"),
    ("курск", "Курск"),
    ("ставропол", "Ставрополь"),
    ("севастопол", "Севастополь"),
    ("твер", "Тверь"),
    ("брянск", "Брянск"),
    ("белгород", "Белгород"),
    ("сургут", "Сургут"),
    ("мурманск", "Мурманск"),
    ("архангельск", "Архангельск"),
    ("калуг", "Калуга"),
    ("смоленск", "Смоленск"),
    ("анап", "Анапа"),
    ("геленджик", "Геленджик"),
    ("соч", "Сочи"),
    ("минск", "Минск"),
];

/// The cities the parser knows without a catalog: used while the catalog has no published project, so a fresh
/// installation still understands places.
pub fn known_city_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = ALIASES
        .iter()
        .chain(OTHER_CITIES.iter())
        .map(|(_, name)| *name)
        .chain(["Казань", "Краснодар"])
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Regions: a word by stem prefix (and whether it needs «область»/«край» beside it) → ISO 3166-2.
pub const REGIONS: &[(&str, bool, &str)] = &[
    ("подмосков", false, "RU-MOS"),
    ("ленобласт", false, "RU-LEN"),
    ("татарстан", false, "RU-TA"),
    ("кубан", false, "RU-KDA"),
    ("московск", true, "RU-MOS"),
    ("ленинградск", true, "RU-LEN"),
    ("свердловск", true, "RU-SVE"),
    ("новосибирск", true, "RU-NVS"),
    ("нижегородск", true, "RU-NIZ"),
    ("краснодарск", true, "RU-KDA"),
    ("ростовск", true, "RU-ROS"),
];

/// One city: its catalog spelling and the stems of its words.
#[derive(Debug, Clone)]
struct City {
    name: String,
    stems: Vec<String>,
}

/// The catalog's cities, ready for matching. Built when the list is loaded, not per message.
#[derive(Debug, Clone, Default)]
pub struct CityIndex {
    cities: Vec<City>,
}

/// A city found in the message.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// A city of the catalog, as the catalog spells it.
    Known(String),
    /// A city the catalog has no apartments in.
    Unknown(String),
}

impl CityIndex {
    pub fn new<S: AsRef<str>>(names: &[S]) -> Self {
        let cities = names
            .iter()
            .map(|name| City {
                name: name.as_ref().trim().to_owned(),
                stems: name
                    .as_ref()
                    .to_lowercase()
                    .replace('ё', "е")
                    .split_whitespace()
                    .map(stem)
                    .collect(),
            })
            .filter(|city| !city.stems.is_empty())
            .collect();
        Self { cities }
    }

    /// The catalog spellings, in order.
    pub fn names(&self) -> Vec<&str> {
        self.cities.iter().map(|city| city.name.as_str()).collect()
    }

    fn known(&self, name: &str) -> Place {
        match self
            .cities
            .iter()
            .find(|city| city.name.to_lowercase() == name.to_lowercase())
        {
            Some(city) => Place::Known(city.name.clone()),
            None => Place::Unknown(name.to_owned()),
        }
    }

    /// The place that `words` (normalised words from one position on) start with, and how many words it takes.
    pub fn match_at(&self, words: &[&str]) -> Option<(Place, usize)> {
        let first = *words.first()?;
        let stems: Vec<String> = words.iter().take(3).map(|word| stem(word)).collect();
        // The catalog's own cities, longest first.
        let mut best: Option<(Place, usize)> = None;
        for city in &self.cities {
            let n = city.stems.len();
            if stems.len() >= n
                && city
                    .stems
                    .iter()
                    .zip(&stems)
                    .zip(words)
                    .all(|((known, stemmed), word)| {
                        stems_match(stemmed, known) || stems_match(word, known)
                    })
                && best.as_ref().is_none_or(|(_, taken)| *taken < n)
            {
                best = Some((Place::Known(city.name.clone()), n));
            }
        }
        if best.is_some() {
            return best;
        }
        if stems[0] == "нижн" {
            // «в Нижнем», «нижний, двушка»: «нижний этаж» is taken by the floor rules before.
            let taken = if words.len() >= 2 && stems_match(&stems[1], "новгород") {
                2
            } else {
                1
            };
            return Some((self.known("Нижний Новгород"), taken));
        }
        if words.len() >= 2 && stems[0] == "северн" && stems[1] == "столиц" {
            return Some((self.known("Санкт-Петербург"), 2));
        }
        let first_stem = &stems[0];
        for (alias, name) in ALIASES {
            if first == *alias || *first_stem == stem(alias) {
                return Some((self.known(name), 1));
            }
        }
        for (known, name) in OTHER_CITIES {
            if stems_match(first_stem, known) {
                return Some((self.known(name), 1));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> CityIndex {
        CityIndex::new(&[
            "Москва",
            "Санкт-Петербург",
            "Казань",
            "Нижний Новгород",
            "Екатеринбург",
        ])
    }

    #[test]
    fn case_forms_short_names_and_typos() {
        let index = index();
        let known = |name: &str| Some((Place::Known(name.to_owned()), 1));
        assert_eq!(index.match_at(&["казани"]), known("Казань"));
        assert_eq!(index.match_at(&["москве"]), known("Москва"));
        assert_eq!(index.match_at(&["маскве"]), known("Москва"));
        assert_eq!(index.match_at(&["питере"]), known("Санкт-Петербург"));
        assert_eq!(index.match_at(&["спб"]), known("Санкт-Петербург"));
        assert_eq!(
            index.match_at(&["санкт-петербурге"]),
            known("Санкт-Петербург")
        );
        assert_eq!(index.match_at(&["екб"]), known("Екатеринбург"));
        assert_eq!(
            index.match_at(&["нижнем", "новгороде"]),
            Some((Place::Known("Нижний Новгород".into()), 2))
        );
        assert_eq!(
            index.match_at(&["омске"]),
            Some((Place::Unknown("Омск".into()), 1))
        );
        assert_eq!(
            index.match_at(&["нск"]),
            Some((Place::Unknown("Новосибирск".into()), 1))
        );
        assert_eq!(index.match_at(&["квартиру"]), None);
        assert_eq!(index.match_at(&["метро"]), None);
        assert_eq!(edits("казан", "казна"), 1);
    }

    #[test]
    fn without_a_catalog_the_built_in_cities_are_known() {
        let index = CityIndex::new(&known_city_names());
        for (word, city) in [
            ("казани", "Казань"),
            ("омске", "Омск"),
            ("питере", "Санкт-Петербург"),
        ] {
            assert_eq!(
                index.match_at(&[word]),
                Some((Place::Known(city.to_owned()), 1)),
                "{word}"
            );
        }
    }
}
