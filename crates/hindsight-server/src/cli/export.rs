//! `hindsight export training-data DIR`: the training data as a Rasa project's files.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use hindsight_types::TrainingItemKind;

use crate::config::Config;
use crate::service::training::{write_export, ExportKind, ExportQuery};

/// What to export.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write `data/nlu.yml`, `data/stories.yml`, `tests/test_stories.yml` and
    /// `tests/e2e_test_cases.yml` under DIR (created if missing; the files are replaced).
    TrainingData(TrainingDataArgs),
}

/// Arguments of `export training-data`.
#[derive(Debug, Args)]
pub struct TrainingDataArgs {
    /// The Rasa project's directory.
    pub dir: PathBuf,
    /// Only what this user annotated or saved.
    #[arg(long)]
    pub annotator: Option<String>,
    /// Only what was annotated or saved at or after this instant (RFC 3339).
    #[arg(long)]
    pub since: Option<String>,
    /// Only what was annotated or saved at or before this instant (RFC 3339).
    #[arg(long)]
    pub until: Option<String>,
    /// Only conversations with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// Only conversations matching this saved filter (its id).
    #[arg(long)]
    pub filter: Option<i64>,
}

/// The files and what each holds.
const FILES: [(&str, ExportKind); 4] = [
    ("data/nlu.yml", ExportKind::Nlu),
    (
        "data/stories.yml",
        ExportKind::Items(TrainingItemKind::Story),
    ),
    (
        "tests/test_stories.yml",
        ExportKind::Items(TrainingItemKind::TestStory),
    ),
    (
        "tests/e2e_test_cases.yml",
        ExportKind::Items(TrainingItemKind::E2eTest),
    ),
];

/// Runs `hindsight export …`.
pub fn export(config: Config, cmd: ExportCommand) -> anyhow::Result<()> {
    let ExportCommand::TrainingData(args) = cmd;
    let mut conn = crate::db::open_pool(&config.database_url, 1)?.get()?;
    let query = ExportQuery {
        annotator: args.annotator,
        since: args.since,
        until: args.until,
        tag: args.tag,
        filter: args.filter,
    };
    // Everything is written to memory first: a bad option leaves no half-written project.
    let mut files = Vec::new();
    for (path, kind) in FILES {
        let text =
            write_export(&mut conn, None, kind, &query).map_err(|e| anyhow::anyhow!("{e}"))?;
        files.push((args.dir.join(path), text));
    }
    for (path, text) in files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &text)?;
        println!("{}: {} bytes", path.display(), text.len());
    }
    Ok(())
}
