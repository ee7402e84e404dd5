//! Tokens of a buyer's message: lowercase, «ё» → «е», numbers with their digit groups and decimal commas
//! joined, number words turned into numbers, punctuation kept only as clause boundaries.

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A word of letters, hyphens inside kept («санкт-петербург», «комфорт-класс»).
    Word,
    /// A number: digits («9 500 000», «12,5») or number words («двенадцать», «полтора»).
    Num(f64),
    /// A hyphen or dash between two tokens (`7-8`, «2-комнатная» is Num, Dash, Word).
    Dash,
    /// `+` («4+», «комфорт+»).
    Plus,
    /// A clause boundary: `,` `.` `;` `!` `?` `(` `)` and new lines.
    Punct,
}

/// One token with where it came from in the message.
#[derive(Debug, Clone)]
pub struct Token {
    pub kind: Kind,
    /// Normalised text: lowercase, «е» for «ё».
    pub text: String,
    /// Character range of the original message.
    pub start: usize,
    pub end: usize,
    /// Written right after the previous token, without a space («2к», «60м2»).
    pub glued: bool,
    /// The original word started with a capital letter.
    pub capital: bool,
}

impl Token {
    pub fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }

    pub fn num(&self) -> Option<f64> {
        match self.kind {
            Kind::Num(value) => Some(value),
            _ => None,
        }
    }

    /// The word starts with one of `prefixes`.
    pub fn starts(&self, prefixes: &[&str]) -> bool {
        self.is_word() && prefixes.iter().any(|prefix| self.text.starts_with(prefix))
    }

    /// The word is one of `words`.
    pub fn is(&self, words: &[&str]) -> bool {
        self.is_word() && words.contains(&self.text.as_str())
    }
}

fn normalise(c: char) -> char {
    match c {
        'ё' | 'Ё' => 'е',
        _ => c.to_lowercase().next().unwrap_or(c),
    }
}

/// Splits `text` into raw tokens (numbers still digits only, number words still words).
fn raw_tokens(chars: &[char]) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    let mut after_space = true;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let glued = !after_space && !tokens.is_empty();
        if c.is_whitespace() {
            if c == '\n' {
                tokens.push(token(Kind::Punct, "\n", start, i + 1, glued, false));
            }
            after_space = true;
            i += 1;
            continue;
        }
        after_space = false;
        if c.is_ascii_digit() {
            let mut text = String::new();
            while i < chars.len() {
                if chars[i].is_ascii_digit() {
                    text.push(chars[i]);
                    i += 1;
                } else if matches!(chars[i], ',' | '.')
                    && i + 1 < chars.len()
                    && chars[i + 1].is_ascii_digit()
                    && !text.contains('.')
                {
                    text.push('.');
                    i += 1;
                } else {
                    break;
                }
            }
            let value = text.parse::<f64>().unwrap_or(0.0);
            tokens.push(token(Kind::Num(value), &text, start, i, glued, false));
        } else if c.is_alphabetic() {
            let mut text = String::new();
            while i < chars.len() {
                let c = chars[i];
                if c.is_alphabetic() || c == '²' {
                    text.push(normalise(c));
                    i += 1;
                } else if matches!(c, '-' | '‑')
                    && i + 1 < chars.len()
                    && chars[i + 1].is_alphabetic()
                    && !text.is_empty()
                {
                    text.push('-');
                    i += 1;
                } else if c == '2' && matches!(text.as_str(), "м" | "кв" | "квм" | "m") {
                    text.push('2');
                    i += 1;
                } else {
                    break;
                }
            }
            let capital = chars[start].is_uppercase();
            tokens.push(token(Kind::Word, &text, start, i, glued, capital));
        } else if matches!(c, '-' | '–' | '—' | '‑') {
            tokens.push(token(Kind::Dash, "-", start, i + 1, glued, false));
            i += 1;
        } else if c == '+' {
            tokens.push(token(Kind::Plus, "+", start, i + 1, glued, false));
            i += 1;
        } else if matches!(c, ',' | '.' | ';' | '!' | '?' | '(' | ')' | ':') {
            tokens.push(token(
                Kind::Punct,
                &c.to_string(),
                start,
                i + 1,
                glued,
                false,
            ));
            i += 1;
        } else if c == '₽' {
            tokens.push(token(Kind::Word, "руб", start, i + 1, glued, false));
            i += 1;
        } else {
            // Quotes, slashes and other symbols separate words but are not boundaries.
            after_space = c != '/';
            i += 1;
        }
    }
    tokens
}

fn token(kind: Kind, text: &str, start: usize, end: usize, glued: bool, capital: bool) -> Token {
    Token {
        kind,
        text: text.to_owned(),
        start,
        end,
        glued,
        capital,
    }
}

/// Digit groups of three after a number written with spaces: «9 500 000» is one number, «от 8 до 10» is not.
fn join_digit_groups(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    for token in tokens {
        if let (Some(previous), Kind::Num(_)) = (out.last_mut(), &token.kind) {
            if let Kind::Num(value) = previous.kind {
                let integer_group =
                    token.text.len() == 3 && token.text.chars().all(|c| c.is_ascii_digit());
                let previous_integer = !previous.text.contains('.');
                let previous_grouped = previous.text.len() <= 3 || previous.text.contains(' ');
                if integer_group && previous_integer && previous_grouped && !token.glued {
                    previous.kind = Kind::Num(value * 1000.0 + token.num().unwrap_or(0.0));
                    previous.text = format!("{} {}", previous.text, token.text);
                    previous.end = token.end;
                    continue;
                }
            }
        }
        out.push(token);
    }
    out
}

