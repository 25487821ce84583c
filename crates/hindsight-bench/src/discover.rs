//! Issue 15's Discover at scale, through the API: a run over every conversation with the
//! default settings (`POST /api/discover/runs` with `{}`), polled until it ends, timed by the
//! run's own timestamps and the client's clock, with the server's memory sampled meanwhile and
//! two inbox views asked for over and over while it works (the serving process must not feel
//! it), next to the same views asked for quietly just before.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};

use super::*;
use crate::report::{grouped, mark, ms, query_shown, target};

/// How often the server's resident memory is read during the run.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);
/// One inbox view at most this often during the run: a reviewer clicking about, not a load
/// test (which would take the 2 cores from the run it is meant to watch).
const VIEW_EVERY: Duration = Duration::from_millis(100);
/// The run's state is asked for at most this often.
const POLL_EVERY: Duration = Duration::from_millis(100);
/// A run not finished by then fails the bench.
const GIVE_UP_AFTER: Duration = Duration::from_secs(1_800);

/// The inbox views timed during the run: the whole inbox, and a filter on a feature (reading
/// the same feature table the run's own filter SQL does).
pub const DISCOVER_VIEWS: [(&str, &str); 2] = [
    ("everything (no filter)", ""),
    ("intent", "intent=intent_010"),
];

/// One inbox view timed quietly and during the run.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ViewDuringRun {
    /// Name in the report.
    pub name: String,
    /// Its inbox query.
    pub query: String,
    /// Just before the run, nothing else under way (after one untimed warm-up).
    pub quiet: Stats,
    /// While the run was under way (each one started before the run was seen finished).
    pub during: Stats,
}

/// The Discover figures of one backend.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct DiscoverResult {
    /// The run's id.
    pub run_id: i64,
    /// Its `max_candidates` (the default, 100,000).
    pub max_candidates: i64,
    /// Candidate messages it read.
    pub candidates: i64,
    /// Whether reading stopped at `max_candidates` (there were more).
    pub truncated: bool,
    /// Groups it found (`GET /api/discover`).
    pub groups: usize,
    /// `finished_at - started_at` of the run's row, seconds.
    pub run_seconds: f64,
    /// The client's clock: the start request sent to the poll that saw it finished, seconds.
    pub wall_seconds: f64,
    /// The server's resident memory just before the start, MB.
    pub rss_before_mb: f64,
    /// The highest resident memory read during the run (every 20 ms), MB.
    pub rss_peak_mb: f64,
    /// Inbox views, quiet and during the run.
    pub views: Vec<ViewDuringRun>,
}

impl DiscoverResult {
    /// The slower of the two clocks: what a reviewer waits.
    pub fn seconds(&self) -> f64 {
        self.run_seconds.max(self.wall_seconds)
    }
}

fn seconds_between(run: &serde_json::Value) -> Option<f64> {
    let at = |k: &str| {
        chrono::DateTime::parse_from_rfc3339(run[k].as_str()?)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    Some((at("finished_at")? - at("started_at")?).num_microseconds()? as f64 / 1e6)
}

/// Times the views quietly, starts a run over everything with the default settings, asks for
/// the views while it works and reads the server's memory, and fails when the run fails.
pub(super) fn measure_discover(
    client: &mut Client,
    server: &Server,
    runs: usize,
) -> anyhow::Result<DiscoverResult> {
    let paths: Vec<Vec<String>> = DISCOVER_VIEWS.iter().map(|(_, q)| view_paths(q)).collect();
    let mut view_clients: Vec<Client> = (0..2)
        .map(|_| {
            let mut c = Client::new(&server.addr);
            c.token = client.token.clone();
            c
        })
        .collect();
    let mut views: Vec<ViewDuringRun> = Vec::new();
    for ((name, query), p) in DISCOVER_VIEWS.iter().zip(&paths) {
        let quiet = time(runs, || view_once(&mut view_clients, p).map(drop))?;
        views.push(ViewDuringRun {
            name: (*name).into(),
            query: (*query).into(),
            quiet,
            during: Stats::default(),
        });
    }

    let pid = server.child.id();
    let rss_before_mb = rss_mb(pid).unwrap_or(0.0);
    let peak = std::sync::Mutex::new(rss_before_mb);
    let done = AtomicBool::new(false);
    let mut during: Vec<Vec<f64>> = vec![Vec::new(); paths.len()];
    let started = Instant::now();
    let (run, wall_seconds) = std::thread::scope(|s| -> anyhow::Result<_> {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                if let Some(mb) = rss_mb(pid) {
                    let mut p = peak.lock().unwrap_or_else(|e| e.into_inner());
                    *p = p.max(mb);
                }
                std::thread::sleep(SAMPLE_EVERY);
            }
        });
        let outcome = run_and_watch(client, &mut view_clients, &paths, &mut during, started);
        done.store(true, Ordering::Relaxed);
        outcome
    })?;
    for (v, ms) in views.iter_mut().zip(during) {
        if !ms.is_empty() {
            v.during = stats(ms);
        }
    }
    let latest = client.get_json("/api/discover")?;
    if latest["run"]["id"] != run["id"] {
        bail!(
            "GET /api/discover answers run {} rather than the bench's {}",
            latest["run"]["id"],
            run["id"]
        );
    }
    Ok(DiscoverResult {
        run_id: run["id"].as_i64().unwrap_or(-1),
        max_candidates: run["settings"]["max_candidates"].as_i64().unwrap_or(-1),
        candidates: run["candidates"].as_i64().unwrap_or(-1),
        truncated: run["truncated"].as_bool().unwrap_or(false),
        groups: latest["groups"].as_array().map_or(0, Vec::len),
        run_seconds: seconds_between(&run).unwrap_or(wall_seconds),
        wall_seconds,
        rss_before_mb,
        rss_peak_mb: peak.into_inner().unwrap_or_else(|e| e.into_inner()),
        views,
    })
}

