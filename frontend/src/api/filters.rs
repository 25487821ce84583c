//! Saved filter templates.

use hindsight_types::{FilterTemplate, FilterTemplateInput};

use super::{get, no_body, with_body_no_answer, ApiResult, Method};

/// `GET /api/filters`: the caller's templates and the shared ones.
pub async fn list() -> ApiResult<Vec<FilterTemplate>> {
    get("/api/filters").await
}

/// `POST /api/filters`. The list is read again afterwards, so the answer is not needed.
pub async fn create(input: &FilterTemplateInput) -> ApiResult<()> {
    with_body_no_answer(Method::Post, "/api/filters", input).await
}

/// `PUT /api/filters/{id}`.
pub async fn update(id: i64, input: &FilterTemplateInput) -> ApiResult<()> {
    with_body_no_answer(Method::Put, &format!("/api/filters/{id}"), input).await
}

/// `DELETE /api/filters/{id}`.
pub async fn delete(id: i64) -> ApiResult<()> {
    no_body(Method::Delete, &format!("/api/filters/{id}")).await
}
