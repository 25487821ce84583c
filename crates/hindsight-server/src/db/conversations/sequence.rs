//! The sequence filter as SQL (issue 14): narrowed by the features its steps require (the
//! feature index finds those conversations, and the slot values `slot:NAME="…"` names) and by
//! the lowest intent confidence a step's bound implies, then each remaining conversation's
//! path tested against the pattern's regular expression (see [`crate::sequence`]).

use diesel::dsl::{exists, sql};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use hindsight_types::{ConversationFilter, ReviewStatus, SequencePattern};

use super::filter::Plan;
use super::BoxedConversations;
use crate::db::budget::{within_deadline, QUERY_BUDGET_EXCEEDED};
use crate::db::connection::Backend;
use crate::db::schema::{conversation_features, conversations};
use crate::db::DbConnection;

/// Adds the sequence filter's conditions to `q`, shaped by `plan`.
pub(super) fn with_sequence<'a>(
    mut q: BoxedConversations<'a>,
    pattern: &'a SequencePattern,
    plan: &Plan,
) -> BoxedConversations<'a> {
    use conversation_features::{conversation_id, kind, name, value};
    if plan.paths_tested_apart {
        return with_candidates_listed(q, pattern);
    }
    let required = pattern.required_features();
    // Gathering: the conversations holding the first two needed features, intersected before
    // any path is tested. As separate `IN`s PostgreSQL tested the path of each conversation
    // holding the first feature before joining the second (100,000 conversations,
    // `intent:intent_000 > action:utter_001`: 25,367 paths tested for 7,368 matches, 667 ms
    // against 240 ms intersected), and SQLite read the conversation row of every holder of
    // the first (a million: 254,686 rows for 91,762 candidates, 348 ms against 296 ms; the
    // count of `intent:intent_014 >> action:utter_180` 66–83 → 13–15 ms).
    // (Two: each further one would change the SQL literal's type; the others narrow as usual.)
    let mut required = required.into_iter();
    if !plan.per_row() {
        if let (Some(first), Some(second)) = (required.next(), required.next()) {
            let holding = "SELECT conversation_id FROM conversation_features WHERE kind = ";
            q = q.filter(
                sql::<Bool>("conversations.id IN (")
                    .sql(holding)
                    .bind::<Text, _>(first.0)
                    .sql(" AND name = ")
                    .bind::<Text, _>(first.1)
                    .sql(" INTERSECT ")
                    .sql(holding)
                    .bind::<Text, _>(second.0)
                    .sql(" AND name = ")
                    .bind::<Text, _>(second.1)
                    .sql(")"),
            );
        } else {
            required = pattern.required_features().into_iter();
        }
    }
    // Only the page's walk: the estimate's sample (a few thousand ids) is left to the planner.
    let fenced = plan.per_row && plan.backend == Some(Backend::Postgres);
    for (feature, feature_name) in required {
        let named = conversation_features::table
            .filter(kind.eq(feature))
            .filter(name.eq(feature_name));
        let fenced_here = plan
            .fenced_step_features
            .iter()
            .any(|(k, n)| *k == feature && n == feature_name);
        q = if fenced || fenced_here {
            with_fenced_probe(q, feature, feature_name, None)
        } else if plan.per_row() {
            q.filter(exists(named.filter(conversation_id.eq(conversations::id))))
        } else {
            q.filter(conversations::id.eq_any(named.select(conversation_id)))
        };
    }
    for (slot, text) in pattern.required_slot_values() {
        let set = conversation_features::table
            .filter(kind.eq("slot"))
            .filter(name.eq(slot))
            .filter(value.eq(text.clone()));
        q = if fenced {
            with_fenced_probe(q, "slot", slot, Some(text))
        } else if plan.per_row() {
            q.filter(exists(set.filter(conversation_id.eq(conversations::id))))
        } else {
            q.filter(conversations::id.eq_any(set.select(conversation_id)))
        };
    }
    with_path_test(with_confidence_bound(q, pattern), pattern, plan)
}

/// The conversations holding what the pattern's steps need, to be listed whole and their
/// paths tested in this process (PostgreSQL's count, [`candidates_tested_apart`]): each
/// needed feature an `IN` of its own, with the empty value that every feature but a slot's is
/// stored with (`db::ingest::plan::features_of`). Kind, name and value fixed, the features'
/// primary key (conversation, kind, name, value) tells PostgreSQL that each conversation
/// holds the feature once, so it joins the holders to the conversations as its index yields
/// them; as the `INTERSECT` of the page, or without the value, it first made them unique (a
/// hash of all of them). At a million conversations, the server's statement listing the
/// 254,686 candidates of `intent:intent_000 > !action:utter_000 > end` took 1,117 ms that
/// way, 0.4 – 0.7 s this way (the server's statement log, several requests).
fn with_candidates_listed<'a>(
    mut q: BoxedConversations<'a>,
    pattern: &'a SequencePattern,
) -> BoxedConversations<'a> {
    use conversation_features::{conversation_id, kind, name, value};
    for (feature, feature_name) in pattern.required_features() {
        let named = conversation_features::table
            .filter(kind.eq(feature))
            .filter(name.eq(feature_name));
        q = if feature == "slot" {
            q.filter(conversations::id.eq_any(named.select(conversation_id)))
        } else {
            let ordered = named.filter(value.eq(""));
            q.filter(conversations::id.eq_any(ordered.select(conversation_id)))
        };
    }
    for (slot, text) in pattern.required_slot_values() {
        let set = conversation_features::table
            .filter(kind.eq("slot"))
            .filter(name.eq(slot))
            .filter(value.eq(text));
        q = q.filter(conversations::id.eq_any(set.select(conversation_id)));
    }
    with_confidence_bound(q, pattern)
}

