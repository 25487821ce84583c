//! Annotations of user messages.

use actix_web::{web, HttpResponse};
use hindsight_types::{Annotation, AnnotationInput};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{json_body, AppResult, JsonBody};
use crate::service::annotations;

/// `GET /api/conversations/{id}/annotations`: the conversation's annotations.
pub async fn list_annotations(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<web::Json<Vec<Annotation>>> {
    let list = annotations::list_annotations(&state, user, path.into_inner()).await?;
    Ok(web::Json(list))
}

/// `PUT /api/conversations/{id}/events/{event_id}/annotation`: annotates a user message.
pub async fn put_annotation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    body: JsonBody<AnnotationInput>,
) -> AppResult<web::Json<Annotation>> {
    let (sender_id, event_id) = path.into_inner();
    let saved = annotations::annotate(&state, user, sender_id, event_id, json_body(body)).await?;
    Ok(web::Json(saved))
}

/// `DELETE /api/conversations/{id}/events/{event_id}/annotation`: removes the annotation.
pub async fn delete_annotation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    let (sender_id, event_id) = path.into_inner();
    annotations::remove_annotation(&state, user, sender_id, event_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/training-data/intents`: the intents the annotation picker offers.
pub async fn list_intents(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<String>>> {
    Ok(web::Json(annotations::known_intents(&state, user).await?))
}
