//! Discover (issue 15): runs off the request path, the groups they find, dismissing a group,
//! the inbox filter of a group, the filter restricting the candidates, one run at a time,
//! validation and roles.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::annotations::{annotate, event_ids};
use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa;

const DAY: f64 = 86_400.0;

fn now() -> f64 {
    chrono::Utc::now().timestamp() as f64
}

/// A conversation: a handled greeting, then `turns` (user text, intent, confidence, action
/// after it), `days` days ago.
pub(crate) fn conversation(
    sender: &str,
    channel: &str,
    days: f64,
    turns: &[(&str, &str, f64, &str)],
) -> Value {
    let t = now() - days * DAY;
    let mut events = vec![
        rasa::action("action_listen", "RulePolicy", 1.0, t),
        rasa::user("hello there", "greet", 0.98, t + 1.0, channel),
        rasa::action("utter_greet", "TEDPolicy", 0.99, t + 2.0),
    ];
    for (i, (text, intent, confidence, action)) in turns.iter().enumerate() {
        let ts = t + 10.0 * (i as f64 + 1.0);
        events.push(rasa::user(text, intent, *confidence, ts, channel));
        events.push(rasa::action(action, "TEDPolicy", 0.9, ts + 1.0));
        events.push(rasa::action("action_listen", "TEDPolicy", 0.99, ts + 2.0));
    }
    rasa::tracker(sender, events)
}

/// Three groups of unhandled phrasing and handled noise:
/// - `a1`–`a6` (web, 2 days ago): paying in bitcoin, predicted `nlu_fallback`;
/// - `b1`–`b6` (web, 10 days ago): the nearest store, low confidence, split across two
///   intents;
/// - `c1`–`c6` (telegram, 3 days ago): a human agent, followed by the fallback action; `c1`
///   asked twice, rephrasing.
pub(crate) async fn fixture(app: &TestApp) {
    let mut all = Vec::new();
    let bitcoin = [
        "can I pay with bitcoin",
        "do you take bitcoin",
        "pay in bitcoin please",
        "bitcoin payment possible",
        "Can I pay with Bitcoin?",
        "can i pay using bitcoin",
    ];
    for (i, text) in bitcoin.iter().enumerate() {
        let turns = [
            (*text, "nlu_fallback", 0.9, "utter_ask_rephrase"),
            ("thanks", "thank", 0.97, "utter_welcome"),
        ];
        all.push(conversation(&format!("a{}", i + 1), "web", 2.0, &turns));
    }
    let store = [
        ("where is the nearest store", "ask_location"),
        ("nearest store to me", "ask_location"),
        ("is there a store near me", "ask_location"),
        ("find a store near me", "ask_location"),
        ("store near me open now", "ask_hours"),
        ("where's your nearest store", "ask_hours"),
    ];
    for (i, (text, intent)) in store.iter().enumerate() {
        let turns = [(*text, *intent, 0.3, "utter_location")];
        all.push(conversation(&format!("b{}", i + 1), "web", 10.0, &turns));
    }
    let human = [
        "talk to a human",
        "I want to talk to a human",
        "can I talk to a human agent",
        "talk to human",
        "please let me talk to a human",
    ];
    all.push(conversation(
        "c1",
        "telegram",
        3.0,
        &[
            (
                "let me talk to a human now",
                "chitchat",
                0.9,
                "utter_chitchat",
            ),
            (
                "let me talk to a human now!!",
                "chitchat",
                0.9,
                "action_default_fallback",
            ),
        ],
    ));
    for (i, text) in human.iter().enumerate() {
        let turns = [(*text, "chitchat", 0.9, "action_default_fallback")];
        all.push(conversation(
            &format!("c{}", i + 2),
            "telegram",
            3.0,
            &turns,
        ));
    }
    // Handled: confident, no fallback, no rephrasing; and two unhandled loners.
    for i in 0..6 {
        let turns = [
            (
                "what are your opening hours",
                "ask_hours",
                0.95,
                "utter_hours",
            ),
            ("great, thanks", "thank", 0.99, "utter_welcome"),
        ];
        all.push(conversation(&format!("h{i}"), "web", 1.0, &turns));
    }
    all.push(conversation(
        "n1",
        "web",
        1.0,
        &[("the quick brown fox", "nlu_fallback", 0.9, "utter_x")],
    ));
    all.push(conversation(
        "n2",
        "web",
        1.0,
        &[("zzz qqq", "out_of_scope", 0.9, "utter_x")],
    ));
    app.import(&Value::Array(all)).await;
}

/// Starts a run (202) and waits for it to finish; returns it.
pub(crate) async fn run_to_end(app: &TestApp, settings: Value) -> Value {
    let (status, started) = app.post_json("/api/discover/runs", &settings).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    wait(app, started["id"].as_i64().unwrap()).await
}