/// The lowest intent confidence a step's bound implies, as a plain column tested before any
/// path is read (both backends put correlated subqueries after it): the count of
/// `confidence<0.3 >> action:*` read every path; at 100,000 conversations on PostgreSQL it
/// took 447 ms, now 129.
fn with_confidence_bound<'a>(
    q: BoxedConversations<'a>,
    pattern: &SequencePattern,
) -> BoxedConversations<'a> {
    match crate::sequence::lowest_confidence_below(pattern) {
        Some(bound) => q.filter(conversations::min_intent_confidence.lt(bound)),
        None => q,
    }
}

/// PostgreSQL's test of one conversation for a feature, row by row as the page walks its
/// order. Written as a plain `EXISTS`, its planner turned each into a semi-join that reads
/// every holder of the feature before the walk starts (a pattern in 1 % of conversations: 2.2–
/// 2.7 s at a million); `OFFSET 0` keeps it a probe of the feature's primary key per row walked
/// (100,000 conversations, `intent:intent_003 > intent:intent_000 > action:utter_002`: 7,738
/// rows walked for the page of 100, 100–140 ms, against 380 ms gathered).
fn with_fenced_probe<'a>(
    q: BoxedConversations<'a>,
    feature: &'static str,
    feature_name: &'a str,
    feature_value: Option<String>,
) -> BoxedConversations<'a> {
    let probe = sql::<Bool>(
        "EXISTS (SELECT 1 FROM conversation_features f \
         WHERE f.conversation_id = conversations.id AND f.kind = ",
    )
    .bind::<Text, _>(feature)
    .sql(" AND f.name = ")
    .bind::<Text, _>(feature_name);
    match feature_value {
        Some(v) => q.filter(
            probe
                .sql(" AND f.value = ")
                .bind::<Text, _>(v)
                .sql(" OFFSET 0)"),
        ),
        None => q.filter(probe.sql(" OFFSET 0)")),
    }
}

/// Adds the test of each conversation's path against the pattern's expression.
fn with_path_test<'a>(
    q: BoxedConversations<'a>,
    pattern: &SequencePattern,
    plan: &Plan,
) -> BoxedConversations<'a> {
    let regex = crate::sequence::to_regex(pattern);
    // Each backend spells a regular expression match its own way: PostgreSQL's operator, or
    // the function the server registers on every SQLite connection (`db::connection`), which
    // portable SQL (no backend) falls back to as well.
    match plan.backend {
        // `OFFSET 0` keeps PostgreSQL from turning the EXISTS into a join that tests every
        // stored path against the expression (3 µs each) before the other conditions narrow:
        // at 20,000 conversations a view's tab counts took 3.5 s, testing all of them once per
        // window of the estimate's sample. Its expressions cost ~8 µs a candidate's path, its
        // `LIKE` next to nothing, so a `LIKE` the matching paths must satisfy goes first
        // (PostgreSQL keeps the written order of equally costed conditions). Measured at
        // 100,000 conversations: the count of `intent:intent_003 > intent:intent_000 >
        // action:utter_002 > end` 101 → 92 ms; where the feature index leaves few candidates
        // that do not match (`intent:intent_000 > action:utter_001`: 9,078 for 7,368) it
        // changes nothing. SQLite's expressions are the regex crate's, fast enough.
        Some(Backend::Postgres) => {
            let head = "EXISTS (SELECT 1 FROM conversation_paths p \
                        WHERE p.conversation_id = conversations.id AND ";
            match crate::sequence::like_prefilter(pattern) {
                Some(like) => q.filter(
                    sql::<Bool>(head)
                        .sql("p.steps LIKE ")
                        .bind::<Text, _>(like)
                        .sql(" AND p.steps ~ ")
                        .bind::<Text, _>(regex)
                        .sql(" OFFSET 0)"),
                ),
                None => q.filter(
                    sql::<Bool>(head)
                        .sql("p.steps ~ ")
                        .bind::<Text, _>(regex)
                        .sql(" OFFSET 0)"),
                ),
            }
        }
        Some(Backend::Sqlite) | None => q.filter(
            sql::<Bool>(
                "EXISTS (SELECT 1 FROM conversation_paths p \
                 WHERE p.conversation_id = conversations.id AND hindsight_sequence_match(",
            )
            .bind::<Text, _>(regex)
            .sql(", p.steps))"),
        ),
    }
}

