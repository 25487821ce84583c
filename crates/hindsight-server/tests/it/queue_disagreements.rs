//! Review queues' disagreements (issue 13): conversations whose reviews answer a pass/fail,
//! label or scale question differently, listed newest first a page at a time, settled with
//! final answers that the findings then take, checked against a worked example computed by
//! hand.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::queues::{close, conversations, explicit, ids, post_answers, review_everything};

/// Alice's and Bob's answers to conversation `d{i}`.
fn answers(who: &str, id: &str) -> Value {
    let i: usize = id[1..].parse().unwrap();
    let alice = who == "alice";
    let outcome = match (i, alice) {
        (0, _) => "failure",
        (1, false) => "failure",
        (3, false) => "partial",
        _ => "success",
    };
    // Both say false for d0; Bob says false for d4 too.
    let resolved = i != 0 && (alice || i != 4);
    let tone = if i == 2 && !alice { 5 } else { 4 };
    // Free texts differ everywhere: they are not compared.
    json!({"outcome": outcome, "resolved": resolved, "tone": tone, "notes": who})
}

async fn settle(
    app: &TestApp,
    token: &str,
    q: i64,
    id: &str,
    answers: Value,
) -> (StatusCode, Value) {
    post_answers(app, token, q, id, "settlement", answers).await
}

