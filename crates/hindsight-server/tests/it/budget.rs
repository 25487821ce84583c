//! Bounds on expensive requests: the query time budget (a 503 `query_timeout`, after which the
//! server serves on), the `offset` cap and the shortest `text` filter.

use diesel::connection::SimpleConnection;
use diesel::Connection;
use hindsight_server::config::Config;
use hindsight_types::ConversationFilter;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::{Db, TestApp};
use crate::rasa::*;

/// Asserts a 400 naming `field` whose message says `says`.
async fn assert_refused(app: &TestApp, path: &str, field: &str, says: &str) {
    let (status, body) = app.get(path).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
    assert_eq!(body["error"]["code"], "invalid_parameter", "{path}: {body}");
    assert_eq!(body["error"]["field"], field, "{path}: {body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(says), "{path}: {message}");
}

both_backends! {
    async fn short_text_and_deep_offsets_are_refused(app: TestApp) {
        app.import(&json!([
            greeting("a", T0, "rest", 0.9, 0.9),
            tracker("z", vec![user("Grüße aus Zürich", "greet", 0.9, T0 + 10.0, "rest")]),
        ]))
        .await;
        for path in [
            "/api/conversations?text=a",
            "/api/conversations?text=ab",
            "/api/conversations/count?text=e",
            // Two characters of two bytes each: characters count, not bytes.
            "/api/conversations?text=%C3%BC%C3%9F",
        ] {
            assert_refused(&app, path, "text", "at least 3 characters").await;
        }
        // A saved filter cannot hold one either.
        let (status, body) = app
            .post_json("/api/filters", &json!({"name": "short", "query": "text=hi"}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        // Three characters, one of them two bytes, are served (and matched case-insensitively;
        // inside words as a substring, as whole words by default).
        assert_eq!(app.ids("text=%C3%9CRI&text_mode=substring").await, ["z"]);
        assert_eq!(app.ids("text=hel&text_mode=substring").await, ["a"]);
        assert_eq!(app.ids("text=AUS").await, ["z"]);

        assert_refused(&app, "/api/conversations?offset=10001", "offset", "cursor").await;
        let page = app.get_ok("/api/conversations?offset=10000").await;
        assert_eq!(page["conversations"], json!([]));
        assert_eq!(page["total"], 2);
        assert_eq!(app.ids("limit=1&offset=1").await, ["a"]);
    }
}

/// Asserts the 503 of a request stopped by the budget: the JSON error shape, no internal
/// cause, and no `Retry-After` (the same request would time out again).
async fn assert_query_timeout(app: &TestApp, path: &str) {
    let res = app
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
    assert!(res.headers().get("retry-after").is_none(), "{path}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "query_timeout", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("narrow the filter"), "{message}");
    for internal in ["hindsight:", "statement timeout", "canceling"] {
        assert!(!message.contains(internal), "{message}");
    }
}

/// After a budget stop the pooled connections still read and write.
async fn assert_serves_on(app: &TestApp) {
    // More requests than the pool has connections, so the stopped one is used again.
    for _ in 0..6 {
        let detail = app.get_ok("/api/conversations/a").await;
        assert_eq!(detail["summary"]["id"], "a");
    }
    app.import(&json!([greeting("after", T0 + 50.0, "rest", 0.9, 0.9)]))
        .await;
    let detail = app.get_ok("/api/conversations/after").await;
    assert_eq!(detail["summary"]["id"], "after");
    assert_eq!(app.count("sender_id=after").await, 1);
}

/// SQLite: a 1 ms budget and 200,000 conversations to count. The count visits every one of
/// them, each checking the request's deadline, so it is stopped; the same count outside a
/// request (the command line, the bench) has no budget and finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_query_over_its_budget_is_a_503_and_the_server_serves_on() {
    let config = Config {
        query_timeout_ms: 1,
        ..Config::default()
    };
    let app = TestApp::start_with(Db::Sqlite, config).await;
    app.import(&json!([greeting("a", T0, "rest", 0.9, 0.9)]))
        .await;
    let mut conn = app.state.pool.get().unwrap();
    conn.batch_execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) \
         INSERT INTO conversations (sender_id, first_event_at, latest_event_at, created_at, updated_at) \
         SELECT 'bulk-' || i, '2024-01-01 00:00:00', '2024-01-01 00:00:00', \
         '2024-01-01 00:00:00', '2024-01-01 00:00:00' FROM n",
    )
    .unwrap();
    // Counted from the conversations (the maintained counts follow the importer, not SQL).
    let all = ConversationFilter {
        min_user_messages: Some(0),
        ..ConversationFilter::default()
    };
    let total = hindsight_server::db::conversations::count(&mut conn, &all).unwrap();
    assert_eq!(total, 200_001);
    drop(conn);

    // A condition the maintained counts cannot answer, so every conversation is counted.
    assert_query_timeout(&app, "/api/conversations/count?min_user_messages=0").await;
    assert_query_timeout(&app, "/api/conversations?limit=5&min_user_messages=0").await;
    assert_serves_on(&app).await;
}

/// PostgreSQL: another session holds a lock on the conversations, so the count waits for it
/// past the 300 ms `statement_timeout` (a lock wait counts) and is cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_statement_over_its_budget_is_a_503_and_the_server_serves_on() {
    let config = Config {
        query_timeout_ms: 300,
        ..Config::default()
    };
    let app = TestApp::start_with(Db::Postgres, config).await;
    app.import(&json!([greeting("a", T0, "rest", 0.9, 0.9)]))
        .await;
    let mut locker = diesel::PgConnection::establish(&app.db.url).unwrap();
    locker
        .batch_execute("BEGIN; LOCK TABLE conversations IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    // A condition the maintained counts cannot answer, so the count reads the conversations.
    assert_query_timeout(&app, "/api/conversations/count?min_user_messages=0").await;
    assert_query_timeout(&app, "/api/conversations?limit=5").await;
    locker.batch_execute("ROLLBACK").unwrap();
    assert_eq!(app.count("").await, 1);
    assert_serves_on(&app).await;
}

/// PostgreSQL counts a sequence pattern in the server, reading the candidates' paths batch by
/// batch: the request's deadline stops it between batches (no statement runs long enough for
/// `statement_timeout`), and the error is the budget's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sequence_count_stops_at_the_request_deadline() {
    use hindsight_server::db::budget::{is_timeout, QueryBudget};
    let app = TestApp::start(Db::Postgres).await;
    app.import(&json!([greeting("a", T0, "rest", 0.9, 0.9)]))
        .await;
    let filter = ConversationFilter::from_query("seq=intent%3A*").unwrap();
    let mut conn = app.state.pool.get().unwrap();
    let count = hindsight_server::db::conversations::count;
    assert_eq!(count(&mut conn, &filter).unwrap(), 1);
    let budget = QueryBudget::start(Some(std::time::Duration::ZERO));
    let err = count(&mut conn, &filter).unwrap_err();
    assert!(is_timeout(&err.to_string()), "{err}");
    drop(budget);
    assert_eq!(count(&mut conn, &filter).unwrap(), 1);
}
