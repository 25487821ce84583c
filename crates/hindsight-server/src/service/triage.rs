//! Review status, the trash and bulk changes.

use std::collections::HashSet;

use hindsight_types::{
    BulkAction, BulkRequest, BulkSelection, ConversationFilter, ConversationPage,
    ReviewStatusUpdate,
};
use serde_json::json;

use super::lock_live_conversation;
use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::audit::{self, Change};
use crate::db::{self, triage, write_transaction};
use crate::error::{bad_request, not_found, AppResult};

/// Who may delete and restore: admins, and reviewers when the configuration lets them.
fn require_delete(caller: &AuthUser, state: &AppState) -> AppResult<()> {
    if state.config.reviewers_may_delete {
        caller.require(Role::Reviewer)
    } else {
        caller.require(Role::Admin)
    }
}

/// Sets a conversation's review status. "New since reviewed" is cleared, except when the
/// update names the last event the reviewer saw and newer events exist.
pub async fn set_review_status(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
    update: AppResult<ReviewStatusUpdate>,
) -> AppResult<()> {
    caller.require(Role::Reviewer)?;
    let update = update?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let row = lock_live_conversation(conn, &sender_id)?;
                let with_news = match update.seen_event_id {
                    Some(seen) => triage::with_events_after(conn, &[row.id], seen)?,
                    None => HashSet::new(),
                };
                let status = update.review_status;
                triage::set_review_status_many(conn, &[row.id], status, &with_news)?;
                let has_news = with_news.contains(&row.id);
                audit::record(
                    conn,
                    Change {
                        actor: &caller.name,
                        action: "review_status",
                        conversation: Some(row.id),
                        target: None,
                        before: Some(
                            json!({"review_status": row.review_status, "has_news": row.has_news}),
                        ),
                        after: Some(
                            json!({"review_status": status.as_str(), "has_news": has_news}),
                        ),
                    },
                )?;
                Ok(())
            })
        })
        .await
}

/// Moves a conversation to the trash, and purges what has been there past the retention.
pub async fn trash_conversation(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
) -> AppResult<()> {
    require_delete(&caller, state)?;
    let days = state.config.trash_days;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| -> AppResult<()> {
                let row = lock_live_conversation(conn, &sender_id)?;
                triage::trash_many(conn, &[row.id], &caller.name)?;
                audit::record(
                    conn,
                    Change {
                        actor: &caller.name,
                        action: "delete",
                        conversation: Some(row.id),
                        target: None,
                        before: Some(json!({"deleted": false})),
                        after: Some(json!({"deleted": true})),
                    },
                )?;
                Ok(())
            })?;
            // Apart from the change: a failed purge must not undo the delete.
            triage::purge(conn, days)?;
            Ok(())
        })
        .await
}

/// Brings a conversation back from the trash; 404 unless it is there.
pub async fn restore_conversation(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
) -> AppResult<()> {
    require_delete(&caller, state)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let id = triage::find_trashed(conn, &sender_id)?
                    .ok_or_else(|| not_found(format!("conversation `{sender_id}` in the trash")))?;
                triage::restore(conn, id)?;
                audit::record(
                    conn,
                    Change {
                        actor: &caller.name,
                        action: "restore",
                        conversation: Some(id),
                        target: None,
                        before: Some(json!({"deleted": true})),
                        after: Some(json!({"deleted": false})),
                    },
                )?;
                Ok(())
            })
        })
        .await
}

/// Largest page of the trash.
pub const TRASH_PAGE_MAX: i64 = 500;

/// One page of the trash, most recently deleted first. `cursor` is the previous page's
/// `next_cursor`.
pub async fn list_trash(
    state: &AppState,
    caller: AuthUser,
    limit: Option<i64>,
    cursor: Option<String>,
) -> AppResult<ConversationPage> {
    caller.require(Role::Admin)?;
    let limit = limit.unwrap_or(100);
    if !(1..=TRASH_PAGE_MAX).contains(&limit) {
        return Err(bad_request(
            "limit",
            format!("`limit` is 1 to {TRASH_PAGE_MAX}"),
        ));
    }
    let cursor = cursor.as_deref().map(decode_trash_cursor).transpose()?;
    state
        .db(move |conn| {
            let snapshot = triage::newest_event_id(conn)?;
            let total = triage::trash_count(conn)?;
            let mut rows = triage::trash_page(conn, limit + 1, cursor)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next_cursor = match rows.last() {
                // Nanoseconds: SQLite keeps the time as text with all its digits.
                Some((_, (at, id))) if more => at
                    .and_utc()
                    .timestamp_nanos_opt()
                    .map(|nanos| super::cursor::pair(nanos, *id)),
                _ => None,
            };
            let rows = rows.into_iter().map(|(row, _)| row).collect();
            Ok(ConversationPage {
                conversations: db::conversations::summarise(conn, rows)?,
                total,
                next_cursor,
                snapshot,
            })
        })
        .await
}

