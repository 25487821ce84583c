//! Review queues (issue 13): the helpers the queue tests share, administration and
//! validation, sampling, and changing how many reviewers a conversation needs. The review
//! flow is in `queue_review`, findings in `queue_findings`.

use std::collections::HashSet;

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

pub(crate) async fn patch(app: &TestApp, path: &str, body: &Value) -> (StatusCode, Value) {
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

pub(crate) async fn turn(
    app: &TestApp,
    token: &str,
    queue: i64,
    id: &str,
    what: &str,
) -> StatusCode {
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

/// A timestamp of an answer.
pub(crate) fn parse(t: &str) -> chrono::DateTime<chrono::Utc> {
    t.parse().unwrap()
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
