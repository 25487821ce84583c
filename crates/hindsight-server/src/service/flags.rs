//! Flagging messages, by event id or by message timestamp (Rasa X's routes).

use serde_json::json;

use super::lock_live_conversation;
use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::audit::{self, Change};
use crate::db::{self, write_transaction, DbConnection};
use crate::error::{not_found, AppResult};

/// Which message of a conversation.
#[derive(Debug, Clone, Copy)]
pub enum MessageRef {
    /// By event id.
    Event(i64),
    /// By the message's timestamp (Rasa X's message id).
    Timestamp(f64),
}

/// The conversation's internal id and the event id `message` names, or 404.
fn resolve(conn: &mut DbConnection, sender_id: &str, message: MessageRef) -> AppResult<(i64, i64)> {
    let row = lock_live_conversation(conn, sender_id)?;
    let event = match message {
        MessageRef::Event(id) => db::flags::is_event_of(conn, row.id, id)?
            .then_some(id)
            .ok_or_else(|| not_found(format!("event {id} in conversation `{sender_id}`")))?,
        MessageRef::Timestamp(ts) => db::flags::message_at(conn, row.id, ts)?
            .ok_or_else(|| not_found(format!("a message at {ts} in conversation `{sender_id}`")))?,
    };
    Ok((row.id, event))
}

/// Flags a message (or changes its note).
pub async fn flag_message(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
    message: MessageRef,
    note: AppResult<Option<String>>,
) -> AppResult<()> {
    caller.require(Role::Reviewer)?;
    let note = note?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let (conversation, event) = resolve(conn, &sender_id, message)?;
                let before = db::flags::get(conn, event)?;
                db::flags::flag(conn, conversation, event, note.as_deref(), &caller.name)?;
                let change = Change {
                    actor: &caller.name,
                    action: "flag",
                    conversation: Some(conversation),
                    target: Some(format!("event {event}")),
                    before: before.map(|n| json!({"note": n})),
                    after: Some(json!({"note": note})),
                };
                Ok(audit::record(conn, change)?)
            })
        })
        .await
}

/// Removes a message's flag (nothing to do when it has none; audited when one was removed).
pub async fn unflag_message(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
    message: MessageRef,
) -> AppResult<()> {
    caller.require(Role::Reviewer)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let (conversation, event) = resolve(conn, &sender_id, message)?;
                let before = db::flags::get(conn, event)?;
                if db::flags::unflag(conn, conversation, event)? {
                    let change = Change {
                        actor: &caller.name,
                        action: "unflag",
                        conversation: Some(conversation),
                        target: Some(format!("event {event}")),
                        before: before.map(|n| json!({"note": n})),
                        after: None,
                    };
                    audit::record(conn, change)?;
                }
                Ok(())
            })
        })
        .await
}
