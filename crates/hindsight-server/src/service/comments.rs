//! Comments on a conversation or one of its events, with `@username` mentions.
//!
//! Whoever may flag (reviewers and admins) may comment; anyone signed in may read. Only a
//! comment's author edits it; its author or an admin deletes it (an admin removes what should
//! not stay, such as personal data, and the audit trail says who did). Every change is
//! announced on the live stream once committed, so open conversations show it. A comment of a
//! conversation in the trash is out of reach until the conversation is restored, and goes
//! with it when it is purged.

use hindsight_types::comments::{MAX_COMMENT_CHARS, MENTIONS_PAGE_MAX};
use hindsight_types::{
    Comment, CommentChange, CommentChangeKind, CommentPage, CommentUpdate, NewComment,
};
use serde_json::json;

use super::{live_conversation, lock_live_conversation};
use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::audit::{self, Change};
use crate::db::comments::CommentRow;
use crate::db::{self, write_transaction, DbConnection};
use crate::error::{bad_request, forbidden, not_found, AppError, AppResult};

/// The trimmed body, or 400 naming `body`.
fn check_body(body: &str) -> AppResult<String> {
    let body = body.trim();
    if body.is_empty() {
        return Err(bad_request("body", "a comment needs some text"));
    }
    if body.chars().count() > MAX_COMMENT_CHARS {
        return Err(bad_request(
            "body",
            format!("a comment has at most {MAX_COMMENT_CHARS} characters"),
        ));
    }
    Ok(body.to_owned())
}

/// The comment `id` as the API shows it.
fn shown(conn: &mut DbConnection, id: i64) -> AppResult<Comment> {
    let row = db::comments::find(conn, id)?.ok_or_else(|| not_found(format!("comment {id}")))?;
    Ok(db::comments::with_mentions(conn, vec![row])?.remove(0))
}

/// The comment `id` with its conversation locked for the rest of the transaction; 404 when
/// it does not exist or its conversation is in the trash.
fn lock_comment(conn: &mut DbConnection, id: i64) -> AppResult<CommentRow> {
    let missing = || not_found(format!("comment {id}"));
    let row = db::comments::find(conn, id)?
        .filter(|r| r.trashed.is_none())
        .ok_or_else(missing)?;
    lock_live_conversation(conn, &row.sender_id)?;
    // Read again under the lock: it may have been edited or deleted meanwhile.
    db::comments::find(conn, id)?
        .filter(|r| r.trashed.is_none())
        .ok_or_else(missing)
}

/// Inside the comment's transaction: the change to announce, sent with PostgreSQL's `NOTIFY`
/// (delivered on commit); [`announce`] hands it to this process's streams on SQLite.
fn notify(
    conn: &mut DbConnection,
    change: CommentChangeKind,
    conversation_id: &str,
    comment_id: i64,
    event_id: Option<i64>,
    actor: &str,
) -> AppResult<CommentChange> {
    let change = CommentChange {
        conversation_id: conversation_id.to_owned(),
        comment_id,
        event_id,
        change,
        actor: actor.to_owned(),
    };
    db::changes::notify_comment(conn, &change)?;
    Ok(change)
}

/// After the commit: announces `change` (see [`notify`]).
fn announce(state: &AppState, change: Option<CommentChange>) {
    if let Some(change) = change {
        state.changes.comment_committed(state.backend, change);
    }
}

fn audited(row: &CommentRow, mentions: &[String]) -> serde_json::Value {
    json!({"body": row.body, "event_id": row.event_id, "author": row.author, "mentions": mentions})
}

/// The comments of a live conversation, oldest first.
pub async fn list(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
) -> AppResult<Vec<Comment>> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| {
            let row = live_conversation(conn, &sender_id)?;
            Ok(db::comments::of_conversation(conn, row.id)?)
        })
        .await
}

