//! `hindsight serve`.

use crate::app::{start_server, AppState};
use crate::config::{Config, ServeOptions};
use crate::ingest::IngestOptions;

/// Opens the database, imports the samples into an empty one, and serves until stopped.
pub fn serve(config: Config, opts: ServeOptions) -> anyhow::Result<()> {
    let state = AppState::open(config)?;
    {
        let mut conn = state.pool.get()?;
        let changed = crate::db::ingest::apply_timezone(&mut conn, state.config.timezone)?;
        if changed > 0 {
            tracing::info!(changed, tz = %state.config.timezone, "time-of-day index recomputed");
        }
        let purged = crate::db::triage::purge(&mut conn, state.config.trash_days)?;
        if purged > 0 {
            tracing::info!(purged, "purged conversations from the trash");
        }
        if let Some(samples) = &opts.samples {
            if crate::db::conversations::is_empty(&mut conn)? && samples.exists() {
                let ingest = IngestOptions {
                    timezone: state.config.timezone,
                    restore_deleted: false,
                };
                let summary = super::import::import_files(
                    &mut conn,
                    std::slice::from_ref(samples),
                    &ingest,
                    false,
                    false,
                )?;
                tracing::info!(
                    conversations = summary.conversations_created,
                    events = summary.events_added,
                    "imported the sample conversations"
                );
            }
        }
    }
    let listener = std::net::TcpListener::bind(&opts.bind)?;
    let addr = listener.local_addr()?;
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let server = start_server(state, &opts, listener)?;
        tracing::info!("Hindsight is serving at http://{addr}/");
        println!("Hindsight is serving at http://{addr}/");
        server.await
    })?;
    Ok(())
}
