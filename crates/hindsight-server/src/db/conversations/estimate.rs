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

    /// The sample a page's plan is judged from when [`Self::PAGE_FIRST`] leaves it in doubt.
    pub const PAGE: SampleSize = SampleSize {
        windows: 16,
        ids_per_window: 64,
    };

    /// The sample a page's plan is judged from first: [`Self::PAGE`]'s windows, a quarter of
    /// each. At a million on PostgreSQL the whole page sample of
    /// `intent:intent_000 > !action:utter_000 > end` tested 1,024 paths in 7.0 ms, longer than
    /// the page's rows (4.8 ms).
    pub const PAGE_FIRST: SampleSize = SampleSize {
        windows: 16,
        ids_per_window: 16,
    };

    /// The first glance at a page's density, before [`Self::PAGE_FIRST`]: its windows, four ids
    /// of each. A common filter shows within 64 conversations: at a million on PostgreSQL the
    /// 256 paths of `intent:intent_000 > !action:utter_000 > end`'s first sample (17 % match)
    /// were 3 – 4 ms of its 10 ms page, where its rows take 4 – 5 ms.
    pub const PAGE_GLANCE: SampleSize = SampleSize {
        windows: 16,
        ids_per_window: 4,
    };
}

/// The samples a page's plan reads in turn until one decides ([`page_walks`]): each reads the
/// same windows, deeper. SQLite skips the glance: it tests a sample a window at a time, so a
/// sample more is sixteen statements more, and at a million the filters of middling density
/// it leaves undecided (`4: action + policy + morning + text`, 2-step patterns) took 1 – 3 ms
/// longer, where a common one saved under 1.
fn page_samples(backend: Backend) -> &'static [SampleSize] {
    match backend {
        Backend::Postgres => &[
            SampleSize::PAGE_GLANCE,
            SampleSize::PAGE_FIRST,
            SampleSize::PAGE,
        ],
        Backend::Sqlite => &[SampleSize::PAGE_FIRST, SampleSize::PAGE],
    }
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

/// Ids a PostgreSQL sample lists one by one, up to: a few hundred ids are read by index as
/// an array, where their ranges cost PostgreSQL a bitmap per range (a page's first sample,
/// 16 ranges of 16 ids, counted in 0.73 ms as ranges and 0.37 ms as an array, at a million).
/// Far more are read by range (see `in_sample`).
const POSTGRES_LISTED_SAMPLE_IDS: i64 = 1_024;

/// The SQL condition of the windows starting at `firsts`, `skip` ids into each, up to
/// `window` ids from each start.
fn sample_condition(backend: Backend, firsts: &[i64], skip: i64, window: i64) -> String {
    // No conversation yet: an empty sample (and valid SQL).
    if firsts.is_empty() || skip >= window {
        return "FALSE".to_owned();
    }
    let listed = firsts.len() as i64 * (window - skip);
    // Which form each backend reads fastest (see `POSTGRES_LISTED_SAMPLE_IDS`).
    if backend == Backend::Postgres && listed <= POSTGRES_LISTED_SAMPLE_IDS {
        let ids: Vec<String> = firsts
            .iter()
            .flat_map(|f| (f + skip..f + window).map(|id| id.to_string()))
            .collect();
        return format!("conversations.id = ANY('{{{}}}'::BIGINT[])", ids.join(","));
    }
    firsts
        .iter()
        .map(|f| {
            format!(
                "conversations.id BETWEEN {} AND {}",
                f + skip,
                f + window - 1
            )
        })
        .collect::<Vec<_>>()
        .join(" OR ")
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
    let rest = without_status(filter);
    let frame = SampleFrame::read(conn, &rest)?;
    estimate_in_windows(conn, &rest, &frame, size, 0)
}

