//! Reviewers' turns at a queue's conversations (reserved, done, skipped) and their answers.
//!
//! Every change here runs inside a write transaction holding the queue's lock
//! ([`super::queues::lock`]), and keeps `queue_conversations.done` (completed reviews),
//! `reserved` (someone holds it) and `open` (free and still needing reviews) true: one
//! reviewer at a time holds a conversation, and the reviews it needs come one after the
//! other from different people.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    conversations, queue_answers as qa, queue_conversations as qc, queue_reviews as qr,
};
use super::DbConnection;

/// A turn as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = qr)]
pub struct TurnRow {
    /// Id.
    pub id: i64,
    /// Queue.
    pub queue_id: i64,
    /// Conversation (internal id).
    pub conversation_id: i64,
    /// Username.
    pub reviewer: String,
    /// `reserved`, `done` or `skipped`.
    pub status: String,
    /// Reserved at.
    pub reserved_at: NaiveDateTime,
    /// The reservation's end.
    pub expires_at: NaiveDateTime,
    /// Submitted at.
    pub completed_at: Option<NaiveDateTime>,
}

/// A reserved turn.
pub const RESERVED: &str = "reserved";
/// A completed review.
pub const DONE: &str = "done";
/// A skipped conversation (not handed to that reviewer again).
pub const SKIPPED: &str = "skipped";

/// Marks a conversation free again (a reservation ended), with `completed` more reviews.
fn free(
    conn: &mut DbConnection,
    queue: i64,
    conversation: i64,
    completed: i64,
    needed: i64,
) -> QueryResult<()> {
    diesel::update(qc::table.find((queue, conversation)))
        .set((
            qc::done.eq(qc::done + completed),
            qc::reserved.eq(false),
            qc::open.eq(qc::sampled.and((qc::done + completed).lt(needed))),
        ))
        .execute(conn)
        .map(drop)
}

/// Ends the reservations of the queue that expired by `now`: their conversations return to
/// the queue. Returns how many.
pub fn reclaim_expired(
    conn: &mut DbConnection,
    queue: i64,
    now: NaiveDateTime,
    needed: i64,
) -> QueryResult<usize> {
    let expired: Vec<(i64, i64)> = qr::table
        .filter(qr::queue_id.eq(queue))
        .filter(qr::status.eq(RESERVED))
        .filter(qr::expires_at.le(now))
        .select((qr::id, qr::conversation_id))
        .load(conn)?;
    for (id, conversation) in &expired {
        diesel::delete(qr::table.find(*id)).execute(conn)?;
        free(conn, queue, *conversation, 0, needed)?;
    }
    Ok(expired.len())
}

/// The caller's live reservation in the queue, if any.
pub fn live_reservation(
    conn: &mut DbConnection,
    queue: i64,
    reviewer: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<TurnRow>> {
    qr::table
        .filter(qr::queue_id.eq(queue))
        .filter(qr::reviewer.eq(reviewer))
        .filter(qr::status.eq(RESERVED))
        .filter(qr::expires_at.gt(now))
        .order(qr::reserved_at)
        .select(TurnRow::as_select())
        .first(conn)
        .optional()
}

/// The next live conversation of the queue that still needs reviews and that `reviewer`
/// has had no turn at, in the queue's order.
pub fn next_open(conn: &mut DbConnection, queue: i64, reviewer: &str) -> QueryResult<Option<i64>> {
    // `NOT EXISTS`, not a left join filtered to no match: PostgreSQL planned the join as
    // matching one row, gathered every open entry of the queue and sorted them (99 ms for a
    // queue of 9,463); as an anti-join it walks the queue's index in order and stops at the
    // first entry (1 ms).
    let my_turn = qr::table
        .filter(qr::queue_id.eq(qc::queue_id))
        .filter(qr::conversation_id.eq(qc::conversation_id))
        .filter(qr::reviewer.eq(reviewer));
    qc::table
        .inner_join(conversations::table)
        .filter(qc::queue_id.eq(queue))
        .filter(qc::open.eq(true))
        .filter(conversations::deleted_at.is_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(my_turn)))
        .order((qc::rank, qc::conversation_id))
        .select(qc::conversation_id)
        .first(conn)
        .optional()
}