/// Units, teens and tens, hundreds as numbers; «полтора» is 1.5.
fn number_word(word: &str) -> Option<(f64, u8)> {
    // (value, rank): 1 — units and teens, 2 — tens, 3 — hundreds.
    let value = match word {
        "ноль" => (0.0, 1),
        "один" | "одна" | "одну" | "одного" | "одной" => (1.0, 1),
        "два" | "две" | "двух" => (2.0, 1),
        "три" | "трех" => (3.0, 1),
        "четыре" | "четырех" => (4.0, 1),
        "пять" | "пяти" => (5.0, 1),
        "шесть" | "шести" => (6.0, 1),
        "семь" | "семи" => (7.0, 1),
        "восемь" | "восьми" => (8.0, 1),
        "девять" | "девяти" => (9.0, 1),
        "десять" | "десяти" => (10.0, 1),
        "одиннадцать" | "одиннадцати" => (11.0, 1),
        "двенадцать" | "двенадцати" => (12.0, 1),
        "тринадцать" | "тринадцати" => (13.0, 1),
        "четырнадцать" | "четырнадцати" => (14.0, 1),
        "пятнадцать" | "пятнадцати" => (15.0, 1),
        "шестнадцать" | "шестнадцати" => (16.0, 1),
        "семнадцать" | "семнадцати" => (17.0, 1),
        "восемнадцать" | "восемнадцати" => (18.0, 1),
        "девятнадцать" | "девятнадцати" => (19.0, 1),
        "двадцать" | "двадцати" => (20.0, 2),
        "тридцать" | "тридцати" => (30.0, 2),
        "сорок" | "сорока" => (40.0, 2),
        "пятьдесят" | "пятидесяти" => (50.0, 2),
        "шестьдесят" | "шестидесяти" => (60.0, 2),
        "семьдесят" | "семидесяти" => (70.0, 2),
        "восемьдесят" | "восьмидесяти" => (80.0, 2),
        "девяносто" => (90.0, 2),
        "сто" | "ста" => (100.0, 3),
        "двести" | "двухсот" => (200.0, 3),
        "триста" | "трехсот" => (300.0, 3),
        "четыреста" | "четырехсот" => (400.0, 3),
        "пятьсот" | "пятисот" => (500.0, 3),
        "шестьсот" => (600.0, 3),
        "семьсот" => (700.0, 3),
        "восемьсот" => (800.0, 3),
        "девятьсот" => (900.0, 3),
        "полтора" | "полторы" | "полутора" => (1.5, 1),
        _ => return None,
    };
    Some(value)
}

/// Runs of number words («двести пятьдесят», «пять с половиной») become one number token.
fn join_number_words(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let Some((mut value, mut rank)) = tokens[i]
            .is_word()
            .then(|| number_word(&tokens[i].text))
            .flatten()
        else {
            out.push(tokens[i].clone());
            i += 1;
            continue;
        };
        let start = i;
        i += 1;
        while i < tokens.len() && tokens[i].is_word() {
            match number_word(&tokens[i].text) {
                Some((next, next_rank)) if next_rank < rank && value.fract() == 0.0 => {
                    value += next;
                    rank = next_rank;
                    i += 1;
                }
                _ => break,
            }
        }
        if i + 1 < tokens.len() && tokens[i].is(&["с"]) && tokens[i + 1].starts(&["половин"])
        {
            value += 0.5;
            i += 2;
        }
        let mut joined = tokens[start].clone();
        joined.kind = Kind::Num(value);
        joined.end = tokens[i - 1].end;
        joined.text = tokens[start..i]
            .iter()
            .map(|token| token.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        out.push(joined);
    }
    out
}

/// The tokens of `text`.
pub fn tokenize(text: &str) -> (Vec<char>, Vec<Token>) {
    let chars: Vec<char> = text.chars().collect();
    let tokens = join_number_words(join_digit_groups(raw_tokens(&chars)));
    (chars, tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<String> {
        tokenize(text)
            .1
            .iter()
            .map(|token| match token.kind {
                Kind::Num(value) => format!("#{value}"),
                _ => token.text.clone(),
            })
            .collect()
    }

    #[test]
    fn numbers_words_and_punctuation() {
        assert_eq!(
            kinds("Двушку в Питере, не дороже 9 500 000!"),
            [
                "двушку",
                "в",
                "питере",
                ",",
                "не",
                "дороже",
                "#9500000",
                "!"
            ]
        );
        assert_eq!(kinds("12,5 млн"), ["#12.5", "млн"]);
        assert_eq!(kinds("от 8 до 10"), ["от", "#8", "до", "#10"]);
        assert_eq!(kinds("7-8 лямов"), ["#7", "-", "#8", "лямов"]);
        assert_eq!(
            kinds("2-комнатная 60м2"),
            ["#2", "-", "комнатная", "#60", "м2"]
        );
        assert_eq!(kinds("Ёлки 4+"), ["елки", "#4", "+"]);
        assert_eq!(kinds("двести пятьдесят тысяч"), ["#250", "тысяч"]);
        assert_eq!(kinds("пять с половиной миллионов"), ["#5.5", "миллионов"]);
        assert_eq!(kinds("двенадцать миллионов"), ["#12", "миллионов"]);
        assert_eq!(kinds("санкт-петербург"), ["санкт-петербург"]);
        assert_eq!(kinds("от 8 до 10 000 000"), ["от", "#8", "до", "#10000000"]);
    }
}
