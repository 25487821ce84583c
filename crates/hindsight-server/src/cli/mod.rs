//! The `hindsight` command line: subcommands and their implementations.

mod export;
pub mod import;
pub use import::import_files;
mod serve;
pub mod user;

use clap::{Parser, Subcommand};

use crate::config::{Config, ServeOptions};

/// Hindsight: read the conversations your Rasa assistant really had.
#[derive(Debug, Parser)]
#[command(name = "hindsight", version, about)]
pub struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and the web app (with `--broker`, also consume Rasa's event broker).
    Serve {
        #[command(flatten)]
        opts: ServeOptions,
        #[command(flatten)]
        broker: crate::broker::BrokerSettings,
    },
    /// Consume Rasa's event broker (RabbitMQ) into the database, without serving the API.
    Consume {
        #[command(flatten)]
        broker: crate::broker::BrokerSettings,
        /// Serve `GET /api/health` (the consumer's state and lag) on this address, for a
        /// supervisor's liveness or readiness probe. Unset: no HTTP at all.
        #[arg(long = "health-bind", env = "HINDSIGHT_CONSUMER_HEALTH_BIND")]
        health_bind: Option<String>,
    },
    /// Import Rasa conversations: tracker JSON files, folders of them, JSON lines, or a Rasa
    /// SQL tracker store (`sqlite://rasa.db`, `postgres://…`, or a `.db`/`.sqlite` file).
    Import(import::ImportArgs),
    /// Manage users: `add`, `passwd`, `remove`.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage API tokens: `create`, `list`, `revoke`.
    #[command(subcommand)]
    Token(user::TokenCommand),
    /// Export training data: `training-data DIR`.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Write N realistic demo conversations through the normal ingest path (deterministic).
    DemoData {
        /// How many conversations.
        #[arg(long, default_value_t = 1000)]
        conversations: u64,
        /// Seed: the same seed gives the same conversations.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

impl Cli {
    /// Runs the chosen subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve { opts, broker } => serve::serve(self.config, opts, broker),
            Command::Consume {
                broker,
                health_bind,
            } => serve::consume(self.config, broker, health_bind.as_deref()),
            Command::Import(args) => import::import(self.config, args),
            Command::User(cmd) => user::user(self.config, cmd),
            Command::Token(cmd) => user::token(self.config, cmd),
            Command::Export(cmd) => export::export(self.config, cmd),
            Command::DemoData {
                conversations,
                seed,
            } => demo_data(self.config, conversations, seed),
            Command::Migrate => {
                let url = crate::db::DatabaseUrl::parse(&self.config.database_url)?;
                let ran = crate::db::connection::run_migrations(&mut url.connect()?)?;
                println!("{ran} migration(s) applied; the schema is up to date");
                Ok(())
            }
        }
    }
}

/// Runs `hindsight demo-data`: batches of demo conversations, stored as an import would.
fn demo_data(config: Config, conversations: u64, seed: u64) -> anyhow::Result<()> {
    let mut conn = crate::db::open_pool(&config.database_url, 1)?.get()?;
    let opts = crate::ingest::IngestOptions {
        timezone: config.timezone,
        restore_deleted: false,
    };
    let l = crate::demo::load(&mut conn, conversations, seed, &opts, |_| {})?;
    println!(
        "wrote {} conversations, {} events in {:.1}s ({:.0} events/s)",
        l.conversations,
        l.events,
        l.seconds,
        l.events as f64 / l.seconds.max(1e-9)
    );
    Ok(())
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`, actix's per-worker lines quiet):
/// what the `hindsight` binary and the bench's `serve` child both use.
pub fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,actix_server=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
}
