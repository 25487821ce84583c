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
use crate::rasa::{self, action, user, T0};

/// Trackers `{prefix}{i}` for i in 0..n, each a greeting on `channel`.
fn trackers(prefix: &str, n: usize, channel: &str) -> Vec<Value> {
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
    let pool = app.state.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        let summary = hindsight_server::cli::import_files(
            &mut conn,
            &[dir],
            &IngestOptions::default(),
            true,
            false,
        )
        .unwrap();
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
        app.import(&Value::Array(trackers("a", 12, "web"))).await;
        app.import(&Value::Array(trackers("s", 4, "slack"))).await;
        // A conversation without a user message yet: its channel is still unknown.
        post_events(&app, "early", json!([action("action_session_start", "RulePolicy", 1.0, T0)])).await;
        let web = saved_filter(&app, "web", "channel=web").await;
        let both = saved_filter(&app, "web and slack", "channel=web,slack").await;
        let shared = json!({"sampling": {"rule": "share", "share": 0.5, "seed": 11}});
        let share_q = queue(&app, "share", Some(web), shared.clone()).await;
        let paused_q = queue(&app, "paused", Some(web), json!({"paused": true})).await;
        let explicit_q = queue(&app, "explicit", None, json!({})).await;
        let count_q = queue(&app, "count", Some(both), json!({"sampling": {"rule": "stratified",
            "by": "channel", "seed": 2, "count": 3, "strata": {"slack": {"count": 6}}}})).await;
        assert_eq!(members(&app, share_q).keys().cloned().collect::<Vec<_>>(), {
            let mut a = names("a", 12);
            a.sort();
            a
        });

        // A file: 8 on web and 3 on slack.
        let dir = tempfile::tempdir().unwrap();
        let mut file = trackers("f", 8, "web");
        file.extend(trackers("fs", 3, "slack"));
        std::fs::write(dir.path().join("trackers.json"), Value::Array(file).to_string()).unwrap();
        import_file(&app, dir.path().to_owned()).await;
        // The events endpoint: the early conversation's first user message, on web; and an
        // old slack conversation whose latest message comes from web (a conversation's
        // channel is its latest user message's), which the web filter now matches.
        post_events(&app, "early", json!([user("hello", "greet", 0.9, T0 + 1.0, "web")])).await;
        post_events(&app, "s0", json!(user("again", "greet", 0.9, T0 + 99.0, "web"))).await;
        // The trackers endpoint.
        app.import(&Value::Array(trackers("h", 5, "web"))).await;

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
        app.import(&Value::Array(trackers("h", 5, "web"))).await;
        app.import(&Value::Array(trackers("a", 12, "web"))).await;
        post_events(&app, "early", json!([user("hello", "greet", 0.9, T0 + 1.0, "web")])).await;
        assert_eq!(members(&app, share_q), share);
        assert_eq!(members(&app, count_q), count);
        // A paused queue resumed takes what is imported from then on.
        let (status, _) = app
            .send(app.request(reqwest::Method::PATCH, &format!("/api/queues/{paused_q}")).json(&json!({"paused": false})))
            .await;
        assert_eq!(status, StatusCode::OK);
        app.import(&Value::Array(trackers("late", 1, "web"))).await;
        assert_eq!(members(&app, paused_q).len(), 13);
        assert!(members(&app, paused_q).contains_key("late0"));
        assert!(members(&app, share_q).contains_key("late0"));
        // Conversations the filter does not match stay out.
        app.import(&Value::Array(trackers("other", 2, "telegram"))).await;
        assert!(!members(&app, share_q).contains_key("other0"));
        assert_eq!(members(&app, count_q).len(), 34);
    }
}
