//! The path explorer (issue 14): its counts against a count by hand on a small fixture, and
//! on demo data every node's and edge's `seq` filter (an "other"'s too) finds exactly its
//! conversations.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::*;

const T0: f64 = 1_700_000_000.0;

fn said(text: &str, intent: &str, confidence: f64, ts: f64) -> Value {
    user(text, intent, confidence, ts, "rest")
}

fn replied(name: &str, ts: f64) -> Vec<Value> {
    let mut b = bot("…", ts + 0.1);
    b["metadata"] = json!({"utter_action": name});
    vec![action(name, "TEDPolicy", 0.9, ts), b]
}

/// Each node as (step, conversations, ended, low_confidence, fallback).
fn nodes(level: &Value) -> Vec<(String, i64, i64, i64, bool)> {
    level
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["step"].as_str().unwrap().to_owned(),
                n["conversations"].as_i64().unwrap(),
                n["ended"].as_i64().unwrap(),
                n["low_confidence"].as_i64().unwrap(),
                n["fallback"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn node(step: &str, n: i64, ended: i64, low: i64, fallback: bool) -> (String, i64, i64, i64, bool) {
    (step.to_owned(), n, ended, low, fallback)
}

async fn count(app: &TestApp, seq: &str) -> i64 {
    let q: String = url::form_urlencoded::byte_serialize(seq.as_bytes()).collect();
    app.count(&format!("seq={q}")).await
}

both_backends! {
    async fn the_path_graph_counts_as_by_hand(app: TestApp) {
        let t = T0;
        let mut a = vec![action("action_listen", "RulePolicy", 1.0, t), said("hi", "greet", 0.9, t + 1.0)];
        a.extend(replied("utter_greet", t + 2.0));
        a.push(said("bye", "bye", 0.3, t + 3.0));
        let mut b = vec![said("hello", "greet", 0.4, t + 10.0)];
        b.extend(replied("utter_greet", t + 11.0));
        let c = vec![
            said("hey", "greet", 0.95, t + 20.0),
            action("action_default_fallback", "RulePolicy", 1.0, t + 21.0),
            said("ciao", "bye", 0.9, t + 22.0),
        ];
        let d = vec![
            said("where?", "ask", 0.8, t + 30.0),
            json!({"event": "slot", "timestamp": t + 31.0, "name": "city", "value": "Oslo"}),
        ];
        app.import(&json!([tracker("a", a), tracker("b", b), tracker("c", c), tracker("d", d)])).await;

        let g = app.get_ok("/api/conversations/paths?depth=3&branches=5&low_confidence=0.5").await;
        assert_eq!(g["conversations"], 4);
        assert_eq!(g["sampled"], false);
        let levels = g["levels"].as_array().unwrap();
        assert_eq!(levels.len(), 3);
        assert_eq!(nodes(&levels[0]), vec![node("intent:greet", 3, 0, 1, false), node("intent:ask", 1, 0, 0, false)]);
        assert_eq!(nodes(&levels[1]), vec![
            node("action:utter_greet", 2, 1, 0, false),
            node("action:action_default_fallback", 1, 0, 0, true),
            node("slot:city", 1, 1, 0, false),
        ]);
        assert_eq!(nodes(&levels[2]), vec![node("intent:bye", 2, 2, 1, false)]);
        let edges: Vec<(i64, i64, i64, i64)> = g["edges"].as_array().unwrap().iter().map(|e| {
            (e["level"].as_i64().unwrap(), e["from"].as_i64().unwrap(), e["to"].as_i64().unwrap(), e["conversations"].as_i64().unwrap())
        }).collect();
        assert_eq!(edges, vec![(0, 0, 0, 2), (0, 0, 1, 1), (0, 1, 2, 1), (1, 0, 0, 1), (1, 1, 0, 1)]);
        // A node's pattern lists its conversations: the fallback is c's.
        let fallback = levels[1][1]["seq"].as_str().unwrap();
        let q: String = url::form_urlencoded::byte_serialize(fallback.as_bytes()).collect();
        assert_eq!(app.ids(&format!("seq={q}")).await, ["c"]);
        // Narrowed by any inbox filter.
        let g = app.get_ok("/api/conversations/paths?intent=ask").await;
        assert_eq!(nodes(&g["levels"][0]), vec![node("intent:ask", 1, 0, 0, false)]);

        for (query, field) in [("depth=0", "depth"), ("branches=99", "branches"), ("low_confidence=2", "low_confidence"), ("seq=intent%3A", "seq")] {
            let (status, body) = app.get(&format!("/api/conversations/paths?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
            assert_eq!(body["error"]["field"], field, "{query}");
        }
    }

    async fn every_node_and_edge_filters_to_exactly_its_conversations(app: TestApp) {
        app.load_demo(200, 3);
        // Steps without a name, common enough to be shown: a message no intent was found for,
        // then a message no action sent (`intent:""`, `action:""`).
        let unnamed: Vec<Value> = (0..40)
            .map(|i| {
                let t = T0 + f64::from(i) * 10.0;
                tracker(&format!("unnamed-{i}"), vec![
                    json!({"event": "user", "timestamp": t, "text": "hm", "input_channel": "rest"}),
                    bot("?", t + 1.0),
                    user("hi", "greet", 0.9, t + 2.0, "rest"),
                ])
            })
            .collect();
        app.import(&Value::Array(unnamed)).await;
        let g = app.get_ok("/api/conversations/paths?depth=5&branches=4").await;
        assert_eq!(g["conversations"], 240);
        let steps: Vec<&str> = g["levels"].as_array().unwrap().iter().flat_map(|l| l.as_array().unwrap()).map(|n| n["step"].as_str().unwrap()).collect();
        assert!(steps.contains(&"intent:\"\"") && steps.contains(&"action:\"\""), "{steps:?}");
        let (mut checked, mut others) = (0, 0);
        for level in g["levels"].as_array().unwrap() {
            let mut in_level = 0;
            for n in level.as_array().unwrap() {
                in_level += n["conversations"].as_i64().unwrap();
                // Every node has a pattern, "other" too (none of the shown steps is a wildcard).
                let seq = n["seq"].as_str().unwrap_or_else(|| panic!("no pattern: {n}"));
                assert_eq!(count(&app, seq).await, n["conversations"].as_i64().unwrap(), "{seq}");
                checked += 1;
                others += i32::from(n["other"] == true);
            }
            // Every conversation long enough is in exactly one node of the level.
            assert!(in_level <= 240);
        }
        for e in g["edges"].as_array().unwrap() {
            let seq = e["seq"].as_str().unwrap_or_else(|| panic!("no pattern: {e}"));
            assert_eq!(count(&app, seq).await, e["conversations"].as_i64().unwrap(), "{seq}");
            checked += 1;
        }
        assert!(checked >= 20, "only {checked} nodes and edges");
        assert!(others >= 3, "only {others} \"other\" nodes");
    }
}

/// The `fallback` of each node of a graph, by its step.
fn fallbacks(g: &Value) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = g["levels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l.as_array().unwrap().iter())
        .map(|n| {
            (
                n["step"].as_str().unwrap().to_owned(),
                n["fallback"].as_bool().unwrap(),
            )
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

both_backends! {
    async fn fallback_names_are_a_setting_admins_change(app: TestApp) {
        let t = T0;
        let mut a = vec![said("??", "nlu_fallback", 0.2, t)];
        a.push(action("action_two_stage_fallback", "RulePolicy", 1.0, t + 1.0));
        a.push(said("help", "help", 0.9, t + 2.0));
        a.extend(replied("utter_sorry", t + 3.0));
        app.import(&json!([tracker("a", a)])).await;

        let defaults = app.get_ok("/api/settings/paths").await;
        assert_eq!(defaults, json!({
            "fallback_intents": ["nlu_fallback", "out_of_scope"],
            "fallback_actions": ["action_default_fallback", "action_two_stage_fallback"],
        }));
        let g = app.get_ok("/api/conversations/paths").await;
        assert_eq!(fallbacks(&g), [
            ("action:action_two_stage_fallback".to_owned(), true),
            ("action:utter_sorry".to_owned(), false),
            ("intent:help".to_owned(), false),
            ("intent:nlu_fallback".to_owned(), true),
        ]);

        let put = |app: &TestApp, body: Value| app.request(reqwest::Method::PUT, "/api/settings/paths").json(&body);
        let mut app = app;
        let viewer = app.user_token("vic", "viewer").await;
        let admin = app.act_as(Some(viewer));
        let (status, _) = app.send(put(&app, json!({"fallback_intents": [], "fallback_actions": []}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.act_as(admin);
        for (body, field) in [
            (json!({"fallback_intents": ["help"], "fallback_actions": [" "]}), "fallback_actions"),
            (json!({"fallback_intents": ["a\tb"], "fallback_actions": []}), "fallback_intents"),
            (json!({"fallback_intents": (0..101).map(|i| format!("i{i}")).collect::<Vec<_>>(), "fallback_actions": []}), "fallback_intents"),
        ] {
            let (status, answer) = app.send(put(&app, body.clone())).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
            assert_eq!(answer["error"]["field"], field, "{body}");
        }
        // Nothing half-written: the defaults still hold.
        assert_eq!(app.get_ok("/api/settings/paths").await, defaults);
        let (status, saved) = app.send(put(&app, json!({
            "fallback_intents": ["help"],
            "fallback_actions": ["utter_sorry", " utter_sorry "],
        }))).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved, json!({"fallback_intents": ["help"], "fallback_actions": ["utter_sorry"]}));
        assert_eq!(app.get_ok("/api/settings/paths").await, saved);
        let g = app.get_ok("/api/conversations/paths").await;
        assert_eq!(fallbacks(&g), [
            ("action:action_two_stage_fallback".to_owned(), false),
            ("action:utter_sorry".to_owned(), true),
            ("intent:help".to_owned(), true),
            ("intent:nlu_fallback".to_owned(), false),
        ]);
        let audit = app.get_ok("/api/audit").await;
        let text = audit.to_string();
        assert!(text.contains("path_settings_updated"), "{text}");
    }
}
