//! Users and API tokens (admins only): parse, call `service::users`, respond.

use actix_web::{web, HttpResponse};
use hindsight_types::{ApiTokenInfo, CreatedApiToken, NewApiToken, NewUser, UserInfo, UserUpdate};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{json_body, AppResult, JsonBody};
use crate::service::users as service;

/// `GET /api/users`: every user.
pub async fn list_users(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<UserInfo>>> {
    Ok(web::Json(service::list_users(&state, &user).await?))
}

/// `POST /api/users`: creates a user (409 when the name is taken).
pub async fn create_user(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<NewUser>,
) -> AppResult<web::Json<UserInfo>> {
    // The role is checked before the body is read: a too-weak caller gets 403 whatever it sent.
    user.require(crate::auth::Role::Admin)?;
    let new = json_body(body)?;
    Ok(web::Json(service::create_user(&state, user, new).await?))
}

/// `PATCH /api/users/{username}`: changes a user's role and/or password.
pub async fn update_user(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody<UserUpdate>,
) -> AppResult<web::Json<UserInfo>> {
    user.require(crate::auth::Role::Admin)?;
    let update = json_body(body)?;
    let name = path.into_inner();
    Ok(web::Json(
        service::update_user(&state, user, name, update).await?,
    ))
}

/// `DELETE /api/users/{username}`: removes a user (not oneself).
pub async fn delete_user(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    service::delete_user(&state, user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/tokens`: every API token (never the secret).
pub async fn list_tokens(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<ApiTokenInfo>>> {
    Ok(web::Json(service::list_tokens(&state, &user).await?))
}

/// `POST /api/tokens`: creates an API token; its secret is in this answer only.
pub async fn create_token(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<NewApiToken>,
) -> AppResult<web::Json<CreatedApiToken>> {
    user.require(crate::auth::Role::Admin)?;
    let new = json_body(body)?;
    Ok(web::Json(service::create_token(&state, user, new).await?))
}

/// `DELETE /api/tokens/{token_id}`: revokes an API token.
pub async fn revoke_token(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    service::revoke_token(&state, user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
