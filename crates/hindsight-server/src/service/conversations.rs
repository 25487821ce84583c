//! Reading conversations: the inbox, one conversation, its tracker, its story at a message,
//! the filter menus and the audit trail.

use hindsight_types::{
    AuditEntry, ConversationDetail, ConversationFilter, ConversationPage, EventWindow, Facets,
    PageRequest, ReviewStatus, StoryAtEvent, TabCounts, WindowAnchor,
};

use super::{any_conversation, live_conversation};
use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::conversations::{Cursor, CursorError};
use crate::error::{bad_request, not_found, AppError, AppResult};
use crate::{db, story};

/// Most audit entries one answer lists.
pub const AUDIT_LIMIT: i64 = 1_000;

/// One page of the inbox, with the snapshot mark a bulk change can be bound to.
pub async fn list_conversations(
    state: &AppState,
    caller: AuthUser,
    query: AppResult<(ConversationFilter, PageRequest)>,
) -> AppResult<ConversationPage> {
    caller.require(Role::Viewer)?;
    let (filter, page) = query?;
    super::path_rewrite::require_paths_for(&state.path_rewrite, &filter)?;
    let after = page
        .cursor
        .as_deref()
        .map(|c| Cursor::decode(c, filter.sort).map_err(cursor_error))
        .transpose()?;
    state
        .db(move |conn| {
            // Read before the page, so that every conversation of the page existed at the mark
            // (a bulk change bound to it never reaches one the reviewer was not shown).
            let snapshot = db::triage::newest_event_id(conn)?;
            let page = db::conversations::list(conn, &filter, &page, after.as_ref())?;
            Ok(ConversationPage { snapshot, ..page })
        })
        .await
}

fn cursor_error(e: CursorError) -> AppError {
    match e {
        CursorError::Unknown => bad_request("cursor", "`cursor` is not one this server gave out"),
        CursorError::OtherOrder => bad_request("cursor", "`cursor` belongs to another sort order"),
    }
}

/// How many conversations match a filter.
pub async fn count_conversations(
    state: &AppState,
    caller: AuthUser,
    filter: AppResult<ConversationFilter>,
) -> AppResult<i64> {
    caller.require(Role::Viewer)?;
    let filter = filter?;
    super::path_rewrite::require_paths_for(&state.path_rewrite, &filter)?;
    let pool = state.pool.clone();
    state
        .db(move |conn| Ok(db::conversations::count_exactly(conn, &pool, &filter)?))
        .await
}

/// How many conversations match a filter in each review status (its own status left out):
/// exact, or with `estimate` an estimate when counting exactly takes longer than the
/// configured `exact_counts_within_ms` (the inbox's rows come with their counts within a
/// glance; the exact numbers follow).
pub async fn count_tabs(
    state: &AppState,
    caller: AuthUser,
    query: AppResult<(ConversationFilter, bool)>,
) -> AppResult<TabCounts> {
    caller.require(Role::Viewer)?;
    let (filter, estimate) = query?;
    super::path_rewrite::require_paths_for(&state.path_rewrite, &filter)?;
    let within = std::time::Duration::from_millis(state.config.exact_counts_within_ms);
    let pool = state.pool.clone();
    let (rows, exact) = state
        .db(move |conn| {
            Ok(if estimate {
                db::conversations::count_by_status_or_estimate(conn, &filter, within)?
            } else {
                (
                    db::conversations::count_by_status_exactly(conn, &pool, &filter)?,
                    true,
                )
            })
        })
        .await?;
    let of = |status: ReviewStatus| {
        rows.iter()
            .find(|(s, _)| s == status.as_str())
            .map_or(0, |(_, n)| *n)
    };
    let (unread, saved_for_later, reviewed) = (
        of(ReviewStatus::Unread),
        of(ReviewStatus::SavedForLater),
        of(ReviewStatus::Reviewed),
    );
    Ok(TabCounts {
        all: unread + saved_for_later + reviewed,
        unread,
        saved_for_later,
        reviewed,
        exact,
    })
}

