//! The inbox's rubric-answer filter (issue 13), `score.QUESTION=VALUE`: a settlement is the
//! answer of record where it answers the question, otherwise any reviewer's answer matches;
//! the list, the count and the tab counts (exact and estimated) agree. A worked example.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::queues::{conversations, explicit, ids, post_answers, review_everything};

/// Alice's and Bob's answers to `s{i}`: on s0 they disagree (failure against success, and on
/// whether it was resolved); on s1 both say success, on s2 both failure.
fn answers(who: &str, id: &str) -> Value {
    let alice = who == "alice";
    let (outcome, resolved) = match (id, alice) {
        ("s0", true) => ("failure", false),
        ("s0", false) => ("success", true),
        ("s1", _) => ("success", true),
        _ => ("failure", false),
    };
    json!({"outcome": outcome, "resolved": resolved})
}

/// The ids the inbox lists for `query`, sorted, after checking that the count and the tab
/// counts (exact and estimated) say as many.
async fn matching(app: &TestApp, query: &str) -> Vec<String> {
    let mut listed = app.ids(query).await;
    listed.sort();
    let n = listed.len() as i64;
    assert_eq!(app.count(query).await, n, "count?{query}");
    for extra in ["", "&estimate=true"] {
        let counts = app
            .get_ok(&format!("/api/conversations/tab-counts?{query}{extra}"))
            .await;
        assert_eq!(
            counts["all"].as_i64(),
            Some(n),
            "tab-counts?{query}{extra}: {counts}"
        );
    }
    listed
}

both_backends! {
    async fn a_settlement_is_the_answer_of_record(app: TestApp) {
        conversations(&app, "s", 3, "web").await;
        let alice = app.user_token("alice", "reviewer").await;
        let bob = app.user_token("bob", "reviewer").await;
        let admin = app.token.clone().unwrap();
        let q = explicit(&app, "pairs", json!({"reviewers_per_conversation": 2, "assignees": ["alice", "bob"]}), &ids("s", 3)).await;
        for (name, token) in [("alice", &alice), ("bob", &bob)] {
            review_everything(&app, token, q, |id| answers(name, id)).await;
        }
        // Unsettled, s0 matches each of its reviewers' answers.
        assert_eq!(matching(&app, "score.outcome=failure").await, ["s0", "s2"]);
        assert_eq!(matching(&app, "score.outcome=success").await, ["s0", "s1"]);
        assert_eq!(matching(&app, "score.resolved=false").await, ["s0", "s2"]);

        // Settled as a success (the optional `resolved` left unanswered): the outcome of
        // record is the settlement's; `resolved` is still the reviewers'.
        let (status, s) = post_answers(&app, &admin, q, "s0", "settlement", json!({"outcome": "success"})).await;
        assert_eq!(status, StatusCode::OK, "{s}");
        assert_eq!(matching(&app, "score.outcome=failure").await, ["s2"]);
        assert_eq!(matching(&app, "score.outcome=success").await, ["s0", "s1"]);
        assert_eq!(matching(&app, "score.outcome=failure,partial").await, ["s2"]);
        assert_eq!(matching(&app, "score.resolved=false").await, ["s0", "s2"]);
        assert_eq!(matching(&app, "score.resolved=true").await, ["s0", "s1"]);
        assert_eq!(matching(&app, "score.outcome=success&score.resolved=false").await, ["s0"]);

        // Settled again, as a resolved failure: the new answers replace the old.
        let (status, s) = post_answers(&app, &admin, q, "s0", "settlement", json!({"outcome": "failure", "resolved": true})).await;
        assert_eq!(status, StatusCode::OK, "{s}");
        assert_eq!(matching(&app, "score.outcome=failure").await, ["s0", "s2"]);
        assert_eq!(matching(&app, "score.outcome=success").await, ["s1"]);
        assert_eq!(matching(&app, "score.resolved=false").await, ["s2"]);
        assert_eq!(matching(&app, "score.resolved=true").await, ["s0", "s1"]);

        // A question id no rubric can have is refused, naming the parameter.
        let (status, err) = app.get("/api/conversations?score.Outcome=failure").await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::BAD_REQUEST, json!("score.Outcome")), "{err}");
    }
}
