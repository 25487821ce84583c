//! Tags: the tag list, and tagging conversations (with Rasa X's bodies).

use actix_web::{web, HttpResponse};
use hindsight_types::{Tag, TagUpdate, TagWithUsage};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{invalid_body, json_body, AppResult, JsonBody};
use crate::service::tags::{self, TagRef};

/// `GET /api/conversations/tags`: every tag with its usage.
pub async fn list_tags(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<TagWithUsage>>> {
    Ok(web::Json(tags::list_tags(&state, user).await?))
}

/// `POST /api/tags`: creates a tag (409 when the name is taken).
pub async fn create_tag(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<TagUpdate>,
) -> AppResult<web::Json<Tag>> {
    Ok(web::Json(
        tags::create_tag(&state, user, json_body(body)).await?,
    ))
}

/// `PATCH /api/tags/{tag_id}`: renames and/or recolours a tag.
pub async fn update_tag(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: JsonBody<TagUpdate>,
) -> AppResult<web::Json<Tag>> {
    let id = path.into_inner();
    Ok(web::Json(
        tags::update_tag(&state, user, id, json_body(body)).await?,
    ))
}

/// `DELETE /api/conversations/tags/{tag_id}`: deletes a tag everywhere.
pub async fn delete_tag(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    tags::delete_tag(&state, user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/conversations/{id}/tags`: the conversation's tags.
pub async fn conversation_tags(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<web::Json<Vec<Tag>>> {
    Ok(web::Json(
        tags::conversation_tags(&state, user, path.into_inner()).await?,
    ))
}

/// One item of Rasa X's tagging body: an existing tag by id, or a tag by name.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TagRefBody {
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
enum TagRefsBody {
    Many(Vec<TagRefBody>),
    One(TagRefBody),
}

/// Rasa X's tagging body, read with or without a Content-Type.
fn tag_refs(body: &web::Bytes) -> AppResult<Vec<TagRef>> {
    let refs = match serde_json::from_slice::<TagRefsBody>(body).map_err(|e| {
        invalid_body(format!(
            "expected a list of {{\"value\", \"color\"}} or {{\"id\"}}: {e}"
        ))
    })? {
        TagRefsBody::Many(v) => v,
        TagRefsBody::One(r) => vec![r],
    };
    Ok(refs
        .into_iter()
        .map(|r| match r {
            TagRefBody::Id { id } => TagRef::Id(id),
            TagRefBody::Named { value, color } => TagRef::Named { value, color },
        })
        .collect())
}

/// `POST /api/conversations/{id}/tags`: adds tags; the body is Rasa X's JSON list of
/// `{"value", "color"}` or `{"id"}`. Answers the conversation's tags.
pub async fn tag_conversation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<web::Json<Vec<Tag>>> {
    let refs = tag_refs(&body);
    Ok(web::Json(
        tags::tag_conversation(&state, user, path.into_inner(), refs).await?,
    ))
}

/// `DELETE /api/conversations/{id}/tags/{tag_id}`: removes a tag from the conversation.
pub async fn untag_conversation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    let (sender_id, tag_id) = path.into_inner();
    tags::untag_conversation(&state, user, sender_id, tag_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
