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
}

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
    pub(super) fn memory_mb(&self) -> (Option<f64>, Option<f64>) {
        let pid = self.child.id();
        (proc_status_mb(pid, "VmRSS:"), proc_status_mb(pid, "VmHWM:"))
    }
}

/// Resident memory of process `pid` now, in MB (Linux only).
pub(super) fn rss_mb(pid: u32) -> Option<f64> {
    proc_status_mb(pid, "VmRSS:")
}

/// A `kB` field of `/proc/PID/status`, in MB.
fn proc_status_mb(pid: u32, name: &str) -> Option<f64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
