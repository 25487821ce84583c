//! Comments on a conversation or one of its messages, and the comments mentioning me.

use hindsight_types::{Comment, CommentPage, CommentUpdate, NewComment};

use super::{enc, get, no_body, with_body, ApiResult, Method};

/// Comments per page of the mentions list.
pub const MENTIONS_PAGE: u32 = 50;

/// `GET /api/conversations/{id}/comments`: oldest first.
pub async fn of_conversation(id: &str) -> ApiResult<Vec<Comment>> {
    get(&format!("/api/conversations/{}/comments", enc(id))).await
}

/// `POST /api/conversations/{id}/comments`: on the conversation, or on `event_id`.
pub async fn create(id: &str, body: String, event_id: Option<i64>) -> ApiResult<Comment> {
    let path = format!("/api/conversations/{}/comments", enc(id));
    with_body(Method::Post, &path, &NewComment { body, event_id }).await
}

/// `PATCH /api/comments/{comment_id}`.
pub async fn edit(comment_id: i64, body: String) -> ApiResult<Comment> {
    let path = format!("/api/comments/{comment_id}");
    with_body(Method::Patch, &path, &CommentUpdate { body }).await
}

/// `DELETE /api/comments/{comment_id}`.
pub async fn delete(comment_id: i64) -> ApiResult<()> {
    no_body(Method::Delete, &format!("/api/comments/{comment_id}")).await
}

/// `GET /api/comments/mentions?limit=…&cursor=…`: newest first.
pub async fn mentions(cursor: Option<&str>) -> ApiResult<CommentPage> {
    let mut path = format!("/api/comments/mentions?limit={MENTIONS_PAGE}");
    if let Some(c) = cursor {
        path.push_str("&cursor=");
        path.push_str(&enc(c));
    }
    get(&path).await
}
