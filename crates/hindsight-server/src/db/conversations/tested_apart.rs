//! Sequence patterns tested in this process rather than by the database (PostgreSQL): the
//! candidates listed by the database, their paths read by id in batches, each batch tested by
//! the server's own matcher on a thread of its own while the next is read.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

use diesel::prelude::*;
use hindsight_types::{ConversationFilter, ReviewStatus, SequencePattern};

use super::filter::Plan;
use super::BoxedConversations;
use crate::db::budget::{within_deadline, QueryBudget, QUERY_BUDGET_EXCEEDED};
use crate::db::connection::{Backend, DbPool};
use crate::db::schema::conversations;
use crate::db::DbConnection;

/// Paths read per query when their test is done in this process: about 2.5 MB, held as
/// PostgreSQL's result and again as strings, by each of two readers, with one batch waiting
/// and one under test. At a million conversations on PostgreSQL, five exact tabs of
/// `intent:intent_000 > !action:utter_000 > end` at once took the server's private memory to
/// 219 MB with batches of 10,000, 156 MB with 4,000; one took 791 and 723 ms (median of 5).
const PATHS_PER_READ: usize = 4_000;

/// The live conversations of `filter` before their paths are tested, with its pattern, when
/// the paths are to be tested in this process rather than by the database: a sequence
/// pattern on PostgreSQL; `None` for any other filter or SQLite.
///
/// PostgreSQL's regular expressions cost about 9 ns a byte of path: at a million
/// conversations, `intent:intent_000 > !action:utter_000 > end` tested 254,686 paths of 615
/// bytes on average (157 MB) in 4.7 s, where the `regex` crate's automaton, behind SQLite's
/// function, reads a path at several times that speed. So a count (or the day chart) lists
/// the candidates (every other condition, the features the steps need and the confidence
/// bound applied by PostgreSQL) with what it needs of them, then [`retain_matching`] reads
/// their paths by id and tests them here. SQLite calls the same matcher row by row already,
/// in its own process.
pub fn candidates_tested_apart(
    backend: Backend,
    filter: &ConversationFilter,
) -> Option<(BoxedConversations<'_>, &SequencePattern)> {
    let pattern = filter.sequence.as_ref()?;
    // The backend decides where the paths are tested: see above.
    if backend != Backend::Postgres {
        return None;
    }
    let plan = Plan {
        paths_tested_apart: true,
        ..Plan::on(backend)
    };
    Some((super::filter::filtered_on(filter, &plan), pattern))
}

/// What `candidates` (conversation id, what the caller keeps of it) hold of the conversations
/// whose path matches `pattern`: their paths read by id in batches of [`PATHS_PER_READ`] and
/// tested in this process (see [`candidates_tested_apart`]). Memory stays at a few batches of
/// paths, and the request's time budget is checked between batches.
///
/// A second thread tests each batch while the next is read: the database works for the one,
/// this process for the other, on two cores. At a million conversations, reading 10,000
/// paths took 45 ms and testing them 12 ms, one after the other (at 0c55c01). When `pool` lends a second
/// connection at once, it reads every other batch beside the first (see [`second_reader`]).
pub fn retain_matching<T>(
    conn: &mut DbConnection,
    pool: Option<&DbPool>,
    pattern: &SequencePattern,
    candidates: Vec<(i64, T)>,
) -> QueryResult<Vec<T>> {
    let mut second = pool.and_then(second_reader);
    let second = second.as_deref_mut();
    retain_matching_in_batches(conn, second, pattern, candidates, PATHS_PER_READ)
}

/// A second connection from `pool` when one is free now, never waited for: a request holding
/// one connection while it waits for another could wait on every other request doing the
/// same. At a million conversations on PostgreSQL (release build over HTTP, median of 5, two
/// rounds), the exact tabs of `intent:intent_000 > !action:utter_000 > end` (254,686 paths
/// read) took 1,065–1,082 ms on one connection, 762–827 on two; of
/// `intent:intent_000 > action:utter_001` 642–650 → 490–505; the count of
/// `confidence<0.3 >> action:*` 721–727 → 549–550.
fn second_reader(pool: &DbPool) -> Option<crate::db::PooledDb> {
    pool.try_get()
}

