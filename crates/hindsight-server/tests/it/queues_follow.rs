//! Review queues filled from a saved filter take the conversations imports bring (issue 13):
//! through a tracker file, the HTTP trackers and events endpoints (the broker's own test is
//! in `broker.rs`), exactly those the kept filter matches, sampled as at creation, never
//! twice, and a paused or explicit queue takes none.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use diesel::prelude::*;
use hindsight_server::db::schema::{conversations, queue_conversations as qc};
use hindsight_server::ingest::IngestOptions;
use hindsight_server::review::sampling::{hash, unit};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::queues::greetings;
use crate::rasa::{self, action, user, T0};

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

fn rubric() -> Value {
    json!([{"id": "outcome", "prompt": "How did it end?", "kind": "pass_fail"}])
}

/// The queue's conversations by sender id, each with (stratum, sampled).
pub fn members(app: &TestApp, queue: i64) -> BTreeMap<String, (String, bool)> {
    let mut conn = app.state.pool.get().unwrap();
    qc::table
        .inner_join(conversations::table)
        .filter(qc::queue_id.eq(queue))
        .select((conversations::sender_id, qc::stratum, qc::sampled))
        .load::<(String, String, bool)>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|(sender, stratum, sampled)| (sender, (stratum, sampled)))
        .collect()
}

/// The sender ids of `members` that were sampled.
pub fn sampled(members: &BTreeMap<String, (String, bool)>) -> BTreeSet<String> {
    members
        .iter()
        .filter(|(_, (_, s))| *s)
        .map(|(id, _)| id.clone())
        .collect()
}

