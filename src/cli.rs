//! The command line in Russian. clap writes help, usage and parse errors in English; [`parse`] renders them in
//! Russian instead: the help with Russian headings, each parse error as one Russian sentence with the usage and
//! where to get help. Help and version go to stdout (exit 0), errors to stderr (exit 2), each printed once.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::Parser;

/// What the command line asked for when it is not a command to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Help or version (stdout, exit 0), or a parse error (stderr, exit 2).
    pub is_error: bool,
    pub text: String,
}

impl Reply {
    pub fn exit_code(&self) -> i32 {
        if self.is_error {
            2
        } else {
            0
        }
    }

    /// Prints the reply where it belongs and ends the process.
    pub fn exit(&self) -> ! {
        if self.is_error {
            eprint!("{}", self.text);
        } else {
            print!("{}", self.text);
        }
        std::process::exit(self.exit_code())
    }
}

/// The parsed command line of the process, or the Russian help, version or error and an exit.
pub fn parse<P: Parser>() -> P {
    parse_from(std::env::args_os()).unwrap_or_else(|reply| reply.exit())
}

/// [`parse`] over given arguments (the first is the program name).
pub fn parse_from<P, I, T>(args: I) -> Result<P, Reply>
where
    P: Parser,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    P::try_parse_from(args).map_err(|error| reply_to(&error))
}

/// clap's fixed English phrases of help and usage and their Russian versions; longer phrases first.
const PHRASES: [(&str, &str); 12] = [
    (
        "Print this message or the help of the given subcommand(s)",
        "Показать эту справку или справку по команде",
    ),
    (
        "Print help (see a summary with '-h')",
        "Показать справку (кратко — -h)",
    ),
    (
        "Print help (see more with '--help')",
        "Показать справку (подробнее — --help)",
    ),
    ("Print help", "Показать справку"),
    ("Print version", "Показать версию"),
    ("Usage:", "Использование:"),
    ("Commands:", "Команды:"),
    ("Options:", "Параметры:"),
    ("Arguments:", "Аргументы:"),
    ("[OPTIONS]", "[ПАРАМЕТРЫ]"),
    ("[COMMAND]", "[КОМАНДА]"),
    ("<COMMAND>", "<КОМАНДА>"),
];

fn translate(text: &str) -> String {
    PHRASES
        .iter()
        .fold(text.to_owned(), |text, (english, russian)| {
            text.replace(english, russian)
        })
}

fn context(error: &clap::Error, kind: ContextKind) -> Vec<String> {
    match error.get(kind) {
        Some(ContextValue::String(value)) => vec![value.clone()],
        Some(ContextValue::Strings(values)) => values.clone(),
        Some(ContextValue::StyledStr(value)) => vec![value.to_string()],
        Some(ContextValue::StyledStrs(values)) => values.iter().map(ToString::to_string).collect(),
        Some(ContextValue::Number(value)) => vec![value.to_string()],
        _ => Vec::new(),
    }
}

