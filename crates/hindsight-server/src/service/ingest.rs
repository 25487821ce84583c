//! Conversations arriving over HTTP: appended events, whole trackers.

use hindsight_types::ImportSummary;

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db;
use crate::error::AppResult;
use crate::ingest::{IncomingConversation, IngestOptions};

/// Stores parsed conversations through the one ingest path, all or nothing.
pub async fn store_conversations(
    state: &AppState,
    caller: AuthUser,
    batch: AppResult<Vec<IncomingConversation>>,
) -> AppResult<ImportSummary> {
    caller.require(Role::Reviewer)?;
    let batch = batch?;
    let opts = IngestOptions {
        timezone: state.config.timezone,
        restore_deleted: false,
    };
    state
        .db(move |conn| Ok(db::ingest::store_conversations(conn, batch, &opts)?))
        .await
}
