//! The inbox listing: a [`ConversationFilter`] applied condition by condition to a boxed
//! query, with cursor paging that costs the same on page 2,000 as on page 1.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hindsight_types::{
    ConversationFilter, ConversationPage, ConversationSummary, PageRequest, Tag,
};

use super::cached_sql::id_in;
use super::connection::MultiBackend;
use super::row_names::RowNames;
use super::schema::{conversation_row_names, conversation_tags, conversations, tags};
use super::DbConnection;

pub(crate) mod complement;
mod count;
mod estimate;
mod filter;
mod holders;
mod order;
mod page;
mod score;
mod sequence;
mod tested_apart;
mod text;

use count::by_status;
pub use count::{
    count, count_as_planned, count_by_status, count_by_status_exactly, count_by_status_or_estimate,
    count_exactly, count_planned_apart, explain_count, RARE_SHARE,
};
pub use estimate::{estimate_by_status, Estimate, SampleSize};
pub use filter::{filtered, filtered_among, filtered_for};
pub use order::{Cursor, CursorError};
pub use page::{explain_page, probes_text, reads_row_by_row};
pub use tested_apart::{candidates_tested_apart, retain_matching};
pub(super) use text::matches_words;

/// Rows per page when the client does not say.
pub const DEFAULT_PAGE_LIMIT: i64 = 50;

type BoxedConversations<'a> = conversations::BoxedQuery<'a, MultiBackend>;

/// The columns of an inbox row stored on the conversation itself.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = conversations)]
pub struct ConversationRow {
    /// Internal id.
    pub id: i64,
    /// Rasa sender id.
    pub sender_id: String,
    /// Latest input channel.
    pub channel: Option<String>,
    /// First event time.
    pub first_event_at: NaiveDateTime,
    /// Latest event time.
    pub latest_event_at: NaiveDateTime,
    /// User messages.
    pub user_message_count: i64,
    /// Events.
    pub event_count: i64,
    /// Lowest intent confidence.
    pub min_intent_confidence: Option<f64>,
    /// Lowest action confidence.
    pub min_action_confidence: Option<f64>,
    /// Sort key of the lowest-confidence order.
    pub lowest_confidence: f64,
    /// First user message.
    pub first_user_message: Option<String>,
    /// Review status as stored.
    pub review_status: String,
    /// News since review.
    pub has_news: bool,
    /// Any flagged message.
    pub flagged: bool,
    /// When the conversation started as first imported: the `oldest` order's key, never
    /// changed.
    pub started_at: NaiveDateTime,
}

/// `(conversation id, tag id, name, colour)`, by conversation then name.
pub type TagRow = (i64, i64, String, String);
/// A conversation's intents and actions as its inbox row lists them, by conversation id.
pub type NameRow = (i64, RowNames);

/// The tags, intents and actions of the conversations `ids`: what an inbox row and an
/// exported conversation show beside the conversation's own columns.
pub fn tags_and_names(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<(Vec<TagRow>, Vec<NameRow>)> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    let backend = conn.backend();
    // One statement for both, a row per conversation's names (no tag) and per tag: on
    // PostgreSQL each statement costs a round trip and an executor start (two by 50 ids:
    // 0.4 ms each within a page's 2.5).
    let names = conversation_row_names::table
        .filter(id_in(
            backend,
            "conversation_row_names.conversation_id",
            ids,
        ))
        .select((
            conversation_row_names::conversation_id,
            None::<i64>.into_sql::<Nullable<BigInt>>(),
            conversation_row_names::names,
            "".into_sql::<Text>(),
        ));
    let tag_rows = conversation_tags::table
        .inner_join(tags::table)
        .filter(id_in(backend, "conversation_tags.conversation_id", ids))
        .select((
            conversation_tags::conversation_id,
            tags::id.nullable(),
            tags::name,
            tags::color,
        ));
    // Each backend's own connection: diesel's connection over both has no UNION.
    let rows: Vec<(i64, Option<i64>, String, String)> = match conn {
        DbConnection::Sqlite(c) => names.union_all(tag_rows).load(c)?,
        DbConnection::Pg(c) => names.union_all(tag_rows).load(c)?,
    };
    let mut tags = Vec::new();
    let mut stored_names = Vec::with_capacity(ids.len());
    for (conversation, tag, name, color) in rows {
        match tag {
            Some(tag) => tags.push((conversation, tag, name, color)),
            None => stored_names.push((conversation, name)),
        }
    }
    // By conversation, then by name (bytewise, on either backend).
    tags.sort_unstable_by(|a: &TagRow, b: &TagRow| (a.0, &a.2).cmp(&(b.0, &b.2)));
    let mut name_rows: Vec<NameRow> = crate::db::row_names::from_stored(conn, ids, stored_names)?
        .into_iter()
        .collect();
    name_rows.sort_unstable_by_key(|r| r.0);
    Ok((tags, name_rows))
}

