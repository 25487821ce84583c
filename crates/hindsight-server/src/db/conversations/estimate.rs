//! Tab counts estimated from a sample, for filters whose exact count would keep the inbox
//! waiting (a common word, a confidence range over a million conversations). The filter is
//! tested row by row on windows of consecutive ids spread evenly over all ids; each review
//! status's share of matches in the sample scales that status's maintained total.

use std::collections::BTreeMap;

use diesel::dsl::max;
use diesel::prelude::*;
use hindsight_types::ConversationFilter;

use diesel::dsl::sql;
use diesel::sql_types::Bool;

use super::filter::{filtered_on, Plan};
use super::BoxedConversations;
use crate::db::connection::Backend;
use crate::db::schema::conversations;
use crate::db::DbConnection;

/// How many conversations a sample reads: `windows` runs of `ids_per_window` consecutive ids.
#[derive(Debug, Clone, Copy)]
pub struct SampleSize {
    /// Runs of consecutive ids, spread evenly over all ids.
    pub windows: i64,
    /// Ids per run.
    pub ids_per_window: i64,
}

impl SampleSize {
    /// The inbox's sample: 8,192 conversations, read in about 25 ms at a million on SQLite;
    /// a filter matching 5 % is estimated within about ±0.5 percentage points (95 %).
    pub const INBOX: SampleSize = SampleSize {
        windows: 32,
        ids_per_window: 256,
    };

    /// The inbox's sample for a filter the backend tests slowly row by row, a quarter of
    /// [`Self::INBOX`]. On PostgreSQL a text filter (each sampled conversation's messages,
    /// about 19 µs a conversation at a million, 157 ms for the whole inbox sample) or a
    /// sequence pattern (its regular expression over the path, about 7 µs; the whole inbox
    /// sample of `intent:intent_000 > !action:utter_000 > end` 97 ms). On SQLite a sequence
    /// pattern: each candidate's path read and matched; at a million, the tab counts' estimate
    /// of the bench's five patterns took 9–17 ms with the inbox sample, longer than their page
    /// (7 ms), and 4–7 ms with this one (over HTTP, median of 11, two rounds). A filter
    /// matching 15 % of the conversations is estimated within about ±1.6 percentage points
    /// (those five patterns' totals: 0.3–6.9 % off with the inbox sample, 0.0–16.7 % with
    /// this one), until the exact count replaces it.
    pub const INBOX_SLOW_ROWS: SampleSize = SampleSize {
        windows: 32,
        ids_per_window: 64,
    };
}

/// How many postings of a feature PostgreSQL hashes in the time it looks up the feature for
/// one sampled conversation (0.37 µs a posting hashed, about 3.5 µs a lookup, at a million):
/// past that many per sampled conversation, the lookups are cheaper.
const HASHED_POSTINGS_PER_SAMPLED_ID: i64 = 10;

/// An estimate of the tab counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// `(review status, conversations)`, as [`super::count_by_status`] answers.
    pub by_status: Vec<(String, i64)>,
    /// Conversations of the sample that matched.
    pub matched_in_sample: i64,
    /// Live conversations in the sample.
    pub sampled: i64,
    /// Live conversations in all.
    pub population: i64,
    /// The sample held every conversation: the estimate is the exact count.
    pub complete: bool,
}

/// `(review status, conversations)` rows summed into a map.
fn add_up(into: &mut BTreeMap<String, i64>, rows: Vec<(String, i64)>) {
    for (status, n) in rows {
        *into.entry(status).or_default() += n;
    }
}

/// `q` restricted to the sample: its windows `ranges` (SQL), an id range each. Both backends
/// read them by primary key, a range at a time: PostgreSQL scanned the whole table for the
/// sample's 8,192 ids as one array (172 ms at a million); SQLite took 5–7 ms to count the
/// sample's live conversations from them as a list (each id a bound parameter, sorted into
/// a temporary index first), 2.5–3 ms from the ranges.
fn in_sample<'a>(q: BoxedConversations<'a>, ranges: &str) -> BoxedConversations<'a> {
    q.filter(sql::<Bool>(&format!("({ranges})")))
}

