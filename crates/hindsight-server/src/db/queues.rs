//! Review queues and the conversations they hold (the turns and answers of reviewers are in
//! [`super::queue_reviews`]).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, not};
use diesel::prelude::*;

use super::schema::{conversations, queue_conversations as qc, queue_reviews as qr, review_queues};
use super::DbConnection;

/// A queue as stored (its JSON columns as text).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = review_queues)]
pub struct QueueRow {
    /// Id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// `filter` or `explicit`.
    pub source_kind: String,
    /// The saved filter's id.
    pub source_filter_id: Option<i64>,
    /// The saved filter's query when the queue was filled.
    pub source_query: Option<String>,
    /// JSON of `hindsight_types::Sampling`.
    pub sampling: String,
    /// JSON list of usernames.
    pub assignees: String,
    /// Reviewers per conversation.
    pub reviewers_per_conversation: i64,
    /// Reservation time.
    pub reservation_seconds: i64,
    /// Paused.
    pub paused: bool,
    /// JSON list of `hindsight_types::RubricQuestion`.
    pub rubric: String,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// The columns a queue is created with and edited through.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = review_queues)]
pub struct QueueFields {
    /// Name.
    pub name: String,
    /// JSON list of usernames.
    pub assignees: String,
    /// Reviewers per conversation.
    pub reviewers_per_conversation: i64,
    /// Reservation time.
    pub reservation_seconds: i64,
    /// Paused.
    pub paused: bool,
    /// JSON rubric.
    pub rubric: String,
}

/// What only creating a queue sets.
#[derive(Debug, Clone)]
pub struct QueueOrigin<'a> {
    /// `filter` or `explicit`.
    pub source_kind: &'a str,
    /// Saved filter id.
    pub source_filter_id: Option<i64>,
    /// Its query.
    pub source_query: Option<&'a str>,
    /// JSON sampling rule.
    pub sampling: &'a str,
    /// Who.
    pub created_by: &'a str,
}

/// Creates a queue; its id.
pub fn insert(
    conn: &mut DbConnection,
    fields: &QueueFields,
    origin: &QueueOrigin<'_>,
) -> QueryResult<i64> {
    let now = chrono::Utc::now().naive_utc();
    diesel::insert_into(review_queues::table)
        .values((
            fields.clone(),
            review_queues::source_kind.eq(origin.source_kind),
            review_queues::source_filter_id.eq(origin.source_filter_id),
            review_queues::source_query.eq(origin.source_query),
            review_queues::sampling.eq(origin.sampling),
            review_queues::created_by.eq(origin.created_by),
            review_queues::created_at.eq(now),
            review_queues::updated_at.eq(now),
        ))
        .returning(review_queues::id)
        .get_result(conn)
}

/// The queue `id`.
pub fn get(conn: &mut DbConnection, id: i64) -> QueryResult<Option<QueueRow>> {
    review_queues::table
        .find(id)
        .select(QueueRow::as_select())
        .first(conn)
        .optional()
}

/// The id of the queue named `name`.
pub fn find_named(conn: &mut DbConnection, name: &str) -> QueryResult<Option<i64>> {
    review_queues::table
        .filter(review_queues::name.eq(name))
        .select(review_queues::id)
        .first(conn)
        .optional()
}

/// Every queue, by name.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<QueueRow>> {
    review_queues::table
        .order((review_queues::name, review_queues::id))
        .select(QueueRow::as_select())
        .load(conn)
}

/// Replaces a queue's editable columns.
pub fn update(conn: &mut DbConnection, id: i64, fields: &QueueFields) -> QueryResult<()> {
    diesel::update(review_queues::table.find(id))
        .set((
            fields.clone(),
            review_queues::updated_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(conn)
        .map(drop)
}

/// Deletes a queue with its conversations, turns and answers (the keys cascade).
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(review_queues::table.find(id))
        .execute(conn)
        .map(drop)
}

/// Serialises the work on queue `id` until the transaction ends: two reviewers asking for
/// the next conversation at once are answered one after the other.
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    // Per backend: SQLite's write transaction (`BEGIN IMMEDIATE`) holds the database's write
    // lock already; PostgreSQL takes a transaction-scoped advisory lock on the queue (the
    // first key says "review queue", the second is the queue), released at commit or
    // rollback, which leaves every other queue free.
    match conn {
        DbConnection::Sqlite(_) => Ok(()),
        DbConnection::Pg(c) => diesel::sql_query("SELECT pg_advisory_xact_lock(1363, $1)")
            .bind::<diesel::sql_types::Integer, _>(id as i32)
            .execute(c)
            .map(drop),
    }
}

/// `(population, sampled)` of live conversations per queue.
pub fn sizes(conn: &mut DbConnection) -> QueryResult<HashMap<i64, (i64, i64)>> {
    let population: Vec<(i64, i64)> = qc::table
        .inner_join(conversations::table)
        .filter(conversations::deleted_at.is_null())
        .group_by(qc::queue_id)
        .select((qc::queue_id, count_star()))
        .load(conn)?;
    let sampled: Vec<(i64, i64)> = qc::table
        .inner_join(conversations::table)
        .filter(conversations::deleted_at.is_null())
        .filter(qc::sampled.eq(true))
        .group_by(qc::queue_id)
        .select((qc::queue_id, count_star()))
        .load(conn)?;
    let sampled: HashMap<i64, i64> = sampled.into_iter().collect();
    Ok(population
        .into_iter()
        .map(|(q, n)| (q, (n, sampled.get(&q).copied().unwrap_or(0))))
        .collect())
}

/// Marks which sampled conversations still need reviews once the queue asks for `needed`.
pub fn reopen(conn: &mut DbConnection, queue: i64, needed: i64) -> QueryResult<()> {
    diesel::update(qc::table.filter(qc::queue_id.eq(queue)))
        .set(qc::open.eq(qc::sampled.and(not(qc::reserved)).and(qc::done.lt(needed))))
        .execute(conn)
        .map(drop)
}

/// Whether any review of the queue was completed.
pub fn has_reviews(conn: &mut DbConnection, queue: i64) -> QueryResult<bool> {
    let any: Option<i64> = qr::table
        .filter(qr::queue_id.eq(queue))
        .filter(qr::status.eq("done"))
        .select(qr::id)
        .first(conn)
        .optional()?;
    Ok(any.is_some())
}

/// A live conversation of the queue: internal id, stratum, sampled.
pub type Member = (i64, String, bool);

/// The queue's live conversations.
pub fn members(conn: &mut DbConnection, queue: i64) -> QueryResult<Vec<Member>> {
    qc::table
        .inner_join(conversations::table)
        .filter(qc::queue_id.eq(queue))
        .filter(conversations::deleted_at.is_null())
        .select((qc::conversation_id, qc::stratum, qc::sampled))
        .load(conn)
}

/// `(population, sampled)`: the queue's live conversations, and those sampled.
pub fn size(conn: &mut DbConnection, queue: i64) -> QueryResult<(i64, i64)> {
    let population: i64 = qc::table
        .inner_join(conversations::table)
        .filter(qc::queue_id.eq(queue))
        .filter(conversations::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    let sampled: i64 = qc::table
        .inner_join(conversations::table)
        .filter(qc::queue_id.eq(queue))
        .filter(qc::sampled.eq(true))
        .filter(conversations::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    Ok((population, sampled))
}
