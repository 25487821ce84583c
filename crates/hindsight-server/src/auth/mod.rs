//! Authentication: argon2 passwords, HS256 login tokens (JWT), hashed API tokens, and the
//! [`AuthUser`] extractor every protected handler takes.

pub mod headers;
pub mod limiter;
pub mod principals;
pub mod redact;

use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;

use actix_web::{web, FromRequest, HttpRequest};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use hindsight_types::workflow::Role;

use self::principals::{CredentialKey, Principal};
use crate::app::AppState;
use crate::db::{self, DbConnection};
use crate::error::{forbidden, unauthorized, AppError, AppResult};

/// Prefix of every API token, so leaked tokens are recognisable.
pub const API_TOKEN_PREFIX: &str = "hs_";
/// Prefix of an API token's principal name (`token:NAME`): a token never acts as a user, even
/// when it is named like one, and usernames may not start with it.
pub const TOKEN_PRINCIPAL_PREFIX: &str = "token:";
/// Shortest JWT secret accepted from the configuration, in bytes (HS256 wants 256 bits).
pub const MIN_SECRET_BYTES: usize = 32;
const SECRET_KEY: &str = "jwt_secret";

// Verified for a username that does not exist, so that a failed login takes as long whether
// or not the user exists (the time would otherwise tell which usernames are real).
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&random_hex(16)).expect("argon2 hashes a random password"));

/// Computes the dummy hash now, so the first unknown-user login is not the slow one.
pub fn prepare() {
    LazyLock::force(&DUMMY_HASH);
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing a password: {e}")))
}

/// Whether `password` matches the stored argon2 `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

// At most this many argon2 computations at once, one core short of all: twenty parallel
// logins queue here instead of crowding every core, so other requests keep theirs.
static ARGON2_SLOTS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    tokio::sync::Semaphore::new(cores.saturating_sub(1).max(1))
});

/// Checks `password` against `hash` on the blocking thread pool (argon2 takes tens of
/// milliseconds of CPU and must not stall the async workers). Without a hash (no such user)
/// a dummy hash is verified, so the answer takes as long, and is false.
pub async fn verify_password_blocking(password: String, hash: Option<String>) -> AppResult<bool> {
    let _slot = ARGON2_SLOTS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(format!("argon2 slots: {e}")))?;
    Ok(web::block(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => {
            verify_password(&password, &DUMMY_HASH);
            false
        }
    })
    .await?)
}

/// [`hash_password`] on the blocking thread pool.
pub async fn hash_password_blocking(password: String) -> AppResult<String> {
    let _slot = ARGON2_SLOTS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(format!("argon2 slots: {e}")))?;
    web::block(move || hash_password(&password)).await?
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A new API token: `hs_` and 32 random bytes in hex.
pub fn new_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", random_hex(32))
}

/// The SHA-256 hex digest under which an API token is stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The JWT secret: the configured one, else the one kept in `settings`, else a new one kept there.
/// A configured secret shorter than [`MIN_SECRET_BYTES`] is refused: it could be guessed, and
/// whoever guesses it can sign a login token for any user.
pub fn load_secret(conn: &mut DbConnection, configured: Option<&str>) -> anyhow::Result<String> {
    if let Some(s) = configured {
        if s.len() < MIN_SECRET_BYTES {
            anyhow::bail!(
                "the JWT secret (--jwt-secret / HINDSIGHT_JWT_SECRET) has {} bytes; it needs at \
                 least {MIN_SECRET_BYTES} (e.g. `openssl rand -hex 32`), or leave it unset and \
                 Hindsight keeps a random one in the database",
                s.len()
            );
        }
        return Ok(s.to_owned());
    }
    if let Some(s) = db::settings::get(conn, SECRET_KEY)? {
        return Ok(s);
    }
    let s = random_hex(32);
    db::settings::set(conn, SECRET_KEY, &s)?;
    Ok(s)
}

/// Creates `admin` with a random password (logged once) when no user exists.
pub fn ensure_admin(conn: &mut DbConnection) -> AppResult<()> {
    if db::users::count(conn)? > 0 {
        return Ok(());
    }
    let password = random_hex(12);
    db::users::create(
        conn,
        "admin",
        &hash_password(&password)?,
        Role::Admin.as_str(),
    )?;
    tracing::warn!("created the user `admin` with the password `{password}`: change it");
    Ok(())
}

/// Claims of a login token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// Username.
    pub sub: String,
    /// Role.
    pub role: Role,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Issued at.
    pub iat: i64,
    /// The user's row id: a user removed and created again under the same name has a new one.
    pub uid: i64,
    /// The user's `login_generation` when the token was issued (bumped by password changes).
    pub gen: i64,
}