/// A saved filter of `query`; its id.
pub async fn saved_filter(app: &TestApp, name: &str, query: &str) -> i64 {
    let (status, filter) = app
        .post_json(
            "/api/filters",
            &json!({"name": name, "query": query, "shared": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{filter}");
    filter["id"].as_i64().unwrap()
}

/// Creates a queue named `name` from the saved filter `filter` (or an explicit one) with
/// `extra` fields; its id.
pub async fn queue(app: &TestApp, name: &str, filter: Option<i64>, extra: Value) -> i64 {
    let source = match filter {
        Some(id) => json!({"kind": "filter", "filter_id": id}),
        None => json!({"kind": "explicit"}),
    };
    let mut body = json!({"name": name, "source": source, "rubric": rubric()});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, queue) = app.post_json("/api/queues", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{queue}");
    queue["id"].as_i64().unwrap()
}

/// Imports a tracker file through the command line's import, as `hindsight import` does.
async fn import_file(app: &TestApp, dir: PathBuf) {
    import_file_with(app, dir, IngestOptions::default()).await
}

async fn import_file_with(app: &TestApp, dir: PathBuf, opts: IngestOptions) {
    let pool = app.state.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        let summary =
            hindsight_server::cli::import_files(&mut conn, &[dir], &opts, true, false).unwrap();
        assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    })
    .await
    .unwrap();
}

async fn post_events(app: &TestApp, sender: &str, events: Value) {
    let (status, body) = app
        .post_json(&format!("/api/conversations/{sender}/events"), &events)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The `count` conversations of the smallest hashes under `seed` among `ids`.
fn smallest(seed: u64, ids: &[String], count: usize) -> BTreeSet<String> {
    let mut by_hash: Vec<(u64, &String)> = ids.iter().map(|s| (hash(seed, s), s)).collect();
    by_hash.sort();
    by_hash
        .into_iter()
        .take(count)
        .map(|(_, s)| s.clone())
        .collect()
}

both_backends! {
    async fn imports_join_the_queues_of_a_filter(app: TestApp) {
        app.import(&Value::Array(greetings("a", 12, "web"))).await;
        app.import(&Value::Array(greetings("s", 4, "slack"))).await;
        // A conversation without a user message yet: its channel is still unknown.
        post_events(&app, "early", json!([action("action_session_start", "RulePolicy", 1.0, T0)])).await;
        let web = saved_filter(&app, "web", "channel=web").await;
        let both = saved_filter(&app, "web and slack", "channel=web,slack").await;
        let shared = json!({"sampling": {"rule": "share", "share": 0.5, "seed": 11}});
        let share_q = queue(&app, "share", Some(web), shared.clone()).await;
        let paused_q = queue(&app, "paused", Some(web), json!({"paused": true})).await;
        let explicit_q = queue(&app, "explicit", None, json!({})).await;
        // A substring: tested on the imported conversations' own messages.
        let holds_again = saved_filter(&app, "again", "text=AGAIN&text_mode=substring").await;
        let text_q = queue(&app, "text", Some(holds_again), json!({})).await;
        let count_q = queue(&app, "count", Some(both), json!({"sampling": {"rule": "stratified",
            "by": "channel", "seed": 2, "count": 3, "strata": {"slack": {"count": 6}}}})).await;
        assert_eq!(members(&app, share_q).keys().cloned().collect::<Vec<_>>(), {
            let mut a = names("a", 12);
            a.sort();
            a
        });

        // A file: 8 on web and 3 on slack.
        let dir = tempfile::tempdir().unwrap();
        let mut file = greetings("f", 8, "web");
        file.extend(greetings("fs", 3, "slack"));
        std::fs::write(dir.path().join("trackers.json"), Value::Array(file).to_string()).unwrap();
        import_file(&app, dir.path().to_owned()).await;
        // The events endpoint: the early conversation's first user message, on web; and an
        // old slack conversation whose latest message comes from web (a conversation's
        // channel is its latest user message's), which the web filter now matches.
        post_events(&app, "early", json!([user("hello", "greet", 0.9, T0 + 1.0, "web")])).await;
        post_events(&app, "s0", json!(user("again", "greet", 0.9, T0 + 99.0, "web"))).await;
        // The trackers endpoint.
        app.import(&Value::Array(greetings("h", 5, "web"))).await;

        // The share queue: every web conversation with a user message, each sampled when its
        // hash under seed 11 is below 0.5.
        let mut expected: Vec<String> = names("a", 12);
        expected.extend(names("f", 8));
        expected.extend(names("h", 5));
        expected.extend(["early".to_owned(), "s0".to_owned()]);
        let share = members(&app, share_q);
        assert_eq!(share.keys().cloned().collect::<BTreeSet<_>>(), expected.iter().cloned().collect());
        let by_rule: BTreeSet<String> = expected.iter().filter(|s| unit(hash(11, s)) < 0.5).cloned().collect();
        assert_eq!(sampled(&share), by_rule);
        assert!(!by_rule.is_empty() && by_rule.len() < expected.len(), "{by_rule:?}");
        // The same rule over the same data at creation: the same conversations.
        let again = queue(&app, "again", Some(web), shared.clone()).await;
        assert_eq!(members(&app, again), share);
        assert_eq!(members(&app, text_q).keys().collect::<Vec<_>>(), ["s0"]);
        // A paused queue keeps what it had; an explicit one takes nothing by itself.
        assert_eq!(members(&app, paused_q).len(), 12);
        assert!(members(&app, explicit_q).is_empty());

        // The count queue: web had its 3 at creation, so later web conversations join
        // unsampled; slack held 4 of its 6, so 2 of the file's 3 slack conversations (the
        // smallest hashes under seed 2) are sampled. s0 joined at creation, on slack.
        let count = members(&app, count_q);
        assert_eq!(count.len(), 12 + 4 + 8 + 3 + 1 + 5);
        assert_eq!(count["s0"].0, "slack");
        assert_eq!(count["early"], ("web".to_owned(), false));
        let mut want = smallest(2, &names("a", 12), 3);
        want.extend(names("s", 4));
        want.extend(smallest(2, &names("fs", 3), 2));
        assert_eq!(sampled(&count), want);
        let q = app.get_ok(&format!("/api/queues/{count_q}")).await;
        assert_eq!((q["population"].as_i64(), q["sampled"].as_i64()), (Some(33), Some(9)));

        // Everything again: nothing stored twice, nothing joins twice.
        import_file(&app, dir.path().to_owned()).await;
        app.import(&Value::Array(greetings("h", 5, "web"))).await;
        app.import(&Value::Array(greetings("a", 12, "web"))).await;
        post_events(&app, "early", json!([user("hello", "greet", 0.9, T0 + 1.0, "web")])).await;
        assert_eq!(members(&app, share_q), share);
        assert_eq!(members(&app, count_q), count);
        // A paused queue resumed takes what is imported from then on.
        let (status, _) = app
            .send(app.request(reqwest::Method::PATCH, &format!("/api/queues/{paused_q}")).json(&json!({"paused": false})))
            .await;
        assert_eq!(status, StatusCode::OK);
        app.import(&Value::Array(greetings("late", 1, "web"))).await;
        assert_eq!(members(&app, paused_q).len(), 13);
        assert!(members(&app, paused_q).contains_key("late0"));
        assert!(members(&app, share_q).contains_key("late0"));
        // Conversations the filter does not match stay out.
        app.import(&Value::Array(greetings("other", 2, "telegram"))).await;
        assert!(!members(&app, share_q).contains_key("other0"));
        assert_eq!(members(&app, count_q).len(), 34);
    }
}

/// A conversation `sender` on web whose first user message says `first` and its second
/// `then`.
fn opening(sender: &str, first: &str, then: &str) -> Value {
    rasa::tracker(
        sender,
        vec![
            action("action_listen", "RulePolicy", 1.0, T0),
            user("first", first, 0.9, T0 + 1.0, "web"),
            user("then", then, 0.9, T0 + 2.0, "web"),
        ],
    )
}

/// Stores trackers as the event broker's consumer does, naming each one's environment.
async fn store_as_broker(app: &TestApp, trackers: Vec<(Value, &str)>) {
    use hindsight_server::service::ingest::{store_batch, IngestBatch};
    let mut batch = IngestBatch::default();
    for (tracker, env) in trackers {
        let conv =
            hindsight_server::ingest::parse_tracker_body(&tracker.to_string(), None).unwrap();
        batch
            .environments
            .insert(conv.sender_id.clone(), env.to_owned());
        batch.conversations.push(conv);
    }
    let pool = app.state.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        store_batch(&mut conn, batch, &IngestOptions::default()).unwrap();
    })
    .await
    .unwrap();
}

