//! Request logging without secrets: the root span of every request logs its query string with
//! the values of credential-like parameters (`api_token`, …) replaced.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

/// What a redacted value reads as in the log.
pub const REDACTED: &str = "REDACTED";

/// Query parameters whose values never reach the log (compared without case).
const SENSITIVE: [&str; 7] = [
    "api_token",
    // The live stream's short-lived ticket (`GET /api/stream?ticket=`).
    "ticket",
    "token",
    "access_token",
    "password",
    "secret",
    "key",
];

fn is_sensitive(raw_key: &str) -> bool {
    let key: String = form_urlencoded::parse(raw_key.as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default();
    SENSITIVE.iter().any(|s| key.eq_ignore_ascii_case(s))
}

/// `path?query` as it may be logged: each sensitive parameter's value is [`REDACTED`], every
/// other pair is kept as sent.
pub fn redacted_target(path: &str, query: &str) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_sensitive(k) => format!("{k}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

/// The root span of each request, as tracing-actix-web's default but with a redacted target.
pub struct RedactingRootSpan;

impl RootSpanBuilder for RedactingRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let target = redacted_target(request.path(), request.query_string());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let client_ip = request
            .connection_info()
            .realip_remote_addr()
            .unwrap_or("")
            .to_owned();
        let user_agent = request
            .headers()
            .get("User-Agent")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_owned();
        // The fields `on_request_end` records must be declared here (as Empty).
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.client_ip = %client_ip,
            http.user_agent = %user_agent,
            http.target = %target,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_the_query_are_redacted() {
        assert_eq!(
            redacted_target("/api/conversations", "api_token=hs_abc&channel=rest"),
            "/api/conversations?api_token=REDACTED&channel=rest"
        );
        assert_eq!(
            redacted_target(
                "/api/me",
                "channel=a%20b&API_TOKEN=hs_x&password=pw&api%5Ftoken=hs_y"
            ),
            "/api/me?channel=a%20b&API_TOKEN=REDACTED&password=REDACTED&api%5Ftoken=REDACTED"
        );
    }

    #[test]
    fn other_queries_and_bare_paths_are_kept() {
        assert_eq!(redacted_target("/api/health", ""), "/api/health");
        assert_eq!(
            redacted_target("/api/conversations", "text=token&limit=5&flag"),
            "/api/conversations?text=token&limit=5&flag"
        );
        // A key without `=` that names a secret carries no value to hide.
        assert_eq!(redacted_target("/x", "api_token"), "/x?api_token");
    }

    #[test]
    fn no_token_survives_in_the_span_target() {
        let req = actix_web::test::TestRequest::get()
            .uri("/api/conversations/count?channel=rest&api_token=hs_secret123")
            .to_srv_request();
        let target = redacted_target(req.path(), req.query_string());
        assert!(!target.contains("hs_secret123"), "{target}");
        // Building the span from a request works without a subscriber.
        let _span = RedactingRootSpan::on_request_start(&req);
    }
}
