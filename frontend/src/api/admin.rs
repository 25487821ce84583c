//! Users, API tokens and the event broker's import state (admins only), and the server's health.

use hindsight_types::{
    ApiTokenInfo, CreatedApiToken, ExportRun, Health, IngestErrorPage, NewApiToken, NewUser,
    PathSettings, UserInfo, UserUpdate,
};

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

/// `GET /api/health`: the database and the event broker consumer.
pub async fn health() -> ApiResult<Health> {
    get("/api/health").await
}

/// `GET /api/ingest-errors?limit=…[&before=…]`: broker messages that could not be imported,
/// newest first; `before` is the last id of the previous page.
pub async fn ingest_errors(limit: u32, before: Option<i64>) -> ApiResult<IngestErrorPage> {
    let mut path = format!("/api/ingest-errors?limit={limit}");
    if let Some(b) = before {
        path.push_str(&format!("&before={b}"));
    }
    get(&path).await
}

/// `GET /api/export-runs`: `rasa export` runs seen on the broker, the latest first.
pub async fn export_runs() -> ApiResult<Vec<ExportRun>> {
    get("/api/export-runs").await
}

/// `GET /api/settings/paths`: the names the path explorer colours as fallbacks.
pub async fn path_settings() -> ApiResult<PathSettings> {
    get("/api/settings/paths").await
}

/// `PUT /api/settings/paths`: replaces them; the answer is what was stored.
pub async fn update_path_settings(settings: &PathSettings) -> ApiResult<PathSettings> {
    with_body(Method::Put, "/api/settings/paths", settings).await
}
