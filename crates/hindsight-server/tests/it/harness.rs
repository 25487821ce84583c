//! Runs the real server on a free port against a fresh database: a temp SQLite file, or a
//! new database on the PostgreSQL server `just test` starts (`HINDSIGHT_TEST_POSTGRES_URL`).

use std::sync::mpsc;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use hindsight_server::app::{start_server, AppState};
use hindsight_server::config::{Config, ServeOptions};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The HTTP client of the tests: an idle connection is dropped after a second, well before the
/// server's keep-alive (actix-web's 5 s) closes it. Reusing one the server was closing at that
/// moment failed a request with `IncompleteMessage` on a loaded machine (a test seeding the
/// database for seconds between two requests).
pub fn test_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .build()
        .expect("the test HTTP client")
}

/// Which backend a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A fresh database of either backend, dropped afterwards.
pub struct TestDb {
    pub url: String,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

fn postgres_admin_url() -> String {
    std::env::var("HINDSIGHT_TEST_POSTGRES_URL").expect(
        "HINDSIGHT_TEST_POSTGRES_URL is not set: run the tests with `just test`, which starts PostgreSQL",
    )
}

impl TestDb {
    pub fn new(db: Db) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match db {
            Db::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("hindsight.db").display());
                TestDb {
                    url,
                    _dir: dir,
                    pg: None,
                }
            }
            Db::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("hs_{}", uuid_like());
                let mut conn =
                    diesel::PgConnection::establish(&admin).expect("connect to PostgreSQL");
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create database");
                let url = match admin.rfind('/') {
                    Some(i) => format!("{}/{name}", &admin[..i]),
                    None => panic!("unexpected PostgreSQL URL {admin}"),
                };
                TestDb {
                    url,
                    _dir: dir,
                    pg: Some((admin, name)),
                }
            }
        }
    }
}

impl TestDb {
    /// A database the caller created and will remove (`url` must exist).
    pub fn existing(url: String) -> TestDb {
        TestDb {
            url,
            _dir: tempfile::tempdir().expect("temp dir"),
            pg: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg {
            if let Ok(mut conn) = diesel::PgConnection::establish(admin) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The running server and a client for it.
pub struct TestApp {
    pub db: TestDb,
    pub base: String,
    pub client: reqwest::Client,
    /// Bearer token sent with every request (set by `login`).
    pub token: Option<String>,
    pub state: AppState,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    /// Writes `conversations` demo conversations of `seed` through the normal ingest path,
    /// straight into the database (as `hindsight demo-data` does).
    pub fn load_demo(&self, conversations: u64, seed: u64) {
        let mut conn = self.state.pool.get().unwrap();
        let opts = hindsight_server::ingest::IngestOptions {
            timezone: chrono_tz::UTC,
            restore_deleted: false,
        };
        hindsight_server::demo::load(&mut conn, conversations, seed, &opts, |_| {}).unwrap();
    }

    pub async fn start(db: Db) -> TestApp {
        Self::start_with(db, Config::default()).await
    }

    pub async fn start_with(db: Db, config: Config) -> TestApp {
        Self::start_on(TestDb::new(db), config).await
    }

    /// Starts the server on a database prepared by the caller.
    pub async fn start_on(db: TestDb, config: Config) -> TestApp {
        let mut app = Self::serve(db, config).await;
        app.token = Some(app.user_token("tester", "admin").await);
        app
    }

    /// A second server on this one's database, as another process would be (its own pool
    /// and state), acting with this one's token.
    pub async fn second_server(&self) -> TestApp {
        let db = TestDb::existing(self.db.url.clone());
        let mut app = Self::serve(db, (*self.state.config).clone()).await;
        app.token = self.token.clone();
        app
    }

    async fn serve(db: TestDb, mut config: Config) -> TestApp {
        config.database_url = db.url.clone();
        config.pool_size = 4;
        let state = AppState::open(config).expect("open the database");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::channel();
        let server_state = state.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let opts = ServeOptions {
                    bind: String::new(),
                    static_dir: "/nonexistent".into(),
                    samples: None,
                };
                let server = start_server(server_state, &opts, listener).unwrap();
                tx.send(server.handle()).unwrap();
                let _ = server.await;
            })
        });
        let handle = rx.recv().unwrap();
        TestApp {
            db,
            base,
            client: test_client(),
            token: None,
            state,
            handle,
        }
    }

