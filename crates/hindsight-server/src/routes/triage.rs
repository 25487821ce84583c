//! Triage: review status, the trash and bulk changes.

use actix_web::{web, HttpResponse};
use hindsight_types::{BulkRequest, BulkResult, ConversationSummary, ReviewStatusUpdate};

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db;
use crate::error::{json_body, AppResult, JsonBody};

/// `PUT /api/conversations/{id}/reviewStatus`: sets the status (and clears "news").
pub async fn set_review_status(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody<ReviewStatusUpdate>,
) -> AppResult<HttpResponse> {
    user.require(Role::Reviewer)?;
    let status = json_body(body)?.review_status;
    state
        .db(move |conn| db::triage::set_review_status(conn, &path, status, &user.name))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who may delete: admins, and reviewers when the configuration lets them.
fn require_delete(user: &AuthUser, state: &AppState) -> AppResult<()> {
    if state.config.reviewers_may_delete {
        user.require(Role::Reviewer)
    } else {
        user.require(Role::Admin)
    }
}

/// `DELETE /api/conversations/{id}`: moves the conversation to the trash.
pub async fn delete_conversation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    require_delete(&user, &state)?;
    let days = state.config.trash_days;
    state
        .db(move |conn| {
            db::triage::trash(conn, &path, &user.name)?;
            db::triage::purge(conn, days)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/conversations/{id}/restore`: brings a conversation back from the trash.
pub async fn restore_conversation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    require_delete(&user, &state)?;
    state
        .db(move |conn| db::triage::restore(conn, &path, &user.name))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/trash`: deleted conversations not purged yet.
pub async fn list_trash(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<ConversationSummary>>> {
    user.require(Role::Admin)?;
    Ok(web::Json(state.db(db::triage::list_trash).await?))
}

/// `POST /api/conversations/bulk`: one change to many conversations, in one transaction.
pub async fn bulk(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<BulkRequest>,
) -> AppResult<web::Json<BulkResult>> {
    user.require(Role::Reviewer)?;
    let request = json_body(body)?;
    if matches!(request.action, hindsight_types::BulkAction::Delete) {
        require_delete(&user, &state)?;
    }
    let changed = state
        .db(move |conn| db::bulk::apply(conn, &request, &user.name))
        .await?;
    Ok(web::Json(BulkResult { changed }))
}
