//! `GET /api/stream`: server-sent events announce new and updated conversations and changed
//! comments, opened with a short-lived ticket; on PostgreSQL every server process hears of
//! every change.

use std::time::Duration;

use hindsight_server::app::{start_server, AppState};
use hindsight_server::config::{Config, ServeOptions};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::amqp::{self, Publisher};
use crate::both_backends;
use crate::harness::{Db, TestApp};
use crate::rasa::{bot, user, T0};

/// An open event stream.
struct Sse {
    res: reqwest::Response,
    buf: String,
}

impl Sse {
    async fn open(client: &reqwest::Client, base: &str, ticket: &str) -> Sse {
        let res = client
            .get(format!("{base}/api/stream?ticket={ticket}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        let mut sse = Sse {
            res,
            buf: String::new(),
        };
        assert_eq!(sse.next().await.0, "ready");
        sse
    }

    /// The next event's name and data.
    async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut name = "message".to_owned();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event: ") {
                        name = v.to_owned();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data.push_str(v);
                    }
                }
                return (name, serde_json::from_str(&data).unwrap_or(Value::Null));
            }
            let chunk = tokio::time::timeout(Duration::from_secs(60), self.res.chunk())
                .await
                .expect("an event within a minute")
                .unwrap()
                .expect("the stream stays open");
            self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next `conversation` event (skipping heartbeats).
    async fn change(&mut self) -> Value {
        self.named("conversation").await
    }

    /// The next event but a heartbeat.
    async fn next_not_heartbeat(&mut self) -> (String, Value) {
        loop {
            let event = self.next().await;
            if event.0 != "heartbeat" {
                return event;
            }
        }
    }

    /// The next event named `want` (skipping heartbeats).
    async fn named(&mut self, want: &str) -> Value {
        loop {
            let (name, data) = self.next().await;
            if name == want {
                return data;
            }
            assert_eq!(name, "heartbeat", "unexpected event {name}: {data}");
        }
    }
}

