//! The inbox's statistics: the conversations a filter matches counted by the day they
//! started on and by lowest intent confidence. A filter of nothing but channels and review
//! statuses is read from counts maintained by triggers (migration
//! `2026-12-06-000190_inbox_stat_counts`); any other is counted with one SQL `GROUP BY` on
//! the listing's own filtered query (by the start day stored with each conversation, or per
//! quarter hour, which the service folds into days of the configured time zone, while the
//! stored days are of another zone), so both count exactly what the listing lists. A
//! sequence pattern on PostgreSQL is the exception: its candidates are listed with their keys
//! and their paths tested in the server, as its exact count does
//! ([`super::conversations::candidates_tested_apart`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::query_builder::QueryFragment;
use diesel::sql_types::{BigInt, Text};
use hindsight_types::{ConversationFilter, ReviewStatus};

use super::connection::{Backend, MultiBackend};
use super::conversations::{candidates_tested_apart, filtered_for, retain_matching};
use super::schema::conversations;
use super::DbConnection;

diesel::table! {
    /// Live conversations per channel ('' for none), review status and the day they started
    /// on (`conversations.start_day_local`: days since 1970-01-01 in the zone the `timezone`
    /// setting names). On PostgreSQL a key may have several rows (changes are appended, see
    /// the migration): always sum them.
    inbox_day_counts (channel, review_status, day) {
        channel -> Text,
        review_status -> Text,
        day -> BigInt,
        conversations -> BigInt,
    }
}

diesel::table! {
    /// Live conversations per channel, review status and lowest intent confidence bin (as
    /// [`BIN_SQL`] bins), summed like [`inbox_day_counts`].
    inbox_confidence_counts (channel, review_status, bin) {
        channel -> Text,
        review_status -> Text,
        bin -> BigInt,
        conversations -> BigInt,
    }
}

/// Appended rows (beyond one per key) past which a PostgreSQL reader folds the changes back
/// to one row per key.
const COMPACT_ROWS: usize = 2_048;

/// Matching conversations that started in one quarter hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuarterCount {
    /// Unix seconds of the quarter hour's start, divided by 900.
    pub quarter: i64,
    /// Conversations.
    pub conversations: i64,
    /// Of them, reviewed.
    pub reviewed: i64,
}

/// Matching conversations that started on one day of the zone the maintained counts were
/// computed in (the configured one: [`counts`] checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalDayCount {
    /// The day.
    pub day: NaiveDate,
    /// Conversations.
    pub conversations: i64,
    /// Of them, reviewed.
    pub reviewed: i64,
}

/// The raw counts of one filter, read from one snapshot: by start time either per quarter
/// hour (counted) or per day (maintained), the other empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawStats {
    /// By the quarter hour the conversation started in (its first event), ascending.
    pub quarters: Vec<QuarterCount>,
    /// By the day the conversation started on, ascending.
    pub local_days: Vec<LocalDayCount>,
    /// `(bin, conversations)` of the lowest intent confidence, bin -1 for none.
    pub bins: Vec<(i64, i64)>,
}

/// The quarter hour a conversation started in. Quarter hours, not days: every time zone's
/// offset is a whole number of quarter hours, so the service can fold them into the days of
/// any zone exactly (SQLite knows no time zones). Spelled per backend: SQLite keeps
/// timestamps as text (`strftime('%s')` reads them as UTC seconds), PostgreSQL as
/// `timestamp` (its epoch is read as UTC too).
fn quarter_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "CAST(strftime('%s', m.first_event_at) AS INTEGER) / 900",
        Backend::Postgres => "CAST(floor(extract(epoch FROM m.first_event_at) / 900) AS BIGINT)",
    }
}

