//! Checks of Russian identifiers and contact data; each answers a Russian message for a 422.

use crate::error::{AppError, AppResult, FieldError};

pub const MAX_EMAIL_LENGTH: usize = 254;

/// Collects every field error of a request so that one 422 lists them all.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// The value, or its default after recording the error under `field`.
    pub fn check<T: Default, E: Into<String>>(&mut self, field: &str, result: Result<T, E>) -> T {
        result.unwrap_or_else(|message| {
            self.add(field, message);
            T::default()
        })
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}
pub const MAX_URL_LENGTH: usize = 2000;

/// Trimmed and lowercased; the same rule as the `users_email_format_check` constraint.
pub fn normalize_email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim().to_lowercase();
    if email.chars().count() > MAX_EMAIL_LENGTH {
        return Err("email длиннее 254 символов");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err("некорректный email");
    };
    let well_formed = !local.is_empty()
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace)
        && domain.split_once('.').is_some_and(|(head, tail)| {
            !head.is_empty() && !tail.is_empty() && !tail.ends_with('.')
        });
    if well_formed {
        Ok(email)
    } else {
        Err("некорректный email")
    }
}

/// E.164. Russian habits are accepted: `8 (916) 123-45-67`, `+7 916 123 45 67`, `9161234567`.
pub fn normalize_phone(raw: &str) -> Result<String, &'static str> {
    const INVALID: &str = "некорректный телефон: ожидается формат +79161234567";
    let trimmed = raw.trim();
    let international = trimmed.starts_with('+');
    let body = trimmed.strip_prefix('+').unwrap_or(trimmed);
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.'))
    {
        return Err(INVALID);
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    let e164_digits = match (international, digits.len(), digits.chars().next()) {
        (true, 7..=15, Some('1'..='9')) => digits,
        (false, 11, Some('7' | '8')) => format!("7{}", &digits[1..]),
        (false, 10, Some('9')) => format!("7{digits}"),
        _ => return Err(INVALID),
    };
    Ok(format!("+{e164_digits}"))
}

fn digits_of(value: &str) -> Option<Vec<u32>> {
    value.chars().map(|c| c.to_digit(10)).collect()
}

fn weighted_check_digit(digits: &[u32], weights: &[u32]) -> u32 {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    sum % 11 % 10
}

/// ИНН юрлица (10 цифр) или физлица/ИП (12 цифр) с контрольными цифрами.
pub fn validate_inn(inn: &str) -> Result<(), &'static str> {
    const WEIGHTS_10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
    const WEIGHTS_11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
    const WEIGHTS_12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
    let digits = digits_of(inn).ok_or("ИНН должен состоять из цифр")?;
    let valid = match digits.len() {
        10 => weighted_check_digit(&digits[..9], &WEIGHTS_10) == digits[9],
        12 => {
            weighted_check_digit(&digits[..10], &WEIGHTS_11) == digits[10]
                && weighted_check_digit(&digits[..11], &WEIGHTS_12) == digits[11]
        }
        _ => return Err("ИНН должен содержать 10 (юрлицо) или 12 (ИП) цифр"),
    };
    if valid {
        Ok(())
    } else {
        Err("неверная контрольная сумма ИНН")
    }
}

/// ОГРН (13 цифр) или ОГРНИП (15 цифр): последняя цифра — остаток от деления на 11 или 13.
pub fn validate_ogrn(ogrn: &str) -> Result<(), &'static str> {
    let digits = digits_of(ogrn).ok_or("ОГРН должен состоять из цифр")?;
    let modulus = match digits.len() {
        13 => 11,
        15 => 13,
        _ => return Err("ОГРН должен содержать 13 цифр (ОГРНИП — 15)"),
    };
    let (body, check) = digits.split_at(digits.len() - 1);
    let remainder = body
        .iter()
        .fold(0u64, |acc, digit| (acc * 10 + u64::from(*digit)) % modulus);
    if remainder % 10 == u64::from(check[0]) {
        Ok(())
    } else {
        Err("неверная контрольная сумма ОГРН")
    }
}