/// The summary of one conversation from its row and its rows of [`tags_and_names`].
pub fn summary(
    row: &ConversationRow,
    tag_rows: &[TagRow],
    name_rows: &[NameRow],
) -> ConversationSummary {
    let tags = tag_rows
        .iter()
        .map(|(_, id, value, color)| Tag {
            id: *id,
            value: value.clone(),
            color: color.clone(),
        })
        .collect();
    let names = name_rows.first().map(|r| r.1.clone()).unwrap_or_default();
    ConversationSummary {
        intents: names.intents,
        actions: names.actions,
        id: row.sender_id.clone(),
        channel: row.channel.clone(),
        first_event_at: row.first_event_at.and_utc(),
        latest_event_at: row.latest_event_at.and_utc(),
        user_message_count: row.user_message_count,
        event_count: row.event_count,
        min_intent_confidence: row.min_intent_confidence,
        min_action_confidence: row.min_action_confidence,
        review_status: row.review_status.parse().unwrap_or_default(),
        has_news: row.has_news,
        tags,
        flagged: row.flagged,
        first_user_message: row.first_user_message.clone(),
    }
}

/// Rows of `rows` grouped by their first field, the conversation id (they come sorted by it).
pub fn by_conversation<T>(rows: &[T], id: impl Fn(&T) -> i64) -> HashMap<i64, &[T]> {
    let mut out = HashMap::new();
    for chunk in rows.chunk_by(|a, b| id(a) == id(b)) {
        out.insert(id(&chunk[0]), chunk);
    }
    out
}

/// Turns rows into inbox summaries, loading their tags, intents and actions in two queries.
pub fn summarise(
    conn: &mut DbConnection,
    rows: Vec<ConversationRow>,
) -> QueryResult<Vec<ConversationSummary>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let (tag_rows, name_rows) = tags_and_names(conn, &ids)?;
    let tags = by_conversation(&tag_rows, |t| t.0);
    let names = by_conversation(&name_rows, |n| n.0);
    Ok(rows
        .into_iter()
        .map(|r| {
            let tags = tags.get(&r.id).copied().unwrap_or_default();
            summary(&r, tags, names.get(&r.id).copied().unwrap_or_default())
        })
        .collect())
}

/// One page of the inbox with its total, after the cursor `after` (decoded from
/// `page.cursor` by the caller: [`Cursor::decode`]).
pub fn list(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    page: &PageRequest,
    after: Option<&Cursor>,
) -> QueryResult<ConversationPage> {
    let (rows, more) = page::load_page_rows(conn, filter, page, after)?;
    let next_cursor = if more {
        rows.last()
            .map(|r| order::encode_cursor(&r.cursor(filter.sort)))
    } else {
        None
    };
    let total = if page.skip_total {
        -1
    } else {
        count(conn, filter)?
    };
    Ok(ConversationPage {
        conversations: summarise(conn, rows)?,
        total,
        next_cursor,
        // The caller reads the snapshot mark before the page (see `routes::conversations`).
        snapshot: 0,
    })
}

/// The row of one live conversation, by sender id.
pub fn find_live(conn: &mut DbConnection, sender_id: &str) -> QueryResult<Option<ConversationRow>> {
    conversations::table
        .filter(conversations::sender_id.eq(sender_id))
        .filter(conversations::deleted_at.is_null())
        .select(ConversationRow::as_select())
        .first(conn)
        .optional()
}

/// Locks the conversation's row until the transaction ends, so that two changes to one
/// conversation (two reviewers tagging it, a flag and a new event) run one after the other.
/// An update that changes nothing, because it locks on both backends: PostgreSQL takes the
/// row lock, and on SQLite the transaction holds the database's write lock already.
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(conversations::table.find(id))
        .set(conversations::updated_at.eq(conversations::updated_at))
        .execute(conn)
        .map(drop)
}

/// Whether the database holds no conversation at all (deleted ones included).
pub fn is_empty(conn: &mut DbConnection) -> QueryResult<bool> {
    let any: Option<i64> = conversations::table
        .select(conversations::id)
        .first(conn)
        .optional()?;
    Ok(any.is_none())
}

/// The internal id of a conversation, live or in the trash, by sender id.
pub fn find_any(conn: &mut DbConnection, sender_id: &str) -> QueryResult<Option<i64>> {
    conversations::table
        .filter(conversations::sender_id.eq(sender_id))
        .select(conversations::id)
        .first(conn)
        .optional()
}

/// The row of a conversation, live or in the trash, by internal id.
pub fn get_row(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ConversationRow>> {
    conversations::table
        .find(id)
        .select(ConversationRow::as_select())
        .first(conn)
        .optional()
}
