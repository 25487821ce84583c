//! Which conversations join a review queue: those its source offers, each kept once with its
//! stratum and the sampling rule's decision. A queue filled from a saved filter takes them
//! when it is created and then from every import ([`follow_imports`], called by
//! [`super::ingest`] in the import's own transaction).

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, sql};
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use hindsight_types::{ConversationFilter, Sampling, StratifyBy};

use super::schema::{conversations, queue_conversations as qc, review_queues};
use super::DbConnection;
use crate::review::sampling;

/// A conversation the source offers: internal id, sender id, its value of what the queue's
/// rule stratifies by.
pub type Candidate = (i64, String, Option<String>);

/// Conversations per id window of [`follow_imports`] (bound parameters of one query).
const WINDOW_IDS: usize = 1_000;
/// Widest id window of [`follow_imports`]: the text filter reads its index over the window's
/// whole id range.
const WINDOW_SPAN: i64 = 4_096;

/// A conversation's value of what a rule stratifies by, as SQL on `conversations` (the
/// channel when the rule does not stratify: its stratum is `""` whatever the value).
fn stratum_value(by: Option<StratifyBy>) -> SqlLiteral<Nullable<Text>> {
    sql(match by {
        Some(StratifyBy::Environment) => "conversations.environment",
        // The first user message's intent, through the events' (conversation_id, seq) index:
        // a conversation's first user message is among its first few events.
        Some(StratifyBy::Intent) => {
            "(SELECT e.intent FROM events e WHERE e.conversation_id = conversations.id \
             AND e.type_name = 'user' ORDER BY e.seq LIMIT 1)"
        }
        _ => "conversations.channel",
    })
}

/// The live conversations a filter matches that hold a user message (the first one sets a
/// conversation's channel and intent: a live conversation joins a queue with it), with
/// their values of `by`.
pub fn candidates(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    by: Option<StratifyBy>,
) -> QueryResult<Vec<Candidate>> {
    let live = super::conversations::filtered_for(conn.backend(), filter);
    load_candidates(conn, live, by)
}

/// The conversations of `query` that hold a user message, with their values of `by`.
fn load_candidates(
    conn: &mut DbConnection,
    query: conversations::BoxedQuery<'_, super::connection::MultiBackend>,
    by: Option<StratifyBy>,
) -> QueryResult<Vec<Candidate>> {
    query
        .filter(conversations::user_message_count.gt(0))
        .select((
            conversations::id,
            conversations::sender_id,
            stratum_value(by),
        ))
        .load(conn)
}

/// What [`candidates`] would answer of the conversations `ids` (sorted, one window).
fn candidates_among(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    by: Option<StratifyBy>,
    ids: &[i64],
) -> QueryResult<Vec<Candidate>> {
    let among = super::conversations::filtered_among(conn.backend(), filter, ids.to_vec());
    load_candidates(conn, among, by)
}

