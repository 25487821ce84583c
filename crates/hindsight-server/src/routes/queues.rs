//! Review queues: their administration, the review flow, and progress.

use actix_web::{web, HttpRequest, HttpResponse};
use hindsight_types::{
    ConversationFilter, DisagreementPage, Queue, QueueAssignment, QueueConversationsAdded,
    QueueConversationsInput, QueueInput, QueueProgress, QueueReview, QueueSettlement, QueueUpdate,
    ReviewSubmission,
};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{json_body, AppResult, JsonBody};
use crate::service::{queue_add, queue_progress, queue_review, queue_settlements, queues};

/// `GET /api/queues`: every queue.
pub async fn list_queues(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<Queue>>> {
    Ok(web::Json(queues::list_queues(&state, user).await?))
}

/// `POST /api/queues`: creates and fills a queue (201).
pub async fn create_queue(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<QueueInput>,
) -> AppResult<HttpResponse> {
    let queue = queues::create_queue(&state, user, json_body(body)).await?;
    Ok(HttpResponse::Created().json(queue))
}

/// `GET /api/queues/{queue_id}`: one queue.
pub async fn get_queue(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<web::Json<Queue>> {
    Ok(web::Json(
        queues::get_queue(&state, user, path.into_inner()).await?,
    ))
}

/// `PATCH /api/queues/{queue_id}`: edits, pauses or resumes a queue.
pub async fn update_queue(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: JsonBody<QueueUpdate>,
) -> AppResult<web::Json<Queue>> {
    let id = path.into_inner();
    Ok(web::Json(
        queues::update_queue(&state, user, id, json_body(body)).await?,
    ))
}

/// `DELETE /api/queues/{queue_id}`: deletes a queue and its reviews.
pub async fn delete_queue(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    queues::delete_queue(&state, user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/queues/{queue_id}/conversations`: adds conversations by id.
pub async fn add_queue_conversations(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: JsonBody<QueueConversationsInput>,
) -> AppResult<web::Json<QueueConversationsAdded>> {
    let id = path.into_inner();
    Ok(web::Json(
        queue_add::add_conversations(&state, user, id, json_body(body)).await?,
    ))
}

/// `POST /api/queues/{queue_id}/conversations/matching?<filter>`: adds every conversation
/// an inbox filter matches.
pub async fn add_matching_conversations(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    req: HttpRequest,
) -> AppResult<web::Json<QueueConversationsAdded>> {
    let filter = ConversationFilter::from_query_with(req.query_string(), |k, _| {
        Ok(k == hindsight_types::filter::API_TOKEN_PARAM)
    });
    let id = path.into_inner();
    Ok(web::Json(
        queue_add::add_matching(&state, user, id, filter.map_err(Into::into)).await?,
    ))
}

/// `POST /api/queues/{queue_id}/next`: reserves the next conversation for the caller.
pub async fn next_conversation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<web::Json<QueueAssignment>> {
    Ok(web::Json(
        queue_review::next(&state, user, path.into_inner()).await?,
    ))
}

/// `POST /api/queues/{queue_id}/conversations/{id}/release`: gives a reservation back.
pub async fn release_conversation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> AppResult<HttpResponse> {
    let (id, sender_id) = path.into_inner();
    queue_review::release(&state, user, id, sender_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/queues/{queue_id}/conversations/{id}/skip`: skips a reserved conversation.
pub async fn skip_conversation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> AppResult<HttpResponse> {
    let (id, sender_id) = path.into_inner();
    queue_review::skip(&state, user, id, sender_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/queues/{queue_id}/conversations/{id}/review`: submits the rubric's answers.
pub async fn submit_review(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    body: JsonBody<ReviewSubmission>,
) -> AppResult<web::Json<QueueReview>> {
    let (id, sender_id) = path.into_inner();
    Ok(web::Json(
        queue_review::submit(&state, user, id, sender_id, json_body(body)).await?,
    ))
}

/// `GET /api/queues/{queue_id}/progress`: progress and findings.
pub async fn queue_progress(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<web::Json<QueueProgress>> {
    Ok(web::Json(
        queue_progress::progress(&state, user, path.into_inner()).await?,
    ))
}

/// `GET /api/queues/{queue_id}/disagreements`: conversations whose reviews disagree, not
/// settled yet, newest first, a page at a time.
pub async fn list_disagreements(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<super::PageQuery>,
) -> AppResult<web::Json<DisagreementPage>> {
    let super::PageQuery { limit, cursor, .. } = query.into_inner();
    Ok(web::Json(
        queue_settlements::list(&state, user, path.into_inner(), limit, cursor).await?,
    ))
}

/// `POST /api/queues/{queue_id}/conversations/{id}/settlement`: settles a disagreement with
/// final answers.
pub async fn settle_disagreement(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    body: JsonBody<ReviewSubmission>,
) -> AppResult<web::Json<QueueSettlement>> {
    let (id, sender_id) = path.into_inner();
    Ok(web::Json(
        queue_settlements::settle(&state, user, id, sender_id, json_body(body)).await?,
    ))
}
