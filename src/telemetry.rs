use std::io::IsTerminal;
use std::process::ExitCode;

use axum::extract::MatchedPath;
use axum::http::Request;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};
use tracing_subscriber::EnvFilter;

/// Logs go to stderr, so that stdout carries only what a command prints for people (`reprice`, `seed-demo`…);
/// ANSI colours only when stderr is a terminal and `NO_COLOR` is not set.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,tokio_postgres=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(colours_on_stderr(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR"),
        ))
        .try_init();
}

/// <https://no-color.org>: any non-empty `NO_COLOR` turns colours off.
fn colours_on_stderr(stderr_is_terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|value| value.is_empty())
}

/// The exit status of a command-line run; a failure is printed once, to stderr.
pub fn exit_code(outcome: Result<(), String>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ошибка: {message}");
            ExitCode::FAILURE
        }
    }
}

/// How personal data (an e-mail, a phone) appears in logs: the first 12 hex digits of the SHA-256 of its trimmed
/// lowercase form. Stable, so the lines of one account can be grouped, and `pseudonym(email)` finds them.
pub fn pseudonym(value: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(value.trim().to_lowercase().as_bytes())
        .iter()
        .take(6)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

type MakeRequestSpan = fn(&Request<axum::body::Body>) -> Span;

/// One span per request carrying method and matched route; the response line adds status and latency.
pub fn request_trace_layer(
) -> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, MakeRequestSpan, (), DefaultOnResponse> {
    TraceLayer::new_for_http()
        .make_span_with(request_span as MakeRequestSpan)
        .on_request(())
        .on_response(
            DefaultOnResponse::new()
                .level(Level::INFO)
                .latency_unit(tower_http::LatencyUnit::Millis),
        )
}

fn request_span(request: &Request<axum::body::Body>) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("unmatched");
    tracing::info_span!("request", method = %request.method(), route)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        assert!(colours_on_stderr(true, None));
        assert!(colours_on_stderr(true, Some("".into())));
        assert!(!colours_on_stderr(true, Some("1".into())));
        assert!(!colours_on_stderr(false, None));
    }

    #[test]
    fn pseudonyms_are_stable_short_and_case_blind() {
        let pseudonym = pseudonym("Ivan.Petrov@Example.ru ");
        assert_eq!(pseudonym.len(), 12);
        assert!(pseudonym.bytes().all(|byte| byte.is_ascii_hexdigit()));
        assert_eq!(pseudonym, super::pseudonym("ivan.petrov@example.ru"));
        assert_ne!(pseudonym, super::pseudonym("ivan.petrov@example.com"));
    }
}
