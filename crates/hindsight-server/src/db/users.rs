//! Users and API tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_tokens, users};
use super::DbConnection;

/// A stored user.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Role spelling (`viewer`, `reviewer`, `admin`).
    pub role: String,
    /// When created.
    pub created_at: NaiveDateTime,
    /// Bumped by every password change; login tokens of an older generation are refused.
    pub login_generation: i64,
}

/// How many users exist.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// How many users have the admin role.
pub fn count_admins(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq("admin"))
        .count()
        .get_result(conn)
}

/// The user named `username`, if any.
pub fn find(conn: &mut DbConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Creates a user with an already hashed password.
pub fn create(
    conn: &mut DbConnection,
    username: &str,
    password_hash: &str,
    role: &str,
) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values((
            users::username.eq(username),
            users::password_hash.eq(password_hash),
            users::role.eq(role),
            users::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The (name, role) of the unrevoked API token whose SHA-256 hash is `hash`; marks it used.
pub fn token_by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<(String, String)>> {
    let found: Option<(i64, String, String, Option<NaiveDateTime>)> = api_tokens::table
        .filter(api_tokens::token_hash.eq(hash))
        .filter(api_tokens::revoked_at.is_null())
        .select((
            api_tokens::id,
            api_tokens::name,
            api_tokens::role,
            api_tokens::last_used_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, name, role, last_used_at)) = found else {
        return Ok(None);
    };
    // `last_used_at` to the minute: a script's every request would otherwise be a write,
    // and writes queue behind each other on SQLite.
    let now = chrono::Utc::now().naive_utc();
    if last_used_at.is_none_or(|t| now - t >= chrono::Duration::minutes(1)) {
        diesel::update(api_tokens::table.find(id))
            .set(api_tokens::last_used_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some((name, role)))
}

/// Stores a new API token (by its hash); returns its id.
pub fn create_token(
    conn: &mut DbConnection,
    name: &str,
    hash: &str,
    role: &str,
    created_by: &str,
) -> QueryResult<i64> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(hash),
            api_tokens::role.eq(role),
            api_tokens::created_by.eq(created_by),
            api_tokens::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .returning(api_tokens::id)
        .get_result(conn)
}

/// Revokes the API token `id`; false if there is no such unrevoked token.
pub fn revoke_token(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    let n = diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(chrono::Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Every user, by name.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<UserRow>> {
    users::table
        .order(users::username)
        .select(UserRow::as_select())
        .load(conn)
}

/// Changes a user's role and/or password hash; false when there is no such user.
pub fn update(
    conn: &mut DbConnection,
    username: &str,
    role: Option<&str>,
    password_hash: Option<&str>,
) -> QueryResult<bool> {
    let target = users::table.filter(users::username.eq(username));
    let mut found = find(conn, username)?.is_some();
    if let Some(r) = role {
        found &= diesel::update(target)
            .set(users::role.eq(r))
            .execute(conn)?
            == 1;
    }
    if let Some(h) = password_hash {
        // A new password ends every login token issued under the old one.
        found &= diesel::update(users::table.filter(users::username.eq(username)))
            .set((
                users::password_hash.eq(h),
                users::login_generation.eq(users::login_generation + 1),
            ))
            .execute(conn)?
            == 1;
    }
    Ok(found)
}

/// Deletes a user; false when there is no such user.
pub fn remove(conn: &mut DbConnection, username: &str) -> QueryResult<bool> {
    Ok(diesel::delete(users::table.filter(users::username.eq(username))).execute(conn)? == 1)
}

/// A stored API token (without its hash).
pub type TokenRow = (
    i64,
    String,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// Every API token, newest first: (id, name, role, created_by, created_at, last_used_at, revoked_at).
pub fn list_tokens(conn: &mut DbConnection) -> QueryResult<Vec<TokenRow>> {
    api_tokens::table
        .order(api_tokens::id.desc())
        .select((
            api_tokens::id,
            api_tokens::name,
            api_tokens::role,
            api_tokens::created_by,
            api_tokens::created_at,
            api_tokens::last_used_at,
            api_tokens::revoked_at,
        ))
        .load(conn)
}
