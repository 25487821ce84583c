//! How many conversations a filter matches, in all and per review status (the inbox's tabs):
//! from the maintained counts where they answer, else counted, exactly or estimated.

use diesel::prelude::*;
use hindsight_types::{ConversationFilter, ReviewStatus};

use super::{
    complement, estimate_by_status, filtered_for, tested_apart, BoxedConversations, SampleSize,
};
use crate::db::budget::within;
use crate::db::connection::{Backend, DbPool};
use crate::db::DbConnection;

/// How many live conversations match the filter: from the maintained counts when the filter
/// holds only channels and review statuses ([`crate::db::counts`]), is one feature value
/// ([`crate::db::facets::feature_total`]) or one tag, from the text's own rows when it is a
/// text alone on PostgreSQL ([`super::text::lone_text_total`]), else counted.
pub fn count(conn: &mut DbConnection, filter: &ConversationFilter) -> QueryResult<i64> {
    count_reading_beside(conn, None, filter)
}

/// [`count`], its paths (a sequence pattern's, on PostgreSQL) read on a second connection of
/// `pool` too when one is free ([`tested_apart::retain_matching`]).
fn count_reading_beside(
    conn: &mut DbConnection,
    pool: Option<&DbPool>,
    filter: &ConversationFilter,
) -> QueryResult<i64> {
    if let Some(n) = crate::db::counts::total(conn, filter)? {
        return Ok(n);
    }
    if let Some(n) = crate::db::facets::feature_total(conn, filter)? {
        return Ok(n);
    }
    if let Some(n) = crate::db::tag_counts::total(conn, filter)? {
        return Ok(n);
    }
    if let Some(n) = super::text::lone_text_total(conn, filter)? {
        return Ok(n);
    }
    if let Some(rows) = counted_apart(conn, pool, &without_status(filter))? {
        let asked = |status: &str| {
            filter.review_status.is_empty()
                || filter.review_status.iter().any(|s| s.as_str() == status)
        };
        return Ok(rows.iter().filter(|(s, _)| asked(s)).map(|(_, n)| n).sum());
    }
    filtered_for(conn.backend(), filter)
        .count()
        .get_result(conn)
}

/// PostgreSQL's plan of the statement [`count_exactly`] runs for `filter`, under the planner
/// settings it runs under ([`crate::db::explain`]), or what answers it instead of one
/// statement over the conversations; `None` on SQLite. In [`count_reading_beside`]'s order.
pub fn explain_count(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Option<String>> {
    use crate::db::explain::plan_of;
    if conn.backend() != Backend::Postgres {
        return Ok(None);
    }
    count_as_planned(conn, filter, |conn| {
        if crate::db::counts::total(conn, filter)?.is_some()
            || crate::db::facets::feature_total(conn, filter)?.is_some()
            || crate::db::tag_counts::total(conn, filter)?.is_some()
        {
            return Ok(Some("(read from the maintained counts)".to_owned()));
        }
        if let Some(statement) = super::text::lone_text_count(Backend::Postgres, filter) {
            return plan_of(conn, statement);
        }
        if let Some((candidates, _)) =
            super::candidates_tested_apart(Backend::Postgres, &without_status(filter))
        {
            let plan = plan_of(conn, candidates.select(diesel::dsl::count_star()))?;
            return Ok(plan.map(|p| {
                format!("{p}\n(the candidates; each one's path is then read by id and tested in the server)")
            }));
        }
        if complement::by_status_as_difference(conn, &without_status(filter))?.is_some() {
            return Ok(Some(
                "(the maintained counts less the conversations holding what is excluded)".into(),
            ));
        }
        plan_of(conn, filtered_for(Backend::Postgres, filter).count())
    })
}

/// [`count`] for a reviewer who asked for the exact number: with PostgreSQL's parallel
/// workers ([`crate::db::with_parallel_workers`]) where they help, and a sequence pattern's
/// paths read on two of `pool`'s connections when it has one free.
pub fn count_exactly(
    conn: &mut DbConnection,
    pool: &DbPool,
    filter: &ConversationFilter,
) -> QueryResult<i64> {
    let count = |conn: &mut DbConnection| count_reading_beside(conn, Some(pool), filter);
    count_as_planned(conn, filter, count)
}

/// [`count_by_status`] for a reviewer who asked for the exact numbers (the tabs after their
/// estimate), as [`count_exactly`] counts.
pub fn count_by_status_exactly(
    conn: &mut DbConnection,
    pool: &DbPool,
    filter: &ConversationFilter,
) -> QueryResult<Vec<(String, i64)>> {
    let count = |conn: &mut DbConnection| count_by_status_reading_beside(conn, Some(pool), filter);
    count_as_planned(conn, filter, count)
}

/// Runs an exact `count` of `filter` with the planner settings that serve it on PostgreSQL:
/// parallel workers where they help ([`gains_from_workers`]), nested loops for one word alone
/// ([`crate::db::with_joins_by_lookup`]), else the serving settings. Public for the bench,
/// whose hand-written count runs under the same settings so that the two compare like with
/// like.
pub fn count_as_planned<T>(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    count: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    match planner_settings(filter) {
        PlannerSettings::ParallelWorkers => crate::db::with_parallel_workers(conn, count),
        PlannerSettings::JoinsByLookup => crate::db::with_joins_by_lookup(conn, count),
        PlannerSettings::Serving => count(conn),
    }
}

/// Whether [`count_as_planned`] changes PostgreSQL's planner settings for `filter`.
pub fn count_planned_apart(filter: &ConversationFilter) -> bool {
    planner_settings(filter) != PlannerSettings::Serving
}

/// The planner settings an exact count runs under on PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlannerSettings {
    Serving,
    ParallelWorkers,
    JoinsByLookup,
}

