//! One backend measured: a fresh database, the demo data imported, every figure timed over
//! HTTP next to its hand-written SQL, wrk for throughput, then the event broker figures.

use anyhow::{anyhow, bail};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use hindsight_server::db::{Backend, DbConnection};
use serde_json::Value;
use std::process::Command;

use super::*;

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
    /// Hand-written count.
    pub sql_count: Stats,
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
        }
    }
}

/// A bearer token for the bench client: an admin API token created directly in the database.
pub(super) fn bench_token(conn: &mut DbConnection) -> anyhow::Result<Option<String>> {
    let token = hindsight_server::auth::new_api_token();
    hindsight_server::db::users::create_token(
        conn,
        "bench",
        &hindsight_server::auth::token_hash(&token),
        "admin",
        "bench",
    )?;
    Ok(Some(token))
}

pub(super) fn say(opts: &BenchOptions, msg: impl AsRef<str>) {
    if opts.verbose {
        eprintln!("bench: {}", msg.as_ref());
    }
}

pub(super) fn postgres_database_url(admin: &str, name: &str) -> anyhow::Result<String> {
    let i = admin
        .rfind('/')
        .ok_or_else(|| anyhow!("unexpected PostgreSQL URL {admin}"))?;
    Ok(format!("{}/{name}", &admin[..i]))
}

/// Creates (afresh) the database of a backend and returns its URL.
pub(super) fn fresh_database(opts: &BenchOptions, backend: Backend) -> anyhow::Result<String> {
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
            let admin = opts
                .postgres_url
                .as_deref()
                .ok_or_else(|| anyhow!("no PostgreSQL URL"))?;
            let name = format!("hindsight_bench_{}", std::process::id());
            let mut conn = diesel::PgConnection::establish(admin)?;
            conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
            conn.batch_execute(&format!("CREATE DATABASE {name}"))?;
            postgres_database_url(admin, &name)
        }
    }
}