/// Paths read per query when their test is done in this process: a few megabytes.
const PATHS_PER_READ: usize = 10_000;

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
/// paths took 45 ms and testing them 12 ms, one after the other.
pub fn retain_matching<T>(
    conn: &mut DbConnection,
    pattern: &SequencePattern,
    candidates: Vec<(i64, T)>,
) -> QueryResult<Vec<T>> {
    retain_matching_in_batches(conn, pattern, candidates, PATHS_PER_READ)
}

/// [`retain_matching`], reading `per_read` paths at a time.
fn retain_matching_in_batches<T>(
    conn: &mut DbConnection,
    pattern: &SequencePattern,
    mut candidates: Vec<(i64, T)>,
    per_read: usize,
) -> QueryResult<Vec<T>> {
    candidates.sort_unstable_by_key(|(id, _)| *id);
    let matcher = fancy_regex::Regex::new(&crate::sequence::to_regex(pattern))
        .map_err(|e| sequence_error(&e))?;
    let ids: Vec<i64> = candidates.iter().map(|(id, _)| *id).collect();
    let mut matched = std::thread::scope(|scope| {
        // One batch waiting beside the one being tested: reading never runs far ahead.
        let (to_test, batches) = std::sync::mpsc::sync_channel::<Vec<(i64, String)>>(1);
        let tester = scope.spawn(move || test_paths(&matcher, batches));
        let read = read_paths(conn, &ids, per_read, &to_test);
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

/// Reads the paths of `ids` (sorted), `per_read` at a time, and hands each batch to the
/// tester, until the last or until the tester stops taking them.
fn read_paths(
    conn: &mut DbConnection,
    ids: &[i64],
    per_read: usize,
    to_test: &std::sync::mpsc::SyncSender<Vec<(i64, String)>>,
) -> QueryResult<()> {
    use crate::db::schema::conversation_paths;
    for batch in ids.chunks(per_read) {
        if !within_deadline() {
            return Err(budget_exceeded());
        }
        let paths: Vec<(i64, String)> = conversation_paths::table
            .filter(conversation_paths::conversation_id.eq_any(batch))
            .select((
                conversation_paths::conversation_id,
                conversation_paths::steps,
            ))
            .load(conn)?;
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
    batches: std::sync::mpsc::Receiver<Vec<(i64, String)>>,
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
    filter: &ConversationFilter,
) -> QueryResult<Option<Vec<(String, i64)>>> {
    let Some((candidates, pattern)) = candidates_tested_apart(conn.backend(), filter) else {
        return Ok(None);
    };
    let candidates: Vec<(i64, String)> = candidates
        .select((conversations::id, conversations::review_status))
        .load(conn)?;
    let mut counts = ReviewStatus::ALL.map(|s| (s.as_str().to_owned(), 0_i64));
    for status in retain_matching(conn, pattern, candidates)? {
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

    #[test]
    fn candidates_keep_what_their_paths_match_over_several_reads() {
        let mut sqlite = SqliteConnection::establish(":memory:").unwrap();
        sqlite
            .batch_execute(
                "CREATE TABLE conversation_paths \
                 (conversation_id BIGINT PRIMARY KEY, steps TEXT NOT NULL)",
            )
            .unwrap();
        let mut conn = DbConnection::Sqlite(sqlite);
        // Ten conversations: every third one asks `a` and is answered by `b` later.
        for id in 1_i64..=10 {
            let steps = match id % 3 {
                1 => "\nua\t-\thello\naother\nab\n",
                2 => "\nab\nua\t-\thello\n",
                _ => "\nuc\t-\thello\nab\n",
            };
            diesel::insert_into(crate::db::schema::conversation_paths::table)
                .values((
                    crate::db::schema::conversation_paths::conversation_id.eq(id),
                    crate::db::schema::conversation_paths::steps.eq(steps),
                ))
                .execute(&mut conn)
                .unwrap();
        }
        let pattern: SequencePattern = "intent:a > action:b".parse().unwrap();
        // Out of order, without 4 (which would match), with 11 (which has no path).
        let candidates: Vec<(i64, String)> = [11, 10, 7, 1, 2, 3, 5, 6, 8, 9]
            .into_iter()
            .map(|id| (id, format!("conversation {id}")))
            .collect();
        for per_read in [1, 3, 100] {
            let kept =
                retain_matching_in_batches(&mut conn, &pattern, candidates.clone(), per_read)
                    .unwrap();
            assert_eq!(
                kept,
                ["conversation 1", "conversation 7", "conversation 10"],
                "{per_read} a read"
            );
        }
    }
}