both_backends! {
    async fn strata_by_first_intent_estimated_by_hand(app: TestApp) {
        // g: greet first, then ask; k: ask first, then greet. The stratum is the first.
        let opened = |prefix: &str, range: std::ops::Range<usize>, first: &str, then: &str| {
            Value::Array(range.map(|i| opening(&format!("{prefix}{i}"), first, then)).collect())
        };
        app.import(&opened("g", 0..4, "greet", "ask")).await;
        app.import(&opened("k", 0..2, "ask", "greet")).await;
        let web = saved_filter(&app, "web", "channel=web").await;
        let (status, err) = app.post_json("/api/queues", &json!({"name": "bad", "rubric": rubric(),
            "source": {"kind": "filter", "filter_id": web},
            "sampling": {"rule": "stratified", "by": "tag", "count": 3}})).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::BAD_REQUEST, json!("sampling.by")), "{err}");
        let q = queue(&app, "by intent", Some(web), json!({"sampling": {"rule": "stratified", "by": "intent", "seed": 4, "count": 3}})).await;
        let (_, queue_json) = app.get(&format!("/api/queues/{q}")).await;
        assert_eq!(queue_json["sampling"]["by"], "intent");
        // Then two more of each: greet has its 3 already, ask takes 1 (the smaller hash).
        app.import(&opened("g", 4..6, "greet", "ask")).await;
        app.import(&opened("k", 2..4, "ask", "greet")).await;
        let m = members(&app, q);
        assert_eq!(m.len(), 10);
        for (id, (stratum, _)) in &m {
            assert_eq!(stratum, if id.starts_with('g') { "greet" } else { "ask" }, "{id}");
        }
        let mut want = smallest(4, &names("g", 4), 3);
        want.extend(names("k", 2));
        want.extend(smallest(4, &names("k", 4)[2..], 1));
        assert_eq!(sampled(&m), want);

        // Reviews: the first greet conversation handed out fails, and the first two on ask.
        let admin = app.token.clone().unwrap();
        let mut handed: BTreeMap<char, usize> = BTreeMap::new();
        loop {
            let path = format!("/api/queues/{q}/next");
            let (status, a) = app.send(app.client.post(app.url(&path)).bearer_auth(&admin)).await;
            if status == StatusCode::NOT_FOUND {
                break;
            }
            assert_eq!(status, StatusCode::OK, "{a}");
            let id = a["conversation"]["id"].as_str().unwrap().to_owned();
            let kind = id.chars().next().unwrap();
            let n = handed.entry(kind).or_default();
            let fail = *n < if kind == 'g' { 1 } else { 2 };
            *n += 1;
            let (status, body) = app
                .post_json(&format!("/api/queues/{q}/conversations/{id}/review"), &json!({"answers": {"outcome": !fail}}))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        assert_eq!(handed, BTreeMap::from([('g', 3), ('k', 3)]));
        // Weights W_greet = 6/10, W_ask = 4/10; failure shares p_greet = 1/3, p_ask = 2/3:
        // p = 0.6/3 + 0.8/3 = 0.466667. Variance Σ W² (1 − n/N) p(1 − p) / (n − 1):
        //   greet 0.36 · (1 − 3/6) · (2/9) / 2 = 0.020000
        //   ask   0.16 · (1 − 3/4) · (2/9) / 2 = 0.004444
        // total 0.024444, standard error 0.156347, half-width 1.959964 · 0.156347 = 0.306435:
        // 0.160232 to 0.773101; 0.466667 · 10 = 4.67 conversations.
        let p = app.get_ok(&format!("/api/queues/{q}/progress")).await;
        assert_eq!((p["population"].as_i64(), p["sampled"].as_i64(), p["done"].as_i64()), (Some(10), Some(6), Some(6)));
        let outcome = p["questions"].as_array().unwrap().iter().find(|q| q["id"] == "outcome").unwrap().clone();
        assert_eq!(outcome["method"], "stratified");
        let failed = outcome["estimates"].as_array().unwrap().iter().find(|e| e["value"] == "false").unwrap().clone();
        let close = |v: &Value, want: f64| v.as_f64().is_some_and(|v| (v - want).abs() < 1e-4);
        assert!(close(&failed["share"], 0.466667) && close(&failed["low"], 0.160232) && close(&failed["high"], 0.773101), "{failed}");
        assert!(close(&failed["estimated_conversations"], 4.666667), "{failed}");
    }

    async fn strata_by_environment(app: TestApp) {
        app.import(&Value::Array(greetings("u", 1, "web"))).await;
        let web = saved_filter(&app, "web", "channel=web").await;
        let rule = json!({"sampling": {"rule": "stratified", "by": "environment", "seed": 9,
            "share": 1.0, "strata": {"production": {"count": 2}}}});
        let q = queue(&app, "by environment", Some(web), rule.clone()).await;
        // As the broker stores them: four from production, two from staging.
        let mut batch: Vec<(Value, &str)> = greetings("p", 4, "web").into_iter().map(|t| (t, "production")).collect();
        batch.extend(greetings("t", 2, "web").into_iter().map(|t| (t, "staging")));
        store_as_broker(&app, batch).await;
        let m = members(&app, q);
        let strata: BTreeMap<&str, &str> = m.iter().map(|(id, (s, _))| (id.as_str(), s.as_str())).collect();
        assert_eq!(strata, BTreeMap::from([("u0", ""), ("p0", "production"), ("p1", "production"),
            ("p2", "production"), ("p3", "production"), ("t0", "staging"), ("t1", "staging")]));
        let mut want = smallest(9, &names("p", 4), 2);
        want.extend(["t0".to_owned(), "t1".to_owned(), "u0".to_owned()]);
        assert_eq!(sampled(&m), want);
        // The same rule over the same data at creation: the same conversations.
        let again = queue(&app, "again", Some(web), rule).await;
        assert_eq!(members(&app, again), m);
    }
}

