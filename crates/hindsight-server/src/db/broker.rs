//! What the event broker adds to an ingest: conversations' environments, messages that can
//! never be imported, and `rasa export` runs. Queries only; the service layer holds the
//! transaction.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{conversations, export_run_conversations, export_runs, ingest_errors};
use super::DbConnection;

/// Rows per `IN (…)` list, well under SQLite's bound-parameter limit.
const CHUNK: usize = 2_000;

/// Each conversation's stored event count, for the senders that exist.
pub fn event_counts(
    conn: &mut DbConnection,
    senders: &[&str],
) -> QueryResult<HashMap<String, i64>> {
    let mut out = HashMap::with_capacity(senders.len());
    for chunk in senders.chunks(CHUNK) {
        let rows: Vec<(String, i64)> = conversations::table
            .filter(conversations::sender_id.eq_any(chunk))
            .select((conversations::sender_id, conversations::event_count))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Sets each conversation's environment (sender id → environment).
pub fn set_environments<'a>(
    conn: &mut DbConnection,
    environments: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> QueryResult<()> {
    let mut by_env: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (sender, env) in environments {
        by_env.entry(env).or_default().push(sender);
    }
    for (env, senders) in by_env {
        for chunk in senders.chunks(CHUNK) {
            diesel::update(conversations::table.filter(conversations::sender_id.eq_any(chunk)))
                .set(conversations::environment.eq(env))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// A message that can never be imported.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ingest_errors)]
pub struct NewIngestError {
    /// When it was received.
    pub received_at: NaiveDateTime,
    /// `broker`.
    pub source: String,
    /// Why it cannot be imported.
    pub reason: String,
    /// The exact body.
    pub body: Vec<u8>,
    /// xxh3 of the body.
    pub body_hash: i64,
    /// Properties and headers as JSON text.
    pub properties: String,
}

/// A stored ingest error.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ingest_errors)]
pub struct IngestErrorRow {
    /// Row id.
    pub id: i64,
    /// When it was received.
    pub received_at: NaiveDateTime,
    /// `broker`.
    pub source: String,
    /// Why it cannot be imported.
    pub reason: String,
    /// The exact body.
    pub body: Vec<u8>,
    /// Properties and headers as JSON text.
    pub properties: String,
}

/// Whether an ingest error with this body is stored already (a redelivered message).
pub fn ingest_error_exists(conn: &mut DbConnection, body: &[u8], hash: i64) -> QueryResult<bool> {
    let bodies: Vec<Vec<u8>> = ingest_errors::table
        .filter(ingest_errors::body_hash.eq(hash))
        .select(ingest_errors::body)
        .load(conn)?;
    Ok(bodies.iter().any(|b| b == body))
}

/// Stores ingest errors.
pub fn insert_ingest_errors(conn: &mut DbConnection, rows: &[NewIngestError]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(ingest_errors::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// A page of ingest errors, newest first, with ids below `before` (all when `None`).
pub fn list_ingest_errors(
    conn: &mut DbConnection,
    limit: i64,
    before: Option<i64>,
) -> QueryResult<(Vec<IngestErrorRow>, i64)> {
    let mut q = ingest_errors::table
        .select(IngestErrorRow::as_select())
        .order(ingest_errors::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        q = q.filter(ingest_errors::id.lt(before));
    }
    let rows = q.load(conn)?;
    let total = ingest_errors::table.count().get_result(conn)?;
    Ok((rows, total))
}

/// What a batch adds to one `rasa export` run.
#[derive(Debug, Clone, Default)]
pub struct RunProgress {
    /// The run's environment, when named.
    pub environment: Option<String>,
    /// Messages received.
    pub messages: i64,
    /// Earliest and latest event timestamps in the batch.
    pub first_event_timestamp: Option<f64>,
    /// Latest event timestamp in the batch.
    pub last_event_timestamp: Option<f64>,
    /// Conversations the batch touched.
    pub senders: Vec<String>,
}

/// Serialises concurrent writers of one export run (two consumers of one queue) for the rest
/// of the transaction, so that the read-then-write below never inserts a run twice.
///
/// Backends differ, hence the match: SQLite's write transaction holds the database's lock
/// already; PostgreSQL takes a transaction-scoped advisory lock per run id, in key order.
fn lock_runs(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<()> {
    use diesel::sql_types::{Array, Text};
    match conn {
        DbConnection::Sqlite(_) => Ok(()),
        DbConnection::Pg(pg) => diesel::sql_query(
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT \
             hashtextextended('export-run:' || s, 0) AS k FROM unnest($1::text[]) AS s \
             ORDER BY k) AS keys",
        )
        .bind::<Array<Text>, _>(ids)
        .execute(pg)
        .map(drop),
    }
}

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// A stored export run.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = export_runs)]
pub struct ExportRunRow {
    /// The run's process id.
    pub id: String,
    /// Its environment.
    pub environment: Option<String>,
    /// When its first message arrived.
    pub first_seen_at: NaiveDateTime,
    /// When its latest message arrived.
    pub last_seen_at: NaiveDateTime,
    /// Messages received.
    pub messages: i64,
    /// Earliest event timestamp.
    pub first_event_timestamp: Option<f64>,
    /// Latest event timestamp.
    pub last_event_timestamp: Option<f64>,
}

/// Adds a batch's progress to its export runs.
pub fn record_export_runs(
    conn: &mut DbConnection,
    runs: &BTreeMap<String, RunProgress>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    if runs.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = runs.keys().map(String::as_str).collect();
    lock_runs(conn, &ids)?;
    for (id, p) in runs {
        let existing = export_runs::table
            .find(id)
            .select(ExportRunRow::as_select())
            .first(conn)
            .optional()?;
        match existing {
            Some(run) => {
                diesel::update(export_runs::table.find(id))
                    .set((
                        export_runs::messages.eq(run.messages + p.messages),
                        export_runs::first_event_timestamp
                            .eq(min_opt(run.first_event_timestamp, p.first_event_timestamp)),
                        export_runs::last_event_timestamp
                            .eq(max_opt(run.last_event_timestamp, p.last_event_timestamp)),
                        export_runs::environment
                            .eq(run.environment.or_else(|| p.environment.clone())),
                        export_runs::last_seen_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(export_runs::table)
                    .values((
                        export_runs::id.eq(id),
                        export_runs::environment.eq(&p.environment),
                        export_runs::first_seen_at.eq(now),
                        export_runs::last_seen_at.eq(now),
                        export_runs::messages.eq(p.messages),
                        export_runs::first_event_timestamp.eq(p.first_event_timestamp),
                        export_runs::last_event_timestamp.eq(p.last_event_timestamp),
                    ))
                    .execute(conn)?;
            }
        }
        let mut senders: Vec<&str> = p.senders.iter().map(String::as_str).collect();
        senders.sort_unstable();
        senders.dedup();
        for chunk in senders.chunks(CHUNK) {
            let known: Vec<String> = export_run_conversations::table
                .filter(export_run_conversations::run_id.eq(id))
                .filter(export_run_conversations::sender_id.eq_any(chunk))
                .select(export_run_conversations::sender_id)
                .load(conn)?;
            for sender in chunk.iter().filter(|s| !known.iter().any(|k| k == *s)) {
                diesel::insert_into(export_run_conversations::table)
                    .values((
                        export_run_conversations::run_id.eq(id),
                        export_run_conversations::sender_id.eq(*sender),
                    ))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

/// Every export run with the number of conversations it touched, the latest first.
pub fn list_export_runs(conn: &mut DbConnection) -> QueryResult<Vec<(ExportRunRow, i64)>> {
    let runs: Vec<ExportRunRow> = export_runs::table
        .order((export_runs::last_seen_at.desc(), export_runs::id))
        .select(ExportRunRow::as_select())
        .load(conn)?;
    let counts: Vec<(String, i64)> = export_run_conversations::table
        .group_by(export_run_conversations::run_id)
        .select((export_run_conversations::run_id, diesel::dsl::count_star()))
        .load(conn)?;
    let counts: HashMap<String, i64> = counts.into_iter().collect();
    Ok(runs
        .into_iter()
        .map(|run| {
            let n = counts.get(&run.id).copied().unwrap_or(0);
            (run, n)
        })
        .collect())
}
