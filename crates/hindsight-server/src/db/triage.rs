//! Review status and the trash: the queries. Who may do what, and the audit rows, are the
//! service layer's (`service::triage`).

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hindsight_types::{ConversationFilter, ReviewStatus};

use super::conversations::ConversationRow;
use super::schema::{conversations, events};
use super::DbConnection;

/// Ids per `eq_any` statement (well under SQLite's bound-parameter limit).
pub const CHUNK: usize = 5_000;

/// The newest event id stored: a snapshot mark. Events that arrive later have larger ids, so
/// "what a reviewer was shown" is "events up to this id".
pub fn newest_event_id(conn: &mut DbConnection) -> QueryResult<i64> {
    let newest: Option<i64> = events::table
        .select(diesel::dsl::max(events::id))
        .first(conn)?;
    Ok(newest.unwrap_or(0))
}

/// Of the conversations `ids`, those with an event newer than `seen` (an event id).
pub fn with_events_after(
    conn: &mut DbConnection,
    ids: &[i64],
    seen: i64,
) -> QueryResult<HashSet<i64>> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let newer: Vec<i64> = events::table
            .filter(events::conversation_id.eq_any(chunk))
            .filter(events::id.gt(seen))
            .select(events::conversation_id)
            .distinct()
            .load(conn)?;
        found.extend(newer);
    }
    Ok(found)
}

/// Of the conversations `ids`, those that existed at the snapshot `as_of`: they have an event
/// no newer than it. Keeps the order of `ids`.
pub fn existing_at(conn: &mut DbConnection, ids: &[i64], as_of: i64) -> QueryResult<Vec<i64>> {
    let mut existing = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let old: Vec<i64> = events::table
            .filter(events::conversation_id.eq_any(chunk))
            .filter(events::id.le(as_of))
            .select(events::conversation_id)
            .distinct()
            .load(conn)?;
        existing.extend(old);
    }
    Ok(ids
        .iter()
        .copied()
        .filter(|id| existing.contains(id))
        .collect())
}

/// Internal ids of the live conversations named by `sender_ids`.
pub fn live_ids(conn: &mut DbConnection, sender_ids: &[String]) -> QueryResult<Vec<i64>> {
    let mut ids = Vec::new();
    for chunk in sender_ids.chunks(CHUNK) {
        let found: Vec<i64> = conversations::table
            .filter(conversations::sender_id.eq_any(chunk))
            .filter(conversations::deleted_at.is_null())
            .select(conversations::id)
            .load(conn)?;
        ids.extend(found);
    }
    Ok(ids)
}

/// Internal ids of the live conversations matching `filter`.
pub fn matching_ids(conn: &mut DbConnection, filter: &ConversationFilter) -> QueryResult<Vec<i64>> {
    let backend = conn.backend();
    super::conversations::filtered_for(backend, filter)
        .select(conversations::id)
        .load(conn)
}

/// A conversation's review state before a change: (internal id, review status, has news).
pub type ReviewState = (i64, String, bool);

/// Sets the review status of the conversations `ids`. Those in `with_news` keep (or get)
/// "new since reviewed", the others lose it. Returns the rows that changed, as they were.
pub fn set_review_status_many(
    conn: &mut DbConnection,
    ids: &[i64],
    status: ReviewStatus,
    with_news: &HashSet<i64>,
) -> QueryResult<Vec<ReviewState>> {
    let mut changed = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(i64, String, bool)> = conversations::table
            .filter(conversations::id.eq_any(chunk))
            .select((
                conversations::id,
                conversations::review_status,
                conversations::has_news,
            ))
            .load(conn)?;
        let (mut newsy, mut quiet) = (Vec::new(), Vec::new());
        for (id, current, has_news) in rows {
            let news = with_news.contains(&id);
            if current != status.as_str() || has_news != news {
                if news {
                    newsy.push(id);
                } else {
                    quiet.push(id);
                }
                changed.push((id, current, has_news));
            }
        }
        for (ids, news) in [(&newsy, true), (&quiet, false)] {
            if ids.is_empty() {
                continue;
            }
            diesel::update(conversations::table.filter(conversations::id.eq_any(ids)))
                .set((
                    conversations::review_status.eq(status.as_str()),
                    conversations::has_news.eq(news),
                ))
                .execute(conn)?;
        }
    }
    Ok(changed)
}

