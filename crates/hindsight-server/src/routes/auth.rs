//! Login and "who am I".

use actix_web::web;
use hindsight_types::workflow::{LoginRequest, LoginResponse, Role, UserInfo};

use crate::app::AppState;
use crate::auth::{self, AuthUser};
use crate::db;
use crate::error::{unauthorized, AppResult};

/// `POST /api/auth`: exchanges a username and password for a login token.
pub async fn login(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> AppResult<web::Json<LoginResponse>> {
    let LoginRequest { username, password } = body.into_inner();
    let user = state
        .db(move |conn| Ok(db::users::find(conn, &username)?))
        .await?;
    let user = user
        .filter(|u| auth::verify_password(&password, &u.password_hash))
        .ok_or_else(|| unauthorized("wrong username or password"))?;
    let role: Role = user
        .role
        .parse()
        .map_err(|_| unauthorized("the user has an unknown role"))?;
    let minutes = state.config.token_minutes;
    let access_token = auth::issue_jwt(&state.jwt_secret, &user.username, role, minutes)?;
    Ok(web::Json(LoginResponse {
        access_token,
        token_type: "bearer".into(),
        expires_in: minutes * 60,
        user: UserInfo {
            username: user.username,
            role,
            created_at: Some(user.created_at.and_utc()),
        },
    }))
}

/// `GET /api/me`: the caller's name and role.
pub async fn me(user: AuthUser) -> AppResult<web::Json<UserInfo>> {
    Ok(web::Json(UserInfo {
        username: user.name,
        role: user.role,
        created_at: None,
    }))
}
