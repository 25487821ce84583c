//! Review queues: the admin's side (create, change, delete) and the reviewer's: the queues,
//! the next reserved conversation, skip, release, submitting the rubric's answers,
//! progress, and the disagreements between reviewers with their settlement.

use hindsight_types::{
    DisagreementPage, Queue, QueueAssignment, QueueConversationsAdded, QueueInput, QueueProgress,
    QueueReview, QueueSettlement, QueueUpdate, ReviewSubmission,
};

use super::{decode, enc, get, no_body, send, with_body, ApiResult, Method};

fn turn_path(queue_id: i64, conversation_id: &str, what: &str) -> String {
    format!(
        "/api/queues/{queue_id}/conversations/{}/{what}",
        enc(conversation_id)
    )
}

/// `GET /api/queues`: every queue.
pub async fn queues() -> ApiResult<Vec<Queue>> {
    get("/api/queues").await
}

/// `GET /api/queues/{queue_id}`.
pub async fn queue(queue_id: i64) -> ApiResult<Queue> {
    get(&format!("/api/queues/{queue_id}")).await
}

/// `POST /api/queues` (admins): a 400 names the field at fault (`rubric[1].choices`).
pub async fn create(input: &QueueInput) -> ApiResult<Queue> {
    with_body(Method::Post, "/api/queues", input).await
}

/// `PATCH /api/queues/{queue_id}` (admins): rename, pause, resume…
pub async fn update(queue_id: i64, update: &QueueUpdate) -> ApiResult<Queue> {
    with_body(Method::Patch, &format!("/api/queues/{queue_id}"), update).await
}

/// `DELETE /api/queues/{queue_id}` (admins): the queue with its reviews.
pub async fn delete(queue_id: i64) -> ApiResult<()> {
    no_body(Method::Delete, &format!("/api/queues/{queue_id}")).await
}

/// `POST /api/queues/{queue_id}/conversations/matching?<filter>` (admins): adds every
/// conversation the inbox filter `filter_query` matches to a queue of the explicit source,
/// the server reading them a batch at a time (no limit on how many).
pub async fn add_matching(queue_id: i64, filter_query: &str) -> ApiResult<QueueConversationsAdded> {
    let mut path = format!("/api/queues/{queue_id}/conversations/matching");
    if !filter_query.is_empty() {
        path.push('?');
        path.push_str(filter_query);
    }
    decode(&send(Method::Post, path, None).await?)
}

/// `POST /api/queues/{queue_id}/next`: reserves the next conversation for the caller (the
/// one already held, if any). A 404 means nothing is left for the caller, a 409 that the
/// queue is paused.
pub async fn next(queue_id: i64) -> ApiResult<QueueAssignment> {
    // No body: the route takes none.
    let path = format!("/api/queues/{queue_id}/next");
    decode(&send(Method::Post, path, None).await?)
}

/// `POST /api/queues/{queue_id}/conversations/{id}/skip`: passes it on to other reviewers.
pub async fn skip(queue_id: i64, conversation_id: &str) -> ApiResult<()> {
    no_body(Method::Post, &turn_path(queue_id, conversation_id, "skip")).await
}

/// `POST /api/queues/{queue_id}/conversations/{id}/release`: returns it to the queue.
pub async fn release(queue_id: i64, conversation_id: &str) -> ApiResult<()> {
    no_body(
        Method::Post,
        &turn_path(queue_id, conversation_id, "release"),
    )
    .await
}

/// `POST /api/queues/{queue_id}/conversations/{id}/review`: the rubric's answers (a 400
/// names the answer at fault, `answers.QUESTION`).
pub async fn submit(
    queue_id: i64,
    conversation_id: &str,
    review: &ReviewSubmission,
) -> ApiResult<QueueReview> {
    with_body(
        Method::Post,
        &turn_path(queue_id, conversation_id, "review"),
        review,
    )
    .await
}

/// `GET /api/queues/{queue_id}/progress`.
pub async fn progress(queue_id: i64) -> ApiResult<QueueProgress> {
    get(&format!("/api/queues/{queue_id}/progress")).await
}

/// Disagreements in one page of [`disagreements`].
pub const DISAGREEMENTS_PAGE: i64 = 20;

/// `GET /api/queues/{queue_id}/disagreements`: the conversations whose reviews disagree,
/// not settled yet, newest first; `cursor` is the previous page's `next_cursor`.
pub async fn disagreements(queue_id: i64, cursor: Option<&str>) -> ApiResult<DisagreementPage> {
    let mut path = format!("/api/queues/{queue_id}/disagreements?limit={DISAGREEMENTS_PAGE}");
    if let Some(c) = cursor {
        path.push_str("&cursor=");
        path.push_str(&enc(c));
    }
    get(&path).await
}

/// `POST /api/queues/{queue_id}/conversations/{id}/settlement` (admins): the final answers
/// (a 400 names the answer at fault, `answers.QUESTION`).
pub async fn settle(
    queue_id: i64,
    conversation_id: &str,
    answers: &ReviewSubmission,
) -> ApiResult<QueueSettlement> {
    with_body(
        Method::Post,
        &turn_path(queue_id, conversation_id, "settlement"),
        answers,
    )
    .await
}
