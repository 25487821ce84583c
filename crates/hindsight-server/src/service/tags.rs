//! Tags: creating, changing and deleting them, and tagging conversations.

use hindsight_types::{Tag, TagUpdate, TagWithUsage};
use serde_json::json;

use super::{live_conversation, lock_live_conversation};
use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::audit::{self, Change};
use crate::db::{self, write_transaction, DbConnection};
use crate::error::{bad_request, conflict, not_found, AppResult};

/// Colour of tags created without one.
pub const DEFAULT_COLOR: &str = "8d8d8d";

/// 400 naming `field` unless `color` is exactly six hex digits.
pub fn check_color(color: &str) -> AppResult<()> {
    if color.len() == 6 && color.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(bad_request(
            "color",
            format!("`{color}` is not six hex digits (e.g. `ff8800`, no `#`)"),
        ))
    }
}

/// 400 naming `field` unless the tag name has 1–100 characters and no surrounding spaces.
pub fn check_name(field: &str, value: &str) -> AppResult<()> {
    let n = value.trim().chars().count();
    if (1..=100).contains(&n) && n == value.chars().count() {
        Ok(())
    } else {
        Err(bad_request(
            field,
            "a tag name has 1 to 100 characters, without surrounding spaces",
        ))
    }
}

fn tag_json(tag: &Tag) -> serde_json::Value {
    json!({"value": tag.value, "color": tag.color})
}

fn existing(conn: &mut DbConnection, id: i64) -> AppResult<Tag> {
    db::tags::get(conn, id)?.ok_or_else(|| not_found(format!("tag {id}")))
}

fn name_taken(value: &str) -> crate::error::AppError {
    conflict("value", format!("the tag `{value}` exists already"))
}

/// The tag named `value`, created (with `color` or the default) when missing, the creation
/// audited as `actor`'s. Name and colour are validated by the caller.
pub(super) fn get_or_create(
    conn: &mut DbConnection,
    actor: &str,
    value: &str,
    color: Option<&str>,
) -> AppResult<Tag> {
    match db::tags::by_name(conn, value)? {
        Some(tag) => Ok(tag),
        None => create_audited(conn, actor, value, color.unwrap_or(DEFAULT_COLOR)),
    }
}

/// Creates a tag and records its creation as `actor`'s.
fn create_audited(
    conn: &mut DbConnection,
    actor: &str,
    value: &str,
    color: &str,
) -> AppResult<Tag> {
    let tag = db::tags::create(conn, value, color)?;
    let change = Change {
        actor,
        action: "tag_created",
        conversation: None,
        target: Some(tag.value.clone()),
        before: None,
        after: Some(tag_json(&tag)),
    };
    audit::record(conn, change)?;
    Ok(tag)
}

/// Every tag with how many live conversations carry it.
pub async fn list_tags(state: &AppState, caller: AuthUser) -> AppResult<Vec<TagWithUsage>> {
    caller.require(Role::Viewer)?;
    state.db(|conn| Ok(db::tags::list_with_usage(conn)?)).await
}

/// Creates a tag; 409 naming `value` when the name is taken.
pub async fn create_tag(
    state: &AppState,
    caller: AuthUser,
    update: AppResult<TagUpdate>,
) -> AppResult<Tag> {
    caller.require(Role::Reviewer)?;
    let TagUpdate { value, color } = update?;
    let value =
        value.ok_or_else(|| bad_request("value", "a new tag needs a `value` (its name)"))?;
    check_name("value", &value)?;
    let color = color.unwrap_or_else(|| DEFAULT_COLOR.to_owned());
    check_color(&color)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                if db::tags::by_name(conn, &value)?.is_some() {
                    return Err(name_taken(&value));
                }
                create_audited(conn, &caller.name, &value, &color)
            })
        })
        .await
}

