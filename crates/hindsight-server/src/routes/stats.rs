//! The inbox's statistics.

use actix_web::{web, HttpRequest};
use hindsight_types::{ConversationFilter, ConversationStats};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::service::stats;

/// `GET /api/conversations/stats`: per-day counts and the intent-confidence histogram of the
/// conversations a filter matches (the listing's filter parameters, no paging).
pub async fn conversation_stats(
    user: AuthUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<web::Json<ConversationStats>> {
    let filter = ConversationFilter::from_query_with(req.query_string(), |k, _| {
        Ok(k == hindsight_types::filter::API_TOKEN_PARAM)
    });
    Ok(web::Json(
        stats::conversation_stats(&state, user, filter.map_err(Into::into)).await?,
    ))
}