pub(crate) async fn wait(app: &TestApp, id: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let run = app.get_ok(&format!("/api/discover/runs/{id}")).await;
        if run["state"] != "running" {
            assert_eq!(run["state"], "finished", "{run}");
            return run;
        }
        assert!(Instant::now() < deadline, "run {id} still running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The latest result's groups not dismissed, by their first term.
pub(crate) async fn groups(app: &TestApp) -> Vec<(String, Value)> {
    let result = app.get_ok("/api/discover").await;
    let mut out: Vec<(String, Value)> = result["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["dismissed"].is_null())
        .map(|g| (g["terms"][0].as_str().unwrap().to_owned(), g.clone()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

pub(crate) fn group<'a>(groups: &'a [(String, Value)], term: &str) -> &'a Value {
    &groups
        .iter()
        .find(|(t, _)| t == term)
        .unwrap_or_else(|| panic!("no `{term}` group in {groups:?}"))
        .1
}

both_backends! {
    async fn finds_ranks_dismisses_and_filters(app: TestApp) {
        fixture(&app).await;
        // Nothing yet: an empty result, at once.
        let empty = app.get_ok("/api/discover").await;
        assert!(empty["run"].is_null() && empty["groups"] == json!([]), "{empty}");
        // One bitcoin message is a saved NLU example: it and its folded twin are covered.
        let a1 = event_ids(&app, "a1", "user").await;
        assert_eq!(annotate(&app, "a1", a1[1], &json!({"intent": "pay_crypto"})).await.0, StatusCode::OK);

        let settings = json!({"min_group_size": 4});
        let finished = run_to_end(&app, settings).await;
        assert_eq!(finished["candidates"], 6 + 6 + 7 + 2, "{finished}");
        assert_eq!(finished["truncated"], false);
        let result = app.get_ok("/api/discover").await;
        assert_eq!(result["run"]["id"], finished["id"]);
        assert!(result["age_seconds"].as_i64().unwrap() >= 0);
        assert_eq!(result["run"]["settings"]["intents"], json!(["nlu_fallback", "out_of_scope"]));
        let found = groups(&app).await;
        let terms: Vec<&str> = found.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(terms, ["bitcoin", "human", "store"], "{result}");

        let bitcoin = group(&found, "bitcoin");
        assert_eq!((bitcoin["size"].as_i64(), bitcoin["senders"].as_i64()), (Some(6), Some(6)));
        assert_eq!(bitcoin["intents"], json!([{"intent": "nlu_fallback", "count": 6}]));
        assert_eq!((bitcoin["last_7_days"].as_i64(), bitcoin["previous_7_days"].as_i64()), (Some(6), Some(0)));
        assert_eq!(bitcoin["covered"], 2);
        assert_eq!(bitcoin["representatives"].as_array().unwrap().len(), 5);
        assert!(bitcoin["representatives"].as_array().unwrap().iter().all(|r| r["sender_id"].as_str().unwrap().starts_with('a')));
        let store = group(&found, "store");
        assert_eq!((store["size"].as_i64(), store["senders"].as_i64()), (Some(6), Some(6)));
        // Split across two intents: a confusion.
        assert_eq!(store["intents"], json!([{"intent": "ask_location", "count": 4}, {"intent": "ask_hours", "count": 2}]));
        assert_eq!((store["last_7_days"].as_i64(), store["previous_7_days"].as_i64()), (Some(0), Some(6)));
        assert_eq!(store["covered"], 0);
        let human = group(&found, "human");
        // `c1`'s rephrased message and its rephrasing, which the fallback followed.
        assert_eq!((human["size"].as_i64(), human["senders"].as_i64()), (Some(7), Some(6)));
        assert_eq!(human["intents"], json!([{"intent": "chitchat", "count": 7}]));
        // Ranked by size × trend: the growing bitcoin group above the older store one.
        let order: Vec<&Value> = result["groups"].as_array().unwrap().iter().map(|g| &g["terms"][0]).collect();
        assert_eq!(order.last().unwrap().as_str(), Some("store"), "{result}");

        // A group's conversations in the inbox, through a filter that round-trips.
        let query = bitcoin["inbox_query"].as_str().unwrap();
        assert_eq!(query, format!("discover_group={}", bitcoin["id"]));
        assert_eq!(app.all_ids(query).await, ["a1", "a2", "a3", "a4", "a5", "a6"]);
        assert_eq!(app.count(&format!("{query}&channel=telegram")).await, 0);
        let (status, saved) = app.post_json("/api/filters", &json!({"name": "bitcoin", "query": query})).await;
        assert_eq!(status, StatusCode::OK, "{saved}");

        // Dismissed as known: its messages stay out of the next run.
        let path = format!("/api/discover/groups/{}/dismiss", bitcoin["id"]);
        let (status, err) = app.post_json(&path, &json!({"reason": "maybe"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
        let (status, dismissed) = app.post_json(&path, &json!({"reason": "known"})).await;
        assert_eq!(status, StatusCode::OK, "{dismissed}");
        assert_eq!(dismissed["dismissed"]["reason"], "known");
        assert_eq!(dismissed["dismissed"]["by"], "tester");
        let (status, _) = app.post_json("/api/discover/groups/999999/dismiss", &json!({"reason": "noise"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let second = run_to_end(&app, json!({"min_group_size": 4})).await;
        assert_eq!(second["candidates"], 6 + 7 + 2, "{second}");
        let terms: Vec<String> = groups(&app).await.into_iter().map(|(t, _)| t).collect();
        assert_eq!(terms, ["human", "store"]);

        // The inbox filter restricts the candidates.
        let telegram = run_to_end(&app, json!({"min_group_size": 4, "query": "channel=telegram"})).await;
        assert_eq!(telegram["candidates"], 7);
        let terms: Vec<String> = groups(&app).await.into_iter().map(|(t, _)| t).collect();
        assert_eq!(terms, ["human"]);
        // Rules off but the intents: only predicted fallbacks and out-of-scope.
        let intents_only = json!({"min_group_size": 4, "below_confidence": 0, "fallback_within_turns": 0, "rephrase_similarity": 0});
        let only = run_to_end(&app, intents_only).await;
        assert_eq!(only["candidates"], 2, "the bitcoin messages are dismissed: {only}");

        let audit = app.get_ok("/api/audit").await;
        let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions.iter().filter(|a| **a == "discover_run_started").count(), 4, "{audit}");
        assert!(actions.contains(&"discover_group_dismissed"), "{audit}");
    }

    async fn one_run_at_a_time_validation_and_roles(app: TestApp) {
        fixture(&app).await;
        // Enough candidates that a run lasts while the second start is answered.
        let parcels: Vec<Value> = (0..1_500)
            .map(|i| {
                let text = format!("where is my parcel number {i}");
                conversation(&format!("p{i}"), "web", 1.0, &[(&text, "nlu_fallback", 0.9, "utter_x")])
            })
            .collect();
        app.import(&Value::Array(parcels)).await;
        // Two starts at once: one runs, the other is told which.
        let body = json!({"min_group_size": 4});
        let (first, second) = tokio::join!(
            app.post_json("/api/discover/runs", &body),
            app.post_json("/api/discover/runs", &body)
        );
        let (started, refused) = if first.0 == StatusCode::ACCEPTED { (first, second) } else { (second, first) };
        assert_eq!(started.0, StatusCode::ACCEPTED, "{}", started.1);
        assert_eq!(refused.0, StatusCode::CONFLICT, "{}", refused.1);
        let id = started.1["id"].as_i64().unwrap();
        assert!(refused.1["error"]["message"].as_str().unwrap().contains(&format!("run {id}")), "{}", refused.1);
        wait(&app, id).await;
        let (status, _) = app.get("/api/discover/runs/999999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        for (body, field) in [
            (json!({"below_confidence": 1.5}), "below_confidence"),
            (json!({"query": "channel=web&bogus=1"}), "query"),
            (json!({"min_group_size": 1}), "min_group_size"),
            (json!({"max_candidates": 0}), "max_candidates"),
            (json!({"fallback_within_turns": 11}), "fallback_within_turns"),
            (json!({"intents": ["two\tparts"]}), "intents"),
            (json!({"fallback_actions": ["  "]}), "fallback_actions"),
            (json!({"intents": [], "below_confidence": 0, "fallback_actions": [], "rephrase_similarity": 0}), "intents"),
        ] {
            let (status, err) = app.post_json("/api/discover/runs", &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {err}");
            assert_eq!(err["error"]["field"], field, "{body}: {err}");
        }
        let (status, _) = app.post_json("/api/discover/runs", &json!({"surprise": 1})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // Viewers read; reviewers run and dismiss.
        let viewer = app.user_token("vera", "viewer").await;
        let reviewer = app.user_token("rita", "reviewer").await;
        let mut app = app;
        let admin = app.act_as(Some(viewer));
        let result = app.get_ok("/api/discover").await;
        let group_id = result["groups"][0]["id"].as_i64().unwrap();
        let (status, _) = app.post_json("/api/discover/runs", &json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let dismiss = format!("/api/discover/groups/{group_id}/dismiss");
        let (status, _) = app.post_json(&dismiss, &json!({"reason": "noise"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.act_as(Some(reviewer));
        let (status, _) = app.post_json(&dismiss, &json!({"reason": "noise"})).await;
        assert_eq!(status, StatusCode::OK);
        let finished = run_to_end(&app, json!({"min_group_size": 4})).await;
        assert_eq!(finished["started_by"], "rita");
        app.act_as(None);
        let (status, _) = app.get("/api/discover").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        app.act_as(admin);
    }
}
