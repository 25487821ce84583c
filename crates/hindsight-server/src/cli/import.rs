//! `hindsight import`: files, folders, JSON lines, or a Rasa SQL tracker store.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use hindsight_types::ImportSummary;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::Config;
use crate::db::{DatabaseUrl, DbConnection};
use crate::ingest::files::{collect_files, read_in_background, Item};
use crate::ingest::{tracker_store, IngestOptions};

/// Arguments of `hindsight import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Tracker JSON files, folders of them, `.jsonl` files, or Rasa SQL tracker stores
    /// (`sqlite://PATH`, `postgres://…`, or a file ending in `.db`, `.sqlite`, `.sqlite3`).
    #[arg(required = true)]
    pub paths: Vec<String>,
    /// Abort with nothing written if any file or line is bad.
    #[arg(long)]
    pub strict: bool,
    /// Restore conversations in the trash that receive events (without it their events are
    /// stored and they stay in the trash).
    #[arg(long)]
    pub restore_deleted: bool,
}

fn tracker_store_url(arg: &str) -> Option<String> {
    if arg.starts_with("sqlite://")
        || arg.starts_with("postgres://")
        || arg.starts_with("postgresql://")
    {
        return Some(arg.to_owned());
    }
    let is_db = [".db", ".sqlite", ".sqlite3"]
        .iter()
        .any(|ext| arg.ends_with(ext));
    is_db.then(|| format!("sqlite://{arg}"))
}

/// Runs `hindsight import`.
pub fn import(config: Config, args: ImportArgs) -> anyhow::Result<()> {
    let mut conn = crate::db::open_pool(&config.database_url, 1)?.get()?;
    // The connection closes when the command ends, which folds the log back on SQLite.
    crate::db::ingest_upkeep::begin_bulk_import(&mut conn)?;
    let opts = IngestOptions {
        timezone: config.timezone,
        restore_deleted: args.restore_deleted,
    };
    let started = Instant::now();
    let mut total = ImportSummary::default();
    let mut files = Vec::new();
    for arg in &args.paths {
        match tracker_store_url(arg) {
            Some(url) => {
                DatabaseUrl::parse(&url)?;
                let s = tracker_store::import_tracker_store(&mut conn, &url, &opts, |s| {
                    eprintln!("{url}: {} events imported so far", s.events_added);
                })?;
                for p in &s.problems {
                    eprintln!("{}:{}: {}", p.source, p.line.unwrap_or(0), p.reason);
                }
                add(&mut total, s);
            }
            None => files.push(PathBuf::from(arg)),
        }
    }
    if !files.is_empty() {
        let s = import_files(&mut conn, &files, &opts, args.strict, true)?;
        add(&mut total, s);
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "imported {} events ({} already there) into {} new and {} updated conversations in {:.1}s ({:.0} events/s){}",
        total.events_added,
        total.events_skipped,
        total.conversations_created,
        total.conversations_updated,
        secs,
        total.events_added as f64 / secs.max(1e-9),
        if total.conversations_skipped_deleted > 0 {
            format!("; {} conversations in the trash received events and stay there (--restore-deleted restores them)", total.conversations_skipped_deleted)
        } else {
            String::new()
        }
    );
    if !total.problems.is_empty() {
        anyhow::bail!(
            "{} input(s) could not be imported (listed above); the rest was imported",
            total.problems.len()
        );
    }
    Ok(())
}

fn add(total: &mut ImportSummary, s: ImportSummary) {
    total.conversations_created += s.conversations_created;
    total.conversations_updated += s.conversations_updated;
    total.events_added += s.events_added;
    total.events_skipped += s.events_skipped;
    total.conversations_skipped_deleted += s.conversations_skipped_deleted;
    total.problems.extend(s.problems);
}

fn progress_bar(total_bytes: u64, visible: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {elapsed_precise} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    if !visible {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar
}

/// Imports tracker files and folders. With `strict`, everything is read once first and
/// nothing is written if any input is bad. Progress shows as a bar on a terminal and as a
/// plain line every few seconds otherwise (when `report`).
pub fn import_files(
    conn: &mut DbConnection,
    paths: &[PathBuf],
    opts: &IngestOptions,
    strict: bool,
    report: bool,
) -> anyhow::Result<ImportSummary> {
    let (files, total_bytes) = collect_files(paths)?;
    if strict {
        let problems: Vec<_> = read_in_background(files.clone())
            .into_iter()
            .filter_map(|item| match item {
                Item::Problem(p) => Some(p),
                _ => None,
            })
            .collect();
        if !problems.is_empty() {
            for p in &problems {
                eprintln!("{}:{}: {}", p.source, p.line.unwrap_or(0), p.reason);
            }
            anyhow::bail!(
                "--strict: {} input(s) are bad; nothing was imported",
                problems.len()
            );
        }
    }
    let terminal = report && std::io::stderr().is_terminal();
    let bar = progress_bar(total_bytes, terminal);
    let started = Instant::now();
    let mut last_line = Instant::now();
    let mut summary = ImportSummary::default();
    for item in read_in_background(files) {
        match item {
            Item::Batch(batch) => {
                let s = crate::db::ingest::store_conversations(conn, batch, opts)?;
                add(&mut summary, s);
                let rate = summary.events_added as f64 / started.elapsed().as_secs_f64().max(1e-9);
                let msg = format!(
                    "{} conversations, {} events, {:.0} events/s",
                    summary.conversations_created + summary.conversations_updated,
                    summary.events_added,
                    rate
                );
                if report && !terminal && last_line.elapsed() > Duration::from_secs(2) {
                    eprintln!("import: {msg}");
                    last_line = Instant::now();
                }
                bar.set_message(msg);
            }
            Item::Problem(p) => {
                bar.suspend(|| eprintln!("{}:{}: {}", p.source, p.line.unwrap_or(0), p.reason));
                summary.problems.push(p);
            }
            Item::Progress(bytes) => bar.set_position(bytes),
        }
    }
    bar.finish_and_clear();
    Ok(summary)
}
