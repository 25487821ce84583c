use actix_web::web;
use hindsight_types::StoryAtEvent;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::{db, story};

/// Query of the story route.
#[derive(Debug, Deserialize)]
pub struct StoryQuery {
    /// End-to-end story (user and bot texts).
    #[serde(default)]
    e2e: bool,
}

/// `GET /api/conversations/{id}/events/{event_id}/story`: the story up to and including the
/// event, and the slots at that point.
pub async fn get_story(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    query: web::Query<StoryQuery>,
) -> crate::error::AppResult<web::Json<StoryAtEvent>> {
    user.require(Role::Viewer)?;
    let (sender_id, event_id) = path.into_inner();
    let e2e = query.e2e;
    let answer = state
        .db(move |conn| {
            let row = crate::service::live_conversation(conn, &sender_id)?;
            let (events, index) = db::events::events_until(conn, &row, event_id)?;
            let index = index.ok_or_else(|| {
                crate::error::not_found(format!(
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
        .await?;
    Ok(web::Json(answer))
}
