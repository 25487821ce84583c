//! Live traffic at a steady rate, and how long each new conversation takes from Rasa's
//! publish to the inbox list (`GET /api/conversations`): the bench watches `GET /api/stream`
//! and confirms each announced conversation with the list itself.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use serde_json::Value;

use super::publisher::{confirmed, wire_body, Publisher, Traffic};
use crate::{stats, Client, Stats};

/// The environment (`app_id`) of the live traffic: the inbox filtered by it lists the live
/// conversations, newest first, and nothing of the demo data or the backlog.
pub(super) const LIVE_ENVIRONMENT: &str = "live-traffic";

/// The list the bench watches: the newest live conversations.
const LIST: &str = "/api/conversations?environment=live-traffic&limit=50&total=false";

/// How often the list is read when nothing was announced (a stream that missed something).
const BACKSTOP: Duration = Duration::from_millis(250);

/// How long an announced conversation is looked for in the list before it is left to the
/// backstop.
const MISSING: Duration = Duration::from_secs(5);

/// How long after the last publish a conversation may take to show before it counts as lost.
const GRACE: Duration = Duration::from_secs(30);

/// What the live traffic measured.
#[derive(Debug, Clone, Default)]
pub(super) struct Live {
    pub(super) events: u64,
    pub(super) conversations: u64,
    pub(super) seconds: f64,
    /// Publish of a conversation's first event → the conversation in the list, ms.
    pub(super) latency: Stats,
    /// Conversations confirmed in the list after `/api/stream` announced them.
    pub(super) announced: u64,
    /// Conversations published but never seen in the list.
    pub(super) missing: u64,
}

/// What the stream tells the checker.
enum Notice {
    Created(String),
    Resync,
}

