//! Issue 16's figures: Rasa's event broker consumed by the server (`serve --broker`). A
//! backlog of demo events published to RabbitMQ as Rasa's `PikaEventBroker` publishes them is
//! drained by a fresh server (events stored per second, its memory meanwhile), then live
//! traffic at a steady rate is timed from publish to the inbox list. Every event published
//! is checked to be in the database.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::bail;
use diesel::prelude::*;
use hindsight_server::db::DbConnection;

use super::*;

mod live;
mod publisher;
mod report;

pub(crate) use report::{broker_misses, broker_rows, broker_section, broker_wait_line};

use live::measure_live;
use publisher::{Publisher, Traffic, BACKLOG_INTERLEAVED};

/// The environment (`app_id`) of the backlog's events, as a production Rasa sets it.
const BACKLOG_ENVIRONMENT: &str = "production";

/// Live conversations under way at once.
const LIVE_INTERLEAVED: usize = 20;

/// How often the server's health and memory are read while it drains the backlog.
const SAMPLE: Duration = Duration::from_millis(20);

/// How long the stored count may stand still before the drain counts as stuck.
const STALL: Duration = Duration::from_secs(120);

/// The event broker figures of one backend.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct BrokerResult {
    /// Events queued before the server started (every one confirmed by RabbitMQ).
    pub backlog_events: u64,
    /// The conversations they belong to.
    pub backlog_conversations: u64,
    /// Seconds publishing the backlog took (not part of any figure).
    pub publish_seconds: f64,
    /// Events stored per second, from the first commit seen to the last.
    pub events_per_s: f64,
    /// Seconds from the server's start until the whole backlog was stored.
    pub drain_seconds: f64,
    /// Server RSS when the drain was first sampled, MB.
    pub rss_start_mb: Option<f64>,
    /// Peak server RSS while draining (the process's high-water mark), MB.
    pub peak_rss_mb: Option<f64>,
    /// Server RSS when the backlog was stored, MB.
    pub rss_end_mb: Option<f64>,
    /// Live traffic asked for, events per second.
    pub live_rate: f64,
    /// Live events published.
    pub live_events: u64,
    /// Seconds the live traffic took to publish.
    pub live_seconds: f64,
    /// New conversations of the live traffic.
    pub live_conversations: u64,
    /// Publish of a new conversation's first event → the conversation in
    /// `GET /api/conversations`, ms; `runs` is the conversations timed.
    pub latency: Stats,
    /// Conversations confirmed in the list after `GET /api/stream` announced them (the rest
    /// were found by reading the list every 250 ms).
    pub announced: u64,
}

impl BrokerResult {
    /// Live events per second reached.
    pub fn live_rate_reached(&self) -> f64 {
        self.live_events as f64 / self.live_seconds.max(1e-9)
    }
}

/// The health report's consumer counters.
#[derive(Clone, Copy)]
struct Progress {
    stored: u64,
    rejected: u64,
    last_commit_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn progress(client: &mut Client) -> anyhow::Result<Progress> {
    let h = client.get_json("/api/health")?;
    let b = &h["broker"];
    if b.is_null() {
        bail!("the server reports no event broker consumer: {h}");
    }
    Ok(Progress {
        stored: b["messages_stored"].as_u64().unwrap_or(0),
        rejected: b["messages_rejected"].as_u64().unwrap_or(0),
        last_commit_at: b["last_commit_at"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc)),
    })
}

/// Events and conversations stored under senders starting with `prefix`, by hand-written SQL.
fn stored(conn: &mut DbConnection, prefix: &str) -> anyhow::Result<(u64, u64)> {
    #[derive(QueryableByName)]
    struct Counts {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        events: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        conversations: i64,
    }
    let c: Counts = diesel::sql_query(format!(
        "SELECT count(*) AS events, count(DISTINCT c.id) AS conversations FROM events e
         JOIN conversations c ON c.id = e.conversation_id WHERE c.sender_id LIKE '{prefix}%'"
    ))
    .get_result(conn)?;
    Ok((c.events as u64, c.conversations as u64))
}

