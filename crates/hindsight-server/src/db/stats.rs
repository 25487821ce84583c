//! The inbox's statistics: the conversations a filter matches counted by start time (per
//! quarter hour, which the service folds into days of the configured time zone) and by
//! lowest intent confidence, with SQL `GROUP BY` on the listing's own filtered query, so they
//! count exactly what the listing lists.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::query_builder::QueryFragment;
use diesel::sql_types::BigInt;
use hindsight_types::ConversationFilter;

use super::connection::{Backend, MultiBackend};
use super::conversations::filtered_for;
use super::schema::conversations;
use super::DbConnection;

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

/// The raw counts of one filter, read from one snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawStats {
    /// By the quarter hour the conversation started in (its first event), ascending.
    pub quarters: Vec<QuarterCount>,
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
const BIN_SQL: &str = "CAST(CASE WHEN m.min_intent_confidence IS NULL THEN -1 \
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

/// `SELECT key, COUNT(*), reviewed FROM (the listing's filtered query) AS m GROUP BY 1`:
/// diesel cannot group a boxed query, and the filter is only available boxed, so the
/// grouping wraps it as a derived table (both backends flatten it into one scan).
struct GroupedCounts<'a> {
    key: &'static str,
    matching: Matching<'a>,
}

type Matching<'a> = diesel::dsl::Select<
    conversations::BoxedQuery<'a, MultiBackend>,
    (
        conversations::first_event_at,
        conversations::review_status,
        conversations::min_intent_confidence,
    ),
>;

impl diesel::query_builder::QueryId for GroupedCounts<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for GroupedCounts<'_> {
    type SqlType = (BigInt, BigInt, BigInt);
}

impl QueryFragment<MultiBackend> for GroupedCounts<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, MultiBackend>,
    ) -> QueryResult<()> {
        out.push_sql("SELECT ");
        out.push_sql(self.key);
        out.push_sql(", COUNT(*), COUNT(CASE WHEN m.review_status = 'reviewed' THEN 1 END) FROM (");
        QueryFragment::<MultiBackend>::walk_ast(&self.matching, out.reborrow())?;
        out.push_sql(") AS m GROUP BY 1 ORDER BY 1");
        Ok(())
    }
}

impl RunQueryDsl<DbConnection> for GroupedCounts<'_> {}

fn grouped(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    key: &'static str,
) -> QueryResult<Vec<(i64, i64, i64)>> {
    let matching = filtered_for(conn.backend(), filter).select((
        conversations::first_event_at,
        conversations::review_status,
        conversations::min_intent_confidence,
    ));
    GroupedCounts { key, matching }.load(conn)
}

/// Counts the conversations `filter` matches per start quarter hour and per confidence bin.
///
/// Both counts come from one snapshot, so their totals agree while imports run: a read-only
/// transaction, which on PostgreSQL is made REPEATABLE READ (its default, READ COMMITTED,
/// gives each statement its own snapshot); SQLite's WAL reader keeps one snapshot for the
/// whole transaction anyway. Not `write_transaction`: nothing is written, and SQLite's
/// `BEGIN IMMEDIATE` would take the write lock for a read.
pub fn counts(conn: &mut DbConnection, filter: &ConversationFilter) -> QueryResult<RawStats> {
    let backend = conn.backend();
    conn.transaction(|conn| {
        if backend == Backend::Postgres {
            conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        let quarters = grouped(conn, filter, quarter_sql(backend))?;
        let bins = grouped(conn, filter, BIN_SQL)?;
        Ok(RawStats {
            quarters: quarters
                .into_iter()
                .map(|(quarter, conversations, reviewed)| QuarterCount {
                    quarter,
                    conversations,
                    reviewed,
                })
                .collect(),
            bins: bins.into_iter().map(|(bin, n, _)| (bin, n)).collect(),
        })
    })
}
