//! Issue 10's conversation export: `GET /api/conversations/export` of every live conversation
//! as JSON lines, streamed, timed and counted, with the server's memory watched meanwhile.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use std::fmt::Write as _;

use anyhow::bail;

use super::*;
use crate::report::{mark, ms, target};

/// The export path: JSON lines, no events (the export's default).
const PATH: &str = "/api/conversations/export?format=jsonl";
/// How often the server's resident memory is read during a download.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);

/// The conversation export figures of one backend.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ConversationExport {
    /// Lines of each download: one per live conversation (checked once: each id once, and
    /// as many as the count says).
    pub conversations: u64,
    /// Bytes of each download.
    pub bytes: u64,
    /// The whole download, first byte asked to last byte read.
    pub download: Stats,
    /// The server's resident memory before the first download (its serving figure), MB.
    pub rss_before_mb: f64,
    /// The highest resident memory read while downloading (every 20 ms), MB.
    pub rss_during_mb: f64,
}

impl ConversationExport {
    /// Conversations per second of the slowest timed download (p95).
    pub fn rate(&self) -> f64 {
        self.conversations as f64 / (self.download.p95 / 1e3).max(1e-9)
    }
}

/// Downloads the export once to check it (untimed: every live conversation exactly once),
/// then `runs` times timed, reading the server's memory throughout.
pub(super) fn measure_conversation_export(
    client: &mut Client,
    server: &Server,
    runs: usize,
    mismatches: &mut Vec<String>,
) -> anyhow::Result<ConversationExport> {
    let total = client.get_json("/api/conversations/count")?["total"]
        .as_i64()
        .unwrap_or(-1);
    let mut r = ConversationExport {
        rss_before_mb: server.memory_mb().0.unwrap_or(0.0),
        ..ConversationExport::default()
    };
    let peak = std::sync::Mutex::new(r.rss_before_mb);
    let done = AtomicBool::new(false);
    let pid = server.child.id();
    std::thread::scope(|s| -> anyhow::Result<()> {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                if let Some(mb) = rss_mb(pid) {
                    let mut p = peak.lock().unwrap_or_else(|e| e.into_inner());
                    *p = p.max(mb);
                }
                std::thread::sleep(SAMPLE_EVERY);
            }
        });
        let result = download_all(client, runs, total, &mut r, mismatches);
        done.store(true, Ordering::Relaxed);
        result
    })?;
    r.rss_during_mb = peak.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(r)
}

fn download_all(
    client: &mut Client,
    runs: usize,
    total: i64,
    r: &mut ConversationExport,
    mismatches: &mut Vec<String>,
) -> anyhow::Result<()> {
    // The check: the whole file kept, each line's id read.
    let mut file = Vec::new();
    let status = client.get_streamed(PATH, &mut |b| file.extend_from_slice(b))?;
    if status != 200 {
        bail!("GET {PATH}: {status} {}", String::from_utf8_lossy(&file));
    }
    r.bytes = file.len() as u64;
    let mut ids = HashSet::new();
    for line in file.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_slice(line)?;
        let id = v["id"].as_str().unwrap_or_default().to_owned();
        if !ids.insert(id) {
            mismatches.push(format!(
                "conversation export: {} is in the file twice",
                v["id"]
            ));
        }
    }
    r.conversations = ids.len() as u64;
    if r.conversations as i64 != total {
        mismatches.push(format!(
            "conversation export: {} conversations, the count says {total}",
            r.conversations
        ));
    }
    drop(file);

    // The timed downloads: bytes and lines counted as they arrive, nothing kept.
    let mut ms = Vec::with_capacity(runs.max(1));
    for _ in 0..runs.max(1) {
        let (mut bytes, mut lines) = (0u64, 0u64);
        let t = Instant::now();
        let status = client.get_streamed(PATH, &mut |b| {
            bytes += b.len() as u64;
            lines += b.iter().filter(|&&c| c == b'\n').count() as u64;
        })?;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        if status != 200 || bytes != r.bytes || lines != r.conversations {
            bail!(
                "GET {PATH}: {status}, {lines} lines of {bytes} bytes; the checked download had {} of {}",
                r.conversations,
                r.bytes
            );
        }
    }
    r.download = stats(ms);
    Ok(())
}

/// The export's verdict: the target speaks of a million conversations; a smaller run's rate
/// is indicative. Memory holds when the download did not raise the server's resident
/// memory by more than a tenth over its serving figure.
fn verdicts(e: &ConversationExport) -> (&'static str, bool) {
    let rate = if e.conversations < target::EXPORT_CONVERSATIONS {
        "indicative: fewer than 1,000,000 conversations"
    } else {
        mark(e.rate() >= target::EXPORT_PER_S)
    };
    (rate, e.rss_during_mb <= e.rss_before_mb * 1.1)
}

/// The conversation export's rows of the targets table.
pub(crate) fn export_rows(o: &mut String, b: &str, e: &ConversationExport) {
    let (rate, memory) = verdicts(e);
    let _ = writeln!(
        o,
        "| Conversation export ≥ 20,000 conversations/s at 1,000,000 | {b} | {:.0}/s for {} conversations | {rate} |",
        e.rate(),
        e.conversations
    );
    let _ = writeln!(
        o,
        "| Conversation export: memory stays at its serving figure | {b} | {:.0} MB before, {:.0} MB at most during | {} |",
        e.rss_before_mb,
        e.rss_during_mb,
        mark(memory)
    );
}

/// The conversation export's misses, each with how much.
pub(crate) fn export_misses(e: &ConversationExport) -> Vec<String> {
    let (rate, memory) = verdicts(e);
    let mut out = Vec::new();
    if rate == mark(false) {
        out.push(format!(
            "conversation export {:.0} conversations/s, {:.0} % of the 20,000 target.",
            e.rate(),
            100.0 * e.rate() / target::EXPORT_PER_S
        ));
    }
    if !memory {
        out.push(format!(
            "the conversation export raised the server's memory from {:.0} MB to {:.0} MB.",
            e.rss_before_mb, e.rss_during_mb
        ));
    }
    out
}

/// The conversation export's figures in a backend's section.
pub(crate) fn export_section(o: &mut String, e: &ConversationExport) {
    let _ = writeln!(o, "\n### Conversation export\n");
    let _ = writeln!(
        o,
        "`GET {PATH}`: every live conversation, one JSON line each ({} lines, {:.1} MB), read as it streams; the first download was checked (every id once, as many as `/api/conversations/count`) and not timed. Download p50 / p95 {} ms: **{:.0} conversations/s** at p95. The server's resident memory was {:.0} MB before and at most {:.0} MB during the downloads (read every 20 ms).",
        e.conversations,
        e.bytes as f64 / 1e6,
        ms(&e.download),
        e.rate(),
        e.rss_before_mb,
        e.rss_during_mb
    );
}
