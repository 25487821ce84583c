//! Discover's reads (issue 15): the conversations a filter matches in pages, newest first,
//! with the events that tell an unhandled message; the messages dismissed; the texts
//! already annotated. Each read is bounded, so a run's memory follows its candidates, not
//! the database.

use std::collections::HashSet;

use diesel::prelude::*;
use hindsight_types::ConversationFilter;

use super::schema::{conversations, discover_dismissed, events, message_annotations};
use super::DbConnection;

/// A user message or a fallback action, as a run reads it.
#[derive(Debug, Clone, Queryable)]
pub struct TurnRow {
    /// Its conversation.
    pub conversation_id: i64,
    /// The event's id.
    pub id: i64,
    /// `user` or `action`.
    pub type_name: String,
    /// A message's text.
    pub text: Option<String>,
    /// A message's predicted intent.
    pub intent: Option<String>,
    /// An action's name.
    pub name: Option<String>,
    /// The intent's confidence.
    pub confidence: Option<f64>,
    /// Rasa's timestamp (seconds since 1970).
    pub timestamp: f64,
}

/// Up to `limit` live conversations matching `filter` with an id below `before` (any, when
/// `None`), newest first: `(id, sender_id)`. Ids only grow, so the walk visits each
/// conversation once while others are imported.
pub fn conversation_page(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(i64, String)>> {
    let mut q = super::conversations::filtered_for(conn.backend(), filter);
    if let Some(before) = before {
        q = q.filter(conversations::id.lt(before));
    }
    q.order(conversations::id.desc())
        .limit(limit)
        .select((conversations::id, conversations::sender_id))
        .load(conn)
}

/// The user messages of the conversations `ids`, and their actions named in
/// `fallback_actions`, by conversation and position (through the `(conversation_id, seq)`
/// index).
pub fn turns(
    conn: &mut DbConnection,
    ids: &[i64],
    fallback_actions: &[String],
) -> QueryResult<Vec<TurnRow>> {
    events::table
        .filter(events::conversation_id.eq_any(ids))
        .filter(
            events::type_name.eq("user").or(events::type_name
                .eq("action")
                .and(events::name.eq_any(fallback_actions))),
        )
        .order((events::conversation_id, events::seq))
        .select((
            events::conversation_id,
            events::id,
            events::type_name,
            events::text,
            events::intent,
            events::name,
            events::confidence,
            events::timestamp,
        ))
        .load(conn)
}

/// Rows per page of the reads below.
const PAGE: i64 = 10_000;

/// Every message of a dismissed group.
pub fn dismissed_events(conn: &mut DbConnection) -> QueryResult<HashSet<i64>> {
    let mut all = HashSet::new();
    let mut after = i64::MIN;
    loop {
        let page: Vec<i64> = discover_dismissed::table
            .filter(discover_dismissed::event_id.gt(after))
            .order(discover_dismissed::event_id)
            .limit(PAGE)
            .select(discover_dismissed::event_id)
            .load(conn)?;
        match page.last() {
            Some(&last) => after = last,
            None => return Ok(all),
        }
        all.extend(page);
    }
}

/// Calls `each` with the text of every annotated user message (a saved NLU example), in
/// pages.
pub fn annotated_texts(conn: &mut DbConnection, mut each: impl FnMut(&str)) -> QueryResult<()> {
    let mut after = i64::MIN;
    loop {
        let page: Vec<(i64, Option<String>)> = message_annotations::table
            .inner_join(events::table)
            .filter(message_annotations::event_id.gt(after))
            .order(message_annotations::event_id)
            .limit(PAGE)
            .select((message_annotations::event_id, events::text))
            .load(conn)?;
        match page.last() {
            Some((last, _)) => after = *last,
            None => return Ok(()),
        }
        page.iter()
            .filter_map(|(_, t)| t.as_deref())
            .for_each(&mut each);
    }
}
