use actix_web::web;
use diesel::connection::SimpleConnection;
use hindsight_types::Health;

use crate::app::AppState;
use crate::error::AppResult;

/// `GET /api/health`: answers 200 when the database answers, 503 otherwise.
pub async fn get_health(state: web::Data<AppState>) -> AppResult<web::Json<Health>> {
    state.db(|conn| Ok(conn.batch_execute("SELECT 1")?)).await?;
    Ok(web::Json(Health {
        status: "ok".into(),
        database: state.backend.name().into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}
