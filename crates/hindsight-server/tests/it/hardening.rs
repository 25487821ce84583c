//! A team on one database: reviews bound to what was seen, changes that are all or nothing,
//! paged listings, and concurrent writers that queue instead of failing.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::{self, T0};

async fn put_json(app: &TestApp, path: &str, body: &Value) -> (StatusCode, Value) {
    app.send(app.request(Method::PUT, path).json(body)).await
}

async fn newest_event_id(app: &TestApp, id: &str) -> i64 {
    let detail = app.get_ok(&format!("/api/conversations/{id}")).await;
    detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .max()
        .unwrap()
}

async fn summary(app: &TestApp, id: &str) -> Value {
    app.get_ok(&format!("/api/conversations/{id}")).await["summary"].clone()
}

async fn append(app: &TestApp, id: &str, text: &str, at: f64) {
    let (status, body) = app
        .post_json(
            &format!("/api/conversations/{id}/events"),
            &json!([rasa::user(text, "greet", 0.9, at, "rest")]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

both_backends! {
    async fn a_review_keeps_news_the_reviewer_did_not_see(app: TestApp) {
        app.import(&json!([rasa::greeting("a", T0, "rest", 0.9, 0.9)])).await;
        let seen = newest_event_id(&app, "a").await;
        append(&app, "a", "one more thing", T0 + 100.0).await;
        let update = json!({"review_status": "reviewed", "seen_event_id": seen});
        let (status, body) = put_json(&app, "/api/conversations/a/reviewStatus", &update).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let s = summary(&app, "a").await;
        assert_eq!((s["review_status"].as_str(), s["has_news"].as_bool()), (Some("reviewed"), Some(true)));
        // Having seen everything clears it.
        let seen = newest_event_id(&app, "a").await;
        let update = json!({"review_status": "reviewed", "seen_event_id": seen});
        put_json(&app, "/api/conversations/a/reviewStatus", &update).await;
        assert_eq!(summary(&app, "a").await["has_news"], false);
        // The audit row has the state before and after.
        let audit = app.get_ok("/api/conversations/a/audit").await;
        let last = &audit.as_array().unwrap()[0];
        assert_eq!(last["before"], json!({"review_status": "reviewed", "has_news": true}));
        assert_eq!(last["after"], json!({"review_status": "reviewed", "has_news": false}));
    }

    async fn mark_all_reviewed_is_bound_to_the_list_shown(app: TestApp) {
        app.import(&json!([rasa::greeting("a", T0, "rest", 0.9, 0.9), rasa::greeting("b", T0 + 10.0, "rest", 0.9, 0.9)])).await;
        let shown = app.get_ok("/api/conversations?channel=rest").await;
        let snapshot = shown["snapshot"].as_i64().expect("a snapshot");
        assert!(snapshot > 0, "{shown}");
        // While the reviewer reads: a new conversation arrives, and `b` gets a new message.
        app.import(&json!([rasa::greeting("c", T0 + 20.0, "rest", 0.9, 0.9)])).await;
        append(&app, "b", "hello again", T0 + 200.0).await;
        let request = json!({
            "selection": {"filter": "channel=rest"},
            "action": "set_review_status",
            "review_status": "reviewed",
            "as_of": snapshot,
        });
        let (status, body) = app.post_json("/api/conversations/bulk", &request).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["changed"], 2, "{body}");
        assert_eq!(summary(&app, "a").await["review_status"], "reviewed");
        let b = summary(&app, "b").await;
        assert_eq!((b["review_status"].as_str(), b["has_news"].as_bool()), (Some("reviewed"), Some(true)));
        assert_eq!(summary(&app, "c").await["review_status"], "unread", "arrived after the snapshot");
    }

    async fn a_tag_change_is_all_or_nothing(app: TestApp) {
        let (status, tag) = app.post_json("/api/tags", &json!({"value": "billing", "color": "ff8800"})).await;
        assert_eq!(status, StatusCode::OK, "{tag}");
        let id = tag["id"].as_i64().unwrap();
        let audit_rows = app.get_ok("/api/audit").await.as_array().unwrap().len();
        let (status, body) = app
            .send(app.request(Method::PATCH, &format!("/api/tags/{id}")).json(&json!({"value": "payments", "color": "#nothex"})))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["field"], "color");
        let tags = app.get_ok("/api/conversations/tags").await;
        assert_eq!(tags[0]["value"], "billing", "the rename was not kept: {tags}");
        assert_eq!(app.get_ok("/api/audit").await.as_array().unwrap().len(), audit_rows, "no audit row");
        // A valid change is audited with before and after.
        let (status, body) = app
            .send(app.request(Method::PATCH, &format!("/api/tags/{id}")).json(&json!({"value": "payments"})))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let audit = app.get_ok("/api/audit").await;
        assert_eq!(audit[0]["before"], json!({"value": "billing", "color": "ff8800"}));
        assert_eq!(audit[0]["after"], json!({"value": "payments", "color": "ff8800"}));
    }

    async fn the_trash_pages_without_repeats(app: TestApp) {
        let trackers: Vec<Value> = (0..5).map(|i| rasa::greeting(&format!("t{i}"), T0 + f64::from(i), "rest", 0.9, 0.9)).collect();
        app.import(&json!(trackers)).await;
        let request = json!({"selection": {"filter": ""}, "action": "delete"});
        let (status, body) = app.post_json("/api/conversations/bulk", &request).await;
        assert_eq!((status, body["changed"].as_i64()), (StatusCode::OK, Some(5)), "{body}");
        let mut seen = Vec::new();
        let mut path = "/api/trash?limit=2".to_owned();
        loop {
            let page = app.get_ok(&path).await;
            assert_eq!(page["total"], 5);
            let rows = page["conversations"].as_array().unwrap();
            assert!(rows.len() <= 2);
            seen.extend(rows.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
            match page["next_cursor"].as_str() {
                Some(c) => path = format!("/api/trash?limit=2&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 5, "{seen:?}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 5, "no repeats: {seen:?}");
        let (status, body) = app.get("/api/trash?limit=0").await;
        assert_eq!((status, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("limit")));
    }

    // Reviewers, event posters and readers at once on one database: no request fails with
    // 503 or 500, and every acknowledged write is there afterwards.
    async fn concurrent_reviewers_and_posters_never_fail(app: TestApp) {
        const CONVERSATIONS: usize = 12;
        const ROUNDS: usize = 15;
        let trackers: Vec<Value> = (0..CONVERSATIONS)
            .map(|i| rasa::greeting(&format!("c{i}"), T0 + i as f64, "rest", 0.9, 0.9))
            .collect();
        app.import(&json!(trackers)).await;
        let (_, tag) = app.post_json("/api/tags", &json!({"value": "load"})).await;
        let tag_id = tag["id"].as_i64().unwrap();
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for worker in 0..6 {
            let app = app.clone();
            tasks.push(tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for round in 0..ROUNDS {
                    let id = format!("c{}", (worker * 5 + round) % CONVERSATIONS);
                    let (status, body) = match worker % 3 {
                        // Reviewers: status, tags and flags.
                        0 => put_json(&app, &format!("/api/conversations/{id}/reviewStatus"), &json!({"review_status": "reviewed"})).await,
                        1 => app.post_json(&format!("/api/conversations/{id}/tags"), &json!([{"id": tag_id}])).await,
                        // Posters: new events, each acknowledged one remembered.
                        _ => {
                            let text = format!("w{worker} r{round}");
                            let at = T0 + 1000.0 + (worker * ROUNDS + round) as f64;
                            let event = rasa::user(&text, "greet", 0.9, at, "rest");
                            let answer = app.post_json(&format!("/api/conversations/{id}/events"), &json!([event])).await;
                            if answer.0 == StatusCode::OK {
                                acknowledged.push((id.clone(), text));
                            }
                            answer
                        }
                    };
                    assert!(status.is_success(), "worker {worker} round {round}: {status} {body}");
                    let (status, body) = app.get("/api/conversations?limit=5").await;
                    assert_eq!(status, StatusCode::OK, "{body}");
                }
                acknowledged
            }));
        }
        let mut acknowledged = Vec::new();
        for task in tasks {
            acknowledged.extend(task.await.expect("worker"));
        }
        assert_eq!(acknowledged.len(), 2 * ROUNDS);
        for (id, text) in acknowledged {
            let detail = app.get_ok(&format!("/api/conversations/{id}")).await;
            let found = detail["events"].as_array().unwrap().iter().any(|e| e["text"] == text.as_str());
            assert!(found, "acknowledged `{text}` is in {id}");
        }
    }
}
