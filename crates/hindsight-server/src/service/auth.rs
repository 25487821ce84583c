//! Logging in: the rate limit, the password check on the blocking pool, the login token.

use std::net::IpAddr;
use std::time::Duration;

use hindsight_types::workflow::{LoginResponse, Role, UserInfo};

use crate::app::AppState;
use crate::auth;
use crate::db;
use crate::error::{unauthorized, AppError};

/// Why a login failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong credentials, or the database failed.
    #[error(transparent)]
    Refused(#[from] AppError),
    /// Too many attempts for this username or address; retry after the duration.
    #[error("too many login attempts; retry in {0:?}")]
    Limited(Duration),
}

/// Exchanges `username` and `password`, sent from `address`, for a login token.
///
/// Every attempt counts against the rate limit first, so a limited username is refused even
/// with the right password. A known and an unknown username cost one argon2 verification
/// each, so the time taken does not tell whether the user exists.
pub async fn login(
    state: &AppState,
    username: String,
    password: String,
    address: Option<IpAddr>,
) -> Result<LoginResponse, LoginError> {
    state
        .login_limiter
        .attempt(&username, address)
        .map_err(LoginError::Limited)?;
    let user = state
        .db(move |conn| Ok(db::users::find(conn, &username)?))
        .await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let matches = auth::verify_password_blocking(password, hash).await?;
    let user = user
        .filter(|_| matches)
        .ok_or_else(|| unauthorized("wrong username or password"))?;
    let role: Role = user
        .role
        .parse()
        .map_err(|_| unauthorized("the user has an unknown role"))?;
    let minutes = state.config.token_minutes;
    let access_token = auth::issue_jwt(&state.jwt_secret, &user, role, minutes)?;
    Ok(LoginResponse {
        access_token,
        token_type: "bearer".into(),
        expires_in: minutes * 60,
        user: UserInfo {
            username: user.username,
            role,
            created_at: Some(user.created_at.and_utc()),
        },
    })
}
