//! JSON or CSV by the `Accept` header: `text/csv` gets a semicolon-separated table with Russian headers, a UTF-8
//! byte order mark (Excel then reads Cyrillic correctly) and decimal points; anything else gets JSON.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A report that can be written as one CSV table.
pub trait CsvTable {
    /// Column headers, in Russian.
    fn headers() -> &'static [&'static str];
    /// The rows; each has as many cells as there are headers.
    fn rows(&self) -> Vec<Vec<String>>;
    /// The file name offered to the browser.
    fn file_name() -> &'static str;
}

/// The caller asked for CSV (`Accept: text/csv`).
pub fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|media| {
            media
                .split(';')
                .next()
                .is_some_and(|media| media.trim().eq_ignore_ascii_case("text/csv"))
        })
}

/// One CSV cell: quoted when it holds the separator, a quote or a line break.
pub fn cell(value: &str) -> String {
    if value.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// An optional value as a cell: empty when absent.
pub fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// The whole table: BOM, header line, rows; lines end with CRLF as RFC 4180 says.
pub fn table<T: CsvTable>(report: &T) -> String {
    let mut text = String::from('\u{feff}');
    let mut line = |cells: Vec<String>| {
        text.push_str(
            &cells
                .iter()
                .map(|value| cell(value))
                .collect::<Vec<_>>()
                .join(";"),
        );
        text.push_str("\r\n");
    };
    line(
        T::headers()
            .iter()
            .map(|header| (*header).to_owned())
            .collect(),
    );
    for row in report.rows() {
        line(row);
    }
    text
}

/// JSON, or CSV when the request asked for it.
pub fn respond<T: CsvTable + Serialize>(headers: &HeaderMap, report: T) -> Response {
    if wants_csv(headers) {
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&format!("attachment; filename=\"{}\"", T::file_name()))
                        .expect("file names are ASCII"),
                ),
            ],
            table(&report),
        )
            .into_response()
    } else {
        axum::Json(report).into_response()
    }
}

/// An SVG document as a response.
pub fn svg(document: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("image/svg+xml; charset=utf-8"),
        )],
        document,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_with_separators_quotes_or_breaks_are_quoted() {
        assert_eq!(cell("ЖК «Речной»"), "ЖК «Речной»");
        assert_eq!(cell("a;b"), "\"a;b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn csv_is_asked_for_by_media_type_whatever_its_parameters() {
        let mut headers = HeaderMap::new();
        assert!(!wants_csv(&headers));
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert!(!wants_csv(&headers));
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json;q=0.5, Text/CSV; charset=utf-8"),
        );
        assert!(wants_csv(&headers));
    }
}
