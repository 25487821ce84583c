//! What the event broker consumer left for admins: messages it could not import, and
//! `rasa export` runs.

use base64::Engine;
use hindsight_types::{ExportRun, IngestError, IngestErrorPage};

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db;
use crate::error::{bad_request, AppResult};

/// Largest page of ingest errors.
pub const MAX_LIMIT: i64 = 500;

/// Ingest errors, newest first: `limit` of them with ids below `before`. Admins only.
pub async fn list_ingest_errors(
    state: &AppState,
    caller: AuthUser,
    limit: Option<i64>,
    before: Option<i64>,
) -> AppResult<IngestErrorPage> {
    caller.require(Role::Admin)?;
    let limit = limit.unwrap_or(50);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(bad_request(
            "limit",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let (rows, total) = state
        .db(move |conn| Ok(db::broker::list_ingest_errors(conn, limit, before)?))
        .await?;
    let errors = rows
        .into_iter()
        .map(|r| IngestError {
            id: r.id,
            received_at: r.received_at.and_utc(),
            source: r.source,
            reason: r.reason,
            body: String::from_utf8_lossy(&r.body).into_owned(),
            body_base64: base64::engine::general_purpose::STANDARD.encode(&r.body),
            properties: serde_json::from_str(&r.properties).unwrap_or_default(),
        })
        .collect();
    Ok(IngestErrorPage { errors, total })
}

/// Every `rasa export` run seen, the latest first. Admins only.
pub async fn list_export_runs(state: &AppState, caller: AuthUser) -> AppResult<Vec<ExportRun>> {
    caller.require(Role::Admin)?;
    let rows = state
        .db(|conn| Ok(db::broker::list_export_runs(conn)?))
        .await?;
    Ok(rows
        .into_iter()
        .map(|(run, conversations)| ExportRun {
            id: run.id,
            environment: run.environment,
            first_seen_at: run.first_seen_at.and_utc(),
            last_seen_at: run.last_seen_at.and_utc(),
            messages: run.messages,
            conversations,
            first_event_timestamp: run.first_event_timestamp,
            last_event_timestamp: run.last_event_timestamp,
        })
        .collect())
}