/// What every sample of a filter reads alike, read once for all the samples a page reads in
/// turn ([`page_walks`]).
struct SampleFrame {
    /// The largest id: the windows are spread up to it.
    last_id: i64,
    /// Live conversations per review status (the maintained counts).
    population: Vec<(String, i64)>,
    /// SQLite: every conversation's path is current (see `Plan::paths_current`).
    paths_current: bool,
    /// PostgreSQL: the holders of the filter's any-of feature kinds, and of its pattern's step
    /// features (see `estimate_in_windows`).
    kind_postings: Vec<(&'static str, i64)>,
    step_postings: Vec<((&'static str, String), i64)>,
}

impl SampleFrame {
    fn read(conn: &mut DbConnection, rest: &ConversationFilter) -> QueryResult<SampleFrame> {
        let last_id: Option<i64> = conversations::table
            .select(max(conversations::id))
            .first(conn)?;
        // The empty filter is always answered from the maintained counts.
        let population =
            crate::db::counts::by_status(conn, &ConversationFilter::default())?.unwrap_or_default();
        // Each backend tests the sample its own way (see `estimate_in_windows`).
        let (paths_current, kind_postings, step_postings) = match conn.backend() {
            Backend::Sqlite => (
                !crate::db::paths::rewrite_needed(conn)?,
                Vec::new(),
                Vec::new(),
            ),
            Backend::Postgres => (
                false,
                crate::db::plan::feature_postings(conn, rest)?,
                crate::db::plan::step_feature_postings(conn, rest)?,
            ),
        };
        Ok(SampleFrame {
            last_id: last_id.unwrap_or(0),
            population,
            paths_current,
            kind_postings,
            step_postings,
        })
    }
}

/// The filter less its review status: the sample counts each status's matches.
fn without_status(filter: &ConversationFilter) -> ConversationFilter {
    ConversationFilter {
        review_status: Vec::new(),
        ..filter.clone()
    }
}

/// [`estimate_by_status`] over the sample's windows less their first `skip` ids each (read
/// already by a smaller sample of the same windows), of the filter less its status, `rest`.
fn estimate_in_windows(
    conn: &mut DbConnection,
    rest: &ConversationFilter,
    frame: &SampleFrame,
    size: SampleSize,
    skip: i64,
) -> QueryResult<Estimate> {
    let last_id = frame.last_id;
    let window = size.ids_per_window.max(1);
    let step = (last_id / size.windows.max(1)).max(window);
    let firsts: Vec<i64> = (0..)
        .map(|k| 1 + k * step)
        .take_while(|first| *first <= last_id)
        .collect();
    let backend = conn.backend();
    let ranges = sample_condition(backend, &firsts, skip, window);
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
                paths_current: frame.paths_current,
                ..Plan::on(Backend::Sqlite)
            };
            for first in firsts {
                plan.ids = Some((first..first + window).collect());
                add_up(
                    &mut matched,
                    super::by_status(filtered_on(rest, &plan), conn)?,
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
            let sampled_ids = firsts.len() as i64 * (window - skip);
            let many = |postings: i64| postings > HASHED_POSTINGS_PER_SAMPLED_ID * sampled_ids;
            let fenced_kinds = frame
                .kind_postings
                .iter()
                .filter(|(_, postings)| many(*postings))
                .map(|(kind, _)| *kind)
                .collect();
            let fenced_step_features = frame
                .step_postings
                .iter()
                .filter(|(_, postings)| many(*postings))
                .map(|(feature, _)| feature.clone())
                .collect();
            let plan = Plan {
                sample: true,
                fenced_kinds,
                fenced_step_features,
                ..Plan::on(Backend::Postgres)
            };
            let rows = in_sample(filtered_on(rest, &plan), &ranges);
            add_up(&mut matched, super::by_status(rows, conn)?);
        }
    }
    let live = frame.population.iter().map(|(_, n)| n).sum();
    let by_status = frame
        .population
        .iter()
        .cloned()
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
        complete: step == window && skip == 0,
    })
}