/// The histogram bin of the lowest intent confidence, with the comparisons the
/// `min_intent_confidence` filter makes (`>=`), so bins `i` and up hold exactly what
/// `min_intent_confidence=i/10` lists. Portable SQL (a cast would round on one backend and
/// truncate on the other). Cast: PostgreSQL's CASE of literals is a 4-byte integer.
pub(super) const BIN_SQL: &str = "CAST(CASE WHEN m.min_intent_confidence IS NULL THEN -1 \
     WHEN m.min_intent_confidence >= 0.9 THEN 9 \
     WHEN m.min_intent_confidence >= 0.8 THEN 8 \
     WHEN m.min_intent_confidence >= 0.7 THEN 7 \
     WHEN m.min_intent_confidence >= 0.6 THEN 6 \
     WHEN m.min_intent_confidence >= 0.5 THEN 5 \
     WHEN m.min_intent_confidence >= 0.4 THEN 4 \
     WHEN m.min_intent_confidence >= 0.3 THEN 3 \
     WHEN m.min_intent_confidence >= 0.2 THEN 2 \
     WHEN m.min_intent_confidence >= 0.1 THEN 1 \
     ELSE 0 END AS BIGINT)";

/// `SELECT {columns} FROM (the listing's filtered query) AS m {tail}`, rows of `Row`: diesel
/// cannot group a boxed query, and the filter is only available boxed, so the grouping (or
/// the key computed per row) wraps it as a derived table (both backends flatten it into one
/// scan).
struct OverMatching<'a, Row> {
    columns: String,
    tail: &'static str,
    matching: Matching<'a>,
    row: std::marker::PhantomData<Row>,
}

impl<'a, Row> OverMatching<'a, Row> {
    fn new(columns: String, tail: &'static str, matching: Matching<'a>) -> Self {
        OverMatching {
            columns,
            tail,
            matching,
            row: std::marker::PhantomData,
        }
    }
}

type Matching<'a> = diesel::dsl::Select<
    conversations::BoxedQuery<'a, MultiBackend>,
    (
        conversations::id,
        conversations::first_event_at,
        conversations::start_day_local,
        conversations::review_status,
        conversations::min_intent_confidence,
    ),
>;

impl<Row> diesel::query_builder::QueryId for OverMatching<'_, Row> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Row: diesel::sql_types::SqlType> diesel::query_builder::Query for OverMatching<'_, Row> {
    type SqlType = Row;
}

impl<Row> QueryFragment<MultiBackend> for OverMatching<'_, Row> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, MultiBackend>,
    ) -> QueryResult<()> {
        out.push_sql("SELECT ");
        out.push_sql(&self.columns);
        out.push_sql(" FROM (");
        QueryFragment::<MultiBackend>::walk_ast(&self.matching, out.reborrow())?;
        out.push_sql(") AS m ");
        out.push_sql(self.tail);
        Ok(())
    }
}

impl<Row> RunQueryDsl<DbConnection> for OverMatching<'_, Row> {}

/// Bins a start key holds: the grouping key is `start * BINS_PER_START + bin + 1`.
const BINS_PER_START: i64 = 16;

