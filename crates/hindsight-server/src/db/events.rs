//! One conversation's events: the conversation view, the story input and the tracker export.

use diesel::prelude::*;
use hindsight_types::{EventView, MessageFlag};
use serde_json::Value;

use super::conversations::ConversationRow;
use super::schema::{events, message_flags};
use super::DbConnection;

/// An event as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    /// Stable id.
    pub id: i64,
    /// Position in the conversation.
    pub seq: i64,
    /// Rasa type.
    pub type_name: String,
    /// Rasa timestamp.
    pub timestamp: f64,
    /// Message text.
    pub text: Option<String>,
    /// Intent.
    pub intent: Option<String>,
    /// Action or slot name.
    pub name: Option<String>,
    /// Policy.
    pub policy: Option<String>,
    /// Confidence.
    pub confidence: Option<f64>,
    /// The event's JSON exactly as received.
    pub data: String,
}

/// Every event of a conversation in recorded order.
pub fn load_events(conn: &mut DbConnection, conversation_id: i64) -> QueryResult<Vec<EventRow>> {
    events::table
        .filter(events::conversation_id.eq(conversation_id))
        .order(events::seq)
        .select(EventRow::as_select())
        .load(conn)
}

/// The raw JSON texts of a conversation's events in recorded order.
pub fn load_event_data(
    conn: &mut DbConnection,
    conversation_id: i64,
) -> QueryResult<Vec<(i64, String)>> {
    events::table
        .filter(events::conversation_id.eq(conversation_id))
        .order(events::seq)
        .select((events::id, events::data))
        .load(conn)
}

fn parse_data(data: &str) -> Value {
    // Stored events were parsed at import, so this only fails on a corrupted row.
    serde_json::from_str(data).unwrap_or(Value::Null)
}

/// Every flag of a conversation, by event id.
pub fn flags_of(conn: &mut DbConnection, conversation_id: i64) -> QueryResult<Vec<MessageFlag>> {
    let rows: Vec<(i64, Option<String>, String, chrono::NaiveDateTime)> = message_flags::table
        .filter(message_flags::conversation_id.eq(conversation_id))
        .order(message_flags::event_id)
        .select((
            message_flags::event_id,
            message_flags::note,
            message_flags::flagged_by,
            message_flags::flagged_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(event_id, note, by, at)| MessageFlag {
            event_id,
            note,
            flagged_by: by,
            flagged_at: at.and_utc(),
        })
        .collect())
}

/// How many events a conversation has, and the newest event id.
pub fn count_and_latest(
    conn: &mut DbConnection,
    conversation_id: i64,
) -> QueryResult<(i64, Option<i64>)> {
    use diesel::dsl::{count_star, max};
    events::table
        .filter(events::conversation_id.eq(conversation_id))
        .select((count_star(), max(events::id)))
        .first(conn)
}

/// The position (`seq`) of an event of a conversation; `None` when it is not one of its.
pub fn position_of(
    conn: &mut DbConnection,
    conversation_id: i64,
    event_id: i64,
) -> QueryResult<Option<i64>> {
    events::table
        .filter(events::conversation_id.eq(conversation_id))
        .filter(events::id.eq(event_id))
        .select(events::seq)
        .first(conn)
        .optional()
}

/// The events at positions `[from, to)` as the conversation view shows them, with their
/// flags (`flags`: the conversation's, from [`flags_of`]). Reads through the
/// `(conversation_id, seq)` index, so the cost follows the window, not the conversation.
pub fn event_views_between(
    conn: &mut DbConnection,
    conversation_id: i64,
    (from, to): (i64, i64),
    flags: &[MessageFlag],
) -> QueryResult<Vec<EventView>> {
    let rows: Vec<EventRow> = events::table
        .filter(events::conversation_id.eq(conversation_id))
        .filter(events::seq.ge(from))
        .filter(events::seq.lt(to))
        .order(events::seq)
        .select(EventRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| EventView {
            event: parse_data(&r.data),
            flag: flags.iter().find(|f| f.event_id == r.id).cloned(),
            id: r.id,
            seq: r.seq,
            type_name: r.type_name,
            timestamp: r.timestamp,
            text: r.text,
            intent: r.intent,
            name: r.name,
            policy: r.policy,
            confidence: r.confidence,
        })
        .collect())
}

/// The parsed events of a conversation and the index of `event_id` among them (`None` when
/// the event is not the conversation's).
pub fn events_until(
    conn: &mut DbConnection,
    conversation: &ConversationRow,
    event_id: i64,
) -> QueryResult<(Vec<Value>, Option<usize>)> {
    // Every event, not only those up to it: the slots panel names every slot of the
    // conversation.
    let rows = load_event_data(conn, conversation.id)?;
    let index = rows.iter().position(|(id, _)| *id == event_id);
    Ok((rows.iter().map(|(_, d)| parse_data(d)).collect(), index))
}
