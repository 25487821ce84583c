//! The audit trail.

use actix_web::web;
use hindsight_types::AuditEntry;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::service::conversations;

/// `GET /api/conversations/{id}/audit`: changes to one conversation, newest first.
pub async fn conversation_audit(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<web::Json<Vec<AuditEntry>>> {
    Ok(web::Json(
        conversations::conversation_audit(&state, user, path.into_inner()).await?,
    ))
}

/// `GET /api/audit`: every change, newest first.
pub async fn all_audit(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<AuditEntry>>> {
    Ok(web::Json(conversations::all_audit(&state, user).await?))
}
