//! The maintained tag counts (per tag and review status) equal a recount of the live tagged
//! conversations after tagging (one, in bulk), untagging, status changes, trash, restore,
//! purge and a tag's deletion, one at a time and concurrently; and a tag's count, tabs and
//! usage answer from them what the listing walks.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::*;

#[derive(QueryableByName, Debug)]
struct Recounted {
    #[diesel(sql_type = BigInt)]
    tag_id: i64,
    #[diesel(sql_type = Text)]
    review_status: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `(tag id, review status, live conversations)` counted from the tagged conversations.
fn recount(app: &TestApp) -> Vec<(i64, String, i64)> {
    let mut conn = app.state.pool.get().unwrap();
    let rows: Vec<Recounted> = diesel::sql_query(
        "SELECT ct.tag_id, c.review_status, count(*) AS n FROM conversation_tags ct \
         JOIN conversations c ON c.id = ct.conversation_id WHERE c.deleted_at IS NULL \
         GROUP BY ct.tag_id, c.review_status ORDER BY 1, 2",
    )
    .load(&mut *conn)
    .unwrap();
    rows.into_iter()
        .map(|r| (r.tag_id, r.review_status, r.n))
        .collect()
}

/// The maintained counts equal a recount; each tag's `/count` (alone and with each status),
/// its tabs and its usage in the tags list equal what the listing walks.
async fn check(app: &TestApp, when: &str) {
    let expected = recount(app);
    let maintained = {
        let mut conn = app.state.pool.get().unwrap();
        hindsight_server::db::tag_counts::all(&mut conn).unwrap()
    };
    assert_eq!(maintained, expected, "{when}: maintained vs recount");
    let listed_tags = app.get_ok("/api/conversations/tags").await;
    for tag in listed_tags.as_array().unwrap() {
        let name = tag["value"].as_str().unwrap();
        let query = format!("tag={name}");
        let listed = app.all_ids(&query).await.len() as i64;
        assert_eq!(tag["conversations"], listed, "{when}: usage of {name}");
        assert_eq!(app.count(&query).await, listed, "{when}: count of {name}");
        let tabs = app
            .get_ok(&format!(
                "/api/conversations/tab-counts?estimate=true&{query}"
            ))
            .await;
        assert_eq!(tabs["exact"], true, "{when}: {name}'s tabs: {tabs}");
        let filter = hindsight_types::ConversationFilter::from_query(&query).unwrap();
        let maintained = {
            let mut conn = app.state.pool.get().unwrap();
            hindsight_server::db::tag_counts::by_status(&mut conn, &filter).unwrap()
        };
        let maintained = maintained.expect("a lone tag is answered from the maintained counts");
        for status in ["unread", "saved_for_later", "reviewed"] {
            let q = format!("{query}&review_status={status}");
            let listed = app.all_ids(&q).await.len() as i64;
            assert_eq!(app.count(&q).await, listed, "{when}: {q}");
            assert_eq!(tabs[status], listed, "{when}: {q}: {tabs}");
            let held = maintained
                .iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| *n);
            assert_eq!(held, listed, "{when}: {q} maintained");
        }
    }
}

