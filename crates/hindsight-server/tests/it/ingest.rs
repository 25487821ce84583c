//! Importing: idempotence, lossless events, files, JSON lines, strict mode, tracker stores.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use hindsight_server::db::DatabaseUrl;
use hindsight_server::ingest::{tracker_store, IngestOptions};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::{Db, TestApp, TestDb};
use crate::rasa::*;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trackers")
}

both_backends! {
    async fn importing_the_same_data_again_adds_nothing(app: TestApp) {
        let data = json!([greeting("a", T0, "rest", 0.9, 0.8), greeting("b", T0 + 5.0, "rest", 0.9, 0.8)]);
        let first = app.import(&data).await;
        assert_eq!(first["conversations_created"], 2);
        assert_eq!(first["events_added"], 10);
        let again = app.import(&data).await;
        assert_eq!(again["events_added"], 0);
        assert_eq!(again["events_skipped"], 10);
        assert_eq!(again["conversations_created"], 0);
        // A longer dump of the same conversation adds only what is new.
        let mut longer = greeting("a", T0, "rest", 0.9, 0.8);
        longer["events"].as_array_mut().unwrap().push(user("more", "inform", 0.4, T0 + 10.0, "rest"));
        let more = app.import(&longer).await;
        assert_eq!(more["events_added"], 1);
        assert_eq!(more["conversations_updated"], 1);
        let row = &app.get_ok("/api/conversations?sender_id=a").await["conversations"][0];
        assert_eq!(row["user_message_count"], 2);
        assert_eq!(row["min_intent_confidence"], 0.4);
        // Posting events one by one, as an event broker does, with a retry of the same event.
        let e = user("broker", "greet", 0.9, T0 + 20.0, "socketio");
        for _ in 0..2 {
            let (status, _) = app.post_json("/api/conversations/a/events", &e).await;
            assert!(status.is_success());
        }
        assert_eq!(app.get_ok("/api/conversations/a").await["events"].as_array().unwrap().len(), 7);
    }

    async fn events_come_back_unchanged_in_recorded_order(app: TestApp) {
        // Out-of-order timestamps, an unknown event type and odd number spellings.
        let raw = r#"{"sender_id":"odd","events":[{"event":"action","timestamp":1793613610.5,"name":"action_session_start","policy":null,"confidence":1.0},{"event":"user","timestamp":1793613600.25,"text":"early?","parse_data":{"intent":{"name":"ask","confidence":6.5e-1},"entities":[]},"input_channel":"rest"},{"event":"my_custom_event","timestamp":1793613605,"payload":{"nested":[1,2.50,"x"]}},{"event":"user","timestamp":1793613620,"text":"no intent","parse_data":{"entities":[]}}]}"#;
        let (status, body) = app.post_raw("/api/trackers", raw).await;
        assert!(status.is_success(), "{body}");
        let detail = app.get_ok("/api/conversations/odd").await;
        let events = detail["events"].as_array().unwrap();
        let types: Vec<&str> = events.iter().map(|e| e["type_name"].as_str().unwrap()).collect();
        assert_eq!(types, ["action", "user", "my_custom_event", "user"]);
        assert_eq!(events[1]["confidence"], 0.65);
        assert_eq!(events[3]["intent"], Value::Null);
        let ids: Vec<i64> = events.iter().map(|e| e["id"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "stable increasing ids");
        assert_eq!(detail["summary"]["first_event_at"], "2026-11-02T10:00:00.250Z");

        let res = app.request(reqwest::Method::GET, "/api/conversations/odd/tracker").send().await.unwrap();
        let exported = res.text().await.unwrap();
        let original_events = &raw[raw.find("\"events\":[").unwrap()..raw.len() - 1];
        assert!(exported.contains(original_events), "each event's text is kept byte for byte:\n{exported}");
        let tracker: Value = serde_json::from_str(&exported).unwrap();
        assert_eq!(tracker["sender_id"], "odd");
        // As Rasa: the channel of the latest user message, which names none here.
        assert_eq!(tracker["latest_input_channel"], Value::Null);
        assert_eq!(tracker["latest_message"]["text"], "no intent");

        // Re-importing the export elsewhere loses nothing.
        let other = TestApp::start(app_db(&app)).await;
        let (status, _) = other.post_raw("/api/trackers", exported.clone()).await;
        assert!(status.is_success());
        let again = other.request(reqwest::Method::GET, "/api/conversations/odd/tracker").send().await.unwrap().text().await.unwrap();
        assert_eq!(again, exported);
    }

    async fn fixture_trackers_of_every_kind_import(app: TestApp) {
        let mut trackers = Vec::new();
        for entry in std::fs::read_dir(fixtures()).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            trackers.push(serde_json::from_str::<Value>(&text).unwrap());
        }
        assert!(trackers.len() >= 10, "fixtures present");
        let summary = app.import(&Value::Array(trackers.clone())).await;
        let events: usize = trackers.iter().map(|t| t["events"].as_array().map_or(0, Vec::len)).sum();
        assert_eq!(summary["events_added"], events as u64, "every event of every type is kept");
        assert!(summary["problems"].as_array().unwrap().is_empty());
    }
}

