//! Users and API tokens (admins only): each change is written with its audit row in one
//! transaction; passwords are hashed on the blocking pool before it opens.

use hindsight_types::{
    ApiTokenInfo, CreatedApiToken, NewApiToken, NewUser, Role, UserInfo, UserUpdate,
};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::auth::{self, AuthUser, TOKEN_PRINCIPAL_PREFIX};
use crate::db::{self, audit::Change, users::TokenRow, write_transaction, DbConnection};
use crate::error::{bad_request, conflict, not_found, AppResult};

/// 400 unless `name` is a valid username or token name (1 to 100 characters, no surrounding
/// spaces); a username may not start with `token:`, which names API tokens.
pub fn check_name(field: &str, name: &str) -> AppResult<()> {
    if !(1..=100).contains(&name.chars().count()) || name.trim() != name {
        return Err(bad_request(
            field,
            format!("a {field} has 1 to 100 characters, without surrounding spaces"),
        ));
    }
    if field == "username" && name.starts_with(TOKEN_PRINCIPAL_PREFIX) {
        return Err(bad_request(
            field,
            format!("a username may not start with `{TOKEN_PRINCIPAL_PREFIX}` (API tokens act under that name)"),
        ));
    }
    Ok(())
}

/// 400 unless `password` has at least 8 characters.
pub fn check_password(password: &str) -> AppResult<()> {
    if password.chars().count() >= 8 {
        Ok(())
    } else {
        Err(bad_request(
            "password",
            "a password has at least 8 characters",
        ))
    }
}

/// 409 when `username` is the only admin: removing or demoting them would lock everyone out
/// of user management.
fn keep_an_admin(conn: &mut DbConnection, username: &str) -> AppResult<()> {
    let is_admin = db::users::find(conn, username)?.is_some_and(|u| u.role == Role::Admin.as_str());
    if is_admin && db::users::count_admins(conn)? == 1 {
        return Err(conflict(
            "username",
            format!("`{username}` is the only admin; make another admin first"),
        ));
    }
    Ok(())
}

fn user_info(row: db::users::UserRow) -> UserInfo {
    UserInfo {
        username: row.username,
        role: row.role.parse().unwrap_or(Role::Viewer),
        created_at: Some(row.created_at.and_utc()),
    }
}

fn token_info(
    (id, name, role, created_by, created_at, last_used_at, revoked_at): TokenRow,
) -> ApiTokenInfo {
    ApiTokenInfo {
        id,
        name,
        role: role.parse().unwrap_or(Role::Viewer),
        created_by,
        created_at: created_at.and_utc(),
        last_used_at: last_used_at.map(|t| t.and_utc()),
        revoked_at: revoked_at.map(|t| t.and_utc()),
    }
}

fn audit(
    conn: &mut DbConnection,
    actor: &str,
    action: &str,
    target: String,
    before: Option<Value>,
    after: Option<Value>,
) -> AppResult<()> {
    Ok(db::audit::record(
        conn,
        Change {
            actor,
            action,
            conversation: None,
            target: Some(target),
            before,
            after,
        },
    )?)
}

/// Every user.
pub async fn list_users(state: &AppState, user: &AuthUser) -> AppResult<Vec<UserInfo>> {
    user.require(Role::Admin)?;
    let rows = state.db(|conn| Ok(db::users::list(conn)?)).await?;
    Ok(rows.into_iter().map(user_info).collect())
}

/// Creates a user (409 when the name is taken).
pub async fn create_user(state: &AppState, user: AuthUser, new: NewUser) -> AppResult<UserInfo> {
    user.require(Role::Admin)?;
    check_name("username", &new.username)?;
    check_password(&new.password)?;
    let hash = auth::hash_password_blocking(new.password.clone()).await?;
    let row = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                if db::users::find(conn, &new.username)?.is_some() {
                    return Err(conflict(
                        "username",
                        format!("the user `{}` exists already", new.username),
                    ));
                }
                db::users::create(conn, &new.username, &hash, new.role.as_str())?;
                let after = json!({"role": new.role});
                let target = new.username.clone();
                audit(conn, &user.name, "user_created", target, None, Some(after))?;
                db::users::find(conn, &new.username)?
                    .ok_or_else(|| not_found(format!("user `{}`", new.username)))
            })
        })
        .await?;
    Ok(user_info(row))
}

