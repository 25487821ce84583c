//! One backend measured: a fresh database, the demo data imported, every figure timed over
//! HTTP next to its hand-written SQL, wrk for throughput, then the event broker figures.
//!
//! This module holds what is measured ([`BackendResult`]) and the order of the run
//! ([`run_backend`]); the measurements themselves are in its parts.

use anyhow::bail;
use hindsight_server::db::{Backend, DbConnection};

use super::*;

mod database;
mod figures;
mod inbox;

pub(crate) use database::OneId;
use database::*;
use figures::*;
use inbox::*;
pub(crate) use inbox::{view_once, view_paths};

/// Results of one inbox filter.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FilterResult {
    /// Name in the report.
    pub name: String,
    /// Query string.
    pub query: String,
    /// Matching conversations.
    pub total: i64,
    /// The whole inbox view as the web app asks for it: the first page (without its total)
    /// and the four tabs' counts in one request that may answer with an estimate, sent in
    /// parallel; timed until the last answer. Absent from results of older bench versions.
    #[serde(default)]
    pub view: Stats,
    /// The tabs' exact counts (`tab-counts` without `estimate`), which the web app asks for
    /// after an estimate.
    #[serde(default)]
    pub exact_tabs: Stats,
    /// The day chart and confidence histogram above the list (`/api/conversations/stats`),
    /// which the web app asks for with every view and draws when it answers.
    #[serde(default)]
    pub day_chart: Stats,
    /// Whether the view's counts were an estimate.
    #[serde(default)]
    pub estimated: bool,
    /// The estimate's largest error over the four tabs, relative to the exact count of "All".
    #[serde(default)]
    pub estimate_error: f64,
    /// First page with its total, over HTTP.
    pub page: Stats,
    /// `/count`, over HTTP.
    pub count: Stats,
    /// Hand-written page query.
    pub sql_page: Stats,
    /// Hand-written count, run under the planner settings the API's exact count sets for the
    /// filter (PostgreSQL: parallel workers, or joins by lookup for one word alone).
    pub sql_count: Stats,
    /// The same count under the serving settings, where the API's settings differ from them:
    /// the best hand-written count when it is the faster.
    #[serde(default)]
    pub sql_count_serving: Option<Stats>,
    /// PostgreSQL's plans of the API's statements for this filter (none on SQLite), shown in
    /// the report where one of its figures misses.
    #[serde(default)]
    pub plans: Option<FilterPlans>,
}

/// `EXPLAIN (ANALYZE, BUFFERS)` of the statements the API runs for a filter, built by the
/// server's own functions (`db::conversations::explain_page`, `explain_count`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FilterPlans {
    /// The first page's rows (50, without the total).
    pub page: String,
    /// The exact count, or what answers it instead of one statement.
    pub count: String,
}

/// `GET /api/conversations/paths` for one filter (issue 14).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PathGraphResult {
    /// The filter's query string (depth 10 added).
    pub query: String,
    /// Conversations the graph was drawn from, and whether that was a sample.
    pub conversations: i64,
    pub sampled: bool,
    /// Timings.
    pub stats: Stats,
}

/// The filters the path explorer is timed with: the whole inbox, a channel, unsure users.
pub const PATH_GRAPH_QUERIES: [&str; 3] = ["", "channel=telegram", "max_intent_confidence=0.3"];

