//! Rasa's event broker (issue 16): messages published to RabbitMQ are stored through the one
//! ingest path, poison messages are kept for admins, Rasa's own wire format is stored byte
//! for byte, a broker restart or a `kill -9` of the consumer loses and duplicates nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use diesel::prelude::*;
use hindsight_server::broker;
use hindsight_server::db::schema::{conversations, events};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::BasicProperties;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::amqp::{self, eventually, Publisher};
use crate::both_backends;
use crate::harness::{test_client, Db, TestApp};
use crate::rasa::{action, bot, user, T0};

/// Each stored event's raw JSON of conversation `sender`, in order.
pub fn stored_events(app: &TestApp, sender: &str) -> Vec<String> {
    let mut conn = app.state.pool.get().unwrap();
    events::table
        .inner_join(conversations::table)
        .filter(conversations::sender_id.eq(sender))
        .order(events::seq)
        .select(events::data)
        .load(&mut conn)
        .unwrap()
}

/// Every stored event.
pub fn event_total(app: &TestApp) -> i64 {
    let mut conn = app.state.pool.get().unwrap();
    events::table.count().get_result(&mut conn).unwrap()
}

/// `event` as Rasa's broker sends it: with the conversation's `sender_id`.
pub fn with_sender(sender: &str, mut event: Value) -> Value {
    event["sender_id"] = json!(sender);
    event
}

async fn health_broker(app: &TestApp) -> Value {
    app.get_ok("/api/health").await["broker"].clone()
}

