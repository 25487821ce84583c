//! Review queues (issue 13): administration and validation, sampling, the review flow with
//! its reservations, eight reviewers at once, and progress with findings checked against
//! worked examples computed by hand.

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel::connection::SimpleConnection;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::{self, T0};

/// Trackers `{prefix}{i}` for i in 0..n, each a greeting on `channel`.
pub(crate) fn greetings(prefix: &str, n: usize, channel: &str) -> Vec<Value> {
    (0..n)
        .map(|i| {
            rasa::greeting(
                &format!("{prefix}{i}"),
                T0 + i as f64 * 10.0,
                channel,
                0.9,
                0.9,
            )
        })
        .collect()
}

/// Imports conversations `{prefix}{i}` for i in 0..n on `channel`.
pub(crate) async fn conversations(app: &TestApp, prefix: &str, n: usize, channel: &str) {
    app.import(&Value::Array(greetings(prefix, n, channel)))
        .await;
}

pub(crate) fn rubric() -> Value {
    json!([
        {"id": "outcome", "prompt": "How did it end?", "kind": "label",
         "choices": ["success", "partial", "failure"], "required": true},
        {"id": "resolved", "prompt": "Was the user's problem solved?", "kind": "pass_fail"},
        {"id": "tone", "prompt": "Tone of the assistant", "kind": "scale_1_5"},
        {"id": "notes", "prompt": "Anything else", "kind": "text"}
    ])
}

/// A request sent with `token`.
pub(crate) async fn as_user(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(body);
    }
    app.send(req).await
}

async fn patch(app: &TestApp, path: &str, body: &Value) -> (StatusCode, Value) {
    app.send(app.request(Method::PATCH, path).json(body)).await
}

