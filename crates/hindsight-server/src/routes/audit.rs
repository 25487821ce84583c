//! The audit trail.

use actix_web::web;
use hindsight_types::AuditEntry;

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db;
use crate::error::AppResult;

/// Most entries one answer lists.
const LIMIT: i64 = 1_000;

/// `GET /api/conversations/{id}/audit`: changes to one conversation, newest first.
pub async fn conversation_audit(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<web::Json<Vec<AuditEntry>>> {
    user.require(Role::Viewer)?;
    let entries = state
        .db(move |conn| {
            let id = crate::service::any_conversation(conn, &path)?;
            Ok(db::audit::list(conn, Some(id), LIMIT)?)
        })
        .await?;
    Ok(web::Json(entries))
}

/// `GET /api/audit`: every change, newest first.
pub async fn all_audit(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<AuditEntry>>> {
    user.require(Role::Admin)?;
    Ok(web::Json(
        state
            .db(|conn| Ok(db::audit::list(conn, None, LIMIT)?))
            .await?,
    ))
}
