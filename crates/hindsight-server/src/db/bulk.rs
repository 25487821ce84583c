//! One change applied to many conversations, in one transaction, in batched statements.

use diesel::prelude::*;
use hindsight_types::{BulkAction, BulkRequest, BulkSelection, ConversationFilter};
use serde_json::json;

use super::audit::{self, Change};
use super::schema::conversations;
use super::triage::CHUNK;
use super::{tags, triage, DbConnection};
use crate::error::AppResult;

/// Internal ids of the live conversations a selection names.
fn select_ids(conn: &mut DbConnection, selection: &BulkSelection) -> AppResult<Vec<i64>> {
    match selection {
        BulkSelection::Ids(names) => {
            let mut ids = Vec::new();
            for chunk in names.chunks(CHUNK) {
                let found: Vec<i64> = conversations::table
                    .filter(conversations::sender_id.eq_any(chunk))
                    .filter(conversations::deleted_at.is_null())
                    .select(conversations::id)
                    .load(conn)?;
                ids.extend(found);
            }
            Ok(ids)
        }
        BulkSelection::Filter(query) => {
            let filter = ConversationFilter::from_query(query)?;
            let backend = conn.backend();
            Ok(super::conversations::filtered_for(backend, &filter)
                .select(conversations::id)
                .load(conn)?)
        }
    }
}

/// Applies `request` as `actor`; returns how many conversations changed. Audited per conversation.
pub fn apply(conn: &mut DbConnection, request: &BulkRequest, actor: &str) -> AppResult<i64> {
    crate::db::write_transaction(conn, |conn| {
        let ids = select_ids(conn, &request.selection)?;
        let (changed, action, target, after) = match &request.action {
            BulkAction::SetReviewStatus { review_status } => {
                let changed = triage::set_review_status_many(conn, &ids, *review_status)?;
                (
                    changed,
                    "review_status",
                    None,
                    Some(json!({"review_status": review_status.as_str()})),
                )
            }
            BulkAction::AddTag { value, color } => {
                let tag = tags::get_or_create(conn, value, color.as_deref())?;
                (
                    tags::add_many(conn, &ids, tag.id, actor)?,
                    "tag_added",
                    Some(tag.value),
                    None,
                )
            }
            BulkAction::RemoveTag { value } => match tags::by_name(conn, value)? {
                Some(tag) => (
                    tags::remove_many(conn, &ids, tag.id)?,
                    "tag_removed",
                    Some(tag.value),
                    None,
                ),
                None => (Vec::new(), "tag_removed", None, None),
            },
            BulkAction::Delete => (triage::trash_many(conn, &ids, actor)?, "delete", None, None),
        };
        let audited: Vec<Option<i64>> = changed.iter().map(|id| Some(*id)).collect();
        let change = Change {
            actor,
            action,
            conversation: None,
            target,
            before: None,
            after,
        };
        audit::record_each(conn, &change, &audited)?;
        Ok(changed.len() as i64)
    })
}
