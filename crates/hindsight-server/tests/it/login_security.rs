//! The login door and its surroundings: rate limits, body limit, token revocation, API tokens
//! as their own principals, `?api_token=` on the inbox, the JWT secret's length, and the
//! security headers on every response.

use hindsight_server::app::{start_server, AppState};
use hindsight_server::config::{Config, ServeOptions};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::{Db, TestApp, TestDb};
use crate::rasa;

/// Creates `name` with `role` and the password `pw-{name}` in the database, without logging in.
fn add_user(app: &TestApp, name: &str, role: &str) {
    let hash = hindsight_server::auth::hash_password(&format!("pw-{name}")).unwrap();
    let mut conn = app.state.pool.get().unwrap();
    hindsight_server::db::users::create(&mut conn, name, &hash, role).unwrap();
}

async fn login(app: &TestApp, name: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/auth"))
        .json(&json!({"username": name, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn as_token(
    app: &mut TestApp,
    token: &str,
    method: Method,
    path: &str,
) -> (StatusCode, Value) {
    let previous = app.act_as(Some(token.to_owned()));
    let out = app.send(app.request(method, path)).await;
    app.act_as(previous);
    out
}

fn limited(per_user: u32, per_address: u32) -> Config {
    Config {
        login_attempts_per_user: per_user,
        login_attempts_per_address: per_address,
        login_window_secs: 60,
        ..Config::default()
    }
}

/// Checks a 429: JSON error `rate_limited` and a `Retry-After` of 1..=60 seconds.
async fn assert_limited(res: reqwest::Response) {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("try again"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_username_is_limited_and_then_refused_even_with_the_right_password() {
    let app = TestApp::start_with(Db::Sqlite, limited(3, 1000)).await;
    add_user(&app, "victim", "reviewer");
    for _ in 0..3 {
        let res = login(&app, "victim", "guess").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert_limited(login(&app, "victim", "pw-victim").await).await;
    assert_limited(login(&app, "victim", "pw-victim").await).await;
    // Another user from the same address is not affected.
    add_user(&app, "bystander", "viewer");
    assert_eq!(
        login(&app, "bystander", "pw-bystander").await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_is_limited_across_usernames() {
    // The harness logged `tester` in once already: one of the four.
    let app = TestApp::start_with(Db::Sqlite, limited(1000, 4)).await;
    for name in ["ghost-1", "ghost-2", "ghost-3"] {
        assert_eq!(
            login(&app, name, "x").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_limited(login(&app, "tester", "pw-tester").await).await;
    // Tokens already issued keep working: the limit is on logging in.
    assert_eq!(app.get("/api/me").await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_limits_let_a_normal_test_run_through() {
    let app = TestApp::start(Db::Sqlite).await;
    add_user(&app, "typo", "viewer");
    for _ in 0..5 {
        assert_eq!(
            login(&app, "typo", "wrong").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login(&app, "typo", "pw-typo").await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_login_body_is_a_json_413() {
    let app = TestApp::start(Db::Sqlite).await;
    let big = json!({"username": "tester", "password": "x".repeat(10_000)});
    let res = app
        .client
        .post(app.url("/api/auth"))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large", "{body}");
    // Under the limit, a malformed body is still a 400 naming the body.
    let (status, body) = app.post_raw("/api/auth", "{\"username\": 1}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_body");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_jwt_secret_is_refused_at_start() {
    let db = TestDb::new(Db::Sqlite);
    let config = Config {
        database_url: db.url.clone(),
        jwt_secret: Some("too-short-a-secret".into()),
        ..Config::default()
    };
    let err = AppState::open(config)
        .err()
        .expect("a short secret is refused");
    let message = err.to_string();
    assert!(
        message.contains("JWT secret") && message.contains("32"),
        "{message}"
    );
    let config = Config {
        database_url: db.url.clone(),
        jwt_secret: Some("x".repeat(32)),
        ..Config::default()
    };
    assert!(AppState::open(config).is_ok());
}

fn assert_security_headers(res: &reqwest::Response) -> String {
    let h = res.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    let csp = h["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let script_src = csp
        .split("; ")
        .find(|d| d.starts_with("script-src"))
        .unwrap();
    assert!(!script_src.contains("'unsafe-inline'"), "{csp}");
    csp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::start(Db::Sqlite).await;
    for path in ["/", "/api/health", "/api/conversations", "/api/nowhere"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_security_headers(&res);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_apps_inline_loader_is_allowed_by_its_hash_only() {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let dist = tempfile::tempdir().unwrap();
    let loader = "\nimport init from '/app.js';\nawait init();\n";
    std::fs::write(
        dist.path().join("index.html"),
        format!("<!DOCTYPE html><html><head><script type=\"module\">{loader}</script></head><body></body></html>"),
    )
    .unwrap();
    let db = TestDb::new(Db::Sqlite);
    let config = Config {
        database_url: db.url.clone(),
        ..Config::default()
    };
    let state = AppState::open(config).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let opts = ServeOptions {
        bind: String::new(),
        static_dir: dist.path().to_owned(),
        samples: None,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = start_server(state, &opts, listener).unwrap();
            tx.send(server.handle()).unwrap();
            let _ = server.await;
        })
    });
    let handle = rx.recv().unwrap();
    for path in ["/", "/conversations/abc"] {
        let res = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let csp = assert_security_headers(&res);
        let hash =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(loader.as_bytes()));
        assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
        assert!(res.text().await.unwrap().contains(loader));
    }
    handle.stop(false).await;
}

both_backends! {
    async fn a_password_change_ends_the_users_login_tokens(app: TestApp) {
        let mut app = app;
        let old = app.user_token("pat", "reviewer").await;
        let other = app.user_token("pam", "reviewer").await;
        assert_eq!(as_token(&mut app, &old, Method::GET, "/api/me").await.0, StatusCode::OK);
        let (status, _) = app.send(app.request(Method::PATCH, "/api/users/pat").json(&json!({"password": "a-new-password"}))).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = as_token(&mut app, &old, Method::GET, "/api/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"]["code"], "unauthorized");
        // Other users' tokens live on; a new login works at once.
        assert_eq!(as_token(&mut app, &other, Method::GET, "/api/me").await.0, StatusCode::OK);
        let res = login(&app, "pat", "a-new-password").await;
        assert_eq!(res.status(), StatusCode::OK);
        let new = res.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();
        assert_eq!(as_token(&mut app, &new, Method::GET, "/api/me").await.0, StatusCode::OK);
        // A role change alone keeps the token (the role is read per request anyway).
        let (status, _) = app.send(app.request(Method::PATCH, "/api/users/pat").json(&json!({"role": "viewer"}))).await;
        assert_eq!(status, StatusCode::OK);
        let (status, me) = as_token(&mut app, &new, Method::GET, "/api/me").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["role"], "viewer");
    }

    async fn a_removed_and_recreated_user_is_not_reachable_with_the_old_token(app: TestApp) {
        let mut app = app;
        let old = app.user_token("rob", "reviewer").await;
        let (status, _) = app.send(app.request(Method::DELETE, "/api/users/rob")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        // Same name, same role: still a different user.
        let (status, body) = app.post_json("/api/users", &json!({"username": "rob", "password": "pw-rob-again", "role": "reviewer"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = as_token(&mut app, &old, Method::GET, "/api/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(login(&app, "rob", "pw-rob-again").await.status(), StatusCode::OK);
        let audit = app.get_ok("/api/audit").await;
        let removed = audit.as_array().unwrap().iter().find(|a| a["action"] == "user_removed").unwrap();
        assert_eq!(removed["before"]["role"], "reviewer", "{removed}");
    }

    async fn an_api_token_named_like_a_user_is_not_that_user(app: TestApp) {
        let mut app = app;
        let alice = app.user_token("alice", "reviewer").await;
        let admin = app.act_as(Some(alice));
        let (status, private) = app.post_json("/api/filters", &json!({"name": "mine", "query": "channel=rest", "shared": false})).await;
        assert_eq!(status, StatusCode::OK, "{private}");
        let id = private["id"].as_i64().unwrap();
        app.act_as(admin);
        for role in ["reviewer", "admin"] {
            let (status, created) = app.post_json("/api/tokens", &json!({"name": "alice", "role": role})).await;
            assert_eq!(status, StatusCode::OK, "{created}");
            let token = created["token"].as_str().unwrap().to_owned();

            let (_, me) = as_token(&mut app, &token, Method::GET, "/api/me").await;
            assert_eq!(me["username"], "token:alice");
            let (status, filters) = as_token(&mut app, &token, Method::GET, "/api/filters").await;
            assert_eq!(status, StatusCode::OK);
            assert!(!filters.to_string().contains("\"mine\""), "{role} token sees alice's private filter: {filters}");
            let previous = app.act_as(Some(token.clone()));
            let (status, body) = app.send(app.request(Method::PUT, &format!("/api/filters/{id}")).json(&json!({"name": "stolen", "query": "", "shared": true}))).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{role} token edited alice's filter: {body}");
            let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/filters/{id}"))).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            // What the token saves is its own, and the audit trail names the token.
            let (status, own) = app.post_json("/api/filters", &json!({"name": format!("{role}-own"), "query": "", "shared": false})).await;
            assert_eq!(status, StatusCode::OK, "{own}");
            assert_eq!(own["owner"], "token:alice");
            app.act_as(previous);
            let audit = app.get_ok("/api/audit").await;
            assert_eq!(audit[0]["actor"], "token:alice", "{}", audit[0]);
        }
        // Alice's filter is untouched.
        let mut conn = app.state.pool.get().unwrap();
        let row = hindsight_server::db::filters::visible(&mut conn, "alice").unwrap();
        assert!(row.iter().any(|f| f.id == id && f.name == "mine" && !f.shared), "{row:?}");
        drop(conn);
        // Nobody can register as a token's principal.
        let (status, body) = app.post_json("/api/users", &json!({"username": "token:alice", "password": "secret-pw", "role": "admin"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["field"], "username");
    }

    async fn api_token_in_the_query_works_on_the_inbox(app: TestApp) {
        let mut app = app;
        app.import(&json!([
            rasa::tracker("q-1", vec![rasa::user("hi", "greet", 0.9, 1.0, "rest")]),
            rasa::tracker("q-2", vec![rasa::user("hello", "greet", 0.9, 2.0, "slack")]),
        ])).await;
        let (status, created) = app.post_json("/api/tokens", &json!({"name": "script", "role": "viewer"})).await;
        assert_eq!(status, StatusCode::OK, "{created}");
        let token = created["token"].as_str().unwrap().to_owned();
        let admin = app.act_as(None);
        let (status, page) = app.get(&format!("/api/conversations?api_token={token}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["conversations"].as_array().unwrap().len(), 2);
        let (status, page) = app.get(&format!("/api/conversations?channel=rest&api_token={token}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["conversations"][0]["id"], "q-1");
        assert_eq!(page["conversations"].as_array().unwrap().len(), 1);
        let (status, count) = app.get(&format!("/api/conversations/count?api_token={token}&channel=slack")).await;
        assert_eq!(status, StatusCode::OK, "{count}");
        assert_eq!(count["total"], 1);
        // A wrong token in the query is still a 401, not ignored.
        let (status, _) = app.get("/api/conversations/count?api_token=hs_wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        app.act_as(admin);
    }
}
