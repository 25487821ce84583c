use actix_web::web;
use hindsight_types::ImportSummary;

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db;
use crate::error::{invalid_body, AppResult};
use crate::ingest::{parse, IncomingConversation, IngestOptions};

fn body_text(body: &web::Bytes) -> AppResult<&str> {
    std::str::from_utf8(body).map_err(|_| invalid_body("the request body is not UTF-8 text"))
}

async fn store(state: &AppState, batch: Vec<IncomingConversation>) -> AppResult<ImportSummary> {
    let opts = IngestOptions {
        timezone: state.config.timezone,
        restore_deleted: false,
    };
    state
        .db(move |conn| Ok(db::ingest::store_conversations(conn, batch, &opts)?))
        .await
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
    user.require(Role::Reviewer)?;
    let conv = parse::parse_events_body(body_text(&body)?, &path).map_err(invalid_body)?;
    Ok(web::Json(store(&state, vec![conv]).await?))
}

/// `POST /api/conversations/{id}/tracker`: import a whole tracker for this conversation.
pub async fn import_tracker(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<web::Json<ImportSummary>> {
    user.require(Role::Reviewer)?;
    let mut conv =
        parse::parse_tracker_body(body_text(&body)?, Some(&path)).map_err(invalid_body)?;
    // The path names the conversation, whatever the body says.
    conv.sender_id = path.into_inner();
    Ok(web::Json(store(&state, vec![conv]).await?))
}

/// `POST /api/trackers`: import a tracker, or a list of trackers, each naming its sender.
pub async fn import_trackers(
    user: AuthUser,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> AppResult<web::Json<ImportSummary>> {
    user.require(Role::Reviewer)?;
    let batch = parse::parse_json_document(body_text(&body)?, None).map_err(invalid_body)?;
    Ok(web::Json(store(&state, batch).await?))
}
