//! The server's error type: every failure answers with `hindsight_types::ErrorBody`, and no
//! internal cause is ever serialised into a response (it is logged instead).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use hindsight_types::{ApiError, ErrorBody, ErrorCode, FilterError};

/// An error a request ends with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A client error, shown to the client as it is.
    #[error("{}", .1.message)]
    Client(StatusCode, ApiError),
    /// The database could not be reached, or stayed busy past the wait; retrying may work.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A query ran past the request's time budget; the same request would again.
    #[error("query timed out: {0}")]
    QueryTimeout(String),
    /// A bug or a deterministic failure (retrying will not help); details go to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Result of a handler or query.
pub type AppResult<T> = Result<T, AppError>;

fn client(status: StatusCode, code: ErrorCode, message: String, field: Option<&str>) -> AppError {
    AppError::Client(
        status,
        ApiError {
            code,
            message,
            field: field.map(str::to_owned),
            request_id: None,
        },
    )
}

/// 404: `what` does not exist (say which, e.g. "conversation `abc`").
pub fn not_found(what: impl std::fmt::Display) -> AppError {
    client(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        format!("{what} does not exist"),
        None,
    )
}

/// 404 with a message of its own: what was asked for exists, but has nothing to give (a
/// review queue with no conversation left for the caller).
pub fn nothing_left(message: impl Into<String>) -> AppError {
    client(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        message.into(),
        None,
    )
}

/// 400: the parameter or field `field` has a bad value.
pub fn bad_request(field: &str, message: impl Into<String>) -> AppError {
    client(
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidParameter,
        message.into(),
        Some(field),
    )
}

/// 400: the body could not be read.
pub fn invalid_body(message: impl Into<String>) -> AppError {
    client(
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidBody,
        message.into(),
        None,
    )
}

/// 413: the request body is larger than `limit` bytes (HINDSIGHT_MAX_BODY_MB).
pub fn payload_too_large(limit: usize) -> AppError {
    client(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        format!("the request body is larger than the {limit} bytes this server accepts (HINDSIGHT_MAX_BODY_MB)"),
        None,
    )
}

/// 401: no valid credentials.
pub fn unauthorized(message: impl Into<String>) -> AppError {
    client(
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
        message.into(),
        None,
    )
}

/// 403: the caller's role may not do this.
pub fn forbidden(message: impl Into<String>) -> AppError {
    client(
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
        message.into(),
        None,
    )
}

/// 409: conflicts with what is stored.
pub fn conflict(field: &str, message: impl Into<String>) -> AppError {
    client(
        StatusCode::CONFLICT,
        ErrorCode::Conflict,
        message.into(),
        Some(field),
    )
}

