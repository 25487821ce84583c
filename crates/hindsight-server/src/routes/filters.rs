//! Saved filters.

use actix_web::{web, HttpResponse};
use hindsight_types::{FilterTemplate, FilterTemplateInput};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{json_body, AppResult, JsonBody};
use crate::service::filters;

/// `GET /api/filters`: the caller's templates and the shared ones.
pub async fn list_filters(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<FilterTemplate>>> {
    Ok(web::Json(filters::list_filters(&state, user).await?))
}

/// `POST /api/filters`: saves a template.
pub async fn create_filter(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<FilterTemplateInput>,
) -> AppResult<web::Json<FilterTemplate>> {
    Ok(web::Json(
        filters::create_filter(&state, user, json_body(body)).await?,
    ))
}

/// `PUT /api/filters/{id}`: changes a template (its owner or an admin).
pub async fn update_filter(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: JsonBody<FilterTemplateInput>,
) -> AppResult<web::Json<FilterTemplate>> {
    let id = path.into_inner();
    Ok(web::Json(
        filters::update_filter(&state, user, id, json_body(body)).await?,
    ))
}

/// `DELETE /api/filters/{id}`: deletes a template (its owner or an admin).
pub async fn delete_filter(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    filters::delete_filter(&state, user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
