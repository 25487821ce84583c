//! Comments on conversations and messages: who may write, edit and delete them, `@username`
//! mentions and the "mentions of me" list, bad input, the audit trail, and the trash.

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::{self, T0};

async fn send_json(app: &TestApp, method: Method, path: &str, body: &Value) -> (StatusCode, Value) {
    app.send(app.request(method, path).json(body)).await
}

async fn comment(app: &TestApp, conversation: &str, body: Value) -> Value {
    let (status, c) = app
        .post_json(
            &format!("/api/conversations/{conversation}/comments"),
            &body,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}: {c}");
    c
}

/// The id of the conversation's first user message.
async fn user_event(app: &TestApp, conversation: &str) -> i64 {
    let detail = app
        .get_ok(&format!("/api/conversations/{conversation}"))
        .await;
    detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"]["event"] == "user")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// Every page of the caller's mentions, `limit` at a time: the ids, newest first.
async fn all_mentions(app: &TestApp, limit: i64) -> (Vec<i64>, Vec<Value>) {
    let (mut out, mut pages) = (Vec::new(), Vec::new());
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/comments/mentions?limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = app.get_ok(&path).await;
        out.extend(ids(&page["comments"]));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        pages.push(page);
        if cursor.is_none() {
            return (out, pages);
        }
    }
}

fn count(app: &TestApp, table: &str) -> i64 {
    use hindsight_server::db::schema::{comment_mentions, comments};
    let mut conn = app.state.pool.get().unwrap();
    match table {
        "comments" => comments::table.count().get_result(&mut conn).unwrap(),
        _ => comment_mentions::table
            .count()
            .get_result(&mut conn)
            .unwrap(),
    }
}