fn planner_settings(filter: &ConversationFilter) -> PlannerSettings {
    if gains_from_workers(filter) {
        PlannerSettings::ParallelWorkers
    } else if filter.text.as_deref().is_some_and(|text| {
        super::text::matches_words(filter, text) && super::text::is_one_word(text)
    }) {
        PlannerSettings::JoinsByLookup
    } else {
        PlannerSettings::Serving
    }
}

/// Whether counting `filter` gains from parallel workers: every filter but a text condition
/// alone (its review status aside). PostgreSQL gathers the conversations holding the text
/// from its index into a hash that each worker then builds again for itself, so alone it
/// only costs more; beside other conditions their share of the work divides. At a million
/// conversations (release build over HTTP, median of 5, two rounds): `count?text=refund`
/// 516 → 630 ms with workers and as a substring 550 → 700, where
/// `action=utter_010&policy=TEDPolicy&time_of_day=08:00-12:00&text=refund` went 683 → 345.
fn gains_from_workers(filter: &ConversationFilter) -> bool {
    let without_text = ConversationFilter {
        text: None,
        text_mode: Default::default(),
        review_status: Vec::new(),
        sort: Default::default(),
        ..filter.clone()
    };
    filter.text.is_none() || without_text != ConversationFilter::default()
}

/// The filter without its review status (what the tabs count in each status).
fn without_status(filter: &ConversationFilter) -> ConversationFilter {
    ConversationFilter {
        review_status: Vec::new(),
        ..filter.clone()
    }
}

/// The counts per review status of `rest` (a filter without its review status) where they
/// are not one statement over the conversations: a sequence pattern's paths tested in the
/// server on PostgreSQL, an exclusion as a difference; `None` for the others.
fn counted_apart(
    conn: &mut DbConnection,
    pool: Option<&DbPool>,
    rest: &ConversationFilter,
) -> QueryResult<Option<Vec<(String, i64)>>> {
    if let Some(rows) = tested_apart::count_by_status_in_process(conn, pool, rest)? {
        return Ok(Some(rows));
    }
    complement::by_status_as_difference(conn, rest)
}

