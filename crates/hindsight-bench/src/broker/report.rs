//! The event broker's part of `bench/RESULTS.md`: its targets, misses and section.

use std::fmt::Write as _;

use super::BrokerResult;
use crate::report::{mark, target};

/// The verdict of a figure that was not measured: "not run" when it was skipped, a miss when
/// it failed.
fn not_measured(why: &str) -> &'static str {
    if why.starts_with("not run") {
        "not run"
    } else {
        "**MISS**"
    }
}

/// The sustained rate's verdict: it needs a backlog long enough to be sustained.
fn rate_verdict(b: &BrokerResult) -> &'static str {
    if b.backlog_events < target::BROKER_SUSTAINED_EVENTS {
        "indicative: a backlog under 100,000 events"
    } else {
        mark(b.events_per_s >= target::BROKER_EPS)
    }
}

/// The memory verdict: it speaks of a backlog of 1,000,000 events.
fn memory_verdict(b: &BrokerResult) -> &'static str {
    match b.peak_rss_mb {
        None => "not measurable here",
        Some(_) if b.backlog_events < target::BROKER_BACKLOG => {
            "indicative: a backlog under 1,000,000 events"
        }
        Some(peak) => mark(peak <= target::RSS_MB),
    }
}

/// The latency verdict: it speaks of live traffic at 200 events/s.
fn latency_verdict(b: &BrokerResult) -> &'static str {
    if b.live_rate < target::BROKER_LIVE_RATE || b.live_rate_reached() < 0.95 * b.live_rate {
        "indicative: live traffic under 200 events/s"
    } else {
        mark(b.latency.p95 <= target::BROKER_LATENCY_MS)
    }
}

fn mb(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |m| format!("{m:.0} MB"))
}

/// The event broker's rows of the targets table.
pub(crate) fn broker_rows(o: &mut String, backend: &str, b: &Result<BrokerResult, String>) {
    const RATE: &str = "Rasa's event broker: ≥ 20,000 events/s sustained from the queue";
    const LATENCY: &str =
        "Event broker: publish → in `GET /api/conversations` p95 ≤ 1 s, live traffic at 200 events/s";
    const MEMORY: &str =
        "Event broker: server memory bounded (peak RSS ≤ 200 MB) under a backlog of 1,000,000 queued events";
    let b = match b {
        Ok(b) => b,
        Err(why) => {
            for t in [RATE, LATENCY, MEMORY] {
                let _ = writeln!(o, "| {t} | {backend} | {why} | {} |", not_measured(why));
            }
            return;
        }
    };
    let _ = writeln!(
        o,
        "| {RATE} | {backend} | {:.0} events/s (a backlog of {} events) | {} |",
        b.events_per_s,
        b.backlog_events,
        rate_verdict(b)
    );
    let _ = writeln!(
        o,
        "| {LATENCY} | {backend} | p95 {:.0} ms, p50 {:.0} ms ({} new conversations, {:.0} events/s) | {} |",
        b.latency.p95,
        b.latency.p50,
        b.latency.runs,
        b.live_rate_reached(),
        latency_verdict(b)
    );
    let _ = writeln!(
        o,
        "| {MEMORY} | {backend} | peak {} while {} queued events drained | {} |",
        mb(b.peak_rss_mb),
        b.backlog_events,
        memory_verdict(b)
    );
}