both_backends! {
    async fn broker_events_are_stored_and_poison_is_kept(app: TestApp) {
        let settings = amqp::settings(&amqp::amqp_url());
        let publisher = Publisher::new(&settings).await;
        let consumer = broker::spawn(app.state.clone(), settings.clone()).unwrap();

        for e in [user("hi", "greet", 0.9, T0, "rest"), action("utter_greet", "TEDPolicy", 0.8, T0 + 1.0), bot("Hello!", T0 + 2.0)] {
            publisher.event(&with_sender("c1", e), Some("production")).await;
        }
        // Poison: never importable. The queue must keep flowing past them.
        publisher.publish(b"not json {", BasicProperties::default().with_app_id("production".into())).await;
        publisher.event(&user("no sender", "greet", 0.9, T0, "rest"), None).await;
        for e in [user("yo", "greet", 0.5, T0 + 10.0, "socketio"), bot("Hey", T0 + 11.0)] {
            publisher.event(&with_sender("c2", e), Some("staging")).await;
        }
        eventually("5 events stored and 2 rejected", || async {
            let b = health_broker(&app).await;
            b["messages_stored"] == 5 && b["messages_rejected"] == 2
        }).await;

        assert_eq!(stored_events(&app, "c1").len(), 3);
        assert_eq!(stored_events(&app, "c2").len(), 2);
        assert_eq!(app.ids("environment=production").await, ["c1"]);
        assert_eq!(app.ids("environment=staging").await, ["c2"]);
        assert_eq!(app.ids("environment=production,staging").await.len(), 2);
        assert!(app.ids("environment=nowhere").await.is_empty());

        let page = app.get_ok("/api/ingest-errors").await;
        assert_eq!(page["total"], 2);
        let errors = page["errors"].as_array().unwrap();
        // Newest first.
        assert!(errors[0]["reason"].as_str().unwrap().contains("sender_id"), "{page}");
        assert!(errors[1]["reason"].as_str().unwrap().contains("not JSON"), "{page}");
        assert_eq!(errors[1]["body"], "not json {");
        assert_eq!(errors[1]["properties"]["app_id"], "production");
        assert_eq!(errors[1]["source"], "broker");
        let one = app.get_ok(&format!("/api/ingest-errors?limit=1&before={}", errors[0]["id"])).await;
        assert_eq!(one["errors"][0]["id"], errors[1]["id"]);
        let (status, body) = app.get("/api/ingest-errors?limit=0").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["field"], "limit");

        // Only admins see them.
        let viewer = app.user_token("vera", "reviewer").await;
        let mut app = app;
        let admin = app.act_as(Some(viewer));
        let (status, _) = app.get("/api/ingest-errors").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.get("/api/export-runs").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.act_as(admin);

        // The same message again (as a redelivery would bring it) adds nothing.
        publisher.event(&with_sender("c1", bot("Hello!", T0 + 2.0)), Some("production")).await;
        eventually("the repeated message handled", || async {
            health_broker(&app).await["messages_stored"] == 6
        }).await;
        assert_eq!(stored_events(&app, "c1").len(), 3);

        let health = app.get_ok("/api/health").await;
        assert_eq!(health["status"], "ok");
        assert_eq!(health["broker"]["state"], "consuming");
        assert_eq!(health["broker"]["queue"], settings.queue.as_str());
        eventually("the lag counted as 0", || async {
            health_broker(&app).await["lag"] == 0
        }).await;
        consumer.stop();
    }

    async fn broker_events_join_a_filter_queue(app: TestApp) {
        use crate::queues_follow::{members, queue, saved_filter};
        let rest = saved_filter(&app, "rest", "channel=rest").await;
        let q = queue(&app, "live", Some(rest), json!({})).await;
        let by_env = json!({"sampling": {"rule": "stratified", "by": "environment", "share": 1.0}});
        let envs = queue(&app, "environments", Some(rest), by_env).await;
        let settings = amqp::settings(&amqp::amqp_url());
        let publisher = Publisher::new(&settings).await;
        let consumer = broker::spawn(app.state.clone(), settings.clone()).unwrap();
        // A live conversation joins with its first user message, which sets its channel.
        let start = action("action_session_start", "RulePolicy", 1.0, T0);
        publisher.event(&with_sender("b1", start.clone()), Some("production")).await;
        eventually("the session start stored", || async {
            health_broker(&app).await["messages_stored"] == 1
        }).await;
        assert!(members(&app, q).is_empty());
        let hi = user("hi", "greet", 0.9, T0 + 1.0, "rest");
        publisher.event(&with_sender("b1", hi.clone()), Some("production")).await;
        publisher.event(&with_sender("b2", user("yo", "greet", 0.9, T0, "socketio")), Some("production")).await;
        eventually("3 messages stored", || async {
            health_broker(&app).await["messages_stored"] == 3
        }).await;
        assert_eq!(members(&app, q).keys().collect::<Vec<_>>(), ["b1"]);
        assert_eq!(members(&app, envs)["b1"], ("production".to_owned(), true));
        // Delivered again: stored once, in the queue once.
        for e in [start, hi] {
            publisher.event(&with_sender("b1", e), Some("production")).await;
        }
        eventually("5 messages handled", || async {
            health_broker(&app).await["messages_stored"] == 5
        }).await;
        assert_eq!(stored_events(&app, "b1").len(), 2);
        assert_eq!(members(&app, q).len(), 1);
        consumer.stop();
    }

    async fn rasa_wire_fixture_is_stored_byte_for_byte(app: TestApp) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broker/wire.json");
        let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let messages = fixture["messages"].as_array().unwrap();
        let settings = amqp::settings(&amqp::amqp_url());
        let publisher = Publisher::new(&settings).await;
        let consumer = broker::spawn(app.state.clone(), settings.clone()).unwrap();
        let mut want: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut run_id = None;
        let mut export_last = 0.0f64;
        for m in messages {
            let body = m["body"].as_str().unwrap();
            let event: Value = serde_json::from_str(body).unwrap();
            want.entry(event["sender_id"].as_str().unwrap().to_owned()).or_default().push(body.to_owned());
            publisher.publish(body.as_bytes(), properties(&m["properties"])).await;
            if let Some(id) = m["properties"]["headers"]["rasa-export-process-id"].as_str() {
                run_id = Some(id.to_owned());
                export_last = export_last.max(event["timestamp"].as_f64().unwrap());
            }
        }
        eventually("every fixture message stored", || async {
            health_broker(&app).await["messages_stored"] == messages.len()
        }).await;
        for (sender, bodies) in &want {
            assert_eq!(&stored_events(&app, sender), bodies, "{sender}: stored exactly Rasa's bytes, in order");
        }
        assert_eq!(event_total(&app), messages.len() as i64);
        assert_eq!(app.ids("environment=production&sort=oldest").await, ["live-alice", "live-bob"]);
        assert_eq!(app.ids("environment=staging&sort=oldest").await, ["export-carol", "export-dave"]);
        let row = &app.get_ok("/api/conversations?sender_id=live-alice").await["conversations"][0];
        assert_eq!(row["user_message_count"], 1);
        assert_eq!(row["channel"], "rest");

        let runs = app.get_ok("/api/export-runs").await;
        let runs = runs.as_array().unwrap();
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!(runs[0]["id"], run_id.unwrap().as_str());
        assert_eq!(runs[0]["environment"], "staging");
        assert_eq!(runs[0]["messages"], 16);
        assert_eq!(runs[0]["conversations"], 2);
        assert_eq!(runs[0]["last_event_timestamp"], export_last);

        // Replaying the whole wire again (a second export, redeliveries) adds no event.
        for m in messages {
            publisher.publish(m["body"].as_str().unwrap().as_bytes(), properties(&m["properties"])).await;
        }
        eventually("the replay handled", || async {
            health_broker(&app).await["messages_stored"] == 2 * messages.len()
        }).await;
        assert_eq!(event_total(&app), messages.len() as i64);
        consumer.stop();
    }
}