fn decode_trash_cursor(text: &str) -> AppResult<triage::TrashCursor> {
    let (nanos, id) = super::cursor::parse_pair(text)?;
    Ok((
        chrono::DateTime::from_timestamp_nanos(nanos).naive_utc(),
        id,
    ))
}

/// One change to many conversations, in one transaction; returns how many changed.
pub async fn bulk(
    state: &AppState,
    caller: AuthUser,
    request: AppResult<BulkRequest>,
) -> AppResult<i64> {
    caller.require(Role::Reviewer)?;
    let request = request?;
    if matches!(request.action, BulkAction::Delete) {
        require_delete(&caller, state)?;
    }
    let filter = match &request.selection {
        BulkSelection::Filter(query) => Some(ConversationFilter::from_query(query)?),
        BulkSelection::Ids(_) => None,
    };
    if let Some(filter) = &filter {
        super::path_rewrite::require_paths_for(&state.path_rewrite, filter)?;
    }
    if let BulkAction::AddTag { value, color } = &request.action {
        super::tags::check_name("value", value)?;
        if let Some(color) = color {
            super::tags::check_color(color)?;
        }
    }
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                apply_bulk(conn, &caller, &request, filter.as_ref())
            })
        })
        .await
}

fn apply_bulk(
    conn: &mut db::DbConnection,
    caller: &AuthUser,
    request: &BulkRequest,
    filter: Option<&ConversationFilter>,
) -> AppResult<i64> {
    let mut ids = match (&request.selection, filter) {
        (BulkSelection::Ids(names), _) => triage::live_ids(conn, names)?,
        (BulkSelection::Filter(_), Some(filter)) => triage::matching_ids(conn, filter)?,
        (BulkSelection::Filter(_), None) => Vec::new(),
    };
    // Bound to what the reviewer was shown: conversations that arrived after the snapshot
    // are left alone.
    if let Some(as_of) = request.as_of {
        ids = triage::existing_at(conn, &ids, as_of)?;
    }
    let actor = caller.name.as_str();
    let (changed, action, target, before, after) = match &request.action {
        BulkAction::SetReviewStatus { review_status } => {
            let with_news = match request.as_of {
                Some(as_of) => triage::with_events_after(conn, &ids, as_of)?,
                None => HashSet::new(),
            };
            let changed = triage::set_review_status_many(conn, &ids, *review_status, &with_news)?;
            // One audit row per conversation, each with its own state before: grouped by
            // (before, after), a handful of batched inserts.
            let mut groups: std::collections::BTreeMap<(&str, bool, bool), Vec<Option<i64>>> =
                Default::default();
            for (id, status, has_news) in &changed {
                let key = (status.as_str(), *has_news, with_news.contains(id));
                groups.entry(key).or_default().push(Some(*id));
            }
            for ((status, had_news, has_news), audited) in groups {
                let change = Change {
                    actor,
                    action: "review_status",
                    conversation: None,
                    target: None,
                    before: Some(json!({"review_status": status, "has_news": had_news})),
                    after: Some(json!({
                        "review_status": review_status.as_str(),
                        "has_news": has_news,
                    })),
                };
                audit::record_each(conn, &change, &audited)?;
            }
            return Ok(changed.len() as i64);
        }
        BulkAction::AddTag { value, color } => {
            let tag = super::tags::get_or_create(conn, actor, value, color.as_deref())?;
            let added = db::tags::add_many(conn, &ids, tag.id, actor)?;
            let (before, after) = (json!({"tagged": false}), json!({"tagged": true}));
            (added, "tag_added", Some(tag.value), before, after)
        }
        BulkAction::RemoveTag { value } => {
            let (before, after) = (json!({"tagged": true}), json!({"tagged": false}));
            match db::tags::by_name(conn, value)? {
                Some(tag) => {
                    let removed = db::tags::remove_many(conn, &ids, tag.id)?;
                    (removed, "tag_removed", Some(tag.value), before, after)
                }
                None => (Vec::new(), "tag_removed", None, before, after),
            }
        }
        BulkAction::Delete => {
            let trashed = triage::trash_many(conn, &ids, actor)?;
            let (before, after) = (json!({"deleted": false}), json!({"deleted": true}));
            (trashed, "delete", None, before, after)
        }
    };
    // Only conversations that changed are recorded, so one state before holds for each.
    let audited: Vec<Option<i64>> = changed.iter().map(|id| Some(*id)).collect();
    let change = Change {
        actor,
        action,
        conversation: None,
        target,
        before: Some(before),
        after: Some(after),
    };
    audit::record_each(conn, &change, &audited)?;
    Ok(changed.len() as i64)
}