pub(super) fn drop_database(opts: &BenchOptions, url: &str) {
    if let (Some(admin), Some(name)) = (&opts.postgres_url, url.rsplit('/').next()) {
        if let Ok(mut conn) = diesel::PgConnection::establish(admin) {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

pub(super) fn disk_bytes(conn: &mut DbConnection, url: &str) -> anyhow::Result<u64> {
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
            let s: Size = diesel::sql_query("SELECT pg_database_size(current_database()) AS size")
                .get_result(conn)?;
            Ok(s.size as u64)
        }
    }
}

#[derive(QueryableByName)]
pub(super) struct OneId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub(super) id: i64,
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
    let ingest = hindsight_server::ingest::IngestOptions {
        timezone: chrono_tz::UTC,
        restore_deleted: false,
    };
    // As `hindsight demo-data` and `hindsight import` open the database: a pool of one.
    let pool = hindsight_server::db::open_pool(url, 1)?;
    let mut pooled = pool.get()?;
    let conn: &mut DbConnection = &mut pooled;
    say(
        opts,
        format!("{}: loading {conversations} conversations", r.backend),
    );
    let step = (conversations / 20).max(1);
    let mut next = step;
    // A database an earlier run left is measured as it is (`--reuse-sqlite`).
    if !(opts.reuse_sqlite && backend == Backend::Sqlite) {
        let loaded = hindsight_server::demo::load(conn, conversations, opts.seed, &ingest, |n| {
            if n >= next {
                say(opts, format!("{n} conversations"));
                next += step;
            }
        })?;
        r.events = loaded.events;
        r.import_seconds = loaded.seconds;
        r.import_events_per_s = loaded.events as f64 / loaded.seconds.max(1e-9);
    }
    r.disk_bytes = disk_bytes(conn, url)?;
    if backend == Backend::Postgres {
        #[derive(QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            setting: String,
        }
        let mut show = |name: &str| -> anyhow::Result<String> {
            let s: Setting =
                diesel::sql_query(format!("SELECT current_setting('{name}') AS setting"))
                    .get_result(conn)?;
            Ok(s.setting)
        };
        let (fsync, shared_buffers) = (show("fsync")?, show("shared_buffers")?);
        if fsync == "off" {
            r.notes.push("This PostgreSQL server runs with `fsync = off` and `synchronous_commit = off` (`scripts/with-postgres.sh`'s throwaway server), so its import is faster than a durable server's would be; SQLite runs with its production settings (WAL, `synchronous = NORMAL`).".into());
        }
        r.notes.push(format!("PostgreSQL's `shared_buffers`: {shared_buffers} (`scripts/with-postgres.sh`, `HINDSIGHT_PG_SHARED_BUFFERS`); the planner's settings are the defaults."));
    }
    say(
        opts,
        format!(
            "{}: {} events in {:.1}s ({:.0} events/s), {:.0} MB",
            r.backend,
            r.events,
            r.import_seconds,
            r.import_events_per_s,
            r.disk_bytes as f64 / 1e6
        ),
    );

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
    let pg = backend == Backend::Postgres;
    if opts.only_discover {
        r.conversations = client.get_json("/api/conversations/count")?["total"]
            .as_i64()
            .unwrap_or(0) as u64;
        r.discover = Some(discover_figures(opts, &r.backend, &mut client, &server)?);
        return Ok(r);
    }

    // The inbox suite.
    for case in suite() {
        let sep = if case.query.is_empty() { "" } else { "&" };
        let page_path = format!("/api/conversations?{}{sep}limit=50&total=false", case.query);
        let count_path = format!("/api/conversations/count?{}", case.query);
        let first = client.get_json(&page_path.replace("&total=false", ""))?;
        let total = first["total"].as_i64().unwrap_or(-1);
        let counted = client.get_json(&count_path)?["total"]
            .as_i64()
            .unwrap_or(-2);
        if total != counted {
            r.mismatches.push(format!(
                "{}: the page says {total} conversations, /count says {counted}",
                case.name
            ));
        }
        let view_paths = view_paths(&case.query);
        let mut view_clients: Vec<Client> = view_paths
            .iter()
            .map(|_| {
                let mut c = Client::new(&server.addr);
                c.token = client.token.clone();
                c
            })
            .collect();
        let answers = view_once(&mut view_clients, &view_paths)?;
        let tabs_path = view_paths[1].replace("&estimate=true", "");
        let exact = client.get_json(&tabs_path)?;
        let tab = |v: &serde_json::Value, key: &str| v[key].as_i64().unwrap_or(-1);
        let own_tab = match case
            .query
            .split('&')
            .find_map(|p| p.strip_prefix("review_status="))
        {
            Some(status) => tab(&exact, status),
            None => tab(&exact, "all"),
        };
        let split = ["unread", "saved_for_later", "reviewed"].map(|k| tab(&exact, k));
        if split.iter().sum::<i64>() != tab(&exact, "all") || own_tab != total {
            r.mismatches.push(format!(
                "{}: the tab counts disagree with the page's total {total}: {exact}",
                case.name
            ));
        }
        let estimate = &answers[1];
        let estimated = estimate["exact"] == serde_json::Value::Bool(false);
        let estimate_error = ["all", "unread", "saved_for_later", "reviewed"]
            .iter()
            .map(|k| (tab(estimate, k) - tab(&exact, k)).abs() as f64)
            .fold(0.0, f64::max)
            / tab(&exact, "all").max(1) as f64;
        if !estimated && estimate_error != 0.0 {
            r.mismatches.push(format!(
                "{}: an answer marked exact differs from the exact count: {estimate} vs {exact}",
                case.name
            ));
        }
        let view = time(runs, || view_once(&mut view_clients, &view_paths).map(drop))?;
        drop(view_clients);
        let exact_tabs = time(runs, || client.get_json(&tabs_path).map(drop))?;
        let page = time(runs, || client.get_json(&page_path).map(drop))?;
        let count = time(runs, || client.get_json(&count_path).map(drop))?;
        let cond = if pg {
            case.sql_pg.as_deref().unwrap_or(&case.sql)
        } else {
            &case.sql
        };
        let walk = if pg { &case.walk_pg } else { &case.walk };
        let page_q = page_sql(conn, walk.as_deref().unwrap_or(cond), case.order, "")?;
        let count_q = count_sql(cond);
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let sql_total: N =
            diesel::sql_query(count_q.replace("count(*)", "count(*) AS n")).get_result(conn)?;
        if sql_total.n != total {
            r.mismatches.push(format!(
                "{}: the API counts {total}, the hand-written SQL {}",
                case.name, sql_total.n
            ));
        }
        let sql_page = time(runs, || Ok(conn.batch_execute(&page_q)?))?;
        let sql_count = time(runs, || Ok(conn.batch_execute(&count_q)?))?;
        say(
            opts,
            format!(
                "{:<40} {total:>8} view p95 {:>7.1} ms{}  exact tabs p95 {:>7.1} ms  page p95 {:>7.1} ms  count p95 {:>7.1} ms  (SQL {:.1} + {:.1})",
                case.name, view.p95, if estimated { format!(" (≈, off by {:.1} %)", estimate_error * 100.0) } else { String::new() },
                exact_tabs.p95, page.p95, count.p95, sql_page.p95, sql_count.p95
            ),
        );
        r.filters.push(FilterResult {
            name: case.name.into(),
            query: case.query,
            total,
            view,
            exact_tabs,
            estimated,
            estimate_error,
            page,
            count,
            sql_page,
            sql_count,
        });
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
        cursor = client.get_json(&path)?["next_cursor"]
            .as_str()
            .map(str::to_owned);
    }
    let deep_path = match &cursor {
        Some(c) => format!("/api/conversations?limit=50&total=false&cursor={c}"),
        None => "/api/conversations?limit=50&total=false".into(),
    };
    r.deep_page = time(runs, || client.get_json(&deep_path).map(drop))?;
    // The hand-written keyset query: after the last row of the previous page.
    let last_id: i64 = {
        let offset = ((r.deep_page_number - 1) * 50).saturating_sub(1);
        diesel::sql_query(format!(
            "SELECT c.id FROM conversations c WHERE c.deleted_at IS NULL ORDER BY {LATEST} LIMIT 1 OFFSET {}",
            offset
        ))
        .get_result::<OneId>(conn)?
        .id
    };
    let deep_q = page_sql(
        conn,
        "TRUE",
        LATEST,
        &format!(" AND (c.latest_event_at, c.id) < (SELECT latest_event_at, id FROM conversations WHERE id = {last_id})"),
    )?;
    r.sql_deep_page = time(runs, || Ok(conn.batch_execute(&deep_q)?))?;

    // The longest conversation: open it, and its story at the last user message.
    let long: Value = client.get_json("/api/conversations?sort=length&limit=1")?;
    let sender = long["conversations"][0]["id"]
        .as_str()
        .ok_or_else(|| anyhow!("no conversation"))?
        .to_owned();
    r.open_turns = long["conversations"][0]["user_message_count"]
        .as_i64()
        .unwrap_or(0);
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

    // The path explorer, ten steps deep (the server samples the newest 20,000).
    for query in PATH_GRAPH_QUERIES {
        let path = format!("/api/conversations/paths?{query}&depth=10");
        let graph = client.get_json(&path)?;
        let stats = time(runs, || client.get_json(&path).map(drop))?;
        r.path_graphs.push(PathGraphResult {
            query: query.to_owned(),
            conversations: graph["conversations"].as_i64().unwrap_or(0),
            sampled: graph["sampled"].as_bool().unwrap_or(false),
            stats,
        });
    }

    // Facets.
    r.facets = time(runs, || client.get_json("/api/facets").map(drop))?;
    let facets_q = "SELECT f.kind, f.name, f.value, count(*) FROM conversation_features f JOIN conversations c ON c.id = f.conversation_id WHERE c.deleted_at IS NULL GROUP BY f.kind, f.name, f.value;
                    SELECT c.channel, count(*) FROM conversations c WHERE c.deleted_at IS NULL GROUP BY c.channel;";
    r.sql_facets = time(runs, || Ok(conn.batch_execute(facets_q)?))?;

    // Bulk tag about 10,000 conversations matched by a filter: a window of the year holding
    // 1 % of a million conversations (all of a small data set's).
    let days = (3.65e6 / conversations.max(1) as f64).min(365.0);
    let start =
        chrono::DateTime::from_timestamp(1_767_225_600 + 86_400 * 100, 0).unwrap_or_default();
    let until = start + chrono::Duration::seconds((days * 86_400.0) as i64);
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let bulk_query = format!("start={}&until={}", fmt(start), fmt(until));
    r.bulk_size = client.get_json(&format!("/api/conversations/count?{bulk_query}"))?["total"]
        .as_i64()
        .unwrap_or(0);
    let mut n = 0;
    r.bulk = time(runs, || {
        n += 1;
        let body = serde_json::json!({"selection": {"filter": bulk_query}, "action": "add_tag", "value": format!("bench-{n}")});
        let (status, text) =
            client.request("POST", "/api/conversations/bulk", Some(&body.to_string()))?;
        if status != 200 {
            bail!("bulk: {status} {text}");
        }
        Ok(())
    })?;
    let mut m = 0;
    let bulk_cond = format!(
        "c.latest_event_at >= '{}' AND c.first_event_at <= '{}'",
        start.format("%Y-%m-%d %H:%M:%S"),
        until.format("%Y-%m-%d %H:%M:%S")
    );
    r.sql_bulk = time(runs, || {
        m += 1;
        Ok(conn.batch_execute(&format!(
            "INSERT INTO tags (name, color, created_at) VALUES ('sql-bench-{m}', '888888', '2026-12-31 12:00:00');
             INSERT INTO conversation_tags (conversation_id, tag_id, tagged_by, tagged_at)
             SELECT c.id, (SELECT id FROM tags WHERE name = 'sql-bench-{m}'), 'bench', '2026-12-31 12:00:00'
             FROM conversations c WHERE c.deleted_at IS NULL AND {bulk_cond}
             ON CONFLICT DO NOTHING;"
        ))?)
    })?;

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

