use std::process::ExitCode;

use axum::extract::MatchedPath;
use axum::http::Request;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};
use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,tokio_postgres=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// The exit status of a command-line run; a failure is logged and printed to stderr.
pub fn exit_code(outcome: Result<(), String>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("{message}");
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
