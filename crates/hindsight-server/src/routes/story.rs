use actix_web::web;
use hindsight_types::StoryAtEvent;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::service::conversations;

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
    let (sender_id, event_id) = path.into_inner();
    let answer = conversations::story_at(&state, user, sender_id, event_id, query.e2e).await?;
    Ok(web::Json(answer))
}