fn quoted(values: &[String]) -> String {
    values
        .iter()
        .map(|value| format!("«{value}»"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Russian sentence for a parse error, from its kind and the details clap keeps.
fn sentence(error: &clap::Error) -> String {
    let first = |kind| context(error, kind).into_iter().next().unwrap_or_default();
    let suggestion = |kind| {
        let suggested = context(error, kind);
        if suggested.is_empty() {
            String::new()
        } else {
            format!("; может быть, {}?", quoted(&suggested))
        }
    };
    match error.kind() {
        ErrorKind::InvalidSubcommand => format!(
            "неизвестная команда «{}»{}",
            first(ContextKind::InvalidSubcommand),
            suggestion(ContextKind::SuggestedSubcommand)
        ),
        ErrorKind::UnknownArgument => format!(
            "неизвестный параметр «{}»{}",
            first(ContextKind::InvalidArg),
            suggestion(ContextKind::SuggestedArg)
        ),
        ErrorKind::MissingRequiredArgument => format!(
            "не хватает обязательных параметров: {}",
            quoted(&context(error, ContextKind::InvalidArg))
        ),
        ErrorKind::MissingSubcommand => "не указана команда".into(),
        ErrorKind::InvalidValue => {
            let valid = context(error, ContextKind::ValidValue);
            format!(
                "недопустимое значение «{}» у {}{}",
                first(ContextKind::InvalidValue),
                first(ContextKind::InvalidArg),
                if valid.is_empty() {
                    String::new()
                } else {
                    format!("; допустимо: {}", quoted(&valid))
                }
            )
        }
        ErrorKind::ValueValidation => format!(
            "значение «{}» не подходит для {}",
            first(ContextKind::InvalidValue),
            first(ContextKind::InvalidArg)
        ),
        ErrorKind::ArgumentConflict => format!(
            "{} нельзя указывать вместе с {}",
            first(ContextKind::InvalidArg),
            quoted(&context(error, ContextKind::PriorArg))
        ),
        ErrorKind::NoEquals => format!(
            "у {} значение пишется через «=»",
            first(ContextKind::InvalidArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!(
                "неверное число значений у {}",
                first(ContextKind::InvalidArg)
            )
        }
        ErrorKind::InvalidUtf8 => "аргументы командной строки не в UTF-8".into(),
        _ => "неверная командная строка".into(),
    }
}

/// The Russian reply to what clap stopped at: help, version or a parse error.
pub fn reply_to(error: &clap::Error) -> Reply {
    match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let mut text = translate(&error.render().to_string());
            if !text.ends_with('\n') {
                text.push('\n');
            }
            Reply {
                is_error: error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand,
                text,
            }
        }
        _ => {
            let usage = context(error, ContextKind::Usage)
                .into_iter()
                .next()
                .map(|usage| translate(usage.trim()))
                .unwrap_or_default();
            // "Использование: nedvizhimost reprice [ПАРАМЕТРЫ]" → the command is "nedvizhimost reprice".
            let command = usage
                .split_whitespace()
                .skip(1)
                .take_while(|word| !word.starts_with(['[', '<', '-']))
                .collect::<Vec<_>>()
                .join(" ");
            let usage = if usage.is_empty() {
                String::new()
            } else {
                format!("\n\n{usage}")
            };
            Reply {
                is_error: true,
                text: format!(
                    "ошибка: {}{usage}\n\nСправка: {command} --help\n",
                    sentence(error)
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Пример команды
    #[derive(Parser, Debug)]
    #[command(name = "example", version, about = "Пример: справка по-русски")]
    struct Example {
        #[command(subcommand)]
        command: Option<Action>,
    }

    #[derive(clap::Subcommand, Debug)]
    enum Action {
        /// Пересчитать цены
        Reprice {
            #[arg(long, help = "Ничего не записывать")]
            dry_run: bool,
        },
        /// Создать модератора
        CreateModerator {
            #[arg(long, value_name = "EMAIL", help = "Email модератора")]
            email: String,
        },
    }

    fn reply(args: &[&str]) -> Reply {
        parse_from::<Example, _, _>(std::iter::once("example").chain(args.iter().copied()))
            .unwrap_err()
    }

    fn has_english(text: &str) -> Option<&'static str> {
        [
            "Usage",
            "Options",
            "Commands",
            "Print",
            "error",
            "unexpected",
            "found",
            "tip",
            "required",
            "For more",
        ]
        .into_iter()
        .find(|word| text.contains(word))
    }

    #[test]
    fn help_is_russian_on_stdout() {
        for args in [&["--help"][..], &["-h"], &["reprice", "--help"], &["help"]] {
            let reply = reply(args);
            assert!(!reply.is_error, "{args:?}");
            assert_eq!(reply.exit_code(), 0);
            assert!(reply.text.contains("Использование:"), "{}", reply.text);
            assert!(reply.text.contains("Показать справку"), "{}", reply.text);
            assert!(reply.text.ends_with('\n'), "{:?}", reply.text);
            assert_eq!(has_english(&reply.text), None, "{}", reply.text);
        }
        let top = reply(&["--help"]).text;
        assert!(
            top.contains("Команды:") && top.contains("Пересчитать цены"),
            "{top}"
        );
        let reprice = reply(&["reprice", "--help"]).text;
        assert!(reprice.contains("[ПАРАМЕТРЫ]") && reprice.contains("Ничего не записывать"));
    }

    #[test]
    fn parse_errors_are_one_russian_sentence_with_usage_on_stderr() {
        for (args, expected) in [
            (
                &["frobnicate"][..],
                "ошибка: неизвестная команда «frobnicate»",
            ),
            (
                &["reprice", "--dry"],
                "ошибка: неизвестный параметр «--dry»; может быть, «--dry-run»?",
            ),
            (
                &["reprise"],
                "ошибка: неизвестная команда «reprise»; может быть, «reprice»?",
            ),
            (
                &["create-moderator"],
                "ошибка: не хватает обязательных параметров: «--email <EMAIL>»",
            ),
        ] {
            let reply = reply(args);
            assert!(reply.is_error, "{args:?}");
            assert_eq!(reply.exit_code(), 2);
            assert!(reply.text.starts_with(expected), "{}", reply.text);
            assert!(
                reply.text.contains("Использование: example"),
                "{}",
                reply.text
            );
            assert!(reply.text.contains("--help"), "{}", reply.text);
            assert_eq!(has_english(&reply.text), None, "{}", reply.text);
        }
    }

    #[test]
    fn a_valid_command_line_parses() {
        let parsed = parse_from::<Example, _, _>(["example", "reprice", "--dry-run"]).unwrap();
        assert!(matches!(
            parsed.command,
            Some(Action::Reprice { dry_run: true })
        ));
    }
}
