use actix_web::web;
use diesel::connection::SimpleConnection;
use hindsight_types::Health;

use crate::app::AppState;
use crate::error::AppResult;

/// `GET /api/health`: answers 200 when the database answers, 503 otherwise. With an event
/// broker consumer, its state and lag too; the status is `degraded` while it is not consuming.
pub async fn get_health(state: web::Data<AppState>) -> AppResult<web::Json<Health>> {
    state.db(|conn| Ok(conn.batch_execute("SELECT 1")?)).await?;
    let broker = state.broker.get().map(|s| s.health());
    let consuming = broker.as_ref().is_none_or(|b| b.state == "consuming");
    Ok(web::Json(Health {
        status: if consuming { "ok" } else { "degraded" }.into(),
        broker,
        database: state.backend.name().into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}
