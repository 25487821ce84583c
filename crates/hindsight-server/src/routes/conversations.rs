use actix_web::{web, HttpRequest, HttpResponse};
use hindsight_types::{
    ConversationCount, ConversationDetail, ConversationFilter, ConversationPage,
};

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db;
use crate::error::AppResult;

/// `GET /api/conversations`: one page of the inbox, with `X-Total-Count` as Rasa X sent it.
pub async fn list_conversations(
    user: AuthUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let (filter, page) = hindsight_types::filter::parse_listing_query(req.query_string())?;
    let page: ConversationPage = state
        .db(move |conn| {
            // Read before the page, so that every conversation of the page existed at the mark
            // (a bulk change bound to it never reaches one the reviewer was not shown).
            let snapshot = db::triage::newest_event_id(conn)?;
            let page = db::conversations::list(conn, &filter, &page)?;
            Ok(ConversationPage { snapshot, ..page })
        })
        .await?;
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
    user.require(Role::Viewer)?;
    let filter = ConversationFilter::from_query_with(req.query_string(), |k, _| {
        Ok(k == hindsight_types::filter::API_TOKEN_PARAM)
    })?;
    let total = state
        .db(move |conn| db::conversations::count(conn, &filter))
        .await?;
    Ok(web::Json(ConversationCount { total }))
}

/// `GET /api/conversations/{id}`: every event in recorded order.
pub async fn get_conversation(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<web::Json<ConversationDetail>> {
    user.require(Role::Viewer)?;
    let sender_id = path.into_inner();
    let detail = state
        .db(move |conn| {
            let row = crate::service::live_conversation(conn, &sender_id)?;
            let events = db::events::event_views(conn, &row)?;
            let summary = db::conversations::summarise(conn, vec![row])?.remove(0);
            Ok(ConversationDetail { summary, events })
        })
        .await?;
    Ok(web::Json(detail))
}

/// `GET /api/conversations/{id}/tracker`: the conversation as Rasa tracker JSON, each event
/// exactly as it was imported.
pub async fn export_tracker(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let sender_id = path.into_inner();
    let body = state
        .db(move |conn| {
            let row = crate::service::live_conversation(conn, &sender_id)?;
            let events = db::events::load_event_data(conn, row.id)?;
            Ok(crate::ingest::export::tracker_json(&row.sender_id, &events))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}
