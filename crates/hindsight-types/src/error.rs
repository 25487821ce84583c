//! The one JSON error shape every failing request answers with.

use serde::{Deserialize, Serialize};

/// Machine-readable error codes. Serialised in `snake_case`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A parameter or body field had a value the server does not accept.
    InvalidParameter,
    /// The request body could not be read as what the route expects.
    InvalidBody,
    /// The conversation, event, tag, … does not exist.
    NotFound,
    /// No valid credentials were sent.
    Unauthorized,
    /// The credentials are valid but their role may not do this.
    Forbidden,
    /// The change conflicts with what is stored (for example a duplicate name).
    Conflict,
    /// The request body is larger than the server accepts.
    PayloadTooLarge,
    /// Too many attempts (for example failed logins); wait for `Retry-After` seconds.
    RateLimited,
    /// The route exists but not with this HTTP method.
    MethodNotAllowed,
    /// The database could not be reached, or was busy past the wait; try again.
    ServiceUnavailable,
    /// The query took longer than the server's budget for one request; narrow the filter.
    QueryTimeout,
    /// Something went wrong inside the server.
    Internal,
}

/// The body of every error response: `{"error": {"code", "message", "field"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// What kind of error this is.
    pub code: ErrorCode,
    /// A sentence naming what was wrong, for people.
    pub message: String,
    /// The parameter or body field at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With a server error: the id under which its cause was logged, to quote to an admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// The envelope: errors are wrapped so a client can tell them from data at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ApiError,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}