/// The AMQP properties a fixture message was recorded with.
fn properties(p: &Value) -> BasicProperties {
    let mut props = BasicProperties::default();
    if let Some(app_id) = p["app_id"].as_str() {
        props = props.with_app_id(app_id.into());
    }
    if let Some(mode) = p["delivery_mode"].as_u64() {
        props = props.with_delivery_mode(mode as u8);
    }
    if let Some(ct) = p["content_type"].as_str() {
        props = props.with_content_type(ct.into());
    }
    if let Some(headers) = p["headers"].as_object().filter(|h| !h.is_empty()) {
        let mut table = FieldTable::default();
        for (k, v) in headers {
            let v = v.as_str().unwrap_or_default();
            table.insert(
                ShortString::from(k.as_str()),
                AMQPValue::LongString(LongString::from(v.as_bytes().to_vec())),
            );
        }
        props = props.with_headers(table);
    }
    props
}

/// Kills the child on drop: a failing test leaves no consumer behind.
struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn consume_child(app: &TestApp, settings: &broker::BrokerSettings) -> ChildGuard {
    consume_child_with(app, settings, &[])
}

fn consume_child_with(
    app: &TestApp,
    settings: &broker::BrokerSettings,
    extra: &[&str],
) -> ChildGuard {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_hindsight"))
        .arg("consume")
        .args(extra)
        .args(["--broker", settings.url.as_deref().unwrap()])
        .args(["--broker-queue", &settings.queue])
        .args(["--broker-exchange-name", &settings.exchange_name])
        .args(["--broker-batch", "25", "--broker-prefetch", "100"])
        .env("HINDSIGHT_DATABASE_URL", &app.db.url)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start hindsight consume");
    ChildGuard(child)
}