fn listed(page: &Value) -> Vec<String> {
    page["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["conversation_id"].as_str().unwrap().to_owned())
        .collect()
}

both_backends! {
    async fn disagreements_are_listed_settled_and_counted(app: TestApp) {
        conversations(&app, "d", 5, "web").await;
        conversations(&app, "x", 1, "web").await;
        let alice = app.user_token("alice", "reviewer").await;
        let bob = app.user_token("bob", "reviewer").await;
        let admin = app.token.clone().unwrap();
        let q = explicit(&app, "pairs", json!({"reviewers_per_conversation": 2, "assignees": ["alice", "bob"]}), &ids("d", 5)).await;
        let list = |query: &str| {
            let path = format!("/api/queues/{q}/disagreements{query}");
            let app = &app;
            async move { app.get_ok(&path).await }
        };
        assert_eq!(list("").await, json!({"disagreements": [], "total": 0, "settled": 0, "next_cursor": null}));
        // Alice reviews every conversation, then Bob, in the order the queue hands them out.
        review_everything(&app, &alice, q, |id| answers("alice", id)).await;
        let bob_order = review_everything(&app, &bob, q, |id| answers("bob", id)).await;
        // d0 agrees (its notes differ, but a text is not compared); d1 and d3 differ on the
        // outcome, d2 on the tone, d4 on resolved. Newest first: by Bob's review, the later.
        let expected: Vec<String> = bob_order.iter().rev().filter(|id| *id != "d0").cloned().collect();
        let all = list("").await;
        assert_eq!(listed(&all), expected, "{all}");
        assert_eq!((all["total"].as_i64(), all["settled"].as_i64()), (Some(4), Some(0)));
        let d1 = all["disagreements"].as_array().unwrap().iter().find(|d| d["conversation_id"] == "d1").unwrap();
        assert_eq!(d1["questions"], json!([{"id": "outcome", "kind": "label", "answers": {"alice": "success", "bob": "failure"}}]));
        assert_eq!((d1["reviews_done"].as_i64(), d1["reviews_needed"].as_i64()), (Some(2), Some(2)));
        let reviewers: Vec<&Value> = d1["reviews"].as_array().unwrap().iter().map(|r| &r["reviewer"]).collect();
        assert_eq!(reviewers, [&json!("alice"), &json!("bob")]);
        assert_eq!(d1["reviews"][1]["answers"], answers("bob", "d1"));
        let d2 = all["disagreements"].as_array().unwrap().iter().find(|d| d["conversation_id"] == "d2").unwrap();
        assert_eq!(d2["questions"], json!([{"id": "tone", "kind": "scale_1_5", "answers": {"alice": 4, "bob": 5}}]));
        // A page at a time: the cursor goes on where the page ended.
        let first = list("?limit=3").await;
        assert_eq!(listed(&first), expected[..3]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = list(&format!("?limit=3&cursor={cursor}")).await;
        assert_eq!(listed(&second), expected[3..]);
        assert_eq!(second["next_cursor"], Value::Null);
        for (query, field) in [("?limit=0", "limit"), ("?limit=201", "limit"), ("?cursor=nonsense", "cursor")] {
            let (status, err) = app.get(&format!("/api/queues/{q}/disagreements{query}")).await;
            assert_eq!((status, err["error"]["field"].clone()), (StatusCode::BAD_REQUEST, json!(field)), "{query}: {err}");
        }
        assert_eq!(app.get("/api/queues/999999/disagreements").await.0, StatusCode::NOT_FOUND);

        // Settling: an admin's; the conversation must be one of the queue's, disagreeing.
        let (status, _) = settle(&app, &alice, q, "d1", json!({"outcome": "failure"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(settle(&app, &admin, q, "ghost", json!({"outcome": "failure"})).await.0, StatusCode::NOT_FOUND);
        assert_eq!(settle(&app, &admin, q, "x0", json!({"outcome": "failure"})).await.0, StatusCode::NOT_FOUND);
        let (status, err) = settle(&app, &admin, q, "d0", json!({"outcome": "failure"})).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::CONFLICT, json!("reviews")), "{err}");
        // The answers are checked like a review's, each error naming its answer.
        for (bad, field) in [(json!({}), "answers.outcome"), (json!({"outcome": "meh"}), "answers.outcome"),
                             (json!({"outcome": "failure", "tone": 9}), "answers.tone"), (json!({"outcome": "failure", "x": 1}), "answers.x")] {
            let (status, err) = settle(&app, &admin, q, "d1", bad.clone()).await;
            assert_eq!((status, err["error"]["field"].clone()), (StatusCode::BAD_REQUEST, json!(field)), "{bad}: {err}");
        }
        assert_eq!(list("").await["settled"], 0, "a refused settlement stores nothing");
        let (status, s) = settle(&app, &admin, q, "d1", json!({"outcome": "success"})).await;
        assert_eq!(status, StatusCode::OK, "{s}");
        assert_eq!((s["conversation_id"].as_str(), s["settled_by"].as_str()), (Some("d1"), Some("tester")));
        // Settling again replaces the answers.
        let (status, s) = settle(&app, &admin, q, "d1", json!({"outcome": "failure", "resolved": false})).await;
        assert_eq!(status, StatusCode::OK, "{s}");
        assert_eq!(s["answers"], json!({"outcome": "failure", "resolved": false}));
        assert_eq!(settle(&app, &admin, q, "d3", json!({"outcome": "partial"})).await.0, StatusCode::OK);
        let after = list("").await;
        let left: Vec<String> = expected.iter().filter(|id| *id != "d1" && *id != "d3").cloned().collect();
        assert_eq!(listed(&after), left);
        assert_eq!((after["total"].as_i64(), after["settled"].as_i64()), (Some(2), Some(2)));
        let audit = app.get_ok("/api/audit").await;
        let settled: Vec<&Value> = audit.as_array().unwrap().iter().filter(|e| e["action"] == "queue_disagreement_settled").collect();
        assert_eq!(settled.len(), 3);
        // Newest first: d3's, then d1's second, whose before is the first.
        assert_eq!(settled[1]["conversation_id"], "d1");
        assert_eq!(settled[1]["before"], json!({"answers": {"outcome": "success"}}));
        assert_eq!(settled[1]["after"], json!({"answers": {"outcome": "failure", "resolved": false}}));

        // The findings take each settled answer for its conversation, question by question.
        // outcome: d0 failure; d1 failure (settled); d2 success; d3 partial (settled); d4
        // success: failure 2 of 5, success 2 of 5, partial 1 of 5. resolved: d0 false; d1
        // false (settled, though both reviews said true); d2, d3 true (d3's settlement left
        // it open: its reviews' answer); d4 a tie, Alice's true first: false 2 of 5.
        // Wilson, n = 5, z = 1.959964, z² = 3.841459, 1 + z²/5 = 1.768292, z²/10 = 0.384146,
        // z²/100 = 0.038415:
        //   2 of 5: centre (0.4 + 0.384146) / 1.768292 = 0.443448, half-width
        //     1.959964 / 1.768292 · √(0.4·0.6/5 + 0.038415) = 1.108393 · 0.293965 = 0.325827:
        //     0.117621 to 0.769276;
        //   1 of 5: centre 0.330345, half-width 1.108393 · √(0.032 + 0.038415) = 0.294121:
        //     0.036224 to 0.624465;
        //   3 of 5: 1 − the bounds of 2 of 5: 0.230724 to 0.882379.
        let p = app.get_ok(&format!("/api/queues/{q}/progress")).await;
        let question = |id: &str| p["questions"].as_array().unwrap().iter().find(|q| q["id"] == id).unwrap().clone();
        let estimate = |q: &Value, value: &str| q["estimates"].as_array().unwrap().iter().find(|e| e["value"] == value).unwrap().clone();
        let interval = |e: &Value, share: f64, low: f64, high: f64| {
            assert!(close(&e["share"], share) && close(&e["low"], low) && close(&e["high"], high), "{e}");
        };
        let outcome = question("outcome");
        assert_eq!(outcome["answered"], 5);
        let failure = estimate(&outcome, "failure");
        assert_eq!(failure["count"], 2);
        interval(&failure, 0.4, 0.117621, 0.769276);
        assert!(close(&failure["estimated_conversations"], 2.0), "{failure}");
        interval(&estimate(&outcome, "success"), 0.4, 0.117621, 0.769276);
        interval(&estimate(&outcome, "partial"), 0.2, 0.036224, 0.624465);
        let resolved = question("resolved");
        let no = estimate(&resolved, "false");
        assert_eq!(no["count"], 2);
        interval(&no, 0.4, 0.117621, 0.769276);
        interval(&estimate(&resolved, "true"), 0.6, 0.230724, 0.882379);
        // Agreement is the reviewers' own: outcome agrees on d0, d2, d4: 3 of 5 = 0.6.
        // Chance: Alice failure 1/5, success 4/5; Bob failure 2/5, success 2/5, partial 1/5:
        // p_e = 0.2·0.4 + 0.8·0.4 = 0.4; κ = (0.6 − 0.4) / (1 − 0.4) = 1/3.
        assert!(close(&outcome["agreement"]["percent_agreement"], 0.6), "{outcome}");
        assert!(close(&outcome["agreement"]["kappa"], 1.0 / 3.0), "{outcome}");
    }
}