/// Renames and/or recolours a tag: both are checked before anything is written.
pub async fn update_tag(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    update: AppResult<TagUpdate>,
) -> AppResult<Tag> {
    caller.require(Role::Reviewer)?;
    let TagUpdate { value, color } = update?;
    if let Some(value) = &value {
        check_name("value", value)?;
    }
    if let Some(color) = &color {
        check_color(color)?;
    }
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let before = existing(conn, id)?;
                if let Some(v) = &value {
                    if db::tags::by_name(conn, v)?.is_some_and(|t| t.id != id) {
                        return Err(name_taken(v));
                    }
                }
                let after = Tag {
                    id,
                    value: value.unwrap_or_else(|| before.value.clone()),
                    color: color.unwrap_or_else(|| before.color.clone()),
                };
                db::tags::update(conn, &after)?;
                let change = Change {
                    actor: &caller.name,
                    action: "tag_updated",
                    conversation: None,
                    target: Some(after.value.clone()),
                    before: Some(tag_json(&before)),
                    after: Some(tag_json(&after)),
                };
                audit::record(conn, change)?;
                Ok(after)
            })
        })
        .await
}

/// Deletes a tag everywhere (admins).
pub async fn delete_tag(state: &AppState, caller: AuthUser, id: i64) -> AppResult<()> {
    caller.require(Role::Admin)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let tag = existing(conn, id)?;
                db::tags::delete(conn, id)?;
                let change = Change {
                    actor: &caller.name,
                    action: "tag_deleted",
                    conversation: None,
                    target: Some(tag.value.clone()),
                    before: Some(tag_json(&tag)),
                    after: None,
                };
                Ok(audit::record(conn, change)?)
            })
        })
        .await
}

/// The tags of a live conversation.
pub async fn conversation_tags(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
) -> AppResult<Vec<Tag>> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| {
            let row = live_conversation(conn, &sender_id)?;
            Ok(db::tags::of_conversation(conn, row.id)?)
        })
        .await
}

/// A tag to put on a conversation: an existing one by id, or one by name (created when missing).
#[derive(Debug, Clone)]
pub enum TagRef {
    /// `{"id": …}`
    Id(i64),
    /// `{"value": …, "color": …}`
    Named {
        /// Name.
        value: String,
        /// Colour, for a tag that does not exist yet.
        color: Option<String>,
    },
}

/// Tags a conversation; answers its tags. Each tag added (and each tag created) is audited.
pub async fn tag_conversation(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
    refs: AppResult<Vec<TagRef>>,
) -> AppResult<Vec<Tag>> {
    caller.require(Role::Reviewer)?;
    let refs = refs?;
    for r in &refs {
        if let TagRef::Named { value, color } = r {
            check_name("value", value)?;
            if let Some(color) = color {
                check_color(color)?;
            }
        }
    }
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let row = lock_live_conversation(conn, &sender_id)?;
                for r in refs {
                    let tag = match r {
                        TagRef::Id(id) => existing(conn, id)?,
                        TagRef::Named { value, color } => {
                            get_or_create(conn, &caller.name, &value, color.as_deref())?
                        }
                    };
                    if !db::tags::add_many(conn, &[row.id], tag.id, &caller.name)?.is_empty() {
                        let change = Change {
                            actor: &caller.name,
                            action: "tag_added",
                            conversation: Some(row.id),
                            target: Some(tag.value.clone()),
                            before: Some(json!({"tagged": false})),
                            after: Some(json!({"tagged": true})),
                        };
                        audit::record(conn, change)?;
                    }
                }
                Ok(db::tags::of_conversation(conn, row.id)?)
            })
        })
        .await
}

/// Removes a tag from a conversation; 404 when it does not carry it.
pub async fn untag_conversation(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
    tag_id: i64,
) -> AppResult<()> {
    caller.require(Role::Reviewer)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let row = lock_live_conversation(conn, &sender_id)?;
                let tag = existing(conn, tag_id)?;
                if db::tags::remove_many(conn, &[row.id], tag.id)?.is_empty() {
                    return Err(not_found(format!(
                        "tag {tag_id} on conversation `{sender_id}`"
                    )));
                }
                let change = Change {
                    actor: &caller.name,
                    action: "tag_removed",
                    conversation: Some(row.id),
                    target: Some(tag.value),
                    before: Some(json!({"tagged": true})),
                    after: Some(json!({"tagged": false})),
                };
                Ok(audit::record(conn, change)?)
            })
        })
        .await
}
