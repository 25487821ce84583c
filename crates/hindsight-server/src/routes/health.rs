use actix_web::web;
use diesel::connection::SimpleConnection;
use hindsight_types::{Health, PathRewriteHealth};

use crate::app::AppState;
use crate::error::AppResult;

/// `GET /api/health`: answers 200 when the database answers, 503 otherwise. With an event
/// broker consumer, its state and lag too; the status is `degraded` while it is not consuming,
/// and while the paths are written after an upgrade (with how far).
pub async fn get_health(state: web::Data<AppState>) -> AppResult<web::Json<Health>> {
    state.db(|conn| Ok(conn.batch_execute("SELECT 1")?)).await?;
    let broker = state.broker.get().map(|s| s.health());
    let consuming = broker.as_ref().is_none_or(|b| b.state == "consuming");
    let path_rewrite = (!state.path_rewrite.is_ready()).then(|| {
        let (written, total) = state.path_rewrite.progress();
        PathRewriteHealth { written, total }
    });
    let status = match consuming && path_rewrite.is_none() {
        true => "ok",
        false => "degraded",
    };
    Ok(web::Json(Health {
        status: status.into(),
        broker,
        path_rewrite,
        database: state.backend.name().into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}
