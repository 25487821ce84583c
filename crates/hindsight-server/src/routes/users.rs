//! Users and API tokens (admins only).

use actix_web::{web, HttpResponse};
use hindsight_types::{
    ApiTokenInfo, CreatedApiToken, NewApiToken, NewUser, Role, UserInfo, UserUpdate,
};
use serde_json::json;

use crate::app::AppState;
use crate::auth::{self, AuthUser};
use crate::db::{self, audit::Change, users::TokenRow};
use crate::error::{bad_request, conflict, json_body, not_found, AppResult, JsonBody};

fn check_name(field: &str, name: &str) -> AppResult<()> {
    if (1..=100).contains(&name.chars().count()) && name.trim() == name {
        Ok(())
    } else {
        Err(bad_request(
            field,
            format!("a {field} has 1 to 100 characters, without surrounding spaces"),
        ))
    }
}

fn check_password(password: &str) -> AppResult<()> {
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
fn keep_an_admin(conn: &mut db::DbConnection, username: &str) -> AppResult<()> {
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
    conn: &mut db::DbConnection,
    actor: &str,
    action: &str,
    target: String,
    after: Option<serde_json::Value>,
) -> AppResult<()> {
    Ok(db::audit::record(
        conn,
        Change {
            actor,
            action,
            conversation: None,
            target: Some(target),
            before: None,
            after,
        },
    )?)
}

/// `GET /api/users`: every user.
pub async fn list_users(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<UserInfo>>> {
    user.require(Role::Admin)?;
    let rows = state.db(|conn| Ok(db::users::list(conn)?)).await?;
    Ok(web::Json(rows.into_iter().map(user_info).collect()))
}

/// `POST /api/users`: creates a user (409 when the name is taken).
pub async fn create_user(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<NewUser>,
) -> AppResult<web::Json<UserInfo>> {
    user.require(Role::Admin)?;
    let new = json_body(body)?;
    check_name("username", &new.username)?;
    check_password(&new.password)?;
    let hash = auth::hash_password(&new.password)?;
    let row = state
        .db(move |conn| {
            if db::users::find(conn, &new.username)?.is_some() {
                return Err(conflict(
                    "username",
                    format!("the user `{}` exists already", new.username),
                ));
            }
            db::users::create(conn, &new.username, &hash, new.role.as_str())?;
            audit(
                conn,
                &user.name,
                "user_created",
                new.username.clone(),
                Some(json!({"role": new.role})),
            )?;
            db::users::find(conn, &new.username)?
                .ok_or_else(|| not_found(format!("user `{}`", new.username)))
        })
        .await?;
    Ok(web::Json(user_info(row)))
}

/// `PATCH /api/users/{username}`: changes a user's role and/or password.
pub async fn update_user(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody<UserUpdate>,
) -> AppResult<web::Json<UserInfo>> {
    user.require(Role::Admin)?;
    let update = json_body(body)?;
    let hash = match &update.password {
        Some(p) => {
            check_password(p)?;
            Some(auth::hash_password(p)?)
        }
        None => None,
    };
    let name = path.into_inner();
    let row = state
        .db(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                if update.role.is_some_and(|r| r != Role::Admin) {
                    keep_an_admin(conn, &name)?;
                }
                if !db::users::update(conn, &name, update.role.map(Role::as_str), hash.as_deref())?
                {
                    return Err(not_found(format!("user `{name}`")));
                }
                let after =
                    json!({"role": update.role, "password_changed": update.password.is_some()});
                audit(conn, &user.name, "user_updated", name.clone(), Some(after))?;
                db::users::find(conn, &name)?.ok_or_else(|| not_found(format!("user `{name}`")))
            })
        })
        .await?;
    Ok(web::Json(user_info(row)))
}

/// `DELETE /api/users/{username}`: removes a user (not oneself).
pub async fn delete_user(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    user.require(Role::Admin)?;
    let name = path.into_inner();
    if name == user.name {
        return Err(bad_request("username", "you cannot remove yourself"));
    }
    state
        .db(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                keep_an_admin(conn, &name)?;
                if !db::users::remove(conn, &name)? {
                    return Err(not_found(format!("user `{name}`")));
                }
                audit(conn, &user.name, "user_removed", name, None)
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/tokens`: every API token (never the secret).
pub async fn list_tokens(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<ApiTokenInfo>>> {
    user.require(Role::Admin)?;
    let rows = state.db(|conn| Ok(db::users::list_tokens(conn)?)).await?;
    Ok(web::Json(rows.into_iter().map(token_info).collect()))
}

/// `POST /api/tokens`: creates an API token; its secret is in this answer only.
pub async fn create_token(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<NewApiToken>,
) -> AppResult<web::Json<CreatedApiToken>> {
    user.require(Role::Admin)?;
    let new = json_body(body)?;
    check_name("name", &new.name)?;
    let token = auth::new_api_token();
    let hash = auth::token_hash(&token);
    let info = state
        .db(move |conn| {
            let id =
                db::users::create_token(conn, &new.name, &hash, new.role.as_str(), &user.name)?;
            audit(
                conn,
                &user.name,
                "token_created",
                format!("token {id} ({})", new.name),
                Some(json!({"role": new.role})),
            )?;
            let row = db::users::list_tokens(conn)?
                .into_iter()
                .find(|t| t.0 == id);
            row.map(token_info)
                .ok_or_else(|| not_found(format!("token {id}")))
        })
        .await?;
    Ok(web::Json(CreatedApiToken { token, info }))
}

/// `DELETE /api/tokens/{token_id}`: revokes an API token.
pub async fn revoke_token(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Role::Admin)?;
    let id = path.into_inner();
    state
        .db(move |conn| {
            if !db::users::revoke_token(conn, id)? {
                return Err(not_found(format!("unrevoked token {id}")));
            }
            audit(
                conn,
                &user.name,
                "token_revoked",
                format!("token {id}"),
                None,
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