fn app_db(app: &TestApp) -> Db {
    if app.db.url.starts_with("sqlite") {
        Db::Sqlite
    } else {
        Db::Postgres
    }
}

mod files_and_tracker_stores {
    use super::*;
    use hindsight_server::db::open_pool;

    fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn run_files(db: Db) {
        let target = TestDb::new(db);
        let pool = open_pool(&target.url, 2).unwrap();
        let mut conn = pool.get().unwrap();
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "a.json",
            &greeting("a", T0, "rest", 0.9, 0.9).to_string(),
        );
        let events: Vec<Value> = greeting("x", T0, "rest", 0.9, 0.9)["events"]
            .as_array()
            .unwrap()
            .clone();
        write(
            dir.path(),
            "conv42-dump.json",
            &Value::Array(events.clone()).to_string(),
        );
        let mut lines: Vec<String> = events
            .iter()
            .map(|e| {
                let mut e = e.clone();
                e["sender_id"] = json!("jl");
                e.to_string()
            })
            .collect();
        lines.insert(2, "{broken".into());
        write(dir.path(), "events.jsonl", &lines.join("\n"));
        let opts = IngestOptions::default();

        let strict = hindsight_server::cli::import_files(
            &mut conn,
            &[dir.path().to_owned()],
            &opts,
            true,
            false,
        );
        assert!(strict
            .unwrap_err()
            .to_string()
            .contains("nothing was imported"));
        let empty = hindsight_server::db::conversations::is_empty(&mut conn).unwrap();
        assert!(empty, "--strict wrote nothing");

