//! The reviewer workflow: review status and news, the trash, bulk changes, the audit trail.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::{self, T0};

async fn put_json(app: &TestApp, path: &str, body: &Value) -> (StatusCode, Value) {
    app.send(app.request(Method::PUT, path).json(body)).await
}

async fn delete(app: &TestApp, path: &str) -> (StatusCode, Value) {
    app.send(app.request(Method::DELETE, path)).await
}

async fn summary(app: &TestApp, id: &str) -> Value {
    app.get_ok(&format!("/api/conversations/{id}")).await["summary"].clone()
}

both_backends! {
    async fn review_status_and_news(app: TestApp) {
        app.import(&json!([rasa::greeting("a", T0, "rest", 0.9, 0.9), rasa::greeting("b", T0 + 10.0, "rest", 0.9, 0.9)])).await;
        let (status, body) = put_json(&app, "/api/conversations/a/reviewStatus", &json!({"review_status": "reviewed"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        assert_eq!(summary(&app, "a").await["review_status"], "reviewed");
        assert_eq!(app.ids("review_status=reviewed").await, vec!["a"]);
        // New events on a reviewed conversation: news, still reviewed.
        let (status, body) = app.post_json("/api/conversations/a/events", &json!([rasa::user("again", "greet", 0.9, T0 + 100.0, "rest")])).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let s = summary(&app, "a").await;
        assert_eq!(s["review_status"], "reviewed");
        assert_eq!(s["has_news"], true);
        assert_eq!(app.ids("has_news=true").await, vec!["a"]);
        // Setting a status again clears the news.
        put_json(&app, "/api/conversations/a/reviewStatus", &json!({"review_status": "saved_for_later"})).await;
        assert_eq!(summary(&app, "a").await["has_news"], false);
        // Bad input.
        let (status, body) = put_json(&app, "/api/conversations/a/reviewStatus", &json!({"review_status": "done"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, _) = put_json(&app, "/api/conversations/nobody/reviewStatus", &json!({"review_status": "reviewed"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let mut app = app;
        let viewer = app.user_token("v", "viewer").await;
        let admin = app.act_as(Some(viewer));
        let (status, _) = put_json(&app, "/api/conversations/a/reviewStatus", &json!({"review_status": "reviewed"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.act_as(admin);
    }

    async fn trash_restore_and_no_resurrection(app: TestApp) {
        let a = rasa::greeting("a", T0, "rest", 0.9, 0.9);
        app.import(&json!([a.clone(), rasa::greeting("b", T0 + 10.0, "rest", 0.9, 0.9)])).await;
        let (status, body) = delete(&app, "/api/conversations/a").await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        assert_eq!(app.ids("").await, vec!["b"]);
        let (status, _) = app.get("/api/conversations/a").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let trash = app.get_ok("/api/trash").await;
        assert_eq!(trash["total"], 1);
        assert_eq!(trash["conversations"].as_array().unwrap().len(), 1);
        assert_eq!(trash["conversations"][0]["id"], "a");
        // A re-import does not bring it back.
        app.import(&json!([a])).await;
        assert_eq!(app.ids("").await, vec!["b"]);
        let (status, body) = app.post_json("/api/conversations/a/restore", &json!(null)).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let mut ids = app.ids("").await;
        ids.sort();
        assert_eq!(ids, vec!["a", "b"]);
        assert_eq!(app.get_ok("/api/trash").await["conversations"].as_array().unwrap().len(), 0);
        let (status, _) = app.post_json("/api/conversations/a/restore", &json!(null)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "not in the trash");
        let (status, _) = delete(&app, "/api/conversations/nobody").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Reviewers may not delete by default.
        let mut app = app;
        let reviewer = app.user_token("r", "reviewer").await;
        let admin = app.act_as(Some(reviewer));
        let (status, _) = delete(&app, "/api/conversations/a").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.post_json("/api/conversations/bulk", &json!({"selection": {"ids": ["a"]}, "action": "delete"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.act_as(admin);
    }

    async fn bulk_tags_ten_thousand_in_one_call(app: TestApp) {
        for part in 0..4 {
            let batch: Vec<Value> = (0..2_500)
                .map(|i| {
                    let n = part * 2_500 + i;
                    rasa::tracker(&format!("c{n:05}"), vec![rasa::user("hi", "greet", 0.9, T0 + n as f64, "rest")])
                })
                .collect();
            app.import(&Value::Array(batch)).await;
        }
        app.import(&json!([rasa::tracker("other", vec![rasa::user("hi", "bye", 0.9, T0, "rest")])])).await;
        let started = std::time::Instant::now();
        let (status, body) = app
            .post_json("/api/conversations/bulk", &json!({"selection": {"filter": "intent=greet"}, "action": "add_tag", "value": "greeters", "color": "00ff00"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["changed"], 10_000);
        assert!(started.elapsed().as_secs() < 30, "bulk took {:?}", started.elapsed());
        assert_eq!(app.count("tags_any=greeters").await, 10_000);
        assert_eq!(app.count("tags_none=greeters").await, 1);
        // Again: nothing changes.
        let (_, body) = app
            .post_json("/api/conversations/bulk", &json!({"selection": {"filter": "intent=greet"}, "action": "add_tag", "value": "greeters"}))
            .await;
        assert_eq!(body["changed"], 0);
        let (_, body) = app
            .post_json("/api/conversations/bulk", &json!({"selection": {"filter": "intent=greet"}, "action": "set_review_status", "review_status": "reviewed"}))
            .await;
        assert_eq!(body["changed"], 10_000);
        let (_, body) = app
            .post_json("/api/conversations/bulk", &json!({"selection": {"ids": ["c00001", "c00002", "nobody"]}, "action": "remove_tag", "value": "greeters"}))
            .await;
        assert_eq!(body["changed"], 2);
        assert_eq!(app.count("tags_any=greeters").await, 9_998);
        let (status, body) = app
            .post_json("/api/conversations/bulk", &json!({"selection": {"filter": "min_intent_confidence=7"}, "action": "delete"}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, body) = app
            .post_json("/api/conversations/bulk", &json!({"selection": {"ids": ["c00003"]}, "action": "add_tag", "value": "x", "color": "#00ff00"}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["field"], "color");
    }

    async fn audit_trail_of_two_reviewers(app: TestApp) {
        let mut app = app;
        app.import(&json!([rasa::greeting("a", T0, "rest", 0.9, 0.9)])).await;
        let ann = app.user_token("ann", "reviewer").await;
        let bob = app.user_token("bob", "reviewer").await;
        let admin = app.act_as(Some(ann.clone()));
        put_json(&app, "/api/conversations/a/reviewStatus", &json!({"review_status": "saved_for_later"})).await;
        app.act_as(Some(bob));
        put_json(&app, "/api/conversations/a/reviewStatus", &json!({"review_status": "reviewed"})).await;
        let trail = app.get_ok("/api/conversations/a/audit").await;
        let trail = trail.as_array().unwrap();
        assert_eq!(trail.len(), 2, "{trail:?}");
        assert_eq!(trail[0]["actor"], "bob");
        assert_eq!(trail[0]["before"]["review_status"], "saved_for_later");
        assert_eq!(trail[0]["after"]["review_status"], "reviewed");
        assert_eq!(trail[1]["actor"], "ann");
        assert_eq!(trail[1]["before"]["review_status"], "unread");
        assert_eq!(trail[1]["conversation_id"], "a");
        let (status, _) = app.get("/api/audit").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.act_as(admin);
        let all = app.get_ok("/api/audit").await;
        assert_eq!(all.as_array().unwrap().len(), 2);
        let (status, _) = app.get("/api/conversations/nobody/audit").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
