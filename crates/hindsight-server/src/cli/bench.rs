//! `hindsight bench`: loads demo conversations into a fresh SQLite file and a fresh
//! PostgreSQL database, serves each with the real server (a child `hindsight serve`), measures
//! the inbox, conversation, story, facets and bulk-tag figures over HTTP next to the best
//! hand-written SQL for the same answers, and writes the report (`bench/RESULTS.md`).
//!
//! The client is a tiny keep-alive HTTP/1.1 client over a loopback socket, so what is measured
//! is the server, not a client library. Bearer tokens are one header (`Client::token`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::Value;

use crate::db::{Backend, DbConnection};

/// Options of `hindsight bench`.
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
    /// The server binary (default: this executable).
    #[arg(long)]
    pub server_exe: Option<PathBuf>,
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
            verbose: false,
            keep_previous: false,
            render_only: false,
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
    Stats { p50: rank(0.5), p95: rank(0.95), runs: ms.len() }
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

// ------------------------------------------------------------------------------------------
// HTTP

/// A keep-alive HTTP/1.1 client for one loopback server.
pub struct Client {
    addr: String,
    conn: Option<BufReader<TcpStream>>,
    /// Sent as `Authorization: Bearer …` when set.
    pub token: Option<String>,
}

impl Client {
    fn new(addr: &str) -> Self {
        Client { addr: addr.to_owned(), conn: None, token: None }
    }

    /// One request; returns the status and the body.
    pub fn request(&mut self, method: &str, path: &str, body: Option<&str>) -> anyhow::Result<(u16, String)> {
        match self.try_request(method, path, body) {
            Ok(r) => Ok(r),
            // The server may close an idle keep-alive connection: retry once on a new one.
            Err(_) => {
                self.conn = None;
                self.try_request(method, path, body)
            }
        }
    }

    fn try_request(&mut self, method: &str, path: &str, body: Option<&str>) -> anyhow::Result<(u16, String)> {
        if self.conn.is_none() {
            let s = TcpStream::connect(&self.addr)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(Duration::from_secs(600)))?;
            self.conn = Some(BufReader::new(s));
        }
        let conn = self.conn.as_mut().expect("connected");
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        if let Some(t) = &self.token {
            let _ = write!(head, "Authorization: Bearer {t}\r\n");
        }
        let body = body.unwrap_or("");
        if !body.is_empty() || method != "GET" {
            let _ = write!(head, "Content-Type: application/json\r\nContent-Length: {}\r\n", body.len());
        }
        head.push_str("\r\n");
        head.push_str(body);
        conn.get_mut().write_all(head.as_bytes())?;

        let mut line = String::new();
        conn.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("bad status line {line:?}"))?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        loop {
            line.clear();
            conn.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (k, v) = l.split_once(':').unwrap_or((l, ""));
            let (k, v) = (k.to_ascii_lowercase(), v.trim());
            match k.as_str() {
                "content-length" => length = v.parse::<usize>().ok(),
                "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
                "connection" => close = v.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let mut buf = Vec::new();
        if chunked {
            loop {
                line.clear();
                conn.read_line(&mut line)?;
                let n = usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16)?;
                let mut chunk = vec![0; n + 2];
                conn.read_exact(&mut chunk)?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
        } else if let Some(n) = length {
            buf.resize(n, 0);
            conn.read_exact(&mut buf)?;
        } else {
            conn.read_to_end(&mut buf)?;
            close = true;
        }
        if close {
            self.conn = None;
        }
        Ok((status, String::from_utf8(buf)?))
    }

    fn get_json(&mut self, path: &str) -> anyhow::Result<Value> {
        let (status, body) = self.request("GET", path, None)?;
        if status != 200 {
            bail!("GET {path}: {status} {body}");
        }
        Ok(serde_json::from_str(&body)?)
    }
}

