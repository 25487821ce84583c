//! Bad input gets a JSON error naming what was wrong; the server keeps serving.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::rasa::*;

both_backends! {
    async fn invalid_filters_are_400s_naming_the_parameter(app: TestApp) {
        for (query, field) in [
            ("minimumConfidence=1.5", "minimumConfidence"),
            ("min_user_messages=-1", "min_user_messages"),
            ("review_status=finished", "review_status"),
            ("time_of_day=25:00-01:00", "time_of_day"),
            ("until=someday", "until"),
            ("limit=100000", "limit"),
            ("cursor=not-a-cursor", "cursor"),
            ("colour=red", "colour"),
            ("sort=random", "sort"),
        ] {
            let (status, body) = app.get(&format!("/api/conversations?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
            assert_eq!(body["error"]["code"], "invalid_parameter", "{query}");
            assert_eq!(body["error"]["field"], field, "{query}");
            assert!(body["error"]["message"].as_str().unwrap().contains(field), "{query}: {body}");
        }
    }

    async fn unknown_conversations_events_and_routes_are_404s(app: TestApp) {
        app.import(&json!([greeting("known", T0, "rest", 0.9, 0.9)])).await;
        for path in [
            "/api/conversations/nobody",
            "/api/conversations/nobody/tracker",
            "/api/conversations/known/events/999999/story",
            "/api/conversations/nobody/events/1/story",
            "/api/no/such/route",
        ] {
            let (status, body) = app.get(path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
            assert_eq!(body["error"]["code"], "not_found", "{path}");
        }
        let (status, body) = app.get("/api/conversations/known/events/abc/story").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }

    async fn malformed_ingest_is_400_with_nothing_written(app: TestApp) {
        let half_bad = json!([
            {"event": "user", "timestamp": T0, "text": "fine"},
            {"timestamp": T0 + 1.0, "text": "no type"}
        ]);
        let (status, body) = app.post_json("/api/conversations/x/events", &half_bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("event 1"), "{body}");
        for raw in ["{not json", "[1, 2]", "\"a string\"", ""] {
            let (status, body) = app.post_raw("/api/conversations/x/events", raw).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{raw}: {body}");
            assert_eq!(body["error"]["code"], "invalid_body");
        }
        let (status, _) = app.post_json("/api/trackers", &json!({"events": []})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "a tracker without sender_id");
        let (status, _) = app.post_json("/api/trackers", &json!({"sender_id": "y", "events": [{"event": 5}]})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = app.post_json(&format!("/api/conversations/{}/events", "z".repeat(300)), &json!([])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "over-long sender id");
        assert_eq!(app.get_ok("/api/conversations").await["total"], 0, "nothing was written");
    }

    // A missing table fails the same way on every retry: a 500 with a request id, no
    // Retry-After (a client must not loop on it), and no internal cause in the body.
    async fn a_deterministic_database_failure_is_500_and_the_server_keeps_serving(app: TestApp) {
        app.import(&json!([greeting("a", T0, "rest", 0.9, 0.9)])).await;
        {
            use diesel::connection::SimpleConnection;
            let mut conn = app.state.pool.get().unwrap();
            conn.batch_execute("DROP TABLE message_flags").unwrap();
            // Training data (issue 10), comments (issue 13) and PostgreSQL's text index table
            // refer to events too.
            conn.batch_execute("DROP TABLE message_annotations").unwrap();
            conn.batch_execute("DROP TABLE comment_mentions").unwrap();
            conn.batch_execute("DROP TABLE comments").unwrap();
            conn.batch_execute("DROP TABLE IF EXISTS user_messages").unwrap();
            conn.batch_execute("DROP TABLE events").unwrap();
        }
        let (status, body) = app.get("/api/conversations/a").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        assert_eq!(body["error"]["code"], "internal");
        let request_id = body["error"]["request_id"].as_str().expect("a request id");
        assert!(body["error"]["message"].as_str().unwrap().contains(request_id), "{body}");
        let text = body.to_string();
        assert!(!text.contains("events") && !text.contains("no such table"), "no internal cause leaks: {text}");
        assert_eq!(app.get_ok("/api/health").await["status"], "ok");
        // What needs no events table still answers.
        assert_eq!(app.count("").await, 1);
    }
}

#[test]
fn an_unknown_database_url_is_an_error_not_a_new_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oops.db");
    for url in [
        path.display().to_string(),
        format!("mysql://{}", path.display()),
        "sqlite://".into(),
        "sqlite://:memory:".into(),
    ] {
        let config = hindsight_server::config::Config {
            database_url: url.clone(),
            ..Default::default()
        };
        let err = hindsight_server::app::AppState::open(config)
            .err()
            .unwrap_or_else(|| panic!("{url} was accepted"));
        assert!(err.to_string().contains("sqlite://"), "{url}: {err}");
    }
    assert!(!path.exists(), "no SQLite file was created");
}
