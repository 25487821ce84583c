//! Discover refreshes itself (issue 15, "incrementally as conversations arrive"): every
//! `--discover-refresh-secs` the server asks whether an event was stored (a conversation
//! imported or given new events) since the newest finished run started and, if one was, starts a run
//! with that run's settings and filter (the team's last choice) through the same start as
//! `POST /api/discover/runs`, so the Discover page opens on a recent result.
//!
//! Nothing to refresh before a first run has finished. A run under way, whoever started it
//! and on whichever server sharing the database, makes the tick a quiet no-op (the start's
//! 409); so do paths still being written after an upgrade (503). Any other error is logged
//! and the next tick tries again: the refresher never stops the server.
//!
//! A run notes the newest event's id when it starts (`events_through`); an event with a
//! greater id arrived since (restoring from the trash or deleting stores none). On
//! PostgreSQL an import batch whose transaction was open when a run started took its ids
//! before that: the run may miss its events, and the next run, which the next arrival
//! starts, counts them.

use actix_web::http::StatusCode;
use hindsight_types::{DiscoverRun, DiscoverRunState, DiscoverSettings};

use super::discover::{begin, StartedBy};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};

/// Starts the refresher on the current actix system (that of the HTTP server), unless the
/// configuration turns it off. It holds no connection between ticks and ends with the system,
/// when the server stops; a run it started goes on on its own thread, as any run does.
pub fn start(state: &AppState) {
    let Some(every) = state.config.discover_refresh() else {
        return;
    };
    let state = state.clone();
    actix_web::rt::spawn(async move {
        loop {
            // Counted from the end of the previous tick: ticks never pile up.
            actix_web::rt::time::sleep(every).await;
            match tick(&state).await {
                Ok(Some(run)) => tracing::info!(
                    "discover: conversations arrived since the latest run; refresh run {} started",
                    run.id
                ),
                Ok(None) => {}
                Err(e) => tracing::warn!("discover refresh: {e}"),
            }
        }
    });
}

/// One check: the run it started, or `None` when there was nothing to refresh or a run is
/// under way.
pub async fn tick(state: &AppState) -> AppResult<Option<DiscoverRun>> {
    let Some(settings) = state.db(due).await? else {
        return Ok(None);
    };
    match begin(state, StartedBy::Refresher, settings).await {
        Ok(run) => Ok(Some(run)),
        // Under way (here or on another server sharing the database), or paths still being
        // written after an upgrade: the next tick asks again.
        Err(AppError::Client(StatusCode::CONFLICT | StatusCode::SERVICE_UNAVAILABLE, e)) => {
            tracing::debug!("discover refresh skipped: {}", e.message);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The settings of the newest finished run when an event was stored after it started; `None`
/// when no run ever finished or nothing arrived since.
fn due(conn: &mut db::DbConnection) -> AppResult<Option<DiscoverSettings>> {
    let Some(last) = db::discover::latest_in(conn, DiscoverRunState::Finished.as_str())? else {
        return Ok(None);
    };
    // A run reads the conversations committed once it started: events stored since may be
    // missing from it.
    if !db::discover::events_after(conn, last.events_through)? {
        return Ok(None);
    }
    let settings = serde_json::from_str(&last.settings)
        .map_err(|e| AppError::Internal(format!("discover run {}: settings: {e}", last.id)))?;
    Ok(Some(settings))
}
