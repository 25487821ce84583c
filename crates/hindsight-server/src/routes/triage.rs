//! Triage: review status, the trash and bulk changes.

use actix_web::{web, HttpResponse};
use hindsight_types::{BulkRequest, BulkResult, ConversationPage, ReviewStatusUpdate};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{json_body, AppResult, JsonBody};
use crate::service::triage;

/// `PUT /api/conversations/{id}/reviewStatus`: sets the status (and clears "news" up to the
/// last event the reviewer saw).
pub async fn set_review_status(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody<ReviewStatusUpdate>,
) -> AppResult<HttpResponse> {
    triage::set_review_status(&state, user, path.into_inner(), json_body(body)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/conversations/{id}`: moves the conversation to the trash.
pub async fn delete_conversation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    triage::trash_conversation(&state, user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/conversations/{id}/restore`: brings a conversation back from the trash.
pub async fn restore_conversation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    triage::restore_conversation(&state, user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The query of `GET /api/trash`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrashQuery {
    limit: Option<i64>,
    cursor: Option<String>,
    /// Read by the authentication extractor.
    #[allow(dead_code)]
    api_token: Option<String>,
}

/// `GET /api/trash`: deleted conversations not purged yet, a page at a time.
pub async fn list_trash(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<TrashQuery>,
) -> AppResult<web::Json<ConversationPage>> {
    let TrashQuery { limit, cursor, .. } = query.into_inner();
    Ok(web::Json(
        triage::list_trash(&state, user, limit, cursor).await?,
    ))
}

/// `POST /api/conversations/bulk`: one change to many conversations, in one transaction.
pub async fn bulk(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<BulkRequest>,
) -> AppResult<web::Json<BulkResult>> {
    let changed = triage::bulk(&state, user, json_body(body)).await?;
    Ok(web::Json(BulkResult { changed }))
}
