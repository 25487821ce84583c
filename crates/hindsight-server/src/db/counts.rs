//! Maintained counts of live conversations per (channel, review status), kept by triggers
//! (migration `2026-12-02-000060_inbox_counts`) and, for new conversations on SQLite, by the
//! importer ([`count_new_conversations`]): the total of a filter that holds nothing but
//! channels and review statuses — the inbox with no filter, its tabs, a channel — is a sum of
//! a few rows instead of a count over every conversation.

use diesel::prelude::*;
use hindsight_types::ConversationFilter;

use super::connection::Backend;
use super::DbConnection;

diesel::table! {
    /// Live conversations per channel ('' for none) and review status. On PostgreSQL a key
    /// may have several rows (changes are appended, see the migration): always sum them.
    inbox_counts (channel, review_status) {
        channel -> Text,
        review_status -> Text,
        conversations -> BigInt,
    }
}

/// Rows past which a PostgreSQL reader folds the appended changes back to one row per key.
const COMPACT_ROWS: usize = 512;

/// The key's order, in which the readers ask for the rows: so that PostgreSQL reads them
/// through the key's index rather than the whole heap. Every appended change leaves a dead
/// row once folded, and a table whose few live rows were appended last cannot be truncated
/// by a vacuum: after a million conversations were imported the table was 30 MB for 18 rows,
/// and reading all of it took 6 ms, against 0.5 ms through the index (the same 18 rows).
/// SQLite reads its primary key in that order anyway.
const KEY_ORDER: (inbox_counts::channel, inbox_counts::review_status) =
    (inbox_counts::channel, inbox_counts::review_status);

/// Whether the filter's total can be read from the maintained counts: it holds nothing but
/// channels and review statuses (and an order). A channel spelled `''` cannot, since the
/// counts use `''` for conversations without one.
pub fn answers(filter: &ConversationFilter) -> bool {
    let rest = ConversationFilter {
        channels: Vec::new(),
        review_status: Vec::new(),
        sort: Default::default(),
        ..filter.clone()
    };
    rest == ConversationFilter::default() && !filter.channels.iter().any(String::is_empty)
}

/// The number of live conversations matching `filter` from the maintained counts, or `None`
/// when the filter holds other conditions ([`answers`]).
pub fn total(conn: &mut DbConnection, filter: &ConversationFilter) -> QueryResult<Option<i64>> {
    if !answers(filter) {
        return Ok(None);
    }
    let mut q = inbox_counts::table
        .select(inbox_counts::conversations)
        .order(KEY_ORDER)
        .into_boxed();
    if !filter.channels.is_empty() {
        q = q.filter(inbox_counts::channel.eq_any(&filter.channels));
    }
    if !filter.review_status.is_empty() {
        let statuses: Vec<&str> = filter.review_status.iter().map(|s| s.as_str()).collect();
        q = q.filter(inbox_counts::review_status.eq_any(statuses));
    }
    // Summed here, not by SQL: diesel types a BIGINT sum as NUMERIC.
    let rows: Vec<i64> = q.load(conn)?;
    if rows.len() > COMPACT_ROWS && conn.backend() == Backend::Postgres {
        // Maintenance, not the answer: a failure (a lock timeout) leaves the rows to the next.
        if let Err(e) = super::write_transaction(conn, compact) {
            tracing::warn!(%e, "folding the inbox counts failed");
        }
    }
    Ok(Some(rows.iter().sum()))
}

