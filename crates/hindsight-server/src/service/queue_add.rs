//! Conversations added to a review queue of the explicit source: by id, or every
//! conversation an inbox filter matches, each sampled by the queue's rule and never added
//! twice, in one transaction with its audit row.

use std::collections::HashMap;

use hindsight_types::{ConversationFilter, QueueConversationsAdded, QueueConversationsInput};

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::audit::{self, Change};
use crate::db::queue_fill::fill;
use crate::db::queues::QueueRow;
use crate::db::{self, write_transaction, DbConnection};
use crate::error::{bad_request, conflict, not_found, AppResult};
use crate::review::sampling;

use super::queues::{queue_row, sampling_of};

/// Most conversation ids in one `POST /api/queues/{queue_id}/conversations`.
pub const MAX_ADDED: usize = 10_000;

/// Conversations read and added per batch by [`add_matching`]: what one batch holds in
/// memory, not a limit on how many are added.
pub const MATCH_BATCH: i64 = 5_000;

/// The queue, locked for the transaction (and purges held off); 409 unless it takes its
/// conversations by id.
fn explicit_queue(conn: &mut DbConnection, id: i64) -> AppResult<QueueRow> {
    db::queues::lock(conn, id)?;
    // Before the candidates are read: none of them is purged until the fill is committed.
    db::queue_fill::hold_off_purges(conn)?;
    let row = queue_row(conn, id)?;
    if row.source_kind != "explicit" {
        return Err(conflict(
            "source",
            format!(
                "queue `{}` takes its conversations from a saved filter",
                row.name
            ),
        ));
    }
    Ok(row)
}

/// Adds conversations by id to a queue of the explicit source, sampled by its rule; those
/// it holds already stay as they were: admin. 404 naming an unknown conversation (nothing
/// is added then), 409 for a queue filled from a saved filter.
pub async fn add_conversations(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    input: AppResult<QueueConversationsInput>,
) -> AppResult<QueueConversationsAdded> {
    caller.require(Role::Admin)?;
    let input = input?;
    if input.conversation_ids.is_empty() || input.conversation_ids.len() > MAX_ADDED {
        return Err(bad_request(
            "conversation_ids",
            format!("`conversation_ids` must hold 1 to {MAX_ADDED} ids"),
        ));
    }
    state
        .db(move |conn| {
            let added = write_transaction(conn, |conn| -> AppResult<_> {
                let row = explicit_queue(conn, id)?;
                let rule = sampling_of(&row)?;
                let found = db::queue_fill::live_candidates(
                    conn,
                    &input.conversation_ids,
                    sampling::stratify_by(&rule),
                )?;
                let known: HashMap<&str, i64> = found.iter().map(|c| (c.1.as_str(), c.0)).collect();
                if let Some(missing) = input
                    .conversation_ids
                    .iter()
                    .find(|s| !known.contains_key(s.as_str()))
                {
                    return Err(not_found(format!("conversation `{missing}`")));
                }
                let distinct = known.len() as i64;
                let (added, sampled) = fill(conn, id, &rule, &found)?;
                let result = QueueConversationsAdded {
                    added,
                    sampled,
                    already_present: distinct - added,
                };
                let after = serde_json::json!({
                    "conversation_ids": input.conversation_ids,
                    "added": added,
                    "sampled": sampled,
                });
                record_added(conn, &caller, id, after)?;
                Ok(result)
            })?;
            super::queues::refresh_statistics_after_fill(conn, id, added.added);
            Ok(added)
        })
        .await
}

/// Adds every live conversation `filter` matches (the inbox's filter: the parameters of
/// `GET /api/conversations`) to a queue of the explicit source, sampled by its rule; those it
/// holds already stay as they were: admin. The matches are read and added [`MATCH_BATCH`] at
/// a time in id order, all in one transaction with one audit row, so however many match, a
/// batch's memory is bounded and a failure adds nothing. 409 for a queue filled from a saved
/// filter. `already_present` counts the matches the queue held before.
pub async fn add_matching(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    filter: AppResult<ConversationFilter>,
) -> AppResult<QueueConversationsAdded> {
    caller.require(Role::Admin)?;
    let filter = filter?;
    super::path_rewrite::require_paths_for(&state.path_rewrite, &filter)?;
    state
        .db(move |conn| {
            let added = write_transaction(conn, |conn| -> AppResult<_> {
                let row = explicit_queue(conn, id)?;
                let rule = sampling_of(&row)?;
                let by = sampling::stratify_by(&rule);
                let (mut matched, mut added, mut sampled) = (0, 0, 0);
                let mut after = 0;
                loop {
                    let batch =
                        db::queue_fill::matching_batch(conn, &filter, by, after, MATCH_BATCH)?;
                    let Some(last) = batch.last() else { break };
                    after = last.0;
                    matched += batch.len() as i64;
                    let (a, s) = fill(conn, id, &rule, &batch)?;
                    added += a;
                    sampled += s;
                    if (batch.len() as i64) < MATCH_BATCH {
                        break;
                    }
                }
                let after = serde_json::json!({
                    "filter": filter.to_query(),
                    "matched": matched,
                    "added": added,
                    "sampled": sampled,
                });
                record_added(conn, &caller, id, after)?;
                Ok(QueueConversationsAdded {
                    added,
                    sampled,
                    already_present: matched - added,
                })
            })?;
            super::queues::refresh_statistics_after_fill(conn, id, added.added);
            Ok(added)
        })
        .await
}

/// The audit row of conversations added to queue `id`; `after` says which and how many.
fn record_added(
    conn: &mut DbConnection,
    caller: &AuthUser,
    id: i64,
    after: serde_json::Value,
) -> AppResult<()> {
    audit::record(
        conn,
        Change {
            actor: &caller.name,
            action: "queue_conversations_added",
            conversation: None,
            target: Some(format!("queue {id}")),
            before: None,
            after: Some(after),
        },
    )?;
    Ok(())
}