/// Signs a login token for `user` valid for `minutes`.
pub fn issue_jwt(
    secret: &str,
    user: &db::users::UserRow,
    role: Role,
    minutes: i64,
) -> AppResult<String> {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: user.username.clone(),
        role,
        exp: now + minutes * 60,
        iat: now,
        uid: user.id,
        gen: user.login_generation,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| AppError::Internal(format!("signing a token: {e}")))
}

/// Verifies a login token (HS256 only, expiry checked).
pub fn decode_jwt(secret: &str, token: &str) -> AppResult<Claims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map(|d| d.claims)
    .map_err(|_| unauthorized("the token is invalid or expired"))
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// Username, or `token:NAME` for an API token (see [`TOKEN_PRINCIPAL_PREFIX`]).
    pub name: String,
    /// Role.
    pub role: Role,
}

impl AuthUser {
    /// Whether the caller is an API token rather than a logged-in user.
    pub fn is_api_token(&self) -> bool {
        self.name.starts_with(TOKEN_PRINCIPAL_PREFIX)
    }

    /// 403 unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> AppResult<()> {
        if self.role >= role {
            Ok(())
        } else {
            Err(forbidden(format!(
                "this needs the role `{}`",
                role.as_str()
            )))
        }
    }
}

fn credential(req: &HttpRequest) -> Option<String> {
    if let Some(h) = req.headers().get(actix_web::http::header::AUTHORIZATION) {
        let h = h.to_str().ok()?;
        let (scheme, token) = h.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "api_token")
        .map(|(_, v)| v.into_owned())
}

async fn authenticate(state: web::Data<AppState>, token: Option<String>) -> AppResult<AuthUser> {
    let token = token.ok_or_else(|| unauthorized("log in or send an API token"))?;
    if token.starts_with(API_TOKEN_PREFIX) {
        let key = CredentialKey::Token(token_hash(&token));
        let Principal::Token { name, role } = principal(&state, key)
            .await?
            .ok_or_else(|| unauthorized("the API token is unknown or revoked"))?
        else {
            return Err(AppError::Internal("a token's hash named a user".into()));
        };
        let role = role
            .parse()
            .map_err(|_| unauthorized("the API token has an unknown role"))?;
        // Its own principal: a token named `alice` must not own alice's filters or write
        // audit rows as her.
        return Ok(AuthUser {
            name: format!("{TOKEN_PRINCIPAL_PREFIX}{name}"),
            role,
        });
    }
    let claims = decode_jwt(&state.jwt_secret, &token)?;
    // The token proves who logged in; the role comes from the users table (remembered for a
    // moment, forgotten on any change: see `principals`), so a removed or demoted user loses
    // access at once rather than when the token expires.
    let key = CredentialKey::User(claims.sub.clone());
    let Principal::User {
        id,
        username,
        role,
        login_generation,
    } = principal(&state, key)
        .await?
        .ok_or_else(|| unauthorized("the user of this token no longer exists"))?
    else {
        return Err(AppError::Internal("a username named a token".into()));
    };
    // A password change bumps the generation; a removed and re-created user has a new id.
    if id != claims.uid || login_generation != claims.gen {
        return Err(unauthorized(
            "this login token was revoked (the password changed or the user was replaced); log in again",
        ));
    }
    let role = role
        .parse()
        .map_err(|_| unauthorized("the user has an unknown role"))?;
    Ok(AuthUser {
        name: username,
        role,
    })
}

/// The user or API token `key` names: remembered, or read (and then remembered).
async fn principal(state: &AppState, key: CredentialKey) -> AppResult<Option<Principal>> {
    if let Some(found) = state.principals.get(&key) {
        return Ok(Some(found));
    }
    let epoch = state.principals.epoch();
    let lookup = key.clone();
    let found = state
        .db(move |conn| {
            Ok(match lookup {
                CredentialKey::Token(hash) => db::users::token_by_hash(conn, &hash)?
                    .map(|(name, role)| Principal::Token { name, role }),
                CredentialKey::User(name) => {
                    db::users::find(conn, &name)?.map(|row| Principal::User {
                        id: row.id,
                        username: row.username,
                        role: row.role,
                        login_generation: row.login_generation,
                    })
                }
            })
        })
        .await?;
    if let Some(found) = &found {
        state.principals.remember(key, epoch, found.clone());
    }
    Ok(found)
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = AppResult<AuthUser>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = credential(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal("no application state".into()))?;
            authenticate(state, token).await
        })
    }
}
