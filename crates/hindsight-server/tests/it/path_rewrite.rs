//! After an upgrade that needs the sequence filter's paths written, a large database is served
//! at once: sequence filters and the path explorer answer 503 saying how far the rewrite is,
//! everything else answers, imports go on, and once it is done every pattern finds what it
//! found before (and what was imported meanwhile). A training export scoped by a saved filter
//! with a pattern waits too, on the server and on the command line.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use hindsight_server::config::Config;
use hindsight_server::db::DbConnection;
use hindsight_server::service::training::{write_export, ExportKind, ExportQuery};
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::harness::{TestApp, TestDb};
use crate::rasa::*;

const T0: f64 = 1_700_000_000.0;

const PATTERNS: [&str; 4] = [
    "intent:greet",
    "slot:city=\"Berlin\"",
    "intent:greet > slot:city",
    "intent:bye",
];

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut found = Vec::new();
    for pattern in PATTERNS {
        let q: String = url::form_urlencoded::byte_serialize(pattern.as_bytes()).collect();
        found.push(app.count(&format!("seq={q}")).await);
    }
    found
}

/// Makes every insert of a path fail until [`release_paths`]: the rewrite keeps trying.
fn hold_paths(conn: &mut DbConnection) {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "CREATE TRIGGER hold_paths BEFORE INSERT ON conversation_paths \
             BEGIN SELECT RAISE(ABORT, 'held by the test'); END;"
        }
        DbConnection::Pg(_) => {
            "CREATE FUNCTION hold_paths() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'held by the test'; END $$; \
             CREATE TRIGGER hold_paths BEFORE INSERT ON conversation_paths \
             FOR EACH STATEMENT EXECUTE FUNCTION hold_paths();"
        }
    };
    conn.batch_execute(sql).unwrap();
}

fn release_paths(conn: &mut DbConnection) {
    let sql = match conn {
        DbConnection::Sqlite(_) => "DROP TRIGGER hold_paths;",
        DbConnection::Pg(_) => {
            "DROP TRIGGER hold_paths ON conversation_paths; DROP FUNCTION hold_paths();"
        }
    };
    conn.batch_execute(sql).unwrap();
}

both_backends! {
    async fn paths_are_written_in_the_background_while_the_server_serves(app: TestApp) {
        let t = T0;
        let trackers = json!([
            tracker("a", vec![user("hi", "greet", 0.9, t, "rest"), slot("city", json!("Berlin"), t + 1.0)]),
            tracker("b", vec![user("hello", "greet", 0.9, t + 10.0, "rest"), slot("city", json!("Paris"), t + 11.0)]),
            tracker("c", vec![user("bye", "bye", 0.9, t + 20.0, "rest")]),
        ]);
        app.import(&trackers).await;
        let before = counts(&app).await;
        assert_eq!(before, vec![2, 1, 2, 1]);
        let (status, saved) = app.post_json("/api/filters", &json!({"name": "greeted", "query": "seq=intent%3Agreet", "shared": true})).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        let nlu_of_filter = format!("/api/training-data/nlu?filter={}", saved["id"]);
        let export = ExportQuery { filter: saved["id"].as_i64(), ..ExportQuery::default() };

        // The database as an older version left it: paths of the previous format (here:
        // emptied), and writing them held back until the test lets it go on.
        {
            let mut conn = app.state.pool.get().unwrap();
            conn.batch_execute(
                "UPDATE conversation_paths SET steps = ''; \
                 UPDATE settings SET value = '1' WHERE key = 'sequence_paths_format'; \
                 DELETE FROM users WHERE username = 'tester';",
            )
            .unwrap();
            hold_paths(&mut conn);
        }
        // A server of this version on it, writing every path in the background.
        let config = Config { rewrite_paths_before_serving: 0, ..Config::default() };
        let upgraded = TestApp::start_on(TestDb::existing(app.db.url.clone()), config).await;

        let (status, body) = upgraded.get("/api/conversations?seq=intent%3Agreet").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"]["field"], "seq");
        assert!(body["error"]["message"].as_str().unwrap().contains("0 of 3 done"), "{body}");
        let (status, _) = upgraded.get("/api/conversations/count?seq=intent%3Agreet").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        let (status, _) = upgraded.get("/api/conversations/paths").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        let (status, body) = upgraded.get(&nlu_of_filter).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"]["field"], "seq", "{body}");
        let cli = write_export(&mut upgraded.state.pool.get().unwrap(), None, ExportKind::Nlu, &export);
        assert!(cli.as_ref().is_err_and(|e| e.to_string().contains("older format")), "{cli:?}");
        let health = upgraded.get_ok("/api/health").await;
        assert_eq!(health["status"], "degraded");
        assert_eq!(health["path_rewrite"], json!({"written": 0, "total": 3}));
        // Everything else answers, and imports go on (an event appended to `c`).
        assert_eq!(upgraded.count("").await, 3);
        // A substring, which SQLite may test against the paths, reads the messages meanwhile.
        let substring = "text=HELL&text_mode=substring";
        assert_eq!(upgraded.ids(substring).await, ["b"]);
        let tabs = upgraded.get_ok(&format!("/api/conversations/tab-counts?estimate=true&{substring}")).await;
        assert_eq!(tabs["all"], 1, "{tabs}");
        upgraded.import(&json!([tracker("c", vec![user("bye again", "bye", 0.9, t + 30.0, "rest")])])).await;

        release_paths(&mut upgraded.state.pool.get().unwrap());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let health = upgraded.get_ok("/api/health").await;
            if health["status"] == "ok" {
                assert!(health.get("path_rewrite").is_none(), "{health}");
                break;
            }
            assert!(Instant::now() < deadline, "the rewrite did not finish: {health}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(counts(&upgraded).await, before, "every pattern finds what it found before");
        let q: String = url::form_urlencoded::byte_serialize(b"intent:bye > intent:bye").collect();
        assert_eq!(upgraded.count(&format!("seq={q}")).await, 1, "the step imported meanwhile is in the path");
        let graph = upgraded.get_ok("/api/conversations/paths").await;
        assert!(graph.is_object(), "{graph}");
        let (status, _) = upgraded.get(&nlu_of_filter).await;
        assert_eq!(status, StatusCode::OK);
        assert!(write_export(&mut upgraded.state.pool.get().unwrap(), None, ExportKind::Nlu, &export).is_ok());
    }
}

/// A database loaded in bulk without a server (as the bench and scripts do) is new: its paths
/// are written by the load itself, and a server opening it has nothing to rewrite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_loaded_without_a_server_needs_no_rewrite() {
    let db = TestDb::new(crate::harness::Db::Sqlite);
    {
        let mut conn = hindsight_server::db::DatabaseUrl::parse(&db.url)
            .unwrap()
            .connect()
            .unwrap();
        hindsight_server::db::connection::run_migrations(&mut conn).unwrap();
        let ingest = hindsight_server::ingest::IngestOptions {
            timezone: chrono_tz::UTC,
            restore_deleted: false,
        };
        hindsight_server::demo::load(&mut conn, 50, 1, &ingest, |_| {}).unwrap();
    }
    let config = Config {
        rewrite_paths_before_serving: 0,
        ..Config::default()
    };
    let app = TestApp::start_on(db, config).await;
    let health = app.get_ok("/api/health").await;
    assert_eq!(health["status"], "ok", "{health}");
    assert!(app.count("seq=intent%3A*").await > 0);
}
