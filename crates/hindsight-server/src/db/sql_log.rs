//! Every statement a connection runs, with its time, logged at `debug` under the target
//! `hindsight_server::sql` (`RUST_LOG=hindsight_server::sql=debug`): for whoever asks why a
//! request is slow. Off unless that target is enabled when the connection opens; the log
//! holds bound values (search words, sender ids), so it is opt-in like every debug log.

use std::time::Instant;

use diesel::connection::{Instrumentation, InstrumentationEvent};

/// The tracing target of the statement log.
pub const TARGET: &str = "hindsight_server::sql";

/// Whether connections opened now should log their statements.
pub fn enabled() -> bool {
    tracing::enabled!(target: TARGET, tracing::Level::DEBUG)
}

/// Diesel's instrumentation of one connection: times each statement from its start to its
/// end (for a `SELECT`, until its last row was read).
#[derive(Debug, Default)]
pub struct StatementLog {
    started: Option<Instant>,
}

impl Instrumentation for StatementLog {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.started = Some(Instant::now()),
            InstrumentationEvent::FinishQuery { query, error, .. } => {
                let ms = self.started.take().map(|t| t.elapsed().as_secs_f64() * 1e3);
                tracing::debug!(target: TARGET, ms, failed = error.is_some(), "{query}");
            }
            _ => {}
        }
    }
}
