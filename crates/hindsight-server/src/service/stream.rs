//! Opening the live stream: short-lived stream tickets, because a browser's `EventSource`
//! cannot send the `Authorization` header, and the long-lived login token must not travel
//! in a URL (where proxies and logs keep it).

use hindsight_types::StreamTicket;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::{AuthUser, Role, TOKEN_PRINCIPAL_PREFIX};
use crate::db;
use crate::error::{unauthorized, AppError, AppResult};

/// Seconds a ticket can open a stream (an open stream stays open).
pub const TICKET_SECONDS: i64 = 60;

/// A ticket's claims. It is signed with a key of its own (derived from the login secret), so
/// a ticket is never accepted as a login token, nor a login token as a ticket.
#[derive(Debug, Serialize, Deserialize)]
struct TicketClaims {
    /// Username, or `token:NAME`.
    sub: String,
    /// The role when issued (an API token's; a user's is read again on use).
    role: Role,
    /// The user's row id and login generation (0 for an API token).
    uid: i64,
    gen: i64,
    exp: i64,
    iat: i64,
}

fn ticket_key(state: &AppState) -> String {
    format!("stream-ticket:{}", state.jwt_secret)
}

/// `POST /api/stream/ticket`: a ticket for the caller, valid [`TICKET_SECONDS`].
pub async fn issue_ticket(state: &AppState, caller: AuthUser) -> AppResult<StreamTicket> {
    caller.require(Role::Viewer)?;
    let (uid, gen) = if caller.is_api_token() {
        (0, 0)
    } else {
        let name = caller.name.clone();
        let row = state
            .db(move |conn| Ok(db::users::find(conn, &name)?))
            .await?
            .ok_or_else(|| unauthorized("the user no longer exists"))?;
        (row.id, row.login_generation)
    };
    let now = chrono::Utc::now().timestamp();
    let claims = TicketClaims {
        sub: caller.name,
        role: caller.role,
        uid,
        gen,
        exp: now + TICKET_SECONDS,
        iat: now,
    };
    let ticket = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(ticket_key(state).as_bytes()),
    )
    .map_err(|e| AppError::Internal(format!("signing a stream ticket: {e}")))?;
    Ok(StreamTicket {
        ticket,
        expires_in: TICKET_SECONDS,
    })
}

/// Who a stream ticket lets in: 401 when it is forged, expired, or its user was removed or
/// changed password since.
pub async fn redeem_ticket(state: &AppState, ticket: &str) -> AppResult<AuthUser> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    let claims = jsonwebtoken::decode::<TicketClaims>(
        ticket,
        &DecodingKey::from_secret(ticket_key(state).as_bytes()),
        &validation,
    )
    .map_err(|_| unauthorized("the stream ticket is invalid or expired; ask for a new one"))?
    .claims;
    if claims.sub.starts_with(TOKEN_PRINCIPAL_PREFIX) {
        return Ok(AuthUser {
            name: claims.sub,
            role: claims.role,
        });
    }
    let name = claims.sub.clone();
    let row = state
        .db(move |conn| Ok(db::users::find(conn, &name)?))
        .await?
        .filter(|r| r.id == claims.uid && r.login_generation == claims.gen)
        .ok_or_else(|| unauthorized("the stream ticket's user was removed or logged out"))?;
    let role = row
        .role
        .parse()
        .map_err(|_| unauthorized("the user has an unknown role"))?;
    Ok(AuthUser {
        name: row.username,
        role,
    })
}

/// Whether `caller` may watch the stream (every role may read conversations).
pub fn may_watch(caller: &AuthUser) -> AppResult<()> {
    caller.require(Role::Viewer)
}
