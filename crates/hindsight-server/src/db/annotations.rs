//! Annotations of user messages, kept beside their events (the events are never changed).

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{conversations, events, message_annotations};
use super::DbConnection;

/// An annotation as stored, with its message's text.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct AnnotationRow {
    /// The user event.
    pub event_id: i64,
    /// The conversation (internal id).
    pub conversation_id: i64,
    /// Corrected intent.
    pub intent: String,
    /// Corrected entities, as JSON.
    pub entities: String,
    /// The prediction when annotated.
    pub predicted_intent: Option<String>,
    /// `intent` differs from `predicted_intent`.
    pub differs: bool,
    /// Who.
    pub annotated_by: String,
    /// When.
    pub annotated_at: NaiveDateTime,
    /// The message's text.
    pub text: Option<String>,
}

type Columns = (
    message_annotations::event_id,
    message_annotations::conversation_id,
    message_annotations::intent,
    message_annotations::entities,
    message_annotations::predicted_intent,
    message_annotations::differs,
    message_annotations::annotated_by,
    message_annotations::annotated_at,
    events::text,
);

const COLUMNS: Columns = (
    message_annotations::event_id,
    message_annotations::conversation_id,
    message_annotations::intent,
    message_annotations::entities,
    message_annotations::predicted_intent,
    message_annotations::differs,
    message_annotations::annotated_by,
    message_annotations::annotated_at,
    events::text,
);

/// An event's type, text and predicted intent.
pub type EventFacts = (String, Option<String>, Option<String>);

/// An event of the conversation (internal id): its type, text and predicted intent.
pub fn event_of(
    conn: &mut DbConnection,
    conversation: i64,
    event_id: i64,
) -> QueryResult<Option<EventFacts>> {
    events::table
        .filter(events::id.eq(event_id))
        .filter(events::conversation_id.eq(conversation))
        .select((events::type_name, events::text, events::intent))
        .first(conn)
        .optional()
}

/// The annotation of an event.
pub fn get(conn: &mut DbConnection, event_id: i64) -> QueryResult<Option<AnnotationRow>> {
    message_annotations::table
        .inner_join(events::table)
        .filter(message_annotations::event_id.eq(event_id))
        .select(COLUMNS)
        .first(conn)
        .optional()
}

/// What an annotation sets.
#[derive(Debug, Clone)]
pub struct NewAnnotation<'a> {
    /// The user event.
    pub event_id: i64,
    /// Its conversation (internal id).
    pub conversation_id: i64,
    /// Corrected intent.
    pub intent: &'a str,
    /// Corrected entities as JSON.
    pub entities: &'a str,
    /// The prediction.
    pub predicted_intent: Option<&'a str>,
    /// Who.
    pub annotated_by: &'a str,
}

