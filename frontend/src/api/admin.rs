//! Users and API tokens (admins only).

use hindsight_types::{ApiTokenInfo, CreatedApiToken, NewApiToken, NewUser, UserInfo, UserUpdate};

use super::{enc, get, no_body, with_body, with_body_no_answer, ApiResult, Method};

/// `GET /api/users`.
pub async fn users() -> ApiResult<Vec<UserInfo>> {
    get("/api/users").await
}

/// `POST /api/users`.
pub async fn create_user(user: &NewUser) -> ApiResult<()> {
    with_body_no_answer(Method::Post, "/api/users", user).await
}

/// `PATCH /api/users/{username}`.
pub async fn update_user(username: &str, update: &UserUpdate) -> ApiResult<()> {
    with_body_no_answer(
        Method::Patch,
        &format!("/api/users/{}", enc(username)),
        update,
    )
    .await
}

/// `DELETE /api/users/{username}`.
pub async fn delete_user(username: &str) -> ApiResult<()> {
    no_body(Method::Delete, &format!("/api/users/{}", enc(username))).await
}

/// `GET /api/tokens`.
pub async fn tokens() -> ApiResult<Vec<ApiTokenInfo>> {
    get("/api/tokens").await
}

/// `POST /api/tokens`: the secret is in the answer, this once.
pub async fn create_token(token: &NewApiToken) -> ApiResult<CreatedApiToken> {
    with_body(Method::Post, "/api/tokens", token).await
}

/// `DELETE /api/tokens/{id}`: revokes it.
pub async fn revoke_token(id: i64) -> ApiResult<()> {
    no_body(Method::Delete, &format!("/api/tokens/{id}")).await
}
