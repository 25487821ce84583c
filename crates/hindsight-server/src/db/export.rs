//! The export's queries: the inbox filter walked in id order, one page at a time, and each
//! page's tags, intents and actions, flags and events in one query per kind.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hindsight_types::ConversationFilter;

use super::conversations::{filtered_for, tags_and_names, ConversationRow, NameRow, TagRow};
use super::schema::{conversations, events, message_flags};
use super::{Backend, DbConnection};

/// A flagged message: `(conversation, event, note, by, at)`.
pub type FlagRow = (i64, i64, Option<String>, String, NaiveDateTime);
/// An event's original JSON: `(conversation, text)`.
pub type EventDataRow = (i64, String);

/// Conversations per page without their events on SQLite. Measured at 100,000
/// conversations: 200 a page streamed 79,000 conversations/s, 1,000 a page only 5,300/s
/// (each page's queries by a list of 1,000 ids cost far more than five times those by 200).
const SQLITE_PAGE: i64 = 200;
/// Conversations per page without their events on PostgreSQL, where each of a page's four
/// statements costs a round trip and an executor start whatever its size: a million
/// conversations as JSON lines (512 MB) took 8.9 s by 200 a page, 6.8 s by 1,000 (over
/// HTTP, alternated twice).
const POSTGRES_PAGE: i64 = 1_000;
/// Conversations per page with every event (a page then holds tens of events each).
const PAGE_WITH_EVENTS: i64 = 200;

/// One page of an export. Every list is ordered by conversation id, as `rows` are, so the
/// caller joins them in one pass.
#[derive(Debug, Default)]
pub struct ExportPage {
    /// No conversation follows this page's (it was not full).
    pub last: bool,
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

/// The live conversations matching `filter` with an id above `after`, a page of them, with
/// what an export writes of each. Ids only grow, so walking pages by id visits each
/// conversation at most once even while others are imported, changed or deleted.
pub fn page(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    after: i64,
    with_events: bool,
) -> QueryResult<ExportPage> {
    // Each backend's best size (see the constants).
    let limit = match (with_events, conn.backend()) {
        (true, _) => PAGE_WITH_EVENTS,
        (false, Backend::Sqlite) => SQLITE_PAGE,
        (false, Backend::Postgres) => POSTGRES_PAGE,
    };
    let rows: Vec<ConversationRow> = filtered_for(conn.backend(), filter)
        .filter(conversations::id.gt(after))
        .order(conversations::id.asc())
        .limit(limit)
        .select(ConversationRow::as_select())
        .load(conn)?;
    if rows.is_empty() {
        return Ok(ExportPage {
            last: true,
            ..ExportPage::default()
        });
    }
    let last = (rows.len() as i64) < limit;
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
        last,
        rows,
        tags,
        features,
        flags,
        events,
    })
}
