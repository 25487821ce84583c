//! Saved filters.

use actix_web::{web, HttpResponse};
use hindsight_types::{FilterTemplate, FilterTemplateInput};

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db;
use crate::error::{json_body, AppResult, JsonBody};

/// `GET /api/filters`: the caller's templates and the shared ones.
pub async fn list_filters(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<FilterTemplate>>> {
    user.require(Role::Viewer)?;
    Ok(web::Json(
        state
            .db(move |conn| db::filters::visible(conn, &user.name))
            .await?,
    ))
}

/// `POST /api/filters`: saves a template.
pub async fn create_filter(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<FilterTemplateInput>,
) -> AppResult<web::Json<FilterTemplate>> {
    user.require(Role::Reviewer)?;
    let input = json_body(body)?;
    Ok(web::Json(
        state
            .db(move |conn| db::filters::create(conn, &user.name, &input))
            .await?,
    ))
}

/// `PUT /api/filters/{id}`: changes a template (its owner or an admin).
pub async fn update_filter(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: JsonBody<FilterTemplateInput>,
) -> AppResult<web::Json<FilterTemplate>> {
    user.require(Role::Reviewer)?;
    let input = json_body(body)?;
    let id = path.into_inner();
    Ok(web::Json(
        state
            .db(move |conn| db::filters::update(conn, &user, id, &input))
            .await?,
    ))
}

/// `DELETE /api/filters/{id}`: deletes a template (its owner or an admin).
pub async fn delete_filter(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Role::Reviewer)?;
    let id = path.into_inner();
    state
        .db(move |conn| db::filters::delete(conn, &user, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
