//! Flagging messages, by event id or (Rasa X's routes) by message timestamp.

use actix_web::{web, HttpResponse};
use hindsight_types::FlagRequest;

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db;
use crate::error::{invalid_body, AppResult};

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
    user.require(Role::Reviewer)?;
    let note = note(&body)?;
    let (sender_id, event_id) = path.into_inner();
    state
        .db(move |conn| db::flags::flag(conn, &sender_id, event_id, note.as_deref(), &user.name))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/conversations/{id}/events/{event_id}/flag`: removes the flag.
pub async fn unflag_event(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    user.require(Role::Reviewer)?;
    let (sender_id, event_id) = path.into_inner();
    state
        .db(move |conn| db::flags::unflag(conn, &sender_id, event_id, &user.name))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /api/conversations/{id}/messages/{message_timestamp}/flag`: Rasa X's flag route.
pub async fn flag_message(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, f64)>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    user.require(Role::Reviewer)?;
    let note = note(&body)?;
    let (sender_id, ts) = path.into_inner();
    state
        .db(move |conn| {
            let event_id = db::flags::message_at(conn, &sender_id, ts)?;
            db::flags::flag(conn, &sender_id, event_id, note.as_deref(), &user.name)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/conversations/{id}/messages/{message_timestamp}/flag`: Rasa X's unflag route.
pub async fn unflag_message(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, f64)>,
) -> AppResult<HttpResponse> {
    user.require(Role::Reviewer)?;
    let (sender_id, ts) = path.into_inner();
    state
        .db(move |conn| {
            let event_id = db::flags::message_at(conn, &sender_id, ts)?;
            db::flags::unflag(conn, &sender_id, event_id, &user.name)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
