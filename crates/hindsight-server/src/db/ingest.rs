//! Storing imported events and keeping each conversation's summary columns and filter side
//! table up to date, in one transaction per batch.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use diesel::prelude::*;
use hindsight_types::{ImportSummary, ReviewStatus};

use super::bulk::{insert_events, insert_features, NewEvent, NewFeature};
use super::row_names::NewRowNames;
use super::schema::{conversations, events};
use super::DbConnection;
use crate::ingest::{IncomingConversation, IngestOptions};

mod plan;

use plan::{load_stored, plan, Planned};
pub use plan::{local_day, local_minute, naive_utc};

/// Keys per lookup query (`IN (…)`), well under SQLite's 32,766 bound parameters.
const LOOKUP_CHUNK: usize = 2_000;
/// Conversation rows per PostgreSQL multi-row INSERT (each binds its summary's columns).
const CONVERSATION_ROWS: usize = 100;

/// Merges conversations that appear more than once in a batch, keeping first-seen order.
fn merge_by_sender(batch: Vec<IncomingConversation>) -> Vec<IncomingConversation> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut merged: Vec<IncomingConversation> = Vec::with_capacity(batch.len());
    for conv in batch {
        match index.get(&conv.sender_id) {
            Some(&i) => merged[i].events.extend(conv.events),
            None => {
                index.insert(conv.sender_id.clone(), merged.len());
                merged.push(conv);
            }
        }
    }
    merged
}

/// Stores a batch of conversations in one transaction. Events already stored are skipped, so
/// importing the same data again adds nothing: the k-th copy of an event (same canonical
/// content, [`crate::ingest::event::content_hash`]) in a conversation's input is new only
/// when the conversation holds fewer than k copies. Two identical messages in one tracker
/// (a user saying "yes" twice, without timestamps) are two events; the same tracker imported
/// again adds nothing.
///
/// Events of a conversation in the trash are stored too and it stays in the trash (unless
/// `opts.restore_deleted`), so a later restore brings back the whole conversation.
///
/// Then the review queues that follow imports take the conversations created, given new
/// events or restored that their filters match ([`super::queue_fill::follow_imports`]), in
/// the same transaction.
pub fn store_conversations(
    conn: &mut DbConnection,
    batch: Vec<IncomingConversation>,
    opts: &IngestOptions,
) -> QueryResult<ImportSummary> {
    store_with_environments(conn, batch, &HashMap::new(), opts)
}

/// [`store_conversations`], also setting each conversation's Rasa environment (sender id →
/// name, as the event broker names it) before the review queues see the conversations.
pub fn store_with_environments(
    conn: &mut DbConnection,
    batch: Vec<IncomingConversation>,
    environments: &HashMap<String, String>,
    opts: &IngestOptions,
) -> QueryResult<ImportSummary> {
    crate::db::write_transaction(conn, |conn| {
        store_within_transaction(conn, batch, environments, opts)
    })
}

/// [`store_with_environments`] for a caller that has already opened the write transaction
/// and commits the batch together with what else it writes (the event broker's progress, a
/// tracker store's position). It opens no savepoint of its own: on SQLite a savepoint makes
/// every page the batch changes first be copied to a sub-journal in memory (a draining
/// broker's batch spent about a tenth of its time on that), and the caller rolls back the
/// whole transaction on an error anyway.
pub fn store_within_transaction(
    conn: &mut DbConnection,
    batch: Vec<IncomingConversation>,
    environments: &HashMap<String, String>,
    opts: &IngestOptions,
) -> QueryResult<ImportSummary> {
    let batch = merge_by_sender(batch);
    lock_senders(conn, batch.iter().map(|c| c.sender_id.as_str()))?;
    record_timezone(conn, opts.timezone)?;
    let (summary, changed, created) = store_in_transaction(conn, batch, environments, opts)?;
    // New conversations took theirs as they were inserted.
    let updated = environments
        .iter()
        .filter(|(sender, _)| !created.contains(*sender))
        .map(|(sender, env)| (sender.as_str(), env.as_str()));
    super::broker::set_environments(conn, updated)?;
    super::queue_fill::follow_imports(conn, &changed)?;
    Ok(summary)
}

