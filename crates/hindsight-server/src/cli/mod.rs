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
}

impl Cli {
    /// Runs the chosen subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(opts) => serve::serve(self.config, opts),
            Command::Import(args) => import::import(self.config, args),
            Command::Migrate => {
                let url = crate::db::DatabaseUrl::parse(&self.config.database_url)?;
                let ran = crate::db::connection::run_migrations(&mut url.connect()?)?;
                println!("{ran} migration(s) applied; the schema is up to date");
                Ok(())
            }
        }
    }
}
