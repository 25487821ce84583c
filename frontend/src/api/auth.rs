//! Login and the caller's identity.

use hindsight_types::{LoginRequest, LoginResponse, UserInfo};

use super::{get, with_body, ApiResult, Method};

/// `POST /api/auth`.
pub async fn login(username: String, password: String) -> ApiResult<LoginResponse> {
    with_body(
        Method::Post,
        "/api/auth",
        &LoginRequest { username, password },
    )
    .await
}

/// `GET /api/me`.
pub async fn me() -> ApiResult<UserInfo> {
    get("/api/me").await
}