/// Serialises concurrent imports into the same conversations, for the rest of the transaction.
///
/// The backends differ, hence the match: on SQLite the transaction already holds the
/// database's write lock (`BEGIN IMMEDIATE`). On PostgreSQL two transactions appending to one
/// conversation would both read its last position and insert the same next one (a unique
/// violation answered to one of them), or both create a new conversation; so each takes a
/// transaction-scoped advisory lock per sender id, in key order so that two batches never
/// wait on each other crosswise.
pub(super) fn lock_senders<'a>(
    conn: &mut DbConnection,
    senders: impl Iterator<Item = &'a str>,
) -> QueryResult<()> {
    use diesel::sql_types::{Array, Text};
    match conn {
        DbConnection::Sqlite(_) => Ok(()),
        DbConnection::Pg(pg) => {
            let senders: Vec<&str> = senders.collect();
            diesel::sql_query(
                "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT \
                 hashtextextended(s, 0) AS k FROM unnest($1::text[]) AS s ORDER BY k) AS keys",
            )
            .bind::<Array<Text>, _>(senders)
            .execute(pg)
            .map(drop)
        }
    }
}

/// The setting naming the zone every conversation's `start_minute_local` and
/// `start_day_local` were computed in.
pub(super) const TIMEZONE_KEY: &str = "timezone";

/// Keeps [`TIMEZONE_KEY`] true for rows an import computes in `tz`: set when there is none
/// yet (so the next start does not recompute a million rows that are right already), and
/// spoiled when the stored rows use another zone, so that the next start recomputes them all.
fn record_timezone(conn: &mut DbConnection, tz: chrono_tz::Tz) -> QueryResult<()> {
    match super::settings::get(conn, TIMEZONE_KEY)? {
        // Already right, or already marked for recomputation: nothing to write.
        Some(stored) if stored == tz.name() || stored == "mixed" => Ok(()),
        None => super::settings::set(conn, TIMEZONE_KEY, tz.name()),
        Some(_) => super::settings::set(conn, TIMEZONE_KEY, "mixed"),
    }
}