/// Starts the run, then asks for each view in turn (one every [`VIEW_EVERY`]) and the run's
/// state until it is finished; returns the finished run and the client's seconds.
fn run_and_watch(
    client: &mut Client,
    view_clients: &mut [Client],
    paths: &[Vec<String>],
    during: &mut [Vec<f64>],
    started: Instant,
) -> anyhow::Result<(serde_json::Value, f64)> {
    let (status, text) = client.request("POST", "/api/discover/runs", Some("{}"))?;
    if status != 202 {
        bail!("POST /api/discover/runs: {status} {text}");
    }
    let id = serde_json::from_str::<serde_json::Value>(&text)?["id"]
        .as_i64()
        .ok_or_else(|| anyhow!("POST /api/discover/runs answered no id: {text}"))?;
    let mut polled = Instant::now();
    let mut turn = 0;
    loop {
        // Every view at least once, even when the run is quicker than one.
        let t = Instant::now();
        view_once(view_clients, &paths[turn % paths.len()])?;
        during[turn % paths.len()].push(t.elapsed().as_secs_f64() * 1e3);
        turn += 1;
        if turn >= paths.len() && polled.elapsed() >= POLL_EVERY {
            polled = Instant::now();
            let run = client.get_json(&format!("/api/discover/runs/{id}"))?;
            match run["state"].as_str() {
                Some("finished") => return Ok((run, started.elapsed().as_secs_f64())),
                Some("running") => {}
                _ => bail!(
                    "Discover run {id} failed: {}",
                    run["error"].as_str().unwrap_or("no message")
                ),
            }
        }
        if started.elapsed() > GIVE_UP_AFTER {
            bail!("Discover run {id} did not finish within {GIVE_UP_AFTER:?}");
        }
        std::thread::sleep(VIEW_EVERY.saturating_sub(t.elapsed()));
    }
}

/// Whether a view stayed within the backend's view target during the run.
fn views_ok(d: &DiscoverResult, view_ms: f64) -> bool {
    d.views.iter().all(|v| v.during.p95 <= view_ms)
}

/// Discover's rows of the targets table.
pub(crate) fn discover_rows(o: &mut String, b: &str, d: &DiscoverResult, view_ms: f64) {
    let _ = writeln!(
        o,
        "| Discover run over {} candidate messages{} ≤ 30 s (target for 100,000) | {b} | {:.1} s | {} |",
        grouped(d.candidates),
        if d.truncated { " (truncated at the maximum)" } else { "" },
        d.seconds(),
        mark(d.seconds() <= target::DISCOVER_S)
    );
    let _ = writeln!(
        o,
        "| Server RSS during a Discover run ≤ 1 GB | {b} | peak {:.0} MB ({:+.0} MB) | {} |",
        d.rss_peak_mb,
        d.rss_peak_mb - d.rss_before_mb,
        mark(d.rss_peak_mb <= target::DISCOVER_RSS_MB)
    );
    let worst = d
        .views
        .iter()
        .map(|v| format!("{} {:.1} ms", v.name, v.during.p95))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        o,
        "| Inbox views during a Discover run p95 ≤ {view_ms:.0} ms (the views' target) | {b} | {worst} | {} |",
        mark(views_ok(d, view_ms))
    );
}