/// Estimates [`super::count_by_status`] from a sample of `size`: each status's matches in the
/// sample, scaled by that status's live conversations over its conversations in the sample.
pub fn estimate_by_status(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    size: SampleSize,
) -> QueryResult<Estimate> {
    let rest = ConversationFilter {
        review_status: Vec::new(),
        ..filter.clone()
    };
    let last_id: Option<i64> = conversations::table
        .select(max(conversations::id))
        .first(conn)?;
    let last_id = last_id.unwrap_or(0);
    // The empty filter is always answered from the maintained counts.
    let population =
        crate::db::counts::by_status(conn, &ConversationFilter::default())?.unwrap_or_default();
    let window = size.ids_per_window.max(1);
    let step = (last_id / size.windows.max(1)).max(window);
    let firsts: Vec<i64> = (0..)
        .map(|k| 1 + k * step)
        .take_while(|first| *first <= last_id)
        .collect();
    // No conversation yet: an empty sample (and valid SQL).
    let ranges = if firsts.is_empty() {
        "FALSE".to_owned()
    } else {
        firsts
            .iter()
            .map(|f| format!("conversations.id BETWEEN {f} AND {}", f + window - 1))
            .collect::<Vec<_>>()
            .join(" OR ")
    };
    let backend = conn.backend();
    // The sample's live conversations per status, in one query.
    let mut sampled = BTreeMap::new();
    let live_rows = in_sample(
        conversations::table
            .filter(conversations::deleted_at.is_null())
            .into_boxed(),
        &ranges,
    );
    add_up(&mut sampled, super::by_status(live_rows, conn)?);
    let mut matched = BTreeMap::new();
    match backend {
        // SQLite: the filter a window at a time, every condition tested row by row: the
        // window's few ids keep SQLite reading by id rather than through another condition's
        // index, and bound the text filter's index range.
        Backend::Sqlite => {
            let mut plan = Plan {
                paths_current: !crate::db::paths::rewrite_needed(conn)?,
                ..Plan::on(Backend::Sqlite)
            };
            for first in firsts {
                plan.ids = Some((first..first + window).collect());
                add_up(
                    &mut matched,
                    super::by_status(filtered_on(&rest, &plan), conn)?,
                );
            }
        }
        // PostgreSQL: the whole sample in one statement, so that its planner weighs probing
        // each sampled conversation against reading a condition's matches once (an intent's
        // 44,627 postings hashed: 11 ms); a statement per window read them once per window
        // (32 times, 320 ms). See `Plan::sample`.
        // A feature held by many conversations is looked up per sampled conversation: its
        // statistics led PostgreSQL to expect 28,967 holders of `entity=city` (208,651 at a
        // million) and hash them all (77 ms of the sample's 85), where the lookups take 30.
        Backend::Postgres => {
            // So are a sequence pattern's step features: the sample of
            // `intent:intent_003 > intent:intent_000 > action:utter_002 > end` hashed the
            // 101,049 holders of `intent_003` (22,936 expected), 55 ms of a page's 104 ms.
            let sampled_ids = firsts.len() as i64 * window;
            let many = |postings: i64| postings > HASHED_POSTINGS_PER_SAMPLED_ID * sampled_ids;
            let fenced_kinds = crate::db::plan::feature_postings(conn, &rest)?
                .into_iter()
                .filter(|(_, postings)| many(*postings))
                .map(|(kind, _)| kind)
                .collect();
            let fenced_step_features = crate::db::plan::step_feature_postings(conn, &rest)?
                .into_iter()
                .filter(|(_, postings)| many(*postings))
                .map(|(feature, _)| feature)
                .collect();
            let plan = Plan {
                sample: true,
                fenced_kinds,
                fenced_step_features,
                ..Plan::on(Backend::Postgres)
            };
            let rows = in_sample(filtered_on(&rest, &plan), &ranges);
            add_up(&mut matched, super::by_status(rows, conn)?);
        }
    }
    let live = population.iter().map(|(_, n)| n).sum();
    let by_status = population
        .into_iter()
        .map(|(status, live)| {
            let seen = sampled.get(&status).copied().unwrap_or(0);
            let hits = matched.get(&status).copied().unwrap_or(0);
            let estimate = if seen == 0 {
                0
            } else {
                (live as f64 * hits as f64 / seen as f64).round() as i64
            };
            (status, estimate)
        })
        .collect();
    Ok(Estimate {
        by_status,
        matched_in_sample: matched.values().sum(),
        sampled: sampled.values().sum(),
        population: live,
        complete: step == window,
    })
}