/// Changes a user's role and/or password. A new password ends the user's login tokens.
pub async fn update_user(
    state: &AppState,
    user: AuthUser,
    name: String,
    update: UserUpdate,
) -> AppResult<UserInfo> {
    user.require(Role::Admin)?;
    let hash = match &update.password {
        Some(p) => {
            check_password(p)?;
            Some(auth::hash_password_blocking(p.clone()).await?)
        }
        None => None,
    };
    let row = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let old = db::users::find(conn, &name)?
                    .ok_or_else(|| not_found(format!("user `{name}`")))?;
                if update.role.is_some_and(|r| r != Role::Admin) {
                    keep_an_admin(conn, &name)?;
                }
                if !db::users::update(conn, &name, update.role.map(Role::as_str), hash.as_deref())?
                {
                    return Err(not_found(format!("user `{name}`")));
                }
                let before = json!({"role": old.role});
                let after = json!({
                    "role": update.role.map(Role::as_str).unwrap_or(&old.role),
                    "password_changed": update.password.is_some(),
                });
                audit(
                    conn,
                    &user.name,
                    "user_updated",
                    name.clone(),
                    Some(before),
                    Some(after),
                )?;
                db::users::find(conn, &name)?.ok_or_else(|| not_found(format!("user `{name}`")))
            })
        })
        .await?;
    // Committed: no request may go on with the old role or password generation.
    state.principals.forget_all();
    Ok(user_info(row))
}

/// Removes a user (not oneself); their login tokens end with the row.
pub async fn delete_user(state: &AppState, user: AuthUser, name: String) -> AppResult<()> {
    user.require(Role::Admin)?;
    if name == user.name {
        return Err(bad_request("username", "you cannot remove yourself"));
    }
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let old = db::users::find(conn, &name)?
                    .ok_or_else(|| not_found(format!("user `{name}`")))?;
                keep_an_admin(conn, &name)?;
                if !db::users::remove(conn, &name)? {
                    return Err(not_found(format!("user `{name}`")));
                }
                let before = json!({"role": old.role});
                audit(conn, &user.name, "user_removed", name, Some(before), None)
            })
        })
        .await?;
    state.principals.forget_all();
    Ok(())
}

/// Every API token (never the secret).
pub async fn list_tokens(state: &AppState, user: &AuthUser) -> AppResult<Vec<ApiTokenInfo>> {
    user.require(Role::Admin)?;
    let rows = state.db(|conn| Ok(db::users::list_tokens(conn)?)).await?;
    Ok(rows.into_iter().map(token_info).collect())
}

/// Creates an API token; its secret is in this answer only.
pub async fn create_token(
    state: &AppState,
    user: AuthUser,
    new: NewApiToken,
) -> AppResult<CreatedApiToken> {
    user.require(Role::Admin)?;
    check_name("name", &new.name)?;
    let token = auth::new_api_token();
    let hash = auth::token_hash(&token);
    let info = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let id =
                    db::users::create_token(conn, &new.name, &hash, new.role.as_str(), &user.name)?;
                let target = format!("token {id} ({})", new.name);
                let after = json!({"name": new.name, "role": new.role});
                audit(conn, &user.name, "token_created", target, None, Some(after))?;
                let row = db::users::list_tokens(conn)?
                    .into_iter()
                    .find(|t| t.0 == id);
                row.map(token_info)
                    .ok_or_else(|| not_found(format!("token {id}")))
            })
        })
        .await?;
    Ok(CreatedApiToken { token, info })
}

/// Revokes an API token.
pub async fn revoke_token(state: &AppState, user: AuthUser, id: i64) -> AppResult<()> {
    user.require(Role::Admin)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                if !db::users::revoke_token(conn, id)? {
                    return Err(not_found(format!("unrevoked token {id}")));
                }
                let before = json!({"revoked": false});
                let after = json!({"revoked": true});
                let target = format!("token {id}");
                audit(
                    conn,
                    &user.name,
                    "token_revoked",
                    target,
                    Some(before),
                    Some(after),
                )
            })
        })
        .await?;
    state.principals.forget_all();
    Ok(())
}
