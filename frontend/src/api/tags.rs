//! Tags: the team's tag list and the tags on a conversation.

use hindsight_types::{Tag, TagUpdate, TagWithUsage};

use super::{enc, get, no_body, with_body, ApiResult, Method};

/// `TagWithUsage` as it arrives. The shared type flattens its `Tag`, and serde's flatten
/// support alone (buffering every field) was 2% of the bundle; this reads the same JSON.
#[derive(serde::Deserialize)]
struct TagRow {
    id: i64,
    value: String,
    color: String,
    conversations: i64,
}

/// `GET /api/conversations/tags`: every tag with its usage.
pub async fn all() -> ApiResult<Vec<TagWithUsage>> {
    let rows: Vec<TagRow> = get("/api/conversations/tags").await?;
    Ok(rows
        .into_iter()
        .map(|r| TagWithUsage {
            tag: Tag {
                id: r.id,
                value: r.value,
                color: r.color,
            },
            conversations: r.conversations,
        })
        .collect())
}

/// `POST /api/conversations/{id}/tags`: adds tags by name (created when new, with the
/// colour given) and answers the conversation's tags.
pub async fn add_to(id: &str, tags: &[TagUpdate]) -> ApiResult<Vec<Tag>> {
    with_body(
        Method::Post,
        &format!("/api/conversations/{}/tags", enc(id)),
        tags,
    )
    .await
}

/// `DELETE /api/conversations/{id}/tags/{tag_id}`.
pub async fn remove_from(id: &str, tag_id: i64) -> ApiResult<()> {
    no_body(
        Method::Delete,
        &format!("/api/conversations/{}/tags/{tag_id}", enc(id)),
    )
    .await
}