        let summary = hindsight_server::cli::import_files(
            &mut conn,
            &[dir.path().to_owned()],
            &opts,
            false,
            false,
        )
        .unwrap();
        assert_eq!(summary.conversations_created, 3);
        assert_eq!(summary.events_added, 15);
        assert_eq!(summary.problems.len(), 1);
        let p = &summary.problems[0];
        assert!(
            p.source.ends_with("events.jsonl") && p.line == Some(3),
            "{p:?}"
        );
        assert!(p.reason.contains("invalid JSON"), "{p:?}");
        assert!(hindsight_server::db::conversations::find_live(&mut conn, "conv42").is_ok());
    }

    fn run_tracker_store(db: Db) {
        let target = TestDb::new(db);
        let pool = open_pool(&target.url, 2).unwrap();
        let mut conn = pool.get().unwrap();
        let store = TestDb::new(db);
        let mut source = DatabaseUrl::parse(&store.url).unwrap().connect().unwrap();
        let id_type = if db == Db::Sqlite {
            "INTEGER PRIMARY KEY"
        } else {
            "SERIAL PRIMARY KEY"
        };
        source.batch_execute(&format!(
            "CREATE TABLE events (id {id_type}, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
        )).unwrap();
        let insert = |source: &mut hindsight_server::db::DbConnection, sender: &str, e: &Value| {
            let data = e.to_string().replace('\'', "''");
            source.batch_execute(&format!(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('{sender}', '{}', {}, '{data}')",
                e["event"].as_str().unwrap(), e["timestamp"]
            )).unwrap();
        };
        for e in greeting("s1", T0, "rest", 0.9, 0.9)["events"]
            .as_array()
            .unwrap()
        {
            insert(&mut source, "s1", e);
        }
        for e in greeting("s2", T0, "rest", 0.9, 0.9)["events"]
            .as_array()
            .unwrap()
        {
            insert(&mut source, "s2", e);
        }
        let opts = IngestOptions::default();
        let first =
            tracker_store::import_tracker_store(&mut conn, &store.url, &opts, |_| {}).unwrap();
        assert_eq!((first.conversations_created, first.events_added), (2, 10));
        let nothing =
            tracker_store::import_tracker_store(&mut conn, &store.url, &opts, |_| {}).unwrap();
        assert_eq!(
            (nothing.events_added, nothing.events_skipped),
            (0, 0),
            "no row is read twice"
        );
        insert(
            &mut source,
            "s1",
            &user("later", "inform", 0.3, T0 + 99.0, "rest"),
        );
        insert(
            &mut source,
            "s3",
            &user("new one", "greet", 0.9, T0 + 100.0, "rest"),
        );
        let next =
            tracker_store::import_tracker_store(&mut conn, &store.url, &opts, |_| {}).unwrap();
        assert_eq!(
            (
                next.events_added,
                next.conversations_created,
                next.conversations_updated
            ),
            (2, 1, 1)
        );
        let row = hindsight_server::db::conversations::find_live(&mut conn, "s1")
            .unwrap()
            .expect("s1 is live");
        assert_eq!(row.user_message_count, 2);
    }

    #[test]
    fn files_folders_and_json_lines_sqlite() {
        run_files(Db::Sqlite)
    }
    #[test]
    fn files_folders_and_json_lines_postgres() {
        run_files(Db::Postgres)
    }
    #[test]
    fn tracker_store_imports_incrementally_sqlite() {
        run_tracker_store(Db::Sqlite)
    }
    #[test]
    fn tracker_store_imports_incrementally_postgres() {
        run_tracker_store(Db::Postgres)
    }
}

