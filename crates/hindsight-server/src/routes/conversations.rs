//! Reading the inbox and one conversation.

use actix_web::{web, HttpRequest, HttpResponse};
use hindsight_types::{
    ConversationCount, ConversationDetail, ConversationFilter, EventWindow, TabCounts,
};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::service::conversations;

/// `GET /api/conversations`: one page of the inbox, with `X-Total-Count` as Rasa X sent it.
pub async fn list_conversations(
    user: AuthUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let query = hindsight_types::filter::parse_listing_query(req.query_string());
    let page = conversations::list_conversations(&state, user, query.map_err(Into::into)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("X-Total-Count", page.total.to_string()))
        .json(page))
}

/// `GET /api/conversations/count`: how many conversations match a filter.
pub async fn count_conversations(
    user: AuthUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<web::Json<ConversationCount>> {
    let filter = ConversationFilter::from_query_with(req.query_string(), |k, _| {
        Ok(k == hindsight_types::filter::API_TOKEN_PARAM)
    });
    let total =
        conversations::count_conversations(&state, user, filter.map_err(Into::into)).await?;
    Ok(web::Json(ConversationCount { total }))
}

/// `GET /api/conversations/tab-counts?<filter>[&estimate=true]`: the inbox's tabs counted in
/// one pass.
pub async fn count_tabs(
    user: AuthUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<web::Json<TabCounts>> {
    let query = hindsight_types::filter::parse_tab_counts_query(req.query_string());
    let counts = conversations::count_tabs(&state, user, query.map_err(Into::into)).await?;
    Ok(web::Json(counts))
}

/// `GET /api/conversations/{id}?around=|after=|before=|offset=&limit=`: the conversation and
/// one window of its events in recorded order.
pub async fn get_conversation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> AppResult<web::Json<ConversationDetail>> {
    let window = EventWindow::from_query(req.query_string()).map_err(Into::into);
    Ok(web::Json(
        conversations::get_conversation(&state, user, path.into_inner(), window).await?,
    ))
}

/// `GET /api/conversations/{id}/tracker`: the conversation as Rasa tracker JSON, each event
/// exactly as it was imported.
pub async fn export_tracker(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let body = conversations::export_tracker(&state, user, path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}