/// A legal entity has a 10-digit ИНН and a 13-digit ОГРН; an individual entrepreneur 12 and 15.
pub fn validate_inn_matches_ogrn(inn: &str, ogrn: &str) -> Result<(), &'static str> {
    match (inn.len(), ogrn.len()) {
        (10, 13) | (12, 15) => Ok(()),
        _ => Err("ОГРН не соответствует ИНН: у юрлица ИНН 10 цифр и ОГРН 13, у ИП — 12 и 15"),
    }
}

pub fn validate_http_url(url: &str) -> Result<(), &'static str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("ссылка должна начинаться с http:// или https://")?;
    if rest.is_empty()
        || url.chars().count() > MAX_URL_LENGTH
        || url.chars().any(char::is_whitespace)
    {
        return Err("некорректная ссылка");
    }
    Ok(())
}

/// Trimmed; 1 to `max_chars` characters.
pub fn required_text(raw: &str, max_chars: usize) -> Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("не может быть пустым".into());
    }
    if text.chars().count() > max_chars {
        return Err(format!("не длиннее {max_chars} символов"));
    }
    Ok(text.to_owned())
}

/// Субъекты РФ по ISO 3166-2:RU (83 кода) и общепринятые RU-CR (Республика Крым) и RU-SEV (Севастополь).
pub const RU_REGION_CODES: [&str; 85] = [
    "RU-AD", "RU-AL", "RU-BA", "RU-BU", "RU-CE", "RU-CU", "RU-DA", "RU-IN", "RU-KB", "RU-KL",
    "RU-KC", "RU-KR", "RU-KK", "RU-KO", "RU-ME", "RU-MO", "RU-SA", "RU-SE", "RU-TA", "RU-TY",
    "RU-UD", "RU-ALT", "RU-KAM", "RU-KHA", "RU-KDA", "RU-KYA", "RU-PER", "RU-PRI", "RU-STA",
    "RU-ZAB", "RU-AMU", "RU-ARK", "RU-AST", "RU-BEL", "RU-BRY", "RU-CHE", "RU-IRK", "RU-IVA",
    "RU-KGD", "RU-KLU", "RU-KEM", "RU-KIR", "RU-KOS", "RU-KGN", "RU-KRS", "RU-LEN", "RU-LIP",
    "RU-MAG", "RU-MOS", "RU-MUR", "RU-NIZ", "RU-NGR", "RU-NVS", "RU-OMS", "RU-ORE", "RU-ORL",
    "RU-PNZ", "RU-PSK", "RU-ROS", "RU-RYA", "RU-SAK", "RU-SAM", "RU-SAR", "RU-SMO", "RU-SVE",
    "RU-TAM", "RU-TOM", "RU-TUL", "RU-TVE", "RU-TYU", "RU-ULY", "RU-VLA", "RU-VGG", "RU-VLG",
    "RU-VOR", "RU-YAR", "RU-MOW", "RU-SPE", "RU-YEV", "RU-CHU", "RU-KHM", "RU-NEN", "RU-YAN",
    "RU-CR", "RU-SEV",
];

/// Код субъекта РФ: `RU-MOW`, `RU-SPE`, `RU-KDA`… (регистр букв не важен, ответ — в верхнем регистре).
pub fn normalize_region_code(raw: &str) -> Result<String, &'static str> {
    let code = raw.trim().to_uppercase();
    if RU_REGION_CODES.contains(&code.as_str()) {
        Ok(code)
    } else {
        Err("неизвестный код субъекта РФ: ожидается ISO 3166-2, например RU-MOW")
    }
}

/// Latitudes of Russia, degrees.
pub const RUSSIAN_LATITUDES: (f64, f64) = (41.1, 82.0);
/// Longitudes of Russia, degrees: up to the antimeridian, and Chukotka beyond it.
pub const RUSSIAN_LONGITUDES: [(f64, f64); 2] = [(19.6, 180.0), (-180.0, -168.9)];

fn within((minimum, maximum): (f64, f64), value: f64) -> bool {
    (minimum..=maximum).contains(&value)
}

