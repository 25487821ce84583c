//! `hindsight-bench` (`just bench`): loads demo conversations into a fresh SQLite file and a
//! fresh PostgreSQL database, serves each with the real server (a child server process, see
//! [`BenchOptions::server_exe`]), measures the inbox, conversation, story, facets and bulk-tag
//! figures over HTTP next to the best hand-written SQL for the same answers, and the
//! training-data figures (annotate, save, NLU export of 100,000 examples, checked), the
//! conversation export (every conversation streamed, counted, memory watched), Rasa's event
//! broker consumed from RabbitMQ (a backlog drained, live traffic timed to the inbox, checked),
//! and writes the report (`bench/RESULTS.md`).
//!
//! It is its own crate so the server binary does not carry it: it uses the server only through
//! `hindsight_server`'s public API (demo data, opening and migrating databases, API tokens).
//!
//! The client is a tiny keep-alive HTTP/1.1 client over a loopback socket, so what is measured
//! is the server, not a client library. Bearer tokens are one header (`Client::token`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

use hindsight_server::db::Backend;

mod broker;
mod client;
mod discover;
mod discover_quality;
mod export;
mod measure;
mod queues;
mod report;
mod suite;
mod training;

pub use broker::BrokerResult;
use broker::*;
pub use client::Client;
use client::*;
use discover::*;
pub use discover::{DiscoverResult, ViewDuringRun};
pub use discover_quality::QualityResult;
use discover_quality::*;
pub use export::ConversationExport;
use export::*;
use measure::*;
pub use measure::{BackendResult, FilterResult, Measured};
pub use queues::QueueResult;
use queues::*;
pub use report::report;
use report::*;
use suite::*;
pub use training::TrainingResult;
use training::*;

/// Options of `hindsight-bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchOptions {
    /// Conversations loaded into each database.
    #[arg(long, default_value_t = 1_000_000)]
    pub conversations: u64,
    /// Conversations loaded into PostgreSQL, when fewer than `--conversations` (the report says so).
    #[arg(long)]
    pub postgres_conversations: Option<u64>,
    /// Timed runs of each measurement (after one untimed warm-up run).
    #[arg(long, default_value_t = 30)]
    pub runs: usize,
    /// Seed of the demo data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where the report is written.
    #[arg(long, default_value = "bench/RESULTS.md")]
    pub output: PathBuf,
    /// Folder for the SQLite database (replaced on each run).
    #[arg(long, default_value = "target/bench")]
    pub workdir: PathBuf,
    /// A PostgreSQL server (an admin URL) on which the database `hindsight_bench` is created
    /// afresh; without it PostgreSQL is skipped and the report says so.
    #[arg(long, env = "HINDSIGHT_TEST_POSTGRES_URL")]
    pub postgres_url: Option<String>,
    /// Skip SQLite.
    #[arg(long)]
    pub no_sqlite: bool,
    /// Seconds of the wrk run (0: no wrk run).
    #[arg(long, default_value_t = 10)]
    pub wrk_seconds: u64,
    /// The server binary, started as `<exe> serve --bind …` (`just bench` passes the release
    /// `hindsight`). Default: this executable, whose `serve` runs the same server through
    /// `hindsight_server`'s command line.
    #[arg(long)]
    pub server_exe: Option<PathBuf>,
    /// Annotated examples loaded for the NLU export figure (issue 10: 100,000), fewer when the
    /// data has fewer distinct user messages (the report says how many).
    #[arg(long, default_value_t = 100_000)]
    pub nlu_examples: u64,
    /// A RabbitMQ server (`amqp://…`) for the event broker figures: a queue and exchange of
    /// the bench's own are declared on it, and deleted afterwards. Without it those figures are
    /// skipped and the report says so (`just bench` starts a throwaway one).
    #[arg(long, env = "HINDSIGHT_TEST_AMQP_URL", hide_env_values = true)]
    pub amqp_url: Option<String>,
    /// Events queued in RabbitMQ before the consuming server starts (issue 16: a backlog of
    /// 1,000,000), as Rasa publishes them; 0: no event broker figures.
    #[arg(long, default_value_t = 1_000_000)]
    pub broker_events: u64,
    /// Live traffic published to the consuming server, events per second (issue 16: 200).
    #[arg(long, default_value_t = 200.0)]
    pub broker_live_rate: f64,
    /// Seconds of live traffic.
    #[arg(long, default_value_t = 30.0)]
    pub broker_live_seconds: f64,
    /// Print progress to stderr.
    #[arg(long, default_value_t = true)]
    pub verbose: bool,
    /// Take the backends not measured by this run (`--no-sqlite`, no PostgreSQL URL) from the
    /// previous run's results (the `.json` next to the report), and report them all.
    #[arg(long)]
    pub keep_previous: bool,
    /// Measure nothing: write the report again from the previous run's results.
    #[arg(long)]
    pub render_only: bool,
    /// Load the demo data, then measure only the event broker (its drain and live traffic), and
    /// print its figures as JSON rather than writing the report: for working on the consumer.
    #[arg(long)]
    pub only_broker: bool,
    /// Load the demo data, then measure only Discover (a run over everything, the server's
    /// memory and two inbox views during it), and print its figures as JSON rather than
    /// writing the report.
    #[arg(long)]
    pub only_discover: bool,
    /// With `--only-discover` or `--only-broker`: measure the SQLite database an earlier run
    /// left at `<workdir>/bench.db` as it is, without loading a fresh one (the run adds to it:
    /// point `--workdir` at a copy). With `--only-broker`, pass a `--seed` the database has not
    /// seen: events already stored are skipped as re-imports, and the drain would measure that.
    #[arg(long)]
    pub reuse_sqlite: bool,
}

