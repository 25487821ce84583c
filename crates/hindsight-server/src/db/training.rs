//! Saved stories and tests.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::annotations::Scope;
use super::schema::{conversation_tags, conversations, tags, training_items};
use super::DbConnection;

/// A saved item as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = training_items)]
pub struct ItemRow {
    /// Id.
    pub id: i64,
    /// `story`, `test_story` or `e2e_test`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// The item's YAML file.
    pub content: String,
    /// The conversation's sender id.
    pub sender_id: Option<String>,
    /// The last event included.
    pub event_id: Option<i64>,
    /// Edited by hand.
    pub edited: bool,
    /// Who saved it.
    pub created_by: String,
    /// When.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// What saving an item writes.
#[derive(Debug, Clone)]
pub struct NewItem<'a> {
    /// Kind.
    pub kind: &'a str,
    /// Name.
    pub name: &'a str,
    /// YAML file.
    pub content: &'a str,
    /// Sender id.
    pub sender_id: &'a str,
    /// Last event.
    pub event_id: Option<i64>,
    /// Who.
    pub created_by: &'a str,
}

/// Saves an item; its id.
pub fn insert(conn: &mut DbConnection, item: &NewItem<'_>) -> QueryResult<i64> {
    let now = chrono::Utc::now().naive_utc();
    diesel::insert_into(training_items::table)
        .values((
            training_items::kind.eq(item.kind),
            training_items::name.eq(item.name),
            training_items::content.eq(item.content),
            training_items::sender_id.eq(item.sender_id),
            training_items::event_id.eq(item.event_id),
            training_items::edited.eq(false),
            training_items::created_by.eq(item.created_by),
            training_items::created_at.eq(now),
            training_items::updated_at.eq(now),
        ))
        .returning(training_items::id)
        .get_result(conn)
}

/// An item by id.
pub fn get(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ItemRow>> {
    training_items::table
        .find(id)
        .select(ItemRow::as_select())
        .first(conn)
        .optional()
}

/// The id of the item of `kind` named `name`.
pub fn find_named(conn: &mut DbConnection, kind: &str, name: &str) -> QueryResult<Option<i64>> {
    training_items::table
        .filter(training_items::kind.eq(kind))
        .filter(training_items::name.eq(name))
        .select(training_items::id)
        .first(conn)
        .optional()
}

/// Changes an item's name and text.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    name: &str,
    content: &str,
    edited: bool,
) -> QueryResult<()> {
    diesel::update(training_items::table.find(id))
        .set((
            training_items::name.eq(name),
            training_items::content.eq(content),
            training_items::edited.eq(edited),
            training_items::updated_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(conn)
        .map(drop)
}

/// Deletes an item.
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(training_items::table.find(id))
        .execute(conn)
        .map(drop)
}

/// The items of `kind` (all kinds when `None`) in `scope` (the scope's conversations are
/// matched by the item's conversation), oldest first.
pub fn list(
    conn: &mut DbConnection,
    kind: Option<&str>,
    scope: &Scope,
) -> QueryResult<Vec<ItemRow>> {
    let mut q = training_items::table
        .order(training_items::id)
        .select(ItemRow::as_select())
        .into_boxed();
    if let Some(kind) = kind {
        q = q.filter(training_items::kind.eq(kind));
    }
    if let Some(who) = &scope.annotator {
        q = q.filter(training_items::created_by.eq(who));
    }
    if let Some(since) = scope.since {
        q = q.filter(training_items::created_at.ge(since));
    }
    if let Some(until) = scope.until {
        q = q.filter(training_items::created_at.le(until));
    }
    let mut rows: Vec<ItemRow> = q.load(conn)?;
    if let Some(ids) = &scope.conversations {
        let senders: Vec<String> = rows.iter().filter_map(|r| r.sender_id.clone()).collect();
        let mut keep = std::collections::HashSet::new();
        for chunk in senders.chunks(1_000) {
            let found: Vec<(i64, String)> = conversations::table
                .filter(conversations::sender_id.eq_any(chunk))
                .select((conversations::id, conversations::sender_id))
                .load(conn)?;
            keep.extend(
                found
                    .into_iter()
                    .filter(|(id, _)| ids.contains(id))
                    .map(|(_, s)| s),
            );
        }
        rows.retain(|r| r.sender_id.as_ref().is_some_and(|s| keep.contains(s)));
    }
    Ok(rows)
}

/// The live conversations tagged `tag` (internal ids).
pub fn tagged(conn: &mut DbConnection, tag: &str) -> QueryResult<Vec<i64>> {
    conversation_tags::table
        .inner_join(tags::table)
        .inner_join(conversations::table)
        .filter(tags::name.eq(tag))
        .filter(conversations::deleted_at.is_null())
        .select(conversation_tags::conversation_id)
        .load(conn)
}

/// The live conversations a filter matches (internal ids).
pub fn matching(
    conn: &mut DbConnection,
    filter: &hindsight_types::ConversationFilter,
) -> QueryResult<Vec<i64>> {
    super::conversations::filtered_for(conn.backend(), filter)
        .select(conversations::id)
        .load(conn)
}
