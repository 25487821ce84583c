//! Review status, the trash, and bulk changes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hindsight_types::{ConversationSummary, ReviewStatus};
use serde_json::json;

use super::audit::{self, Change};
use super::conversations::{find_live, summarise, ConversationRow};
use super::schema::conversations;
use super::DbConnection;
use crate::error::{not_found, AppResult};

/// Ids per `eq_any` statement (well under SQLite's bound-parameter limit).
pub const CHUNK: usize = 5_000;

/// Sets a conversation's review status and clears its news; audited.
pub fn set_review_status(
    conn: &mut DbConnection,
    sender_id: &str,
    status: ReviewStatus,
    actor: &str,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let row = find_live(conn, sender_id)?;
        diesel::update(conversations::table.find(row.id))
            .set((
                conversations::review_status.eq(status.as_str()),
                conversations::has_news.eq(false),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            Change {
                actor,
                action: "review_status",
                conversation: Some(row.id),
                target: None,
                before: Some(json!({"review_status": row.review_status, "has_news": row.has_news})),
                after: Some(json!({"review_status": status.as_str(), "has_news": false})),
            },
        )?;
        Ok(())
    })
}

/// Sets the review status of the conversations `ids` (internal), in chunks; returns how many changed.
pub fn set_review_status_many(
    conn: &mut DbConnection,
    ids: &[i64],
    status: ReviewStatus,
) -> AppResult<Vec<i64>> {
    let mut changed = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let ids: Vec<i64> = conversations::table
            .filter(conversations::id.eq_any(chunk))
            .filter(
                conversations::review_status
                    .ne(status.as_str())
                    .or(conversations::has_news.eq(true)),
            )
            .select(conversations::id)
            .load(conn)?;
        diesel::update(conversations::table.filter(conversations::id.eq_any(&ids)))
            .set((
                conversations::review_status.eq(status.as_str()),
                conversations::has_news.eq(false),
            ))
            .execute(conn)?;
        changed.extend(ids);
    }
    Ok(changed)
}

/// Moves live conversations (internal ids) to the trash, in chunks; returns those moved.
pub fn trash_many(conn: &mut DbConnection, ids: &[i64], actor: &str) -> AppResult<Vec<i64>> {
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

/// Moves one conversation to the trash; audited.
pub fn trash(conn: &mut DbConnection, sender_id: &str, actor: &str) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let row = find_live(conn, sender_id)?;
        trash_many(conn, &[row.id], actor)?;
        audit::record(
            conn,
            Change {
                actor,
                action: "delete",
                conversation: Some(row.id),
                target: None,
                before: None,
                after: None,
            },
        )?;
        Ok(())
    })
}

/// Brings a conversation back from the trash; audited. 404 unless it is in the trash.
pub fn restore(conn: &mut DbConnection, sender_id: &str, actor: &str) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let id: i64 = conversations::table
            .filter(conversations::sender_id.eq(sender_id))
            .filter(conversations::deleted_at.is_not_null())
            .select(conversations::id)
            .first(conn)
            .optional()?
            .ok_or_else(|| not_found(format!("conversation `{sender_id}` in the trash")))?;
        diesel::update(conversations::table.find(id))
            .set((
                conversations::deleted_at.eq(None::<NaiveDateTime>),
                conversations::deleted_by.eq(None::<String>),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            Change {
                actor,
                action: "restore",
                conversation: Some(id),
                target: None,
                before: None,
                after: None,
            },
        )?;
        Ok(())
    })
}

/// The trash, most recently deleted first.
pub fn list_trash(conn: &mut DbConnection) -> AppResult<Vec<ConversationSummary>> {
    let rows: Vec<ConversationRow> = conversations::table
        .filter(conversations::deleted_at.is_not_null())
        .order(conversations::deleted_at.desc())
        .select(ConversationRow::as_select())
        .load(conn)?;
    summarise(conn, rows)
}

/// Deletes for good what has been in the trash longer than `days`; returns how many.
pub fn purge(conn: &mut DbConnection, days: i64) -> AppResult<usize> {
    let cutoff = chrono::Utc::now().naive_utc() - chrono::Duration::days(days);
    Ok(
        diesel::delete(conversations::table.filter(conversations::deleted_at.lt(cutoff)))
            .execute(conn)?,
    )
}
