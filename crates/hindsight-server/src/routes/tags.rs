//! Tags: the tag list, and tagging conversations (with Rasa X's bodies).

use actix_web::{web, HttpResponse};
use hindsight_types::{Tag, TagUpdate, TagWithUsage};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::{self, audit::Change};
use crate::error::{bad_request, invalid_body, json_body, AppResult, JsonBody};

/// `GET /api/conversations/tags`: every tag with its usage.
pub async fn list_tags(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<TagWithUsage>>> {
    user.require(Role::Viewer)?;
    Ok(web::Json(state.db(db::tags::list_with_usage).await?))
}

fn tag_json(tag: &Tag) -> serde_json::Value {
    json!({"value": tag.value, "color": tag.color})
}

/// `POST /api/tags`: creates a tag (409 when the name is taken).
pub async fn create_tag(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<TagUpdate>,
) -> AppResult<web::Json<Tag>> {
    user.require(Role::Reviewer)?;
    let TagUpdate { value, color } = json_body(body)?;
    let value =
        value.ok_or_else(|| bad_request("value", "a new tag needs a `value` (its name)"))?;
    let tag = state
        .db(move |conn| {
            let tag = db::tags::create(
                conn,
                &value,
                color.as_deref().unwrap_or(db::tags::DEFAULT_COLOR),
            )?;
            let change = Change {
                actor: &user.name,
                action: "tag_created",
                conversation: None,
                target: Some(tag.value.clone()),
                before: None,
                after: Some(tag_json(&tag)),
            };
            db::audit::record(conn, change)?;
            Ok(tag)
        })
        .await?;
    Ok(web::Json(tag))
}

/// `PATCH /api/tags/{tag_id}`: renames and/or recolours a tag.
pub async fn update_tag(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: JsonBody<TagUpdate>,
) -> AppResult<web::Json<Tag>> {
    user.require(Role::Reviewer)?;
    let TagUpdate { value, color } = json_body(body)?;
    let id = path.into_inner();
    let tag = state
        .db(move |conn| {
            let (before, after) = db::tags::update(conn, id, value.as_deref(), color.as_deref())?;
            let change = Change {
                actor: &user.name,
                action: "tag_updated",
                conversation: None,
                target: Some(after.value.clone()),
                before: Some(tag_json(&before)),
                after: Some(tag_json(&after)),
            };
            db::audit::record(conn, change)?;
            Ok(after)
        })
        .await?;
    Ok(web::Json(tag))
}

/// `DELETE /api/conversations/tags/{tag_id}`: deletes a tag everywhere.
pub async fn delete_tag(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Role::Admin)?;
    let id = path.into_inner();
    state
        .db(move |conn| {
            let tag = db::tags::delete(conn, id)?;
            let change = Change {
                actor: &user.name,
                action: "tag_deleted",
                conversation: None,
                target: Some(tag.value.clone()),
                before: Some(tag_json(&tag)),
                after: None,
            };
            Ok(db::audit::record(conn, change)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/conversations/{id}/tags`: the conversation's tags.
pub async fn conversation_tags(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<web::Json<Vec<Tag>>> {
    user.require(Role::Viewer)?;
    let tags = state
        .db(move |conn| {
            let row = db::conversations::find_live(conn, &path)?;
            db::tags::of_conversation(conn, row.id)
        })
        .await?;
    Ok(web::Json(tags))
}

/// One item of Rasa X's tagging body: an existing tag by id, or a tag by name (created when missing).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TagRef {
    Id {
        id: i64,
    },
    Named {
        value: String,
        #[serde(default)]
        color: Option<String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TagRefs {
    Many(Vec<TagRef>),
    One(TagRef),
}

/// `POST /api/conversations/{id}/tags`: adds tags; the body is Rasa X's JSON list of
/// `{"value", "color"}` or `{"id"}` (read with or without a Content-Type). Answers the
/// conversation's tags.
pub async fn tag_conversation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<web::Json<Vec<Tag>>> {
    user.require(Role::Reviewer)?;
    let refs = match serde_json::from_slice::<TagRefs>(&body).map_err(|e| {
        invalid_body(format!(
            "expected a list of {{\"value\", \"color\"}} or {{\"id\"}}: {e}"
        ))
    })? {
        TagRefs::Many(v) => v,
        TagRefs::One(r) => vec![r],
    };
    let tags = state
        .db(move |conn| {
            db::write_transaction(conn, |conn| {
                let row = db::conversations::find_live(conn, &path)?;
                for r in refs {
                    let tag = match r {
                        TagRef::Id { id } => db::tags::get(conn, id)?,
                        TagRef::Named { value, color } => {
                            db::tags::get_or_create(conn, &value, color.as_deref())?
                        }
                    };
                    if !db::tags::add_many(conn, &[row.id], tag.id, &user.name)?.is_empty() {
                        let change = Change {
                            actor: &user.name,
                            action: "tag_added",
                            conversation: Some(row.id),
                            target: Some(tag.value.clone()),
                            before: None,
                            after: None,
                        };
                        db::audit::record(conn, change)?;
                    }
                }
                db::tags::of_conversation(conn, row.id)
            })
        })
        .await?;
    Ok(web::Json(tags))
}

/// `DELETE /api/conversations/{id}/tags/{tag_id}`: removes a tag from the conversation.
pub async fn untag_conversation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    user.require(Role::Reviewer)?;
    let (sender_id, tag_id) = path.into_inner();
    state
        .db(move |conn| {
            let row = db::conversations::find_live(conn, &sender_id)?;
            let tag = db::tags::get(conn, tag_id)?;
            if db::tags::remove_many(conn, &[row.id], tag.id)?.is_empty() {
                return Err(crate::error::not_found(format!(
                    "tag {tag_id} on conversation `{sender_id}`"
                )));
            }
            let change = Change {
                actor: &user.name,
                action: "tag_removed",
                conversation: Some(row.id),
                target: Some(tag.value),
                before: None,
                after: None,
            };
            Ok(db::audit::record(conn, change)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