both_backends! {
    // Purging a conversation takes every row an import wrote for it, its entries in review
    // queues (PostgreSQL deletes both by statement-level triggers since migrations
    // `2026-12-06-000200` and `-000210`, not foreign keys) and what hangs off its events (a
    // flag), and leaves the other conversation's rows whole.
    async fn purged_conversations_leave_no_rows_behind(app: TestApp) {
        use hindsight_server::db::DbConnection;
        let with_slot = |sender: &str, at: f64| {
            let mut t = greeting(sender, at, "rest", 0.9, 0.8);
            t["events"].as_array_mut().unwrap().push(json!({"event": "slot", "timestamp": at + 3.0, "name": "city", "value": "Berlin"}));
            t
        };
        app.import(&json!([with_slot("gone", T0), with_slot("kept", T0 + 10.0)])).await;
        crate::queues::explicit(&app, "both", json!({}), &["gone".to_owned(), "kept".to_owned()]).await;
        let event = app.get_ok("/api/conversations/gone").await["events"][1]["id"].as_i64().unwrap();
        let flag = app.request(reqwest::Method::PUT, &format!("/api/conversations/gone/events/{event}/flag")).json(&json!({"note": "n"}));
        let (status, body) = app.send(flag).await;
        assert!(status.is_success(), "{body}");
        let tables = ["events", "conversation_features", "conversation_paths", "conversation_row_names", "message_flags", "queue_conversations"];
        let rows = |conn: &mut DbConnection, sender: &str| -> Vec<i64> {
            tables
                .iter()
                .map(|t| {
                    crate::harness::count_sql(
                        conn,
                        &format!("SELECT count(*) AS n FROM {t} WHERE conversation_id = (SELECT id FROM conversations WHERE sender_id = '{sender}')"),
                    )
                })
                .collect()
        };
        let mut conn = app.state.pool.get().unwrap();
        let gone_id = crate::harness::count_sql(&mut conn, "SELECT id AS n FROM conversations WHERE sender_id = 'gone'");
        let before = rows(&mut conn, "kept");
        assert!(rows(&mut conn, "gone").iter().all(|&n| n > 0), "every table holds rows of it: {:?}", rows(&mut conn, "gone"));
        drop(conn);
        let (status, _) = app.send(app.request(reqwest::Method::DELETE, "/api/conversations/gone")).await;
        assert_eq!(status, 204);
        let mut conn = app.state.pool.get().unwrap();
        assert_eq!(hindsight_server::db::triage::purge(&mut conn, 0).unwrap(), 1);
        for table in tables {
            let left = crate::harness::count_sql(&mut conn, &format!("SELECT count(*) AS n FROM {table} WHERE conversation_id = {gone_id}"));
            assert_eq!(left, 0, "{table} keeps rows of the purged conversation");
        }
        let texts = match conn.backend() {
            hindsight_server::db::Backend::Postgres => "SELECT count(*) AS n FROM user_messages",
            hindsight_server::db::Backend::Sqlite => "SELECT count(*) AS n FROM user_words",
        };
        assert_eq!(crate::harness::count_sql(&mut conn, texts), 1, "the kept conversation's one user message");
        assert_eq!(rows(&mut conn, "kept"), before);
        drop(conn);
        // Imported again, it is a new conversation with all its rows.
        app.import(&json!([with_slot("gone", T0)])).await;
        let mut conn = app.state.pool.get().unwrap();
        assert_eq!(rows(&mut conn, "gone")[..3], before[..3]);
    }
}

// PostgreSQL keeps no foreign key from an import's rows to their conversation (migration
// `2026-12-06-000200`): a conversation purged between the import reading it and writing its
// new events fails the import (a 503, retried by the client) instead of leaving events of no
// conversation. Here the purge holds its transaction open until the import waits on the row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_into_a_conversation_purged_meanwhile_leaves_no_orphans() {
    use crate::harness::count_sql;
    let app = TestApp::start(Db::Postgres).await;
    app.import(&json!([greeting("p", T0, "rest", 0.9, 0.8)]))
        .await;
    let mut purger = app.state.pool.get().unwrap();
    purger
        .batch_execute("BEGIN; DELETE FROM conversations WHERE sender_id = 'p'")
        .unwrap();
    let pool = app.state.pool.clone();
    let commit_once_waited_on = tokio::task::spawn_blocking(move || {
        crate::harness::await_lock_wait(&mut pool.get().unwrap());
        purger.batch_execute("COMMIT").unwrap();
    });
    let mut longer = greeting("p", T0, "rest", 0.9, 0.8);
    longer["events"]
        .as_array_mut()
        .unwrap()
        .push(user("more", "inform", 0.4, T0 + 10.0, "rest"));
    let (status, body) = app.post_json("/api/trackers", &longer).await;
    commit_once_waited_on.await.unwrap();
    assert_eq!(status, 503, "{body}");
    let mut conn = app.state.pool.get().unwrap();
    for table in [
        "events",
        "conversation_features",
        "conversation_paths",
        "conversation_row_names",
        "user_messages",
    ] {
        let orphans = format!(
            "SELECT count(*) AS n FROM {table} t WHERE NOT EXISTS \
             (SELECT 1 FROM conversations c WHERE c.id = t.conversation_id)"
        );
        assert_eq!(count_sql(&mut conn, &orphans), 0, "{table}");
    }
    drop(conn);
    // Sent again, it is a new conversation with every event.
    let again = app.import(&longer).await;
    assert_eq!(
        (
            again["conversations_created"].as_i64(),
            again["events_added"].as_i64()
        ),
        (Some(1), Some(6))
    );
}
