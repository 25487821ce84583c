//! Comments on a conversation or one of its messages, and the comments mentioning the caller.

use actix_web::{web, HttpResponse};
use hindsight_types::{Comment, CommentPage, CommentUpdate, NewComment};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{json_body, AppResult, JsonBody};
use crate::service::comments;

/// `GET /api/conversations/{id}/comments`: the conversation's comments, oldest first.
pub async fn list_comments(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<web::Json<Vec<Comment>>> {
    Ok(web::Json(
        comments::list(&state, user, path.into_inner()).await?,
    ))
}

/// `POST /api/conversations/{id}/comments`: a comment on the conversation, or on one of its
/// events (`event_id`).
pub async fn create_comment(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody<NewComment>,
) -> AppResult<HttpResponse> {
    let comment = comments::create(&state, user, path.into_inner(), json_body(body)).await?;
    Ok(HttpResponse::Created().json(comment))
}

/// `PATCH /api/comments/{comment_id}`: its author changes its text.
pub async fn update_comment(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: JsonBody<CommentUpdate>,
) -> AppResult<web::Json<Comment>> {
    Ok(web::Json(
        comments::edit(&state, user, path.into_inner(), json_body(body)).await?,
    ))
}

/// `DELETE /api/comments/{comment_id}`: its author, or an admin, deletes it.
pub async fn delete_comment(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    comments::delete(&state, user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/comments/mentions`: comments mentioning the caller, newest first, a page at a
/// time.
pub async fn list_mentions(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<super::PageQuery>,
) -> AppResult<web::Json<CommentPage>> {
    let super::PageQuery { limit, cursor, .. } = query.into_inner();
    Ok(web::Json(
        comments::mentions(&state, user, limit, cursor).await?,
    ))
}