/// Stores the batch, new conversations with their environments (sender id → name); returns
/// its summary, the conversations it created, gave new events or restored, and the sender ids
/// of those it created.
fn store_in_transaction(
    conn: &mut DbConnection,
    batch: Vec<IncomingConversation>,
    environments: &HashMap<String, String>,
    opts: &IngestOptions,
) -> QueryResult<(ImportSummary, Vec<i64>, HashSet<String>)> {
    let mut summary = ImportSummary::default();
    let now = Utc::now().naive_utc();
    let senders: Vec<&str> = batch.iter().map(|c| c.sender_id.as_str()).collect();
    let mut stored = load_stored(conn, &senders)?;

    let mut planned = Vec::with_capacity(batch.len());
    for conv in batch {
        let prior = stored.conversations.remove(&conv.sender_id);
        planned.push(plan(conv, prior, &mut stored, now, opts, &mut summary));
    }

    // New conversations.
    let fresh: Vec<&Planned> = planned.iter().filter(|p| p.prior.is_none()).collect();
    let mut ids: HashMap<String, i64> = HashMap::new();
    // Only SQLite counts a batch's new conversations itself (`counts::count_new_conversations`),
    // from the ids after the last one before the batch.
    let last_conversation = match conn {
        DbConnection::Sqlite(_) if !fresh.is_empty() => Some(last_conversation_id(conn)?),
        _ => None,
    };
    // A new conversation's row: its final summary, so each costs one row write.
    let row = |p: &&Planned| {
        (
            conversations::sender_id.eq(p.sender_id.clone()),
            p.columns.clone(),
            conversations::review_status.eq(ReviewStatus::Unread.as_str()),
            conversations::created_at.eq(now),
            conversations::updated_at.eq(now),
            // The `oldest` order's key: set once, never updated.
            conversations::started_at.eq(p.columns.first_event_at),
            conversations::environment.eq(environments.get(&p.sender_id).cloned()),
        )
    };
    let returned = (conversations::sender_id, conversations::id);
    // Their ids from the insert itself: a lookup by sender id after it was one more statement
    // per chunk, and PostgreSQL kept the plan it cached for it while the table was nearly
    // empty (a sequential scan): 24.6 of the 48 s that 40,000 demo conversations took to
    // import into a fresh database. Each backend its way: diesel runs SQLite's multi-row
    // `INSERT … RETURNING` a row at a time inside a savepoint of its own, whose sub-journal
    // copies every page the rows touch; the batch's transaction is all-or-nothing already, so
    // SQLite's rows go one by one without it, through one statement kept prepared.
    match conn {
        DbConnection::Sqlite(c) => {
            for p in &fresh {
                let (sender_id, id): (String, i64) = diesel::insert_into(conversations::table)
                    .values(row(p))
                    .returning(returned)
                    .get_result(c)?;
                ids.insert(sender_id, id);
            }
        }
        DbConnection::Pg(c) => {
            for chunk in fresh.chunks(CONVERSATION_ROWS) {
                let rows: Vec<_> = chunk.iter().map(row).collect();
                let inserted: Vec<(String, i64)> = diesel::insert_into(conversations::table)
                    .values(&rows)
                    .returning(returned)
                    .get_results(c)?;
                ids.extend(inserted);
            }
        }
    }
    if let Some(before) = last_conversation {
        super::counts::count_new_conversations(conn, before)?;
    }
    summary.conversations_created += fresh.len() as u64;
    let created: HashSet<String> = fresh.iter().map(|p| p.sender_id.clone()).collect();

    let mut new_events = Vec::new();
    let mut new_features = Vec::new();
    let mut new_paths = Vec::new();
    // Rows that exist already and change, written together after the loop.
    let mut changed_features = Vec::new();
    let mut changed_paths = Vec::new();
    let mut new_row_names = Vec::new();
    let mut changed_row_names = Vec::new();
    // Conversations that stay in the trash: their new features count in no facet until a
    // restore (whose trigger counts all of them).
    let mut in_trash: HashSet<i64> = HashSet::new();
    let mut changed = Vec::new();
    for p in planned {
        let cid = match &p.prior {
            None => ids[&p.sender_id],
            Some(prior) => {
                let deleted = prior.deleted_at.is_some();
                let restoring = deleted && opts.restore_deleted;
                if p.events.is_empty() && !restoring {
                    continue;
                }
                if !p.events.is_empty() {
                    summary.conversations_updated += 1;
                }
                if deleted && !restoring {
                    summary.conversations_skipped_deleted += 1;
                    in_trash.insert(prior.id);
                }
                // A reviewed conversation that receives new events keeps its status and is
                // marked as having news, so nobody's review is silently undone.
                let news =
                    !p.events.is_empty() && prior.review_status != ReviewStatus::Unread.as_str();
                let (deleted_at, deleted_by) = match restoring {
                    true => (None, None),
                    false => (prior.deleted_at, prior.deleted_by.clone()),
                };
                let updated = super::cached_sql::kept_update(
                    conversations::table,
                    conversations::id.eq(prior.id),
                    (
                        &p.columns,
                        conversations::has_news.eq(prior.has_news || news),
                        conversations::deleted_at.eq(deleted_at),
                        conversations::deleted_by.eq(deleted_by),
                        conversations::updated_at.eq(now),
                    ),
                )
                .execute(conn)?;
                // The update locks the row until commit, so no purge can delete it under the
                // rows written below; one that did so since `load_stored` read it fails the
                // batch here (PostgreSQL keeps no foreign key on those rows: migration
                // `2026-12-06-000200`). SQLite's write lock, held since the start, excludes it.
                if updated == 0 {
                    return Err(purged_meanwhile(&p.sender_id));
                }
                prior.id
            }
        };
        changed.push(cid);
        if let Some(names) = p.row_names {
            let row = NewRowNames {
                conversation_id: cid,
                names,
            };
            match p.prior {
                None => new_row_names.push(row),
                Some(_) => changed_row_names.push(row),
            }
        }
        match p.path {
            (steps, true) => {
                if !p.events.is_empty() {
                    changed_paths.push((cid, steps));
                }
            }
            (steps, false) => new_paths.push((cid, steps)),
        }
        new_events.extend(p.events.into_iter().map(|e| NewEvent {
            conversation_id: cid,
            ..e
        }));
        for ((kind, name, value), occurrences, exists) in p.features {
            let row = NewFeature {
                conversation_id: cid,
                kind,
                name,
                value,
                occurrences,
            };
            match exists {
                true => changed_features.push(row),
                false => new_features.push(row),
            }
        }
    }
    let before = last_event_id(conn)?;
    insert_events(conn, &new_events)?;
    if !new_events.is_empty() {
        index_user_texts(conn, before)?;
    }
    insert_features(conn, &new_features)?;
    super::bulk::update_occurrences(conn, &changed_features)?;
    super::paths::insert(conn, &new_paths)?;
    super::paths::update(conn, &changed_paths)?;
    super::row_names::insert(conn, &new_row_names)?;
    super::row_names::update(conn, &changed_row_names)?;
    // Each new feature row of a live conversation adds one conversation to its facet value.
    let mut facet_counts: HashMap<(&str, &str, &str), i64> = HashMap::new();
    for f in new_features
        .iter()
        .filter(|f| !in_trash.contains(&f.conversation_id))
    {
        *facet_counts
            .entry((&f.kind, &f.name, &f.value))
            .or_default() += 1;
    }
    super::facets::add_counts(conn, &facet_counts)?;
    // PostgreSQL's inbox counts grew by a row per new conversation: fold them.
    super::counts::compact(conn)?;
    Ok((summary, changed, created))
}