/// The event broker's misses: by how much and why.
pub(crate) fn broker_misses(b: &Result<BrokerResult, String>) -> Vec<String> {
    let b = match b {
        Ok(b) => b,
        Err(why) if why.starts_with("not run") => return Vec::new(),
        Err(why) => {
            return vec![format!(
                "the event broker figures were not measured: {why}."
            )]
        }
    };
    let mut out = Vec::new();
    if b.backlog_events >= target::BROKER_SUSTAINED_EVENTS && b.events_per_s < target::BROKER_EPS {
        out.push(format!(
            "event broker: {:.0} events/s from the queue, {:.0} % of 20,000. Each batch (up to {} messages by default, the events of about {} conversations interleaved) is one write transaction: every event parsed and hashed, its row, the conversations' summaries and filter features, the text indexes of user messages, the conversations' environments and, before and after, their event counts (for the live stream's announcements); RabbitMQ, the server and the database share the same 2 cores.",
            b.events_per_s,
            100.0 * b.events_per_s / target::BROKER_EPS,
            hindsight_server::broker::DEFAULT_BATCH,
            super::publisher::BACKLOG_INTERLEAVED
        ));
    }
    if latency_verdict(b) == mark(false) {
        out.push(format!(
            "event broker: publish → in the list p95 {:.0} ms, {:.1}× the 1 s target.",
            b.latency.p95,
            b.latency.p95 / target::BROKER_LATENCY_MS
        ));
    }
    if memory_verdict(b) == mark(false) {
        out.push(format!(
            "event broker: peak RSS {} while the backlog drained, over the 200 MB bound.",
            mb(b.peak_rss_mb)
        ));
    }
    out
}

/// One line for "What a reviewer waits for".
pub(crate) fn broker_wait_line(o: &mut String, backend: &str, b: &Result<BrokerResult, String>) {
    if let Ok(b) = b {
        let _ = writeln!(
            o,
            "- **{backend}**: a new conversation from Rasa's event broker is in the inbox p95 **{:.0} ms** (p50 {:.0} ms) after Rasa published its first event, at {:.0} events/s of live traffic.",
            b.latency.p95,
            b.latency.p50,
            b.live_rate_reached()
        );
    }
}

/// The "Live from Rasa's event broker" section of a backend.
pub(crate) fn broker_section(o: &mut String, b: &Result<BrokerResult, String>) {
    let _ = writeln!(o, "\n### Live from Rasa's event broker\n");
    let b = match b {
        Ok(b) => b,
        Err(why) => {
            let _ = writeln!(o, "The event broker figures: {why}.");
            return;
        }
    };
    let _ = writeln!(o, "A backlog of {} events of {} demo conversations ({} under way at once, interleaved as Rasa publishes them), each published as Rasa's `PikaEventBroker` does (the event with its `sender_id`, persistent, `app_id` = the environment) to a throwaway RabbitMQ with publisher confirms ({:.1} s), then drained by a fresh `hindsight serve --broker` into this database, which already holds the demo data. Then live traffic: new demo conversations ({} under way at once) at {:.0} events/s for {:.0} s, each event stamped with the time it was published; the bench watches `GET /api/stream` and, on each new conversation announced, reads the newest page of the live traffic's environment in `GET /api/conversations` until the conversation is in it (and reads that page every 250 ms regardless). Every event published was checked to be in the database (hand-written SQL).\n",
        b.backlog_events, b.backlog_conversations, super::publisher::BACKLOG_INTERLEAVED, b.publish_seconds,
        super::LIVE_INTERLEAVED, b.live_rate, b.live_seconds);
    let _ = writeln!(o, "| Figure | Measured | Target |\n|---|---:|---|");
    let _ = writeln!(
        o,
        "| Sustained from the queue (events stored per second, first commit to last) | **{:.0} events/s** ({:.1} s from the server's start to the last event stored) | ≥ 20,000 events/s {} |",
        b.events_per_s,
        b.drain_seconds,
        rate_verdict(b)
    );
    let _ = writeln!(
        o,
        "| Publish → in `GET /api/conversations`, each new live conversation | p50 {:.0} ms, **p95 {:.0} ms** ({} conversations, {} found through the stream; {} events in {:.1} s, {:.0} events/s) | p95 ≤ 1 s {} |",
        b.latency.p50,
        b.latency.p95,
        b.latency.runs,
        b.announced,
        b.live_events,
        b.live_seconds,
        b.live_rate_reached(),
        latency_verdict(b)
    );
    let _ = writeln!(
        o,
        "| Server memory while the backlog drained | peak **{}** (RSS {} at the first sample, {} when done) | bounded: ≤ 200 MB {} |",
        mb(b.peak_rss_mb),
        mb(b.rss_start_mb),
        mb(b.rss_end_mb),
        memory_verdict(b)
    );
}