/// Writes a comment on the conversation or one of its events.
pub async fn create(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
    new: AppResult<NewComment>,
) -> AppResult<Comment> {
    caller.require(Role::Reviewer)?;
    let new = new?;
    let body = check_body(&new.body)?;
    let (comment, change) = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let conversation = lock_live_conversation(conn, &sender_id)?;
                if let Some(event) = new.event_id {
                    if !db::flags::is_event_of(conn, conversation.id, event)? {
                        return Err(bad_request(
                            "event_id",
                            format!("event {event} is not an event of conversation `{sender_id}`"),
                        ));
                    }
                }
                let mentions = db::comments::mentioned_users(conn, &body)?;
                let id =
                    db::comments::insert(conn, conversation.id, new.event_id, &caller.name, &body)?;
                db::comments::set_mentions(conn, id, &mentions)?;
                let comment = shown(conn, id)?;
                let change = Change {
                    actor: &caller.name,
                    action: "comment_added",
                    conversation: Some(conversation.id),
                    target: Some(format!("comment {id}")),
                    before: None,
                    after: Some(json!({
                        "body": comment.body,
                        "event_id": comment.event_id,
                        "author": comment.author,
                        "mentions": comment.mentions,
                    })),
                };
                audit::record(conn, change)?;
                let change = notify(
                    conn,
                    CommentChangeKind::Created,
                    &sender_id,
                    id,
                    comment.event_id,
                    &caller.name,
                )?;
                Ok((comment, Some(change)))
            })
        })
        .await?;
    announce(state, change);
    Ok(comment)
}

/// Changes a comment's text (its author only); its mentions are read again.
pub async fn edit(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    update: AppResult<CommentUpdate>,
) -> AppResult<Comment> {
    caller.require(Role::Reviewer)?;
    let body = check_body(&update?.body)?;
    let (comment, change) = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let row = lock_comment(conn, id)?;
                if row.author != caller.name {
                    return Err(forbidden("only its author may edit a comment"));
                }
                let before = shown(conn, id)?;
                if row.body == body {
                    // Nothing changed: nothing to announce.
                    return Ok((before, None));
                }
                let mentions = db::comments::mentioned_users(conn, &body)?;
                db::comments::update_body(conn, id, &body)?;
                db::comments::set_mentions(conn, id, &mentions)?;
                let after = shown(conn, id)?;
                let edited = CommentRow {
                    body: body.clone(),
                    ..row.clone()
                };
                let change = Change {
                    actor: &caller.name,
                    action: "comment_edited",
                    conversation: Some(row.conversation),
                    target: Some(format!("comment {id}")),
                    before: Some(audited(&row, &before.mentions)),
                    after: Some(audited(&edited, &after.mentions)),
                };
                audit::record(conn, change)?;
                let change = notify(
                    conn,
                    CommentChangeKind::Updated,
                    &row.sender_id,
                    id,
                    row.event_id,
                    &caller.name,
                )?;
                Ok((after, Some(change)))
            })
        })
        .await?;
    announce(state, change);
    Ok(comment)
}

/// Deletes a comment: its author, or an admin.
pub async fn delete(state: &AppState, caller: AuthUser, id: i64) -> AppResult<()> {
    caller.require(Role::Reviewer)?;
    let change = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let row = lock_comment(conn, id)?;
                if row.author != caller.name && caller.role != Role::Admin {
                    return Err(forbidden(
                        "only its author or an admin may delete a comment",
                    ));
                }
                let before = shown(conn, id)?;
                db::comments::delete(conn, id)?;
                let change = Change {
                    actor: &caller.name,
                    action: "comment_deleted",
                    conversation: Some(row.conversation),
                    target: Some(format!("comment {id}")),
                    before: Some(audited(&row, &before.mentions)),
                    after: None,
                };
                audit::record(conn, change)?;
                notify(
                    conn,
                    CommentChangeKind::Deleted,
                    &row.sender_id,
                    id,
                    row.event_id,
                    &caller.name,
                )
            })
        })
        .await?;
    announce(state, Some(change));
    Ok(())
}

/// A page of the comments mentioning the caller, newest first; `cursor` is the previous
/// page's `next_cursor`.
pub async fn mentions(
    state: &AppState,
    caller: AuthUser,
    limit: Option<i64>,
    cursor: Option<String>,
) -> AppResult<CommentPage> {
    caller.require(Role::Viewer)?;
    let limit = limit.unwrap_or(50);
    if !(1..=MENTIONS_PAGE_MAX).contains(&limit) {
        return Err(bad_request(
            "limit",
            format!("`limit` is 1 to {MENTIONS_PAGE_MAX}"),
        ));
    }
    let before = cursor
        .map(|c| {
            c.parse::<i64>()
                .ok()
                .filter(|c| *c > 0)
                .ok_or_else(super::cursor::unknown_cursor)
        })
        .transpose()?;
    state
        .db(move |conn| {
            let mut comments = db::comments::mentioning(conn, &caller.name, limit + 1, before)?;
            let more = comments.len() as i64 > limit;
            comments.truncate(limit as usize);
            let next_cursor = comments.last().filter(|_| more).map(|c| c.id.to_string());
            Ok::<_, AppError>(CommentPage {
                comments,
                next_cursor,
            })
        })
        .await
}