impl BenchOptions {
    /// Small defaults, for tests.
    pub fn small(conversations: u64, runs: usize, workdir: PathBuf) -> Self {
        BenchOptions {
            conversations,
            postgres_conversations: None,
            runs,
            seed: 1,
            output: workdir.join("RESULTS.md"),
            workdir,
            postgres_url: None,
            no_sqlite: false,
            wrk_seconds: 0,
            server_exe: None,
            nlu_examples: 1_000,
            amqp_url: None,
            broker_events: 5_000,
            broker_live_rate: 200.0,
            broker_live_seconds: 3.0,
            verbose: false,
            keep_previous: false,
            render_only: false,
            only_broker: false,
            only_discover: false,
            reuse_sqlite: false,
        }
    }
}

// ------------------------------------------------------------------------------------------
// Timing

/// p50 and p95 of a measurement, in milliseconds.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    /// Median.
    pub p50: f64,
    /// 95th percentile (nearest rank).
    pub p95: f64,
    /// Runs timed.
    pub runs: usize,
}

fn stats(mut ms: Vec<f64>) -> Stats {
    ms.sort_by(f64::total_cmp);
    let rank = |q: f64| ms[((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    Stats {
        p50: rank(0.5),
        p95: rank(0.95),
        runs: ms.len(),
    }
}

fn time(runs: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Stats> {
    f()?; // warm-up, untimed
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        f()?;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(stats(ms))
}

/// What is kept of a run, next to the report (`RESULTS.json`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Saved {
    pub(crate) runs: usize,
    pub(crate) seed: u64,
    pub(crate) date: String,
    pub(crate) commit: String,
    pub(crate) results: Vec<BackendResult>,
    /// Discover's groups scored on the shipped paraphrase families (absent from reports
    /// saved before it).
    #[serde(default)]
    pub(crate) discover_quality: Vec<QualityResult>,
}

fn saved_path(opts: &BenchOptions) -> PathBuf {
    opts.output.with_extension("json")
}

/// Runs the benchmark and writes the report; returns the results.
pub fn run(opts: &BenchOptions, notes: &[String]) -> anyhow::Result<Vec<BackendResult>> {
    if opts.reuse_sqlite && !(opts.only_broker || opts.only_discover) {
        anyhow::bail!("--reuse-sqlite measures only with --only-broker or --only-discover");
    }
    let previous: Option<Saved> = if opts.keep_previous || opts.render_only {
        let text = std::fs::read_to_string(saved_path(opts))
            .with_context(|| format!("reading {}", saved_path(opts).display()))?;
        Some(serde_json::from_str(&text)?)
    } else {
        None
    };
    let mut results = Vec::new();
    let mut notes = notes.to_vec();
    let mut discover_quality = Vec::new();
    if !opts.render_only {
        // The grouping of 100,000 messages takes seconds in a release build, minutes in the
        // debug build of the bench's own test: that one groups fewer.
        let sizes: &[usize] = if opts.conversations >= 100_000 {
            &[10_000, 100_000]
        } else {
            &[2_000]
        };
        say(
            opts,
            format!("discover quality: grouping {sizes:?} labelled messages"),
        );
        discover_quality = measure_discover_quality(sizes)?;
        if !opts.no_sqlite {
            results.push(run_backend(opts, Backend::Sqlite, opts.conversations)?);
        }
        match &opts.postgres_url {
            Some(_) => {
                let n = opts.postgres_conversations.unwrap_or(opts.conversations);
                results.push(run_backend(opts, Backend::Postgres, n)?);
            }
            None if opts.keep_previous => {}
            None => notes.push(
                "PostgreSQL was not measured: no `--postgres-url` (`just bench` starts one)."
                    .into(),
            ),
        }
        if opts.amqp_url.is_none() {
            notes.push("The event broker figures were not measured: no RabbitMQ (`--amqp-url` or HINDSIGHT_TEST_AMQP_URL; `just bench` starts one).".into());
        }
    }
    if opts.only_broker {
        let figures: Vec<_> = results
            .iter()
            .map(|r| (&r.backend, &r.broker, &r.mismatches))
            .collect();
        println!("{}", serde_json::to_string_pretty(&figures)?);
        return Ok(results);
    }
    if opts.only_discover {
        let figures: Vec<_> = results
            .iter()
            .map(|r| (&r.backend, r.conversations, &r.discover))
            .collect();
        println!("{}", serde_json::to_string_pretty(&figures)?);
        return Ok(results);
    }
    let mut meta = (
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        commit(),
    );
    for r in &mut results {
        r.measured = Some(Measured {
            date: meta.0.clone(),
            commit: meta.1.clone(),
        });
    }
    let mut render_opts = opts.clone();
    if let Some(prev) = previous {
        for mut r in prev.results {
            if !results.iter().any(|x| x.backend == r.backend) {
                // Results saved before backends carried their own run were all of that run.
                r.measured.get_or_insert_with(|| Measured {
                    date: prev.date.clone(),
                    commit: prev.commit.clone(),
                });
                results.push(r);
            }
        }
        if opts.render_only {
            meta = (prev.date, prev.commit);
            // The report states the runs and seed: those of the run measured, not the defaults.
            render_opts.runs = prev.runs;
            render_opts.seed = prev.seed;
        }
        if discover_quality.is_empty() {
            discover_quality = prev.discover_quality;
        }
    }
    results.sort_by_key(|r| r.backend != "sqlite");
    if let Some(dir) = opts.output.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let saved = Saved {
        runs: render_opts.runs,
        seed: render_opts.seed,
        date: meta.0.clone(),
        commit: meta.1.clone(),
        results: results.clone(),
        discover_quality: discover_quality.clone(),
    };
    if !opts.render_only {
        std::fs::write(saved_path(opts), serde_json::to_string_pretty(&saved)?)?;
    }
    let text = report(&render_opts, &meta, &results, &discover_quality, &notes);
    std::fs::write(&opts.output, text)?;
    say(opts, format!("wrote {}", opts.output.display()));
    Ok(results)
}

fn commit() -> String {
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    // Only the server's own sources count as a difference from the commit.
    let dirty = git(&[
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        "crates/hindsight-server",
        "crates/hindsight-types",
        "migrations",
    ])
    .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{commit} (with uncommitted changes to the server)")
    } else {
        commit
    }
}

/// Per-figure results by name, for tests.
pub fn figures(r: &BackendResult) -> BTreeMap<String, Stats> {
    let mut m = BTreeMap::new();
    for f in &r.filters {
        m.insert(format!("view: {}", f.name), f.view);
        m.insert(format!("exact tabs: {}", f.name), f.exact_tabs);
        m.insert(format!("day chart: {}", f.name), f.day_chart);
        m.insert(format!("page: {}", f.name), f.page);
        m.insert(format!("count: {}", f.name), f.count);
    }
    m.insert("deep page".into(), r.deep_page);
    m.insert("open".into(), r.open);
    m.insert("story".into(), r.story);
    m.insert("facets".into(), r.facets);
    m.insert("bulk".into(), r.bulk);
    if let Some(t) = &r.training {
        m.insert("annotate".into(), t.annotate);
        m.insert("save".into(), t.save);
        m.insert("nlu export".into(), t.export);
    }
    if let Some(q) = &r.queues {
        m.insert("queue fill".into(), q.fill);
        m.insert("queue next".into(), q.next);
    }
    m
}