/// Creates a queue as the admin; must succeed.
pub(crate) async fn create(app: &TestApp, body: Value) -> Value {
    let (status, queue) = app.post_json("/api/queues", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{queue}");
    queue
}

/// An explicit queue named `name` holding the conversations `ids`.
pub(crate) async fn explicit(app: &TestApp, name: &str, extra: Value, ids: &[String]) -> i64 {
    let mut body = json!({"name": name, "source": {"kind": "explicit"}, "rubric": rubric()});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let id = create(app, body).await["id"].as_i64().unwrap();
    let (status, added) = app
        .post_json(
            &format!("/api/queues/{id}/conversations"),
            &json!({"conversation_ids": ids}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    id
}

pub(crate) fn ids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

pub(crate) async fn next(app: &TestApp, token: &str, queue: i64) -> (StatusCode, Value) {
    as_user(
        app,
        token,
        Method::POST,
        &format!("/api/queues/{queue}/next"),
        None,
    )
    .await
}

pub(crate) async fn review(
    app: &TestApp,
    token: &str,
    queue: i64,
    id: &str,
    answers: Value,
) -> (StatusCode, Value) {
    post_answers(app, token, queue, id, "review", answers).await
}

/// Posts `answers` to a queued conversation's `review` or `settlement`.
pub(crate) async fn post_answers(
    app: &TestApp,
    token: &str,
    queue: i64,
    id: &str,
    what: &str,
    answers: Value,
) -> (StatusCode, Value) {
    let path = format!("/api/queues/{queue}/conversations/{id}/{what}");
    as_user(
        app,
        token,
        Method::POST,
        &path,
        Some(&json!({"answers": answers})),
    )
    .await
}

async fn turn(app: &TestApp, token: &str, queue: i64, id: &str, what: &str) -> StatusCode {
    let path = format!("/api/queues/{queue}/conversations/{id}/{what}");
    as_user(app, token, Method::POST, &path, None).await.0
}

/// `token`'s reviewer takes every conversation the queue hands them and reviews it with
/// `answers(id)`; returns the conversations in the order they came.
pub(crate) async fn review_everything(
    app: &TestApp,
    token: &str,
    queue: i64,
    answers: impl Fn(&str) -> Value,
) -> Vec<String> {
    let mut order = Vec::new();
    loop {
        let (status, a) = next(app, token, queue).await;
        if status == StatusCode::NOT_FOUND {
            return order;
        }
        let id = conversation_of(&a);
        let (status, body) = review(app, token, queue, &id, answers(&id)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        order.push(id);
    }
}

pub(crate) fn conversation_of(assignment: &Value) -> String {
    assignment["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-4)
}

both_backends! {
    async fn administration_and_validation(app: TestApp) {
        conversations(&app, "w", 2, "web").await;
        conversations(&app, "s", 1, "slack").await;
        let (status, filter) = app
            .post_json("/api/filters", &json!({"name": "web", "query": "channel=web", "shared": true}))
            .await;
        assert_eq!(status, StatusCode::OK, "{filter}");
        let filter_id = filter["id"].as_i64().unwrap();
        let reviewer = app.user_token("rita", "reviewer").await;
        let viewer = app.user_token("vic", "viewer").await;
        let good = json!({
            "name": "web review", "source": {"kind": "filter", "filter_id": filter_id},
            "rubric": rubric()
        });
        let (status, _) = as_user(&app, &reviewer, Method::POST, "/api/queues", Some(&good)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let queue = create(&app, good.clone()).await;
        assert_eq!(queue["population"], 2);
        assert_eq!(queue["sampled"], 2);
        assert_eq!(queue["source_query"], "channel=web");
        assert_eq!(queue["sampling"], json!({"rule": "all"}));
        assert_eq!(queue["reviewers_per_conversation"], 1);
        assert_eq!(queue["reservation_seconds"], 1800);
        assert_eq!(queue["paused"], false);
        let id = queue["id"].as_i64().unwrap();
        let (status, err) = app.post_json("/api/queues", &good).await;
        assert_eq!(status, StatusCode::CONFLICT, "{err}");
        assert_eq!(err["error"]["field"], "name");
        // Each bad body is a 400 naming its field.
        let label = |choices: Value| json!([{"id": "q", "prompt": "?", "kind": "label", "choices": choices}]);
        let cases: Vec<(&str, Value, &str)> = vec![
            ("name", json!(" "), "name"),
            ("rubric", json!([]), "rubric"),
            ("rubric", json!([{"id": "Bad Id", "prompt": "?", "kind": "text"}]), "rubric[0].id"),
            ("rubric", label(json!(["only"])), "rubric[0].choices"),
            ("rubric", label(json!(["a", "a"])), "rubric[0].choices"),
            ("rubric", json!([{"id": "q", "prompt": "?", "kind": "pass_fail", "choices": ["x", "y"]}]), "rubric[0].choices"),
            ("rubric", json!([{"id": "q", "prompt": "?", "kind": "text"}, {"id": "q", "prompt": "?", "kind": "text"}]), "rubric[1].id"),
            ("rubric", json!([{"id": "q", "prompt": " ", "kind": "text"}]), "rubric[0].prompt"),
            ("reviewers_per_conversation", json!(4), "reviewers_per_conversation"),
            ("reviewers_per_conversation", json!(0), "reviewers_per_conversation"),
            ("reservation_seconds", json!(5), "reservation_seconds"),
            ("sampling", json!({"rule": "share", "share": 0}), "sampling.share"),
            ("sampling", json!({"rule": "share", "share": 1.5}), "sampling.share"),
            ("sampling", json!({"rule": "stratified", "by": "channel", "share": 0.5, "count": 3}), "sampling"),
            ("sampling", json!({"rule": "stratified", "by": "channel", "count": 0}), "sampling.count"),
            ("sampling", json!({"rule": "stratified", "by": "channel", "count": 3, "strata": {"web": {}}}), "sampling.strata.web"),
            ("sampling", json!({"rule": "stratified", "by": "slot", "count": 3}), "sampling.by"),
            ("assignees", json!(["nobody"]), "assignees"),
            ("assignees", json!(["vic"]), "assignees"),
            ("assignees", json!(["rita", "rita"]), "assignees"),
            ("source", json!({"kind": "filter", "filter_id": 999_999}), "source.filter_id"),
        ];
        for (key, value, field) in cases {
            let mut body = good.clone();
            body["name"] = json!("another");
            body[key] = value.clone();
            let (status, err) = app.post_json("/api/queues", &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{key}={value}: {err}");
            assert_eq!(err["error"]["field"], field, "{key}={value}: {err}");
        }
        // Two reviewers per conversation but one assignee.
        let mut body = good.clone();
        body["name"] = json!("another");
        body["assignees"] = json!(["rita"]);
        body["reviewers_per_conversation"] = json!(2);
        let (status, err) = app.post_json("/api/queues", &body).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::BAD_REQUEST, json!("assignees")), "{err}");
        // Unknown fields and a bad kind: the body is not what the route takes.
        let mut body = good.clone();
        body["colour"] = json!("red");
        assert_eq!(app.post_json("/api/queues", &body).await.0, StatusCode::BAD_REQUEST);
        body = good.clone();
        body["rubric"][0]["kind"] = json!("stars");
        assert_eq!(app.post_json("/api/queues", &body).await.0, StatusCode::BAD_REQUEST);
        // Anyone may read.
        let (status, list) = as_user(&app, &viewer, Method::GET, "/api/queues", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["population"], 2);
        let (status, one) = as_user(&app, &viewer, Method::GET, &format!("/api/queues/{id}"), None).await;
        assert_eq!(status, StatusCode::OK);
        // The rubric as given, with the defaults spelled out.
        assert_eq!(one["rubric"][0], rubric()[0]);
        assert_eq!(one["rubric"][3], json!({"id": "notes", "prompt": "Anything else", "kind": "text", "choices": [], "required": false}));
        assert_eq!(app.get("/api/queues/999999").await.0, StatusCode::NOT_FOUND);
        // Edit and pause: admin only; the sampling rule is fixed.
        let path = format!("/api/queues/{id}");
        let (status, _) = as_user(&app, &reviewer, Method::PATCH, &path, Some(&json!({"paused": true}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, edited) = patch(&app, &path, &json!({"name": "web, paused", "paused": true, "assignees": ["rita"]})).await;
        assert_eq!(status, StatusCode::OK, "{edited}");
        assert_eq!((edited["name"].as_str(), edited["paused"].as_bool()), (Some("web, paused"), Some(true)));
        assert_eq!(edited["assignees"], json!(["rita"]));
        let (status, _) = patch(&app, &path, &json!({"sampling": {"rule": "all"}})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, err) = patch(&app, &path, &json!({"reviewers_per_conversation": 9})).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::BAD_REQUEST, json!("reviewers_per_conversation")));
        let other = create(&app, json!({"name": "other", "source": {"kind": "explicit"}, "rubric": rubric()})).await;
        assert_eq!(other["population"], 0);
        let (status, err) = patch(&app, &path, &json!({"name": "other"})).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::CONFLICT, json!("name")));
        // A filter's queue takes no conversations by id.
        let (status, err) = app.post_json(&format!("/api/queues/{id}/conversations"), &json!({"conversation_ids": ["s0"]})).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::CONFLICT, json!("source")));
        // Delete: admin only; then gone.
        assert_eq!(as_user(&app, &reviewer, Method::DELETE, &path, None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(app.send(app.request(Method::DELETE, &path)).await.0, StatusCode::NO_CONTENT);
        assert_eq!(app.get(&path).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.send(app.request(Method::DELETE, &path)).await.0, StatusCode::NOT_FOUND);
        let audit = app.get_ok("/api/audit").await;
        let actions: Vec<&str> = audit.as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
        for action in ["queue_created", "queue_updated", "queue_deleted"] {
            assert!(actions.contains(&action), "{action} in {actions:?}");
        }
        let deleted = audit.as_array().unwrap().iter().find(|e| e["action"] == "queue_deleted").unwrap();
        assert_eq!(deleted["before"]["name"], "web, paused");
    }

    async fn sampling_is_deterministic_and_never_adds_twice(app: TestApp) {
        conversations(&app, "c", 60, "web").await;
        let (_, filter) = app
            .post_json("/api/filters", &json!({"name": "all web", "query": "channel=web", "shared": false}))
            .await;
        let source = json!({"kind": "filter", "filter_id": filter["id"]});
        let sampling = json!({"rule": "share", "share": 0.3, "seed": 99});
        // What the rule must take: the conversations whose xxh3 under the seed, scaled to
        // [0, 1), is below 0.3.
        use hindsight_server::review::sampling::{hash, unit};
        let expected = ids("c", 60).iter().filter(|s| unit(hash(99, s)) < 0.3).count() as i64;
        let a = create(&app, json!({"name": "a", "source": source, "sampling": sampling, "rubric": rubric()})).await;
        let b = create(&app, json!({"name": "b", "source": source, "sampling": sampling, "rubric": rubric()})).await;
        assert_eq!(a["population"], 60);
        assert_eq!(a["sampled"], expected);
        assert_eq!(b["sampled"], expected);
        assert!(expected > 5 && expected < 40, "{expected}");
        // The same conversations in both: the database says so.
        let sampled_of = |queue: &Value| {
            let mut conn = app.state.pool.get().unwrap();
            let members = hindsight_server::db::queues::members(&mut conn, queue["id"].as_i64().unwrap()).unwrap();
            members.into_iter().filter(|m| m.2).map(|m| m.0).collect::<HashSet<i64>>()
        };
        assert_eq!(sampled_of(&a), sampled_of(&b));
        // A count per stratum takes exactly that many.
        conversations(&app, "s", 4, "slack").await;
        let strat = create(&app, json!({"name": "strata", "source": {"kind": "explicit"}, "rubric": rubric(),
            "sampling": {"rule": "stratified", "by": "channel", "seed": 1, "count": 10, "strata": {"slack": {"count": 2}}}})).await;
        let path = format!("/api/queues/{}/conversations", strat["id"]);
        let mut all = ids("c", 60);
        all.extend(ids("s", 4));
        let (status, added) = app.post_json(&path, &json!({"conversation_ids": all})).await;
        assert_eq!(status, StatusCode::OK, "{added}");
        assert_eq!(added, json!({"added": 64, "sampled": 12, "already_present": 0}));
        // Again, with one more: only the new one joins, and the counts are full already.
        conversations(&app, "late", 1, "web").await;
        let mut again = all.clone();
        again.push("late0".into());
        again.push("late0".into());
        let (status, added) = app.post_json(&path, &json!({"conversation_ids": again})).await;
        assert_eq!(status, StatusCode::OK, "{added}");
        assert_eq!(added, json!({"added": 1, "sampled": 0, "already_present": 64}));
        // An unknown conversation: 404 naming it, and nothing added.
        let (status, err) = app.post_json(&path, &json!({"conversation_ids": ["c1", "ghost"]})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(err["error"]["message"].as_str().unwrap().contains("ghost"), "{err}");
        let (status, err) = app.post_json(&path, &json!({"conversation_ids": []})).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::BAD_REQUEST, json!("conversation_ids")));
        let queue = app.get_ok(&format!("/api/queues/{}", strat["id"])).await;
        assert_eq!((queue["population"].as_i64(), queue["sampled"].as_i64()), (Some(65), Some(12)));
    }

    async fn the_review_flow(app: TestApp) {
        conversations(&app, "c", 3, "web").await;
        let alice = app.user_token("alice", "reviewer").await;
        let bob = app.user_token("bob", "reviewer").await;
        let carol = app.user_token("carol", "reviewer").await;
        let dave = app.user_token("dave", "reviewer").await;
        let vic = app.user_token("vic", "viewer").await;
        let q = explicit(&app, "pairs", json!({"reviewers_per_conversation": 2, "assignees": ["alice", "bob", "carol"]}), &ids("c", 2)).await;
        // Not an assignee, or not a reviewer: 403.
        let (status, err) = next(&app, &dave, q).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
        assert!(err["error"]["message"].as_str().unwrap().contains("dave"), "{err}");
        assert_eq!(next(&app, &vic, q).await.0, StatusCode::FORBIDDEN);
        assert_eq!(next(&app, &alice, 999_999).await.0, StatusCode::NOT_FOUND);
        // Alice gets one and keeps it; Bob gets the other; Carol nothing while they hold them.
        let (status, a1) = next(&app, &alice, q).await;
        assert_eq!(status, StatusCode::OK, "{a1}");
        assert_eq!((a1["reviews_done"].as_i64(), a1["reviews_needed"].as_i64()), (Some(0), Some(2)));
        let x = conversation_of(&a1);
        assert_eq!(conversation_of(&next(&app, &alice, q).await.1), x);
        let (_, b1) = next(&app, &bob, q).await;
        let y = conversation_of(&b1);
        assert_ne!(x, y);
        let (status, err) = next(&app, &carol, q).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.contains("carol") && message.contains("2 reserved by other reviewers"), "{message}");
        // Answers are checked against the rubric, each error naming its answer.
        let bad = [
            (json!({"resolved": true}), "answers.outcome"),
            (json!({"outcome": "meh"}), "answers.outcome"),
            (json!({"outcome": "success", "resolved": "yes"}), "answers.resolved"),
            (json!({"outcome": "success", "tone": 6}), "answers.tone"),
            (json!({"outcome": "success", "tone": 2.5}), "answers.tone"),
            (json!({"outcome": "success", "notes": 3}), "answers.notes"),
            (json!({"outcome": "success", "bogus": 1}), "answers.bogus"),
        ];
        for (answers, field) in bad {
            let (status, err) = review(&app, &alice, q, &x, answers.clone()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{answers}: {err}");
            assert_eq!(err["error"]["field"], field, "{answers}: {err}");
        }
        let (status, done) = review(&app, &alice, q, &x, json!({"outcome": "failure", "resolved": false, "tone": 4, "notes": "looped"})).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["answers"], json!({"outcome": "failure", "resolved": false, "tone": 4, "notes": "looped"}));
        assert_eq!(done["reviewer"], "alice");
        let (status, err) = review(&app, &alice, q, &x, json!({"outcome": "failure"})).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::CONFLICT, json!("reservation")));
        // A review without a reservation: 409.
        let (status, err) = review(&app, &carol, q, &y, json!({"outcome": "success"})).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::CONFLICT, json!("reservation")));
        // X needs a second reviewer: Carol, never Alice again.
        let (_, c1) = next(&app, &carol, q).await;
        assert_eq!(conversation_of(&c1), x);
        assert_eq!(c1["reviews_done"], 1);
        assert_eq!(next(&app, &alice, q).await.0, StatusCode::NOT_FOUND);
        // Bob releases Y: it goes to Alice; she skips it: it goes to Bob again, not to her.
        assert_eq!(turn(&app, &bob, q, &y, "release").await, StatusCode::NO_CONTENT);
        assert_eq!(turn(&app, &bob, q, &y, "release").await, StatusCode::CONFLICT);
        assert_eq!(conversation_of(&next(&app, &alice, q).await.1), y);
        assert_eq!(turn(&app, &alice, q, &y, "skip").await, StatusCode::NO_CONTENT);
        assert_eq!(next(&app, &alice, q).await.0, StatusCode::NOT_FOUND);
        assert_eq!(conversation_of(&next(&app, &bob, q).await.1), y);
        assert_eq!(review(&app, &bob, q, &y, json!({"outcome": "success", "resolved": true})).await.0, StatusCode::OK);
        assert_eq!(review(&app, &carol, q, &x, json!({"outcome": "partial", "resolved": false})).await.0, StatusCode::OK);
        assert_eq!(conversation_of(&next(&app, &carol, q).await.1), y);
        assert_eq!(review(&app, &carol, q, &y, json!({"outcome": "success", "resolved": true})).await.0, StatusCode::OK);
        // Unknown conversation in the path: 404.
        assert_eq!(turn(&app, &carol, q, "ghost", "skip").await, StatusCode::NOT_FOUND);
        // Paused: 409 naming `paused`.
        let path = format!("/api/queues/{q}");
        assert_eq!(patch(&app, &path, &json!({"paused": true})).await.0, StatusCode::OK);
        let (status, err) = next(&app, &alice, q).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::CONFLICT, json!("paused")));
        assert_eq!(patch(&app, &path, &json!({"paused": false})).await.0, StatusCode::OK);
        // An expired reservation returns to the queue; its holder can no longer submit.
        app.post_json(&format!("/api/queues/{q}/conversations"), &json!({"conversation_ids": ["c2"]})).await;
        assert_eq!(conversation_of(&next(&app, &alice, q).await.1), "c2");
        {
            let mut conn = app.state.pool.get().unwrap();
            conn.batch_execute("UPDATE queue_reviews SET expires_at = '2000-01-01 00:00:00' WHERE status = 'reserved'").unwrap();
        }
        let (_, b2) = next(&app, &bob, q).await;
        assert_eq!(conversation_of(&b2), "c2");
        let (status, _) = review(&app, &alice, q, "c2", json!({"outcome": "success"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        // Once reviews exist, the rubric may grow, not lose a question or a label.
        let mut grown = rubric();
        grown[0]["choices"] = json!(["success", "partial", "failure", "handover"]);
        grown.as_array_mut().unwrap().push(json!({"id": "extra", "prompt": "More?", "kind": "pass_fail"}));
        assert_eq!(patch(&app, &path, &json!({"rubric": grown})).await.0, StatusCode::OK);
        let mut shrunk = grown.clone();
        shrunk[0]["choices"] = json!(["success", "failure", "handover"]);
        let (status, err) = patch(&app, &path, &json!({"rubric": shrunk})).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::CONFLICT, json!("rubric")), "{err}");
        let (status, _) = patch(&app, &path, &json!({"rubric": [grown[0].clone()]})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        // Progress: X and Y complete (4 reviews), c2 reserved by Bob and needing one more.
        let p = app.get_ok(&format!("/api/queues/{q}/progress")).await;
        assert_eq!((p["population"].as_i64(), p["sampled"].as_i64()), (Some(3), Some(3)));
        assert_eq!((p["done"].as_i64(), p["reserved"].as_i64(), p["remaining"].as_i64()), (Some(4), Some(1), Some(1)), "{p}");
        assert_eq!(p["conversations_complete"], 2);
        assert!(p["median_seconds"].as_f64().is_some_and(|s| s >= 0.0), "{p}");
        let by_name: BTreeMap<String, Value> = p["reviewers"].as_array().unwrap().iter()
            .map(|r| (r["reviewer"].as_str().unwrap().to_owned(), r.clone())).collect();
        assert_eq!(by_name.keys().collect::<Vec<_>>(), ["alice", "bob", "carol"]);
        let counts = |name: &str| {
            let r = &by_name[name];
            (r["done"].as_i64().unwrap(), r["reserved"].as_i64().unwrap(), r["skipped"].as_i64().unwrap(), r["remaining"].as_i64().unwrap())
        };
        assert_eq!(counts("alice"), (1, 0, 1, 1));
        assert_eq!(counts("bob"), (1, 1, 0, 0));
        assert_eq!(counts("carol"), (2, 0, 0, 1));
        // The trail: reviews with their answers, skips.
        let audit = app.get_ok("/api/audit").await;
        let reviews: Vec<&Value> = audit.as_array().unwrap().iter().filter(|e| e["action"] == "queue_review_submitted").collect();
        assert_eq!(reviews.len(), 4);
        assert!(reviews.iter().any(|e| e["actor"] == "alice" && e["conversation_id"] == x.as_str() && e["after"]["answers"]["notes"] == "looped"));
        assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "queue_conversation_skipped" && e["actor"] == "alice"));
    }

    async fn findings_against_worked_examples(app: TestApp) {
        // --- A. Ten conversations, every one reviewed by Alice and then by Bob. ---
        conversations(&app, "f", 10, "web").await;
        let alice = app.user_token("alice", "reviewer").await;
        let bob = app.user_token("bob", "reviewer").await;
        let q = explicit(&app, "pairs", json!({"reviewers_per_conversation": 2, "assignees": ["alice", "bob"]}), &ids("f", 10)).await;
        let answers = |who: &str, id: &str| {
            let i: usize = id[1..].parse().unwrap();
            let outcome = if i < 3 { "failure" } else { "success" };
            let resolved = if who == "alice" { i < 5 } else { i < 4 || i == 5 };
            let tone = if who == "bob" && i == 9 { 5 } else { 4 };
            json!({"outcome": outcome, "resolved": resolved, "tone": tone})
        };
        for (name, token) in [("alice", &alice), ("bob", &bob)] {
            review_everything(&app, token, q, |id| answers(name, id)).await;
        }
        let p = app.get_ok(&format!("/api/queues/{q}/progress")).await;
        assert_eq!((p["done"].as_i64(), p["conversations_complete"].as_i64()), (Some(20), Some(10)));
        let question = |id: &str| p["questions"].as_array().unwrap().iter().find(|q| q["id"] == id).unwrap().clone();
        let estimate = |q: &Value, value: &str| q["estimates"].as_array().unwrap().iter().find(|e| e["value"] == value).unwrap().clone();
        // resolved: Alice said true for f0–f4, Bob for f0–f3 and f5. Pairs (Alice, Bob):
        // 4 true/true, 4 false/false, f4 true/false, f5 false/true. Agreement 8/10 = 0.8.
        // Chance: Alice true 5/10, Bob true 5/10: p_e = .5·.5 + .5·.5 = 0.5;
        // κ = (0.8 − 0.5) / (1 − 0.5) = 0.6.
        let resolved = question("resolved");
        assert_eq!(resolved["answered"], 10);
        assert_eq!(resolved["method"], "wilson");
        assert_eq!(resolved["agreement"]["pairs"], 10);
        assert!(close(&resolved["agreement"]["percent_agreement"], 0.8), "{resolved}");
        assert!(close(&resolved["agreement"]["kappa"], 0.6), "{resolved}");
        // Each conversation counts once with its most frequent answer, a tie going to the
        // earlier review (Alice's): true for 5 of 10. Wilson, z = 1.959964, z² = 3.841459:
        // centre = (0.5 + z²/20) / (1 + z²/10) = 0.5; half-width = z/(1 + z²/10) ·
        // √(0.5·0.5/10 + z²/400) = 1.416019 · √0.0346036 = 0.263408: 0.2366 to 0.7634;
        // 5 of the 10 conversations in the source.
        let t = estimate(&resolved, "true");
        assert_eq!(t["count"], 5);
        assert!(close(&t["share"], 0.5) && close(&t["low"], 0.236592) && close(&t["high"], 0.763408), "{t}");
        assert!(close(&t["estimated_conversations"], 5.0), "{t}");
        // outcome: both said failure for f0–f2, success for the rest. failure 3 of 10:
        // centre = (0.3 + 0.192073) / 1.384146 = 0.355503, half-width = 1.416019 ·
        // √(0.021 + 0.0096036) = 0.247716: 0.1078 to 0.6032. success 7 of 10: 0.3968 to
        // 0.8922. partial 0 of 10: 0 to 2 · 0.138765 = 0.2775. Agreement 1, and with
        // p_e = 0.3² + 0.7² = 0.58, κ = (1 − 0.58) / (1 − 0.58) = 1.
        let outcome = question("outcome");
        let f = estimate(&outcome, "failure");
        assert!(close(&f["share"], 0.3) && close(&f["low"], 0.107787) && close(&f["high"], 0.603219), "{f}");
        let s = estimate(&outcome, "success");
        assert!(close(&s["low"], 0.396781) && close(&s["high"], 0.892213), "{s}");
        let none = estimate(&outcome, "partial");
        assert!(close(&none["share"], 0.0) && close(&none["low"], 0.0) && close(&none["high"], 0.277530), "{none}");
        assert!(close(&outcome["agreement"]["kappa"], 1.0), "{outcome}");
        // tone: 4 from both, except Bob's 5 for f9: agreement 9/10; chance: Alice 4 always,
        // Bob 4 nine times in ten: p_e = 1 · 0.9 = 0.9; κ = (0.9 − 0.9) / 0.1 = 0. A scale
        // has no share estimate.
        let tone = question("tone");
        assert!(close(&tone["agreement"]["percent_agreement"], 0.9), "{tone}");
        assert!(close(&tone["agreement"]["kappa"], 0.0), "{tone}");
        assert_eq!(tone["estimates"], json!([]));
        assert_eq!(tone["method"], Value::Null);
        assert_eq!(question("notes")["agreement"], Value::Null);

        // --- B. A stratified sample: 5 of 30 web conversations, 5 of 10 on slack. ---
        conversations(&app, "w", 30, "web").await;
        conversations(&app, "s", 10, "slack").await;
        let mut source = ids("w", 30);
        source.extend(ids("s", 10));
        let q = explicit(&app, "strata", json!({"sampling": {"rule": "stratified", "by": "channel", "seed": 3, "count": 5}}), &source).await;
        let admin = app.token.clone().unwrap();
        let mut handed: HashMap<String, usize> = HashMap::new();
        loop {
            let (status, a) = next(&app, &admin, q).await;
            if status == StatusCode::NOT_FOUND {
                break;
            }
            // The first web conversation handed out fails, and the first three on slack.
            let channel = a["conversation"]["channel"].as_str().unwrap().to_owned();
            let n = handed.entry(channel.clone()).or_default();
            let fail = *n < if channel == "web" { 1 } else { 3 };
            *n += 1;
            let body = json!({"outcome": if fail { "failure" } else { "success" }, "resolved": !fail});
            assert_eq!(review(&app, &admin, q, &conversation_of(&a), body).await.0, StatusCode::OK);
        }
        assert_eq!(handed, HashMap::from([("web".to_owned(), 5), ("slack".to_owned(), 5)]));
        let p = app.get_ok(&format!("/api/queues/{q}/progress")).await;
        assert_eq!((p["population"].as_i64(), p["sampled"].as_i64(), p["done"].as_i64()), (Some(40), Some(10), Some(10)));
        let resolved = p["questions"].as_array().unwrap().iter().find(|q| q["id"] == "resolved").unwrap().clone();
        assert_eq!(resolved["method"], "stratified");
        assert_eq!(resolved["agreement"], Value::Null);
        // Weights W_web = 30/40 = 0.75, W_slack = 10/40 = 0.25; failure (false) shares
        // p_web = 1/5 = 0.2, p_slack = 3/5 = 0.6: p = 0.75·0.2 + 0.25·0.6 = 0.30.
        // Variance Σ W² (1 − n/N) p(1 − p) / (n − 1):
        //   web   0.5625 · (1 − 5/30) · 0.16 / 4 = 0.018750
        //   slack 0.0625 · (1 − 5/10) · 0.24 / 4 = 0.001875
        // total 0.020625, standard error 0.143614, half-width 1.959964 · 0.143614 = 0.281478:
        // 0.0185 to 0.5815; 0.30 · 40 = 12 conversations. true: 0.70, 0.4185 to 0.9815.
        let f = estimate(&resolved, "false");
        assert_eq!(f["count"], 4);
        assert!(close(&f["share"], 0.30) && close(&f["low"], 0.018522) && close(&f["high"], 0.581478), "{f}");
        assert!(close(&f["estimated_conversations"], 12.0), "{f}");
        let t = estimate(&resolved, "true");
        assert!(close(&t["share"], 0.70) && close(&t["low"], 0.418522) && close(&t["high"], 0.981478), "{t}");
    }

    async fn eight_reviewers_at_once(app: TestApp) {
        const CONVERSATIONS: usize = 24;
        const NEEDED: usize = 2;
        conversations(&app, "c", CONVERSATIONS, "web").await;
        let mut tokens = Vec::new();
        for i in 0..8 {
            tokens.push(app.user_token(&format!("r{i}"), "reviewer").await);
        }
        let q = explicit(&app, "rush", json!({"reviewers_per_conversation": NEEDED}), &ids("c", CONVERSATIONS)).await;
        let client = app.client.clone();
        let base = app.base.clone();
        let mut workers = Vec::new();
        for token in tokens {
            let (client, base) = (client.clone(), base.clone());
            workers.push(tokio::spawn(async move {
                // (conversation, reserved_at, completed_at) of each review this worker made.
                let mut reviews = Vec::new();
                loop {
                    let res = client.post(format!("{base}/api/queues/{q}/next")).bearer_auth(&token).send().await.unwrap();
                    let status = res.status();
                    let body: Value = res.json().await.unwrap();
                    if status == StatusCode::NOT_FOUND {
                        // Nothing for me now: the queue is finished, or what is left is held
                        // by others or had my turn; wait for them.
                        let progress: Value = client.get(format!("{base}/api/queues/{q}/progress")).bearer_auth(&token)
                            .send().await.unwrap().json().await.unwrap();
                        if progress["reserved"] == 0 && progress["remaining"] == 0 {
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        continue;
                    }
                    assert_eq!(status, StatusCode::OK, "{body}");
                    let id = body["conversation"]["id"].as_str().unwrap().to_owned();
                    let res = client.post(format!("{base}/api/queues/{q}/conversations/{id}/review")).bearer_auth(&token)
                        .json(&json!({"answers": {"outcome": "success"}})).send().await.unwrap();
                    assert_eq!(res.status(), StatusCode::OK);
                    let done: Value = res.json().await.unwrap();
                    assert_eq!(done["reserved_at"], body["reserved_at"]);
                    let at = |v: &Value| parse(v.as_str().unwrap());
                    reviews.push((id, at(&body["reserved_at"]), at(&done["completed_at"]), done["reviewer"].as_str().unwrap().to_owned()));
                }
                reviews
            }));
        }
        type Review = (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>, String);
        let mut by_conversation: HashMap<String, Vec<Review>> = HashMap::new();
        for w in workers {
            for (id, from, to, who) in w.await.unwrap() {
                by_conversation.entry(id).or_default().push((from, to, who));
            }
        }
        assert_eq!(by_conversation.len(), CONVERSATIONS);
        for (id, mut reviews) in by_conversation {
            assert_eq!(reviews.len(), NEEDED, "{id}: {reviews:?}");
            let people: HashSet<&String> = reviews.iter().map(|r| &r.2).collect();
            assert_eq!(people.len(), NEEDED, "{id}: {reviews:?}");
            // Never held by two at once: each reservation began after the previous ended.
            reviews.sort();
            for pair in reviews.windows(2) {
                assert!(pair[0].1 <= pair[1].0, "{id}: {reviews:?}");
            }
        }
        let p = app.get_ok(&format!("/api/queues/{q}/progress")).await;
        assert_eq!((p["done"].as_i64(), p["reserved"].as_i64(), p["remaining"].as_i64()), (Some((CONVERSATIONS * NEEDED) as i64), Some(0), Some(0)));
        assert_eq!(p["conversations_complete"], CONVERSATIONS);
    }
}