/// The live conversations a filter matches (with or without a user message, as the inbox
/// lists them) whose id is above `after`: the `limit` lowest ids, with their values of `by`.
/// A queue takes an inbox filter's conversations a batch at a time by calling it again after
/// the last id.
pub fn matching_batch(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    by: Option<StratifyBy>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Candidate>> {
    super::conversations::filtered_for(conn.backend(), filter)
        .filter(conversations::id.gt(after))
        .order(conversations::id)
        .limit(limit)
        .select((
            conversations::id,
            conversations::sender_id,
            stratum_value(by),
        ))
        .load(conn)
}

/// The live conversations among the sender ids `senders`, with their values of `by`.
pub fn live_candidates(
    conn: &mut DbConnection,
    senders: &[String],
    by: Option<StratifyBy>,
) -> QueryResult<Vec<Candidate>> {
    let mut out = Vec::new();
    for chunk in senders.chunks(1_000) {
        let rows: Vec<Candidate> = conversations::table
            .filter(conversations::sender_id.eq_any(chunk))
            .filter(conversations::deleted_at.is_null())
            .select((
                conversations::id,
                conversations::sender_id,
                stratum_value(by),
            ))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Whether the queue holds any conversation (live or not).
fn holds_any(conn: &mut DbConnection, queue: i64) -> QueryResult<bool> {
    // In the primary key's order, so that the first entry is read from that index: without
    // an order, PostgreSQL's generic plan for the prepared statement scanned the table until
    // it met one of the queue's rows (11 queues of 9,400 at 100,000 conversations: 0.9 ms
    // a call on average, up to 6 ms; every import batch asks once per following queue).
    let any: Option<i64> = qc::table
        .filter(qc::queue_id.eq(queue))
        .order(qc::conversation_id)
        .select(qc::conversation_id)
        .first(conn)
        .optional()?;
    Ok(any.is_some())
}

/// Which of the conversations `ids` the queue holds already.
fn present(conn: &mut DbConnection, queue: i64, ids: &[i64]) -> QueryResult<Vec<i64>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(1_000) {
        let rows: Vec<i64> = qc::table
            .filter(qc::queue_id.eq(queue))
            .filter(qc::conversation_id.eq_any(chunk))
            .select(qc::conversation_id)
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// How many conversations of each of the `strata` the queue sampled (from the index
/// `queue_conversations_strata`: as many entries as were sampled, not the whole queue).
fn sampled_in(
    conn: &mut DbConnection,
    queue: i64,
    strata: &[String],
) -> QueryResult<HashMap<String, i64>> {
    let mut out = HashMap::new();
    for chunk in strata.chunks(1_000) {
        let rows: Vec<(String, i64)> = qc::table
            .filter(qc::queue_id.eq(queue))
            .filter(qc::sampled.eq(true))
            .filter(qc::stratum.eq_any(chunk))
            .group_by(qc::stratum)
            .select((qc::stratum, count_star()))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// A conversation joining a queue.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = qc)]
// What PostgreSQL's binary COPY requires (no field may stand for DEFAULT).
#[diesel(treat_none_as_default_value = false)]
struct NewMember {
    queue_id: i64,
    conversation_id: i64,
    stratum: String,
    sampled: bool,
    rank: i64,
    done: i64,
    reserved: bool,
    open: bool,
    added_at: NaiveDateTime,
}

/// Adds conversations to a queue (the caller leaves out those [`present`] already: a second
/// row of one conversation fails on the key).
fn insert_members(conn: &mut DbConnection, rows: &[NewMember]) -> QueryResult<()> {
    // A fill of 93,890 entries at a million conversations sent PostgreSQL 32 inserts of 3,000
    // rows (27,000 parameters each), each parsed and planned afresh: 46 ms apiece, 1.5 s of
    // the fill's 2 s, before it took a COPY. 3,000 rows of 9 columns: under SQLite's bound.
    insert_in_bulk!(conn, qc::table, rows, 3_000)
}

/// Entries a fill adds from which it refreshes the planner's statistics of them.
pub const FILL_REFRESHES_STATISTICS: i64 = 1_000;

/// Brings the planner's statistics of queue entries up to date after a large fill, outside
/// its transaction. PostgreSQL learns of new rows only when autovacuum next analyzes the
/// table, and until then planned `next` on a fresh queue of 9,463 entries as on an empty one:
/// 55–90 ms a call instead of 3–4 ms (100,000 conversations); the `ANALYZE` reads a sample
/// (155 ms with 473,150 entries). SQLite's planner keeps no such statistics of the table.
pub fn refresh_statistics(conn: &mut DbConnection) -> QueryResult<()> {
    // Only PostgreSQL's statistics go stale this way.
    match conn {
        DbConnection::Pg(pg) => diesel::sql_query("ANALYZE queue_conversations")
            .execute(pg)
            .map(drop),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// Adds the candidates the queue does not hold yet, each with its stratum and the rule's
/// decision; a count per stratum is filled up to its number and never past it. Returns
/// (added, sampled).
pub fn fill(
    conn: &mut DbConnection,
    queue: i64,
    rule: &Sampling,
    candidates: &[Candidate],
) -> QueryResult<(i64, i64)> {
    // An empty queue (one just created) holds none of them: no need to ask, which spares a
    // query per thousand conversations when a queue is filled from a large filter.
    let present: HashSet<i64> = if holds_any(conn, queue)? {
        let ids: Vec<i64> = candidates.iter().map(|c| c.0).collect();
        present(conn, queue, &ids)?.into_iter().collect()
    } else {
        HashSet::new()
    };
    let mut seen = HashSet::new();
    let fresh: Vec<Candidate> = candidates
        .iter()
        .filter(|c| !present.contains(&c.0) && seen.insert(c.0))
        .cloned()
        .collect();
    // Only a count needs what the queue sampled before, and only of the strata at hand.
    let already = if sampling::has_counts(rule) {
        let strata: BTreeSet<String> = fresh
            .iter()
            .map(|c| sampling::stratum_of(rule, c.2.as_deref()))
            .collect();
        sampled_in(conn, queue, &strata.into_iter().collect::<Vec<_>>())?
    } else {
        HashMap::new()
    };
    let now = chrono::Utc::now().naive_utc();
    let rows: Vec<NewMember> = sampling::choose(rule, &fresh, &already)
        .into_iter()
        .map(|c| NewMember {
            queue_id: queue,
            conversation_id: c.id,
            stratum: c.stratum,
            sampled: c.sampled,
            rank: c.rank,
            done: 0,
            reserved: false,
            open: c.sampled,
            added_at: now,
        })
        .collect();
    let sampled = rows.iter().filter(|r| r.sampled).count() as i64;
    insert_members(conn, &rows)?;
    Ok((rows.len() as i64, sampled))
}

/// First key of PostgreSQL's advisory lock that orders a queue's creation after imports.
const CREATION_LOCK: i32 = 1364;
/// First key of PostgreSQL's advisory lock that keeps purges out of a fill.
const PURGE_LOCK: i32 = 1365;

/// Takes PostgreSQL's transaction-scoped advisory lock `(key, 0)`, in its shared form or not.
fn advisory_lock(conn: &mut DbConnection, key: i32, shared: bool) -> QueryResult<()> {
    // Per backend: SQLite's write transaction (`BEGIN IMMEDIATE`) holds the database's write
    // lock already, which every other writer waits for. PostgreSQL runs writers side by side.
    match conn {
        DbConnection::Sqlite(_) => Ok(()),
        DbConnection::Pg(c) => {
            let take = match shared {
                true => "pg_advisory_xact_lock_shared",
                false => "pg_advisory_xact_lock",
            };
            diesel::sql_query(format!("SELECT {take}({key}, 0)"))
                .execute(c)
                .map(drop)
        }
    }
}

/// Holds back imports while a queue is created, until its transaction ends, so that the new
/// queue's fill sees every import committed before it and every import after it sees the
/// queue (see [`follow_imports`]).
pub fn lock_for_creation(conn: &mut DbConnection) -> QueryResult<()> {
    // On PostgreSQL imports run side by side, each holding the shared form of this lock from
    // before it reads the queues until it commits; a creation takes the exclusive form.
    advisory_lock(conn, CREATION_LOCK, false)
}

/// An import's side of [`lock_for_creation`].
fn share_creation_lock(conn: &mut DbConnection) -> QueryResult<()> {
    advisory_lock(conn, CREATION_LOCK, true)
}

/// Holds back purges until the transaction ends; a fill takes it before it reads its
/// candidates. PostgreSQL keeps no foreign key from a queue's entries to their conversations
/// (migration `2026-12-06-000210`): a conversation the fill read live must not be deleted
/// before the fill's entries are committed, or its entries would outlive it. (A queue that
/// follows imports needs none: it takes only conversations its import holds locked.)
pub fn hold_off_purges(conn: &mut DbConnection) -> QueryResult<()> {
    advisory_lock(conn, PURGE_LOCK, true)
}

/// A purge's side of [`hold_off_purges`]: waits for the fills under way, and holds new ones
/// back until the transaction ends.
pub fn lock_for_purge(conn: &mut DbConnection) -> QueryResult<()> {
    advisory_lock(conn, PURGE_LOCK, false)
}

/// A queue that takes imported conversations: id, kept query, sampling rule (JSON).
type Following = (i64, Option<String>, String);

/// The queues filled from a saved filter and not paused, by id (`only`: that one, checked
/// again once its lock is held).
fn following(conn: &mut DbConnection, only: Option<i64>) -> QueryResult<Vec<Following>> {
    let mut q = review_queues::table
        .filter(review_queues::source_kind.eq("filter"))
        .filter(review_queues::paused.eq(false))
        .into_boxed();
    if let Some(id) = only {
        q = q.filter(review_queues::id.eq(id));
    }
    q.order(review_queues::id)
        .select((
            review_queues::id,
            review_queues::source_query,
            review_queues::sampling,
        ))
        .load(conn)
}

/// Sorted ids cut into windows of at most [`WINDOW_IDS`] ids spanning at most
/// [`WINDOW_SPAN`].
fn windows(ids: &[i64]) -> Vec<&[i64]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=ids.len() {
        let ends = i == ids.len() || i - start == WINDOW_IDS || ids[i] - ids[start] > WINDOW_SPAN;
        if ends {
            out.push(&ids[start..i]);
            start = i;
        }
    }
    out
}

/// Adds to every unpaused queue filled from a saved filter the conversations among `changed`
/// (those an import just created, gave new events or restored) that its kept query matches
/// and that it does not hold yet, sampled by its rule as at creation. Each queue's filter
/// reads only those conversations, so the cost follows the import's size; without such a
/// queue it is one query on the queues. Returns how many conversations joined a queue.
pub fn follow_imports(conn: &mut DbConnection, changed: &[i64]) -> QueryResult<u64> {
    if changed.is_empty() {
        return Ok(0);
    }
    share_creation_lock(conn)?;
    let queues = following(conn, None)?;
    if queues.is_empty() {
        return Ok(0);
    }
    let mut ids = changed.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut joined = 0u64;
    for (id, query, rule) in queues {
        let filter = query.as_deref().map(ConversationFilter::from_query);
        let rule = serde_json::from_str::<Sampling>(&rule);
        let (Some(Ok(filter)), Ok(rule)) = (filter, rule) else {
            // Stored by this server when the queue was created; an import never fails for it.
            tracing::warn!(
                queue = id,
                "queue's query or sampling rule unreadable: skipped"
            );
            continue;
        };
        let by = sampling::stratify_by(&rule);
        let mut found = Vec::new();
        for window in windows(&ids) {
            found.extend(candidates_among(conn, &filter, by, window)?);
        }
        if found.is_empty() {
            continue;
        }
        // Like a reviewer's `next`, under the queue's lock; paused or deleted meanwhile, it
        // takes nothing.
        super::queues::lock(conn, id)?;
        if following(conn, Some(id))?.is_empty() {
            continue;
        }
        joined += fill(conn, id, &rule, &found)?.0 as u64;
    }
    Ok(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_bounded_in_size_and_span() {
        let ids: Vec<i64> = (1..=2_500).chain([10_000, 10_001, 20_000]).collect();
        let w = windows(&ids);
        let sizes: Vec<usize> = w.iter().map(|w| w.len()).collect();
        assert_eq!(sizes, [1_000, 1_000, 500, 2, 1]);
        assert!(windows(&[]).is_empty());
    }
}