/// Live conversations per review status matching `filter` (its own review status left out),
/// from the maintained counts; `None` when the rest holds other conditions than channels.
pub fn by_status(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Option<Vec<(String, i64)>>> {
    let rest = ConversationFilter {
        review_status: Vec::new(),
        ..filter.clone()
    };
    if !answers(&rest) {
        return Ok(None);
    }
    let mut q = inbox_counts::table
        .select((inbox_counts::review_status, inbox_counts::conversations))
        .order(KEY_ORDER)
        .into_boxed();
    if !rest.channels.is_empty() {
        q = q.filter(inbox_counts::channel.eq_any(&rest.channels));
    }
    let rows: Vec<(String, i64)> = q.load(conn)?;
    let mut sums: std::collections::BTreeMap<String, i64> = Default::default();
    for (status, n) in rows {
        *sums.entry(status).or_default() += n;
    }
    Ok(Some(sums.into_iter().collect()))
}

/// Counts the conversations an import batch created (every id after `before`) in the inbox
/// counts and in the day and confidence counts of [`super::stats`], one statement per table
/// for the whole batch rather than a trigger per row (migration
/// `2026-12-06-000190_inbox_stat_counts`). The batch's transaction holds SQLite's write lock,
/// so the ids after `before` are exactly the batch's. Nothing on PostgreSQL, where the
/// triggers count them (a statement-level one for the day and confidence counts).
pub fn count_new_conversations(conn: &mut DbConnection, before: i64) -> QueryResult<()> {
    use diesel::sql_types::BigInt;
    // Only SQLite leaves new conversations to the importer: see the migration.
    let DbConnection::Sqlite(c) = conn else {
        return Ok(());
    };
    let bin = super::stats::BIN_SQL;
    for (table, key, key_sql, positions) in [
        (
            "inbox_counts",
            "channel, review_status",
            "coalesce(m.channel, ''), m.review_status",
            "1, 2",
        ),
        (
            "inbox_day_counts",
            "channel, review_status, day",
            "coalesce(m.channel, ''), m.review_status, m.start_day_local",
            "1, 2, 3",
        ),
        (
            "inbox_confidence_counts",
            "channel, review_status, bin",
            &format!("coalesce(m.channel, ''), m.review_status, {bin}"),
            "1, 2, 3",
        ),
    ] {
        // `WHERE` before `ON CONFLICT`, as SQLite's upsert from a SELECT requires.
        diesel::sql_query(format!(
            "INSERT INTO {table} ({key}, conversations) SELECT {key_sql}, count(*) \
             FROM conversations AS m WHERE m.id > ? AND m.deleted_at IS NULL \
             GROUP BY {positions} \
             ON CONFLICT ({key}) DO UPDATE SET conversations = conversations + excluded.conversations"
        ))
        .bind::<BigInt, _>(before)
        .execute(c)?;
    }
    Ok(())
}

/// Every key's count, summed: `(channel, review status, live conversations)`, for checks.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, i64)>> {
    let rows: Vec<(String, String, i64)> = inbox_counts::table
        .select((
            inbox_counts::channel,
            inbox_counts::review_status,
            inbox_counts::conversations,
        ))
        .load(conn)?;
    let mut sums: std::collections::BTreeMap<(String, String), i64> = Default::default();
    for (channel, status, n) in rows {
        *sums.entry((channel, status)).or_default() += n;
    }
    Ok(sums
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|((c, s), n)| (c, s, n))
        .collect())
}

/// Folds PostgreSQL's appended changes into one row per key, in the caller's transaction;
/// nothing on SQLite (one row per key already). Only one compactor at a time: the others skip
/// (a transaction-scoped advisory lock, tried, not waited for), so compactors never wait on
/// each other's deleted rows; writers only append, so they never wait on a compactor.
pub fn compact(conn: &mut DbConnection) -> QueryResult<()> {
    // The key: "inbox_counts" as a number, far from any hashtextextended value in practice
    // (and harmless if equal: the compaction is then skipped for that transaction).
    fold_appended(
        conn,
        7308604897068083571,
        "WITH gone AS (DELETE FROM inbox_counts RETURNING channel, review_status, conversations) \
         INSERT INTO inbox_counts (channel, review_status, conversations) \
         SELECT channel, review_status, sum(conversations) FROM gone \
         GROUP BY channel, review_status HAVING sum(conversations) <> 0",
    )
}

/// Runs `fold` (a statement folding a table of appended changes into one row per key) on
/// PostgreSQL in the caller's transaction, unless another transaction holds the advisory
/// lock `lock_key` (then it is skipped); nothing on SQLite, which keeps one row per key.
pub(super) fn fold_appended(conn: &mut DbConnection, lock_key: i64, fold: &str) -> QueryResult<()> {
    // Only PostgreSQL appends rows, and only it has advisory locks.
    let DbConnection::Pg(pg) = conn else {
        return Ok(());
    };
    if !try_transaction_lock(pg, lock_key)? {
        return Ok(());
    }
    diesel::sql_query(fold).execute(pg).map(drop)
}

/// Takes PostgreSQL's transaction-scoped advisory lock `key` unless another transaction holds
/// it (tried, not waited for); whether it was taken.
pub(super) fn try_transaction_lock(pg: &mut diesel::PgConnection, key: i64) -> QueryResult<bool> {
    use diesel::sql_types::{BigInt, Bool};
    #[derive(QueryableByName)]
    struct Got {
        #[diesel(sql_type = Bool)]
        got: bool,
    }
    let got: Got = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS got")
        .bind::<BigInt, _>(key)
        .get_result(pg)?;
    Ok(got.got)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_channels_and_statuses_are_answered() {
        let parse = |q: &str| ConversationFilter::from_query(q).unwrap();
        for q in [
            "",
            "sort=oldest",
            "channel=rest",
            "review_status=unread,reviewed",
            "channel=rest,slack&review_status=saved_for_later&sort=length",
        ] {
            assert!(answers(&parse(q)), "{q}");
        }
        for q in [
            "intent=greet",
            "channel=rest&flagged=true",
            "review_status=unread&text=refund",
            "has_news=true",
            "tag=bug",
            "annotated=true",
            "misclassified=false",
            "environment=production",
        ] {
            assert!(!answers(&parse(q)), "{q}");
        }
    }
}