/// Publishes `traffic` at `rate` events per second for `seconds` (each event stamped with
/// the time it is published) on `rt`, while the stream and the list are watched.
pub(super) fn measure_live(
    rt: &tokio::runtime::Runtime,
    publisher: &Publisher,
    addr: &str,
    token: Option<String>,
    rate: f64,
    seconds: f64,
    mut traffic: Traffic,
) -> anyhow::Result<Live> {
    let seen: Arc<Mutex<HashMap<String, (Instant, bool)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let (notices, announced) = mpsc::channel();
    let (ready_tx, ready) = mpsc::channel();
    let socket = TcpStream::connect(addr)?;
    socket.set_nodelay(true)?;
    let watcher = {
        let socket = socket.try_clone()?;
        let (addr, token) = (addr.to_owned(), token.clone());
        std::thread::spawn(move || watch(socket, &addr, token.as_deref(), ready_tx, notices))
    };
    if ready.recv_timeout(Duration::from_secs(30)).is_err() {
        let _ = socket.shutdown(Shutdown::Both);
        let why = watcher
            .join()
            .map_err(|_| anyhow!("the stream watcher panicked"))?;
        bail!("GET /api/stream did not open: {why:?}");
    }
    let checker = {
        let (seen, stop) = (seen.clone(), stop.clone());
        let mut client = Client::new(addr);
        client.token = token;
        let prefix = traffic.prefix();
        std::thread::spawn(move || check(&mut client, prefix, announced, &seen, &stop))
    };

    let rate = rate.max(0.001);
    let total = (rate * seconds).round().max(1.0) as u64;
    let mut published: HashMap<String, Instant> = HashMap::new();
    let started = Instant::now();
    let result = rt.block_on(async {
        let start = tokio::time::Instant::now();
        let mut confirms = Vec::with_capacity(total as usize);
        for k in 0..total {
            tokio::time::sleep_until(start + Duration::from_secs_f64(k as f64 / rate)).await;
            let Some(e) = traffic.next() else { break };
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs_f64();
            let body = wire_body(&e.sender, &e.event, LIVE_ENVIRONMENT, Some(now));
            if e.first {
                published.insert(e.sender.clone(), Instant::now());
            }
            // Rasa does not wait for a confirm before its next event: they are checked after.
            confirms.push(publisher.publish(&body, LIVE_ENVIRONMENT).await?);
        }
        for c in confirms {
            confirmed(c).await?;
        }
        anyhow::Ok(())
    });
    let seconds = started.elapsed().as_secs_f64();
    // Every published conversation seen, or the grace period over.
    let deadline = Instant::now() + GRACE;
    while result.is_ok() && Instant::now() < deadline {
        let all = {
            let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
            published.keys().all(|id| seen.contains_key(id))
        };
        if all {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    let _ = socket.shutdown(Shutdown::Both);
    let _ = watcher.join();
    checker
        .join()
        .map_err(|_| anyhow!("the list checker panicked"))??;
    result?;

    let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    let mut ms = Vec::new();
    let mut live = Live {
        events: total,
        conversations: published.len() as u64,
        seconds,
        ..Live::default()
    };
    for (id, at) in &published {
        match seen.get(id) {
            Some(&(shown, by_stream)) => {
                ms.push(shown.saturating_duration_since(*at).as_secs_f64() * 1e3);
                live.announced += u64::from(by_stream);
            }
            None => live.missing += 1,
        }
    }
    if ms.is_empty() {
        bail!("no live conversation was seen in the list");
    }
    live.latency = stats(ms);
    Ok(live)
}

/// Reads the list whenever the stream announced a new live conversation (one whose id starts
/// with `prefix`), and every [`BACKSTOP`] regardless, and notes when each live conversation
/// is first in it.
fn check(
    client: &mut Client,
    prefix: &str,
    announced: mpsc::Receiver<Notice>,
    seen: &Mutex<HashMap<String, (Instant, bool)>>,
    stop: &AtomicBool,
) -> anyhow::Result<()> {
    // Announced, not yet in the list: since when.
    let mut pending: HashMap<String, Instant> = HashMap::new();
    let mut last_read = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let wait = if pending.is_empty() {
            BACKSTOP.saturating_sub(last_read.elapsed())
        } else {
            Duration::from_millis(5)
        };
        let mut notices: Vec<Notice> = announced.recv_timeout(wait).into_iter().collect();
        notices.extend(announced.try_iter());
        {
            let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
            for n in notices {
                // A resync (this client fell behind the stream) needs no more than the list.
                // Only the live traffic's: on PostgreSQL the announcements of the backlog's
                // last batches can still arrive after the stream opened, and such a
                // conversation is never in the live list (it would keep the list read every
                // 5 ms for MISSING, finding live conversations before their announcements).
                if let Notice::Created(id) = n {
                    if id.starts_with(prefix) && !seen.contains_key(&id) {
                        pending.entry(id).or_insert_with(Instant::now);
                    }
                }
            }
        }
        // An announced conversation the list never shows is left to the backstop.
        pending.retain(|_, since| since.elapsed() < MISSING);
        if pending.is_empty() && last_read.elapsed() < BACKSTOP {
            continue;
        }
        let page = client.get_json(LIST)?;
        let now = Instant::now();
        last_read = now;
        let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
        for c in page["conversations"].as_array().into_iter().flatten() {
            if let Some(id) = c["id"].as_str() {
                let by_stream = pending.remove(id).is_some();
                seen.entry(id.to_owned()).or_insert((now, by_stream));
            }
        }
    }
    Ok(())
}

/// Reads `GET /api/stream` (server-sent events, usually chunked): says `ready` once open,
/// then passes on each created live conversation and each `resync`. Ends when the socket is
/// shut down.
fn watch(
    socket: TcpStream,
    addr: &str,
    token: Option<&str>,
    ready: mpsc::Sender<()>,
    notices: mpsc::Sender<Notice>,
) -> anyhow::Result<()> {
    let mut head =
        format!("GET /api/stream HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    head.push_str("\r\n");
    (&socket).write_all(head.as_bytes())?;
    let mut r = BufReader::new(socket);
    let mut line = String::new();
    r.read_line(&mut line)?;
    if line.split_whitespace().nth(1) != Some("200") {
        bail!("GET /api/stream: {}", line.trim());
    }
    let mut chunked = false;
    loop {
        line.clear();
        r.read_line(&mut line)?;
        let l = line.trim_end().to_ascii_lowercase();
        if l.is_empty() {
            break;
        }
        chunked |= l.starts_with("transfer-encoding:") && l.contains("chunked");
    }
    let mut text = String::new();
    loop {
        if chunked {
            line.clear();
            if r.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let n = usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16)?;
            if n == 0 {
                return Ok(());
            }
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk)?;
            text.push_str(std::str::from_utf8(&chunk[..n])?);
        } else {
            line.clear();
            if r.read_line(&mut line)? == 0 {
                return Ok(());
            }
            text.push_str(&line);
        }
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let mut name = "message";
            let mut data = "";
            for l in block.lines() {
                if let Some(v) = l.strip_prefix("event: ") {
                    name = v;
                } else if let Some(v) = l.strip_prefix("data: ") {
                    data = v;
                }
            }
            let notice = match name {
                "ready" => {
                    let _ = ready.send(());
                    continue;
                }
                "resync" => Notice::Resync,
                "conversation" => {
                    let change: Value = serde_json::from_str(data)?;
                    match (change["change"].as_str(), change["id"].as_str()) {
                        (Some("created"), Some(id)) => Notice::Created(id.to_owned()),
                        _ => continue,
                    }
                }
                _ => continue,
            };
            if notices.send(notice).is_err() {
                return Ok(());
            }
        }
    }
}
