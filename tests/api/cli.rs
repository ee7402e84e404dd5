//! The `nedvizhimost` binary as an operator meets it: Russian help and errors, each error printed once on
//! stderr, output for people on stdout and logs on stderr.

use std::process::{Command, Output};

use crate::helpers::TestDb;

fn nedvizhimost(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nedvizhimost"));
    command
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG");
    for name in [
        "DATABASE_URL",
        "JWT_SECRET",
        "JWT_SECRET_FILE",
        "DATABASE_PASSWORD",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn help_is_russian_and_goes_to_stdout() {
    for args in [&["--help"][..], &["reprice", "--help"]] {
        let output = nedvizhimost(args, &[]);
        assert!(output.status.success(), "{output:?}");
        let stdout = text(&output.stdout);
        assert!(stdout.contains("Использование: nedvizhimost"), "{stdout}");
        assert!(stdout.contains("Показать справку"), "{stdout}");
        for english in [
            "Usage",
            "Options",
            "Commands",
            "Print help",
            "Apply",
            "Run one",
        ] {
            assert!(!stdout.contains(english), "{english}: {stdout}");
        }
        assert!(output.stderr.is_empty(), "{output:?}");
    }
}

#[test]
fn every_error_is_printed_once_in_russian_on_stderr() {
    let unreachable = "postgres://postgres@127.0.0.1:1/nedvizhimost";
    for (args, env, expected_code, expected) in [
        (
            &["frobnicate"][..],
            &[][..],
            2,
            "ошибка: неизвестная команда «frobnicate»",
        ),
        (
            &["reprice", "--dry"],
            &[],
            2,
            "ошибка: неизвестный параметр «--dry»; может быть, «--dry-run»?",
        ),
        (
            &["migrate"],
            &[("DATABASE_URL", unreachable)],
            1,
            "ошибка: схема базы не обновлена: база данных: не удалось подключиться к серверу PostgreSQL",
        ),
        (
            &["serve"],
            &[(
                "JWT_SECRET",
                "change-me-to-a-random-secret-of-at-least-32-bytes",
            )],
            1,
            "ошибка: неверная настройка JWT_SECRET: это образец из jwt_secret.txt.example",
        ),
    ] {
        let output = nedvizhimost(args, env);
        assert_eq!(output.status.code(), Some(expected_code), "{output:?}");
        assert!(output.stdout.is_empty(), "{args:?}: {}", text(&output.stdout));
        let stderr = text(&output.stderr);
        assert!(stderr.starts_with(expected), "{stderr}");
        assert_eq!(stderr.matches("ошибка:").count(), 1, "{stderr}");
        assert!(!stderr.contains("ERROR") && !stderr.contains("error"), "{stderr}");
    }
}

#[tokio::test]
async fn reprice_prints_russian_lines_for_people_on_stdout_and_logs_on_stderr() {
    let db = TestDb::new().await;
    crate::seed_demo::seed(&db).await;
    let database_url = db.connection_string();
    let output = tokio::task::spawn_blocking(move || {
        nedvizhimost(
            &["reprice", "--dry-run"],
            &[("DATABASE_URL", &database_url)],
        )
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let (summary, changes) = lines.split_last().expect("a summary line");
    assert!(
        summary.starts_with("Пробный проход, ничего не записано: ")
            && summary.contains("квартир")
            && summary.contains("поднять — "),
        "{summary}"
    );
    let rubles = r"\d{1,3}(?: \d{3})*(?:,\d\d)? ₽";
    let change = regex::Regex::new(&format!(
        r"^Квартира \d+: {rubles} → {rubles}\. Цена изменилась "
    ))
    .unwrap();
    assert!(!changes.is_empty(), "{stdout}");
    for line in changes {
        assert!(change.is_match(line), "{line}");
        assert!(!line.contains(",00 ₽") && !line.contains(".00"), "{line}");
    }
    let stderr = text(&output.stderr);
    assert!(stderr.contains("INFO"), "logs go to stderr: {stderr}");
    assert!(
        !stdout.contains("INFO"),
        "no logs among the output: {stdout}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "no colours when stderr is not a terminal"
    );
}
