//! The export's queries: the inbox filter walked in id order, one page at a time, and each
//! page's tags, intents and actions, flags and events in one query per kind.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hindsight_types::ConversationFilter;

use super::conversations::{filtered_for, ConversationRow};
use super::schema::{conversation_features, conversation_tags, conversations, events};
use super::schema::{message_flags, tags};
use super::DbConnection;

/// A tag on a conversation: `(conversation, tag id, name, colour)`.
pub type TagRow = (i64, i64, String, String);
/// An intent or action of a conversation, most frequent first: `(conversation, kind, name)`.
pub type FeatureRow = (i64, String, String);
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
    pub features: Vec<FeatureRow>,
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
    let tags = conversation_tags::table
        .inner_join(tags::table)
        .filter(conversation_tags::conversation_id.eq_any(&ids))
        .order((conversation_tags::conversation_id, tags::name))
        .select((
            conversation_tags::conversation_id,
            tags::id,
            tags::name,
            tags::color,
        ))
        .load(conn)?;
    let features = conversation_features::table
        .filter(conversation_features::conversation_id.eq_any(&ids))
        .filter(conversation_features::kind.eq_any(["intent", "action"]))
        .order((
            conversation_features::conversation_id,
            conversation_features::occurrences.desc(),
            conversation_features::name,
        ))
        .select((
            conversation_features::conversation_id,
            conversation_features::kind,
            conversation_features::name,
        ))
        .load(conn)?;
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
