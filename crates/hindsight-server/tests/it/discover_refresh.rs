//! Discover refreshes itself (issue 15): a server with a refresh interval starts a run with
//! the latest finished run's settings and filter once conversations arrive after it, as
//! `refresh`, audited; and starts none while nothing arrives. Off, it says so.

use std::time::{Duration, Instant};

use hindsight_server::config::Config;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::discover::{conversation, run_to_end};
use crate::harness::{Db, TestApp};

/// Conversations `{prefix}0`… on `channel`, each with one message predicted `nlu_fallback`.
fn parcels(prefix: &str, channel: &str, n: usize) -> Value {
    (0..n)
        .map(|i| {
            let text = format!("where is my parcel number {i}");
            conversation(
                &format!("{prefix}{i}"),
                channel,
                1.0,
                &[(&text, "nlu_fallback", 0.9, "utter_x")],
            )
        })
        .collect()
}

/// Watches `GET /api/discover` for `span`: no run starts and the latest stays run `latest`.
async fn no_run_starts(app: &TestApp, latest: i64, span: Duration) {
    let end = Instant::now() + span;
    while Instant::now() < end {
        let result = app.get_ok("/api/discover").await;
        assert!(result["running"].is_null(), "{result}");
        assert_eq!(result["run"]["id"], latest, "{result}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, next) = app.get(&format!("/api/discover/runs/{}", latest + 1)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no run was started: {next}");
}

/// The `discover_run_started` audit rows, oldest first.
async fn starts_audited(app: &TestApp) -> Vec<Value> {
    let audit = app.get_ok("/api/audit").await;
    let mut rows: Vec<Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "discover_run_started")
        .cloned()
        .collect();
    rows.sort_by_key(|e| e["id"].as_i64());
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_refreshes_as_conversations_arrive() {
    for db in [Db::Sqlite, Db::Postgres] {
        let every = Config {
            discover_refresh_secs: 1,
            ..Config::default()
        };
        let app = TestApp::start_with(db, every).await;
        app.import(&parcels("p", "web", 5)).await;
        // Nothing to refresh before a first run: no run starts by itself.
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let result = app.get_ok("/api/discover").await;
        assert!(
            result["run"].is_null() && result["running"].is_null(),
            "{result}"
        );
        assert_eq!(result["refresh_every_secs"], 1, "{result}");

        // The team's choice: only the web channel.
        let settings = json!({"min_group_size": 2, "query": "channel=web"});
        let first = run_to_end(&app, settings).await;
        assert_eq!(
            (first["candidates"].as_i64(), first["automatic"].as_bool()),
            (Some(5), Some(false)),
            "{first}"
        );
        let first_id = first["id"].as_i64().unwrap();
        // Nothing arrived since: three ticks start nothing.
        no_run_starts(&app, first_id, Duration::from_millis(3_500)).await;

        // Three web conversations arrive, and one on a channel the filter leaves out.
        app.import(&parcels("q", "web", 3)).await;
        app.import(&parcels("t", "telegram", 1)).await;
        let deadline = Instant::now() + Duration::from_secs(60);
        let refreshed = loop {
            let result = app.get_ok("/api/discover").await;
            if result["run"]["id"] != first_id {
                break result["run"].clone();
            }
            assert!(
                Instant::now() < deadline,
                "no refresh run finished: {result}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(refreshed["started_by"], "refresh", "{refreshed}");
        assert_eq!(refreshed["automatic"], true, "{refreshed}");
        assert_eq!(
            refreshed["settings"], first["settings"],
            "the same settings and filter"
        );
        assert_eq!(
            refreshed["candidates"], 8,
            "the new web conversations' messages too: {refreshed}"
        );
        let audited = starts_audited(&app).await;
        assert_eq!(audited.len(), 2, "{audited:?}");
        assert_eq!(audited[1]["actor"], "refresh", "{audited:?}");
        assert_eq!(
            audited[1]["target"],
            format!("discover run {}", refreshed["id"]),
            "{audited:?}"
        );
        assert_eq!(audited[1]["after"], first["settings"], "{audited:?}");

        // Caught up: no further run while nothing arrives.
        no_run_starts(
            &app,
            refreshed["id"].as_i64().unwrap(),
            Duration::from_millis(3_500),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_refresh_off_says_so() {
    let off = Config {
        discover_refresh_secs: 0,
        ..Config::default()
    };
    let app = TestApp::start_with(Db::Sqlite, off).await;
    let result = app.get_ok("/api/discover").await;
    assert!(result["refresh_every_secs"].is_null(), "{result}");
    let default = TestApp::start(Db::Sqlite).await;
    let result = default.get_ok("/api/discover").await;
    assert_eq!(result["refresh_every_secs"], 900, "{result}");
}