/// How many live conversations match the filter (its own review status left out) in each
/// review status, as `(status, count)` rows (a status with none may be missing): from the
/// maintained counts when the rest holds only channels or one tag, else counted in one grouped pass,
/// which costs about what one count of the filter costs.
pub fn count_by_status(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Vec<(String, i64)>> {
    count_by_status_reading_beside(conn, None, filter)
}

/// [`count_by_status`], reading a sequence pattern's paths on a second connection of `pool`
/// too, as [`count_reading_beside`] does.
fn count_by_status_reading_beside(
    conn: &mut DbConnection,
    pool: Option<&DbPool>,
    filter: &ConversationFilter,
) -> QueryResult<Vec<(String, i64)>> {
    if let Some(rows) = maintained_by_status(conn, filter)? {
        return Ok(rows);
    }
    counted_by_status(conn, pool, filter)
}

/// The tab counts of `filter` (its own review status left out) from the maintained counts:
/// channels' ([`crate::db::counts`]) or one tag's ([`crate::db::tag_counts`]); `None` for a
/// filter they do not answer.
fn maintained_by_status(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Option<Vec<(String, i64)>>> {
    if let Some(rows) = crate::db::counts::by_status(conn, filter)? {
        return Ok(Some(rows));
    }
    crate::db::tag_counts::by_status(conn, filter)
}

/// [`count_by_status`] counted over the conversations, for a caller that has already found
/// the filter not answered by the maintained counts.
fn counted_by_status(
    conn: &mut DbConnection,
    pool: Option<&DbPool>,
    filter: &ConversationFilter,
) -> QueryResult<Vec<(String, i64)>> {
    let rest = without_status(filter);
    if let Some(rows) = counted_apart(conn, pool, &rest)? {
        return Ok(rows);
    }
    by_status(filtered_for(conn.backend(), &rest), conn)
}

/// The live conversations of `query` per review status, in one pass: a conditional count per
/// status (diesel cannot group a boxed query).
pub(super) fn by_status(
    query: BoxedConversations<'_>,
    conn: &mut DbConnection,
) -> QueryResult<Vec<(String, i64)>> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    let [a, b, c] = ReviewStatus::ALL.map(|s| {
        // The statuses are this program's own constants, not input.
        sql::<BigInt>(&format!(
            "count(CASE WHEN conversations.review_status = '{}' THEN 1 END)",
            s.as_str()
        ))
    });
    let counts: (i64, i64, i64) = query.select((a, b, c)).get_result(conn)?;
    Ok(ReviewStatus::ALL
        .iter()
        .map(|s| s.as_str().to_owned())
        .zip([counts.0, counts.1, counts.2])
        .collect())
}

/// The share of the sample at or below which a filter is rare enough to try counting exactly
/// (0.5 %: 5,000 of a million conversations): its matches are few to gather, so the exact
/// count usually fits the time limit, and an estimate from a few matches would be coarse.
pub const RARE_SHARE: f64 = 0.005;

/// The most postings of its shortest posting list (from the facet counts) with which
/// PostgreSQL's exact tab count is tried within the limit: a count gathers them at 3–6 µs
/// each at a million (`action=utter_005`, 99,168 holders: 588 ms), so past this it cannot
/// finish within the inbox's 30 ms, and trying spent the whole limit before the estimate.
pub const EXACT_TRY_POSTINGS: i64 = 10_000;

/// The tab counts, exact or estimated (the flag: `true` when exact).
///
/// On SQLite the sample comes first (a few milliseconds): when it held every conversation it
/// is the exact count; when the filter is rare in it, the exact count is tried within
/// `limit`; otherwise, or when the limit is reached, the estimate answers. (SQLite checks the
/// limit only on the conversations a query visits, so an exact count tried first would gather
/// a common condition's matches before it could be stopped.) On PostgreSQL the exact count is
/// tried first: `statement_timeout` stops it anywhere, and a sample of 32 windows costs
/// PostgreSQL more than a small exact count (226 ms against 10 ms at 20,000 conversations).
pub fn count_by_status_or_estimate(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    limit: std::time::Duration,
) -> QueryResult<(Vec<(String, i64)>, bool)> {
    if let Some(rows) = maintained_by_status(conn, filter)? {
        return Ok((rows, true));
    }
    // An exclusion of a rare value costs what counting its holders costs: exact at once
    // when that fits the limit (only then: on PostgreSQL a limit is a transaction of its own).
    let rest = without_status(filter);
    if complement::applies(&rest) {
        let difference = |c: &mut DbConnection| complement::by_status_as_difference(c, &rest);
        if let Some(rows) = within(conn, limit, difference)?.flatten() {
            return Ok((rows, true));
        }
    }
    // Within the limit, one statement: a sequence pattern's count in the server
    // (`counted_by_status`) lists its candidates first, which no limit of tens of ms leaves
    // time for; with it, `just bench` at a million conversations measured PostgreSQL's view of
    // the two patterns with a common step at 163 ms (p50), against 46 – 51 ms the run before.
    let exact = |conn: &mut DbConnection| {
        within(conn, limit, |c| {
            by_status(filtered_for(c.backend(), &rest), c)
        })
    };
    if conn.backend() == Backend::Postgres {
        // Not tried when it would gather more postings than the limit leaves time for.
        let gathered = crate::db::plan::shortest_posting_list(conn, &rest)?.unwrap_or(0);
        if gathered <= EXACT_TRY_POSTINGS {
            if let Some(rows) = exact(conn)? {
                return Ok((rows, true));
            }
        }
        let size = if filter.text.is_some() || filter.sequence.is_some() {
            SampleSize::INBOX_SLOW_ROWS
        } else {
            SampleSize::INBOX
        };
        let estimate = estimate_by_status(conn, filter, size)?;
        return Ok((estimate.by_status, estimate.complete));
    }
    // A sequence pattern's paths cost SQLite what a text filter's messages cost PostgreSQL.
    let size = if filter.sequence.is_some() {
        SampleSize::INBOX_SLOW_ROWS
    } else {
        SampleSize::INBOX
    };
    let estimate = estimate_by_status(conn, filter, size)?;
    if estimate.complete {
        return Ok((estimate.by_status, true));
    }
    if estimate.matched_in_sample as f64 <= RARE_SHARE * estimate.sampled as f64 {
        if let Some(rows) = exact(conn)? {
            return Ok((rows, true));
        }
    }
    Ok((estimate.by_status, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(query: &str) -> ConversationFilter {
        ConversationFilter::from_query(query).unwrap()
    }

    #[test]
    fn only_a_text_condition_alone_is_counted_without_workers() {
        for alone in [
            "text=refund",
            "text=refund&text_mode=substring",
            "text=refund&review_status=unread",
            "text=refund&sort=oldest",
        ] {
            assert!(!gains_from_workers(&filter(alone)), "{alone}");
        }
        for beside in [
            "",
            "review_status=unread",
            "max_intent_confidence=0.3",
            "intent=intent_001",
            "text=refund&action=utter_010",
            "text=refund&channel=rest",
        ] {
            assert!(gains_from_workers(&filter(beside)), "{beside}");
        }
    }
}