impl From<FilterError> for AppError {
    fn from(e: FilterError) -> Self {
        bad_request(&e.field, e.message)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match e {
            // The one place diesel's NotFound becomes a 404.
            Error::NotFound => not_found("the requested record"),
            Error::DatabaseError(Kind::UniqueViolation, _) => {
                conflict("name", "a record with that name exists already")
            }
            // Only what a retry can cure is a 503: a lost connection, a lock not granted in
            // time, a serialization conflict. Anything else fails the same way again, so it is
            // a 500 and a client must not be told to retry it (a poison batch would loop).
            Error::DatabaseError(
                Kind::ClosedConnection | Kind::UnableToSendCommand | Kind::SerializationFailure,
                info,
            ) => AppError::Unavailable(info.message().to_owned()),
            Error::DatabaseError(_, info) if crate::db::budget::is_timeout(info.message()) => {
                AppError::QueryTimeout(info.message().to_owned())
            }
            Error::DatabaseError(_, info) if is_transient(info.message()) => {
                AppError::Unavailable(info.message().to_owned())
            }
            Error::DatabaseError(_, info) => AppError::Internal(info.message().to_owned()),
            Error::RollbackErrorOnCommit {
                rollback_error,
                commit_error,
            } => AppError::Unavailable(format!("{commit_error}; then {rollback_error}")),
            Error::BrokenTransactionManager => {
                AppError::Unavailable("the connection's transaction state is broken".into())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// Whether a database message names a condition that passes: SQLite's busy lock past
/// `busy_timeout`, PostgreSQL shutting down, restarting or refusing connections for now, or
/// cancelling a statement (an administrator's `pg_cancel_backend`, or the request's
/// `statement_timeout` firing as the statement before ended, which PostgreSQL reports so).
fn is_transient(message: &str) -> bool {
    const TRANSIENT: [&str; 9] = [
        "canceling statement due to user request",
        "database is locked",
        "database table is locked",
        "terminating connection",
        "server closed the connection",
        "the database system is starting up",
        "the database system is shutting down",
        "could not connect",
        "deadlock detected",
    ];
    TRANSIENT.iter().any(|t| message.contains(t))
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(e.to_string())
    }
}

const UNAVAILABLE_MESSAGE: &str = "the database is unavailable or busy; try again shortly";
const TIMEOUT_MESSAGE: &str = "the query took longer than this server allows for one request; \
     narrow the filter (a date range, a channel) or use cursor paging";

impl AppError {
    /// What a client may read about this error when it is kept rather than answered (a
    /// background job's failure): a client error's own message, a fixed sentence for the
    /// others, whose causes go to the log only.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Client(_, e) => e.message.clone(),
            AppError::Unavailable(_) => UNAVAILABLE_MESSAGE.to_owned(),
            AppError::QueryTimeout(_) => TIMEOUT_MESSAGE.to_owned(),
            AppError::Internal(_) => "an internal error occurred; it has been logged".to_owned(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Client(status, _) => *status,
            AppError::Unavailable(_) | AppError::QueryTimeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let error = match self {
            AppError::Client(_, e) => e.clone(),
            AppError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                server_error(ErrorCode::ServiceUnavailable, UNAVAILABLE_MESSAGE, None)
            }
            AppError::QueryTimeout(cause) => {
                tracing::warn!(%cause, "query over its time budget");
                server_error(ErrorCode::QueryTimeout, TIMEOUT_MESSAGE, None)
            }
            AppError::Internal(cause) => {
                // The id goes to the client and, with the cause, to the log: an admin can
                // find one from the other, and the cause never leaves the server.
                let request_id = crate::auth::random_hex(8);
                tracing::error!(%cause, %request_id, "internal error");
                server_error(
                    ErrorCode::Internal,
                    &format!(
                        "an internal error occurred (request id {request_id}); it has been logged"
                    ),
                    Some(request_id),
                )
            }
        };
        let mut res = HttpResponse::build(self.status_code());
        // When to ask again: soon for a busy database, later for data being rebuilt; never for
        // a query over its budget (the same request would time out again).
        let retry_after = match self {
            AppError::Unavailable(_) => Some("1"),
            AppError::Client(StatusCode::SERVICE_UNAVAILABLE, _) => Some("10"),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            res.insert_header(("Retry-After", seconds));
        }
        res.json(ErrorBody { error })
    }
}

fn server_error(code: ErrorCode, message: &str, request_id: Option<String>) -> ApiError {
    ApiError {
        code,
        message: message.to_owned(),
        field: None,
        request_id,
    }
}

/// 503: what the request (its `field`, when one is to blame) asks for reads data being rebuilt
/// after an upgrade; `message` says how far, and the same request works once it is done.
pub fn rebuilding(field: Option<&str>, message: impl Into<String>) -> AppError {
    client(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::ServiceUnavailable,
        message.into(),
        field,
    )
}

/// A JSON body whose errors wait until the handler asks: handlers check the caller's role
/// first, so a too-weak role is answered 403 whatever it sent.
pub type JsonBody<T> = Result<actix_web::web::Json<T>, actix_web::Error>;

/// The body of a [`JsonBody`], or its 400 (as the app's `JsonConfig` phrased it).
pub fn json_body<T>(body: JsonBody<T>) -> AppResult<T> {
    match body {
        Ok(json) => Ok(json.into_inner()),
        Err(e) => Err(match e.as_error::<AppError>() {
            Some(AppError::Client(status, api)) => AppError::Client(*status, api.clone()),
            _ => invalid_body(format!("the request body could not be read: {e}")),
        }),
    }
}