    /// Creates the user `name` with `role` directly in the database (password `pw-{name}`),
    /// logs in through `POST /api/auth` and returns the login token.
    pub async fn user_token(&self, name: &str, role: &str) -> String {
        let password = format!("pw-{name}");
        let hash = hindsight_server::auth::hash_password(&password).unwrap();
        let mut conn = self.state.pool.get().unwrap();
        hindsight_server::db::users::create(&mut conn, name, &hash, role).unwrap();
        drop(conn);
        let body = serde_json::json!({ "username": name, "password": password });
        let res = self
            .client
            .post(self.url("/api/auth"))
            .json(&body)
            .send()
            .await
            .expect("login");
        assert_eq!(res.status(), StatusCode::OK, "login as {name}");
        let body: Value = res.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// Sends later requests with `token` (None: anonymous); returns the previous token.
    pub fn act_as(&mut self, token: Option<String>) -> Option<String> {
        std::mem::replace(&mut self.token, token)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.client.request(method, self.url(path));
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// Sends a request; returns status and JSON body (Null when empty or not JSON).
    pub async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let res = req.send().await.expect("request");
        let status = res.status();
        // An event stream (`GET /api/stream`) never ends: its status is the answer.
        if is_event_stream(&res) {
            return (status, Value::Null);
        }
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        self.send(self.request(Method::POST, path).body(body)).await
    }

    /// GET that must succeed.
    pub async fn get_ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// Imports trackers through the API; must succeed.
    pub async fn import(&self, trackers: &Value) -> Value {
        let (status, body) = self.post_json("/api/trackers", trackers).await;
        assert_eq!(status, StatusCode::OK, "import: {body}");
        body
    }

    /// The number of conversations a listing query matches, from `/api/conversations/count`.
    pub async fn count(&self, query: &str) -> i64 {
        let body = self
            .get_ok(&format!("/api/conversations/count?{query}"))
            .await;
        body["total"]
            .as_i64()
            .unwrap_or_else(|| panic!("count?{query}: {body}"))
    }

    /// Every sender id a listing query matches, through its cursor pages of 500, sorted.
    pub async fn all_ids(&self, query: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/conversations?{query}&limit=500&total=false");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = self.get_ok(&path).await;
            out.extend(
                page["conversations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_str().unwrap().to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        out.sort();
        out
    }

    /// Sender ids of the first page of a listing query.
    pub async fn ids(&self, query: &str) -> Vec<String> {
        let body = self.get_ok(&format!("/api/conversations?{query}")).await;
        body["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the server thread ends with the test process.
        drop(self.handle.stop(false));
    }
}

/// Sends `requests` at once, each its own task, and asserts that every answer is a success,
/// a refusal a concurrent change explains (a trash of a conversation already in it, a restore
/// of a live one: 404, 409) or a retryable lock wait (503): never a server error. Returns how
/// many answered.
pub async fn send_at_once(requests: Vec<reqwest::RequestBuilder>) -> usize {
    let mut tasks = tokio::task::JoinSet::new();
    for req in requests {
        tasks.spawn(async move {
            let res = req.send().await.expect("request");
            (res.status(), res.text().await.unwrap_or_default())
        });
    }
    let mut done = 0;
    while let Some(r) = tasks.join_next().await {
        let (status, body) = r.unwrap();
        assert!(
            status.is_success()
                || status == StatusCode::NOT_FOUND
                || status == StatusCode::CONFLICT
                || status == StatusCode::SERVICE_UNAVAILABLE,
            "{status} {body}"
        );
        done += 1;
    }
    done
}

/// The single number a raw SQL query selects `AS n` (a count, an id): for checks of stored
/// rows that the API does not show.
pub fn count_sql(conn: &mut hindsight_server::db::DbConnection, sql: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Number {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<Number>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// Blocks until a session of this test's PostgreSQL database waits on a lock (20 s at most):
/// the moment a test holding a transaction open lets it go, having seen the other side wait.
pub fn await_lock_wait(conn: &mut hindsight_server::db::DbConnection) {
    // This test's database only: the cluster serves the other tests at the same time.
    let waiting = "SELECT count(*) AS n FROM pg_stat_activity \
                   WHERE datname = current_database() AND wait_event_type = 'Lock'";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while count_sql(conn, waiting) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "nothing ever waited on a lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Whether a response is a server-sent event stream (whose body never ends).
pub fn is_event_stream(res: &reqwest::Response) -> bool {
    res.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}

/// Declares a test that runs once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                async fn run($app: $crate::harness::TestApp) $body
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run($crate::harness::TestApp::start($crate::harness::Db::Sqlite).await).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    run($crate::harness::TestApp::start($crate::harness::Db::Postgres).await).await
                }
            }
        )*
    };
}