/// Writes (or replaces) an event's annotation.
pub fn put(conn: &mut DbConnection, a: &NewAnnotation<'_>) -> QueryResult<()> {
    let now = chrono::Utc::now().naive_utc();
    let differs = a.predicted_intent != Some(a.intent);
    // No upsert through the multi-backend connection: update, else insert (the conversation
    // is locked by the caller's transaction).
    let updated = diesel::update(message_annotations::table.find(a.event_id))
        .set((
            message_annotations::intent.eq(a.intent),
            message_annotations::entities.eq(a.entities),
            message_annotations::differs.eq(differs),
            message_annotations::annotated_by.eq(a.annotated_by),
            message_annotations::annotated_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(message_annotations::table)
            .values((
                message_annotations::event_id.eq(a.event_id),
                message_annotations::conversation_id.eq(a.conversation_id),
                message_annotations::intent.eq(a.intent),
                message_annotations::entities.eq(a.entities),
                message_annotations::predicted_intent.eq(a.predicted_intent),
                message_annotations::differs.eq(differs),
                message_annotations::annotated_by.eq(a.annotated_by),
                message_annotations::annotated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Annotation rows per multi-row INSERT (8 columns, under SQLite's 32,766 parameters).
const ANNOTATIONS_PER_INSERT: usize = 2_000;

/// Inserts annotations of events that have none (a bulk labelling: the caller read them
/// unannotated in its transaction).
pub fn insert_new(conn: &mut DbConnection, rows: &[NewAnnotation<'_>]) -> QueryResult<()> {
    let now = chrono::Utc::now().naive_utc();
    for chunk in rows.chunks(ANNOTATIONS_PER_INSERT) {
        let values: Vec<_> = chunk
            .iter()
            .map(|a| {
                (
                    message_annotations::event_id.eq(a.event_id),
                    message_annotations::conversation_id.eq(a.conversation_id),
                    message_annotations::intent.eq(a.intent),
                    message_annotations::entities.eq(a.entities),
                    message_annotations::predicted_intent.eq(a.predicted_intent),
                    message_annotations::differs.eq(a.predicted_intent != Some(a.intent)),
                    message_annotations::annotated_by.eq(a.annotated_by),
                    message_annotations::annotated_at.eq(now),
                )
            })
            .collect();
        on_each_backend!(conn, |c| diesel::insert_into(message_annotations::table)
            .values(&values)
            .execute(c))?;
    }
    Ok(())
}

/// Removes an event's annotation; whether it had one.
pub fn delete(conn: &mut DbConnection, event_id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(message_annotations::table.find(event_id)).execute(conn)? > 0)
}

/// The annotations of a conversation (internal id), in event order.
pub fn of_conversation(
    conn: &mut DbConnection,
    conversation: i64,
) -> QueryResult<Vec<AnnotationRow>> {
    message_annotations::table
        .inner_join(events::table)
        .filter(message_annotations::conversation_id.eq(conversation))
        .order(events::seq)
        .select(COLUMNS)
        .load(conn)
}

/// Which annotations an export takes.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Annotated (or saved) by this user.
    pub annotator: Option<String>,
    /// At or after.
    pub since: Option<NaiveDateTime>,
    /// At or before.
    pub until: Option<NaiveDateTime>,
    /// Only these conversations (internal ids): a tag's or a saved filter's.
    pub conversations: Option<HashSet<i64>>,
}

/// An NLU example as stored: `(conversation, text, intent, entities as JSON)`.
pub type ExampleRow = (i64, Option<String>, String, String);

/// The annotated examples of live conversations in `scope`, in event order (import order,
/// so a file exported again only grows where new annotations are).
///
/// Joined to the live conversations rather than `IN (SELECT … live)`: SQLite would first
/// gather every live conversation (a million) to answer for a hundred thousand annotations.
pub fn examples_in_scope(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<ExampleRow>> {
    let mut q = message_annotations::table
        .inner_join(events::table)
        .inner_join(
            conversations::table.on(conversations::id.eq(message_annotations::conversation_id)),
        )
        .filter(conversations::deleted_at.is_null())
        .order(message_annotations::event_id)
        .select((
            message_annotations::conversation_id,
            events::text,
            message_annotations::intent,
            message_annotations::entities,
        ))
        .into_boxed();
    if let Some(who) = &scope.annotator {
        q = q.filter(message_annotations::annotated_by.eq(who));
    }
    if let Some(since) = scope.since {
        q = q.filter(message_annotations::annotated_at.ge(since));
    }
    if let Some(until) = scope.until {
        q = q.filter(message_annotations::annotated_at.le(until));
    }
    let mut rows: Vec<ExampleRow> = q.load(conn)?;
    if let Some(ids) = &scope.conversations {
        rows.retain(|r| ids.contains(&r.0));
    }
    Ok(rows)
}

/// Every intent annotated so far, sorted.
pub fn intents(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    message_annotations::table
        .select(message_annotations::intent)
        .distinct()
        .order(message_annotations::intent)
        .load(conn)
}
