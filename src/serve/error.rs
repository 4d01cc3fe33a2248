//! The reference's error shape: `{code, message, details, requestId, timestamp, retryable}`.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde_json::{Value, json};

/// One failed request, before the request id and the time are filled in.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Box<Value>,
    /// Seconds a client should wait before trying again (`Retry-After`).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Box::new(Value::Object(Default::default())),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", message.clone())
            .with_details(json!({ "error": message }))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::new(StatusCode::NOT_FOUND, "NO_MATCHING_RULE", message.clone())
            .with_details(json!({ "error": message }))
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", message)
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Box::new(details);
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Whether the same request may succeed later (the reference's `retryable`).
    fn retryable(&self) -> bool {
        self.status.is_server_error() || self.status == StatusCode::TOO_MANY_REQUESTS
    }

    /// The JSON response; the middleware adds the request id header.
    pub fn into_response(self, request_id: &str) -> Response<Body> {
        let body = json!({
            "code": self.code,
            "message": self.message,
            "details": self.details,
            "requestId": request_id,
            "timestamp": crate::measure::clock::rfc3339(crate::measure::clock::now_millis()),
            "retryable": self.retryable(),
        });
        let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
        text.push('\n');
        let mut resp = Response::new(Body::from(text));
        *resp.status_mut() = self.status;
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// A diagnostic as the CLI's `--format json` gives it, for `details`.
pub fn diagnostic_details(
    diags: &[crate::diag::Diagnostic],
    files: &crate::source::Files,
) -> Value {
    let list: Vec<_> = diags
        .iter()
        .map(|d| crate::render::to_json(d, files))
        .collect();
    json!({ "diagnostics": list })
}
