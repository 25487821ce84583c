//! The answers actix-web would write itself are in the JSON error shape too: a wrong
//! method on a served path (405 with `Allow`) and a body past the size limit (413).
//! The whole API against openapi.yaml is checked by schemathesis (`just contract`).

use std::collections::BTreeSet;

use hindsight_server::config::Config;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::{Db, TestApp};
use crate::openapi::{concrete, documented};

both_backends! {
    async fn wrong_methods_are_405_naming_the_allowed_ones(app: TestApp) {
        let mut by_path = std::collections::BTreeMap::<String, BTreeSet<String>>::new();
        for (method, path) in documented() {
            by_path.entry(path).or_default().insert(method);
        }
        for (path, allowed) in by_path {
            let wrong = ["PUT", "PATCH", "DELETE", "GET", "POST"]
                .into_iter()
                .find(|m| !allowed.contains(*m))
                .expect("some method is not served");
            let url = concrete(&path);
            let res = app.request(wrong.parse().unwrap(), &url).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{wrong} {path}");
            let allow: BTreeSet<String> = res.headers()["allow"]
                .to_str()
                .unwrap()
                .split(',')
                .map(|m| m.trim().to_owned())
                .collect();
            assert_eq!(allow, allowed, "Allow of {wrong} {path}");
            let body: Value = res.json().await.expect("a JSON body");
            assert_eq!(body["error"]["code"], "method_not_allowed", "{wrong} {path}: {body}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains(wrong) && message.contains(&url), "{message}");
        }
        // Not a served path at all: still 404.
        let (status, body) = app.send(app.request(Method::PUT, "/api/no/such/route")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(body["error"]["code"], "not_found");
    }
}

both_backends! {
    // `api_token` in the query string is a credential on every route, the inbox's strict
    // query parsing included (schemathesis sends it, as the spec's security allows).
    async fn an_api_token_in_the_query_is_not_an_unknown_filter(app: TestApp) {
        let mut app = app;
        app.import(&json!([crate::rasa::greeting("known", crate::rasa::T0, "rest", 0.9, 0.9)])).await;
        let token = hindsight_server::auth::new_api_token();
        {
            let mut conn = app.state.pool.get().unwrap();
            let hash = hindsight_server::auth::token_hash(&token);
            hindsight_server::db::users::create_token(&mut conn, "ci", &hash, "viewer", "tester")
                .unwrap();
        }
        let login = app.act_as(None);
        let listing = app.get_ok(&format!("/api/conversations?api_token={token}&channel=rest")).await;
        assert_eq!(listing["total"], 1, "{listing}");
        let count = app.get_ok(&format!("/api/conversations/count?channel=web&api_token={token}")).await;
        assert_eq!(count["total"], 0, "{count}");
        // With a header too, the query's token is still no filter.
        app.act_as(login);
        let count = app.get_ok("/api/conversations/count?api_token=whatever").await;
        assert_eq!(count["total"], 1, "{count}");
        let (status, body) = app.get("/api/conversations?apitoken=x").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["field"], "apitoken");
    }
}

async fn small_body_limit(db: Db) -> TestApp {
    let config = Config {
        max_body_mb: 1,
        ..Config::default()
    };
    TestApp::start_with(db, config).await
}

/// A body over the limit is a 413 in the JSON shape, whether the route reads it as bytes
/// (imports, flags) or as JSON (tags); nothing is written and the server keeps serving.
async fn oversized_bodies_are_413s_in_json(app: TestApp) {
    let big = format!("[{}]", vec!["{\"event\": \"user\"}"; 80_000].join(","));
    assert!(big.len() > 1024 * 1024);
    let tag = json!({ "value": "x".repeat(1024 * 1024 + 1), "color": "ff0000" }).to_string();
    for (method, path, body) in [
        (Method::POST, "/api/trackers", big.clone()),
        (Method::POST, "/api/conversations/c1/events", big.clone()),
        (
            Method::PUT,
            "/api/conversations/c1/events/1/flag",
            big.clone(),
        ),
        (Method::POST, "/api/tags", tag.clone()),
        (Method::POST, "/api/conversations/c1/tags", big),
    ] {
        let req = app
            .request(method.clone(), path)
            .header("content-type", "application/json")
            .body(body);
        let (status, body) = app.send(req).await;
        assert_eq!(
            status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{method} {path}: {body}"
        );
        assert_eq!(
            body["error"]["code"], "payload_too_large",
            "{method} {path}: {body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("HINDSIGHT_MAX_BODY_MB"),
            "{body}"
        );
    }
    assert_eq!(app.count("").await, 0);
    assert_eq!(app.get_ok("/api/conversations/tags").await, json!([]));
    app.get_ok("/api/health").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_413s_in_json_sqlite() {
    oversized_bodies_are_413s_in_json(small_body_limit(Db::Sqlite).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_413s_in_json_postgres() {
    oversized_bodies_are_413s_in_json(small_body_limit(Db::Postgres).await).await
}