both_backends! {
    async fn comments_are_written_edited_and_deleted_by_their_author(app: TestApp) {
        app.import(&json!([rasa::greeting("a", T0, "rest", 0.9, 0.9)])).await;
        let event = user_event(&app, "a").await;
        let mut app = app;
        let ann = app.user_token("ann", "reviewer").await;
        let bob = app.user_token("bob", "reviewer").await;
        let vic = app.user_token("vic", "viewer").await;
        let admin = app.act_as(Some(ann.clone()));

        let on_conversation = comment(&app, "a", json!({"body": "  Looks fine, @bob; not @nobody, nor ann@example.com  "})).await;
        assert_eq!(on_conversation["author"], "ann");
        assert_eq!(on_conversation["body"], "Looks fine, @bob; not @nobody, nor ann@example.com", "stored trimmed");
        assert_eq!(on_conversation["mentions"], json!(["bob"]), "an unknown name stays plain text");
        assert_eq!(on_conversation["conversation_id"], "a");
        assert!(on_conversation["event_id"].is_null());
        assert!(on_conversation["edited_at"].is_null());
        let on_message = comment(&app, "a", json!({"body": "wrong intent @ann @vic @ann", "event_id": event})).await;
        assert_eq!(on_message["event_id"], event);
        assert_eq!(on_message["mentions"], json!(["ann", "vic"]));

        // Anyone signed in reads them, oldest first; a viewer may not write.
        app.act_as(Some(vic.clone()));
        let list = app.get_ok("/api/conversations/a/comments").await;
        assert_eq!(ids(&list), [on_conversation["id"].as_i64().unwrap(), on_message["id"].as_i64().unwrap()]);
        assert_eq!(list[1]["author"], "ann");
        assert!(list[1]["created_at"].is_string());
        let (status, _) = app.post_json("/api/conversations/a/comments", &json!({"body": "hi"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // Only the author edits; only the author or an admin deletes.
        let path = format!("/api/comments/{}", on_conversation["id"]);
        app.act_as(Some(bob.clone()));
        let (status, err) = send_json(&app, Method::PATCH, &path, &json!({"body": "mine now"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
        let (status, _) = app.send(app.request(Method::DELETE, &path)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.act_as(admin.clone());
        let (status, _) = send_json(&app, Method::PATCH, &path, &json!({"body": "admin's words"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "not even an admin edits another's comment");

        // The author edits: the text, edited_at and the mentions change.
        app.act_as(Some(ann.clone()));
        let (status, edited) = send_json(&app, Method::PATCH, &path, &json!({"body": "Looks fine, @vic."})).await;
        assert_eq!(status, StatusCode::OK, "{edited}");
        assert_eq!(edited["body"], "Looks fine, @vic.");
        assert_eq!(edited["mentions"], json!(["vic"]));
        assert!(edited["edited_at"].is_string());
        app.act_as(Some(bob.clone()));
        assert!(ids(&app.get_ok("/api/comments/mentions").await["comments"]).is_empty(), "bob is no longer mentioned");
        app.act_as(Some(vic.clone()));
        assert_eq!(ids(&app.get_ok("/api/comments/mentions").await["comments"]).len(), 2);

        app.act_as(Some(ann.clone()));
        let (status, _) = app.send(app.request(Method::DELETE, &path)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app.send(app.request(Method::DELETE, &path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = send_json(&app, Method::PATCH, &path, &json!({"body": "gone"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        app.act_as(Some(bob));
        let bobs = comment(&app, "a", json!({"body": "agreed"})).await;
        app.act_as(admin);
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/comments/{}", bobs["id"]))).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "an admin removes anyone's comment");
        assert_eq!(ids(&app.get_ok("/api/conversations/a/comments").await), [on_message["id"].as_i64().unwrap()]);
        assert_eq!(count(&app, "mentions"), 2, "the deleted comments' mentions went with them");

        // Every write is in the conversation's audit trail, newest first.
        let trail = app.get_ok("/api/conversations/a/audit").await;
        let trail: Vec<&Value> = trail.as_array().unwrap().iter().filter(|e| e["action"].as_str().unwrap().starts_with("comment_")).collect();
        let actions: Vec<&str> = trail.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["comment_deleted", "comment_added", "comment_deleted", "comment_edited", "comment_added", "comment_added"]);
        assert_eq!(trail[0]["actor"], "tester");
        assert_eq!(trail[0]["before"]["author"], "bob");
        assert_eq!(trail[3]["before"]["body"], "Looks fine, @bob; not @nobody, nor ann@example.com");
        assert_eq!(trail[3]["after"]["body"], "Looks fine, @vic.");
        assert_eq!(trail[3]["after"]["mentions"], json!(["vic"]));
        assert_eq!(trail[4]["after"]["event_id"], event);
        assert_eq!(trail[3]["target"], format!("comment {}", on_conversation["id"]));
    }

    async fn bad_comments_are_refused_with_nothing_written(app: TestApp) {
        app.import(&json!([rasa::greeting("a", T0, "rest", 0.9, 0.9), rasa::greeting("b", T0 + 10.0, "rest", 0.9, 0.9)])).await;
        let other = user_event(&app, "b").await;
        for body in [json!({"body": ""}), json!({"body": " \n\t "}), json!({"body": "x".repeat(10_001)})] {
            let (status, err) = app.post_json("/api/conversations/a/comments", &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
            assert_eq!(err["error"]["field"], "body");
        }
        let (status, err) = app.post_json("/api/conversations/a/comments", &json!({"text": "no body"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
        for event in [other, 999_999] {
            let (status, err) = app.post_json("/api/conversations/a/comments", &json!({"body": "hm", "event_id": event})).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
            assert_eq!(err["error"]["field"], "event_id");
            assert!(err["error"]["message"].as_str().unwrap().contains(&event.to_string()));
        }
        let (status, _) = app.post_json("/api/conversations/nobody/comments", &json!({"body": "hm"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.get("/api/conversations/nobody/comments").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(count(&app, "comments"), 0);
        let audit = app.get_ok("/api/audit").await;
        assert!(audit.as_array().unwrap().iter().all(|e| !e["action"].as_str().unwrap().starts_with("comment")), "{audit}");

        // The longest body is accepted; an edit is held to the same rules.
        let longest = comment(&app, "a", json!({"body": "é".repeat(10_000)})).await;
        let path = format!("/api/comments/{}", longest["id"]);
        let (status, err) = send_json(&app, Method::PATCH, &path, &json!({"body": "  "})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(err["error"]["field"], "body");
        assert_eq!(app.get_ok("/api/conversations/a/comments").await[0]["body"], "é".repeat(10_000));
        let (status, _) = send_json(&app, Method::PATCH, "/api/comments/999999", &json!({"body": "x"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, err) = send_json(&app, Method::PATCH, "/api/comments/abc", &json!({"body": "x"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    }

    async fn mentions_of_me_newest_first_in_pages(app: TestApp) {
        app.import(&json!([rasa::greeting("a", T0, "rest", 0.9, 0.9), rasa::greeting("b", T0 + 10.0, "rest", 0.9, 0.9)])).await;
        let (ea, eb) = (user_event(&app, "a").await, user_event(&app, "b").await);
        let mut app = app;
        let bob = app.user_token("bob", "reviewer").await;
        let mut expected = Vec::new();
        for i in 0..5 {
            let (conversation, event) = match i % 3 { 0 => ("a", Some(ea)), 1 => ("b", None), _ => ("b", Some(eb)) };
            let c = comment(&app, conversation, json!({"body": format!("@bob look #{i}"), "event_id": event})).await;
            expected.push((c["id"].as_i64().unwrap(), conversation, event));
            comment(&app, "a", json!({"body": format!("@bobby is not @bob_ and not bob #{i}")})).await;
        }
        expected.reverse();
        let admin = app.act_as(Some(bob.clone()));
        let (got, pages) = all_mentions(&app, 2).await;
        assert_eq!(got, expected.iter().map(|e| e.0).collect::<Vec<_>>(), "newest first, each once");
        assert_eq!(pages.len(), 3);
        let first = &pages[0]["comments"];
        assert_eq!(first[0]["conversation_id"], expected[0].1);
        assert_eq!(first[0]["event_id"], json!(expected[0].2));
        assert_eq!(first[1]["conversation_id"], expected[1].1);
        assert_eq!(first[1]["event_id"], json!(expected[1].2));
        assert!(first[0]["event_id"].is_null(), "a comment on the whole conversation");
        assert_eq!(first[0]["author"], "tester");
        assert_eq!(first[0]["mentions"], json!(["bob"]));
        assert_eq!(all_mentions(&app, 200).await.0, got);
        for (query, field) in [("limit=0", "limit"), ("limit=201", "limit"), ("cursor=abc", "cursor"), ("cursor=-4", "cursor"), ("page=2", "")] {
            let (status, err) = app.get(&format!("/api/comments/mentions?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {err}");
            if !field.is_empty() {
                assert_eq!(err["error"]["field"], field, "{query}");
            }
        }

        // A conversation in the trash takes its comments out of the list, until restored.
        app.act_as(admin.clone());
        let (status, _) = app.send(app.request(Method::DELETE, "/api/conversations/b")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app.get("/api/conversations/b/comments").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let in_b = expected.iter().find(|e| e.1 == "b").unwrap().0;
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/comments/{in_b}"))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "out of reach in the trash");
        app.act_as(Some(bob.clone()));
        let only_a: Vec<i64> = expected.iter().filter(|e| e.1 == "a").map(|e| e.0).collect();
        assert_eq!(all_mentions(&app, 50).await.0, only_a);
        app.act_as(admin);
        let (status, _) = app.post_json("/api/conversations/b/restore", &json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        app.act_as(Some(bob));
        assert_eq!(all_mentions(&app, 50).await.0, got);
    }

    async fn purged_conversations_take_their_comments(app: TestApp) {
        app.import(&json!([rasa::greeting("a", T0, "rest", 0.9, 0.9), rasa::greeting("b", T0 + 10.0, "rest", 0.9, 0.9)])).await;
        app.user_token("bob", "reviewer").await;
        let event = user_event(&app, "a").await;
        comment(&app, "a", json!({"body": "@bob on the conversation"})).await;
        let gone = comment(&app, "a", json!({"body": "@bob @tester on the message", "event_id": event})).await;
        let kept = comment(&app, "b", json!({"body": "@bob keep me"})).await;
        assert_eq!((count(&app, "comments"), count(&app, "mentions")), (3, 4));
        let (status, _) = app.send(app.request(Method::DELETE, "/api/conversations/a")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(count(&app, "comments"), 3, "the trash keeps them for a restore");
        // The trash purged as its retention does (with 0 days: everything in it).
        let mut conn = app.state.pool.get().unwrap();
        assert_eq!(hindsight_server::db::triage::purge(&mut conn, 0).unwrap(), 1);
        drop(conn);
        assert_eq!((count(&app, "comments"), count(&app, "mentions")), (1, 1), "no orphans");
        let (status, _) = app.send(app.request(Method::DELETE, &format!("/api/comments/{}", gone["id"]))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(ids(&app.get_ok("/api/conversations/b/comments").await), [kept["id"].as_i64().unwrap()]);
    }
}