/// Everything measured on one backend.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BackendResult {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Conversations loaded.
    pub conversations: u64,
    /// Events loaded.
    pub events: u64,
    /// Import rate.
    pub import_events_per_s: f64,
    /// Seconds the import took.
    pub import_seconds: f64,
    /// Database size on disk, bytes.
    pub disk_bytes: u64,
    /// Inbox filters.
    pub filters: Vec<FilterResult>,
    /// Which page the deep page is, and its timings.
    pub deep_page_number: u64,
    /// Deep page over HTTP.
    pub deep_page: Stats,
    /// Deep page, hand-written SQL.
    pub sql_deep_page: Stats,
    /// Turns of the conversation opened.
    pub open_turns: i64,
    /// Events of the conversation opened.
    pub open_events: usize,
    /// Conversation view over HTTP.
    pub open: Stats,
    /// Its events, hand-written SQL.
    pub sql_open: Stats,
    /// Story and slots at the last user message, over HTTP.
    pub story: Stats,
    /// Facets over HTTP.
    pub facets: Stats,
    /// Facets, hand-written SQL.
    pub sql_facets: Stats,
    /// Conversations tagged per bulk request.
    pub bulk_size: i64,
    /// Bulk tag.
    pub bulk: Stats,
    /// Bulk tag, hand-written SQL.
    pub sql_bulk: Stats,
    /// Annotation, save and NLU export (issue 10); absent from results of older bench versions.
    #[serde(default)]
    pub training: Option<TrainingResult>,
    /// `GET /api/conversations/export` of every conversation (issue 10); absent from results
    /// of older bench versions.
    #[serde(default)]
    pub conversation_export: Option<ConversationExport>,
    /// Review queues filled from a filter and worked with `next` (issue 13); absent from
    /// results of older bench versions.
    #[serde(default)]
    pub queues: Option<QueueResult>,
    /// A Discover run over everything, with the server's memory and two inbox views during it
    /// (issue 15); absent from results of older bench versions.
    #[serde(default)]
    pub discover: Option<DiscoverResult>,
    /// The path explorer (issue 14) for a few filters; absent from results of older bench
    /// versions.
    #[serde(default)]
    pub path_graphs: Vec<PathGraphResult>,
    /// Server RSS after the suite and wrk, MB, and its peak.
    pub rss_mb: Option<f64>,
    /// Peak RSS, MB.
    pub peak_rss_mb: Option<f64>,
    /// Inbox pages per second under wrk; the reason when not run.
    pub wrk_rps: Result<f64, String>,
    /// Rasa's event broker consumed (issue 16); the reason when not run.
    #[serde(default = "broker_not_measured")]
    pub broker: Result<BrokerResult, String>,
    /// Answers that differed between the API and the hand-written SQL (should be none).
    pub mismatches: Vec<String>,
    /// Conditions of the measurement the reader must know.
    pub notes: Vec<String>,
    /// When and at which commit these figures were measured (`None` in results saved before
    /// it was recorded): a backend kept with `--keep-previous` keeps its own.
    #[serde(default)]
    pub measured: Option<Measured>,
}

/// The run that measured a backend's figures.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Measured {
    /// `%Y-%m-%d %H:%M UTC`.
    pub date: String,
    /// The short commit, as the report's header names it.
    pub commit: String,
}

impl Default for BackendResult {
    fn default() -> Self {
        BackendResult {
            backend: String::new(),
            conversations: 0,
            events: 0,
            import_events_per_s: 0.0,
            import_seconds: 0.0,
            disk_bytes: 0,
            filters: Vec::new(),
            deep_page_number: 0,
            deep_page: Stats::default(),
            sql_deep_page: Stats::default(),
            open_turns: 0,
            open_events: 0,
            open: Stats::default(),
            sql_open: Stats::default(),
            story: Stats::default(),
            facets: Stats::default(),
            path_graphs: Vec::new(),
            sql_facets: Stats::default(),
            bulk_size: 0,
            bulk: Stats::default(),
            sql_bulk: Stats::default(),
            training: None,
            conversation_export: None,
            queues: None,
            discover: None,
            rss_mb: None,
            peak_rss_mb: None,
            wrk_rps: Err("not run".into()),
            broker: Err("not run".into()),
            mismatches: Vec::new(),
            notes: Vec::new(),
            measured: None,
        }
    }
}

/// Progress on stderr, with `--verbose`.
pub(super) fn say(opts: &BenchOptions, msg: impl AsRef<str>) {
    if opts.verbose {
        eprintln!("bench: {}", msg.as_ref());
    }
}

/// Runs the whole benchmark on one backend.
pub(super) fn run_backend(
    opts: &BenchOptions,
    backend: Backend,
    conversations: u64,
) -> anyhow::Result<BackendResult> {
    let url = if opts.reuse_sqlite && backend == Backend::Sqlite {
        let path = opts.workdir.join("bench.db");
        if !path.is_file() {
            bail!("--reuse-sqlite: no database at {}", path.display());
        }
        format!("sqlite://{}", path.display())
    } else {
        fresh_database(opts, backend)?
    };
    let result = run_on(opts, backend, conversations, &url);
    if backend == Backend::Postgres {
        drop_database(opts, &url);
    }
    result
}

