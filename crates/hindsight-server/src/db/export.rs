//! The export's queries: the inbox filter walked in id order, one page at a time, and each
//! page's tags, intents and actions, flags and events in one query per kind.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hindsight_types::ConversationFilter;

use super::conversations::{filtered_for, tags_and_names, ConversationRow, NameRow, TagRow};
use super::schema::{conversations, events, message_flags};
use super::DbConnection;

/// A flagged message: `(conversation, event, note, by, at)`.
pub type FlagRow = (i64, i64, Option<String>, String, NaiveDateTime);
/// An event's original JSON: `(conversation, text)`.
pub type EventDataRow = (i64, String);

/// One page of an export. Every list is ordered by conversation id, as `rows` are, so the
/// caller joins them in one pass.
#[derive(Debug, Default)]
pub struct ExportPage {
    /// The conversations, by ascending id.
    pub rows: Vec<ConversationRow>,
    /// Their tags, by name.
    pub tags: Vec<TagRow>,
    /// Their intents and actions, most frequent first.
    pub features: Vec<NameRow>,
    /// Their flagged messages, by event id.
    pub flags: Vec<FlagRow>,
    /// Their events in recorded order (empty unless asked for).
    pub events: Vec<EventDataRow>,
}

/// The live conversations matching `filter` with an id above `after`, at most `limit` of
/// them, with what an export writes of each. Ids only grow, so walking pages by id visits
/// each conversation at most once even while others are imported, changed or deleted.
pub fn page(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    after: i64,
    limit: i64,
    with_events: bool,
) -> QueryResult<ExportPage> {
    let rows: Vec<ConversationRow> = filtered_for(conn.backend(), filter)
        .filter(conversations::id.gt(after))
        .order(conversations::id.asc())
        .limit(limit)
        .select(ConversationRow::as_select())
        .load(conn)?;
    if rows.is_empty() {
        return Ok(ExportPage::default());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let (tags, features) = tags_and_names(conn, &ids)?;
    let flags = message_flags::table
        .filter(message_flags::conversation_id.eq_any(&ids))
        .order((message_flags::conversation_id, message_flags::event_id))
        .select((
            message_flags::conversation_id,
            message_flags::event_id,
            message_flags::note,
            message_flags::flagged_by,
            message_flags::flagged_at,
        ))
        .load(conn)?;
    let events = if with_events {
        events::table
            .filter(events::conversation_id.eq_any(&ids))
            .order((events::conversation_id, events::seq))
            .select((events::conversation_id, events::data))
            .load(conn)?
    } else {
        Vec::new()
    };
    Ok(ExportPage {
        rows,
        tags,
        features,
        flags,
        events,
    })
}