both_backends! {
    async fn kill_9_of_the_consumer_loses_and_duplicates_nothing(app: TestApp) {
        const CONVERSATIONS: usize = 100;
        const PER: usize = 40;
        let settings = amqp::settings(&amqp::amqp_url());
        let publisher = Publisher::new(&settings).await;
        for i in 0..PER {
            for c in 0..CONVERSATIONS {
                let t = T0 + (i * CONVERSATIONS + c) as f64;
                publisher.event(&with_sender(&format!("k{c:03}"), bot(&format!("message {i}"), t)), Some("production")).await;
            }
        }
        let total = (CONVERSATIONS * PER) as i64;
        let mut child = consume_child(&app, &settings);
        eventually("the first batches committed", || async { event_total(&app) > 0 }).await;
        // SIGKILL, mid-stream: batches received and not committed stay unacknowledged.
        child.0.kill().unwrap();
        child.0.wait().unwrap();
        let at_kill = event_total(&app);
        assert!(at_kill < total, "the consumer was killed after it had stored everything");
        let _child = consume_child(&app, &settings);
        eventually("every event stored", || async { event_total(&app) >= total }).await;
        // The redelivered tail is dropped as already stored: nothing twice.
        let mut conn = app.state.pool.get().unwrap();
        let rows: Vec<(i64, i64)> = events::table.select((events::conversation_id, events::content_hash)).load(&mut conn).unwrap();
        drop(conn);
        let distinct: std::collections::HashSet<_> = rows.iter().collect();
        assert_eq!(rows.len() as i64, total);
        assert_eq!(distinct.len() as i64, total);
        for c in [0, CONVERSATIONS - 1] {
            let stored = stored_events(&app, &format!("k{c:03}"));
            assert_eq!(stored.len(), PER);
            // In publishing order.
            let first: Value = serde_json::from_str(&stored[0]).unwrap();
            assert_eq!(first["text"], "message 0");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restart_resumes() {
    let mut node = amqp::Node::start_new();
    let app = TestApp::start(Db::Sqlite).await;
    let settings = amqp::settings(&node.url());
    let publisher = Publisher::new(&settings).await;
    let consumer = broker::spawn(app.state.clone(), settings.clone()).unwrap();
    for i in 0..20 {
        publisher
            .event(
                &with_sender("r1", bot(&format!("before {i}"), T0 + f64::from(i))),
                None,
            )
            .await;
    }
    eventually("20 events stored", || async { event_total(&app) == 20 }).await;
    drop(publisher);
    node.stop();
    eventually("the consumer notices", || async {
        health_broker(&app).await["state"] == "reconnecting"
    })
    .await;
    assert_eq!(app.get_ok("/api/health").await["status"], "degraded");
    node.start();
    let publisher = Publisher::new(&settings).await;
    for i in 0..20 {
        publisher
            .event(
                &with_sender("r1", bot(&format!("after {i}"), T0 + 100.0 + f64::from(i))),
                None,
            )
            .await;
    }
    eventually("40 events stored", || async { event_total(&app) == 40 }).await;
    assert_eq!(health_broker(&app).await["state"], "consuming");
    assert_eq!(stored_events(&app, "r1").len(), 40);
    consumer.stop();
}

/// `hindsight consume --health-bind`: a consumer run apart answers its own health probe
/// (state, counts) and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_apart_serves_its_health() {
    let app = TestApp::start(Db::Sqlite).await;
    let settings = amqp::settings(&amqp::amqp_url());
    let publisher = Publisher::new(&settings).await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let bind = format!("127.0.0.1:{port}");
    let _child = consume_child_with(&app, &settings, &["--health-bind", &bind]);
    let http = test_client();
    let health = |path: &'static str| {
        let http = http.clone();
        let url = format!("http://{bind}{path}");
        async move {
            let res = http.get(url).send().await.ok()?;
            Some((res.status(), res.json::<Value>().await.ok()?))
        }
    };
    publisher
        .event(&with_sender("h1", bot("hello", T0)), None)
        .await;
    eventually("the consumer's health says it stored the message", || async {
        matches!(health("/api/health").await, Some((s, b))
            if s == StatusCode::OK && b["broker"]["state"] == "consuming" && b["broker"]["messages_stored"] == 1)
    })
    .await;
    assert_eq!(stored_events(&app, "h1").len(), 1);
    let (status, body) = health("/api/conversations").await.expect("an answer");
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "not_found", "{body}");
}