/// Moves live conversations (internal ids) to the trash, in chunks; returns those moved.
pub fn trash_many(conn: &mut DbConnection, ids: &[i64], actor: &str) -> QueryResult<Vec<i64>> {
    let now = chrono::Utc::now().naive_utc();
    let mut changed = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let live: Vec<i64> = conversations::table
            .filter(conversations::id.eq_any(chunk))
            .filter(conversations::deleted_at.is_null())
            .select(conversations::id)
            .load(conn)?;
        diesel::update(conversations::table.filter(conversations::id.eq_any(&live)))
            .set((
                conversations::deleted_at.eq(Some(now)),
                conversations::deleted_by.eq(Some(actor)),
            ))
            .execute(conn)?;
        changed.extend(live);
    }
    Ok(changed)
}

/// The internal id of the conversation `sender_id` if it is in the trash.
pub fn find_trashed(conn: &mut DbConnection, sender_id: &str) -> QueryResult<Option<i64>> {
    conversations::table
        .filter(conversations::sender_id.eq(sender_id))
        .filter(conversations::deleted_at.is_not_null())
        .select(conversations::id)
        .first(conn)
        .optional()
}

/// Takes the conversation `id` out of the trash.
pub fn restore(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(conversations::table.find(id))
        .set((
            conversations::deleted_at.eq(None::<NaiveDateTime>),
            conversations::deleted_by.eq(None::<String>),
        ))
        .execute(conn)
        .map(drop)
}

/// Where a page of the trash starts: after the row deleted at this time with this id.
pub type TrashCursor = (NaiveDateTime, i64);

/// One page of the trash, most recently deleted first, after `cursor`; each row with the
/// cursor that follows it.
pub fn trash_page(
    conn: &mut DbConnection,
    limit: i64,
    cursor: Option<TrashCursor>,
) -> QueryResult<Vec<(ConversationRow, TrashCursor)>> {
    let mut q = conversations::table
        .filter(conversations::deleted_at.is_not_null())
        .order((conversations::deleted_at.desc(), conversations::id.desc()))
        .limit(limit)
        .select((ConversationRow::as_select(), conversations::deleted_at))
        .into_boxed();
    if let Some((at, id)) = cursor {
        q = q.filter(
            conversations::deleted_at
                .lt(at)
                .or(conversations::deleted_at
                    .eq(at)
                    .and(conversations::id.lt(id))),
        );
    }
    let rows: Vec<(ConversationRow, Option<NaiveDateTime>)> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(row, at)| {
            let next = (at.unwrap_or_default(), row.id);
            (row, next)
        })
        .collect())
}

/// How many conversations are in the trash.
pub fn trash_count(conn: &mut DbConnection) -> QueryResult<i64> {
    conversations::table
        .filter(conversations::deleted_at.is_not_null())
        .count()
        .get_result(conn)
}

/// Deletes for good what has been in the trash longer than `days`; returns how many. Waits
/// for the review-queue fills under way ([`super::queue_fill::lock_for_purge`]).
pub fn purge(conn: &mut DbConnection, days: i64) -> QueryResult<usize> {
    let cutoff = chrono::Utc::now().naive_utc() - chrono::Duration::days(days);
    let expired = conversations::table.filter(conversations::deleted_at.lt(cutoff));
    // Every deletion from the trash asks for a purge, and most find nothing due: those need
    // not wait for a fill under way (a large one holds its lock for seconds).
    if !diesel::select(diesel::dsl::exists(expired)).get_result::<bool>(conn)? {
        return Ok(0);
    }
    super::write_transaction(conn, |conn| {
        super::queue_fill::lock_for_purge(conn)?;
        diesel::delete(conversations::table.filter(conversations::deleted_at.lt(cutoff)))
            .execute(conn)
    })
}