async fn ticket(app: &TestApp) -> String {
    let (status, body) = app.post_json("/api/stream/ticket", &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expires_in"], 60);
    body["ticket"].as_str().unwrap().to_owned()
}

both_backends! {
    async fn the_stream_announces_new_and_updated_conversations(app: TestApp) {
        let mut sse = Sse::open(&app.client, &app.base, &ticket(&app).await).await;
        // Over HTTP …
        let (status, body) = app.post_json("/api/conversations/s1/events", &user("hi", "greet", 0.9, T0, "rest")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(sse.change().await, json!({"id": "s1", "change": "created", "events_added": 1}));
        app.post_json("/api/conversations/s1/events", &json!([bot("a", T0 + 1.0), bot("b", T0 + 2.0)])).await;
        assert_eq!(sse.change().await, json!({"id": "s1", "change": "updated", "events_added": 2}));
        // … nothing new, nothing announced: the next change is the broker's.
        app.post_json("/api/conversations/s1/events", &bot("a", T0 + 1.0)).await;
        // … and from the event broker: one ingest path.
        let settings = amqp::settings(&amqp::amqp_url());
        let publisher = Publisher::new(&settings).await;
        let consumer = hindsight_server::broker::spawn(app.state.clone(), settings).unwrap();
        let mut e = bot("from rasa", T0 + 5.0);
        e["sender_id"] = json!("s2");
        publisher.event(&e, Some("production")).await;
        assert_eq!(sse.change().await, json!({"id": "s2", "change": "created", "events_added": 1}));
        consumer.stop();
    }

    async fn the_stream_announces_comments_written_edited_and_deleted(app: TestApp) {
        let mut sse = Sse::open(&app.client, &app.base, &ticket(&app).await).await;
        let (status, body) = app.post_json("/api/conversations/c1/events", &user("hi", "greet", 0.9, T0, "rest")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // Heard before the comment (on PostgreSQL it comes through NOTIFY, a moment later).
        assert_eq!(sse.change().await["id"], "c1");
        let (status, comment) = app.post_json("/api/conversations/c1/comments", &json!({"body": "Looks odd"})).await;
        assert_eq!(status, StatusCode::CREATED, "{comment}");
        let id = comment["id"].as_i64().unwrap();
        let announced = |change: &str| json!({
            "conversation_id": "c1", "comment_id": id, "event_id": null, "change": change, "actor": "tester"
        });
        assert_eq!(sse.named("comment").await, announced("created"));
        let path = format!("/api/comments/{id}");
        let edit = app.request(Method::PATCH, &path).json(&json!({"body": "Looks fine"}));
        assert_eq!(app.send(edit).await.0, StatusCode::OK);
        assert_eq!(sse.named("comment").await, announced("updated"));
        // The same text again changes nothing, and announces nothing: the next is the delete.
        let same = app.request(Method::PATCH, &path).json(&json!({"body": "Looks fine"}));
        assert_eq!(app.send(same).await.0, StatusCode::OK);
        assert_eq!(app.send(app.request(Method::DELETE, &path)).await.0, StatusCode::NO_CONTENT);
        assert_eq!(sse.named("comment").await, announced("deleted"));
        // A refused comment is not announced: the next event is the conversation's.
        let (status, _) = app.post_json("/api/conversations/c1/comments", &json!({"body": " "})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        app.post_json("/api/conversations/c1/events", &bot("ok", T0 + 1.0)).await;
        assert_eq!(sse.next_not_heartbeat().await.0, "conversation");
    }

    async fn the_stream_needs_a_valid_ticket(app: TestApp) {
        let anonymous = app.client.get(app.url("/api/stream")).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let forged = app.client.get(app.url("/api/stream?ticket=eyJhbGciOiJIUzI1NiJ9.e30.x")).send().await.unwrap();
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
        let body: Value = forged.json().await.unwrap();
        assert!(body["error"]["message"].as_str().unwrap().contains("ticket"));
        // The login token is not a ticket, and a ticket is not a login token.
        let login = app.token.clone().unwrap();
        let as_ticket = app.client.get(app.url(&format!("/api/stream?ticket={login}"))).send().await.unwrap();
        assert_eq!(as_ticket.status(), StatusCode::UNAUTHORIZED);
        let t = ticket(&app).await;
        let as_login = app.client.get(app.url("/api/conversations")).bearer_auth(&t).send().await.unwrap();
        assert_eq!(as_login.status(), StatusCode::UNAUTHORIZED);
        // Anonymous callers get no ticket.
        let res = app.client.post(app.url("/api/stream/ticket")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        // A bearer header opens it too (clients that can send headers).
        let res = app.client.get(app.url("/api/stream")).bearer_auth(&login).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
}

/// A second server process on the same PostgreSQL database (what a second machine is).
fn second_server(url: &str) -> (String, actix_web::dev::ServerHandle) {
    let config = Config {
        database_url: url.to_owned(),
        pool_size: 4,
        ..Config::default()
    };
    let state = AppState::open(config).expect("open the database");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let opts = ServeOptions {
                bind: String::new(),
                static_dir: "/nonexistent".into(),
                samples: None,
            };
            let server = start_server(state, &opts, listener).unwrap();
            tx.send(server.handle()).unwrap();
            let _ = server.await;
        })
    });
    (base, rx.recv().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_both_see_live_updates() {
    let a = TestApp::start(Db::Postgres).await;
    let (b_base, b_handle) = second_server(&a.db.url);
    // The same user logs in at the second server.
    let login: Value = a
        .client
        .post(format!("{b_base}/api/auth"))
        .json(&json!({"username": "tester", "password": "pw-tester"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let b_token = login["access_token"].as_str().unwrap().to_owned();
    let b_ticket: Value = a
        .client
        .post(format!("{b_base}/api/stream/ticket"))
        .bearer_auth(&b_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut on_a = Sse::open(&a.client, &a.base, &ticket(&a).await).await;
    let mut on_b = Sse::open(&a.client, &b_base, b_ticket["ticket"].as_str().unwrap()).await;
    // Stored through server A: both hear it once committed.
    a.post_json(
        "/api/conversations/m1/events",
        &user("hi", "greet", 0.9, T0, "rest"),
    )
    .await;
    let want = json!({"id": "m1", "change": "created", "events_added": 1});
    assert_eq!(on_a.change().await, want);
    assert_eq!(on_b.change().await, want);
    // Stored through server B: A hears it too.
    let res = a
        .client
        .post(format!("{b_base}/api/conversations/m2/events"))
        .bearer_auth(&b_token)
        .json(&bot("hello", T0 + 1.0))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let want = json!({"id": "m2", "change": "created", "events_added": 1});
    assert_eq!(on_a.change().await, want);
    assert_eq!(on_b.change().await, want);
    // A comment written through server A: B's clients hear of it too.
    let (status, comment) = a
        .post_json("/api/conversations/m1/comments", &json!({"body": "seen"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    let want = json!({"conversation_id": "m1", "comment_id": comment["id"], "event_id": null,
        "change": "created", "actor": "tester"});
    assert_eq!(on_a.named("comment").await, want);
    assert_eq!(on_b.named("comment").await, want);
    drop(b_handle.stop(false));
}
