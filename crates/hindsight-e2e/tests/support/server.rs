//! The real Hindsight server, in-process, on a free port, against a fresh SQLite file with
//! the sample conversations, serving the release bundle of the web app.

use std::path::PathBuf;
use std::sync::mpsc;

use hindsight_server::app::{start_server, AppState};
use hindsight_server::broker::BrokerSettings;
use hindsight_server::config::{Config, ServeOptions};
use hindsight_server::ingest::IngestOptions;
use serde_json::Value;

use super::workspace;

/// The id of a conversation added to the samples: a `/`, space, `?`, `#`, `%` and an emoji.
pub const ODD_ID: &str = "zz/slash a?b#c%d😀";

/// The admin the tests log in as.
pub const ADMIN: (&str, &str) = ("e2e-admin", "e2e-admin-password");

/// A running server; stopped when dropped.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    handle: actix_web::dev::ServerHandle,
    _dir: tempfile::TempDir,
    /// A bearer token of the admin, for checks through the API.
    pub token: String,
    http: reqwest::Client,
    /// The event broker consumer, when started with one ([`Server::start_with_broker`]).
    consumer: Option<hindsight_server::broker::ConsumerHandle>,
}

/// The web app's bundle, which the browser loads; built by `just frontend-build`.
pub fn bundle_dir() -> PathBuf {
    let dist = workspace().join("frontend/dist");
    let built = std::fs::read_dir(&dist)
        .map(|d| {
            d.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "wasm"))
        })
        .unwrap_or(false);
    assert!(
        built && dist.join("index.html").is_file(),
        "the web app is not built: run `just frontend-build` first (`just test` does), \
         which writes the release bundle to {}",
        dist.display()
    );
    dist
}

impl Server {
    /// Starts the server with the samples loaded, an admin user, and the web app's bundle.
    pub async fn start() -> Server {
        Self::start_with(|_| {}).await
    }

    /// [`Server::start`], with `more` run on the database after the samples are in (more
    /// conversations, e.g. [`with_demo`]).
    pub async fn start_with(more: impl FnOnce(&mut hindsight_server::db::DbConnection)) -> Server {
        Self::start_full(more, None).await
    }

    /// [`Server::start`], consuming Rasa's events from RabbitMQ as `hindsight serve --broker`
    /// does, with the queue and exchange of `broker`.
    pub async fn start_with_broker(broker: BrokerSettings) -> Server {
        Self::start_full(|_| {}, Some(broker)).await
    }

    async fn start_full(
        more: impl FnOnce(&mut hindsight_server::db::DbConnection),
        broker: Option<BrokerSettings>,
    ) -> Server {
        let static_dir = bundle_dir();
        let dir = tempfile::tempdir().expect("temp dir");
        let config = Config {
            database_url: format!("sqlite://{}", dir.path().join("e2e.db").display()),
            pool_size: 4,
            ..Config::default()
        };
        let state = AppState::open(config).expect("open the database");
        {
            let mut conn = state.pool.get().expect("a connection");
            let samples = workspace().join("samples/trackers");
            let opts = IngestOptions::default();
            // One more conversation whose id holds every character a path must encode,
            // `/` included (its link must survive a reload).
            let odd = dir.path().join("odd-id");
            std::fs::create_dir_all(&odd).unwrap();
            let mut tracker: Value = serde_json::from_str(
                &std::fs::read_to_string(samples.join("19-rest-single-question.json")).unwrap(),
            )
            .unwrap();
            tracker["sender_id"] = Value::from(ODD_ID);
            std::fs::write(odd.join("odd.json"), tracker.to_string()).unwrap();
            let summary = hindsight_server::cli::import_files(
                &mut conn,
                &[samples, odd],
                &opts,
                false,
                false,
            )
            .expect("import the samples");
            assert!(
                summary.conversations_created >= 20,
                "samples imported: {summary:?}"
            );
            create_admin(&mut conn);
            more(&mut conn);
        }
        let consumer = broker.map(|b| {
            hindsight_server::broker::spawn(state.clone(), b).expect("start the broker consumer")
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let opts = ServeOptions {
                    bind: String::new(),
                    static_dir,
                    samples: None,
                };
                let server = start_server(state, &opts, listener).expect("start the server");
                tx.send(server.handle()).unwrap();
                let _ = server.await;
            })
        });
        let handle = rx.recv().expect("the server started");
        // Idle connections dropped after a second, before the server's 5 s keep-alive closes
        // them: reusing one it was closing failed a request on a loaded machine.
        let http = reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(1))
            .build()
            .expect("the test HTTP client");
        let answer = http
            .post(format!("{base}/api/auth"))
            .json(&serde_json::json!({"username": ADMIN.0, "password": ADMIN.1}))
            .send()
            .await
            .expect("POST /api/auth");
        let status = answer.status();
        let login: Value = answer.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "POST /api/auth: {status} {login}");
        let token = login["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {login}"))
            .to_owned();
        Server {
            base,
            handle,
            _dir: dir,
            token,
            http,
            consumer,
        }
    }

    /// A URL on the server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET` through the API as the admin.
    pub async fn get(&self, path: &str) -> Value {
        let res = self
            .http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("GET");
        assert!(res.status().is_success(), "GET {path}: {}", res.status());
        res.json().await.expect("JSON")
    }

    /// `POST` a JSON body through the API as the admin; must succeed.
    pub async fn post(&self, path: &str, body: &Value) -> Value {
        let res = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("POST");
        let status = res.status();
        let answer: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "POST {path}: {status} {answer}");
        answer
    }

    /// How many conversations match a filter query, per the API.
    pub async fn count(&self, filter_query: &str) -> i64 {
        self.get(&format!("/api/conversations/count?{filter_query}"))
            .await["total"]
            .as_i64()
            .unwrap()
    }
}

/// For [`Server::start_with`]: adds `n` demo conversations (`hindsight demo-data`, seed 7).
pub fn with_demo(n: u64) -> impl FnOnce(&mut hindsight_server::db::DbConnection) {
    move |conn| {
        hindsight_server::demo::load(conn, n, 7, &IngestOptions::default(), |_| {})
            .expect("load the demo conversations");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Stops consuming (waits for its thread).
        drop(self.consumer.take());
        // Stop accepting and let the worker thread end; don't wait for it.
        drop(self.handle.stop(false));
    }
}

/// Adds the admin through the server's own user store, with the server's own hash.
fn create_admin(conn: &mut hindsight_server::db::DbConnection) {
    let hash = hindsight_server::auth::hash_password(ADMIN.1).expect("hash the password");
    hindsight_server::db::users::create(conn, ADMIN.0, &hash, "admin")
        .expect("create the admin user");
}
