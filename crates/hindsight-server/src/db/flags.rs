//! Flagged messages; `conversations.flagged` is true exactly when one of its events is flagged.

use diesel::prelude::*;
use serde_json::json;

use super::audit::{self, Change};
use super::conversations::find_live;
use super::schema::{conversations, events, message_flags};
use super::DbConnection;
use crate::error::{not_found, AppResult};

/// The id of the user or bot event at `timestamp` in the conversation (Rasa X's message id).
pub fn message_at(conn: &mut DbConnection, sender_id: &str, timestamp: f64) -> AppResult<i64> {
    let row = find_live(conn, sender_id)?;
    events::table
        .filter(events::conversation_id.eq(row.id))
        .filter(events::type_name.eq_any(["user", "bot"]))
        .filter(events::timestamp.between(timestamp - 1e-6, timestamp + 1e-6))
        .select(events::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            not_found(format!(
                "a message at {timestamp} in conversation `{sender_id}`"
            ))
        })
}

fn check_event(conn: &mut DbConnection, sender_id: &str, event_id: i64) -> AppResult<i64> {
    let row = find_live(conn, sender_id)?;
    let found: Option<i64> = events::table
        .filter(events::id.eq(event_id))
        .filter(events::conversation_id.eq(row.id))
        .select(events::id)
        .first(conn)
        .optional()?;
    found.ok_or_else(|| not_found(format!("event {event_id} in conversation `{sender_id}`")))?;
    Ok(row.id)
}

fn refresh(conn: &mut DbConnection, conversation: i64) -> AppResult<()> {
    let any: Option<i64> = message_flags::table
        .filter(message_flags::conversation_id.eq(conversation))
        .select(message_flags::event_id)
        .first(conn)
        .optional()?;
    diesel::update(conversations::table.find(conversation))
        .set(conversations::flagged.eq(any.is_some()))
        .execute(conn)?;
    Ok(())
}

/// Flags an event (or changes its note); audited.
pub fn flag(
    conn: &mut DbConnection,
    sender_id: &str,
    event_id: i64,
    note: Option<&str>,
    actor: &str,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let conversation = check_event(conn, sender_id, event_id)?;
        let before: Option<Option<String>> = message_flags::table
            .find(event_id)
            .select(message_flags::note)
            .first(conn)
            .optional()?;
        let now = chrono::Utc::now().naive_utc();
        if before.is_some() {
            diesel::update(message_flags::table.find(event_id))
                .set((
                    message_flags::note.eq(note),
                    message_flags::flagged_by.eq(actor),
                    message_flags::flagged_at.eq(now),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(message_flags::table)
                .values((
                    message_flags::event_id.eq(event_id),
                    message_flags::conversation_id.eq(conversation),
                    message_flags::note.eq(note),
                    message_flags::flagged_by.eq(actor),
                    message_flags::flagged_at.eq(now),
                ))
                .execute(conn)?;
        }
        refresh(conn, conversation)?;
        let change = Change {
            actor,
            action: "flag",
            conversation: Some(conversation),
            target: Some(format!("event {event_id}")),
            before: before.map(|n| json!({"note": n})),
            after: Some(json!({"note": note})),
        };
        Ok(audit::record(conn, change)?)
    })
}

/// Removes an event's flag (nothing to do when it has none); audited when one was removed.
pub fn unflag(
    conn: &mut DbConnection,
    sender_id: &str,
    event_id: i64,
    actor: &str,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let conversation = check_event(conn, sender_id, event_id)?;
        let removed = diesel::delete(message_flags::table.find(event_id)).execute(conn)?;
        refresh(conn, conversation)?;
        if removed > 0 {
            let change = Change {
                actor,
                action: "unflag",
                conversation: Some(conversation),
                target: Some(format!("event {event_id}")),
                before: None,
                after: None,
            };
            audit::record(conn, change)?;
        }
        Ok(())
    })
}