both_backends! {
    async fn the_trash_stays_out_until_an_import_restores(app: TestApp) {
        app.import(&Value::Array(greetings("x", 2, "web"))).await;
        let (status, _) = app.send(app.request(reqwest::Method::DELETE, "/api/conversations/x1")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let web = saved_filter(&app, "web", "channel=web").await;
        let q = queue(&app, "web", Some(web), json!({})).await;
        assert_eq!(members(&app, q).keys().collect::<Vec<_>>(), ["x0"]);
        // New events of a conversation in the trash are stored; it stays there, and out.
        post_events(&app, "x1", json!(user("still here?", "greet", 0.9, T0 + 50.0, "web"))).await;
        assert_eq!(members(&app, q).len(), 1);
        // An import that restores what it touches brings it back, and into the queue.
        let dir = tempfile::tempdir().unwrap();
        let mut more = rasa::greeting("x1", T0, "web", 0.9, 0.9);
        more["events"].as_array_mut().unwrap().push(user("back", "greet", 0.9, T0 + 60.0, "web"));
        std::fs::write(dir.path().join("x1.json"), more.to_string()).unwrap();
        let opts = IngestOptions { restore_deleted: true, ..IngestOptions::default() };
        import_file_with(&app, dir.path().to_owned(), opts).await;
        assert_eq!(members(&app, q).keys().collect::<Vec<_>>(), ["x0", "x1"]);
    }
}
