//! The `hindsight` command line: subcommands and their implementations.

pub mod import;
pub use import::import_files;
mod serve;

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
    /// Serve the API and the web app.
    Serve(ServeOptions),
    /// Import Rasa conversations: tracker JSON files, folders of them, JSON lines, or a Rasa
    /// SQL tracker store (`sqlite://rasa.db`, `postgres://…`, or a `.db`/`.sqlite` file).
    Import(import::ImportArgs),
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
            Command::Serve(opts) => serve::serve(self.config, opts),
            Command::Import(args) => import::import(self.config, args),
            Command::DemoData { conversations, seed } => demo_data(self.config, conversations, seed),
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
    let opts = crate::ingest::IngestOptions { timezone: config.timezone, restore_deleted: false };
    let started = std::time::Instant::now();
    let (tx, rx) = std::sync::mpsc::sync_channel(4);
    // Generating on one core while the other writes.
    std::thread::spawn(move || {
        let mut index = 0;
        while index < conversations {
            let end = (index + 1_000).min(conversations);
            let batch: Vec<_> = (index..end).map(|i| crate::demo::conversation(seed, i)).collect();
            if tx.send(batch).is_err() {
                return;
            }
            index = end;
        }
    });
    let (mut events, mut convs) = (0u64, 0u64);
    for batch in rx {
        let s = crate::db::ingest::store_conversations(&mut conn, batch, &opts)?;
        events += s.events_added;
        convs += s.conversations_created;
    }
    let secs = started.elapsed().as_secs_f64();
    println!("wrote {convs} conversations, {events} events in {secs:.1}s ({:.0} events/s)", events as f64 / secs.max(1e-9));
    Ok(())
}