/// [`retain_matching`], reading `per_read` paths at a time, on `conn` alone or on `conn` and
/// `second` by turns.
fn retain_matching_in_batches<T>(
    conn: &mut DbConnection,
    second: Option<&mut DbConnection>,
    pattern: &SequencePattern,
    mut candidates: Vec<(i64, T)>,
    per_read: usize,
) -> QueryResult<Vec<T>> {
    candidates.sort_unstable_by_key(|(id, _)| *id);
    let matcher = fancy_regex::Regex::new(&crate::sequence::to_regex(pattern))
        .map_err(|e| sequence_error(&e))?;
    let ids: Vec<i64> = candidates.iter().map(|(id, _)| *id).collect();
    let batches: Vec<&[i64]> = ids.chunks(per_read.max(1)).collect();
    // Set by a reader that failed, so that the other stops at its next batch.
    let stop = AtomicBool::new(false);
    let mut matched = std::thread::scope(|scope| {
        // One batch waiting beside the one being tested: reading never runs far ahead.
        let (to_test, tested) = std::sync::mpsc::sync_channel::<Vec<(i64, String)>>(1);
        let tester = scope.spawn(move || test_paths(&matcher, tested));
        let read = match second {
            None => read_paths(conn, batches.iter().copied(), &to_test, &stop),
            Some(second) => {
                // The second reader keeps this request's deadline on its own thread.
                let deadline = crate::db::budget::deadline();
                let (their_sender, batches, stop) = (to_test.clone(), &batches, &stop);
                let theirs = scope.spawn(move || {
                    let _budget = QueryBudget::until(deadline);
                    let every_other = batches.iter().copied().skip(1).step_by(2);
                    read_paths(second, every_other, &their_sender, stop)
                });
                let mine = read_paths(conn, batches.iter().copied().step_by(2), &to_test, stop);
                let theirs = theirs
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                mine.and(theirs)
            }
        };
        // The tester ends when the batches do (or stops early on an error of its own).
        drop(to_test);
        let matched = tester
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        read.and(matched)
    })?;
    matched.sort_unstable();
    Ok(candidates
        .into_iter()
        .filter(|(id, _)| matched.binary_search(id).is_ok())
        .map(|(_, kept)| kept)
        .collect())
}

/// Reads the paths of each batch of ids and hands them to the tester, until the last, until
/// the tester stops taking them, or until `stop` is set; sets `stop` when it fails.
fn read_paths<'a>(
    conn: &mut DbConnection,
    batches: impl Iterator<Item = &'a [i64]>,
    to_test: &SyncSender<Vec<(i64, String)>>,
    stop: &AtomicBool,
) -> QueryResult<()> {
    use crate::db::schema::conversation_paths;
    for batch in batches {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let paths = if within_deadline() {
            conversation_paths::table
                .filter(conversation_paths::conversation_id.eq_any(batch))
                .select((
                    conversation_paths::conversation_id,
                    conversation_paths::steps,
                ))
                .load(conn)
        } else {
            Err(budget_exceeded())
        };
        let paths = paths.inspect_err(|_| stop.store(true, Ordering::Relaxed))?;
        if to_test.send(paths).is_err() {
            // The tester stopped on an error, which its join reports.
            break;
        }
    }
    Ok(())
}

/// The ids of the paths `matcher` matches, of every batch received.
fn test_paths(
    matcher: &fancy_regex::Regex,
    batches: Receiver<Vec<(i64, String)>>,
) -> QueryResult<Vec<i64>> {
    let mut matched = Vec::new();
    for paths in batches {
        for (id, steps) in paths {
            if matcher.is_match(&steps).map_err(|e| sequence_error(&e))? {
                matched.push(id);
            }
        }
    }
    Ok(matched)
}

