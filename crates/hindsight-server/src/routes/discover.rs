//! Discover (issue 15): groups of likely unhandled user messages.

use actix_web::{web, HttpResponse};
use hindsight_types::{
    DiscoverGroup, DiscoverResult, DiscoverRun, DiscoverSettings, DismissInput, GroupLabelled,
    GroupMessagePage, LabelGroupInput,
};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{json_body, AppResult, JsonBody};
use crate::service::{discover, discover_labels};

/// `GET /api/discover`: the latest finished run, its age and groups, and the run under way.
pub async fn get_discover(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<DiscoverResult>> {
    Ok(web::Json(discover::latest(&state, user).await?))
}

/// `POST /api/discover/runs`: starts a run off the request path (202 with the run).
pub async fn start_run(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<DiscoverSettings>,
) -> AppResult<HttpResponse> {
    let run = discover::start_run(&state, user, json_body(body)).await?;
    Ok(HttpResponse::Accepted().json(run))
}

/// `GET /api/discover/runs/{run_id}`: one run's state.
pub async fn get_run(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<web::Json<DiscoverRun>> {
    Ok(web::Json(
        discover::get_run(&state, user, path.into_inner()).await?,
    ))
}

/// `POST /api/discover/groups/{group_id}/dismiss`: keeps a group's messages out of later runs.
pub async fn dismiss_group(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: JsonBody<DismissInput>,
) -> AppResult<web::Json<DiscoverGroup>> {
    let id = path.into_inner();
    Ok(web::Json(
        discover::dismiss(&state, user, id, json_body(body)).await?,
    ))
}

/// `GET /api/discover/groups/{group_id}/messages`: a group's messages in live
/// conversations, with their prediction and annotation, a page at a time.
pub async fn list_group_messages(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<super::PageQuery>,
) -> AppResult<web::Json<GroupMessagePage>> {
    let super::PageQuery { limit, cursor, .. } = query.into_inner();
    Ok(web::Json(
        discover_labels::group_messages(&state, user, path.into_inner(), cursor, limit).await?,
    ))
}

/// `POST /api/discover/groups/{group_id}/label`: saves a group's messages as NLU examples
/// of one intent.
pub async fn label_group(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: JsonBody<LabelGroupInput>,
) -> AppResult<web::Json<GroupLabelled>> {
    Ok(web::Json(
        discover_labels::label_group(&state, user, path.into_inner(), json_body(body)).await?,
    ))
}
