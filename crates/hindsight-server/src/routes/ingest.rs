use actix_web::web;
use hindsight_types::ImportSummary;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{invalid_body, AppResult};
use crate::ingest::parse;
use crate::service::ingest;

fn body_text(body: &web::Bytes) -> AppResult<&str> {
    std::str::from_utf8(body).map_err(|_| invalid_body("the request body is not UTF-8 text"))
}

/// `POST /api/conversations/{id}/events`: append a list of Rasa events (or one event), as an
/// event-broker consumer or a custom action sends them. Nothing is written unless every event
/// is valid.
pub async fn append_events(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<web::Json<ImportSummary>> {
    let conv = body_text(&body)
        .and_then(|text| parse::parse_events_body(text, &path).map_err(invalid_body));
    let batch = conv.map(|c| vec![c]);
    Ok(web::Json(
        ingest::store_conversations(&state, user, batch).await?,
    ))
}

/// `POST /api/conversations/{id}/tracker`: import a whole tracker for this conversation.
pub async fn import_tracker(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<web::Json<ImportSummary>> {
    let conv = body_text(&body)
        .and_then(|text| parse::parse_tracker_body(text, Some(&path)).map_err(invalid_body));
    // The path names the conversation, whatever the body says.
    let batch = conv.map(|mut c| {
        c.sender_id = path.into_inner();
        vec![c]
    });
    Ok(web::Json(
        ingest::store_conversations(&state, user, batch).await?,
    ))
}

/// `POST /api/trackers`: import a tracker, or a list of trackers, each naming its sender.
pub async fn import_trackers(
    user: AuthUser,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> AppResult<web::Json<ImportSummary>> {
    let batch = body_text(&body)
        .and_then(|text| parse::parse_json_document(text, None).map_err(invalid_body));
    Ok(web::Json(
        ingest::store_conversations(&state, user, batch).await?,
    ))
}
