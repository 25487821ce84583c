//! Login and "who am I".

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use hindsight_types::workflow::{LoginRequest, UserInfo};
use hindsight_types::{ApiError, ErrorBody, ErrorCode};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{invalid_body, AppError, AppResult};
use crate::service::auth::LoginError;

/// Largest `POST /api/auth` body: a username and a password fit many times over, and the
/// endpoint is open to anyone, so it reads no more.
pub const LOGIN_BODY_LIMIT: usize = 4 * 1024;

impl ResponseError for LoginError {
    fn status_code(&self) -> StatusCode {
        match self {
            LoginError::Refused(e) => e.status_code(),
            LoginError::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            LoginError::Refused(e) => e.error_response(),
            LoginError::Limited(wait) => {
                // Whole seconds, rounded up: retrying at the second given succeeds.
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                HttpResponse::TooManyRequests()
                    .insert_header(("Retry-After", secs.max(1).to_string()))
                    .json(ErrorBody {
                        error: ApiError {
                            code: ErrorCode::RateLimited,
                            message: format!(
                                "too many login attempts for this user or from this address; \
                                 try again in {} s",
                                secs.max(1)
                            ),
                            field: None,
                            request_id: None,
                        },
                    })
            }
        }
    }
}

fn too_large() -> AppError {
    AppError::Client(
        StatusCode::PAYLOAD_TOO_LARGE,
        ApiError {
            code: ErrorCode::PayloadTooLarge,
            message: format!("a login body has at most {LOGIN_BODY_LIMIT} bytes"),
            field: None,
            request_id: None,
        },
    )
}

/// `POST /api/auth`: exchanges a username and password for a login token (429 with
/// `Retry-After` when attempts for the user or from the address are over the limit).
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, LoginError> {
    // Read here rather than by `web::Json`, whose limit is the app-wide one for trackers.
    let bytes = match body.to_bytes_limited(LOGIN_BODY_LIMIT).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => return Err(invalid_body(format!("the body could not be read: {e}")).into()),
        Err(_) => return Err(too_large().into()),
    };
    let LoginRequest { username, password } = serde_json::from_slice(&bytes).map_err(|e| {
        invalid_body(format!(
            "the request body is not what this route takes: {e}"
        ))
    })?;
    let address = req.peer_addr().map(|a| a.ip());
    let answer = crate::service::auth::login(&state, username, password, address).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `GET /api/me`: the caller's name and role.
pub async fn me(user: AuthUser) -> AppResult<web::Json<UserInfo>> {
    Ok(web::Json(UserInfo {
        username: user.name,
        role: user.role,
        created_at: None,
    }))
}
