//! The service layer: one function for each thing a caller may do.
//!
//! Each function authorises the caller, validates what it was sent, runs its queries on the
//! blocking pool inside one transaction ([`crate::db::write_transaction`], SQLite's write lock
//! taken up front), writes the change together with its audit row (state before and after),
//! and maps errors to API errors. Routes parse and respond; `db/` runs queries and knows
//! nothing of roles or HTTP.

pub mod annotations;
pub mod auth;
pub mod broker;
pub mod comments;
pub mod conversations;
pub mod cursor;
pub mod discover;
pub mod discover_labels;
pub mod discover_refresh;
pub mod discover_run;
pub mod export;
pub mod filters;
pub mod flags;
pub mod ingest;
pub mod path_rewrite;
pub mod paths;
pub mod queue_add;
pub mod queue_checks;
pub mod queue_progress;
pub mod queue_review;
pub mod queue_settlements;
pub mod queues;
pub mod stats;
pub mod stream;
pub mod tags;
pub mod training;
pub mod triage;
pub mod users;

use crate::db::conversations::ConversationRow;
use crate::db::{self, DbConnection};
use crate::error::{not_found, AppResult};

/// The live conversation `sender_id`, or 404 naming it.
pub fn live_conversation(conn: &mut DbConnection, sender_id: &str) -> AppResult<ConversationRow> {
    db::conversations::find_live(conn, sender_id)?
        .ok_or_else(|| not_found(format!("conversation `{sender_id}`")))
}

/// The live conversation `sender_id`, locked for the rest of the transaction (see
/// [`db::conversations::lock`]), or 404 naming it.
pub fn lock_live_conversation(
    conn: &mut DbConnection,
    sender_id: &str,
) -> AppResult<ConversationRow> {
    let row = live_conversation(conn, sender_id)?;
    db::conversations::lock(conn, row.id)?;
    // Read again under the lock: another change may have committed in between.
    live_conversation(conn, sender_id)
}

/// The internal id of the conversation `sender_id`, live or in the trash, or 404 naming it.
pub fn any_conversation(conn: &mut DbConnection, sender_id: &str) -> AppResult<i64> {
    db::conversations::find_any(conn, sender_id)?
        .ok_or_else(|| not_found(format!("conversation `{sender_id}`")))
}
