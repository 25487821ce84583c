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

/// The events of a conversation as the conversation view shows them, with their flags.
pub fn event_views(
    conn: &mut DbConnection,
    conversation: &ConversationRow,
) -> QueryResult<Vec<EventView>> {
    let rows = load_events(conn, conversation.id)?;
    let flags: Vec<(i64, Option<String>, String, chrono::NaiveDateTime)> = message_flags::table
        .filter(message_flags::conversation_id.eq(conversation.id))
        .select((
            message_flags::event_id,
            message_flags::note,
            message_flags::flagged_by,
            message_flags::flagged_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let flag = flags
                .iter()
                .find(|f| f.0 == r.id)
                .map(|(event_id, note, by, at)| MessageFlag {
                    event_id: *event_id,
                    note: note.clone(),
                    flagged_by: by.clone(),
                    flagged_at: at.and_utc(),
                });
            EventView {
                event: parse_data(&r.data),
                id: r.id,
                seq: r.seq,
                type_name: r.type_name,
                timestamp: r.timestamp,
                text: r.text,
                intent: r.intent,
                name: r.name,
                policy: r.policy,
                confidence: r.confidence,
                flag,
            }
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
    let rows = load_event_data(conn, conversation.id)?;
    let index = rows.iter().position(|(id, _)| *id == event_id);
    Ok((rows.iter().map(|(_, d)| parse_data(d)).collect(), index))
}
