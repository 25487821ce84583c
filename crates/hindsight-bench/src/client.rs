//! The bench's HTTP side: a tiny keep-alive HTTP/1.1 client over a loopback socket (so what
//! is measured is the server, not a client library) and the child server
//! process (`<exe> serve`) it talks to.

use anyhow::{anyhow, bail, Context};
use serde_json::Value;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    pub(super) fn new(addr: &str) -> Self {
        Client {
            addr: addr.to_owned(),
            conn: None,
            token: None,
        }
    }

    /// One request; returns the status and the body.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> anyhow::Result<(u16, String)> {
        match self.try_request(method, path, body) {
            Ok(r) => Ok(r),
            // The server may close an idle keep-alive connection: retry once on a new one.
            Err(_) => {
                self.conn = None;
                self.try_request(method, path, body)
            }
        }
    }

    pub(super) fn try_request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> anyhow::Result<(u16, String)> {
        let mut buf = Vec::new();
        let status = self.exchange(method, path, body, &mut |bytes| {
            buf.extend_from_slice(bytes);
        })?;
        Ok((status, String::from_utf8(buf)?))
    }

    /// `GET path`, the body handed to `sink` piece by piece as it arrives (a streamed export
    /// is never held whole); returns the status.
    pub(super) fn get_streamed(
        &mut self,
        path: &str,
        sink: &mut dyn FnMut(&[u8]),
    ) -> anyhow::Result<u16> {
        self.exchange("GET", path, None, sink)
    }

    /// Sends one request and reads its answer, the body into `sink`.
    fn exchange(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
        sink: &mut dyn FnMut(&[u8]),
    ) -> anyhow::Result<u16> {
        let reused = self.conn.is_some();
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
            let _ = write!(
                head,
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            );
        }
        head.push_str("\r\n");
        head.push_str(body);
        conn.get_mut().write_all(head.as_bytes())?;

        let mut line = String::new();
        let read = conn.read_line(&mut line);
        if reused && matches!(read, Ok(0) | Err(_)) {
            // The server closed the idle kept-alive connection (actix after 5 s) before it read
            // the request: nothing was done, so send it again on a new connection.
            self.conn = None;
            return self.exchange(method, path, Some(body).filter(|b| !b.is_empty()), sink);
        }
        read?;
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
        // No body follows a 1xx, 204 or 304 (RFC 9112 §6.3), whatever the headers say: read
        // to the end, a `204 No Content` (a queue's `skip`) waited for actix to close the idle
        // connection, 5 s, and the next request was timed on a new connection.
        if (100..200).contains(&status) || status == 204 || status == 304 {
            (length, chunked) = (Some(0), false);
        }
        if chunked {
            let mut chunk = Vec::new();
            loop {
                line.clear();
                conn.read_line(&mut line)?;
                let n = usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16)?;
                chunk.resize(n + 2, 0);
                conn.read_exact(&mut chunk)?;
                if n == 0 {
                    break;
                }
                sink(&chunk[..n]);
            }
        } else if let Some(n) = length {
            let mut buf = vec![0; n];
            conn.read_exact(&mut buf)?;
            sink(&buf);
        } else {
            let mut buf = Vec::new();
            conn.read_to_end(&mut buf)?;
            sink(&buf);
            close = true;
        }
        if close {
            self.conn = None;
        }
        Ok(status)
    }

    pub(super) fn get_json(&mut self, path: &str) -> anyhow::Result<Value> {
        let (status, body) = self.request("GET", path, None)?;
        if status != 200 {
            bail!("GET {path}: {status} {body}");
        }
        Ok(serde_json::from_str(&body)?)
    }
}

/// The server under test: a child `<exe> serve` process.
pub(super) struct Server {
    pub(super) child: Child,
    pub(super) addr: String,
    /// The highest private memory read so far (every [`MEMORY_SAMPLE`]), in kB.
    peak_kb: Arc<AtomicU64>,
    /// Tells the memory sampler to stop.
    stop_sampling: Arc<AtomicBool>,
}

/// How often the server's memory is read for its peak.
const MEMORY_SAMPLE: Duration = Duration::from_millis(20);

impl Server {
    /// Starts `<exe> serve` on a free loopback port with `env` added (e.g. the event broker's
    /// settings; without them it consumes no broker, whatever the bench's own environment
    /// says) and waits until it answers.
    pub(super) fn start(
        exe: &Path,
        database_url: &str,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(exe)
            .args(["serve", "--bind", &addr, "--static-dir", "/nonexistent"])
            .env("HINDSIGHT_DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .env_remove("HINDSIGHT_BROKER_URL")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", exe.display()))?;
        let (peak_kb, stop_sampling) = sample_peak_memory(child.id());
        let mut server = Server {
            child,
            addr,
            peak_kb,
            stop_sampling,
        };
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

    /// Private resident memory ([`rss_mb`]) now and the highest read since the start (every
    /// 20 ms), in MB (Linux only).
    pub(super) fn memory_mb(&self) -> (Option<f64>, Option<f64>) {
        let now = rss_mb(self.child.id());
        let peak = self.peak_kb.load(Ordering::Relaxed) as f64 / 1024.0;
        (now, now.map(|n| n.max(peak)))
    }
}

/// Reads the private memory of process `pid` every [`MEMORY_SAMPLE`] on a thread of its own,
/// keeping the highest, until told to stop. (The kernel's high-water mark, `VmHWM`, counts
/// the database file's mapped pages too: see [`rss_mb`].)
fn sample_peak_memory(pid: u32) -> (Arc<AtomicU64>, Arc<AtomicBool>) {
    let peak_kb = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (peak, stopped) = (peak_kb.clone(), stop.clone());
    std::thread::spawn(move || {
        while !stopped.load(Ordering::Relaxed) {
            if let Some(mb) = rss_mb(pid) {
                peak.fetch_max((mb * 1024.0) as u64, Ordering::Relaxed);
            }
            std::thread::sleep(MEMORY_SAMPLE);
        }
    });
    (peak_kb, stop)
}

/// Private resident memory of process `pid` now, in MB (Linux only): what the process
/// allocated (`RssAnon`, with `RssShmem`), not the pages of files it maps. SQLite reads the
/// database through a memory map (`mmap_size`), and the mapped pages it touched are the
/// operating system's file cache, shared and given back under pressure, yet counted in
/// `VmRSS`: at a million conversations, after the inbox's views, 1,188 MB of them in a serving
/// process whose own memory was 19 MB.
pub(super) fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some(status_kb(&status, "RssAnon:")? + status_kb(&status, "RssShmem:").unwrap_or(0.0))
        .map(|kb| kb / 1024.0)
}

/// A `kB` field of a `/proc/PID/status` text.
fn status_kb(status: &str, name: &str) -> Option<f64> {
    status
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_sampling.store(true, Ordering::Relaxed);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
