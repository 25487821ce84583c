//! What the browser tests stand on: the real server on a free port with the samples loaded,
//! chromedriver driving Debian's Chromium headless, and polling helpers.

#![allow(dead_code)]

pub mod amqp;
pub mod axe;
pub mod browser;
pub mod server;

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Where screenshots go (`.ci/run` keeps `.ci/artifacts`).
pub fn screenshot_dir() -> PathBuf {
    let dir = workspace().join(".ci/artifacts/screenshots");
    std::fs::create_dir_all(&dir).expect("create .ci/artifacts/screenshots");
    dir
}

/// How long a wait may take before the test fails (generous: CI machines are shared).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Polls `probe` every 50 ms until it answers `Some`, or fails naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    eventually_or(what, String::new, probe).await
}

/// [`eventually`], whose failure also says what `last_seen` reports then (for instance the
/// text an element held), so a timeout shows what the page showed instead.
pub async fn eventually_or<T, F, Fut>(what: &str, last_seen: impl Fn() -> String, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        if start.elapsed() > PATIENCE {
            let seen = last_seen();
            if seen.is_empty() {
                panic!("timed out after {PATIENCE:?} waiting for {what}");
            }
            panic!("timed out after {PATIENCE:?} waiting for {what}; last seen: {seen}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Percent-encodes a conversation id for a URL path, as the app does.
pub fn path_segment(id: &str) -> String {
    let mut out = String::new();
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
