//! RFC 7807 answers (`application/problem+json`) as the tests read them.

use reqwest::StatusCode;
use serde_json::Value;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The `Content-Type` of a response; empty when it has none.
pub fn content_type(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map_or("", |value| value.to_str().unwrap())
}

/// An error answer: its status, content type and body.
pub struct Problem {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl Problem {
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status();
        let content_type = content_type(&response).to_owned();
        let body = response.json().await.unwrap();
        Self {
            status,
            content_type,
            body,
        }
    }

    /// The `field` of every entry of `errors`, in order; none when there is no `errors`.
    pub fn fields(&self) -> Vec<&str> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|error| error["field"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `field` of the first entry of `errors`; empty when there is none.
    pub fn first_field(&self) -> &str {
        self.body["errors"][0]["field"].as_str().unwrap_or_default()
    }

    pub fn detail(&self) -> &str {
        self.body["detail"].as_str().unwrap()
    }
}

/// The `field` of every entry of `errors` of the response body, in order.
pub async fn error_fields(response: reqwest::Response) -> Vec<String> {
    Problem::read(response)
        .await
        .fields()
        .into_iter()
        .map(str::to_owned)
        .collect()
}
