//! The one ingest path for conversations arriving live: events and trackers posted over HTTP
//! and messages from Rasa's event broker ([`crate::broker`]) are stored by [`store_batch`].

use std::collections::{BTreeMap, HashMap};

use diesel::QueryResult;
use hindsight_types::{ChangeKind, ConversationChange, ImportSummary};

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::{self, DbConnection};
use crate::error::AppResult;
use crate::ingest::{IncomingConversation, IngestOptions};

/// What one transaction stores.
#[derive(Debug, Default)]
pub struct IngestBatch {
    /// Events by conversation.
    pub conversations: Vec<IncomingConversation>,
    /// The Rasa environment each conversation's latest message named (sender id → name).
    pub environments: HashMap<String, String>,
    /// `rasa export` runs' progress in this batch.
    pub export_runs: BTreeMap<String, db::broker::RunProgress>,
    /// Messages that can never be imported, with whether RabbitMQ delivered them before.
    pub rejected: Vec<(db::broker::NewIngestError, bool)>,
}

/// What a stored batch did.
#[derive(Debug, Default)]
pub struct StoredBatch {
    /// Counts, as imports report them.
    pub summary: ImportSummary,
    /// Conversations created or given new events, to announce once committed.
    pub changes: Vec<ConversationChange>,
    /// Rejected messages recorded (a redelivered one already recorded is not again).
    pub rejected_recorded: u64,
}

/// Stores a batch in one write transaction: the events and the conversations' environments
/// (through [`db::ingest::store_within_transaction`], which drops events already stored and
/// lets review queues take the new conversations), export runs' progress and rejected
/// messages; on PostgreSQL it also notifies every server process of the changed
/// conversations on commit. All or nothing.
pub fn store_batch(
    conn: &mut DbConnection,
    batch: IngestBatch,
    opts: &IngestOptions,
) -> QueryResult<StoredBatch> {
    let now = chrono::Utc::now().naive_utc();
    db::write_transaction(conn, |conn| {
        let mut senders: Vec<String> = batch
            .conversations
            .iter()
            .map(|c| c.sender_id.clone())
            .collect();
        senders.sort_unstable();
        senders.dedup();
        let refs: Vec<&str> = senders.iter().map(String::as_str).collect();
        let before = db::broker::event_counts(conn, &refs)?;
        // In this transaction: one commit for the whole batch.
        let summary = db::ingest::store_within_transaction(
            conn,
            batch.conversations,
            &batch.environments,
            opts,
        )?;
        let after = db::broker::event_counts(conn, &refs)?;
        db::broker::record_export_runs(conn, &batch.export_runs, now)?;
        let mut rejected_recorded = 0;
        for (row, redelivered) in batch.rejected {
            // A redelivery of a message recorded before its acknowledgement was lost.
            if redelivered && db::broker::ingest_error_exists(conn, &row.body, row.body_hash)? {
                continue;
            }
            db::broker::insert_ingest_errors(conn, std::slice::from_ref(&row))?;
            rejected_recorded += 1;
        }
        let changes = changes_between(&senders, &before, &after);
        db::changes::notify(conn, &changes)?;
        Ok(StoredBatch {
            summary,
            changes,
            rejected_recorded,
        })
    })
}

/// Conversations whose event count grew (or that appeared) between two counts.
fn changes_between(
    senders: &[String],
    before: &HashMap<String, i64>,
    after: &HashMap<String, i64>,
) -> Vec<ConversationChange> {
    senders
        .iter()
        .filter_map(|s| {
            let now = *after.get(s)?;
            let (change, added) = match before.get(s) {
                None => (ChangeKind::Created, now),
                Some(&was) if now > was => (ChangeKind::Updated, now - was),
                Some(_) => return None,
            };
            Some(ConversationChange {
                id: s.clone(),
                change,
                events_added: added,
            })
        })
        .collect()
}

/// Stores parsed conversations through the one ingest path, all or nothing.
pub async fn store_conversations(
    state: &AppState,
    caller: AuthUser,
    batch: AppResult<Vec<IncomingConversation>>,
) -> AppResult<ImportSummary> {
    caller.require(Role::Reviewer)?;
    let conversations = batch?;
    let opts = IngestOptions {
        timezone: state.config.timezone,
        restore_deleted: false,
    };
    let batch = IngestBatch {
        conversations,
        ..IngestBatch::default()
    };
    let stored = state
        .db(move |conn| Ok(store_batch(conn, batch, &opts)?))
        .await?;
    state.changes.committed(state.backend, stored.changes);
    Ok(stored.summary)
}
