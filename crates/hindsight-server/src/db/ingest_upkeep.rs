//! Upkeep around imports: the write-ahead log's size and the planner's statistics around a
//! bulk load, and the stored rows recomputed when the server opens a database whose rows were
//! computed differently (another time zone, an older content hash).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::ingest::{local_day, local_minute, TIMEZONE_KEY};
use super::schema::{conversations, events};
use super::DbConnection;

/// WAL frames (pages) SQLite lets the log grow to during a bulk import before it copies them
/// back into the database file; the default is 1,000.
const BULK_WAL_AUTOCHECKPOINT: u32 = 16_384;
/// SQLite's own default, restored after a bulk import.
const DEFAULT_WAL_AUTOCHECKPOINT: u32 = 1_000;

/// Before a bulk load on this connection: on SQLite, lets the write-ahead log grow to
/// `BULK_WAL_AUTOCHECKPOINT` (16,384) pages between checkpoints, so that a page every batch
/// rewrites (a count, a busy index leaf) is copied into the database file once per 64 MB of
/// log rather than once per 4 MB (100,000 demo conversations: 50,000–51,000 → 53,000–58,000 events/s).
/// Readers meanwhile search a longer log; [`after_bulk_import`] folds it back.
pub fn begin_bulk_import(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    // Only SQLite has a write-ahead log the application sizes.
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute(&format!(
            "PRAGMA wal_autocheckpoint = {BULK_WAL_AUTOCHECKPOINT}"
        )),
        DbConnection::Pg(_) => Ok(()),
    }
}

/// After a bulk load: refreshes the planner's statistics (without them SQLite cannot tell a
/// rare filter from a common one) and, on SQLite, folds the write-ahead log back into the file.
pub fn after_bulk_import(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    // Statistics and checkpoints are spelled differently by each backend.
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute(&format!(
            "PRAGMA analysis_limit = 2000; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE); \
             PRAGMA wal_autocheckpoint = {DEFAULT_WAL_AUTOCHECKPOINT};"
        )),
        // VACUUM also sets the visibility map, without which counts cannot be index-only.
        // First the inbox counts are folded (a bulk status change appends two rows each), and
        // the day and confidence counts (an import appends a row per key per statement).
        DbConnection::Pg(_) => {
            crate::db::write_transaction(conn, super::counts::compact)?;
            crate::db::write_transaction(conn, super::stats::compact)?;
            conn.batch_execute("VACUUM ANALYZE")
        }
    }
}

/// Recomputes every conversation's local start minute and day when the configured time zone
/// differs from the one they were computed in (kept in settings), so the time-of-day filter
/// and the day chart stay right after a change of `HINDSIGHT_TIMEZONE`.
pub fn apply_timezone(conn: &mut DbConnection, tz: chrono_tz::Tz) -> QueryResult<u64> {
    if super::settings::get(conn, TIMEZONE_KEY)?.as_deref() == Some(tz.name()) {
        return Ok(0);
    }
    tracing::info!(
        tz = tz.name(),
        "recomputing every conversation's local start minute and day"
    );
    crate::db::write_transaction(conn, |conn| {
        let mut changed = 0u64;
        let mut after = 0i64;
        loop {
            let rows: Vec<(i64, NaiveDateTime)> = conversations::table
                .filter(conversations::id.gt(after))
                .order(conversations::id)
                .limit(10_000)
                .select((conversations::id, conversations::first_event_at))
                .load(conn)?;
            let Some(&(last, _)) = rows.last() else { break };
            // One statement per thousand rows, not one per row: PostgreSQL's day counts are
            // kept by a trigger that fires once per statement. The values are integers
            // computed here, so they are written into the statement as they are; both
            // backends name a VALUES list's columns `column1`, `column2`, ….
            for chunk in rows.chunks(1_000) {
                let values: Vec<String> = chunk
                    .iter()
                    .map(|&(id, first)| {
                        format!(
                            "({id}, {}, {})",
                            local_minute(first, tz),
                            local_day(first, tz)
                        )
                    })
                    .collect();
                diesel::sql_query(format!(
                    "UPDATE conversations SET start_minute_local = v.minute, \
                     start_day_local = v.day FROM (SELECT column1 AS id, column2 AS minute, \
                     column3 AS day FROM (VALUES {}) AS listed) AS v \
                     WHERE conversations.id = v.id",
                    values.join(", ")
                ))
                .execute(conn)?;
                changed += chunk.len() as u64;
            }
            after = last;
        }
        super::settings::set(conn, TIMEZONE_KEY, tz.name())?;
        Ok(changed)
    })
}

/// The setting migration `2026-12-02-000041_event_hash_v2` leaves when stored events carry
/// hashes of an older definition than [`crate::ingest::event::CONTENT_HASH_VERSION`].
const HASH_VERSION_KEY: &str = "content_hash_version";

/// Events rehashed per transaction.
const REHASH_CHUNK: i64 = 5_000;

/// Recomputes every stored event's `content_hash` from its `data` when they were computed by
/// an older definition, so existing rows keep matching re-imports; returns how many rows were
/// rewritten. Runs when a database is opened, before anything can import; an interrupted run
/// starts again from the first event (recomputing is idempotent).
pub fn upgrade_content_hashes(conn: &mut DbConnection) -> QueryResult<u64> {
    use crate::ingest::event::{content_hash, CONTENT_HASH_VERSION};
    match super::settings::get(conn, HASH_VERSION_KEY)? {
        Some(v) if v != CONTENT_HASH_VERSION => {}
        _ => return Ok(0),
    }
    tracing::info!("recomputing the content hash of every stored event");
    let mut after = 0i64;
    let mut changed = 0u64;
    loop {
        let last = crate::db::write_transaction(conn, |conn| {
            let rows: Vec<(i64, String)> = events::table
                .filter(events::id.gt(after))
                .order(events::id)
                .limit(REHASH_CHUNK)
                .select((events::id, events::data))
                .load(conn)?;
            for (id, data) in &rows {
                // Stored events were parsed at import; a corrupted row keeps its old hash.
                let Ok(value) = serde_json::from_str::<serde_json::Value>(data) else {
                    continue;
                };
                diesel::update(events::table.find(id))
                    .set(events::content_hash.eq(content_hash(&value)))
                    .execute(conn)?;
                changed += 1;
            }
            QueryResult::Ok(rows.last().map(|r| r.0))
        })?;
        match last {
            Some(id) => after = id,
            None => break,
        }
    }
    super::settings::set(conn, HASH_VERSION_KEY, CONTENT_HASH_VERSION)?;
    Ok(changed)
}
