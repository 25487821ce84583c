//! Settled disagreements: the final answers of a queue's conversation, one row per
//! conversation and queue (settling again replaces it).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::queue_reviews::{TurnRow, DONE};
use super::schema::{
    conversations, queue_answers as qa, queue_reviews as qr, queue_settlements as qs,
};
use super::DbConnection;

/// A settlement as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = qs)]
pub struct SettlementRow {
    /// Queue.
    pub queue_id: i64,
    /// Conversation (internal id).
    pub conversation_id: i64,
    /// JSON object: question id → the answer as text.
    pub answers: String,
    /// Username.
    pub settled_by: String,
    /// When.
    pub settled_at: NaiveDateTime,
}

/// The settlement of a conversation of the queue, if any.
pub fn get(
    conn: &mut DbConnection,
    queue: i64,
    conversation: i64,
) -> QueryResult<Option<SettlementRow>> {
    qs::table
        .find((queue, conversation))
        .select(SettlementRow::as_select())
        .first(conn)
        .optional()
}

/// Every settlement of the queue, by conversation.
pub fn of_queue(conn: &mut DbConnection, queue: i64) -> QueryResult<HashMap<i64, SettlementRow>> {
    let rows: Vec<SettlementRow> = qs::table
        .filter(qs::queue_id.eq(queue))
        .select(SettlementRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.conversation_id, r)).collect())
}

/// Stores a settlement, replacing the conversation's previous one.
pub fn put(conn: &mut DbConnection, row: &SettlementRow) -> QueryResult<()> {
    diesel::delete(qs::table.find((row.queue_id, row.conversation_id))).execute(conn)?;
    diesel::insert_into(qs::table)
        .values((
            qs::queue_id.eq(row.queue_id),
            qs::conversation_id.eq(row.conversation_id),
            qs::answers.eq(&row.answers),
            qs::settled_by.eq(&row.settled_by),
            qs::settled_at.eq(row.settled_at),
        ))
        .execute(conn)
        .map(drop)
}

/// A completed review with its answers (question id → the answer as text).
pub type DoneReview = (TurnRow, BTreeMap<String, String>);

/// The completed reviews of the queue, or of one of its conversations (`only`), with their
/// answers, earliest submitted first.
pub fn done_reviews(
    conn: &mut DbConnection,
    queue: i64,
    only: Option<i64>,
) -> QueryResult<Vec<DoneReview>> {
    let mut turns = qr::table
        .filter(qr::queue_id.eq(queue))
        .filter(qr::status.eq(DONE))
        .order((qr::completed_at, qr::id))
        .select(TurnRow::as_select())
        .into_boxed();
    let mut answers = qa::table
        .filter(qa::queue_id.eq(queue))
        .select((qa::review_id, qa::question, qa::value))
        .into_boxed();
    if let Some(conversation) = only {
        turns = turns.filter(qr::conversation_id.eq(conversation));
        answers = answers.filter(qa::conversation_id.eq(conversation));
    }
    let turns: Vec<TurnRow> = turns.load(conn)?;
    let rows: Vec<(i64, String, String)> = answers.load(conn)?;
    let mut by_review: HashMap<i64, BTreeMap<String, String>> = HashMap::new();
    for (review, question, value) in rows {
        by_review.entry(review).or_default().insert(question, value);
    }
    Ok(turns
        .into_iter()
        .map(|t| {
            let answers = by_review.remove(&t.id).unwrap_or_default();
            (t, answers)
        })
        .collect())
}

/// The sender ids of conversations, by internal id.
pub fn sender_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    Ok(conversations::table
        .filter(conversations::id.eq_any(ids))
        .select((conversations::id, conversations::sender_id))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// Whether the queue holds the conversation and sampled it for review.
pub fn sampled(conn: &mut DbConnection, queue: i64, conversation: i64) -> QueryResult<bool> {
    use super::schema::queue_conversations as qc;
    let row: Option<bool> = qc::table
        .find((queue, conversation))
        .select(qc::sampled)
        .first(conn)
        .optional()?;
    Ok(row == Some(true))
}
