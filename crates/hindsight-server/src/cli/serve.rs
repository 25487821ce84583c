//! `hindsight serve`.

use crate::app::{start_health_server, start_server, AppState};
use crate::broker::BrokerSettings;
use crate::config::{Config, ServeOptions};
use crate::ingest::IngestOptions;

/// Opens the database, imports the samples into an empty one, and serves until stopped.
pub fn serve(config: Config, opts: ServeOptions, broker: BrokerSettings) -> anyhow::Result<()> {
    let state = AppState::open(config)?;
    {
        let mut conn = state.pool.get()?;
        let changed = crate::db::ingest_upkeep::apply_timezone(&mut conn, state.config.timezone)?;
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
    // Stopped (unacknowledged messages stay queued) when the server returns.
    let _consumer = match broker.url.is_some() {
        true => Some(crate::broker::spawn(state.clone(), broker)?),
        false => None,
    };
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

/// `hindsight consume`: stores what Rasa publishes until the process is stopped. Stopping it
/// at any moment (even `kill -9`) loses nothing: unacknowledged messages are delivered again.
/// With `health_bind`, also answers `GET /api/health` there (and nothing else).
pub fn consume(
    config: Config,
    broker: BrokerSettings,
    health_bind: Option<&str>,
) -> anyhow::Result<()> {
    if broker.url.is_none() {
        anyhow::bail!("consume needs the broker's URL: --broker amqp://… or HINDSIGHT_BROKER_URL");
    }
    let state = AppState::open(config)?;
    let queue = broker.queue.clone();
    let consumer = crate::broker::spawn(state.clone(), broker)?;
    println!("Hindsight is consuming the queue {queue}");
    match health_bind {
        Some(bind) => {
            let listener = std::net::TcpListener::bind(bind)?;
            let addr = listener.local_addr()?;
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let server = start_health_server(state, listener)?;
                println!("The consumer's health is at http://{addr}/api/health");
                server.await
            })?;
            // The HTTP server stopped (a signal): stop consuming too.
            consumer.stop();
        }
        None => consumer.wait(),
    }
    Ok(())
}
