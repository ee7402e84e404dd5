//! Checksums of Russian company registration numbers (ИНН, ОГРН, ОГРНИП).

/// ИНН: 10 digits for a legal entity (one check digit), 12 for a person or ИП (two check digits).
pub fn is_valid_inn(inn: &str) -> bool {
    let Some(digits) = digits_of(inn) else {
        return false;
    };
    match digits.len() {
        10 => check_digit(&digits[..9], &[2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[9],
        12 => {
            check_digit(&digits[..10], &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[10]
                && check_digit(&digits[..11], &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[11]
        }
        _ => false,
    }
}

/// ОГРН (13 digits, remainder modulo 11) or ОГРНИП (15 digits, remainder modulo 13).
pub fn is_valid_ogrn(ogrn: &str) -> bool {
    let Some(digits) = digits_of(ogrn) else {
        return false;
    };
    let modulus = match digits.len() {
        13 => 11,
        15 => 13,
        _ => return false,
    };
    let (body, check) = digits.split_at(digits.len() - 1);
    let remainder = body
        .iter()
        .fold(0u64, |acc, &digit| (acc * 10 + u64::from(digit)) % modulus);
    remainder % 10 == u64::from(check[0])
}

fn digits_of(value: &str) -> Option<Vec<u8>> {
    value
        .bytes()
        .map(|byte| byte.is_ascii_digit().then(|| byte - b'0'))
        .collect()
}

fn check_digit(digits: &[u8], weights: &[u32]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(&digit, &weight)| u32::from(digit) * weight)
        .sum();
    (sum % 11 % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_digit_changed(value: &str, position: usize) -> String {
        let mut bytes = value.as_bytes().to_vec();
        bytes[position] = if bytes[position] == b'9' {
            b'0'
        } else {
            bytes[position] + 1
        };
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn sberbank_numbers_are_valid() {
        assert!(is_valid_inn("7707083893"));
        assert!(is_valid_ogrn("1027700132195"));
    }

    #[test]
    fn any_changed_digit_breaks_a_legal_entity_inn_and_ogrn() {
        for position in 0..10 {
            assert!(!is_valid_inn(&with_digit_changed("7707083893", position)));
        }
        for position in 0..13 {
            assert!(!is_valid_ogrn(&with_digit_changed(
                "1027700132195",
                position
            )));
        }
    }

    #[test]
    fn twelve_digit_inn_checks_both_control_digits() {
        assert!(is_valid_inn("500100732259"));
        assert!(!is_valid_inn("500100732269"));
        assert!(!is_valid_inn("500100732258"));
    }

    #[test]
    fn fifteen_digit_ogrnip_uses_modulo_13() {
        assert!(is_valid_ogrn("304500116000157"));
        assert!(!is_valid_ogrn("304500116000158"));
    }

    #[test]
    fn wrong_length_or_non_digits_are_invalid() {
        for value in [
            "",
            "770708389",
            "77070838930",
            "770708389a",
            " 7707083893",
            "102770013219",
            "10277001321950",
            "１０２７７００１３２１９５",
        ] {
            assert!(!is_valid_inn(value), "{value:?}");
            assert!(!is_valid_ogrn(value), "{value:?}");
        }
    }
}