/// The error of a batch whose conversation was purged while it was being planned: a
/// conflict a retry cures (the retry finds no such conversation and creates it anew).
fn purged_meanwhile(sender_id: &str) -> diesel::result::Error {
    diesel::result::Error::DatabaseError(
        diesel::result::DatabaseErrorKind::SerializationFailure,
        Box::new(format!(
            "conversation {sender_id} was purged during the import; import it again"
        )),
    )
}

/// The largest conversation id (0 when there is none), before a batch's are inserted.
fn last_conversation_id(conn: &mut DbConnection) -> QueryResult<i64> {
    let last: Option<i64> = conversations::table
        .select(diesel::dsl::max(conversations::id))
        .first(conn)?;
    Ok(last.unwrap_or(0))
}

/// The largest event id (0 when there is none), before a batch's events are inserted.
fn last_event_id(conn: &mut DbConnection) -> QueryResult<i64> {
    let last: Option<i64> = events::table
        .select(diesel::dsl::max(events::id))
        .first(conn)?;
    Ok(last.unwrap_or(0))
}

/// Adds the user messages of the events inserted after `before` to SQLite's two text indexes
/// (migrations `2026-12-02-000061_word_index`, `2026-12-04-000110_substring_index_key`), one
/// statement each for the whole batch rather than a trigger per row. The batch's transaction
/// holds SQLite's write lock, so the ids after `before` are exactly its events. PostgreSQL's
/// word table and GIN indexes follow the rows themselves (triggers).
fn index_user_texts(conn: &mut DbConnection, before: i64) -> QueryResult<()> {
    use diesel::sql_types::BigInt;
    // Only SQLite keeps its text indexes in virtual tables that the database does not fill.
    let DbConnection::Sqlite(c) = conn else {
        return Ok(());
    };
    // Both indexes' rowids name the conversation and the event's position in it.
    for index in ["user_texts", "user_words"] {
        diesel::sql_query(format!(
            "INSERT INTO {index} (rowid, text) SELECT (conversation_id << 24) | seq, text \
             FROM events WHERE id > ? AND type_name = 'user' AND text IS NOT NULL \
             AND seq < 16777216"
        ))
        .bind::<BigInt, _>(before)
        .execute(c)?;
    }
    Ok(())
}
