//! Reading conversations: the inbox, one conversation, its tracker, its story at a message,
//! the filter menus and the audit trail.

use hindsight_types::{
    AuditEntry, ConversationDetail, ConversationFilter, ConversationPage, Facets, PageRequest,
    StoryAtEvent,
};

use super::{any_conversation, live_conversation};
use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::error::{not_found, AppResult};
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
    state
        .db(move |conn| {
            // Read before the page, so that every conversation of the page existed at the mark
            // (a bulk change bound to it never reaches one the reviewer was not shown).
            let snapshot = db::triage::newest_event_id(conn)?;
            let page = db::conversations::list(conn, &filter, &page)?;
            Ok(ConversationPage { snapshot, ..page })
        })
        .await
}

/// How many conversations match a filter.
pub async fn count_conversations(
    state: &AppState,
    caller: AuthUser,
    filter: AppResult<ConversationFilter>,
) -> AppResult<i64> {
    caller.require(Role::Viewer)?;
    let filter = filter?;
    state
        .db(move |conn| db::conversations::count(conn, &filter))
        .await
}

/// A live conversation with every event in recorded order.
pub async fn get_conversation(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
) -> AppResult<ConversationDetail> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| {
            let row = live_conversation(conn, &sender_id)?;
            let events = db::events::event_views(conn, &row)?;
            let summary = db::conversations::summarise(conn, vec![row])?.remove(0);
            Ok(ConversationDetail { summary, events })
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
            Ok(StoryAtEvent {
                // Rasa names the story after the conversation's sender id.
                story: story::story_until_named(&events, index, e2e, &row.sender_id),
                slots: story::slots_at(&events, index),
            })
        })
        .await
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