/// A live conversation with one window of its events in recorded order (the tracker export
/// has them all).
pub async fn get_conversation(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
    window: AppResult<EventWindow>,
) -> AppResult<ConversationDetail> {
    caller.require(Role::Viewer)?;
    let window = window?;
    state
        .db(move |conn| {
            let row = live_conversation(conn, &sender_id)?;
            let (total, latest_event_id) = db::events::count_and_latest(conn, row.id)?;
            let anchor_id = match window.anchor {
                WindowAnchor::Around(id) | WindowAnchor::After(id) | WindowAnchor::Before(id) => {
                    Some(id)
                }
                WindowAnchor::Start | WindowAnchor::Offset(_) => None,
            };
            let at = match anchor_id {
                Some(id) => Some(db::events::position_of(conn, row.id, id)?.ok_or_else(|| {
                    not_found(format!("event {id} in conversation `{}`", row.sender_id))
                })?),
                None => None,
            };
            let range = window.range(at, total);
            let flags = db::events::flags_of(conn, row.id)?;
            let events = db::events::event_views_between(conn, row.id, range, &flags)?;
            let summary = db::conversations::summarise(conn, vec![row])?.remove(0);
            Ok(ConversationDetail {
                summary,
                total_events: total,
                offset: range.0,
                before: events.first().filter(|_| range.0 > 0).map(|e| e.id),
                after: events.last().filter(|_| range.1 < total).map(|e| e.id),
                latest_event_id,
                flags,
                events,
            })
        })
        .await
}

/// A live conversation as Rasa tracker JSON, each event exactly as it was imported.
pub async fn export_tracker(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
) -> AppResult<String> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| {
            let row = live_conversation(conn, &sender_id)?;
            let events = db::events::load_event_data(conn, row.id)?;
            Ok(crate::ingest::export::tracker_json(&row.sender_id, &events))
        })
        .await
}

/// The story up to and including an event, and the slots at that point.
pub async fn story_at(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
    event_id: i64,
    e2e: bool,
) -> AppResult<StoryAtEvent> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| {
            let row = live_conversation(conn, &sender_id)?;
            let (events, index) = db::events::events_until(conn, &row, event_id)?;
            let index = index.ok_or_else(|| {
                not_found(format!(
                    "event {event_id} in conversation `{}`",
                    row.sender_id
                ))
            })?;
            // Rasa names the story after the conversation's sender id.
            let story = story::story_until_named(&events, index, e2e, &row.sender_id);
            let slots = story::slots_at(&events, index);
            Ok(StoryAtEvent {
                step_lines: step_lines(&events, index, e2e, &row.sender_id, &story),
                changed_slots: changed_slots(&events, index, &slots),
                story,
                slots,
            })
        })
        .await
}

/// The lines (from 1) that the event at `index` added to the story: those after the longest
/// common beginning of the story up to it and the story up to the event before it.
fn step_lines(
    events: &[serde_json::Value],
    index: usize,
    e2e: bool,
    name: &str,
    story: &str,
) -> Option<[u32; 2]> {
    let before = match index.checked_sub(1) {
        Some(prev) => story::story_until_named(events, prev, e2e, name),
        None => story::story_until_named(&[], 0, e2e, name),
    };
    let same = story
        .lines()
        .zip(before.lines())
        .take_while(|(a, b)| a == b)
        .count();
    let total = story.lines().count();
    (total > same).then(|| [same as u32 + 1, total as u32])
}

/// The slots whose value at `index` differs from their value before the turn holding it
/// (the turn starts at the latest user message up to `index`).
fn changed_slots(
    events: &[serde_json::Value],
    index: usize,
    now: &serde_json::Map<String, serde_json::Value>,
) -> Vec<String> {
    let turn_start = events[..=index]
        .iter()
        .rposition(|e| e.get("event").and_then(|v| v.as_str()) == Some("user"))
        .unwrap_or(0);
    let before = turn_start
        .checked_sub(1)
        .map(|prev| story::slots_at(events, prev))
        .unwrap_or_default();
    now.iter()
        .filter(|(k, v)| before.get(*k).unwrap_or(&serde_json::Value::Null) != *v)
        .map(|(k, _)| k.clone())
        .collect()
}

/// The values the filter menus offer, with their counts.
pub async fn facets(state: &AppState, caller: AuthUser) -> AppResult<Facets> {
    caller.require(Role::Viewer)?;
    state.db(|conn| Ok(db::facets::facets(conn)?)).await
}

/// Changes to one conversation (live or in the trash), newest first.
pub async fn conversation_audit(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
) -> AppResult<Vec<AuditEntry>> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| {
            let id = any_conversation(conn, &sender_id)?;
            Ok(db::audit::list(conn, Some(id), AUDIT_LIMIT)?)
        })
        .await
}

/// Every recorded change, newest first (admins).
pub async fn all_audit(state: &AppState, caller: AuthUser) -> AppResult<Vec<AuditEntry>> {
    caller.require(Role::Admin)?;
    state
        .db(|conn| Ok(db::audit::list(conn, None, AUDIT_LIMIT)?))
        .await
}
