//! Tags (with Rasa X's bodies) and flagged messages.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::{self, T0};

async fn send_json(app: &TestApp, method: Method, path: &str, body: &Value) -> (StatusCode, Value) {
    app.send(app.request(method, path).json(body)).await
}

fn names(tags: &Value) -> Vec<String> {
    tags.as_array()
        .unwrap()
        .iter()
        .map(|t| t["value"].as_str().unwrap().to_owned())
        .collect()
}

both_backends! {
    async fn a_script_logs_in_and_tags_like_rasa_x(app: TestApp) {
        app.import(&json!([rasa::greeting("a", T0, "rest", 0.9, 0.9)])).await;
        let mut app = app;
        let admin = app.act_as(None);
        // The script: log in, then post Rasa X's raw body without a Content-Type.
        let res = app.client.post(app.url("/api/auth")).body(r#"{"username":"tester","password":"pw-tester"}"#).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let token = res.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();
        let res = app
            .client
            .post(app.url("/api/conversations/a/tags"))
            .bearer_auth(&token)
            .body(r#"[{"value":"billing","color":"ff8800"},{"value":"urgent","color":"aa0000"}]"#)
            .send()
            .await
            .unwrap();
        assert!(res.headers().get("content-type").is_some());
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        assert_eq!(names(&body), vec!["billing", "urgent"]);
        assert_eq!(body[0]["color"], "ff8800");
        app.act_as(admin);
        // By id, and idempotent.
        let id = body[1]["id"].as_i64().unwrap();
        let (status, body) = app.post_raw("/api/conversations/a/tags", format!(r#"[{{"id": {id}}}]"#)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(names(&body), vec!["billing", "urgent"]);
        assert_eq!(names(&app.get_ok("/api/conversations/a/tags").await), vec!["billing", "urgent"]);
        let all = app.get_ok("/api/conversations/tags").await;
        assert_eq!(all[0]["value"], "billing");
        assert_eq!(all[0]["conversations"], 1);
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/conversations/a/tags/{id}"))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(names(&app.get_ok("/api/conversations/a/tags").await), vec!["billing"]);
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/conversations/a/tags/{id}"))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let trail = app.get_ok("/api/conversations/a/audit").await;
        assert_eq!(trail[0]["action"], "tag_removed");
    }

    async fn tag_validation_and_admin(app: TestApp) {
        app.import(&json!([rasa::greeting("a", T0, "rest", 0.9, 0.9)])).await;
        let (status, tag) = app.post_json("/api/tags", &json!({"value": "vip", "color": "00AAff"})).await;
        assert_eq!(status, StatusCode::OK, "{tag}");
        let id = tag["id"].as_i64().unwrap();
        for (body, field) in [
            (json!({"value": "x", "color": "#00aaff"}), "color"),
            (json!({"value": "x", "color": "00aaf"}), "color"),
            (json!({"value": "x", "color": "00aafg"}), "color"),
            (json!({"value": "", "color": "00aaff"}), "value"),
            (json!({"value": "y".repeat(101)}), "value"),
            (json!({"color": "00aaff"}), "value"),
        ] {
            let (status, err) = app.post_json("/api/tags", &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {err}");
            assert_eq!(err["error"]["field"], field, "{body}");
        }
        let (status, err) = app.post_raw("/api/conversations/a/tags", r#"[{"value":"z","color":"red"}]"#).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(err["error"]["field"], "color");
        let (status, _) = app.post_json("/api/tags", &json!({"value": "vip"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = app.post_json("/api/tags", &json!({"value": "other"})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = send_json(&app, Method::PATCH, &format!("/api/tags/{id}"), &json!({"value": "other"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, tag) = send_json(&app, Method::PATCH, &format!("/api/tags/{id}"), &json!({"value": "gold", "color": "ffd700"})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(tag["value"], "gold");
        let (status, _) = send_json(&app, Method::PATCH, "/api/tags/9999", &json!({"color": "ffd700"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.post_raw("/api/conversations/a/tags", r#"[{"id": 9999}]"#).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.post_raw("/api/conversations/nobody/tags", r#"[{"value": "gold"}]"#).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        app.post_raw("/api/conversations/a/tags", r#"[{"value": "gold"}]"#).await;
        let mut app = app;
        let reviewer = app.user_token("r", "reviewer").await;
        let admin = app.act_as(Some(reviewer));
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/conversations/tags/{id}"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.act_as(admin);
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/conversations/tags/{id}"))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert!(names(&app.get_ok("/api/conversations/a/tags").await).is_empty());
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/conversations/tags/{id}"))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn tag_filters_any_all_none(app: TestApp) {
        app.import(&json!([
            rasa::greeting("a", T0, "rest", 0.9, 0.9),
            rasa::greeting("b", T0 + 10.0, "rest", 0.9, 0.9),
            rasa::greeting("c", T0 + 20.0, "rest", 0.9, 0.9),
        ])).await;
        app.post_raw("/api/conversations/a/tags", r#"[{"value":"x"},{"value":"y"}]"#).await;
        app.post_raw("/api/conversations/b/tags", r#"[{"value":"x"}]"#).await;
        let sorted = |mut v: Vec<String>| { v.sort(); v };
        assert_eq!(sorted(app.ids("tags_any=x").await), vec!["a", "b"]);
        assert_eq!(sorted(app.ids("tags_any=y").await), vec!["a"]);
        assert_eq!(sorted(app.ids("tags_all=x&tags_all=y").await), vec!["a"]);
        assert_eq!(sorted(app.ids("tags_none=x").await), vec!["c"]);
        assert_eq!(sorted(app.ids("tags_none=y").await), vec!["b", "c"]);
    }

    async fn flags_by_event_and_by_timestamp(app: TestApp) {
        app.import(&json!([rasa::greeting("a", T0, "rest", 0.9, 0.9), rasa::greeting("b", T0 + 10.0, "rest", 0.9, 0.9)])).await;
        let detail = app.get_ok("/api/conversations/a").await;
        let user_event = detail["events"].as_array().unwrap().iter().find(|e| e["event"]["event"] == "user").unwrap().clone();
        let event_id = user_event["id"].as_i64().unwrap();
        let (status, body) = send_json(&app, Method::PUT, &format!("/api/conversations/a/events/{event_id}/flag"), &json!({"note": "wrong intent"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        assert_eq!(app.ids("flagged=true").await, vec!["a"]);
        let detail = app.get_ok("/api/conversations/a").await;
        let flagged = detail["events"].as_array().unwrap().iter().find(|e| e["id"] == event_id).unwrap().clone();
        assert_eq!(flagged["flag"]["note"], "wrong intent");
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/conversations/a/events/{event_id}/flag"))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert!(app.ids("flagged=true").await.is_empty());
        // Rasa X's route, by message timestamp, with no body.
        let (status, body) = app.send(app.request(Method::PUT, &format!("/api/conversations/a/messages/{}/flag", T0 + 1.0))).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        assert_eq!(app.ids("flagged=true").await, vec!["a"]);
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/conversations/a/messages/{}/flag", T0 + 1.0))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert!(app.ids("flagged=true").await.is_empty());
        let (status, _) = app.send(app.request(Method::PUT, "/api/conversations/a/messages/12.5/flag")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.send(app.request(Method::PUT, &format!("/api/conversations/b/events/{event_id}/flag"))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "the event belongs to another conversation");
        let trail = app.get_ok("/api/conversations/a/audit").await;
        assert_eq!(trail.as_array().unwrap().len(), 4);
    }
}

both_backends! {
    async fn saved_filters_share_and_permissions(app: TestApp) {
        let mut app = app;
        let ann = app.user_token("ann", "reviewer").await;
        let bob = app.user_token("bob", "reviewer").await;
        let admin = app.act_as(Some(ann));
        let (status, private) = app.post_json("/api/filters", &json!({"name": "mine", "query": "intent=greet"})).await;
        assert_eq!(status, StatusCode::OK, "{private}");
        let (_, shared) = app.post_json("/api/filters", &json!({"name": "team", "query": "flagged=true", "shared": true})).await;
        assert_eq!(shared["owner"], "ann");
        let (status, err) = app.post_json("/api/filters", &json!({"name": "bad", "query": "min_intent_confidence=7"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(err["error"]["field"], "query");
        let (status, _) = app.post_json("/api/filters", &json!({"name": "mine", "query": ""})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(app.get_ok("/api/filters").await.as_array().unwrap().len(), 2);
        app.act_as(Some(bob));
        let seen = app.get_ok("/api/filters").await;
        assert_eq!(seen.as_array().unwrap().len(), 1, "bob sees only the shared one");
        let edit = json!({"name": "team", "query": "flagged=false", "shared": true});
        let (status, _) = send_json(&app, Method::PUT, &format!("/api/filters/{}", shared["id"]), &edit).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/filters/{}", shared["id"]))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/filters/{}", private["id"]))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        app.act_as(admin);
        let (status, updated) = send_json(&app, Method::PUT, &format!("/api/filters/{}", shared["id"]), &edit).await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(updated["query"], "flagged=false");
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/filters/{}", shared["id"]))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app.send(app.request(Method::DELETE, "/api/filters/9999")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