async fn tag(app: &TestApp, id: &str, name: &str) {
    let body = json!([{ "value": name }]);
    let (status, body) = app
        .send(
            app.request(Method::POST, &format!("/api/conversations/{id}/tags"))
                .json(&body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn bulk(app: &TestApp, body: Value) {
    let (status, body) = app.post_json("/api/conversations/bulk", &body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn tag_id(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.state.pool.get().unwrap();
    crate::harness::count_sql(
        &mut conn,
        &format!("SELECT id AS n FROM tags WHERE name = '{name}'"),
    )
}

both_backends! {
    async fn maintained_tag_counts_equal_a_recount_after_each_change(app: TestApp) {
        let trackers: Vec<Value> = ["a", "b", "c", "d", "e", "f"]
            .iter()
            .enumerate()
            .map(|(i, id)| greeting(id, T0 + i as f64, ["rest", "slack"][i % 2], 0.9, 0.9))
            .collect();
        app.import(&Value::Array(trackers)).await;
        check(&app, "no tags").await;

        tag(&app, "a", "bug").await;
        tag(&app, "b", "bug").await;
        tag(&app, "b", "later").await;
        check(&app, "tagged one by one").await;
        bulk(&app, json!({"selection": {"filter": "channel=rest"}, "action": "add_tag", "value": "later"})).await;
        check(&app, "tagged in bulk").await;

        let path = |id: &str| format!("/api/conversations/{id}/reviewStatus");
        for (id, status) in [("a", "reviewed"), ("b", "saved_for_later"), ("c", "reviewed")] {
            let (code, body) = app.send(app.request(Method::PUT, &path(id)).json(&json!({"review_status": status}))).await;
            assert!(code.is_success(), "{body}");
        }
        check(&app, "status changes").await;
        bulk(&app, json!({"selection": {"filter": "tag=later"}, "action": "set_review_status", "review_status": "unread"})).await;
        check(&app, "bulk status").await;

        let (code, _) = app.send(app.request(Method::DELETE, "/api/conversations/a")).await;
        assert_eq!(code, StatusCode::NO_CONTENT);
        bulk(&app, json!({"selection": {"ids": ["c"]}, "action": "delete"})).await;
        check(&app, "trash").await;
        let (code, body) = app.post_json("/api/conversations/c/restore", &json!({})).await;
        assert!(code.is_success(), "{code} {body}");
        check(&app, "restore").await;

        // Appended events change nothing of the tags.
        let (code, body) = app
            .post_json("/api/conversations/b/events", &json!([user("hey", "greet", 0.9, T0 + 50.0, "telegram")]))
            .await;
        assert_eq!(code, StatusCode::OK, "{body}");
        check(&app, "appended events").await;

        let later = tag_id(&app, "later");
        let (code, _) = app.send(app.request(Method::DELETE, &format!("/api/conversations/b/tags/{later}"))).await;
        assert_eq!(code, StatusCode::NO_CONTENT);
        bulk(&app, json!({"selection": {"ids": ["e"]}, "action": "remove_tag", "value": "later"})).await;
        check(&app, "untagged").await;

        // Purged from the trash (a), and a live conversation deleted outright (b).
        app.state.pool.get().unwrap()
            .batch_execute("DELETE FROM conversations WHERE sender_id IN ('a', 'b')")
            .unwrap();
        check(&app, "purge").await;

        let bug = tag_id(&app, "bug");
        let (code, _) = app.send(app.request(Method::DELETE, &format!("/api/conversations/tags/{bug}"))).await;
        assert_eq!(code, StatusCode::NO_CONTENT);
        check(&app, "a tag deleted").await;
        assert!(recount(&app).iter().all(|(t, _, _)| *t != bug));
        assert!(!recount(&app).is_empty(), "\"later\" is still held");
    }

    async fn maintained_tag_counts_stay_exact_under_concurrent_changes(app: TestApp) {
        let first: Vec<Value> = (0..24)
            .map(|i| greeting(&format!("c{i}"), T0 + i as f64, "rest", 0.9, 0.9))
            .collect();
        app.import(&Value::Array(first)).await;
        for i in (0..24).step_by(2) {
            tag(&app, &format!("c{i}"), "bug").await;
        }
        // At once, on the same conversations: tags given and taken (one and in bulk), status
        // changes in both directions, trash and restore, each its own request.
        let mut requests = Vec::new();
        for round in 0..3 {
            for i in 0..24 {
                let id = format!("c{i}");
                let req = match (i + round) % 7 {
                    0 => app.request(Method::POST, &format!("/api/conversations/{id}/tags"))
                        .json(&json!([{"value": "bug"}])),
                    1 => app.request(Method::POST, "/api/conversations/bulk")
                        .json(&json!({"selection": {"ids": [id, format!("c{}", (i + 5) % 24)]}, "action": "remove_tag", "value": "bug"})),
                    2 => app.request(Method::PUT, &format!("/api/conversations/{id}/reviewStatus"))
                        .json(&json!({"review_status": "reviewed"})),
                    3 => app.request(Method::PUT, &format!("/api/conversations/{id}/reviewStatus"))
                        .json(&json!({"review_status": "unread"})),
                    4 => app.request(Method::DELETE, &format!("/api/conversations/{id}")),
                    5 => app.request(Method::POST, &format!("/api/conversations/{id}/restore")).json(&json!({})),
                    _ => app.request(Method::POST, "/api/conversations/bulk")
                        .json(&json!({"selection": {"ids": [format!("c{}", (i + 3) % 24), id]}, "action": "add_tag", "value": "bug"})),
                };
                requests.push(req);
            }
        }
        let done = crate::harness::send_at_once(requests).await;
        assert_eq!(done, 72);
        check(&app, "after concurrent changes").await;
    }
}