/// Counts the conversations `filter` matches per start day (or quarter hour) and per
/// confidence bin, days taken in `tz`.
///
/// Both counts come from one snapshot, so their totals agree while imports run: a read-only
/// transaction, which on PostgreSQL is made REPEATABLE READ (its default, READ COMMITTED,
/// gives each statement its own snapshot); SQLite's WAL reader keeps one snapshot for the
/// whole transaction anyway. Not `write_transaction`: nothing is written, and SQLite's
/// `BEGIN IMMEDIATE` would take the write lock for a read.
pub fn counts(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    tz: chrono_tz::Tz,
) -> QueryResult<RawStats> {
    let backend = conn.backend();
    let (raw, appended) = conn.transaction(|conn| -> QueryResult<(RawStats, usize)> {
        if backend == Backend::Postgres {
            conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        if let Some(read) = maintained(conn, filter, tz)? {
            return Ok(read);
        }
        if let Some(read) = as_difference(conn, filter, tz)? {
            return Ok(read);
        }
        let days_current = days_current(conn, tz)?;
        Ok((scanned(conn, filter, days_current)?, 0))
    })?;
    if backend == Backend::Postgres && appended > COMPACT_ROWS {
        // Maintenance, not the answer: a failure (a lock timeout) leaves the rows to the next.
        if let Err(e) = super::write_transaction(conn, compact) {
            tracing::warn!(%e, "folding the inbox's day and confidence counts failed");
        }
    }
    Ok(raw)
}

/// Counts what `filter` matches from the conversations themselves, whatever it holds, in one
/// pass grouped by start and confidence bin: by the start day in `tz` when every
/// conversation's was computed in it (`days_current`), by the quarter hour otherwise.
pub fn scanned(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    days_current: bool,
) -> QueryResult<RawStats> {
    let backend = conn.backend();
    let start = match days_current {
        true => "m.start_day_local",
        false => quarter_sql(backend),
    };
    let columns = (
        conversations::id,
        conversations::first_event_at,
        conversations::start_day_local,
        conversations::review_status,
        conversations::min_intent_confidence,
    );
    let key = format!("({start}) * {BINS_PER_START} + {BIN_SQL} + 1");
    let groups: Vec<(i64, i64, i64)> = match candidates_tested_apart(backend, filter) {
        Some((candidates, pattern)) => {
            let keyed = OverMatching::new(
                format!("m.id, {key}, m.review_status"),
                "",
                candidates.select(columns),
            );
            grouped_in_process(conn, keyed, pattern)?
        }
        None => OverMatching::<(BigInt, BigInt, BigInt)>::new(
            format!(
                "{key}, COUNT(*), \
                 COUNT(CASE WHEN m.review_status = 'reviewed' THEN 1 END)"
            ),
            "GROUP BY 1",
            filtered_for(backend, filter).select(columns),
        )
        .load(conn)?,
    };
    let mut per_start: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    let mut per_bin: BTreeMap<i64, i64> = BTreeMap::new();
    for (key, conversations, reviewed) in groups {
        let entry = per_start.entry(key.div_euclid(BINS_PER_START)).or_default();
        entry.0 += conversations;
        entry.1 += reviewed;
        *per_bin
            .entry(key.rem_euclid(BINS_PER_START) - 1)
            .or_default() += conversations;
    }
    let counts = per_start.into_iter();
    let (quarters, local_days) = match days_current {
        true => (Vec::new(), local_days(counts)),
        false => (
            counts
                .map(|(quarter, (conversations, reviewed))| QuarterCount {
                    quarter,
                    conversations,
                    reviewed,
                })
                .collect(),
            Vec::new(),
        ),
    };
    Ok(RawStats {
        quarters,
        local_days,
        bins: per_bin.into_iter().collect(),
    })
}

/// `(key, conversations, reviewed)` per key of the candidates `keyed` lists (`(id, key,
/// review status)`) whose path matches `pattern`, tested in this process.
fn grouped_in_process(
    conn: &mut DbConnection,
    keyed: OverMatching<'_, (BigInt, BigInt, Text)>,
    pattern: &hindsight_types::SequencePattern,
) -> QueryResult<Vec<(i64, i64, i64)>> {
    let rows: Vec<(i64, i64, String)> = keyed.load(conn)?;
    let candidates = rows
        .into_iter()
        .map(|(id, key, status)| (id, (key, status)));
    let mut groups: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for (key, status) in retain_matching(conn, None, pattern, candidates.collect())? {
        let group = groups.entry(key).or_default();
        group.0 += 1;
        group.1 += i64::from(status == ReviewStatus::Reviewed.as_str());
    }
    Ok(groups
        .into_iter()
        .map(|(key, (n, reviewed))| (key, n, reviewed))
        .collect())
}

/// Days as days since 1970-01-01 with their counts, as dates; days without any left out.
fn local_days(days: impl Iterator<Item = (i64, (i64, i64))>) -> Vec<LocalDayCount> {
    let epoch = DateTime::UNIX_EPOCH.date_naive();
    days.filter(|(_, (n, _))| *n != 0)
        .map(|(day, (conversations, reviewed))| LocalDayCount {
            day: epoch + Duration::days(day),
            conversations,
            reviewed,
        })
        .collect()
}

/// Whether every conversation's start day was computed in `tz` (the `timezone` setting names
/// it), so that days can be read from them or from the maintained counts: not after a change
/// of zone until the start that recomputes them, nor after an import in another zone.
fn days_current(conn: &mut DbConnection, tz: chrono_tz::Tz) -> QueryResult<bool> {
    let stored = super::settings::get(conn, super::ingest::TIMEZONE_KEY)?;
    Ok(stored.as_deref() == Some(tz.name()))
}

/// The stats of `filter` from the maintained counts, with the number of appended rows read
/// beyond one per key (PostgreSQL's changes not folded yet); `None`
/// when the filter holds more than channels and review statuses ([`super::counts::answers`]),
/// or when the conversations' start days were not all computed in `tz` (a changed time zone
/// before the start that recomputes them, or an import in another zone since).
pub fn maintained(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    tz: chrono_tz::Tz,
) -> QueryResult<Option<(RawStats, usize)>> {
    if !super::counts::answers(filter) {
        return Ok(None);
    }
    if !days_current(conn, tz)? {
        return Ok(None);
    }
    let statuses: Vec<&str> = filter.review_status.iter().map(|s| s.as_str()).collect();
    let mut days = inbox_day_counts::table
        .select((
            inbox_day_counts::channel,
            inbox_day_counts::review_status,
            inbox_day_counts::day,
            inbox_day_counts::conversations,
        ))
        // The key's order: PostgreSQL then reads through the key's index (see db::counts).
        .order((
            inbox_day_counts::channel,
            inbox_day_counts::review_status,
            inbox_day_counts::day,
        ))
        .into_boxed();
    let mut bins = inbox_confidence_counts::table
        .select((
            inbox_confidence_counts::channel,
            inbox_confidence_counts::review_status,
            inbox_confidence_counts::bin,
            inbox_confidence_counts::conversations,
        ))
        .order((
            inbox_confidence_counts::channel,
            inbox_confidence_counts::review_status,
            inbox_confidence_counts::bin,
        ))
        .into_boxed();
    if !filter.channels.is_empty() {
        days = days.filter(inbox_day_counts::channel.eq_any(&filter.channels));
        bins = bins.filter(inbox_confidence_counts::channel.eq_any(&filter.channels));
    }
    if !statuses.is_empty() {
        days = days.filter(inbox_day_counts::review_status.eq_any(&statuses));
        bins = bins.filter(inbox_confidence_counts::review_status.eq_any(&statuses));
    }
    let day_rows: Vec<(String, String, i64, i64)> = days.load(conn)?;
    let bin_rows: Vec<(String, String, i64, i64)> = bins.load(conn)?;
    // Rows beyond one per key are appended changes not folded yet (the rows come in key
    // order, so a key is a row that differs from the one before).
    let appended = surplus(&day_rows) + surplus(&bin_rows);
    // Summed here, not by SQL: diesel types a BIGINT sum as NUMERIC.
    let mut per_day: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for (_, status, day, n) in day_rows {
        let entry = per_day.entry(day).or_default();
        entry.0 += n;
        if status == hindsight_types::ReviewStatus::Reviewed.as_str() {
            entry.1 += n;
        }
    }
    let mut per_bin: BTreeMap<i64, i64> = BTreeMap::new();
    for (_, _, bin, n) in bin_rows {
        *per_bin.entry(bin).or_default() += n;
    }
    let raw = RawStats {
        quarters: Vec::new(),
        local_days: local_days(per_day.into_iter()),
        bins: per_bin.into_iter().filter(|(_, n)| *n != 0).collect(),
    };
    Ok(Some((raw, appended)))
}

/// The stats of a filter that only excludes values of one kind (with channels and statuses
/// or not) as those of the filter without the exclusion (maintained) less those of the
/// excluded values' holders (counted), when the holders are fewer than half; with the
/// appended rows read as [`maintained`]. As the counts of such a filter
/// (`db::conversations::complement`): the conversations that do not hold a rare value are
/// nearly all of them, and counted directly they are read one by one.
fn as_difference(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    tz: chrono_tz::Tz,
) -> QueryResult<Option<(RawStats, usize)>> {
    let Some(difference) = super::conversations::complement::difference(filter) else {
        return Ok(None);
    };
    let Some((everything, appended)) = maintained(conn, &difference.without, tz)? else {
        return Ok(None);
    };
    let live = everything.local_days.iter().map(|d| d.conversations).sum();
    if !difference.holders_are_few(conn, live)? {
        return Ok(None);
    }
    // `maintained` answered, so the stored start days are of `tz`.
    let held = scanned(conn, &difference.holding, true)?;
    Ok(Some((everything.less(&held), appended)))
}

impl RawStats {
    /// These counts less `other`'s, both by day; keys left at zero dropped.
    fn less(&self, other: &RawStats) -> RawStats {
        let mut days: BTreeMap<NaiveDate, (i64, i64)> = self
            .local_days
            .iter()
            .map(|d| (d.day, (d.conversations, d.reviewed)))
            .collect();
        for d in &other.local_days {
            let entry = days.entry(d.day).or_default();
            entry.0 -= d.conversations;
            entry.1 -= d.reviewed;
        }
        let mut bins: BTreeMap<i64, i64> = self.bins.iter().copied().collect();
        for &(bin, n) in &other.bins {
            *bins.entry(bin).or_default() -= n;
        }
        RawStats {
            quarters: Vec::new(),
            local_days: days
                .into_iter()
                .filter(|(_, (n, _))| *n != 0)
                .map(|(day, (conversations, reviewed))| LocalDayCount {
                    day,
                    conversations,
                    reviewed,
                })
                .collect(),
            bins: bins.into_iter().filter(|(_, n)| *n != 0).collect(),
        }
    }
}

/// Rows of `(channel, status, key, count)` in key order beyond one per key.
fn surplus(rows: &[(String, String, i64, i64)]) -> usize {
    let keys = 1 + rows
        .windows(2)
        .filter(|w| (&w[0].0, &w[0].1, w[0].2) != (&w[1].0, &w[1].1, w[1].2))
        .count();
    rows.len().saturating_sub(keys)
}

/// Folds PostgreSQL's appended day and confidence counts into one row per key, in the
/// caller's transaction; nothing on SQLite (one row per key already). One compactor at a
/// time, the others skip (as [`super::counts::compact`]).
pub fn compact(conn: &mut DbConnection) -> QueryResult<()> {
    // Only PostgreSQL appends rows, and only it has advisory locks.
    let DbConnection::Pg(pg) = conn else {
        return Ok(());
    };
    // Its own key (the inbox counts' plus one): folding these never waits on folding those.
    if !super::counts::try_transaction_lock(pg, 7308604897068083572)? {
        return Ok(());
    }
    pg.batch_execute(
        "WITH gone AS (DELETE FROM inbox_day_counts \
             RETURNING channel, review_status, day, conversations) \
         INSERT INTO inbox_day_counts (channel, review_status, day, conversations) \
         SELECT channel, review_status, day, sum(conversations) FROM gone \
         GROUP BY channel, review_status, day HAVING sum(conversations) <> 0; \
         WITH gone AS (DELETE FROM inbox_confidence_counts \
             RETURNING channel, review_status, bin, conversations) \
         INSERT INTO inbox_confidence_counts (channel, review_status, bin, conversations) \
         SELECT channel, review_status, bin, sum(conversations) FROM gone \
         GROUP BY channel, review_status, bin HAVING sum(conversations) <> 0",
    )
}
