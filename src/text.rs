//! Russian text for people: plural forms of nouns, amounts of roubles, file errors.

use rust_decimal::Decimal;

/// The form of a noun after `count`: `one` for 1, 21, 101…; `few` for 2–4, 22–24…; `many` for 0, 5–20, 25–30…
/// The same rule as `ru_plural` in SQL (sql/pricing/explanation.sql).
pub fn plural_form<'a>(count: i64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    let count = count.unsigned_abs();
    match (count % 10, count % 100) {
        (_, 11..=14) => many,
        (1, _) => one,
        (2..=4, _) => few,
        _ => many,
    }
}

/// `count` with its noun: «1 бронь», «3 брони», «12 броней»; the number is grouped like [`group_thousands`].
pub fn ru_plural(count: i64, one: &str, few: &str, many: &str) -> String {
    format!(
        "{} {}",
        group_thousands(&count.to_string()),
        plural_form(count, one, few, many)
    )
}

/// Digits grouped by three with spaces: «2683» → «2 683», «-1234567» → «-1 234 567». Four-digit numbers are
/// grouped too, so a column of amounts reads the same way.
pub fn group_thousands(digits: &str) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}")
}

/// An amount for people: «2 589 000 ₽», «2 589 000,50 ₽» — thousands grouped, kopecks only when there are some.
pub fn format_rubles(amount: Decimal) -> String {
    let kopecks = amount.round_dp(2);
    let rubles = kopecks.trunc();
    let fraction = (kopecks - rubles).abs();
    let whole = group_thousands(&rubles.abs().to_string());
    let sign = if kopecks.is_sign_negative() && !kopecks.is_zero() {
        "-"
    } else {
        ""
    };
    if fraction.is_zero() {
        format!("{sign}{whole} ₽")
    } else {
        let cents = (fraction * Decimal::ONE_HUNDRED).trunc().to_string();
        format!("{sign}{whole},{cents:0>2} ₽")
    }
}

/// A failed file read in Russian words (the OS text is English).
pub fn describe_io_error(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "файла нет".into(),
        std::io::ErrorKind::PermissionDenied => "нет прав на чтение".into(),
        std::io::ErrorKind::InvalidData => "файл не в UTF-8".into(),
        _ => format!("ошибка чтения ({error})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_forms_follow_russian_grammar() {
        let forms = |count| plural_form(count, "бронь", "брони", "броней");
        for (count, expected) in [
            (0, "броней"),
            (1, "бронь"),
            (2, "брони"),
            (4, "брони"),
            (5, "броней"),
            (11, "броней"),
            (12, "броней"),
            (14, "броней"),
            (21, "бронь"),
            (22, "брони"),
            (101, "бронь"),
            (111, "броней"),
            (-3, "брони"),
        ] {
            assert_eq!(forms(count), expected, "{count}");
        }
        assert_eq!(
            ru_plural(2683, "квартира", "квартиры", "квартир"),
            "2 683 квартиры"
        );
    }

    #[test]
    fn amounts_group_thousands_and_show_kopecks_only_when_there_are_some() {
        let rub = |text: &str| format_rubles(text.parse().unwrap());
        assert_eq!(rub("2589000.00"), "2 589 000 ₽");
        assert_eq!(rub("2666670"), "2 666 670 ₽");
        assert_eq!(rub("2589000.5"), "2 589 000,50 ₽");
        assert_eq!(rub("999.99"), "999,99 ₽");
        assert_eq!(rub("1000"), "1 000 ₽");
        assert_eq!(rub("0.05"), "0,05 ₽");
        assert_eq!(rub("-1234.5"), "-1 234,50 ₽");
        assert_eq!(rub("123456789012.00"), "123 456 789 012 ₽");
        assert_eq!(group_thousands("100"), "100");
        assert_eq!(group_thousands("-100000"), "-100 000");
    }
}