/// How many live conversations of `filter` match in each review status, with the paths
/// tested in this process ([`candidates_tested_apart`]); `None` where the database tests
/// them.
pub(super) fn count_by_status_in_process(
    conn: &mut DbConnection,
    pool: Option<&DbPool>,
    filter: &ConversationFilter,
) -> QueryResult<Option<Vec<(String, i64)>>> {
    let Some((candidates, pattern)) = candidates_tested_apart(conn.backend(), filter) else {
        return Ok(None);
    };
    let candidates: Vec<(i64, String)> = candidates
        .select((conversations::id, conversations::review_status))
        .load(conn)?;
    let mut counts = ReviewStatus::ALL.map(|s| (s.as_str().to_owned(), 0_i64));
    for status in retain_matching(conn, pool, pattern, candidates)? {
        if let Some(count) = counts.iter_mut().find(|(s, _)| *s == status) {
            count.1 += 1;
        }
    }
    Ok(Some(counts.into()))
}

/// The error of a pattern the matcher could not test (its expression, or a search that gave
/// up): what SQLite's matcher function fails its statement with.
fn sequence_error(e: &fancy_regex::Error) -> diesel::result::Error {
    diesel::result::Error::DatabaseError(
        diesel::result::DatabaseErrorKind::Unknown,
        Box::new(format!("hindsight: sequence pattern: {e}")),
    )
}

/// The error a statement past the request's time budget fails with.
fn budget_exceeded() -> diesel::result::Error {
    diesel::result::Error::DatabaseError(
        diesel::result::DatabaseErrorKind::Unknown,
        Box::new(QUERY_BUDGET_EXCEEDED.to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    use super::*;

    /// Two connections to one SQLite file holding `paths` (a second connection sees them),
    /// and the directory that keeps the file.
    fn two_connections(paths: &[(i64, &str)]) -> (DbConnection, DbConnection, tempfile::TempDir) {
        use crate::db::schema::conversation_paths::dsl::{
            conversation_id, conversation_paths, steps,
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("paths.db");
        let open =
            || DbConnection::Sqlite(SqliteConnection::establish(path.to_str().unwrap()).unwrap());
        let mut conn = open();
        conn.batch_execute(
            "CREATE TABLE conversation_paths \
             (conversation_id BIGINT PRIMARY KEY, steps TEXT NOT NULL)",
        )
        .unwrap();
        for (id, path) in paths {
            diesel::insert_into(conversation_paths)
                .values((conversation_id.eq(id), steps.eq(path)))
                .execute(&mut conn)
                .unwrap();
        }
        let second = open();
        (conn, second, dir)
    }

    #[test]
    fn candidates_keep_what_their_paths_match_over_several_reads_on_one_or_two_connections() {
        // Ten conversations: every third one asks `a` and is answered by `b` later.
        let paths: Vec<(i64, &str)> = (1_i64..=10)
            .map(|id| {
                let path = match id % 3 {
                    1 => "\nua\t-\thello\naother\nab\n",
                    2 => "\nab\nua\t-\thello\n",
                    _ => "\nuc\t-\thello\nab\n",
                };
                (id, path)
            })
            .collect();
        let (mut conn, mut second, _dir) = two_connections(&paths);
        let pattern: SequencePattern = "intent:a > action:b".parse().unwrap();
        // Out of order, without 4 (which would match), with 11 (which has no path).
        let candidates: Vec<(i64, String)> = [11, 10, 7, 1, 2, 3, 5, 6, 8, 9]
            .into_iter()
            .map(|id| (id, format!("conversation {id}")))
            .collect();
        for per_read in [1, 3, 100] {
            for two in [false, true] {
                let beside = two.then_some(&mut second);
                let kept = retain_matching_in_batches(
                    &mut conn,
                    beside,
                    &pattern,
                    candidates.clone(),
                    per_read,
                )
                .unwrap();
                assert_eq!(
                    kept,
                    ["conversation 1", "conversation 7", "conversation 10"],
                    "{per_read} a read, two connections: {two}"
                );
            }
        }
    }

    #[test]
    fn a_spent_budget_fails_a_read_on_two_connections() {
        let (mut conn, mut second, _dir) = two_connections(&[]);
        let pattern: SequencePattern = "intent:a".parse().unwrap();
        let candidates: Vec<(i64, ())> = (1..=10).map(|id| (id, ())).collect();
        let _budget = QueryBudget::start(Some(std::time::Duration::ZERO));
        let err = retain_matching_in_batches(&mut conn, Some(&mut second), &pattern, candidates, 1)
            .unwrap_err();
        assert!(err.to_string().contains(QUERY_BUDGET_EXCEEDED), "{err}");
    }
}