/// Measures one backend on the database at `url`, as [`run_backend`] prepared it.
pub(super) fn run_on(
    opts: &BenchOptions,
    backend: Backend,
    conversations: u64,
    url: &str,
) -> anyhow::Result<BackendResult> {
    let mut r = BackendResult {
        backend: backend.name().into(),
        conversations,
        ..Default::default()
    };
    // As `hindsight demo-data` and `hindsight import` open the database: a pool of one.
    let pool = hindsight_server::db::open_pool(url, 1)?;
    let mut pooled = pool.get()?;
    let conn: &mut DbConnection = &mut pooled;
    load(opts, backend, url, conn, &mut r)?;

    let exe = match &opts.server_exe {
        Some(p) => p.clone(),
        None => std::env::current_exe()?,
    };
    if opts.only_broker {
        let token = bench_token(conn)?;
        r.broker = broker_figures(
            opts,
            &exe,
            url,
            conn,
            token,
            conversations,
            &mut r.mismatches,
        );
        return Ok(r);
    }
    let server = Server::start(&exe, url, &[])?;
    let mut client = Client::new(&server.addr);
    client.token = bench_token(conn)?;
    let runs = opts.runs;
    if opts.only_discover {
        r.conversations = client.get_json("/api/conversations/count")?["total"]
            .as_i64()
            .unwrap_or(0) as u64;
        r.discover = Some(discover_figures(opts, &r.backend, &mut client, &server)?);
        return Ok(r);
    }

    // The hand-written SQL runs on a connection opened as the server opens each of its pooled
    // ones (the bench's server has the default pool), so that on SQLite both read through a
    // page cache of the same size: on the loading connection's whole budget (128 MiB) the
    // floor of `slot=city:city-7`'s count was 2.5 ms, on a pooled connection's share 11 ms,
    // and the API's 10.8 ms looked 4.4× the SQL.
    let pool_size = hindsight_server::config::Config::default().pool_size;
    let mut floor = hindsight_server::db::DatabaseUrl::parse(url)?.connect_as_pooled(pool_size)?;
    inbox_suite(opts, &mut r, &mut floor, &mut client, &server)?;
    deep_page(&mut r, &mut floor, &mut client, runs)?;
    drop(floor);
    open_and_story(&mut r, conn, &mut client, runs)?;
    path_graphs(&mut r, &mut client, runs)?;
    facets(&mut r, conn, &mut client, runs)?;
    bulk_tag(&mut r, conn, &mut client, runs)?;

    // Training data: annotate, save, and the NLU export of many annotated examples.
    r.training = Some(measure_training(
        opts,
        conn,
        &mut client,
        runs,
        &mut r.mismatches,
    )?);

    // Every conversation streamed out (a few downloads: each is the whole data set).
    r.conversation_export = Some(measure_conversation_export(
        &mut client,
        &server,
        runs.min(5),
        &mut r.mismatches,
    )?);
    if let Some(e) = &r.conversation_export {
        say(
            opts,
            format!(
                "conversation export: {} conversations ({:.0} MB) p95 {:.0} ms, {:.0} conversations/s; RSS {:.0} MB before, {:.0} MB at most during",
                e.conversations,
                e.bytes as f64 / 1e6,
                e.download.p95,
                e.rate(),
                e.rss_before_mb,
                e.rss_during_mb
            ),
        );
    }

    // Review queues: filled from a filter of about a tenth of the data, then `next`.
    let queues = measure_queues(&mut client, conversations, runs, &mut r.mismatches)?;
    say(
        opts,
        format!(
            "review queues: filled from `{}` ({} conversations) p95 {:.0} ms; next p50 {:.1} / p95 {:.1} ms",
            queues.query, queues.population, queues.fill.p95, queues.next.p50, queues.next.p95
        ),
    );
    r.queues = Some(queues);

    // HTTP throughput of the first inbox page under wrk, from a second process.
    r.wrk_rps = if opts.wrk_seconds == 0 {
        Err("not run (--wrk-seconds 0)".into())
    } else {
        wrk(&server.addr, client.token.as_deref(), opts.wrk_seconds)
    };
    let (rss, peak) = server.memory_mb();
    r.rss_mb = rss;
    r.peak_rss_mb = peak;

    // Discover, after the serving memory was read: its run's working set is a figure of its
    // own (≤ 1 GB), not the serving process's 200 MB.
    r.discover = Some(discover_figures(opts, &r.backend, &mut client, &server)?);
    drop(server);

    // Rasa's event broker, consumed by a fresh server into the same database.
    r.broker = broker_figures(
        opts,
        &exe,
        url,
        conn,
        client.token.clone(),
        conversations,
        &mut r.mismatches,
    );
    say(opts, format!("{}: done", r.backend));
    Ok(r)
}
