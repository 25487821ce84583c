//! Flagged messages; `conversations.flagged` is true exactly when one of its events is flagged.

use diesel::prelude::*;

use super::schema::{conversations, events, message_flags};
use super::DbConnection;

/// The id of the user or bot event at `timestamp` in the conversation (internal id): Rasa X's
/// message id.
pub fn message_at(
    conn: &mut DbConnection,
    conversation: i64,
    timestamp: f64,
) -> QueryResult<Option<i64>> {
    events::table
        .filter(events::conversation_id.eq(conversation))
        .filter(events::type_name.eq_any(["user", "bot"]))
        .filter(events::timestamp.between(timestamp - 1e-6, timestamp + 1e-6))
        .select(events::id)
        .first(conn)
        .optional()
}

/// Whether the event `event_id` belongs to the conversation (internal id).
pub fn is_event_of(conn: &mut DbConnection, conversation: i64, event_id: i64) -> QueryResult<bool> {
    let found: Option<i64> = events::table
        .filter(events::id.eq(event_id))
        .filter(events::conversation_id.eq(conversation))
        .select(events::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// The flag of an event: `None` when it has none, else its note.
pub fn get(conn: &mut DbConnection, event_id: i64) -> QueryResult<Option<Option<String>>> {
    message_flags::table
        .find(event_id)
        .select(message_flags::note)
        .first(conn)
        .optional()
}

fn refresh(conn: &mut DbConnection, conversation: i64) -> QueryResult<()> {
    let any: Option<i64> = message_flags::table
        .filter(message_flags::conversation_id.eq(conversation))
        .select(message_flags::event_id)
        .first(conn)
        .optional()?;
    diesel::update(conversations::table.find(conversation))
        .set(conversations::flagged.eq(any.is_some()))
        .execute(conn)
        .map(drop)
}

/// Flags an event of the conversation (or replaces its note), and marks the conversation.
pub fn flag(
    conn: &mut DbConnection,
    conversation: i64,
    event_id: i64,
    note: Option<&str>,
    actor: &str,
) -> QueryResult<()> {
    let now = chrono::Utc::now().naive_utc();
    let updated = diesel::update(message_flags::table.find(event_id))
        .set((
            message_flags::note.eq(note),
            message_flags::flagged_by.eq(actor),
            message_flags::flagged_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
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
    refresh(conn, conversation)
}

/// Removes an event's flag; returns whether it had one.
pub fn unflag(conn: &mut DbConnection, conversation: i64, event_id: i64) -> QueryResult<bool> {
    let removed = diesel::delete(message_flags::table.find(event_id)).execute(conn)?;
    refresh(conn, conversation)?;
    Ok(removed > 0)
}
