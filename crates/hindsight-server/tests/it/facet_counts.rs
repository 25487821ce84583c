//! The maintained facet counts follow every way a conversation stops or starts being live:
//! trash, restore, outright deletion, a changed channel and appended events.

use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::*;

fn count(facets: &Value, list: &str, value: &str) -> i64 {
    facets[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["value"] == value)
        .map_or(0, |f| f["count"].as_i64().unwrap())
}

fn sql(app: &TestApp, statement: &str) {
    app.state
        .pool
        .get()
        .unwrap()
        .batch_execute(statement)
        .unwrap();
}

both_backends! {
    async fn facet_counts_follow_trash_restore_delete_and_appends(app: TestApp) {
        app.import(&json!([
            greeting("a", T0, "rest", 0.95, 0.9),
            greeting("b", T0 + 10.0, "slack", 0.9, 0.9),
            greeting("c", T0 + 20.0, "rest", 0.9, 0.9),
        ]))
        .await;
        let f = app.get_ok("/api/facets").await;
        assert_eq!((count(&f, "intents", "greet"), count(&f, "channels", "rest"), count(&f, "channels", "slack")), (3, 2, 1));

        sql(&app, "UPDATE conversations SET deleted_at = updated_at WHERE sender_id = 'a'");
        let f = app.get_ok("/api/facets").await;
        assert_eq!((count(&f, "intents", "greet"), count(&f, "channels", "rest")), (2, 1), "trash: {f}");

        sql(&app, "UPDATE conversations SET deleted_at = NULL WHERE sender_id = 'a'");
        let f = app.get_ok("/api/facets").await;
        assert_eq!((count(&f, "intents", "greet"), count(&f, "channels", "rest")), (3, 2), "restore: {f}");

        sql(&app, "DELETE FROM conversations WHERE sender_id = 'b'");
        let f = app.get_ok("/api/facets").await;
        assert_eq!((count(&f, "intents", "greet"), count(&f, "channels", "slack")), (2, 0), "delete: {f}");

        // Appended events: a new intent, and the conversation's latest channel changes.
        let (status, body) = app
            .post_json("/api/conversations/c/events", &json!([user("bye", "goodbye", 0.9, T0 + 30.0, "telegram")]))
            .await;
        assert_eq!(status, 200, "{body}");
        let f = app.get_ok("/api/facets").await;
        assert_eq!(count(&f, "intents", "goodbye"), 1, "{f}");
        assert_eq!(count(&f, "intents", "greet"), 2, "{f}");
        assert_eq!((count(&f, "channels", "rest"), count(&f, "channels", "telegram")), (1, 1), "{f}");
    }
}

/// `/api/conversations/count` of every single intent, action, entity and policy the facets
/// list (answered from the maintained counts) against the same filter counted over the
/// conversations: `min_user_messages=0` holds for every conversation and takes the filter
/// out of what the maintained counts answer.
async fn assert_feature_totals_counted(app: &TestApp, when: &str) {
    let facets = app.get_ok("/api/facets").await;
    let mut checked = 0;
    for (list, param) in [
        ("intents", "intent"),
        ("actions", "action"),
        ("entities", "entity"),
        ("policies", "policy"),
    ] {
        for facet in facets[list].as_array().unwrap() {
            let value: String =
                url::form_urlencoded::byte_serialize(facet["value"].as_str().unwrap().as_bytes())
                    .collect();
            let query = format!("{param}={value}");
            let maintained = app.count(&query).await;
            let counted = app.count(&format!("{query}&min_user_messages=0")).await;
            assert_eq!(maintained, counted, "{when}: {query}");
            checked += 1;
        }
    }
    assert!(checked > 20, "{when}: only {checked} values in {facets}");
    assert_eq!(app.count("intent=no_such_intent").await, 0, "{when}");
}

both_backends! {
    async fn a_single_features_total_from_the_maintained_counts_is_the_counted_one(app: TestApp) {
        app.load_demo(300, 1);
        assert_feature_totals_counted(&app, "imported").await;

        let ids = app.ids("limit=4").await;
        for id in &ids[..3] {
            let (status, body) = app.send(app.request(Method::DELETE, &format!("/api/conversations/{id}"))).await;
            assert_eq!(status, 204, "trash {id}: {body}");
        }
        assert_feature_totals_counted(&app, "three in the trash").await;

        let (status, body) = app.post_json(&format!("/api/conversations/{}/restore", ids[0]), &json!({})).await;
        assert_eq!(status, 204, "restore: {body}");
        assert_feature_totals_counted(&app, "one restored").await;

        sql(&app, &format!("DELETE FROM conversations WHERE sender_id = '{}'", ids[3]));
        assert_feature_totals_counted(&app, "a live one deleted outright").await;

        let (status, body) = app
            .post_json(&format!("/api/conversations/{}/events", ids[0]), &json!([user("bye", "goodbye", 0.9, T0 + 1e8, "telegram")]))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(app.count("intent=goodbye").await, 1);
        assert_feature_totals_counted(&app, "events appended").await;
    }
}