/// The requests of one inbox view, as the web app sends them
/// (`frontend/src/components/conversation_list.rs`, `PAGE_SIZE` in `frontend/src/api`): the
/// first page of 50 without its total,
/// and the tabs' counts (the filter without its review status) allowing an estimate.
pub(super) fn view_paths(query: &str) -> Vec<String> {
    let rest: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("review_status="))
        .collect();
    let sep = if query.is_empty() { "" } else { "&" };
    let rest_sep = if rest.is_empty() { "" } else { "&" };
    vec![
        format!("/api/conversations?{query}{sep}limit=50&total=false"),
        format!(
            "/api/conversations/tab-counts?{}{rest_sep}estimate=true",
            rest.join("&")
        ),
    ]
}

/// Sends the view's requests at once, one per client (the browser's parallel connections),
/// and waits for every answer.
pub(super) fn view_once(
    clients: &mut [Client],
    paths: &[String],
) -> anyhow::Result<Vec<serde_json::Value>> {
    std::thread::scope(|s| {
        let handles: Vec<_> = clients
            .iter_mut()
            .zip(paths)
            .map(|(c, p)| s.spawn(move || c.get_json(p)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| anyhow!("a view request panicked"))?)
            .collect()
    })
}

pub(super) fn wrk(addr: &str, token: Option<&str>, seconds: u64) -> Result<f64, String> {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c32", &format!("-d{seconds}s")]);
    if let Some(t) = token {
        cmd.args(["-H", &format!("Authorization: Bearer {t}")]);
    }
    cmd.arg(format!(
        "http://{addr}/api/conversations?limit=50&total=false"
    ));
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => {
            return Err(format!(
                "wrk is not installed ({e}); `just bench` installs it"
            ))
        }
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