/// Широта в градусах: в пределах [-90, 90] и в пределах России (41,1…82).
pub fn validate_latitude(latitude: f64) -> Result<(), &'static str> {
    if !(-90.0..=90.0).contains(&latitude) {
        return Err("широта должна быть от -90 до 90");
    }
    if !within(RUSSIAN_LATITUDES, latitude) {
        return Err("точка вне России: широта от 41,1 до 82");
    }
    Ok(())
}

/// Долгота в градусах: в пределах [-180, 180] и в пределах России (19,6…180 и Чукотка за антимеридианом до -168,9).
pub fn validate_longitude(longitude: f64) -> Result<(), &'static str> {
    if !(-180.0..=180.0).contains(&longitude) {
        return Err("долгота должна быть от -180 до 180");
    }
    if !RUSSIAN_LONGITUDES
        .into_iter()
        .any(|range| within(range, longitude))
    {
        return Err("точка вне России: долгота от 19,6 до 180 (Чукотка — до -168,9)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sberbank_identifiers_are_valid() {
        assert_eq!(validate_inn("7707083893"), Ok(()));
        assert_eq!(validate_ogrn("1027700132195"), Ok(()));
        assert_eq!(
            validate_inn_matches_ogrn("7707083893", "1027700132195"),
            Ok(())
        );
    }

    #[test]
    fn individual_entrepreneur_identifiers_are_valid() {
        assert_eq!(validate_inn("500100732259"), Ok(()));
        assert_eq!(validate_ogrn("304500116000157"), Ok(()));
        assert!(validate_inn_matches_ogrn("500100732259", "1027700132195").is_err());
    }

    #[test]
    fn wrong_check_digits_and_lengths_are_rejected() {
        assert!(validate_inn("7707083894").is_err());
        assert!(validate_inn("500100732258").is_err());
        assert!(validate_inn("77070838").is_err());
        assert!(validate_inn("770708389x").is_err());
        assert!(validate_ogrn("1027700132196").is_err());
        assert!(validate_ogrn("304500116000158").is_err());
        assert!(validate_ogrn("10277001321").is_err());
    }

    #[test]
    fn russian_phone_formats_become_e164() {
        for raw in [
            "8 (916) 123-45-67",
            "+7 916 123-45-67",
            "79161234567",
            "89161234567",
            "9161234567",
            " +7(916)1234567 ",
        ] {
            assert_eq!(normalize_phone(raw).as_deref(), Ok("+79161234567"), "{raw}");
        }
        assert_eq!(
            normalize_phone("+375 29 123-45-67").as_deref(),
            Ok("+375291234567")
        );
        for raw in [
            "",
            "12345",
            "+0 123 456 789",
            "8 916 123 45 6",
            "phone",
            "+7 916 abc",
        ] {
            assert!(normalize_phone(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            normalize_email("  Ivan.Petrov@Example.RU ").as_deref(),
            Ok("ivan.petrov@example.ru")
        );
        for raw in [
            "ivan",
            "ivan@",
            "@example.ru",
            "ivan@example",
            "iv an@example.ru",
            "a@b@c.ru",
            "a@.ru",
            "a@b.",
        ] {
            assert!(normalize_email(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn urls_must_be_http() {
        assert_eq!(validate_http_url("https://pik.ru"), Ok(()));
        assert!(validate_http_url("ftp://pik.ru").is_err());
        assert!(validate_http_url("https://").is_err());
        assert!(validate_http_url("javascript:alert(1)").is_err());
    }

    #[test]
    fn region_codes_and_russian_coordinates() {
        assert_eq!(normalize_region_code(" ru-mow ").as_deref(), Ok("RU-MOW"));
        assert_eq!(RU_REGION_CODES.len(), 85);
        assert!(normalize_region_code("RU-XXX").is_err());
        assert!(normalize_region_code("US-CA").is_err());
        assert_eq!(validate_latitude(55.75), Ok(()));
        assert!(validate_latitude(91.0).is_err());
        assert!(validate_latitude(40.0).is_err());
        assert_eq!(validate_longitude(37.62), Ok(()));
        assert_eq!(validate_longitude(-172.0), Ok(()));
        assert!(validate_longitude(2.35).is_err());
        assert!(validate_longitude(181.0).is_err());
    }
}
