//! Tags: the team's tag list and the tags on a conversation.

use hindsight_types::{Tag, TagUpdate, TagWithUsage};

use super::{enc, get, no_body, with_body, with_body_no_answer, ApiResult, Method};

/// `GET /api/conversations/tags`: every tag with its usage.
pub async fn all() -> ApiResult<Vec<TagWithUsage>> {
    get("/api/conversations/tags").await
}

/// `POST /api/tags`.
pub async fn create(tag: &TagUpdate) -> ApiResult<Tag> {
    with_body(Method::Post, "/api/tags", tag).await
}

/// `PATCH /api/tags/{tag_id}`.
pub async fn update(tag_id: i64, tag: &TagUpdate) -> ApiResult<()> {
    with_body_no_answer(Method::Patch, &format!("/api/tags/{tag_id}"), tag).await
}

/// `DELETE /api/conversations/tags/{tag_id}`: removes the tag everywhere.
pub async fn delete(tag_id: i64) -> ApiResult<()> {
    no_body(Method::Delete, &format!("/api/conversations/tags/{tag_id}")).await
}

/// `POST /api/conversations/{id}/tags`: adds tags by name (created when new, with the
/// colour given) and answers the conversation's tags.
pub async fn add_to(id: &str, tags: &[TagUpdate]) -> ApiResult<Vec<Tag>> {
    with_body(Method::Post, &format!("/api/conversations/{}/tags", enc(id)), tags).await
}

/// `DELETE /api/conversations/{id}/tags/{tag_id}`.
pub async fn remove_from(id: &str, tag_id: i64) -> ApiResult<()> {
    no_body(Method::Delete, &format!("/api/conversations/{}/tags/{tag_id}", enc(id))).await
}
