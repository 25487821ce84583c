//! Every `/api` error answer in the JSON error shape, including the ones actix-web writes
//! itself: the 405 of a resource asked with a method it does not serve (no body) and the
//! 413 of a body read as bytes past the size limit (plain text).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use hindsight_types::{ApiError, ErrorBody, ErrorCode};

use crate::app::AppState;

/// Middleware (for `actix_web::middleware::from_fn`): rewrites an `/api` error answer that
/// is not JSON into `ErrorBody`, keeping its status and headers (such as `Allow`).
pub async fn json_error_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // (Not a clone of the request: routing needs it unshared.)
    let api = req.path() == "/api" || req.path().starts_with("/api/");
    // Handlers' and extractors' errors arrive as responses; an `Err` here is rare (a
    // middleware's) and actix-web writes it as it would have.
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if !api || !(status.is_client_error() || status.is_server_error()) || is_json(res.headers()) {
        return Ok(res);
    }
    let (req, old) = res.into_parts();
    let error = describe(&req, status, old.headers());
    let mut new = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    Ok(ServiceResponse::new(req, new.json(ErrorBody { error })))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The error for a status actix-web answered on its own. Its own body is not repeated: for
/// a server error it could carry an internal cause.
fn describe(req: &actix_web::HttpRequest, status: StatusCode, headers: &HeaderMap) -> ApiError {
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allow = headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            (
                ErrorCode::MethodNotAllowed,
                format!(
                    "{} {} is not served; this path answers {allow}",
                    req.method(),
                    req.path()
                ),
            )
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            let limit = req
                .app_data::<web::Data<AppState>>()
                .map(|s| format!(" {} MiB", s.config.max_body_mb))
                .unwrap_or_default();
            (
                ErrorCode::PayloadTooLarge,
                format!(
                    "the request body is larger than the{limit} this server accepts \
                     (HINDSIGHT_MAX_BODY_MB)"
                ),
            )
        }
        StatusCode::NOT_FOUND => (
            ErrorCode::NotFound,
            format!("{} does not exist", req.path()),
        ),
        StatusCode::UNAUTHORIZED => (ErrorCode::Unauthorized, "no valid credentials".into()),
        StatusCode::FORBIDDEN => (
            ErrorCode::Forbidden,
            "the caller's role may not do this".into(),
        ),
        StatusCode::TOO_MANY_REQUESTS => (ErrorCode::RateLimited, "too many requests".into()),
        StatusCode::SERVICE_UNAVAILABLE => (
            ErrorCode::ServiceUnavailable,
            "the server is unavailable; try again shortly".into(),
        ),
        s if s.is_client_error() => (
            ErrorCode::InvalidBody,
            format!(
                "the request could not be read ({})",
                s.canonical_reason().unwrap_or("client error")
            ),
        ),
        _ => (ErrorCode::Internal, "an internal error occurred".into()),
    };
    ApiError {
        code,
        message,
        field: None,
        request_id: None,
    }
}
