//! Review queues (issue 13): progress and findings checked against worked examples computed
//! by hand, and the answers as inbox filters.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::queues::*;

both_backends! {
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