/// Discover's misses, each with how much and why.
pub(crate) fn discover_misses(d: &DiscoverResult, view_ms: f64) -> Vec<String> {
    let mut out = Vec::new();
    if d.seconds() > target::DISCOVER_S {
        out.push(format!(
            "a Discover run over {} candidates took {:.1} s, {:.1}× the 30 s target: the run reads every filtered conversation's user messages newest first, 500 conversations a page, before grouping (the pure grouping of 100,000 messages: `cargo run --release --example discover_speed`), on the same 2 cores as the serving process and the bench's views.",
            grouped(d.candidates),
            d.seconds(),
            d.seconds() / target::DISCOVER_S
        ));
    }
    if d.rss_peak_mb > target::DISCOVER_RSS_MB {
        out.push(format!(
            "server peak RSS {:.0} MB during a Discover run of {} candidates ({:+.0} MB over before it), over the 1 GB target: the candidates' texts, their TF-IDF vectors and HDBSCAN's sample are held at once.",
            d.rss_peak_mb,
            grouped(d.candidates),
            d.rss_peak_mb - d.rss_before_mb
        ));
    }
    for v in d.views.iter().filter(|v| v.during.p95 > view_ms) {
        out.push(format!(
            "the inbox view `{}` p95 {:.1} ms during a Discover run ({:.1} ms quiet), {:.1}× the {view_ms:.0} ms target: the run's thread and the views share the 2 cores (and on SQLite the database file's pages).",
            if v.query.is_empty() { "(no filter)" } else { &v.query },
            v.during.p95,
            v.quiet.p95,
            v.during.p95 / view_ms
        ));
    }
    out
}

/// Discover's section in a backend's part of the report.
pub(crate) fn discover_section(o: &mut String, d: &DiscoverResult) {
    let _ = writeln!(o, "\n### Discover\n");
    let _ = writeln!(
        o,
        "A run over every conversation with the default settings (`POST /api/discover/runs` with `{{}}`, run {}), polled every 100 ms until `finished`: **{:.1} s** by the run's timestamps (`finished_at - started_at`), {:.1} s by the client's clock (start request to the poll that saw it finished). It read **{}** candidate messages (at most {}){}, and found **{}** groups.",
        d.run_id,
        d.run_seconds,
        d.wall_seconds,
        grouped(d.candidates),
        grouped(d.max_candidates),
        if d.truncated {
            ": truncated, there were more (it reads newest first, so these are the newest conversations' candidates)"
        } else {
            ", not truncated"
        },
        d.groups
    );
    let _ = writeln!(
        o,
        "\nThe server's private resident memory (`RssAnon` + `RssShmem`, read every 20 ms): {:.0} MB before the run, **{:.0} MB** at most during it ({:+.0} MB).",
        d.rss_before_mb,
        d.rss_peak_mb,
        d.rss_peak_mb - d.rss_before_mb
    );
    let _ = writeln!(o, "\nThe serving process meanwhile: inbox views as the web app asks for them (page and tab counts in parallel), one every 100 ms while the run was under way, each view in turn, next to the same views just before the run (quiet, after a warm-up). The target: p95 during the run within the views' own target.\n");
    let _ = writeln!(
        o,
        "| View | Query | Quiet p50 / p95 | During the run p50 / p95 | Views during the run |\n|---|---|---:|---:|---:|"
    );
    for v in &d.views {
        let _ = writeln!(
            o,
            "| {} | `{}` | {} | {} | {} |",
            v.name,
            query_shown(&v.query),
            ms(&v.quiet),
            ms(&v.during),
            v.during.runs
        );
    }
}

/// Discover measured on one backend, its figures said as they come.
pub(super) fn discover_figures(
    opts: &BenchOptions,
    backend: &str,
    client: &mut Client,
    server: &Server,
) -> anyhow::Result<DiscoverResult> {
    say(opts, format!("{backend}: a Discover run over everything"));
    let d = measure_discover(client, server, opts.runs)?;
    let views = d
        .views
        .iter()
        .map(|v| {
            format!(
                "{} p95 {:.1} ms quiet, {:.1} ms during ({} views)",
                v.name, v.quiet.p95, v.during.p95, v.during.runs
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    say(
        opts,
        format!(
            "Discover: {} candidates{}, {} groups in {:.1} s (run) / {:.1} s (client); RSS {:.0} MB before, {:.0} MB at most during; {views}",
            d.candidates,
            if d.truncated { " (truncated)" } else { "" },
            d.groups,
            d.run_seconds,
            d.wall_seconds,
            d.rss_before_mb,
            d.rss_peak_mb
        ),
    );
    Ok(d)
}
