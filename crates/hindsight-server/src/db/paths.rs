//! Conversation paths (issue 14): each conversation's steps as one text, the form the
//! sequence filter's regular expression reads (see [`crate::sequence`]).

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{conversation_paths, conversations, events};
use super::DbConnection;
use crate::ingest::EventFacts;
use crate::sequence::{append_step, EMPTY_PATH};

/// Set by the migration `2026-12-03-000100_sequence_paths` when conversations predate it.
const PENDING_KEY: &str = "sequence_paths_pending";

/// The version of the paths' lines the stored paths were written with, set once every path
/// is written so; paths of an older version are rewritten when the database is opened.
const FORMAT_KEY: &str = "sequence_paths_format";

/// The current version: 2 added slot values (and slot resets) to the slot lines.
const FORMAT: &str = "2";

/// Path rows per multi-row INSERT (two bound parameters each).
const ROWS_PER_INSERT: usize = 1_000;

/// Ids per lookup (`IN (…)`), well under SQLite's bound parameters.
const LOAD_CHUNK: usize = 2_000;

/// Conversations whose paths are rebuilt per transaction by [`backfill`].
const BACKFILL_CHUNK: i64 = 2_000;

/// The stored paths of `ids` (those that have one).
pub fn load(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = conversation_paths::table
        .filter(conversation_paths::conversation_id.eq_any(ids))
        .select((
            conversation_paths::conversation_id,
            conversation_paths::steps,
        ))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The paths of the newest `limit` conversations `filter` matches (newest activity first).
pub fn newest_matching(
    conn: &mut DbConnection,
    filter: &hindsight_types::ConversationFilter,
    limit: i64,
) -> QueryResult<Vec<String>> {
    let ids: Vec<i64> = super::conversations::filtered_for(conn.backend(), filter)
        .select(conversations::id)
        .order((
            conversations::latest_event_at.desc(),
            conversations::id.desc(),
        ))
        .limit(limit)
        .load(conn)?;
    let mut paths = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(LOAD_CHUNK) {
        paths.extend(load(conn, chunk)?.into_values());
    }
    Ok(paths)
}

/// A conversation's path to insert.
#[derive(Insertable)]
#[diesel(table_name = conversation_paths)]
// What PostgreSQL's binary COPY requires (no field may stand for DEFAULT).
#[diesel(treat_none_as_default_value = false)]
struct NewPath<'a> {
    conversation_id: i64,
    steps: &'a str,
}

/// Stores the paths of conversations that have none yet.
pub fn insert(conn: &mut DbConnection, rows: &[(i64, String)]) -> QueryResult<()> {
    let rows: Vec<NewPath<'_>> = rows
        .iter()
        .map(|(conversation_id, steps)| NewPath {
            conversation_id: *conversation_id,
            steps,
        })
        .collect();
    insert_in_bulk!(conn, conversation_paths::table, &rows[..], ROWS_PER_INSERT)
}

/// Replaces the paths of conversations that have one: `(conversation id, steps)`.
pub fn update(conn: &mut DbConnection, rows: &[(i64, String)]) -> QueryResult<()> {
    let rows: Vec<(i64, &str)> = rows
        .iter()
        .map(|(id, steps)| (*id, steps.as_str()))
        .collect();
    update_by_conversation!(conn, conversation_paths.steps, &rows)
}

/// Whether stored paths must be written: the migration asked for it (conversations stored
/// before paths were kept), or they are of an older format than `FORMAT`.
pub fn rewrite_needed(conn: &mut DbConnection) -> QueryResult<bool> {
    let pending = super::settings::get(conn, PENDING_KEY)?.is_some();
    Ok(pending || super::settings::get(conn, FORMAT_KEY)?.as_deref() != Some(FORMAT))
}

/// Writes the paths of the (up to) `BACKFILL_CHUNK` conversations after `after` by id, from
/// their stored events, in one write transaction; returns the last id written and how many,
/// or `None` when no conversation is left. Safe beside imports: on SQLite the transaction
/// holds the write lock; on PostgreSQL it takes the same per-sender locks an import does
/// before reading the events, so no step an import commits meanwhile is lost.
pub fn rewrite_chunk(conn: &mut DbConnection, after: i64) -> QueryResult<Option<(i64, usize)>> {
    crate::db::write_transaction(conn, |conn| {
        let chunk: Vec<(i64, String)> = conversations::table
            .filter(conversations::id.gt(after))
            .order(conversations::id)
            .limit(BACKFILL_CHUNK)
            .select((conversations::id, conversations::sender_id))
            .load(conn)?;
        let Some(last) = chunk.last().map(|c| c.0) else {
            return Ok(None);
        };
        super::ingest::lock_senders(conn, chunk.iter().map(|c| c.1.as_str()))?;
        let ids: Vec<i64> = chunk.iter().map(|c| c.0).collect();
        let rows: Vec<(i64, String, String)> = events::table
            .filter(events::conversation_id.eq_any(&ids))
            .order((events::conversation_id, events::seq))
            .select((events::conversation_id, events::type_name, events::data))
            .load(conn)?;
        let mut paths: HashMap<i64, String> =
            ids.iter().map(|id| (*id, EMPTY_PATH.to_owned())).collect();
        for (id, type_name, data) in rows {
            // Stored events were parsed at import; a corrupted row adds no step. Only the
            // facts are read (not the content hash a `RawEvent` computes).
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&data) else {
                continue;
            };
            let path = paths.get_mut(&id).expect("an id of this chunk");
            append_step(path, &type_name, &EventFacts::read(&type_name, &value));
        }
        diesel::delete(
            conversation_paths::table.filter(conversation_paths::conversation_id.eq_any(&ids)),
        )
        .execute(conn)?;
        let mut rows: Vec<(i64, String)> = paths.into_iter().collect();
        rows.sort_unstable_by_key(|r| r.0);
        insert(conn, &rows)?;
        Ok(Some((last, rows.len())))
    })
}

/// Records that the paths are of the current format when there are no conversations (a new
/// database), so that a server opening it after a bulk load has nothing to rewrite.
pub fn mark_current_if_empty(conn: &mut DbConnection) -> QueryResult<()> {
    if rewrite_needed(conn)?
        && !diesel::select(diesel::dsl::exists(
            conversations::table.select(conversations::id),
        ))
        .get_result::<bool>(conn)?
    {
        rewrite_done(conn)?;
    }
    Ok(())
}

/// Records that every stored path is of the current format.
pub fn rewrite_done(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(super::schema::settings::table.find(PENDING_KEY)).execute(conn)?;
    super::settings::set(conn, FORMAT_KEY, FORMAT)
}

/// Writes every path that [`rewrite_needed`] says must be, chunk after chunk; returns how many
/// were written. An interrupted run starts again (each chunk replaces its rows).
pub fn backfill(conn: &mut DbConnection) -> QueryResult<u64> {
    if !rewrite_needed(conn)? {
        return Ok(0);
    }
    let mut after = 0i64;
    let mut written = 0u64;
    while let Some((last, n)) = rewrite_chunk(conn, after)? {
        after = last;
        written += n as u64;
    }
    rewrite_done(conn)?;
    Ok(written)
}
