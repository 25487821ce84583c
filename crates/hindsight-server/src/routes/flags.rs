//! Flagging messages, by event id or (Rasa X's routes) by message timestamp.

use actix_web::{web, HttpResponse};
use hindsight_types::FlagRequest;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{invalid_body, AppResult};
use crate::service::flags::{self, MessageRef};

/// The optional note: an empty body is no note.
fn note(body: &web::Bytes) -> AppResult<Option<String>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let req: FlagRequest = serde_json::from_slice(body)
        .map_err(|e| invalid_body(format!("expected {{\"note\"}}: {e}")))?;
    Ok(req.note)
}

/// `PUT /api/conversations/{id}/events/{event_id}/flag`: flags an event, with an optional note.
pub async fn flag_event(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let (sender_id, event_id) = path.into_inner();
    let message = MessageRef::Event(event_id);
    flags::flag_message(&state, user, sender_id, message, note(&body)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/conversations/{id}/events/{event_id}/flag`: removes the flag.
pub async fn unflag_event(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    let (sender_id, event_id) = path.into_inner();
    flags::unflag_message(&state, user, sender_id, MessageRef::Event(event_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /api/conversations/{id}/messages/{message_timestamp}/flag`: Rasa X's flag route.
pub async fn flag_message(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, f64)>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let (sender_id, ts) = path.into_inner();
    let message = MessageRef::Timestamp(ts);
    flags::flag_message(&state, user, sender_id, message, note(&body)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/conversations/{id}/messages/{message_timestamp}/flag`: Rasa X's unflag route.
pub async fn unflag_message(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, f64)>,
) -> AppResult<HttpResponse> {
    let (sender_id, ts) = path.into_inner();
    flags::unflag_message(&state, user, sender_id, MessageRef::Timestamp(ts)).await?;
    Ok(HttpResponse::NoContent().finish())
}