/// Measures the event broker on the database at `database_url` (already holding the demo
/// data, demo conversations `0..first_index`): publishes the backlog, starts a server that
/// consumes it, times the drain and the live traffic, and checks what was stored.
#[allow(clippy::too_many_arguments)]
pub(super) fn measure_broker(
    opts: &BenchOptions,
    amqp_url: &str,
    exe: &Path,
    database_url: &str,
    conn: &mut DbConnection,
    token: Option<String>,
    first_index: u64,
    mismatches: &mut Vec<String>,
) -> anyhow::Result<BrokerResult> {
    let mut r = BrokerResult {
        live_rate: opts.broker_live_rate,
        ..BrokerResult::default()
    };
    let backend = conn.backend().name();
    let id = format!("{}_{backend}", std::process::id());
    let (queue, exchange) = (
        format!("hindsight_bench_{id}"),
        format!("hindsight-bench-{id}"),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let publisher = rt.block_on(Publisher::connect(amqp_url, &exchange, &queue))?;

    // The backlog, queued before the server starts.
    let n = opts.broker_events;
    say(
        opts,
        format!("{backend}: publishing {n} events to RabbitMQ"),
    );
    let started = Instant::now();
    let mut backlog = Traffic::new(opts.seed, first_index, "broker-", BACKLOG_INTERLEAVED);
    rt.block_on(
        publisher.backlog(&mut backlog, n, BACKLOG_ENVIRONMENT, |k| {
            say(opts, format!("{k} events published"))
        }),
    )?;
    r.publish_seconds = started.elapsed().as_secs_f64();
    r.backlog_events = n;
    r.backlog_conversations = backlog.conversations;
    let queued = rt.block_on(publisher.queued())?;
    if queued != n {
        mismatches.push(format!(
            "event broker: {n} events published and confirmed, the queue holds {queued}"
        ));
    }
    say(
        opts,
        format!(
            "{backend}: {n} events of {} conversations queued in {:.1}s",
            r.backlog_conversations, r.publish_seconds
        ),
    );

    // A fresh server drains it.
    let broker_env = [
        ("HINDSIGHT_BROKER_URL", amqp_url),
        ("HINDSIGHT_BROKER_QUEUE", queue.as_str()),
        ("HINDSIGHT_BROKER_EXCHANGE_NAME", exchange.as_str()),
    ];
    let started = Instant::now();
    let server = Server::start(exe, database_url, &broker_env)?;
    let mut client = Client::new(&server.addr);
    client.token = token.clone();
    let mut first: Option<Progress> = None;
    let mut rss_peak: f64 = 0.0;
    let (mut last_stored, mut last_change) = (0, Instant::now());
    let mut next_say = Instant::now() + Duration::from_secs(5);
    let last = loop {
        let p = progress(&mut client)?;
        let (rss, _) = server.memory_mb();
        if r.rss_start_mb.is_none() {
            r.rss_start_mb = rss;
        }
        rss_peak = rss_peak.max(rss.unwrap_or(0.0));
        if p.stored + p.rejected >= n {
            break p;
        }
        if first.is_none() && p.stored > 0 {
            first = Some(p);
        }
        if p.stored != last_stored {
            (last_stored, last_change) = (p.stored, Instant::now());
        } else if last_change.elapsed() > STALL {
            bail!("the server stored nothing for {STALL:?}, {last_stored} of {n} events");
        }
        if Instant::now() >= next_say {
            say(opts, format!("{last_stored} of {n} events stored"));
            next_say += Duration::from_secs(5);
        }
        std::thread::sleep(SAMPLE);
    };
    r.drain_seconds = started.elapsed().as_secs_f64();
    let (rss_end, hwm) = server.memory_mb();
    r.rss_end_mb = rss_end;
    r.peak_rss_mb = hwm.map(|h| h.max(rss_peak)).or(rss_end);
    if last.rejected > 0 {
        mismatches.push(format!(
            "event broker: the server rejected {} of the backlog's events",
            last.rejected
        ));
    }
    // From the commit of the first batch seen to the last (the server's own clock); a
    // backlog stored in one go is timed from the server's start.
    r.events_per_s = match (
        &first,
        first.as_ref().and_then(|f| f.last_commit_at),
        last.last_commit_at,
    ) {
        (Some(f), Some(t0), Some(t1)) if t1 > t0 => {
            (last.stored - f.stored) as f64
                / ((t1 - t0).num_microseconds().unwrap_or(0) as f64 / 1e6)
        }
        _ => last.stored as f64 / r.drain_seconds.max(1e-9),
    };
    let (events, conversations) = stored(conn, "broker-")?;
    if events != n || conversations != r.backlog_conversations {
        mismatches.push(format!(
            "event broker: {n} events of {} conversations published, the database holds {events} events of {conversations}",
            r.backlog_conversations
        ));
    }
    say(
        opts,
        format!(
            "{backend}: the backlog stored at {:.0} events/s, peak RSS {:.0} MB",
            r.events_per_s,
            r.peak_rss_mb.unwrap_or(0.0)
        ),
    );

    // Live traffic, the server consuming.
    let traffic = Traffic::new(opts.seed, backlog.next_index(), "live-", LIVE_INTERLEAVED);
    say(
        opts,
        format!(
            "{backend}: live traffic, {} events/s for {} s",
            opts.broker_live_rate, opts.broker_live_seconds
        ),
    );
    let live = measure_live(
        &rt,
        &publisher,
        &server.addr,
        token,
        opts.broker_live_rate,
        opts.broker_live_seconds,
        traffic,
    )?;
    (r.live_events, r.live_seconds, r.live_conversations) =
        (live.events, live.seconds, live.conversations);
    (r.latency, r.announced) = (live.latency, live.announced);
    if live.missing > 0 {
        mismatches.push(format!(
            "event broker: {} of {} live conversations never showed in the list",
            live.missing, live.conversations
        ));
    }
    // Everything published is stored, once.
    let deadline = Instant::now() + Duration::from_secs(60);
    while progress(&mut client)?.stored < n + r.live_events && Instant::now() < deadline {
        std::thread::sleep(SAMPLE);
    }
    let (events, conversations) = stored(conn, "live-")?;
    if events != r.live_events || conversations != r.live_conversations {
        mismatches.push(format!(
            "event broker: {} live events of {} conversations published, the database holds {events} events of {conversations}",
            r.live_events, r.live_conversations
        ));
    }
    say(
        opts,
        format!(
            "{backend}: {} live conversations ({:.0} events/s), publish → in the list p50 {:.0} ms, p95 {:.0} ms",
            r.live_conversations,
            r.live_rate_reached(),
            r.latency.p50,
            r.latency.p95
        ),
    );
    drop(server);
    rt.block_on(publisher.delete())?;
    Ok(r)
}

/// The broker figures of a backend, or why they were not measured.
pub(super) fn broker_figures(
    opts: &BenchOptions,
    exe: &Path,
    database_url: &str,
    conn: &mut DbConnection,
    token: Option<String>,
    first_index: u64,
    mismatches: &mut Vec<String>,
) -> Result<BrokerResult, String> {
    let Some(amqp) = &opts.amqp_url else {
        return Err(NO_BROKER.into());
    };
    if opts.broker_events == 0 {
        return Err("not run (--broker-events 0)".into());
    }
    measure_broker(
        opts,
        amqp,
        exe,
        database_url,
        conn,
        token,
        first_index,
        mismatches,
    )
    .map_err(|e| {
        say(opts, format!("the event broker figures failed: {e:#}"));
        format!("failed: {e:#}")
    })
}

/// Why the broker figures are missing when no RabbitMQ was given.
pub(super) const NO_BROKER: &str =
    "not run: no RabbitMQ (`--amqp-url` or HINDSIGHT_TEST_AMQP_URL; `just bench` starts one)";

/// Placeholder for results of bench versions without the broker figures.
pub(super) fn broker_not_measured() -> Result<BrokerResult, String> {
    Err("not run (results of a bench version without the event broker figures)".into())
}
