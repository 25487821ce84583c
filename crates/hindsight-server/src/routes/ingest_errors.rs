//! What the event broker consumer could not import, and `rasa export` runs (admins).

use actix_web::web;
use hindsight_types::{ExportRun, IngestErrorPage};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::service::broker;

/// Query of `GET /api/ingest-errors`.
#[derive(Debug, Deserialize)]
pub struct IngestErrorQuery {
    /// Page size (1–500, default 50).
    limit: Option<i64>,
    /// Only errors with ids below this (the last id of the previous page).
    before: Option<i64>,
}

/// `GET /api/ingest-errors`: broker messages that can never be imported, newest first.
pub async fn list_ingest_errors(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<IngestErrorQuery>,
) -> AppResult<web::Json<IngestErrorPage>> {
    let q = query.into_inner();
    Ok(web::Json(
        broker::list_ingest_errors(&state, user, q.limit, q.before).await?,
    ))
}

/// `GET /api/export-runs`: `rasa export` runs seen on the broker, the latest first.
pub async fn list_export_runs(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<ExportRun>>> {
    Ok(web::Json(broker::list_export_runs(&state, user).await?))
}
