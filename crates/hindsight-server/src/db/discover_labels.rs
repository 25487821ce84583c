//! A Discover group's messages read for the reviewer and for saving them as NLU examples
//! (issue 15): in pages by conversation then event (the order of the group's primary key),
//! those of conversations in the trash left out.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::schema::{
    conversations, discover_group_messages as members, discover_groups, events, message_annotations,
};
use super::DbConnection;

/// One of a group's messages, with its prediction and its annotation's intent.
#[derive(Debug, Clone, Queryable)]
pub struct GroupMessageRow {
    /// Its conversation (internal id).
    pub conversation_id: i64,
    /// The user event.
    pub event_id: i64,
    /// Its conversation's Rasa sender id.
    pub sender_id: String,
    /// Its text.
    pub text: Option<String>,
    /// The predicted intent.
    pub intent: Option<String>,
    /// Its confidence.
    pub confidence: Option<f64>,
    /// The intent it is annotated with, if it is.
    pub annotated_intent: Option<String>,
}

/// Up to `limit` messages of group `group_id` in live conversations, after the key `after`
/// (conversation id, event id) when given.
pub fn messages_page(
    conn: &mut DbConnection,
    group_id: i64,
    after: Option<(i64, i64)>,
    limit: i64,
) -> QueryResult<Vec<GroupMessageRow>> {
    let mut q = members::table
        .inner_join(conversations::table.on(conversations::id.eq(members::conversation_id)))
        .inner_join(events::table.on(events::id.eq(members::event_id)))
        .left_join(
            message_annotations::table.on(message_annotations::event_id.eq(members::event_id)),
        )
        .filter(members::group_id.eq(group_id))
        .filter(conversations::deleted_at.is_null())
        .into_boxed();
    if let Some((conversation, event)) = after {
        q = q.filter(
            members::conversation_id
                .gt(conversation)
                .or(members::conversation_id
                    .eq(conversation)
                    .and(members::event_id.gt(event))),
        );
    }
    q.order((members::conversation_id, members::event_id))
        .limit(limit)
        .select((
            members::conversation_id,
            members::event_id,
            conversations::sender_id,
            events::text,
            events::intent,
            events::confidence,
            message_annotations::intent.nullable(),
        ))
        .load(conn)
}

/// The event ids of every message of group `group_id`, those in the trash included.
pub fn member_event_ids(conn: &mut DbConnection, group_id: i64) -> QueryResult<HashSet<i64>> {
    let ids: Vec<i64> = members::table
        .filter(members::group_id.eq(group_id))
        .select(members::event_id)
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

/// The texts of every message of group `group_id`.
pub fn member_texts(conn: &mut DbConnection, group_id: i64) -> QueryResult<Vec<String>> {
    let texts: Vec<Option<String>> = members::table
        .inner_join(events::table.on(events::id.eq(members::event_id)))
        .filter(members::group_id.eq(group_id))
        .select(events::text)
        .load(conn)?;
    Ok(texts.into_iter().flatten().collect())
}

/// The stored JSON of the events `ids`, by id.
pub fn event_data(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = events::table
        .filter(events::id.eq_any(ids))
        .select((events::id, events::data))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Sets how many of group `group_id`'s messages are NLU examples already.
pub fn set_covered(conn: &mut DbConnection, group_id: i64, covered: i64) -> QueryResult<()> {
    diesel::update(discover_groups::table.find(group_id))
        .set(discover_groups::covered.eq(covered))
        .execute(conn)
        .map(drop)
}