/// Whether a page walks its order testing each row rather than gathering the filter's
/// matches, judged by `walks(density, live conversations)` from the share of a sample that
/// matched. `walks` may only turn from false to true as the density grows (walking costs less
/// and gathering more the denser the matches).
///
/// [`SampleSize::PAGE_GLANCE`] is read first (on PostgreSQL: [`page_samples`]) and decides
/// unless its matches leave the density on both sides of where `walks` turns
/// ([`first_sample_decides`]); then the rest of [`SampleSize::PAGE_FIRST`]'s windows, the same
/// way, and last the rest of [`SampleSize::PAGE`]'s. A common filter, most of them, pays the
/// first sample only; one whose density lies near the turn reads them all.
pub fn page_walks(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    walks: impl Fn(f64, i64) -> bool,
) -> QueryResult<bool> {
    let (mut matched, mut sampled) = (0, 0);
    let rest = without_status(filter);
    let frame = SampleFrame::read(conn, &rest)?;
    let population = frame.population.iter().map(|(_, n)| n).sum();
    // Each sample reads its windows past the ids the smaller one read.
    let mut skip = 0;
    let samples = page_samples(conn.backend());
    for (i, &size) in samples.iter().enumerate() {
        let read = estimate_in_windows(conn, &rest, &frame, size, skip)?;
        if read.complete {
            return Ok(walks(density_of(&read), population));
        }
        matched += read.matched_in_sample;
        sampled += read.sampled;
        skip = size.ids_per_window;
        if i + 1 < samples.len() {
            let decided = first_sample_decides(matched, sampled, |d| walks(d, population));
            if let Some(walk) = decided {
                return Ok(walk);
            }
        }
    }
    Ok(walks(matched as f64 / sampled.max(1) as f64, population))
}

/// The share of the sample that matched.
fn density_of(estimate: &Estimate) -> f64 {
    estimate.matched_in_sample as f64 / estimate.sampled.max(1) as f64
}

/// What `walks` decides for `matched` of `sampled`, when it decides alike over the density's
/// range: three standard deviations of the matches either side (as a Poisson count), and three
/// matches more above, the range a sample without matches leaves. Wider than two: a window's
/// consecutive ids match alike more often than ids drawn apart (conversations imported or
/// tagged together). `None` when the range straddles the turn.
pub fn first_sample_decides(
    matched: i64,
    sampled: i64,
    walks: impl Fn(f64) -> bool,
) -> Option<bool> {
    if sampled <= 0 {
        return None;
    }
    let (m, n) = (matched as f64, sampled as f64);
    let spread = 3.0 * m.sqrt();
    let low = ((m - spread).max(0.0) / n).min(1.0);
    let high = ((m + spread + 3.0) / n).min(1.0);
    let (at_low, at_high) = (walks(low), walks(high));
    (at_low == at_high).then(|| walks(m / n))
}

#[cfg(test)]
mod tests {
    use super::{first_sample_decides, page_samples, Backend};

    #[test]
    fn each_page_sample_reads_the_same_windows_deeper() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let samples = page_samples(backend);
            assert!(samples.len() >= 2);
            for pair in samples.windows(2) {
                // The next sample skips the ids the one before read: same windows, deeper.
                assert_eq!(pair[0].windows, pair[1].windows);
                assert!(pair[0].ids_per_window < pair[1].ids_per_window);
            }
        }
        // Only PostgreSQL, which reads a sample in one statement, glances first.
        assert_eq!(page_samples(Backend::Postgres)[0].ids_per_window, 4);
        assert_eq!(page_samples(Backend::Sqlite)[0].ids_per_window, 16);
    }

    #[test]
    fn the_first_sample_decides_only_far_from_the_turn() {
        // Walks from 2 % up.
        let walks = |d: f64| d >= 0.02;
        // 44 of 256 (17 %): even 9.4 % walks.
        assert_eq!(first_sample_decides(44, 256, walks), Some(true));
        // None of 256: up to 1.2 %, which gathers.
        assert_eq!(first_sample_decides(0, 256, walks), Some(false));
        // 4 of 256 (1.6 %): 0 to 4.6 %, straddling 2 %.
        assert_eq!(first_sample_decides(4, 256, walks), None);
        // A threshold under what a sample of none can rule out: the whole sample decides.
        assert_eq!(first_sample_decides(0, 256, |d| d >= 0.005), None);
        assert_eq!(first_sample_decides(5, 0, walks), None);
    }
}
