//! PostgreSQL restarting under the server: 503 while it is down, full service soon after it
//! returns, no crash; the event broker's consumer keeps what arrives meanwhile queued and
//! stores it once the database is back. Each test runs its own throwaway cluster (the shared
//! one serves other tests).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use hindsight_server::broker;

use crate::amqp::{self, eventually, Publisher};
use crate::broker::{event_total, stored_events, with_sender};
use crate::harness::{TestApp, TestDb};
use crate::rasa::{self, T0};

/// A PostgreSQL cluster in a temporary directory, stopped and removed on drop.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

impl Cluster {
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs a PostgreSQL program as the `postgres` OS user when we are root (the server
    /// refuses to run as root), else as ourselves.
    fn run(bin: &Path, program: &str, args: &[&str]) {
        let exe = bin.join(program);
        let status = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .current_dir("/")
                .status()
        } else {
            Command::new(&exe).args(args).status()
        }
        .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(status.success(), "{program} {args:?} failed");
    }

    fn start_new() -> Cluster {
        let initdb = glob_initdb().expect("PostgreSQL's initdb (just test installs it)");
        let bin = initdb.parent().unwrap().to_owned();
        let dir = tempfile::tempdir().expect("temp dir");
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(ok.success());
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let cluster = Cluster { bin, dir, port };
        let data = cluster.data();
        let data = data.to_str().unwrap();
        Self::run(
            &cluster.bin,
            "initdb",
            &[
                "-D",
                data,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        cluster.start();
        cluster
    }

    fn start(&self) {
        let data = self.data();
        let log = self.dir.path().join("server.log");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        Self::run(
            &self.bin,
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    fn stop(&self) {
        let data = self.data();
        Self::run(
            &self.bin,
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-m",
                "fast",
                "-w",
                "-t",
                "60",
                "stop",
            ],
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let args = [
            "-D",
            data.to_str().unwrap(),
            "-m",
            "immediate",
            "-w",
            "stop",
        ];
        if is_root() {
            let _ = Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"))
                .args(args)
                .current_dir("/")
                .status();
        } else {
            let _ = Command::new(self.bin.join("pg_ctl")).args(args).status();
        }
    }
}

fn glob_initdb() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin/initdb"))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.pop()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarting_is_503_then_full_service() {
    let cluster = Cluster::start_new();
    let app = TestApp::start_on(TestDb::existing(cluster.url()), Default::default()).await;
    app.import(&json!([rasa::greeting("a", T0, "rest", 0.9, 0.9)]))
        .await;
    assert_eq!(app.get_ok("/api/conversations").await["total"], 1);

    cluster.stop();
    for path in ["/api/conversations", "/api/conversations/a"] {
        let (status, body) = app.get(path).await;
        assert_eq!(
            status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path} while down: {body}"
        );
        assert_eq!(body["error"]["code"], "service_unavailable", "{body}");
    }
    let (status, body) = app
        .post_json(
            "/api/conversations/a/events",
            &json!([rasa::user("lost?", "greet", 0.9, T0 + 50.0, "rest")]),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "a write while down: {body}"
    );

    cluster.start();
    let back = Instant::now();
    loop {
        let (status, body) = app.get("/api/conversations").await;
        if status == StatusCode::OK {
            assert_eq!(body["total"], 1);
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "not serving 5 s after PostgreSQL returned: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Writes work again, and the one refused while down was not half-written.
    let (status, body) = app
        .post_json(
            "/api/conversations/a/events",
            &json!([rasa::user("back", "greet", 0.9, T0 + 60.0, "rest")]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let detail = app.get_ok("/api/conversations/a").await;
    let texts: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert!(
        texts.contains(&"back") && !texts.contains(&"lost?"),
        "{texts:?}"
    );
}

/// Issue 16: with the database down the consumer stops acknowledging (RabbitMQ keeps the
/// messages), says so in its state, and once the database is back stores every message
/// once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_waits_out_postgres_and_loses_nothing() {
    let cluster = Cluster::start_new();
    let app = TestApp::start_on(TestDb::existing(cluster.url()), Default::default()).await;
    let settings = amqp::settings(&amqp::amqp_url());
    let publisher = Publisher::new(&settings).await;
    let consumer = broker::spawn(app.state.clone(), settings.clone()).unwrap();
    let message = |i: usize| with_sender("d1", rasa::bot(&format!("message {i}"), T0 + i as f64));
    for i in 0..10 {
        publisher.event(&message(i), Some("production")).await;
    }
    eventually("the first 10 events stored", || async {
        event_total(&app) == 10
    })
    .await;

    cluster.stop();
    for i in 10..30 {
        publisher.event(&message(i), Some("production")).await;
    }
    eventually("the consumer reports the database unavailable", || async {
        consumer.status.health().state == "database_unavailable"
    })
    .await;
    // Still waiting, and still not acknowledging, a moment later.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let waiting = consumer.status.health();
    assert_eq!(waiting.state, "database_unavailable", "{waiting:?}");
    assert_eq!(waiting.messages_stored, 10, "{waiting:?}");

    cluster.start();
    eventually(
        "all 30 events stored after the database returned",
        || async { app.get("/api/health").await.0 == StatusCode::OK && event_total(&app) >= 30 },
    )
    .await;
    eventually("the consumer consuming again", || async {
        consumer.status.health().state == "consuming"
    })
    .await;
    let stored = stored_events(&app, "d1");
    let texts: Vec<String> = stored
        .iter()
        .map(|raw| {
            serde_json::from_str::<serde_json::Value>(raw).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let expected: Vec<String> = (0..30).map(|i| format!("message {i}")).collect();
    assert_eq!(texts, expected, "every message once, in publishing order");
    assert_eq!(consumer.status.health().messages_stored, 30);
    consumer.stop();
}