/// The server under test: a child `hindsight serve`.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(exe: &Path, database_url: &str) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(exe)
            .args(["serve", "--bind", &addr, "--static-dir", "/nonexistent"])
            .env("HINDSIGHT_DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", exe.display()))?;
        let mut server = Server { child, addr };
        let mut client = Client::new(&server.addr);
        let started = Instant::now();
        loop {
            if let Ok((200, _)) = client.request("GET", "/api/health", None) {
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("the server exited ({status}) before answering");
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!("the server did not answer /api/health within 2 minutes");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Resident memory now and at its peak, in MB (Linux only).
    fn memory_mb(&self) -> (Option<f64>, Option<f64>) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map(|kb| kb / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------------------------------------
// The suite

/// A filter of the inbox suite: the API's query string and the hand-written SQL condition on
/// `conversations c` that answers the same question.
struct Case {
    name: &'static str,
    query: String,
    /// Portable SQL; `{text}` cases give one per backend.
    sql: String,
    sql_pg: Option<String>,
    order: &'static str,
}

fn feature(kind: &str, name: &str) -> String {
    format!(
        "c.id IN (SELECT f.conversation_id FROM conversation_features f WHERE f.kind = '{kind}' AND f.name = '{name}' AND f.value = '')"
    )
}

fn tagged(name: &str) -> String {
    format!(
        "c.id IN (SELECT ct.conversation_id FROM conversation_tags ct WHERE ct.tag_id = (SELECT id FROM tags WHERE name = '{name}'))"
    )
}

/// The text condition: SQLite's FTS5 trigram index, PostgreSQL's pg_trgm index.
fn text_sql(word: &str) -> (String, String) {
    (
        format!("c.id IN (SELECT e.conversation_id FROM events e WHERE e.id IN (SELECT rowid FROM user_texts WHERE user_texts MATCH '\"{word}\"'))"),
        format!("c.id IN (SELECT e.conversation_id FROM events e WHERE e.type_name = 'user' AND lower(e.text) LIKE '%{word}%')"),
    )
}

const LATEST: &str = "c.latest_event_at DESC, c.id DESC";

fn suite() -> Vec<Case> {
    let case = |name, query: &str, sql: String| Case { name, query: query.into(), sql, sql_pg: None, order: LATEST };
    let (refund, refund_pg) = text_sql("refund");
    let (zurich, zurich_pg) = text_sql("zürich");
    let (refund3, refund3_pg) = text_sql("refund");
    vec![
        case("everything (no filter)", "", "TRUE".into()),
        case("channel", "channel=telegram", "c.channel = 'telegram'".into()),
        case("intent", "intent=intent_010", feature("intent", "intent_010")),
        case("exclude intent (nearly everything)", "exclude_intent=intent_149", format!("NOT {}", feature("intent", "intent_149"))),
        case("action", "action=utter_005", feature("action", "utter_005")),
        case("entity", "entity=city", feature("entity", "city")),
        case(
            "slot value",
            "slot=city:city-7",
            "c.id IN (SELECT f.conversation_id FROM conversation_features f WHERE f.kind = 'slot' AND f.name = 'city' AND f.value = 'city-7')".into(),
        ),
        case("low intent confidence", "max_intent_confidence=0.3", "c.min_intent_confidence <= 0.3".into()),
        case("long conversations", "min_user_messages=10", "c.user_message_count >= 10".into()),
        case(
            "date range (June)",
            "start=2026-06-01T00:00:00Z&until=2026-06-30T23:59:59Z",
            "c.latest_event_at >= '2026-06-01 00:00:00' AND c.first_event_at <= '2026-06-30 23:59:59'".into(),
        ),
        case("time of day (night)", "time_of_day=22:00-06:00", "(c.start_minute_local >= 1320 OR c.start_minute_local < 360)".into()),
        case("review status", "review_status=saved_for_later", "c.review_status = 'saved_for_later'".into()),
        case("tag", "tag=bug", tagged("bug")),
        case("flagged", "flagged=true", "c.flagged = TRUE".into()),
        Case { name: "free text (common word)", query: "text=refund".into(), sql: refund, sql_pg: Some(refund_pg), order: LATEST },
        Case { name: "free text (non-ASCII)", query: "text=z%C3%BCrich".into(), sql: zurich, sql_pg: Some(zurich_pg), order: LATEST },
        case("matching nothing", "intent=no_such_intent", feature("intent", "no_such_intent")),
        case(
            "3: channel + intent + low confidence",
            "channel=slack&intent=intent_003&max_intent_confidence=0.6",
            format!("c.channel = 'slack' AND {} AND c.min_intent_confidence <= 0.6", feature("intent", "intent_003")),
        ),
        case(
            "4: unread + entity + length + not tagged",
            "review_status=unread&entity=city&min_user_messages=3&tags_none=bug",
            format!("c.review_status = 'unread' AND {} AND c.user_message_count >= 3 AND NOT {}", feature("entity", "city"), tagged("bug")),
        ),
        Case {
            name: "4: action + policy + morning + text",
            query: "action=utter_010&policy=TEDPolicy&time_of_day=08:00-12:00&text=refund".into(),
            sql: format!("{} AND {} AND c.start_minute_local >= 480 AND c.start_minute_local < 720 AND {refund3}", feature("action", "utter_010"), feature("policy", "TEDPolicy")),
            sql_pg: Some(format!("{} AND {} AND c.start_minute_local >= 480 AND c.start_minute_local < 720 AND {refund3_pg}", feature("action", "utter_010"), feature("policy", "TEDPolicy"))),
            order: LATEST,
        },
        Case {
            name: "lowest confidence order + intent",
            query: "sort=lowest_confidence&intent=intent_001".into(),
            sql: feature("intent", "intent_001"),
            sql_pg: None,
            order: "c.lowest_confidence ASC, c.id ASC",
        },
        Case {
            name: "length order + channel + tag",
            query: "sort=length&channel=rest&tag=needs-training".into(),
            sql: format!("c.channel = 'rest' AND {}", tagged("needs-training")),
            sql_pg: None,
            order: "c.user_message_count DESC, c.id DESC",
        },
    ]
}

const ROW_COLUMNS: &str = "c.id, c.sender_id, c.channel, c.first_event_at, c.latest_event_at, c.user_message_count, c.event_count, c.min_intent_confidence, c.min_action_confidence, c.lowest_confidence, c.first_user_message, c.review_status, c.has_news, c.flagged";

/// The hand-written page: the rows, then the intents, actions and tags of those rows (by the
/// ids the first query returned, as a client would send them).
fn page_sql(conn: &mut DbConnection, cond: &str, order: &str, extra: &str) -> anyhow::Result<String> {
    let where_ = format!("FROM conversations c WHERE c.deleted_at IS NULL AND {cond}{extra} ORDER BY {order} LIMIT 51");
    let ids: Vec<OneId> = diesel::sql_query(format!("SELECT c.id AS id {where_}")).load(conn)?;
    let ids = ids.iter().map(|i| i.id.to_string()).collect::<Vec<_>>().join(", ");
    let ids = if ids.is_empty() { "-1".to_owned() } else { ids };
    Ok(format!(
        "SELECT {ROW_COLUMNS} {where_};
         SELECT f.conversation_id, f.kind, f.name FROM conversation_features f
           WHERE f.conversation_id IN ({ids}) AND f.kind IN ('intent', 'action')
           ORDER BY f.conversation_id, f.occurrences DESC, f.name;
         SELECT ct.conversation_id, t.id, t.name, t.color FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
           WHERE ct.conversation_id IN ({ids});"
    ))
}

fn count_sql(cond: &str) -> String {
    format!("SELECT count(*) FROM conversations c WHERE c.deleted_at IS NULL AND {cond}")
}

/// Results of one inbox filter.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FilterResult {
    /// Name in the report.
    pub name: String,
    /// Query string.
    pub query: String,
    /// Matching conversations.
    pub total: i64,
    /// First page with its total, over HTTP.
    pub page: Stats,
    /// `/count`, over HTTP.
    pub count: Stats,
    /// Hand-written page query.
    pub sql_page: Stats,
    /// Hand-written count.
    pub sql_count: Stats,
}

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
    /// How the bulk tag was done.
    pub bulk_via: String,
    /// Bulk tag.
    pub bulk: Stats,
    /// Bulk tag, hand-written SQL.
    pub sql_bulk: Stats,
    /// Server RSS after the suite and wrk, MB, and its peak.
    pub rss_mb: Option<f64>,
    /// Peak RSS, MB.
    pub peak_rss_mb: Option<f64>,
    /// Inbox pages per second under wrk; the reason when not run.
    pub wrk_rps: Result<f64, String>,
    /// Answers that differed between the API and the hand-written SQL (should be none).
    pub mismatches: Vec<String>,
    /// Conditions of the measurement the reader must know.
    pub notes: Vec<String>,
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
            sql_facets: Stats::default(),
            bulk_size: 0,
            bulk_via: String::new(),
            bulk: Stats::default(),
            sql_bulk: Stats::default(),
            rss_mb: None,
            peak_rss_mb: None,
            wrk_rps: Err("not run".into()),
            mismatches: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// A bearer token for the bench client: an admin API token created directly in the database.
fn bench_token(conn: &mut DbConnection) -> anyhow::Result<Option<String>> {
    let token = crate::auth::new_api_token();
    crate::db::users::create_token(conn, "bench", &crate::auth::token_hash(&token), "admin", "bench")?;
    Ok(Some(token))
}

fn say(opts: &BenchOptions, msg: impl AsRef<str>) {
    if opts.verbose {
        eprintln!("bench: {}", msg.as_ref());
    }
}

fn postgres_database_url(admin: &str, name: &str) -> anyhow::Result<String> {
    let i = admin.rfind('/').ok_or_else(|| anyhow!("unexpected PostgreSQL URL {admin}"))?;
    Ok(format!("{}/{name}", &admin[..i]))
}

/// Creates (afresh) the database of a backend and returns its URL.
fn fresh_database(opts: &BenchOptions, backend: Backend) -> anyhow::Result<String> {
    match backend {
        Backend::Sqlite => {
            std::fs::create_dir_all(&opts.workdir)?;
            let path = opts.workdir.join("bench.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Ok(format!("sqlite://{}", path.display()))
        }
        Backend::Postgres => {
            let admin = opts.postgres_url.as_deref().ok_or_else(|| anyhow!("no PostgreSQL URL"))?;
            let name = format!("hindsight_bench_{}", std::process::id());
            let mut conn = diesel::PgConnection::establish(admin)?;
            conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
            conn.batch_execute(&format!("CREATE DATABASE {name}"))?;
            postgres_database_url(admin, &name)
        }
    }
}

fn drop_database(opts: &BenchOptions, url: &str) {
    if let (Some(admin), Some(name)) = (&opts.postgres_url, url.rsplit('/').next()) {
        if let Ok(mut conn) = diesel::PgConnection::establish(admin) {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn disk_bytes(conn: &mut DbConnection, url: &str) -> anyhow::Result<u64> {
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        size: i64,
    }
    match conn.backend() {
        Backend::Sqlite => {
            let path = url.trim_start_matches("sqlite://");
            Ok(["", "-wal", "-shm"]
                .iter()
                .filter_map(|s| std::fs::metadata(format!("{path}{s}")).ok())
                .map(|m| m.len())
                .sum())
        }
        Backend::Postgres => {
            let s: Size = diesel::sql_query("SELECT pg_database_size(current_database()) AS size").get_result(conn)?;
            Ok(s.size as u64)
        }
    }
}

#[derive(QueryableByName)]
struct OneId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Runs the whole benchmark on one backend.
fn run_backend(opts: &BenchOptions, backend: Backend, conversations: u64) -> anyhow::Result<BackendResult> {
    let url = fresh_database(opts, backend)?;
    let result = run_on(opts, backend, conversations, &url);
    if backend == Backend::Postgres {
        drop_database(opts, &url);
    }
    result
}

fn run_on(opts: &BenchOptions, backend: Backend, conversations: u64, url: &str) -> anyhow::Result<BackendResult> {
    let mut r = BackendResult { backend: backend.name().into(), conversations, ..Default::default() };
    let ingest = crate::ingest::IngestOptions { timezone: chrono_tz::UTC, restore_deleted: false };
    let mut conn = crate::db::DatabaseUrl::parse(url)?.connect()?;
    crate::db::connection::run_migrations(&mut conn)?;
    say(opts, format!("{}: loading {conversations} conversations", r.backend));
    let step = (conversations / 20).max(1);
    let mut next = step;
    let loaded = crate::demo::load(&mut conn, conversations, opts.seed, &ingest, |n| {
        if n >= next {
            say(opts, format!("{n} conversations"));
            next += step;
        }
    })?;
    r.events = loaded.events;
    r.import_seconds = loaded.seconds;
    r.import_events_per_s = loaded.events as f64 / loaded.seconds.max(1e-9);
    r.disk_bytes = disk_bytes(&mut conn, url)?;
    if backend == Backend::Postgres {
        #[derive(QueryableByName)]
        struct Fsync {
            #[diesel(sql_type = diesel::sql_types::Text)]
            fsync: String,
        }
        let f: Fsync = diesel::sql_query("SHOW fsync").get_result(&mut conn)?;
        if f.fsync == "off" {
            r.notes.push("This PostgreSQL server runs with `fsync = off` and `synchronous_commit = off` (`scripts/with-postgres.sh`'s throwaway server), so its import is faster than a durable server's would be; SQLite runs with its production settings (WAL, `synchronous = NORMAL`).".into());
        }
    }
    say(opts, format!("{}: {} events in {:.1}s ({:.0} events/s), {:.0} MB", r.backend, r.events, r.import_seconds, r.import_events_per_s, r.disk_bytes as f64 / 1e6));

    let exe = match &opts.server_exe {
        Some(p) => p.clone(),
        None => std::env::current_exe()?,
    };
    let server = Server::start(&exe, url)?;
    let mut client = Client::new(&server.addr);
    client.token = bench_token(&mut conn)?;
    let runs = opts.runs;
    let pg = backend == Backend::Postgres;

    // The inbox suite.
    for case in suite() {
        let sep = if case.query.is_empty() { "" } else { "&" };
        let page_path = format!("/api/conversations?{}{sep}limit=50&total=false", case.query);
        let count_path = format!("/api/conversations/count?{}", case.query);
        let first = client.get_json(&page_path.replace("&total=false", ""))?;
        let total = first["total"].as_i64().unwrap_or(-1);
        let counted = client.get_json(&count_path)?["total"].as_i64().unwrap_or(-2);
        if total != counted {
            r.mismatches.push(format!("{}: the page says {total} conversations, /count says {counted}", case.name));
        }
        let page = time(runs, || client.get_json(&page_path).map(drop))?;
        let count = time(runs, || client.get_json(&count_path).map(drop))?;
        let cond = if pg { case.sql_pg.as_deref().unwrap_or(&case.sql) } else { &case.sql };
        let page_q = page_sql(&mut conn, cond, case.order, "")?;
        let count_q = count_sql(cond);
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let sql_total: N = diesel::sql_query(count_q.replace("count(*)", "count(*) AS n")).get_result(&mut conn)?;
        if sql_total.n != total {
            r.mismatches.push(format!("{}: the API counts {total}, the hand-written SQL {}", case.name, sql_total.n));
        }
        let sql_page = time(runs, || Ok(conn.batch_execute(&page_q)?))?;
        let sql_count = time(runs, || Ok(conn.batch_execute(&count_q)?))?;
        say(opts, format!("{:<40} {total:>8} page p95 {:>7.1} ms  count p95 {:>7.1} ms  (SQL {:.1} + {:.1})", case.name, page.p95, count.p95, sql_page.p95, sql_count.p95));
        r.filters.push(FilterResult { name: case.name.into(), query: case.query, total, page, count, sql_page, sql_count });
    }

    // A deep page, reached by following the cursor.
    let pages = (r.filters[0].total as u64).div_ceil(50);
    r.deep_page_number = 2_000.min(pages.saturating_sub(1)).max(1);
    let mut cursor: Option<String> = None;
    for _ in 1..r.deep_page_number {
        let path = match &cursor {
            Some(c) => format!("/api/conversations?limit=50&total=false&cursor={c}"),
            None => "/api/conversations?limit=50&total=false".into(),
        };
        cursor = client.get_json(&path)?["next_cursor"].as_str().map(str::to_owned);
    }
    let deep_path = match &cursor {
        Some(c) => format!("/api/conversations?limit=50&total=false&cursor={c}"),
        None => "/api/conversations?limit=50&total=false".into(),
    };
    r.deep_page = time(runs, || client.get_json(&deep_path).map(drop))?;
    // The hand-written keyset query: after the last row of the previous page.
    let last_id: i64 = {
        let offset = (r.deep_page_number - 1) * 50 - 1;
        diesel::sql_query(format!(
            "SELECT c.id FROM conversations c WHERE c.deleted_at IS NULL ORDER BY {LATEST} LIMIT 1 OFFSET {}",
            offset.max(0)
        ))
        .get_result::<OneId>(&mut conn)?
        .id
    };
    let deep_q = page_sql(
        &mut conn,
        "TRUE",
        LATEST,
        &format!(" AND (c.latest_event_at, c.id) < (SELECT latest_event_at, id FROM conversations WHERE id = {last_id})"),
    )?;
    r.sql_deep_page = time(runs, || Ok(conn.batch_execute(&deep_q)?))?;

    // The longest conversation: open it, and its story at the last user message.
    let long: Value = client.get_json("/api/conversations?sort=length&limit=1")?;
    let sender = long["conversations"][0]["id"].as_str().ok_or_else(|| anyhow!("no conversation"))?.to_owned();
    r.open_turns = long["conversations"][0]["user_message_count"].as_i64().unwrap_or(0);
    let open_path = format!("/api/conversations/{sender}");
    let detail = client.get_json(&open_path)?;
    let events = detail["events"].as_array().cloned().unwrap_or_default();
    r.open_events = events.len();
    let last_user = events
        .iter()
        .rev()
        .find(|e| e["type_name"] == "user")
        .and_then(|e| e["id"].as_i64())
        .ok_or_else(|| anyhow!("no user message in {sender}"))?;
    r.open = time(runs, || client.get_json(&open_path).map(drop))?;
    let story_path = format!("/api/conversations/{sender}/events/{last_user}/story");
    r.story = time(runs, || client.get_json(&story_path).map(drop))?;
    let open_q = format!(
        "SELECT {ROW_COLUMNS} FROM conversations c WHERE c.sender_id = '{sender}' AND c.deleted_at IS NULL;
         SELECT e.id, e.seq, e.type_name, e.timestamp, e.text, e.intent, e.name, e.policy, e.confidence, e.data
           FROM events e WHERE e.conversation_id = (SELECT id FROM conversations WHERE sender_id = '{sender}') ORDER BY e.seq;
         SELECT event_id, note, flagged_by, flagged_at FROM message_flags WHERE conversation_id = (SELECT id FROM conversations WHERE sender_id = '{sender}');"
    );
    r.sql_open = time(runs, || Ok(conn.batch_execute(&open_q)?))?;

    // Facets.
    r.facets = time(runs, || client.get_json("/api/facets").map(drop))?;
    let facets_q = "SELECT f.kind, f.name, f.value, count(*) FROM conversation_features f JOIN conversations c ON c.id = f.conversation_id WHERE c.deleted_at IS NULL GROUP BY f.kind, f.name, f.value;
                    SELECT c.channel, count(*) FROM conversations c WHERE c.deleted_at IS NULL GROUP BY c.channel;";
    r.sql_facets = time(runs, || Ok(conn.batch_execute(facets_q)?))?;

    // Bulk tag about 10,000 conversations matched by a filter: a window of the year holding
    // 1 % of a million conversations (all of a small data set's).
    let days = (3.65e6 / conversations.max(1) as f64).min(365.0);
    let start = chrono::DateTime::from_timestamp(1_767_225_600 + 86_400 * 100, 0).unwrap_or_default();
    let until = start + chrono::Duration::seconds((days * 86_400.0) as i64);
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let bulk_query = format!("start={}&until={}", fmt(start), fmt(until));
    r.bulk_size = client.get_json(&format!("/api/conversations/count?{bulk_query}"))?["total"].as_i64().unwrap_or(0);
    let mut n = 0;
    let probe = client.request(
        "POST",
        "/api/conversations/bulk",
        Some(&serde_json::json!({"selection": {"filter": bulk_query}, "action": "add_tag", "value": "bench-probe"}).to_string()),
    )?;
    if probe.0 == 200 {
        r.bulk_via = "HTTP `POST /api/conversations/bulk`".into();
        r.bulk = time(runs, || {
            n += 1;
            let body = serde_json::json!({"selection": {"filter": bulk_query}, "action": "add_tag", "value": format!("bench-{n}")});
            let (status, text) = client.request("POST", "/api/conversations/bulk", Some(&body.to_string()))?;
            if status != 200 {
                bail!("bulk: {status} {text}");
            }
            Ok(())
        })?;
    } else {
        r.bulk_via = format!(
            "in process, `db::conversations::tag_matching` (the HTTP route answered {})",
            probe.0
        );
        let filter = hindsight_types::ConversationFilter::from_query(&bulk_query).map_err(|e| anyhow!("{e:?}"))?;
        r.bulk = time(runs, || {
            n += 1;
            crate::db::conversations::tag_matching(&mut conn, &filter, &format!("bench-{n}"), "bench")
                .map_err(|e| anyhow!("{e}"))?;
            Ok(())
        })?;
    }
    let mut m = 0;
    let bulk_cond = format!(
        "c.latest_event_at >= '{}' AND c.first_event_at <= '{}'",
        start.format("%Y-%m-%d %H:%M:%S"),
        until.format("%Y-%m-%d %H:%M:%S")
    );
    r.sql_bulk = time(runs, || {
        m += 1;
        Ok(conn.batch_execute(&format!(
            "INSERT INTO tags (name, color, created_at) VALUES ('sql-bench-{m}', '#888888', '2026-12-31 12:00:00');
             INSERT INTO conversation_tags (conversation_id, tag_id, tagged_by, tagged_at)
             SELECT c.id, (SELECT id FROM tags WHERE name = 'sql-bench-{m}'), 'bench', '2026-12-31 12:00:00'
             FROM conversations c WHERE c.deleted_at IS NULL AND {bulk_cond}
             ON CONFLICT DO NOTHING;"
        ))?)
    })?;

    // HTTP throughput of the first inbox page under wrk, from a second process.
    r.wrk_rps = if opts.wrk_seconds == 0 {
        Err("not run (--wrk-seconds 0)".into())
    } else {
        wrk(&server.addr, client.token.as_deref(), opts.wrk_seconds)
    };
    let (rss, peak) = server.memory_mb();
    r.rss_mb = rss;
    r.peak_rss_mb = peak;
    say(opts, format!("{}: done", r.backend));
    drop(server);
    Ok(r)
}

fn wrk(addr: &str, token: Option<&str>, seconds: u64) -> Result<f64, String> {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c32", &format!("-d{seconds}s")]);
    if let Some(t) = token {
        cmd.args(["-H", &format!("Authorization: Bearer {t}")]);
    }
    cmd.arg(format!("http://{addr}/api/conversations?limit=50&total=false"));
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => return Err(format!("wrk is not installed ({e}); `just bench` installs it")),
    };
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("Non-2xx") {
        return Err(format!("wrk saw errors: {text}"));
    }
    text.lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("could not read wrk's output: {text}"))
}

// ------------------------------------------------------------------------------------------
// The report

/// Targets of the issue, for SQLite on 2 cores.
mod target {
    pub const PAGE_MS: f64 = 50.0;
    pub const COUNT_MS: f64 = 250.0;
    pub const RATIO: f64 = 1.5;
    pub const OPEN_MS: f64 = 10.0;
    pub const FACETS_MS: f64 = 100.0;
    pub const BULK_MS: f64 = 1000.0;
    pub const IMPORT_EPS: f64 = 50_000.0;
    pub const RSS_MB: f64 = 200.0;
    pub const RPS: f64 = 2_000.0;
    pub const PG_FACTOR: f64 = 2.0;
}

fn mark(ok: bool) -> &'static str {
    if ok {
        "meets"
    } else {
        "**MISS**"
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| format!("{:.1} GB RAM", kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{cpu}, {cores} cores available to the process, {mem}")
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn ms(s: &Stats) -> String {
    format!("{:.1} / {:.1}", s.p50, s.p95)
}

fn ratio(api: f64, sql: f64) -> f64 {
    api / sql.max(0.01)
}

/// Why a filter costs what it costs, from what it filters on.
fn filter_cause(f: &FilterResult, all: i64) -> String {
    let q = &f.query;
    if q.contains("text=") {
        format!("free text: the trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL) must find every user message holding all the word's trigrams, {} conversations here, before the newest can be picked; the cost follows the matches, not the page", f.total)
    } else if q.contains("start=") || q.contains("until=") {
        "date range: activity overlapping [start, until] is a range on the sort index plus a check of first_event_at in each entry; the newest matches sit behind every conversation active after `until`, whose index entries are read first".into()
    } else if ["intent=", "action=", "entity=", "policy=", "slot=", "tag=", "tags_none="].iter().any(|k| q.contains(k)) {
        format!("a many-valued filter is a semi-join: the ids of every conversation having the value ({} of {all}) are gathered before they are ordered", f.total)
    } else {
        format!("the {} matches are spread over the whole sort order, so the scan reads many index entries per row kept", f.total)
    }
}

/// Each missed target of a backend: by how much and why.
fn misses(r: &BackendResult) -> Vec<String> {
    let mut out = Vec::new();
    let all = r.filters.first().map_or(0, |f| f.total);
    for f in r.filters.iter().filter(|f| f.page.p95 > target::PAGE_MS) {
        out.push(format!(
            "first page `{}` p95 {:.0} ms, {:.1}× the 50 ms target (hand-written SQL {:.0} ms, {:.2}×): {}.",
            f.name, f.page.p95, f.page.p95 / target::PAGE_MS, f.sql_page.p50, ratio(f.page.p50, f.sql_page.p50), filter_cause(f, all)
        ));
    }
    for f in r.filters.iter().filter(|f| f.count.p95 > target::COUNT_MS) {
        out.push(format!(
            "count `{}` p95 {:.0} ms, {:.1}× the 250 ms target (hand-written SQL {:.0} ms): {}.",
            f.name, f.count.p95, f.count.p95 / target::COUNT_MS, f.sql_count.p50, filter_cause(f, all)
        ));
    }
    let over: Vec<String> = r
        .filters
        .iter()
        .filter(|f| ratio(f.page.p50, f.sql_page.p50) > target::RATIO)
        .map(|f| format!("`{}` {:.1} vs {:.1} ms", f.name, f.page.p50, f.sql_page.p50))
        .collect();
    if !over.is_empty() {
        out.push(format!(
            "page over 1.5× the hand-written SQL for {} filters ({}). Where the SQL takes about a millisecond the ratio measures the request's fixed cost (HTTP, the filter parsed and the query built by diesel with bound parameters, three queries for the rows, their intents/actions and their tags, 50 rows of JSON), about {:.1} ms here; where the SQL is slower, the API's query shape (IN-subqueries instead of the SQL's choice) or its plan differs.",
            over.len(),
            over.join("; "),
            r.filters.iter().map(|f| f.page.p50 - f.sql_page.p50).fold(f64::INFINITY, f64::min).max(0.0)
        ));
    }
    let counts_over: Vec<String> = r
        .filters
        .iter()
        .filter(|f| ratio(f.count.p50, f.sql_count.p50) > target::RATIO)
        .map(|f| format!("`{}` {:.1} vs {:.1} ms", f.name, f.count.p50, f.sql_count.p50))
        .collect();
    if !counts_over.is_empty() {
        out.push(format!("count over 1.5× the hand-written SQL for {} filters ({}): the same fixed cost per request, or a different plan for the API's query shape.", counts_over.len(), counts_over.join("; ")));
    }
    let first = r.filters.first().map_or(0.0, |f| f.page.p95);
    if r.deep_page.p95 > target::RATIO * first.max(1.0) {
        out.push(format!("deep page {} p95 {:.1} ms, {:.1}× the first page's {:.1} ms (the target is 1.5×).", r.deep_page_number, r.deep_page.p95, r.deep_page.p95 / first.max(0.01), first));
    }
    for (what, s, t) in [("conversation open", &r.open, target::OPEN_MS), ("story and slots", &r.story, target::OPEN_MS), ("facets", &r.facets, target::FACETS_MS), ("bulk tag", &r.bulk, target::BULK_MS)] {
        if s.p95 > t {
            out.push(format!("{what} p95 {:.0} ms, {:.1}× the {t:.0} ms target.", s.p95, s.p95 / t));
        }
    }
    if r.import_events_per_s < target::IMPORT_EPS {
        out.push(format!(
            "import {:.0} events/s, {:.0} % of the 50,000 target. Per event the ingest path parses and re-serialises the JSON to hash it (re-imports match on the hash), keeps the raw JSON ({:.0} bytes per event on disk in all, with indexes), writes the event row, its unique (conversation, seq) index, the conversation's filter features and, on SQLite, the FTS5 trigram index of user messages (about 15 % of the import, measured with and without its trigger); SQLite also journals each multi-row INSERT for statement rollback. The bench process generates the demo JSON on one of the same 2 cores.",
            r.import_events_per_s,
            100.0 * r.import_events_per_s / target::IMPORT_EPS,
            r.disk_bytes as f64 / r.events.max(1) as f64
        ));
    }
    if let Some(peak) = r.peak_rss_mb.or(r.rss_mb) {
        if peak > target::RSS_MB {
            out.push(format!("server peak RSS {peak:.0} MB, {:.0} MB over: SQLite keeps a page cache of up to 64 MB per pooled connection (8), filled by the suite's scans.", peak - target::RSS_MB));
        }
    }
    if let Ok(rps) = r.wrk_rps {
        if rps < target::RPS {
            out.push(format!("{rps:.0} inbox pages/s, {:.0} % of 2,000: wrk, the server's workers and the database share the same 2 cores; each page is three queries (rows, their intents/actions, their tags) and 50 rows of JSON.", 100.0 * rps / target::RPS));
        }
    }
    out
}

/// Writes the Markdown report.
pub fn report(opts: &BenchOptions, meta: &(String, String), results: &[BackendResult], notes: &[String]) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Hindsight benchmark results\n");
    let _ = writeln!(o, "Regenerated by `just bench` (`hindsight bench`); every figure below comes from that run.\n");
    let _ = writeln!(o, "- Date: {}", meta.0);
    let _ = writeln!(o, "- Commit: `{}`", meta.1);
    let _ = writeln!(o, "- Machine: {}", machine());
    let _ = writeln!(o, "- Runs: {} timed runs per figure after one warm-up; times are p50 / p95 in ms", opts.runs);
    for r in results {
        let _ = writeln!(o, "- {}: {} conversations, {} events (seed {})", r.backend, r.conversations, r.events, opts.seed);
    }
    let _ = writeln!(o, "- The server is a child `hindsight serve` process (release build, default pool of 8); the client and the hand-written SQL run in the bench process on the same 2 cores, over loopback.");
    let _ = writeln!(o, "- \"SQL\" is the best hand-written SQL for the same answer (rows, their intents/actions/tags, and the count), run through the same driver in the bench process; \"ratio\" is API / SQL at p50.");
    for n in notes {
        let _ = writeln!(o, "- {n}");
    }
    let sqlite = results.iter().find(|r| r.backend == "sqlite");

    // Summary of targets.
    let _ = writeln!(o, "\n## Targets\n");
    let _ = writeln!(o, "| Target | Backend | Measured | Verdict |\n|---|---|---|---|");
    for r in results {
        let b = &r.backend;
        let worst_page = r.filters.iter().map(|f| f.page.p95).fold(0.0, f64::max);
        let worst_page_name = r.filters.iter().max_by(|a, b| a.page.p95.total_cmp(&b.page.p95)).map(|f| f.name.clone()).unwrap_or_default();
        let worst_count = r.filters.iter().map(|f| f.count.p95).fold(0.0, f64::max);
        let worst_count_name = r.filters.iter().max_by(|a, b| a.count.p95.total_cmp(&b.count.p95)).map(|f| f.name.clone()).unwrap_or_default();
        let worst_ratio = r.filters.iter().map(|f| ratio(f.page.p50, f.sql_page.p50)).fold(0.0, f64::max);
        let worst_count_ratio = r.filters.iter().map(|f| ratio(f.count.p50, f.sql_count.p50)).fold(0.0, f64::max);
        let first = r.filters.first().map(|f| f.page.p95).unwrap_or(0.0);
        let mut row = |t: &str, m: String, ok: bool| {
            let _ = writeln!(o, "| {t} | {b} | {m} | {} |", mark(ok));
        };
        row("Inbox first page p95 ≤ 50 ms, every filter", format!("worst {worst_page:.1} ms ({worst_page_name})"), worst_page <= target::PAGE_MS);
        row("Exact total count p95 ≤ 250 ms, every filter", format!("worst {worst_count:.1} ms ({worst_count_name})"), worst_count <= target::COUNT_MS);
        row("Page ≤ 1.5× hand-written SQL (p50)", format!("worst {worst_ratio:.2}×"), worst_ratio <= target::RATIO);
        row("Count ≤ 1.5× hand-written SQL (p50)", format!("worst {worst_count_ratio:.2}×"), worst_count_ratio <= target::RATIO);
        row(&format!("Deep page (page {}) by cursor ≤ 1.5× first page (p95)", r.deep_page_number), format!("{:.1} ms vs {first:.1} ms", r.deep_page.p95), r.deep_page.p95 <= target::RATIO * first.max(1.0));
        row("Conversation open p95 ≤ 10 ms", format!("{:.1} ms ({} turns, {} events)", r.open.p95, r.open_turns, r.open_events), r.open.p95 <= target::OPEN_MS);
        row("Story and slots p95 ≤ 10 ms", format!("{:.1} ms", r.story.p95), r.story.p95 <= target::OPEN_MS);
        row("Facets p95 ≤ 100 ms", format!("{:.1} ms", r.facets.p95), r.facets.p95 <= target::FACETS_MS);
        row(&format!("Bulk tag of {} p95 ≤ 1 s", r.bulk_size), format!("{:.1} ms", r.bulk.p95), r.bulk.p95 <= target::BULK_MS);
        row("Import ≥ 50,000 events/s", format!("{:.0} events/s", r.import_events_per_s), r.import_events_per_s >= target::IMPORT_EPS);
        match r.rss_mb {
            Some(rss) => row("Server RSS ≤ 200 MB serving", format!("{rss:.0} MB (peak {:.0} MB)", r.peak_rss_mb.unwrap_or(rss)), r.peak_rss_mb.unwrap_or(rss) <= target::RSS_MB),
            None => row("Server RSS ≤ 200 MB serving", "not measurable here".into(), false),
        }
        match &r.wrk_rps {
            Ok(rps) => row("≥ 2,000 inbox pages/s over HTTP (wrk, 32 connections)", format!("{rps:.0} pages/s"), *rps >= target::RPS),
            Err(why) => row("≥ 2,000 inbox pages/s over HTTP (wrk, 32 connections)", why.clone(), false),
        }
    }
    if let (Some(s), Some(p)) = (sqlite, results.iter().find(|r| r.backend == "postgres")) {
        let mut worse = Vec::new();
        let mut check = |what: &str, pg: f64, sq: f64| {
            if pg > target::PG_FACTOR * sq.max(0.5) {
                worse.push(format!("{what} ({pg:.1} vs {sq:.1})"));
            }
        };
        for (a, b) in p.filters.iter().zip(&s.filters) {
            check(&format!("page: {}", a.name), a.page.p95, b.page.p95);
            check(&format!("count: {}", a.name), a.count.p95, b.count.p95);
        }
        check("deep page", p.deep_page.p95, s.deep_page.p95);
        check("open", p.open.p95, s.open.p95);
        check("story", p.story.p95, s.story.p95);
        check("facets", p.facets.p95, s.facets.p95);
        check("bulk tag", p.bulk.p95, s.bulk.p95);
        if s.import_events_per_s > target::PG_FACTOR * p.import_events_per_s {
            worse.push(format!("import ({:.0} vs {:.0} events/s)", p.import_events_per_s, s.import_events_per_s));
        }
        let same_size = s.conversations == p.conversations;
        let _ = writeln!(
            o,
            "| PostgreSQL within 2× of SQLite on each figure (p95){} | postgres | {} | {} |",
            if same_size { "" } else { " — different data sizes, indicative only" },
            if worse.is_empty() { "all within 2×".to_owned() } else { format!("beyond 2×: {}", worse.join("; ")) },
            mark(worse.is_empty())
        );
    }

    let _ = writeln!(o, "\n## Misses: by how much, and why\n");
    let mut any = false;
    for r in results {
        for line in misses(r) {
            any = true;
            let _ = writeln!(o, "- **{}**: {line}", r.backend);
        }
    }
    if !any {
        let _ = writeln!(o, "None.");
    }
    for r in results {
        let _ = writeln!(o, "\n## {} — {} conversations, {} events\n", r.backend, r.conversations, r.events);
        let _ = writeln!(o, "Import: {:.1} s, **{:.0} events/s**. Size on disk: {:.0} MB, **{:.0} MB per million events**.\n",
            r.import_seconds, r.import_events_per_s, r.disk_bytes as f64 / 1e6, r.disk_bytes as f64 / 1e6 / (r.events.max(1) as f64 / 1e6));
        let _ = writeln!(o, "### Inbox first page (50 rows, `total=false`) and its exact total (`/count`, a separate request)\n");
        let _ = writeln!(o, "| Filter | Query | Matches | Page p50 / p95 | SQL page p50 | Ratio | Count p50 / p95 | SQL count p50 | Ratio |");
        let _ = writeln!(o, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for f in &r.filters {
            let _ = writeln!(
                o,
                "| {} | `{}` | {} | {} | {:.1} | {:.2}× | {} | {:.1} | {:.2}× |",
                f.name,
                if f.query.is_empty() { "(none)" } else { &f.query },
                f.total,
                ms(&f.page),
                f.sql_page.p50,
                ratio(f.page.p50, f.sql_page.p50),
                ms(&f.count),
                f.sql_count.p50,
                ratio(f.count.p50, f.sql_count.p50),
            );
        }
        let _ = writeln!(o, "\n### Other figures\n");
        let _ = writeln!(o, "| Figure | API p50 / p95 (ms) | SQL p50 (ms) | Ratio |\n|---|---:|---:|---:|");
        let _ = writeln!(o, "| Deep page {} by cursor | {} | {:.1} | {:.2}× |", r.deep_page_number, ms(&r.deep_page), r.sql_deep_page.p50, ratio(r.deep_page.p50, r.sql_deep_page.p50));
        let _ = writeln!(o, "| Open a {}-turn conversation ({} events) | {} | {:.1} | {:.2}× |", r.open_turns, r.open_events, ms(&r.open), r.sql_open.p50, ratio(r.open.p50, r.sql_open.p50));
        let _ = writeln!(o, "| Story and slots at its last user message | {} | {:.1} (the events) | {:.2}× |", ms(&r.story), r.sql_open.p50, ratio(r.story.p50, r.sql_open.p50));
        let _ = writeln!(o, "| Facets | {} | {:.1} | {:.2}× |", ms(&r.facets), r.sql_facets.p50, ratio(r.facets.p50, r.sql_facets.p50));
        let _ = writeln!(o, "| Bulk tag of {} conversations matched by a date filter ({}) | {} | {:.1} | {:.2}× |", r.bulk_size, r.bulk_via, ms(&r.bulk), r.sql_bulk.p50, ratio(r.bulk.p50, r.sql_bulk.p50));
        let _ = writeln!(o, "\nServer memory after the suite and the load test: {} (peak {}).",
            r.rss_mb.map(|m| format!("{m:.0} MB RSS")).unwrap_or_else(|| "not measurable".into()),
            r.peak_rss_mb.map(|m| format!("{m:.0} MB")).unwrap_or_else(|| "n/a".into()));
        let _ = writeln!(o, "HTTP throughput of the first inbox page (wrk -t2 -c32, loopback, same 2 cores): {}.",
            match &r.wrk_rps { Ok(v) => format!("**{v:.0} pages/s**"), Err(e) => e.clone() });
        for n in &r.notes {
            let _ = writeln!(o, "\nNote: {n}");
        }
        for m in &r.mismatches {
            let _ = writeln!(o, "\n**Mismatch:** {m}");
        }
    }
    o
}

/// What is kept of a run, next to the report (`RESULTS.json`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Saved {
    runs: usize,
    seed: u64,
    date: String,
    commit: String,
    results: Vec<BackendResult>,
}

fn saved_path(opts: &BenchOptions) -> PathBuf {
    opts.output.with_extension("json")
}

/// Runs the benchmark and writes the report; returns the results.
pub fn run(opts: &BenchOptions, notes: &[String]) -> anyhow::Result<Vec<BackendResult>> {
    let previous: Option<Saved> = if opts.keep_previous || opts.render_only {
        let text = std::fs::read_to_string(saved_path(opts))
            .with_context(|| format!("reading {}", saved_path(opts).display()))?;
        Some(serde_json::from_str(&text)?)
    } else {
        None
    };
    let mut results = Vec::new();
    let mut notes = notes.to_vec();
    if !opts.render_only {
        if !opts.no_sqlite {
            results.push(run_backend(opts, Backend::Sqlite, opts.conversations)?);
        }
        match &opts.postgres_url {
            Some(_) => {
                let n = opts.postgres_conversations.unwrap_or(opts.conversations);
                results.push(run_backend(opts, Backend::Postgres, n)?);
            }
            None if opts.keep_previous => {}
            None => notes.push("PostgreSQL was not measured: no `--postgres-url` (`just bench` starts one).".into()),
        }
    }
    let mut meta = (chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(), commit());
    if let Some(prev) = previous {
        for r in prev.results {
            if !results.iter().any(|x| x.backend == r.backend) {
                if !opts.render_only {
                    notes.push(format!("{} figures are from the previous run ({}, commit `{}`), kept with `--keep-previous`.", r.backend, prev.date, prev.commit));
                }
                results.push(r);
            }
        }
        if opts.render_only {
            meta = (prev.date, prev.commit);
        }
    }
    results.sort_by_key(|r| r.backend != "sqlite");
    if let Some(dir) = opts.output.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let saved = Saved { runs: opts.runs, seed: opts.seed, date: meta.0.clone(), commit: meta.1.clone(), results: results.clone() };
    if !opts.render_only {
        std::fs::write(saved_path(opts), serde_json::to_string_pretty(&saved)?)?;
    }
    let text = report(opts, &meta, &results, &notes);
    std::fs::write(&opts.output, text)?;
    say(opts, format!("wrote {}", opts.output.display()));
    Ok(results)
}

fn commit() -> String {
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    // Only the server's own sources count as a difference from the commit.
    let dirty = git(&["status", "--porcelain", "--untracked-files=no", "--", "crates/hindsight-server", "crates/hindsight-types", "migrations"])
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
        m.insert(format!("page: {}", f.name), f.page);
        m.insert(format!("count: {}", f.name), f.count);
    }
    m.insert("deep page".into(), r.deep_page);
    m.insert("open".into(), r.open);
    m.insert("story".into(), r.story);
    m.insert("facets".into(), r.facets);
    m.insert("bulk".into(), r.bulk);
    m
}
