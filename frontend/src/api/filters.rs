//! Saved filter templates.

use hindsight_types::{FilterTemplate, FilterTemplateInput};

use super::{get, no_body, with_body, ApiResult, Method};

/// `GET /api/filters`: the caller's templates and the shared ones.
pub async fn list() -> ApiResult<Vec<FilterTemplate>> {
    get("/api/filters").await
}

/// `POST /api/filters`.
pub async fn create(input: &FilterTemplateInput) -> ApiResult<FilterTemplate> {
    with_body(Method::Post, "/api/filters", input).await
}

/// `PUT /api/filters/{id}`.
pub async fn update(id: i64, input: &FilterTemplateInput) -> ApiResult<FilterTemplate> {
    with_body(Method::Put, &format!("/api/filters/{id}"), input).await
}

/// `DELETE /api/filters/{id}`.
pub async fn delete(id: i64) -> ApiResult<()> {
    no_body(Method::Delete, &format!("/api/filters/{id}")).await
}