fn parse(t: &str) -> chrono::DateTime<chrono::Utc> {
    t.parse().unwrap()
}

both_backends! {
    // Slice 4: the answers are inbox filters, `score.QUESTION=VALUE[,VALUE…]`, everywhere a
    // filter is taken (listing, count, saved filters, and so a queue's source).
    async fn answers_filter_the_inbox(app: TestApp) {
        conversations(&app, "c", 4, "web").await;
        let admin = app.token.clone().unwrap();
        let q = explicit(&app, "scored", json!({}), &ids("c", 3)).await;
        let answers = |id: &str| match id {
            "c0" => json!({"outcome": "failure", "resolved": false, "tone": 2, "notes": "looped twice"}),
            "c1" => json!({"outcome": "partial", "resolved": false, "tone": 4}),
            _ => json!({"outcome": "success", "resolved": true, "tone": 4}),
        };
        loop {
            let (status, a) = next(&app, &admin, q).await;
            if status == StatusCode::NOT_FOUND {
                break;
            }
            let id = conversation_of(&a);
            assert_eq!(review(&app, &admin, q, &id, answers(&id)).await.0, StatusCode::OK);
        }
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        assert_eq!(sorted(app.ids("score.outcome=failure").await), ["c0"]);
        // Values of one question: any of them; two questions: both.
        assert_eq!(sorted(app.ids("score.outcome=failure,partial").await), ["c0", "c1"]);
        assert_eq!(sorted(app.ids("score.outcome=failure&score.outcome=success").await), ["c0", "c2"]);
        assert_eq!(sorted(app.ids("score.resolved=false&score.tone=4").await), ["c1"]);
        assert_eq!(sorted(app.ids("score.notes=looped%20twice").await), ["c0"]);
        // c3 was never reviewed; an unknown question or value matches nothing.
        assert!(app.ids("score.outcome=handover").await.is_empty());
        assert!(app.ids("score.nothing=1").await.is_empty());
        assert_eq!(app.count("score.resolved=false").await, 2);
        let (status, err) = app.get("/api/conversations?score.=x").await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::BAD_REQUEST, json!("score.")));
        // A saved filter of failures is the source of a follow-up queue.
        let (status, filter) = app
            .post_json("/api/filters", &json!({"name": "failed", "query": "score.outcome=failure,partial", "shared": true}))
            .await;
        assert_eq!(status, StatusCode::OK, "{filter}");
        let follow_up = create(&app, json!({"name": "follow-up", "source": {"kind": "filter", "filter_id": filter["id"]}, "rubric": rubric()})).await;
        assert_eq!(follow_up["population"], 2);
    }
}