/// Reserves `conversation` for `reviewer` from `now` until `until`.
pub fn reserve(
    conn: &mut DbConnection,
    queue: i64,
    conversation: i64,
    reviewer: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<TurnRow> {
    let id: i64 = diesel::insert_into(qr::table)
        .values((
            qr::queue_id.eq(queue),
            qr::conversation_id.eq(conversation),
            qr::reviewer.eq(reviewer),
            qr::status.eq(RESERVED),
            qr::reserved_at.eq(now),
            qr::expires_at.eq(until),
        ))
        .returning(qr::id)
        .get_result(conn)?;
    diesel::update(qc::table.find((queue, conversation)))
        .set((qc::reserved.eq(true), qc::open.eq(false)))
        .execute(conn)?;
    qr::table.find(id).select(TurnRow::as_select()).first(conn)
}

/// The reviewer's turn at a conversation of the queue, whatever its state.
pub fn turn(
    conn: &mut DbConnection,
    queue: i64,
    conversation: i64,
    reviewer: &str,
) -> QueryResult<Option<TurnRow>> {
    qr::table
        .filter(qr::queue_id.eq(queue))
        .filter(qr::conversation_id.eq(conversation))
        .filter(qr::reviewer.eq(reviewer))
        .select(TurnRow::as_select())
        .first(conn)
        .optional()
}

/// Gives a reservation back: the conversation returns to the queue (for this reviewer too).
pub fn release(conn: &mut DbConnection, turn: &TurnRow, needed: i64) -> QueryResult<()> {
    diesel::delete(qr::table.find(turn.id)).execute(conn)?;
    free(conn, turn.queue_id, turn.conversation_id, 0, needed)
}

/// Skips a reserved conversation: it returns to the queue for the others, not for this
/// reviewer.
pub fn skip(
    conn: &mut DbConnection,
    turn: &TurnRow,
    now: NaiveDateTime,
    needed: i64,
) -> QueryResult<()> {
    diesel::update(qr::table.find(turn.id))
        .set((qr::status.eq(SKIPPED), qr::completed_at.eq(now)))
        .execute(conn)?;
    free(conn, turn.queue_id, turn.conversation_id, 0, needed)
}

/// Completes a reserved turn with its answers (question id, value as text).
pub fn complete(
    conn: &mut DbConnection,
    turn: &TurnRow,
    now: NaiveDateTime,
    answers: &[(String, String)],
    needed: i64,
) -> QueryResult<()> {
    diesel::update(qr::table.find(turn.id))
        .set((qr::status.eq(DONE), qr::completed_at.eq(now)))
        .execute(conn)?;
    free(conn, turn.queue_id, turn.conversation_id, 1, needed)?;
    let rows: Vec<_> = answers
        .iter()
        .map(|(question, value)| {
            (
                qa::review_id.eq(turn.id),
                qa::queue_id.eq(turn.queue_id),
                qa::conversation_id.eq(turn.conversation_id),
                qa::question.eq(question),
                qa::value.eq(value),
            )
        })
        .collect();
    if !rows.is_empty() {
        on_each_backend!(conn, |c| diesel::insert_into(qa::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// Completed reviews of a conversation in the queue.
pub fn done_count(conn: &mut DbConnection, queue: i64, conversation: i64) -> QueryResult<i64> {
    qr::table
        .filter(qr::queue_id.eq(queue))
        .filter(qr::conversation_id.eq(conversation))
        .filter(qr::status.eq(DONE))
        .count()
        .get_result(conn)
}

/// Live reservations of the queue held by others than `reviewer`.
pub fn reserved_by_others(
    conn: &mut DbConnection,
    queue: i64,
    reviewer: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    qr::table
        .filter(qr::queue_id.eq(queue))
        .filter(qr::status.eq(RESERVED))
        .filter(qr::expires_at.gt(now))
        .filter(qr::reviewer.ne(reviewer))
        .count()
        .get_result(conn)
}

/// Every turn of the queue, oldest first.
pub fn turns(conn: &mut DbConnection, queue: i64) -> QueryResult<Vec<TurnRow>> {
    qr::table
        .filter(qr::queue_id.eq(queue))
        .order((qr::reserved_at, qr::id))
        .select(TurnRow::as_select())
        .load(conn)
}

/// The answers of the queue's completed reviews: review id → question → value.
pub fn answers(
    conn: &mut DbConnection,
    queue: i64,
) -> QueryResult<BTreeMap<i64, BTreeMap<String, String>>> {
    let rows: Vec<(i64, String, String)> = qa::table
        .filter(qa::queue_id.eq(queue))
        .select((qa::review_id, qa::question, qa::value))
        .load(conn)?;
    let mut out: BTreeMap<i64, BTreeMap<String, String>> = BTreeMap::new();
    for (review, question, value) in rows {
        out.entry(review).or_default().insert(question, value);
    }
    Ok(out)
}

/// The answers of one review: question → value.
pub fn answers_of(conn: &mut DbConnection, review: i64) -> QueryResult<BTreeMap<String, String>> {
    let rows: Vec<(String, String)> = qa::table
        .filter(qa::review_id.eq(review))
        .select((qa::question, qa::value))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