both_backends! {
    // Changing the reviewers a conversation needs reopens or closes conversations at once;
    // deleting a queue takes its reviews and answers with it.
    async fn reviewers_per_conversation_can_change(app: TestApp) {
        conversations(&app, "c", 2, "web").await;
        let alice = app.user_token("alice", "reviewer").await;
        let bob = app.user_token("bob", "reviewer").await;
        let q = explicit(&app, "grow", json!({}), &ids("c", 2)).await;
        for _ in 0..2 {
            let (status, a) = next(&app, &alice, q).await;
            assert_eq!(status, StatusCode::OK, "{a}");
            assert_eq!(review(&app, &alice, q, &conversation_of(&a), json!({"outcome": "success"})).await.0, StatusCode::OK);
        }
        assert_eq!(next(&app, &bob, q).await.0, StatusCode::NOT_FOUND);
        let path = format!("/api/queues/{q}");
        assert_eq!(patch(&app, &path, &json!({"reviewers_per_conversation": 2})).await.0, StatusCode::OK);
        let (status, b) = next(&app, &bob, q).await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert_eq!((b["reviews_done"].as_i64(), b["reviews_needed"].as_i64()), (Some(1), Some(2)));
        assert_eq!(review(&app, &bob, q, &conversation_of(&b), json!({"outcome": "failure"})).await.0, StatusCode::OK);
        let p = app.get_ok(&format!("/api/queues/{q}/progress")).await;
        assert_eq!((p["done"].as_i64(), p["remaining"].as_i64(), p["conversations_complete"].as_i64()), (Some(3), Some(1), Some(1)));
        // Back to one: every conversation has its review.
        assert_eq!(patch(&app, &path, &json!({"reviewers_per_conversation": 1})).await.0, StatusCode::OK);
        assert_eq!(next(&app, &bob, q).await.0, StatusCode::NOT_FOUND);
        let p = app.get_ok(&format!("/api/queues/{q}/progress")).await;
        assert_eq!((p["remaining"].as_i64(), p["conversations_complete"].as_i64()), (Some(0), Some(2)));
        assert_eq!(app.send(app.request(Method::DELETE, &path)).await.0, StatusCode::NO_CONTENT);
        assert!(app.ids("score.outcome=failure").await.is_empty());
    }
}
